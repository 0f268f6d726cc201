//! The loaded templates: one catalog per locale (built in, shipped or from the replies folder,
//! template by template), the choice of catalog for a reader's language, and the rendering.

use super::labels::Labels;
use super::{check, helpers, neutralise_mentions, RepliesError, Reply, BUILTIN_EN};
use crate::language::Language;
use handlebars::Handlebars;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// The templates of one locale, compiled, with its labels and snippets (`replies::snippets`
/// renders those).
pub(super) struct Catalog {
    pub(super) registry: Handlebars<'static>,
    /// Template name -> the file it came from, for error messages.
    files: HashMap<&'static str, String>,
    pub(super) labels: Labels,
    /// Snippet name -> the file it came from (registered as `snippet:<name>`).
    pub(super) snippets: BTreeMap<String, String>,
}

/// Every locale's templates, ready to render: the seller's `locale` for staff and for anything
/// said outside a case, the customer's language where a locale has it.
pub struct Replies {
    /// The seller's `locale` tag, a key of `catalogs`.
    seller: String,
    catalogs: HashMap<String, Catalog>,
    /// Which catalog speaks a language: its own tag (`es`), else the seller's or a folder's
    /// regional one (`pt-BR`).
    by_language: HashMap<Language, String>,
}

impl std::fmt::Debug for Replies {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut locales: Vec<_> = self.catalogs.keys().collect();
        locales.sort();
        f.debug_struct("Replies").field("seller", &self.seller).field("locales", &locales).finish_non_exhaustive()
    }
}

/// The locale whose templates are the reference: built in, and what every translation must match.
const BUILTIN_LOCALE: &str = "en";

impl Replies {
    /// Loads every locale: the built-in English templates, the shipped translations (checked
    /// first: complete, with the same variables as English), and `dir/<locale>/` folders, whose
    /// files override the shipped or built-in ones template by template. `locale` is the
    /// seller's. Then renders every sample in every locale, so a template that fails (syntax, or
    /// a variable its reply does not have) is refused here with its file, line and column.
    pub fn load(dir: Option<&Path>, locale: &str) -> Result<Replies, RepliesError> {
        let locale_err = |message: String| RepliesError::Locale { locale: locale.to_string(), message };
        // The locale becomes a path component: keep it to a plain tag like "en" or "pt-BR".
        if !is_locale_tag(locale) {
            return Err(locale_err("not a locale tag (expected letters, digits, '-' or '_')".into()));
        }
        check::check_shipped()?;
        let shipped = check::shipped_locales();
        let folder_locales = dir.map(folder_locales).transpose()?.unwrap_or_default();
        let has_folder = |tag: &str| dir.is_some_and(|d| d.join(tag).is_dir());
        if locale != BUILTIN_LOCALE && !shipped.contains(&locale) && !has_folder(locale) {
            let looked = dir.map_or("no replies folder configured".to_string(), |d| {
                format!("{} does not exist", d.join(locale).display())
            });
            let built_in = std::iter::once(BUILTIN_LOCALE).chain(shipped.iter().copied()).collect::<Vec<_>>();
            return Err(locale_err(format!("built in are {}, and {looked}", built_in.join(", "))));
        }

        let mut tags: Vec<String> = std::iter::once(BUILTIN_LOCALE.to_string())
            .chain(shipped.iter().map(|t| t.to_string()))
            .chain(folder_locales)
            .chain(std::iter::once(locale.to_string()))
            .collect();
        tags.sort();
        tags.dedup();
        let mut catalogs = HashMap::new();
        // Catalogs whose samples are rendered here: English and every folder's. A shipped
        // translation alone was checked against English above, and its samples render in the
        // tests, so start-up does not pay for rendering them again.
        let mut to_render = vec![BUILTIN_LOCALE.to_string()];
        for tag in &tags {
            let folder = dir.map(|d| d.join(tag)).filter(|d| d.is_dir());
            if folder.is_some() {
                to_render.push(tag.clone());
            }
            catalogs.insert(tag.clone(), Catalog::load(tag, folder.as_deref(), dir)?);
        }
        let mut by_language = HashMap::new();
        // Exact tags first, then the seller's, then any regional folder.
        let mut ranked: Vec<&String> = tags.iter().collect();
        ranked.sort_by_key(|t| (Language::parse(t).is_none(), t.as_str() != locale));
        for tag in ranked {
            if let Some(language) = Language::from_tag(tag) {
                by_language.entry(language).or_insert_with(|| tag.clone());
            }
        }
        let replies = Replies { seller: locale.to_string(), catalogs, by_language };
        for tag in &to_render {
            replies.render_samples(tag)?;
        }
        Ok(replies)
    }

    /// Renders every sample (and every snippet) in the locale `tag`, as `load` does for English
    /// and folders; the tests run it for the shipped translations.
    pub fn render_samples(&self, tag: &str) -> Result<(), RepliesError> {
        let catalog = self.catalogs.get(tag).ok_or_else(|| RepliesError::Locale {
            locale: tag.to_string(),
            message: "no such locale is loaded".into(),
        })?;
        for sample in Reply::samples() {
            catalog.render(&sample)?;
        }
        catalog.render_snippet_samples()
    }

    /// The built-in and shipped templates, seller locale English. They are checked by the
    /// tests, so this does not fail.
    pub fn builtin() -> Replies {
        Replies::load(None, BUILTIN_LOCALE).expect("built-in reply templates are valid")
    }

    /// The chat text of `reply` in the seller's locale (staff posts, what is said outside a
    /// case), trailing whitespace trimmed.
    pub fn render(&self, reply: &Reply) -> Result<String, RepliesError> {
        self.seller().render(reply)
    }

    /// The chat text of `reply` for someone who writes `language`: in it when a locale has it,
    /// else in the seller's locale.
    pub fn render_in(&self, language: Option<Language>, reply: &Reply) -> Result<String, RepliesError> {
        self.catalog_for(language).render(reply)
    }

    /// A label (a button's, say) for someone who writes `language`, as `render_in` chooses.
    pub fn label_in(&self, language: Option<Language>, label: &str) -> String {
        self.catalog_for(language).labels.translate(label)
    }

    /// Whether `language` is answered in its own words (a locale has it), not the seller's.
    pub fn speaks(&self, language: Language) -> bool {
        self.by_language.contains_key(&language)
    }

    /// The language of the seller's locale, if it names one.
    pub fn seller_language(&self) -> Option<Language> {
        Language::from_tag(&self.seller)
    }

    fn seller(&self) -> &Catalog {
        &self.catalogs[&self.seller]
    }

    pub(super) fn catalog_for(&self, language: Option<Language>) -> &Catalog {
        language
            .and_then(|l| self.by_language.get(&l))
            .and_then(|tag| self.catalogs.get(tag))
            .unwrap_or_else(|| self.seller())
    }
}

impl Catalog {
    /// One locale: each template from `folder` where it has it, else the shipped translation,
    /// else the built-in English one; labels likewise, entry by entry. `root` is the replies
    /// folder (its `en/` snippets stand in where a locale has none of that name).
    fn load(tag: &str, folder: Option<&Path>, root: Option<&Path>) -> Result<Catalog, RepliesError> {
        if let Some(d) = folder {
            refuse_stray_files(d)?;
        }
        let mut registry = Handlebars::new();
        registry.set_strict_mode(true);
        registry.register_escape_fn(neutralise_mentions);
        registry.register_helper("quote", Box::new(helpers::quote));
        registry.register_helper("plain", Box::new(helpers::plain));
        registry.register_helper("if", Box::new(helpers::StrictIf { positive: true }));
        registry.register_helper("unless", Box::new(helpers::StrictIf { positive: false }));

        let mut files = HashMap::new();
        for &(name, builtin) in BUILTIN_EN {
            let override_path = folder.map(|d| d.join(format!("{name}.hbs")));
            let (file, source) = match override_path.filter(|p| p.is_file()) {
                Some(path) => {
                    let file = path.display().to_string();
                    let source = std::fs::read_to_string(&path)
                        .map_err(|source| RepliesError::Io { file: file.clone(), source })?;
                    (file, source)
                }
                None => match check::shipped_file(tag, &format!("{name}.hbs")) {
                    Some(source) => (format!("replies/{tag}/{name}.hbs (built-in)"), source.to_string()),
                    None => (format!("replies/en/{name}.hbs (built-in)"), builtin.to_string()),
                },
            };
            registry.register_template_string(name, source).map_err(|e| {
                let (line, column) = e.pos().unzip();
                RepliesError::Template { file: file.clone(), line, column, message: e.reason().to_string() }
            })?;
            files.insert(name, file);
        }

        let mut table = BTreeMap::new();
        if let Some(shipped) = check::shipped_file(tag, LABELS_FILE) {
            table = check::parse_labels(&format!("replies/{tag}/{LABELS_FILE}"), shipped)?;
        }
        if let Some(path) = folder.map(|d| d.join(LABELS_FILE)).filter(|p| p.is_file()) {
            let file = path.display().to_string();
            let text =
                std::fs::read_to_string(&path).map_err(|source| RepliesError::Io { file: file.clone(), source })?;
            table.extend(check::parse_labels(&file, &text)?);
        }
        let snippets = super::snippets::register(tag, root, &mut registry)?;
        Ok(Catalog { registry, files, labels: Labels::from_table(&table), snippets })
    }

    fn render(&self, reply: &Reply) -> Result<String, RepliesError> {
        let name = reply.template_name();
        let reply = self.labels.localize(reply);
        let rendered = self.registry.render(name, &reply).map_err(|e| RepliesError::Render {
            file: self.files.get(name).cloned().unwrap_or_else(|| name.to_string()),
            line: e.line_no,
            column: e.column_no,
            message: e.reason().to_string(),
        })?;
        let trimmed_len = rendered.trim_end().len();
        let mut text = rendered;
        text.truncate(trimmed_len);
        Ok(text)
    }
}

/// The file of a locale's labels, beside its templates.
pub const LABELS_FILE: &str = "labels.toml";

fn is_locale_tag(tag: &str) -> bool {
    !tag.is_empty() && tag.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// The subfolders of a replies folder that name a language (`es`, `pt-BR`): a customer who
/// writes it is answered from there.
fn folder_locales(dir: &Path) -> Result<Vec<String>, RepliesError> {
    if !dir.is_dir() {
        return Ok(vec![]);
    }
    let io_err = |source| RepliesError::Io { file: dir.display().to_string(), source };
    let mut tags = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io_err)? {
        let path = entry.map_err(io_err)?.path();
        let tag = path.file_name().unwrap_or_default().to_string_lossy().into_owned();
        if path.is_dir() && is_locale_tag(&tag) && Language::from_tag(&tag).is_some() {
            tags.push(tag);
        }
    }
    Ok(tags)
}

/// A `.hbs` file that matches no reply is almost always a typo (`ask_emial.hbs`) that would
/// otherwise be ignored silently while the built-in text goes out.
fn refuse_stray_files(dir: &Path) -> Result<(), RepliesError> {
    let io_err = |source| RepliesError::Io { file: dir.display().to_string(), source };
    let names = Reply::template_names();
    for entry in std::fs::read_dir(dir).map_err(io_err)? {
        let path: PathBuf = entry.map_err(io_err)?.path();
        if path.extension().is_some_and(|e| e == "hbs") {
            let stem = path.file_stem().unwrap_or_default().to_string_lossy().into_owned();
            if !names.contains(&stem.as_str()) {
                return Err(RepliesError::UnknownTemplate { file: path.display().to_string(), name: stem });
            }
        }
    }
    Ok(())
}
