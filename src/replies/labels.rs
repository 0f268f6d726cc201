//! The words the code itself writes into replies and onto buttons (reason and resolution names,
//! case statuses, durations, hints, button labels, language names), translated per locale by
//! `replies/<locale>/labels.toml`: English text (or a pattern with `{placeholders}`) = translation.

use super::Reply;
use crate::domain::case::CaseState;
use crate::domain::{Reason, Resolution};
use crate::language::Language;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Free texts the code writes for people to read, besides the names of reasons, resolutions,
/// states and languages (those come from their enums). A shipped locale must translate each;
/// code that adds a label adds it here and to every `labels.toml`.
const PHRASES: &[&str] = &[
    // Customers' buttons.
    "Cancel",
    "Yes, send it",
    "Help me fix it",
    "I'd still like a refund",
    "Nothing to add",
    // Staff buttons.
    "Edit",
    "Reject",
    "Approve & send",
    "Send, no refund",
    "Mark refunded",
    "Write a reply",
    "Write the reply",
    // Live conversations: the card's controls, and the customer's way to a new request.
    "Take over",
    "Hand back to the bot",
    "Close",
    "Ask about another order",
    // Managers' buttons on an escalation or incident (beside ✅ / ❌).
    "Approve exception",
    "Deny",
    // Under an answer to a question.
    "Request a refund",
    "That answered it",
    // Hints after an answer the intake did not follow.
    "Please send your order id (it's in your receipt email) and the email you bought with.",
    "First I need your order id and purchase email.",
    "Please pick the order with one of the buttons.",
    "A sentence or two about what happened is enough.",
    "Tap one of the buttons: help fixing it, or the refund.",
    "Tap one of the buttons to tell me what you'd like.",
    "Tap “Yes, send it” to send your request, or Cancel.",
    "It looks like that message was empty.",
    // How long an answer takes.
    "an hour",
    "{n} minutes",
    "{n} hours",
    "{n} days",
    // How a refund arrives.
    "your original payment method",
    "5–10 business days",
    // Staff cards.
    "New refund request",
    "Request for {what}",
    "Full refund",
    "Partial refund ({percent}%)",
    "Not eligible under the policy",
    "Manager review",
    "No policy check (not a refund)",
    "Exception approved by {user}",
    "Exception denied by {user}",
    "Reply written by {user}",
    "Edited by {user}",
    // How long a post has waited (reminders).
    "a minute",
    // The verdict's rule lines (`policy::evaluate`), shown in verdict drafts; a hole's value
    // is translated in turn ("Course progress is 45%").
    "Order {order} was already refunded in full ({amount}).",
    "{refunded} of the {paid} paid was already refunded; {left} is left.",
    "This email already had {count} refund(s) in the last {days} days (limit {max}), so a manager reviews it.",
    "{count} earlier refund(s) for this email in the last {days} days (limit {max}).",
    "{amount} is within the {limit} that can be approved without a manager.",
    "{amount} is above the {limit} that can be approved without a manager, so a manager reviews it.",
    "Refunds in {currency} always need a manager's approval.",
    "Duplicate confirmed: order {order} bought the same product within {days} days, so this one is refunded in full.",
    "No other purchase of {product} with this email within {days} days, so it is not treated as a duplicate.",
    "Requested {days} days after purchase, outside the {window}-day refund window.",
    "Requested {days} days after purchase, within the {window}-day refund window.",
    "{used}, within the {limit} that still allows a full refund.",
    "{used}, more than {low} but within {high}, so {percent}% of the price ({amount}) is refunded.",
    "{used}, more than the {limit} the refund policy covers.",
    "“{reason}” is a reason we review case by case, so a manager decides.",
    "This is outside the refund policy, so no refund is due.",
    "This is outside the refund policy; we can offer {offers} instead.",
    "{first} or {second}",
    "Course progress is {n}%",
    "Downloaded {n} time(s)",
    "{n}% progress",
    "{n} download(s)",
    // The weekly digest: requests whose reason was never given.
    "No reason given",
];

/// Every English label a shipped locale must translate.
pub fn english_labels() -> BTreeSet<String> {
    let mut all: BTreeSet<String> = PHRASES.iter().map(|p| p.to_string()).collect();
    all.extend(Reason::ALL.iter().map(|r| r.label().to_string()));
    all.extend(Resolution::ALL.iter().map(|r| r.label().to_string()));
    all.extend(CaseState::ALL.iter().map(|s| s.status_words().to_string()));
    all.extend(Language::ALL.iter().map(|l| l.name().to_string()));
    all
}

/// One locale's translations. Empty for English: a label is its own English text.
#[derive(Debug, Default, Clone)]
pub struct Labels {
    exact: HashMap<String, String>,
    /// The same by lower-cased English, for labels the code lower-cases ("we can offer store
    /// credit instead").
    lowercase: HashMap<String, String>,
    /// (English pattern, translation) for the entries with `{placeholders}`.
    patterns: Vec<(Pattern, String)>,
}

impl Labels {
    /// Reads a `labels.toml`: a flat table of strings.
    pub fn parse(text: &str) -> Result<BTreeMap<String, String>, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    pub fn from_table(table: &BTreeMap<String, String>) -> Labels {
        let mut labels = Labels::default();
        for (english, translated) in table {
            match Pattern::parse(english) {
                // A pattern that is one hole would match everything: kept as plain text.
                Some(pattern) if pattern.parts.iter().any(|p| matches!(p, Part::Text(_))) => {
                    labels.patterns.push((pattern, translated.clone()))
                }
                _ => {
                    labels.exact.insert(english.clone(), translated.clone());
                    labels.lowercase.insert(english.to_lowercase(), translated.clone());
                }
            }
        }
        // The most specific pattern first: "{first} or {second}" must not take a whole rule line.
        labels.patterns.sort_by_key(|(pattern, _)| std::cmp::Reverse(pattern.fixed_len()));
        labels
    }

    /// `text` in this locale; text it has no entry for is kept as it is (a product name, the
    /// customer's words, or a label a seller's own locale left in English).
    pub fn translate(&self, text: &str) -> String {
        if let Some(found) = self.exact.get(text) {
            return found.clone();
        }
        for (pattern, translated) in &self.patterns {
            if let Some(values) = pattern.matches(text) {
                // Each value is shorter than `text` (a pattern has fixed text), so this ends.
                let values = values.into_iter().map(|(name, value)| (name, self.translate(&value))).collect();
                return fill(translated, &values);
            }
        }
        if text.starts_with(|c: char| c.is_lowercase()) {
            if let Some(found) = self.lowercase.get(text) {
                return lower_first(found);
            }
        }
        text.to_string()
    }

    /// The reply with its label fields in this locale; every other field is left as written.
    pub fn localize(&self, reply: &Reply) -> Reply {
        let mut reply = reply.clone();
        if self.exact.is_empty() && self.patterns.is_empty() {
            return reply;
        }
        let one = |s: &mut String| *s = self.translate(s);
        let all = |v: &mut Vec<String>| v.iter_mut().for_each(|s| *s = self.translate(s));
        match &mut reply {
            Reply::AskDetails { reason_label } => one(reason_label),
            Reply::Summary { reason_label, resolution_label, .. } => {
                one(reason_label);
                one(resolution_label);
            }
            Reply::Submitted { reply_within, .. } | Reply::EscalatedAck { reply_within, .. } => one(reply_within),
            Reply::NotUnderstood { hint } => one(hint),
            Reply::AlternativeChosen { resolution_label } | Reply::AlternativeConfirmed { resolution_label, .. } => {
                one(resolution_label)
            }
            Reply::CaseInReview { status, .. } => one(status),
            Reply::RefundIssued { method, timeline, .. } => {
                one(method);
                one(timeline);
            }
            Reply::Approved { rules, .. } | Reply::ApprovedPartial { rules, .. } => all(rules),
            Reply::Denied { rules, alternatives, .. } => {
                all(rules);
                all(alternatives);
            }
            Reply::ExceptionDenied { alternatives, .. } => all(alternatives),
            Reply::AgentDraft { heading, reason_label, resolution_label, verdict_label, rules, .. } => {
                one(heading);
                one(reason_label);
                one(resolution_label);
                one(verdict_label);
                all(rules);
            }
            Reply::ManagerEscalation { reason_label, rules, .. } => {
                one(reason_label);
                all(rules);
            }
            Reply::ManagerDispute { rules, .. } => all(rules),
            Reply::AgentReminder { waiting, .. } | Reply::ManagerReminder { waiting, .. } => one(waiting),
            Reply::LanguageNote { language } => one(language),
            // The reasons' names; products are the seller's own names.
            Reply::ManagerDigest { reasons, .. } => reasons.iter_mut().for_each(|r| one(&mut r.label)),
            _ => {}
        }
        reply
    }
}

/// Checks a locale's table against the English labels: every one translated, and a pattern's
/// translation uses the same placeholders. Returns the problems, empty when there are none.
pub fn check_table(table: &BTreeMap<String, String>) -> Vec<String> {
    let mut problems = Vec::new();
    for english in english_labels() {
        match table.get(&english) {
            None => problems.push(format!("no translation of {english:?}")),
            Some(translated) if placeholders(&english) != placeholders(translated) => problems.push(format!(
                "{english:?} has placeholders {:?} but its translation {translated:?} has {:?}",
                placeholders(&english),
                placeholders(translated)
            )),
            Some(_) => {}
        }
    }
    problems
}

fn placeholders(text: &str) -> BTreeSet<String> {
    Pattern::parse(text)
        .map(|p| {
            p.parts.into_iter().filter_map(|part| match part {
                Part::Hole(name) => Some(name),
                Part::Text(_) => None,
            })
        })
        .into_iter()
        .flatten()
        .collect()
}

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Text(String),
    Hole(String),
}

/// An English label with `{name}` holes, such as `{n} hours`.
#[derive(Debug, Clone)]
struct Pattern {
    parts: Vec<Part>,
}

impl Pattern {
    /// `None` for a text without holes.
    fn parse(text: &str) -> Option<Pattern> {
        let mut parts = Vec::new();
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            let close = open + rest[open..].find('}')?;
            let name = &rest[open + 1..close];
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return None;
            }
            if open > 0 {
                parts.push(Part::Text(rest[..open].to_string()));
            }
            parts.push(Part::Hole(name.to_string()));
            rest = &rest[close + 1..];
        }
        if !rest.is_empty() {
            parts.push(Part::Text(rest.to_string()));
        }
        parts.iter().any(|p| matches!(p, Part::Hole(_))).then_some(Pattern { parts })
    }

    /// How much fixed text the pattern has: the more, the more specific.
    fn fixed_len(&self) -> usize {
        self.parts.iter().map(|p| if let Part::Text(t) = p { t.len() } else { 0 }).sum()
    }

    /// The holes' values when `text` has this shape; each hole takes the shortest non-empty
    /// text up to the next fixed part.
    fn matches(&self, text: &str) -> Option<HashMap<String, String>> {
        let mut values = HashMap::new();
        let mut rest = text;
        let mut parts = self.parts.iter().peekable();
        while let Some(part) = parts.next() {
            match part {
                Part::Text(fixed) => rest = rest.strip_prefix(fixed.as_str())?,
                Part::Hole(name) => {
                    let value = match parts.peek() {
                        Some(Part::Text(next)) => {
                            let at = rest.get(1..)?.find(next.as_str())? + 1;
                            let (value, tail) = rest.split_at(at);
                            rest = tail;
                            value
                        }
                        _ => std::mem::take(&mut rest),
                    };
                    if value.is_empty() {
                        return None;
                    }
                    values.insert(name.clone(), value.to_string());
                }
            }
        }
        rest.is_empty().then_some(values)
    }
}

/// "Crédito en la tienda" -> "crédito en la tienda", for a label used mid-sentence.
fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| first.to_lowercase().chain(chars).collect())
}

fn fill(template: &str, values: &HashMap<String, String>) -> String {
    let mut out = template.to_string();
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        Labels::from_table(&pairs.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect())
    }

    #[test]
    fn exact_and_patterned_labels_translate_and_others_stay() {
        let es = labels(&[
            ("Cancel", "Cancelar"),
            ("{n} hours", "{n} horas"),
            ("Partial refund ({percent}%)", "Reembolso parcial ({percent} %)"),
        ]);
        assert_eq!(es.translate("Cancel"), "Cancelar");
        assert_eq!(es.translate("24 hours"), "24 horas");
        assert_eq!(es.translate("Partial refund (50%)"), "Reembolso parcial (50 %)");
        assert_eq!(es.translate("Web Design Course"), "Web Design Course");
        assert_eq!(es.translate(" hours"), " hours", "a hole is never empty");
    }

    #[test]
    fn holes_are_translated_in_turn_and_lower_cased_labels_found() {
        let es = labels(&[
            (
                "{used}, within the {limit} that still allows a full refund.",
                "{used}, dentro del {limit} que aún permite un reembolso completo.",
            ),
            ("Course progress is {n}%", "El progreso del curso es del {n} %"),
            ("{n}% progress", "{n} % de progreso"),
            ("This is outside the refund policy; we can offer {offers} instead.", "Podemos ofrecerte {offers}."),
            ("{first} or {second}", "{first} o {second}"),
            ("Store credit", "Crédito en la tienda"),
            ("An exchange for another product", "Un cambio por otro producto"),
            ("{x}", "never a pattern"),
        ]);
        assert_eq!(
            es.translate("Course progress is 12%, within the 30% progress that still allows a full refund."),
            "El progreso del curso es del 12 %, dentro del 30 % de progreso que aún permite un reembolso completo."
        );
        assert_eq!(
            es.translate("This is outside the refund policy; we can offer store credit or an exchange for another product instead."),
            "Podemos ofrecerte crédito en la tienda o un cambio por otro producto."
        );
        assert_eq!(es.translate("anything"), "anything");
    }

    #[test]
    fn the_check_names_missing_labels_and_wrong_placeholders() {
        let mut table: BTreeMap<String, String> = english_labels().into_iter().map(|e| (e.clone(), e)).collect();
        assert!(check_table(&table).is_empty());
        table.remove("Cancel");
        table.insert("{n} hours".into(), "{m} horas".into());
        let problems = check_table(&table).join("\n");
        assert!(problems.contains("no translation of \"Cancel\""), "{problems}");
        assert!(problems.contains("\"{n} hours\" has placeholders"), "{problems}");
    }
}
