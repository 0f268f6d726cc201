//! What the bot reads from a customer's message: the reason with a confidence, the wanted
//! resolution, order ids and emails, chargeback and legal talk, abuse aimed at staff, the
//! language, and whether it is a question to answer without opening a case. Pure: text and the
//! seller's settings in, a [`Reading`] out.

mod abuse;
mod lexicon;
mod orders;
mod reason;
mod text;

pub use lexicon::{answer_form, answer_forms, AnswerForms};
pub use orders::{BadPattern, DEFAULT_PATTERNS};
pub use reason::SURE;
pub use text::{fold, Phrase};

use crate::domain::code::codes;
use crate::domain::{Email, OrderId, Reason, Resolution};
use crate::language::{Language, LanguageSource};
use serde::Serialize;
use std::sync::OnceLock;

codes! {
    /// A question the bot answers without opening a case.
    pub enum Topic ("topic") {
        RefundPolicy => "refund_policy",
        RefundTime => "refund_time",
        StoreCredit => "store_credit",
        CancelSubscription => "cancel_subscription",
        /// A refunded customer asking where the money is.
        RefundStatus => "refund_status",
    }
}

codes! {
    /// What a message warns staff of.
    pub enum Signal ("signal") {
        ChargebackRisk => "chargeback_risk",
        LegalThreat => "legal_threat",
        Abusive => "abusive",
    }
}

/// Everything read from one message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reading {
    pub reason: Option<Reason>,
    pub confidence: f32,
    pub alternatives: Vec<Reason>,
    pub resolution: Option<Resolution>,
    pub order_ids: Vec<OrderId>,
    /// The end of an order id ("ends with 614"), matched against the email's orders.
    pub order_suffix: Option<String>,
    pub emails: Vec<Email>,
    pub flags: Vec<Signal>,
    /// The message's language code, or the seller's default (`locale`) when its words tell none.
    pub language: String,
    /// How `language` was read from the words; `None`: it is the seller's default.
    pub language_source: Option<LanguageSource>,
    pub topic: Option<Topic>,
    /// How much the message says about its reason: a message that explains is kept as the
    /// details rather than asked for again.
    #[serde(skip)]
    pub strength: f32,
}

impl Reading {
    pub fn has(&self, signal: Signal) -> bool {
        self.flags.contains(&signal)
    }

    /// Whether the reason is clear enough to be confirmed rather than asked for.
    pub fn sure(&self) -> bool {
        self.reason.is_some() && self.confidence >= SURE
    }

    /// Whether the message explains its reason well enough to serve as the details.
    pub fn explains(&self, text: &str) -> bool {
        self.strength >= 1.5 && text.split_whitespace().count() >= 6
    }
}

/// A reason score from which a message is a request, not only a question.
const REQUEST_STRENGTH: f32 = 1.0;

/// The seller's settings for reading messages, compiled once.
#[derive(Debug)]
pub struct Understanding {
    orders: orders::OrderReader,
    seller_words: abuse::SellerWords,
    /// The language of a message whose words tell none: the seller's `locale`.
    default_language: String,
}

impl Understanding {
    /// `order_patterns` are regular expressions tried before the defaults; `seller_emails` are
    /// addresses (or `@domain`s) never taken as the customer's; `abusive_words` count as abuse
    /// when aimed at staff.
    pub fn new(
        order_patterns: &[String],
        seller_emails: &[String],
        abusive_words: &[String],
    ) -> Result<Understanding, BadPattern> {
        Ok(Understanding {
            orders: orders::OrderReader::new(order_patterns, seller_emails)?,
            seller_words: abuse::SellerWords::new(abusive_words),
            default_language: Language::English.code().to_string(),
        })
    }

    /// Messages whose words tell no language are read as the seller's `locale` (a tag such as
    /// `es` or `pt-BR`; its language's code is used).
    pub fn with_default_language(mut self, locale: &str) -> Understanding {
        self.default_language = Language::from_tag(locale).map_or_else(|| locale.to_string(), |l| l.code().to_string());
        self
    }

    /// The defaults: no seller patterns or addresses, the built-in abusive words.
    pub fn builtin() -> &'static Understanding {
        static BUILTIN: OnceLock<Understanding> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            let words = crate::config::Moderation::default().abusive_words;
            Understanding::new(&[], &[], &words).expect("the default order patterns compile")
        })
    }

    pub fn read(&self, raw: &str) -> Reading {
        let folded = text::fold(raw);
        let lexicons = lexicon::all();
        let guess = reason::guess(&folded, lexicons);
        let mut flags = vec![];
        let any = |list: fn(&lexicon::Compiled) -> &Vec<text::Phrase>| {
            lexicons.iter().any(|l| list(l).iter().any(|p| !p.find(&folded).is_empty()))
        };
        if any(|l| &l.chargeback) {
            flags.push(Signal::ChargebackRisk);
        }
        if any(|l| &l.legal) {
            flags.push(Signal::LegalThreat);
        }
        if abuse::is_abusive(raw, lexicons, &self.seller_words) {
            flags.push(Signal::Abusive);
        }
        let topic = if guess.strength < REQUEST_STRENGTH { topic(&folded, lexicons) } else { None };
        // Without telling words (an order id and an email) the seller's default applies.
        let detected = crate::language::detect(raw);
        Reading {
            reason: guess.reason,
            confidence: guess.confidence,
            alternatives: guess.alternatives,
            resolution: reason::resolution(&folded, lexicons),
            order_ids: self.orders.order_ids(raw),
            order_suffix: self.orders.suffix(raw),
            emails: self.orders.emails(raw),
            flags,
            language: detected.map_or_else(|| self.default_language.clone(), |d| d.language.code().to_string()),
            language_source: detected.map(|d| d.source),
            topic,
            strength: guess.strength,
        }
    }

    /// Whether a message insults the staff (the strike rule).
    pub fn is_abusive(&self, raw: &str) -> bool {
        abuse::is_abusive(raw, lexicon::all(), &self.seller_words)
    }
}

/// The question asked, if the message asks one of the topics.
fn topic(folded: &str, lexicons: &[lexicon::Compiled]) -> Option<Topic> {
    let mut counts: Vec<(Topic, usize)> = vec![];
    for lexicon in lexicons {
        for (topic, phrase) in &lexicon.topics {
            if phrase.find(folded).into_iter().any(|at| !reason::negated(folded, at, &lexicon.negators)) {
                match counts.iter_mut().find(|(t, _)| t == topic) {
                    Some((_, n)) => *n += 1,
                    None => counts.push((*topic, 1)),
                }
            }
        }
    }
    // Where is my refund beats the policy; a count tie goes to the first found.
    counts.sort_by_key(|(t, n)| (std::cmp::Reverse(*n), *t != Topic::RefundStatus));
    counts.first().map(|(t, _)| *t)
}

#[cfg(test)]
mod tests;
