//! The seller's knowledge base: short answers in `kb/*.md` (and `kb/<language>/*.md`), given to
//! questions without opening a case. Each entry is a `# question` heading, an optional
//! `keywords:` line (phrases, comma separated) and the answer below it, up to the next heading.

use crate::policy::Policy;
use crate::replies::Reply;
use crate::understanding::{Phrase, Reading};
use std::path::Path;

/// One question and its answer.
#[derive(Debug, Clone)]
pub struct Entry {
    pub question: String,
    pub answer: String,
    /// The language of its folder (`kb/es/`), or `None` for the top folder (any language).
    pub language: Option<String>,
    keywords: Vec<Phrase>,
    /// The question's longer words, for a message that asks it in other words.
    words: Vec<String>,
}

/// Every entry the seller wrote.
#[derive(Debug, Clone, Default)]
pub struct KnowledgeBase {
    entries: Vec<Entry>,
}

/// A file that cannot be read, named.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {message}")]
pub struct KbError {
    pub file: String,
    pub message: String,
}

/// The product a question is about, when the customer's order is known (their latest case's).
#[derive(Debug, Clone, Copy)]
pub struct KnownProduct<'a> {
    pub sku: &'a str,
    pub name: &'a str,
}

/// The answer to a message that asks a question rather than for a refund: the seller's entry
/// when one matches, else the built-in answer to its topic from the policy's rules for
/// `product` when it is known, else from its default rules.
/// `None` for a request (a reason stated, an order named) or a message that asks nothing.
pub fn reply_to(
    text: &str,
    reading: &Reading,
    kb: &KnowledgeBase,
    policy: &Policy,
    product: Option<KnownProduct<'_>>,
) -> Option<Reply> {
    if reading.strength >= REQUEST_STRENGTH || !reading.order_ids.is_empty() {
        return None;
    }
    if let Some(entry) = kb.answer(text, &reading.language) {
        return Some(Reply::AnswerKb { question: entry.question.clone(), answer: entry.answer.clone() });
    }
    let topic = reading.topic?;
    let (rules, product) = match product {
        Some(known) => (policy.rules_for(known.sku), known.name.to_string()),
        None => (policy.default_rules(), String::new()),
    };
    Some(Reply::AnswerQuestion {
        topic: topic.code().to_string(),
        product,
        window_days: rules.window_days,
        usage_metric: rules.usage_metric.clone().unwrap_or_default(),
        usage_full_max: format!("{}", rules.usage_full_refund_max),
        has_partial: !rules.partial.is_empty(),
    })
}

/// A reason this strong makes a message a request, not a question.
const REQUEST_STRENGTH: f32 = 1.0;

/// How well a message must match an entry: one keyword, or most of the question's words.
const MATCH: f32 = 1.0;

impl KnowledgeBase {
    /// Reads `dir/*.md` and `dir/<language>/*.md`; a missing folder is an empty base.
    pub fn load(dir: &Path) -> Result<KnowledgeBase, KbError> {
        let mut entries = vec![];
        if !dir.is_dir() {
            return Ok(KnowledgeBase { entries });
        }
        read_folder(dir, None, &mut entries)?;
        for sub in list(dir)?.into_iter().filter(|p| p.is_dir()) {
            let language = sub.file_name().map(|n| n.to_string_lossy().into_owned());
            read_folder(&sub, language, &mut entries)?;
        }
        Ok(KnowledgeBase { entries })
    }

    /// Entries from text, as one file holds them (for tests and `understand`).
    pub fn parse(text: &str, language: Option<&str>) -> KnowledgeBase {
        KnowledgeBase { entries: parse_entries(text, language.map(str::to_string)) }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entry a message asks, in its language or the top folder's, if one matches well.
    pub fn answer(&self, text: &str, language: &str) -> Option<&Entry> {
        let folded = crate::understanding::fold(text);
        let words: Vec<&str> = folded.split_whitespace().collect();
        self.entries
            .iter()
            .filter(|e| e.language.as_deref().is_none_or(|l| l == language))
            .map(|e| (e, score(e, &folded, &words)))
            .filter(|(_, s)| *s >= MATCH)
            // The language's own entry wins a tie over the top folder's.
            .max_by(|a, b| a.1.total_cmp(&b.1).then(a.0.language.is_some().cmp(&b.0.language.is_some())))
            .map(|(e, _)| e)
    }
}

fn score(entry: &Entry, folded: &str, words: &[&str]) -> f32 {
    let keywords = entry.keywords.iter().filter(|k| !k.find(folded).is_empty()).count() as f32;
    let asked = entry.words.iter().filter(|w| words.contains(&w.as_str())).count() as f32;
    let share = if entry.words.is_empty() { 0.0 } else { asked / entry.words.len() as f32 };
    keywords + if share >= 0.6 { 1.0 } else { 0.0 }
}

fn list(dir: &Path) -> Result<Vec<std::path::PathBuf>, KbError> {
    let err = |e: std::io::Error| KbError { file: dir.display().to_string(), message: e.to_string() };
    let mut paths: Vec<_> = std::fs::read_dir(dir).map_err(err)?.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    Ok(paths)
}

fn read_folder(dir: &Path, language: Option<String>, entries: &mut Vec<Entry>) -> Result<(), KbError> {
    for path in list(dir)?.into_iter().filter(|p| p.extension().is_some_and(|e| e == "md")) {
        let text = std::fs::read_to_string(&path)
            .map_err(|e| KbError { file: path.display().to_string(), message: e.to_string() })?;
        let found = parse_entries(&text, language.clone());
        if found.is_empty() {
            let message = "no entry: start each question with a `# ` heading".to_string();
            return Err(KbError { file: path.display().to_string(), message });
        }
        entries.extend(found);
    }
    Ok(())
}

fn parse_entries(text: &str, language: Option<String>) -> Vec<Entry> {
    let mut entries = vec![];
    let mut current: Option<(String, Vec<String>, Vec<&str>)> = None;
    for line in text.lines() {
        if let Some(question) = line.strip_prefix("# ") {
            entries.extend(current.take().map(|c| entry(c, language.clone())));
            current = Some((question.trim().to_string(), vec![], vec![]));
        } else if let Some((_, keywords, body)) = current.as_mut() {
            match line.strip_prefix("keywords:") {
                Some(list) if body.is_empty() => {
                    keywords.extend(list.split(',').map(str::trim).filter(|k| !k.is_empty()).map(str::to_string))
                }
                _ => body.push(line),
            }
        }
    }
    entries.extend(current.map(|c| entry(c, language.clone())));
    entries.into_iter().filter(|e| !e.answer.is_empty()).collect()
}

fn entry((question, keywords, body): (String, Vec<String>, Vec<&str>), language: Option<String>) -> Entry {
    let folded = crate::understanding::fold(&question);
    let words = folded.split_whitespace().filter(|w| w.chars().count() >= 4).map(str::to_string).collect();
    Entry {
        answer: body.join("\n").trim().to_string(),
        keywords: keywords.iter().map(|k| Phrase::new(k)).collect(),
        question,
        language,
        words,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "# Do you sell gift cards?\nkeywords: gift card, giftcard\nYes: in the shop, under Gifts.\n\n# Is there a student discount?\nkeywords: student\n20 % off with a school email.\n";

    #[test]
    fn entries_by_keyword_or_by_the_question_s_words() {
        let kb = KnowledgeBase::parse(FILE, None);
        assert_eq!(kb.len(), 2);
        assert_eq!(
            kb.answer("can I buy a GIFT CARD for my brother?", "en").unwrap().answer,
            "Yes: in the shop, under Gifts."
        );
        assert!(kb.answer("any discount for students?", "en").is_none(), "\"students\" is no keyword");
        assert!(kb.answer("is there a discount for a student", "en").is_some());
        assert!(kb.answer("my course is broken", "en").is_none());
    }

    #[test]
    fn a_language_folder_answers_its_language_only() {
        let kb = KnowledgeBase::parse("# ¿Venden tarjetas regalo?\nkeywords: tarjeta regalo\nSí.\n", Some("es"));
        assert!(kb.answer("quiero una tarjeta regalo", "es").is_some());
        assert!(kb.answer("quiero una tarjeta regalo", "en").is_none());
    }
}
