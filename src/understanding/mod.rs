//! What the bot reads from a customer's message: the reason with a confidence, the wanted
//! resolution, order ids and emails, chargeback and legal talk, abuse aimed at staff, the
//! language, and whether it is a question to answer without opening a case. Pure: text and the
//! seller's settings in, a [`Reading`] out.

mod abuse;
mod lexicon;
mod orders;
mod reason;
mod text;

pub use orders::{BadPattern, DEFAULT_PATTERNS};
pub use reason::SURE;

use crate::domain::code::codes;
use crate::domain::{Email, OrderId, Reason, Resolution};
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
    pub language: String,
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
const REQUEST_STRENGTH: f32 = 1.5;

/// The seller's settings for reading messages, compiled once.
#[derive(Debug)]
pub struct Understanding {
    orders: orders::OrderReader,
    seller_words: abuse::SellerWords,
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
        })
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
        Reading {
            reason: guess.reason,
            confidence: guess.confidence,
            alternatives: guess.alternatives,
            resolution: reason::resolution(&folded, lexicons),
            order_ids: self.orders.order_ids(raw),
            order_suffix: self.orders.suffix(raw),
            emails: self.orders.emails(raw),
            flags,
            // Without telling words (an order id and an email) the seller's default applies.
            language: crate::language::detect(raw).map_or("en", |d| d.language.code()).to_string(),
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
