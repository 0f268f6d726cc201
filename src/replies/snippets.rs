//! Snippets: canned replies an agent writes into a live conversation as `{{name}}`, each
//! `replies/<locale>/snippets/<name>.hbs` rendered with the case's variables in the customer's
//! language. Only these markers in the agent's own message are looked at; the message itself is
//! never a template, and what customers wrote only ever reaches a snippet as a value.
//!
//! Every locale ships the same snippets with the same variables as English (checked at start,
//! like the reply templates); a replies folder may override or add some per locale
//! (`<folder>/<locale>/snippets/`), and those render once with sample values at load.

use super::catalog::Catalog;
use super::check::tokens;
use super::labels::Labels;
use super::{Replies, RepliesError};
use crate::language::Language;
use handlebars::Handlebars;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

include!(concat!(env!("OUT_DIR"), "/shipped_snippets.rs"));

/// The folder of a locale's snippets, beside its templates.
pub const SNIPPETS_DIR: &str = "snippets";

/// What a snippet can say about the case; a value the case does not have yet is empty, so
/// `{{#if order_id}}` tells. Words the bot writes itself (status, method, timeline) come in
/// English and are translated by the locale's labels.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SnippetVars {
    pub case_id: i64,
    pub order_id: String,
    pub product: String,
    pub amount_paid: String,
    /// The refund decided for the case (`$49.00`), empty when none is.
    pub refund_amount: String,
    pub refund_method: String,
    pub refund_timeline: String,
    /// Where the case stands, as the status answer says it ("a member of our team is reviewing it").
    pub status: String,
    /// The agent's name as the relay signs it.
    pub agent: String,
}

impl SnippetVars {
    /// Values for the load-time check, with every optional one both set and, in `empty`, not.
    fn samples() -> [SnippetVars; 2] {
        let full = SnippetVars {
            case_id: 12,
            order_id: "ORD-1001".into(),
            product: "Web Design Course".into(),
            amount_paid: "$49.00".into(),
            refund_amount: "$49.00".into(),
            refund_method: "your original payment method".into(),
            refund_timeline: "5–10 business days".into(),
            status: "a member of our team is reviewing it".into(),
            agent: "Sam".into(),
        };
        let empty = SnippetVars { case_id: 13, agent: "Sam".into(), ..SnippetVars::default() };
        [full, empty]
    }

    fn localized(&self, labels: &Labels) -> SnippetVars {
        let mut vars = self.clone();
        for words in [&mut vars.refund_method, &mut vars.refund_timeline, &mut vars.status] {
            *words = labels.translate(words);
        }
        vars
    }
}

/// A `{{name}}` in an agent's message that names no snippet: nothing is relayed, and the agent
/// is told which ones there are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownSnippet {
    pub name: String,
    pub available: Vec<String>,
}

/// The `{{name}}` markers of a message: (byte range, name). A name is lower-case letters,
/// digits, `_` and `-`, as snippet files are named; anything else between braces is text.
pub fn markers(text: &str) -> Vec<(std::ops::Range<usize>, &str)> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(start) = text[from..].find("{{").map(|i| from + i) {
        let Some(end) = text[start + 2..].find("}}").map(|i| start + 2 + i) else { break };
        let name = text[start + 2..end].trim();
        if is_snippet_name(name) {
            found.push((start..end + 2, name));
            from = end + 2;
        } else {
            from = start + 2;
        }
    }
    found
}

fn is_snippet_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

/// Registers a locale's snippets in its catalog's registry as `snippet:<name>`: the shipped
/// English ones, the replies folder's English ones, the shipped locale's, then the folder's
/// locale's, each replacing the one before by name (so a seller's English-only snippet is
/// there, in English, for every language). Returns the names and the files they came from.
pub(super) fn register(
    tag: &str,
    root: Option<&Path>,
    registry: &mut Handlebars<'static>,
) -> Result<BTreeMap<String, String>, RepliesError> {
    let mut sources: BTreeMap<String, (String, String)> = BTreeMap::new();
    for locale in ["en", tag] {
        for (name, text) in shipped(locale) {
            let file = format!("replies/{locale}/{SNIPPETS_DIR}/{name}.hbs (built-in)");
            sources.insert(name.to_string(), (file, text.to_string()));
        }
        for (name, file, text) in folder_snippets(root.map(|r| r.join(locale)).as_deref())? {
            sources.insert(name, (file, text));
        }
    }
    let mut files = BTreeMap::new();
    for (name, (file, text)) in sources {
        registry.register_template_string(&template_name(&name), text).map_err(|e| {
            let (line, column) = e.pos().unzip();
            RepliesError::Template { file: file.clone(), line, column, message: e.reason().to_string() }
        })?;
        files.insert(name, file);
    }
    Ok(files)
}

fn template_name(snippet: &str) -> String {
    format!("snippet:{snippet}")
}

fn shipped(locale: &str) -> &'static [(&'static str, &'static str)] {
    SHIPPED_SNIPPETS.iter().find(|(l, _)| *l == locale).map_or(&[], |(_, files)| files)
}

/// The `.hbs` files of `<folder>/snippets/`: (name, file, text).
fn folder_snippets(folder: Option<&Path>) -> Result<Vec<(String, String, String)>, RepliesError> {
    let Some(dir) = folder.map(|f| f.join(SNIPPETS_DIR)).filter(|d| d.is_dir()) else {
        return Ok(vec![]);
    };
    let io = |file: &Path| {
        let file = file.display().to_string();
        move |source| RepliesError::Io { file: file.clone(), source }
    };
    let mut found = Vec::new();
    for entry in std::fs::read_dir(&dir).map_err(io(&dir))? {
        let path = entry.map_err(io(&dir))?.path();
        if !path.is_file() || path.extension().is_none_or(|e| e != "hbs") {
            continue;
        }
        let name = path.file_stem().unwrap_or_default().to_string_lossy().into_owned();
        if !is_snippet_name(&name) {
            return Err(RepliesError::Translation {
                file: path.display().to_string(),
                message: "a snippet's name is lower-case letters, digits, `_` and `-` (agents write it as {{name}})"
                    .into(),
            });
        }
        let text = std::fs::read_to_string(&path).map_err(io(&path))?;
        found.push((name, path.display().to_string(), text));
    }
    Ok(found)
}

/// Checks that every shipped locale has English's snippets, with the same variables.
pub(super) fn check_shipped() -> Result<(), RepliesError> {
    let english = shipped("en");
    for (locale, files) in SHIPPED_SNIPPETS.iter().filter(|(l, _)| *l != "en") {
        let names = |files: &[(&str, &str)]| files.iter().map(|(n, _)| n.to_string()).collect::<Vec<_>>();
        if names(files) != names(english) {
            return Err(RepliesError::Translation {
                file: format!("replies/{locale}/{SNIPPETS_DIR}/"),
                message: format!("snippets {:?}, but English has {:?}", names(files), names(english)),
            });
        }
        for ((name, text), (_, english)) in files.iter().zip(english) {
            same_variables(&format!("replies/{locale}/{SNIPPETS_DIR}/{name}.hbs"), text, english)?;
        }
    }
    Ok(())
}

/// A folder's translation against the folder's English snippets: the same names, the same
/// variables. Nothing to compare when the folder has no English snippets.
pub(super) fn check_folder_locale(english_dir: &Path, locale_dir: &Path) -> Result<(), RepliesError> {
    let english = folder_snippets(Some(english_dir))?;
    if english.is_empty() {
        return Ok(());
    }
    let translated = folder_snippets(Some(locale_dir))?;
    let names = |found: &[(String, String, String)]| {
        let mut names: Vec<String> = found.iter().map(|(name, _, _)| name.clone()).collect();
        names.sort();
        names
    };
    if names(&translated) != names(&english) {
        return Err(RepliesError::Translation {
            file: locale_dir.join(SNIPPETS_DIR).display().to_string(),
            message: format!("snippets {:?}, but English has {:?}", names(&translated), names(&english)),
        });
    }
    for (name, file, text) in &translated {
        let (_, _, english) = english.iter().find(|(n, _, _)| n == name).expect("the same names");
        same_variables(file, text, english)?;
    }
    Ok(())
}

/// A translated snippet must use exactly the English one's variables and helpers.
pub(super) fn same_variables(file: &str, translated: &str, english: &str) -> Result<(), RepliesError> {
    let (translated, english) = (tokens(translated), tokens(english));
    if translated == english {
        return Ok(());
    }
    Err(RepliesError::Translation {
        file: file.to_string(),
        message: format!(
            "its handlebars expressions differ from the English snippet: missing {:?}, not in English {:?}",
            english.difference(&translated).collect::<Vec<_>>(),
            translated.difference(&english).collect::<Vec<_>>()
        ),
    })
}

impl Catalog {
    fn render_snippet(&self, name: &str, vars: &SnippetVars) -> Result<String, RepliesError> {
        let vars = vars.localized(&self.labels);
        let rendered = self.registry.render(&template_name(name), &vars).map_err(|e| RepliesError::Render {
            file: self.snippets.get(name).cloned().unwrap_or_else(|| name.to_string()),
            line: e.line_no,
            column: e.column_no,
            message: e.reason().to_string(),
        })?;
        Ok(rendered.trim().to_string())
    }

    /// Renders every snippet with the sample values: a variable no snippet can have fails here.
    pub(super) fn render_snippet_samples(&self) -> Result<(), RepliesError> {
        for name in self.snippets.keys() {
            for vars in SnippetVars::samples() {
                self.render_snippet(name, &vars)?;
            }
        }
        Ok(())
    }
}

impl Replies {
    /// An agent's message with each `{{name}}` replaced by that snippet, in the language of
    /// someone who writes `language`; the first unknown name refuses the whole message.
    pub fn expand_snippets(
        &self,
        language: Option<Language>,
        message: &str,
        vars: &SnippetVars,
    ) -> Result<Result<String, UnknownSnippet>, RepliesError> {
        let catalog = self.catalog_for(language);
        let mut out = String::with_capacity(message.len());
        let mut last = 0;
        for (range, name) in markers(message) {
            if !catalog.snippets.contains_key(name) {
                let available = catalog.snippets.keys().cloned().collect();
                return Ok(Err(UnknownSnippet { name: name.to_string(), available }));
            }
            out.push_str(&message[last..range.start]);
            out.push_str(&catalog.render_snippet(name, vars)?);
            last = range.end;
        }
        out.push_str(&message[last..]);
        Ok(Ok(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_are_snippet_names_between_double_braces_and_nothing_else() {
        let text = "Hi {{hello}}! {{ refund_timeline }} {{Not one}} {{}} {x} {{more-details}} {{open";
        let names: Vec<&str> = markers(text).into_iter().map(|(_, name)| name).collect();
        assert_eq!(names, ["hello", "refund_timeline", "more-details"]);
        let (range, _) = markers(text)[0].clone();
        assert_eq!(&text[range], "{{hello}}");
        assert!(markers("{{{{hello}}").iter().all(|(_, n)| *n == "hello"));
    }

    #[test]
    fn a_message_expands_in_the_customers_language_and_an_unknown_name_is_refused() {
        let replies = Replies::builtin();
        let vars = SnippetVars {
            case_id: 4,
            order_id: "ORD-1001".into(),
            product: "Web Design Course".into(),
            refund_amount: "$49.00".into(),
            refund_method: "your original payment method".into(),
            refund_timeline: "5–10 business days".into(),
            ..SnippetVars::default()
        };
        let english = replies.expand_snippets(None, "Sure. {{refund_timeline}} Sam", &vars).unwrap().unwrap();
        assert_eq!(
            english,
            "Sure. Your refund of $49.00 goes back to your original payment method. Once it's sent, it usually \
             arrives within 5–10 business days, depending on your bank. Sam"
        );
        let spanish = replies.expand_snippets(Some(Language::Spanish), "{{refund_timeline}}", &vars).unwrap().unwrap();
        assert!(spanish.contains("tu método de pago original") && spanish.contains("5–10 días hábiles"), "{spanish}");
        // Text that only looks like a template stays as written.
        let plain = "Use {{ Coupon }} or {x}";
        assert_eq!(replies.expand_snippets(None, plain, &vars).unwrap().unwrap(), plain);
        let unknown = replies.expand_snippets(None, "{{hello}} {{refund_tiemline}}", &vars).unwrap().unwrap_err();
        assert_eq!(unknown.name, "refund_tiemline");
        assert_eq!(unknown.available, ["anything_else", "hello", "more_details", "refund_timeline"]);
    }

    #[test]
    fn every_locale_ships_the_english_snippets_with_the_same_variables() {
        check_shipped().unwrap();
        let locales: Vec<&str> = SHIPPED_SNIPPETS.iter().map(|(l, _)| *l).collect();
        assert_eq!(locales, ["de", "en", "es", "fr", "ja", "pt"]);
        assert!(same_variables("x.hbs", "{{product}}", "{{order_id}}").is_err());
    }
}
