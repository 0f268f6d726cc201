//! Reading customers' typed answers: order ids and emails in free text, reasons, yes and no.

use crate::domain::{Email, OrderId, Reason, Resolution};

/// The order id and email found in a message, if any.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Identity {
    pub order_id: Option<OrderId>,
    pub email: Option<Email>,
}

/// Finds an email (a token with `@`) and an order id (a token with a digit) in free text,
/// so that "Order ORD-1001, I bought it with alice@example.com" answers both questions.
pub fn identity(text: &str) -> Identity {
    let mut found = Identity::default();
    for raw in text.split(|c: char| c.is_whitespace() || c == ',' || c == ';') {
        let token = raw.trim_matches(|c: char| "()[]<>\"'!?:.".contains(c));
        if token.contains('@') {
            if found.email.is_none() {
                found.email = Email::parse(token);
            }
            continue;
        }
        let token = token.trim_start_matches('#');
        let looks_like_id = token.len() >= 3 && token.chars().any(|c| c.is_ascii_digit()) || is_stripe_id(token);
        if looks_like_id && found.order_id.is_none() {
            found.order_id = OrderId::parse(token);
        }
    }
    found
}

/// A Stripe charge or payment id, which need not contain a digit (`ch_` and 24 letters).
fn is_stripe_id(token: &str) -> bool {
    ["ch_", "py_", "pi_"].iter().any(|prefix| {
        token
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.len() >= 8 && rest.chars().all(|c| c.is_ascii_alphanumeric()))
    })
}

fn has_any(text: &str, needles: &[&str]) -> bool {
    needles.iter().any(|n| text.contains(n))
}

/// A reason from typed words, where the words make it clear.
pub fn reason(text: &str) -> Option<Reason> {
    let t = text.to_lowercase();
    if let Some(code) = Reason::ALL.iter().find(|r| t.trim() == r.code()) {
        return Some(*code);
    }
    let table: [(Reason, &[&str]); 6] = [
        (
            Reason::DuplicatePurchase,
            &["twice", "duplicate", "double charge", "charged two", "bought it again", "two times"],
        ),
        (
            Reason::AccidentalPurchase,
            &["accident", "by mistake", "mistakenly", "didn't mean", "did not mean", "wrong button"],
        ),
        (
            Reason::TechnicalIssue,
            &[
                "doesn't work",
                "does not work",
                "not working",
                "broken",
                "error",
                "bug",
                "crash",
                "can't access",
                "cannot access",
                "can't log",
                "won't load",
                "technical",
                "download fail",
            ],
        ),
        (
            Reason::NotAsDescribed,
            &["not as described", "not what", "misleading", "expected", "described", "different from"],
        ),
        (
            Reason::ChangedMind,
            &[
                "changed my mind",
                "change my mind",
                "don't need",
                "do not need",
                "no longer need",
                "don't want",
                "not for me",
            ],
        ),
        (Reason::Other, &["something else", "other"]),
    ];
    table.iter().find(|(_, words)| has_any(&t, words)).map(|(reason, _)| *reason)
}

/// A resolution from typed words.
pub fn resolution(text: &str) -> Option<Resolution> {
    let t = text.to_lowercase();
    let table: [(Resolution, &[&str]); 4] = [
        (Resolution::StoreCredit, &["credit", "voucher"]),
        (Resolution::Exchange, &["exchange", "swap", "another product", "different product"]),
        (Resolution::Support, &["help", "support", "fix"]),
        (Resolution::Refund, &["refund", "money back", "my money"]),
    ];
    table.iter().find(|(_, words)| has_any(&t, words)).map(|(r, _)| *r)
}

fn first_words(text: &str) -> String {
    text.trim().to_lowercase().trim_end_matches(['.', '!']).to_string()
}

pub fn is_cancel(text: &str) -> bool {
    matches!(first_words(text).as_str(), "cancel" | "stop" | "never mind" | "nevermind" | "quit" | "/cancel")
}

pub fn is_restart(text: &str) -> bool {
    matches!(first_words(text).as_str(), "start over" | "restart" | "start again" | "/restart")
}

pub fn is_yes(text: &str) -> bool {
    matches!(
        first_words(text).as_str(),
        "yes" | "y" | "yep" | "yeah" | "ok" | "okay" | "confirm" | "correct" | "sure" | "that's right"
    )
}

pub fn is_no(text: &str) -> bool {
    matches!(first_words(text).as_str(), "no" | "n" | "nope" | "wrong" | "that's wrong")
}

pub fn is_skip(text: &str) -> bool {
    matches!(first_words(text).as_str(), "skip" | "no" | "nothing" | "no thanks" | "-")
}

/// Removes control characters (keeping line breaks and tabs) so they never reach staff or logs.
pub fn clean(text: &str) -> String {
    text.chars().filter(|c| !c.is_control() || *c == '\n' || *c == '\t').collect::<String>().trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_both_answers_in_one_message() {
        let found = identity("Order ORD-1001, I bought it with Alice@Example.com.");
        assert_eq!(found.order_id.unwrap().as_str(), "ORD-1001");
        assert_eq!(found.email.unwrap().as_str(), "alice@example.com");
        let found = identity("Hi, I'd like a refund please");
        assert_eq!(found, Identity::default());
        assert_eq!(identity("it's #ord-7 ").order_id.unwrap().as_str(), "ORD-7");
        // Stripe ids are random letters and digits; some have no digit at all.
        assert_eq!(identity("charge ch_AbCdEfGhIjKl please").order_id.unwrap().as_str(), "CH_ABCDEFGHIJKL");
        assert_eq!(identity("a cheap one").order_id, None);
    }

    #[test]
    fn understands_typed_reasons() {
        assert_eq!(reason("the videos don't play, it's broken"), Some(Reason::TechnicalIssue));
        assert_eq!(reason("I was charged twice"), Some(Reason::DuplicatePurchase));
        assert_eq!(reason("banana"), None);
    }
}
