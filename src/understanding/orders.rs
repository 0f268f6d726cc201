//! Order ids and emails in real messages: the seller's own id patterns and defaults for common
//! stores, markdown and backticks stripped, several ids at once, "ends with 614", emails in any
//! case and written twice as `a@x.com<mailto:a@x.com>`, and never the seller's own addresses.

use crate::domain::{Email, OrderId};
use regex_lite::Regex;

/// Order id shapes of common stores; a capture group, when there is one, is the id.
pub const DEFAULT_PATTERNS: &[&str] = &[
    // Stripe charges, payments, invoices, checkout sessions, subscriptions.
    r"\b(?:ch|py|pi|in|sub|cs_live|cs_test)_[A-Za-z0-9]{8,}\b",
    // Google Play.
    r"\bGPA\.\d{4}-\d{4}-\d{4}-\d{5}(?:\.\.\d+)?\b",
    // Invoice and order UUIDs.
    r"(?i)\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b",
    // Prefixed ids: ORD-1001, DC-20931-7781, INV-2026-0012.
    r"(?i)\b[A-Z]{2,6}-[A-Z0-9]*\d[A-Z0-9-]*\b",
    // Apple order ids (MK4F7L2QX9) and PayPal transaction ids (17 letters and digits).
    r"\bM[A-Z0-9]{9}\b",
    r"\b[0-9A-Z]{17}\b",
    // Shop order numbers: #1001.
    r"#(\d{3,})\b",
    // An id after a label in any supported language: "order 55120", "Bestellnummer: 8812".
    r"(?i)(?:order|invoice|receipt|transaction|purchase|payment|reference|ref|confirmation|pedido|orden|factura|recibo|transaccion|bestellung|bestellnummer|rechnung|rechnungsnummer|commande|facture|fatura|transacao|注文番号|注文|領収書)\s*(?:id|no\.?|number|num|nr\.?|nº|n°|numero|número|#)?\s*[:#]?\s*#?\s*([A-Za-z0-9][A-Za-z0-9_.-]{2,})",
];

/// "ends with 614" and its kin in the supported languages.
const SUFFIX: &str = r"(?i)(?:ends? (?:with|in)|ending (?:with|in)|termina (?:en|con|com|em)|endet (?:auf|mit)|se termine par|finit par|末尾(?:が|は)?)\s*#?\s*([A-Za-z0-9]{2,})";

const EMAIL: &str = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}";

/// One more id in a list: ", 55187", "and #55187", "y 8812".
const LIST: &str = r"^\s*(?:,|&|and|or|y|o|und|oder|et|ou|e|と)\s*(?:order\s*)?#?\s*(\d[A-Za-z0-9_-]{3,})";

/// The compiled patterns and the seller's own addresses.
#[derive(Debug)]
pub struct OrderReader {
    patterns: Vec<Regex>,
    suffix: Regex,
    list: Regex,
    email: Regex,
    /// Addresses (`billing@shop.com`) or whole domains (`@shop.com`) that are the seller's.
    seller: Vec<String>,
}

/// A seller's pattern that is no regular expression, named for the config error.
#[derive(Debug, thiserror::Error)]
#[error("order pattern `{pattern}` is not a regular expression: {message}")]
pub struct BadPattern {
    pub pattern: String,
    pub message: String,
}

impl OrderReader {
    /// The seller's patterns come first, then the defaults.
    pub fn new(own: &[String], seller_emails: &[String]) -> Result<OrderReader, BadPattern> {
        let mut patterns = vec![];
        for pattern in own.iter().map(String::as_str).chain(DEFAULT_PATTERNS.iter().copied()) {
            let regex =
                Regex::new(pattern).map_err(|e| BadPattern { pattern: pattern.to_string(), message: e.to_string() })?;
            patterns.push(regex);
        }
        Ok(OrderReader {
            patterns,
            suffix: Regex::new(SUFFIX).expect("suffix pattern"),
            list: Regex::new(LIST).expect("list pattern"),
            email: Regex::new(EMAIL).expect("email pattern"),
            seller: seller_emails.iter().map(|e| e.trim().to_lowercase()).collect(),
        })
    }

    /// Every email in the text, lower-cased, once each, without the seller's.
    pub fn emails(&self, text: &str) -> Vec<Email> {
        let mut found: Vec<Email> = vec![];
        for m in self.email.find_iter(text) {
            let Some(email) = Email::parse(m.as_str()) else { continue };
            if self.is_sellers(&email) || found.contains(&email) {
                continue;
            }
            found.push(email);
        }
        found
    }

    fn is_sellers(&self, email: &Email) -> bool {
        let address = email.as_str();
        self.seller.iter().any(|s| if s.starts_with('@') { address.ends_with(s.as_str()) } else { address == s })
    }

    /// Every order id in the text, in the order written, once each.
    pub fn order_ids(&self, text: &str) -> Vec<OrderId> {
        let plain = self.strip(text);
        let mut found: Vec<(usize, usize, OrderId)> = vec![];
        for pattern in &self.patterns {
            for caps in pattern.captures_iter(&plain) {
                let Some(m) = caps.get(1).or_else(|| caps.get(0)) else { continue };
                add(&mut found, m.start(), m.as_str());
            }
        }
        // "order 55120 and 55187": a list goes on after an id.
        let mut next = 0;
        while next < found.len() {
            let end = found[next].1;
            if let Some(m) = self.list.captures(&plain[end..]).and_then(|c| c.get(1)) {
                add(&mut found, end + m.start(), m.as_str());
            }
            next += 1;
        }
        found.sort_by_key(|(at, _, _)| *at);
        found.into_iter().map(|(_, _, id)| id).collect()
    }

    /// The end of an id the customer remembers ("my order ends with 614").
    pub fn suffix(&self, text: &str) -> Option<String> {
        let plain = self.strip(text);
        self.suffix.captures(&plain).and_then(|c| c.get(1)).map(|m| m.as_str().to_ascii_uppercase())
    }

    /// Markdown, backticks and emails out of the way; an email's digits are no order id.
    fn strip(&self, text: &str) -> String {
        let without_emails = self.email.replace_all(text, " ");
        without_emails.chars().map(|c| if "`*[]()<>|~".contains(c) { ' ' } else { c }).collect()
    }
}

/// Adds an id found at `at`, unless it is one already found or part of one found nearby.
fn add(found: &mut Vec<(usize, usize, OrderId)>, at: usize, raw: &str) {
    let trimmed = raw.trim_end_matches(['.', '-', '_']);
    if !plausible(trimmed) {
        return;
    }
    let Some(id) = OrderId::parse(trimmed) else { return };
    let end = at + trimmed.len();
    let near = |known_at: usize| known_at.abs_diff(at) < 64;
    if found.iter().any(|(k_at, _, known)| *known == id || (known.as_str().contains(id.as_str()) && near(*k_at))) {
        return;
    }
    found.retain(|(k_at, _, known)| !(id.as_str().contains(known.as_str()) && near(*k_at)));
    found.push((at, end, id));
}

/// Not a year, an amount or a word: an id has a digit, and a bare number has at least four.
fn plausible(id: &str) -> bool {
    let digits = id.chars().filter(char::is_ascii_digit).count();
    let all_digits = digits == id.len();
    let year = all_digits && id.len() == 4 && (id.starts_with("19") || id.starts_with("20"));
    let stripe_like = id.contains('_');
    (digits > 0 || stripe_like) && !(all_digits && id.len() < 4) && !year && id.len() <= 64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader() -> OrderReader {
        OrderReader::new(&[], &["billing@brightcourses.com".into(), "@shop.example".into()]).unwrap()
    }

    fn ids(text: &str) -> Vec<String> {
        reader().order_ids(text).iter().map(|i| i.to_string()).collect()
    }

    #[test]
    fn ids_in_real_shapes() {
        assert_eq!(ids("Hi, refund for ORD-1001 please"), ["ORD-1001"]);
        assert_eq!(ids("Invoice #: DC-20931-7781"), ["DC-20931-7781"]);
        assert_eq!(ids("order GPA.3345-1290-8812-44571 crashes"), ["GPA.3345-1290-8812-44571"]);
        assert_eq!(ids("charge `ch_3PqR8sLk2M0aX1yZ0b9Cd4Ef` please"), ["CH_3PQR8SLK2M0AX1YZ0B9CD4EF"]);
        assert_eq!(
            ids(
                "invoice [9f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f](https://x.test/i/9f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f)"
            ),
            ["9F1C2D3E-4B5A-4C6D-8E7F-0A1B2C3D4E5F"]
        );
        assert_eq!(ids("order 55120 and 55187, $69.50 and $22 in 2026"), ["55120", "55187"]);
        assert_eq!(ids("it's #ord-7 "), ["ORD-7"]);
        assert!(ids("I was charged $49 on the 3rd, 24 hours ago").is_empty());
    }

    #[test]
    fn emails_once_in_lower_case_and_never_the_sellers() {
        let found = reader()
            .emails("JOHN.DOE@GMAIL.COM<mailto:john.doe@gmail.com>, not billing@brightcourses.com or a@shop.example");
        assert_eq!(found.iter().map(|e| e.as_str()).collect::<Vec<_>>(), ["john.doe@gmail.com"]);
    }

    #[test]
    fn the_end_of_an_id() {
        assert_eq!(reader().suffix("my order ends with 614, sam@fastmail.com").as_deref(), Some("614"));
        assert_eq!(reader().suffix("mi pedido termina en 8812").as_deref(), Some("8812"));
    }
}
