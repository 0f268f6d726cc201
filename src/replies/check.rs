//! The shipped translations (embedded by build.rs from `replies/<locale>/`) and the check that
//! each is complete: every English template, with the same variables, helpers and compared
//! values, and every label. A translation that drifts from English stops the start, naming
//! the file, instead of failing in front of a customer who writes that language.

use super::labels::{check_table, Labels};
use super::{RepliesError, Reply, BUILTIN_EN, LABELS_FILE};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

include!(concat!(env!("OUT_DIR"), "/shipped_replies.rs"));

/// The locales shipped besides English, e.g. `["de", "es", "fr", "ja", "pt"]`.
pub fn shipped_locales() -> Vec<&'static str> {
    SHIPPED.iter().map(|(locale, _)| *locale).collect()
}

/// A shipped file's text (`ask_email.hbs`, `labels.toml`) in a shipped locale.
pub(super) fn shipped_file(locale: &str, file: &str) -> Option<&'static str> {
    let (_, files) = SHIPPED.iter().find(|(l, _)| *l == locale)?;
    files.iter().find(|(name, _)| *name == file).map(|(_, text)| *text)
}

/// Checks every shipped translation against the built-in English templates.
pub fn check_shipped() -> Result<(), RepliesError> {
    for (locale, files) in SHIPPED {
        let files: Vec<(String, String)> = files.iter().map(|(n, t)| (n.to_string(), t.to_string())).collect();
        check_locale(&format!("replies/{locale}"), &files)?;
    }
    super::snippets::check_shipped()
}

/// Checks the translations in a replies folder laid out like the shipped one: every subfolder
/// but `en/` must be a complete translation of the built-in English templates (and have the
/// snippets of `en/snippets/`, with the same variables, where the folder has them). This is the
/// start-up check, for a change to the shipped translations before it is built in.
pub fn check_folder(dir: &Path) -> Result<(), RepliesError> {
    let io = |file: &Path| {
        let file = file.display().to_string();
        move |source| RepliesError::Io { file: file.clone(), source }
    };
    let mut locales: Vec<_> = std::fs::read_dir(dir)
        .map_err(io(dir))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir() && p.file_name().is_some_and(|n| n != "en"))
        .collect();
    locales.sort();
    for locale_dir in locales {
        let mut files = Vec::new();
        for entry in std::fs::read_dir(&locale_dir).map_err(io(&locale_dir))? {
            let path = entry.map_err(io(&locale_dir))?.path();
            if path.is_file() {
                let text = std::fs::read_to_string(&path).map_err(io(&path))?;
                files.push((path.file_name().unwrap_or_default().to_string_lossy().into_owned(), text));
            }
        }
        check_locale(&locale_dir.display().to_string(), &files)?;
        super::snippets::check_folder_locale(&dir.join("en"), &locale_dir)?;
    }
    Ok(())
}

/// One translation's files (name, text), found under `folder` (for the messages).
fn check_locale(folder: &str, files: &[(String, String)]) -> Result<(), RepliesError> {
    let names = Reply::template_names();
    for (file, _) in files {
        let known = file == LABELS_FILE || file.strip_suffix(".hbs").is_some_and(|stem| names.contains(&stem));
        if !known {
            return Err(RepliesError::Translation {
                file: format!("{folder}/{file}"),
                message:
                    "no reply is named so (a translation has one `<reply>.hbs` per English template, and labels.toml)"
                        .into(),
            });
        }
    }
    for &(name, english) in BUILTIN_EN {
        let file = format!("{folder}/{name}.hbs");
        let Some((_, text)) = files.iter().find(|(f, _)| *f == format!("{name}.hbs")) else {
            return Err(RepliesError::Translation {
                file,
                message: format!("missing: every template of replies/en/ needs a translation ({name}.hbs)"),
            });
        };
        same_tokens(&file, &tokens(text), &tokens(english), name)?;
    }
    let labels_file = format!("{folder}/{LABELS_FILE}");
    let Some((_, text)) = files.iter().find(|(f, _)| f == LABELS_FILE) else {
        return Err(RepliesError::Translation {
            file: labels_file,
            message: "missing: the translated reason, resolution and button labels".into(),
        });
    };
    let problems = check_table(&parse_labels(&labels_file, text)?);
    if let Some(first) = problems.first() {
        let more = if problems.len() > 1 { format!(" (and {} more)", problems.len() - 1) } else { String::new() };
        return Err(RepliesError::Translation { file: labels_file, message: format!("{first}{more}") });
    }
    Ok(())
}

fn same_tokens(
    file: &str,
    translated: &BTreeSet<String>,
    english: &BTreeSet<String>,
    name: &str,
) -> Result<(), RepliesError> {
    if translated == english {
        return Ok(());
    }
    let missing: Vec<_> = english.difference(translated).cloned().collect();
    let extra: Vec<_> = translated.difference(english).cloned().collect();
    Err(RepliesError::Translation {
        file: file.to_string(),
        message: format!(
            "its handlebars expressions differ from replies/en/{name}.hbs: missing {missing:?}, not in English {extra:?}"
        ),
    })
}

pub(super) fn parse_labels(file: &str, text: &str) -> Result<BTreeMap<String, String>, RepliesError> {
    Labels::parse(text).map_err(|message| RepliesError::Translation { file: file.to_string(), message })
}

/// The words of a template's `{{ }}` expressions: variables, helpers and the values they are
/// compared with (`eq kind "abusive"`). Block markers and `else` are left out; comments too.
pub fn tokens(source: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = source;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        let inner = after[..end].trim_start_matches(['{', '~']);
        if !inner.starts_with('!') {
            for raw in inner.split(|c: char| c.is_whitespace() || c == '(' || c == ')') {
                let token = raw.trim_matches(|c| matches!(c, '#' | '/' | '^' | '>' | '~' | '{' | '}'));
                if !token.is_empty() && token != "else" {
                    out.insert(token.to_string());
                }
            }
        }
        rest = &after[end + 2..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_variables_helpers_and_compared_values() {
        let found = tokens(
            "{{#if (eq kind \"abusive\")}}🚩{{else}}⚠️{{/if}} **Case #{{case_id}}** {{quote excerpt}}{{! a note }}",
        );
        let expected: BTreeSet<String> =
            ["if", "eq", "kind", "\"abusive\"", "case_id", "quote", "excerpt"].iter().map(|s| s.to_string()).collect();
        assert_eq!(found, expected);
    }

    #[test]
    fn the_shipped_translations_are_complete() {
        check_shipped().unwrap();
        assert_eq!(shipped_locales(), ["de", "es", "fr", "ja", "pt"]);
    }
}
