//! Sample values of every reply: `Replies::load` renders them all to check the templates, so
//! each branch a template can take (true/false, empty/non-empty lists) has a sample here: what
//! customers are told (`customer.rs`), then what staff see (`staff.rs`). A reply sampled
//! several times is built by a small builder, one line per branch.

mod customer;
mod staff;

use super::Reply;

fn s(text: &str) -> String {
    text.to_string()
}

fn lines(items: &[&str]) -> Vec<String> {
    items.iter().map(|i| i.to_string()).collect()
}

const COURSE: &str = "Web Design Course";
const EBOOK: &str = "Pricing Playbook (ebook)";
const ORIGINAL_METHOD: &str = "your original payment method";
const SCREENSHOT: &str = "Hi! Could you send a screenshot?";

/// The customer's words, with a mention and a line break that staff posts must neutralise.
fn customer_text() -> String {
    s("The video player freezes at lesson 4 on every browser I tried. \
        I already emailed @everyone on the support list, nobody answered.\nTried Chrome and Firefox.")
}

fn rules_full() -> Vec<String> {
    lines(&[
        "Purchased 6 days ago, within the 30-day refund window.",
        "Course progress is 12%, within the 30% allowed for a full refund.",
    ])
}

fn rules_denied() -> Vec<String> {
    lines(&["Purchased 41 days ago, outside the 14-day refund window for ebooks."])
}

impl Reply {
    /// At least one realistic value of every variant, and one per branch of its template.
    pub fn samples() -> Vec<Reply> {
        let mut all = customer::samples();
        all.extend(staff::samples());
        all
    }
}
