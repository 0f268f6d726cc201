//! The words the reader looks for, one file per supported language: reasons with weights,
//! wanted resolutions, questions, chargeback and legal talk, insults and whom a clause aims at.
//! Phrases are written as people type them; `text::Phrase` explains `*` and `~`.

mod de;
mod en;
mod es;
mod fr;
mod ja;
mod ko;
mod pt;
mod zh;

use super::text::Phrase;
use super::Topic;
use crate::domain::{Reason, Resolution};
use std::sync::OnceLock;

/// Phrases grouped by what they point to and how strongly.
pub type Weighted<T> = &'static [(T, f32, &'static [&'static str])];

/// One language's words, as written in its file.
pub struct Lexicon {
    pub reasons: Weighted<Reason>,
    pub resolutions: Weighted<Resolution>,
    /// Questions answered without opening a case.
    pub topics: &'static [(Topic, &'static [&'static str])],
    /// Words that turn the phrase right after them around ("not broken").
    pub negators: &'static [&'static str],
    pub chargeback: &'static [&'static str],
    pub legal: &'static [&'static str],
    /// Names for people that insult whomever they name, unless the writer names themself.
    pub insults: &'static [&'static str],
    /// Swearing and put-downs that insult staff only when a clause is aimed at them.
    pub rude: &'static [&'static str],
    /// Words that aim a clause at the seller's people ("you", "your support").
    pub at_staff: &'static [&'static str],
    /// Words that aim a clause at the writer ("I'm", "my own").
    pub at_self: &'static [&'static str],
    pub answers: Answers,
}

/// Whole messages that answer the bot's questions ("sí", "nein danke"), in one language.
pub struct Answers {
    pub yes: &'static [&'static str],
    pub no: &'static [&'static str],
    pub cancel: &'static [&'static str],
    pub restart: &'static [&'static str],
    /// Nothing to add (to a feedback score).
    pub skip: &'static [&'static str],
}

/// The answers of every language, each a whole message in `answer_form`.
#[derive(Debug, Default)]
pub struct AnswerForms {
    pub yes: Vec<String>,
    pub no: Vec<String>,
    pub cancel: Vec<String>,
    pub restart: Vec<String>,
    pub skip: Vec<String>,
}

/// A whole message as an answer: folded like the phrases (case, accents), its punctuation and
/// spacing ignored, so "Sí." is "si" and "nein, danke!" is "nein danke".
pub fn answer_form(text: &str) -> String {
    super::text::fold(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Every language's answers: a customer may answer in any of them, whatever the case's language.
pub fn answer_forms() -> &'static AnswerForms {
    static FORMS: OnceLock<AnswerForms> = OnceLock::new();
    FORMS.get_or_init(|| {
        let forms = |pick: fn(&Answers) -> &'static [&'static str]| -> Vec<String> {
            ALL.iter().flat_map(|l| pick(&l.answers)).map(|w| answer_form(w)).filter(|w| !w.is_empty()).collect()
        };
        AnswerForms {
            yes: forms(|a| a.yes),
            no: forms(|a| a.no),
            cancel: forms(|a| a.cancel),
            restart: forms(|a| a.restart),
            skip: forms(|a| a.skip),
        }
    })
}

/// A lexicon with its phrases folded and ready to match.
pub struct Compiled {
    pub reasons: Vec<(Reason, f32, Phrase)>,
    pub resolutions: Vec<(Resolution, f32, Phrase)>,
    pub topics: Vec<(Topic, Phrase)>,
    pub negators: Vec<String>,
    pub chargeback: Vec<Phrase>,
    pub legal: Vec<Phrase>,
    pub insults: Vec<Phrase>,
    pub rude: Vec<Phrase>,
    pub at_staff: Vec<Phrase>,
    pub at_self: Vec<Phrase>,
}

const ALL: &[&Lexicon] =
    &[&en::LEXICON, &es::LEXICON, &de::LEXICON, &fr::LEXICON, &pt::LEXICON, &ja::LEXICON, &zh::LEXICON, &ko::LEXICON];

/// Every language's lexicon, compiled once.
pub fn all() -> &'static [Compiled] {
    static COMPILED: OnceLock<Vec<Compiled>> = OnceLock::new();
    COMPILED.get_or_init(|| ALL.iter().map(|l| compile(l)).collect())
}

fn phrases(list: &[&str]) -> Vec<Phrase> {
    list.iter().map(|p| Phrase::new(p)).collect()
}

fn weighted<T: Copy>(groups: Weighted<T>) -> Vec<(T, f32, Phrase)> {
    groups.iter().flat_map(|(what, weight, list)| list.iter().map(move |p| (*what, *weight, Phrase::new(p)))).collect()
}

fn compile(lexicon: &Lexicon) -> Compiled {
    Compiled {
        reasons: weighted(lexicon.reasons),
        resolutions: weighted(lexicon.resolutions),
        topics: lexicon.topics.iter().flat_map(|(t, list)| list.iter().map(move |p| (*t, Phrase::new(p)))).collect(),
        negators: lexicon.negators.iter().map(|n| super::text::fold(n).trim().to_string()).collect(),
        chargeback: phrases(lexicon.chargeback),
        legal: phrases(lexicon.legal),
        insults: phrases(lexicon.insults),
        rude: phrases(lexicon.rude),
        at_staff: phrases(lexicon.at_staff),
        at_self: phrases(lexicon.at_self),
    }
}
