//! `refund-bot report`: what came in and what went back over a period: cases by outcome and by
//! reason, money refunded, flags, feedback, and the same week by week, as text or JSON. Here the
//! figures; `text.rs` prints them, `command.rs` reads the period and writes text, JSON or CSV.

mod command;
mod text;

pub use command::{report_command, write_csv, Format};

use crate::domain::case::{Case, Outcome};
use crate::domain::{Currency, Money};
use crate::store::RefundWentBack;
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

/// Cases whose request ended before a reason was given (and dispute cases) count under this.
const NO_REASON: &str = "none";

#[derive(Debug, Serialize, PartialEq)]
pub struct Report {
    pub since: DateTime<Utc>,
    pub until: DateTime<Utc>,
    pub cases: usize,
    /// Outcome code -> cases, every outcome listed.
    pub outcomes: BTreeMap<&'static str, usize>,
    /// Most frequent first.
    pub reasons: Vec<ReasonLine>,
    /// Products asked about most, first; cases without a proven order are not counted.
    pub products: Vec<ProductLine>,
    /// One line per currency and processor.
    pub refunded: Vec<MoneyLine>,
    pub flags: BTreeMap<&'static str, usize>,
    pub feedback: Feedback,
    /// Weeks starting on Monday, oldest first, each week of the period listed.
    pub weeks: Vec<Week>,
}

#[derive(Debug, Serialize, PartialEq)]
pub struct ReasonLine {
    pub reason: String,
    pub label: String,
    pub cases: usize,
    /// Refunded in full or in part.
    pub refunded: usize,
    pub denied: usize,
    /// Store credit, support, an exchange instead of money.
    pub alternative: usize,
}

#[derive(Debug, Serialize, PartialEq)]
pub struct ProductLine {
    pub product: String,
    pub cases: usize,
    /// Refunded in full or in part.
    pub refunded: usize,
}

#[derive(Debug, Serialize, PartialEq)]
pub struct MoneyLine {
    pub currency: String,
    pub processor: String,
    pub refunds: usize,
    pub amount_minor: i64,
    /// The amount as people read it, e.g. `$49.00`.
    pub amount: String,
}

#[derive(Debug, Serialize, PartialEq)]
pub struct Feedback {
    pub answers: usize,
    /// Mean score out of 5, to one decimal; absent without answers.
    pub average: Option<f64>,
}

#[derive(Debug, Serialize, PartialEq)]
pub struct Week {
    pub starts: NaiveDate,
    pub opened: usize,
    pub refunds: usize,
    /// Refunded amounts as people read them, one per currency.
    pub refunded: Vec<String>,
}

fn money(minor: i64, currency: &str) -> String {
    match Currency::parse(currency) {
        Ok(c) => Money::from_minor(minor, c).to_string(),
        Err(_) => format!("{minor} {currency} (minor units)"),
    }
}

fn monday_of(at: DateTime<Utc>) -> NaiveDate {
    let day = at.date_naive();
    day - Duration::days(i64::from(day.weekday().num_days_from_monday()))
}

/// What a period's report is made of, read from the database.
#[derive(Debug, Default)]
pub struct Facts {
    /// Cases opened in the period.
    pub cases: Vec<Case>,
    /// Succeeded refunds made in the period.
    pub refunds: Vec<RefundWentBack>,
    /// Feedback scores given in the period.
    pub scores: Vec<i64>,
    /// Product name by order id, for the cases' orders.
    pub products: BTreeMap<String, String>,
}

/// How many products the report lists.
const TOP_PRODUCTS: usize = 10;

impl Report {
    /// The figures for `[since, until)`.
    pub fn build(since: DateTime<Utc>, until: DateTime<Utc>, facts: &Facts) -> Report {
        let Facts { cases, refunds, scores, products } = facts;
        let mut outcomes: BTreeMap<&'static str, usize> = Outcome::ALL.iter().map(|o| (o.code(), 0)).collect();
        let mut reasons: BTreeMap<String, ReasonLine> = BTreeMap::new();
        let mut by_product: BTreeMap<String, ProductLine> = BTreeMap::new();
        let mut flags: BTreeMap<&'static str, usize> = BTreeMap::new();
        for case in cases {
            *outcomes.entry(case.outcome.code()).or_default() += 1;
            let (code, label) = match case.reason {
                Some(reason) => (reason.code().to_string(), reason.label().to_string()),
                None => (NO_REASON.to_string(), "No reason given".to_string()),
            };
            let line = reasons.entry(code.clone()).or_insert_with(|| ReasonLine {
                reason: code,
                label,
                cases: 0,
                refunded: 0,
                denied: 0,
                alternative: 0,
            });
            line.cases += 1;
            match case.outcome {
                Outcome::Refunded | Outcome::PartiallyRefunded => line.refunded += 1,
                Outcome::Denied => line.denied += 1,
                Outcome::Alternative => line.alternative += 1,
                Outcome::Open | Outcome::Cancelled => {}
            }
            if let Some(product) = case.order_id.as_ref().and_then(|o| products.get(o.as_str())) {
                let line = by_product.entry(product.clone()).or_insert_with(|| ProductLine {
                    product: product.clone(),
                    cases: 0,
                    refunded: 0,
                });
                line.cases += 1;
                line.refunded += usize::from(matches!(case.outcome, Outcome::Refunded | Outcome::PartiallyRefunded));
            }
            for flag in &case.flags {
                *flags.entry(flag.code()).or_default() += 1;
            }
        }
        let mut reasons: Vec<ReasonLine> = reasons.into_values().collect();
        reasons.sort_by(|a, b| b.cases.cmp(&a.cases).then_with(|| a.reason.cmp(&b.reason)));
        let mut products: Vec<ProductLine> = by_product.into_values().collect();
        products.sort_by(|a, b| b.cases.cmp(&a.cases).then_with(|| a.product.cmp(&b.product)));
        products.truncate(TOP_PRODUCTS);

        let mut totals: BTreeMap<(String, String), (usize, i64)> = BTreeMap::new();
        for refund in refunds {
            let total = totals.entry((refund.currency.clone(), refund.processor.clone())).or_default();
            total.0 += 1;
            total.1 += refund.amount_minor;
        }
        let refunded = totals
            .into_iter()
            .map(|((currency, processor), (count, minor))| MoneyLine {
                amount: money(minor, &currency),
                currency,
                processor,
                refunds: count,
                amount_minor: minor,
            })
            .collect();

        let answers = scores.len();
        let average = (answers > 0).then(|| {
            let mean = scores.iter().sum::<i64>() as f64 / answers as f64;
            (mean * 10.0).round() / 10.0
        });

        Report {
            since,
            until,
            cases: cases.len(),
            outcomes,
            reasons,
            products,
            refunded,
            flags,
            feedback: Feedback { answers, average },
            weeks: weeks(since, until, cases, refunds),
        }
    }
}

fn weeks(since: DateTime<Utc>, until: DateTime<Utc>, cases: &[Case], refunds: &[RefundWentBack]) -> Vec<Week> {
    let mut weeks: BTreeMap<NaiveDate, (usize, usize, BTreeMap<String, i64>)> = BTreeMap::new();
    let last = monday_of(until - Duration::milliseconds(1));
    let mut monday = monday_of(since);
    while monday <= last {
        weeks.insert(monday, Default::default());
        monday += Duration::days(7);
    }
    for case in cases {
        weeks.entry(monday_of(case.opened_at)).or_default().0 += 1;
    }
    for refund in refunds {
        let week = weeks.entry(monday_of(refund.at)).or_default();
        week.1 += 1;
        *week.2.entry(refund.currency.clone()).or_default() += refund.amount_minor;
    }
    weeks
        .into_iter()
        .map(|(starts, (opened, refunds, amounts))| Week {
            starts,
            opened,
            refunds,
            refunded: amounts.iter().map(|(currency, minor)| money(*minor, currency)).collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
    }

    fn refund(minor: i64, processor: &str, when: &str) -> RefundWentBack {
        RefundWentBack {
            at: at(when),
            order_id: "ORD-1".into(),
            email: "alice@example.com".into(),
            product: "Web Design Course".into(),
            amount_minor: minor,
            currency: "USD".into(),
            processor: processor.into(),
            processor_refund_id: None,
            status: "succeeded".into(),
            case_id: crate::domain::CaseId(1),
            reason: None,
            approved_by: Some("agent-1".into()),
            exception_by: None,
            recorded_by: "agent-1".into(),
        }
    }

    #[test]
    fn refunds_and_weeks_add_up() {
        let since = at("2026-11-01T00:00:00Z");
        let until = at("2026-11-23T12:00:00Z");
        let refunds = [
            refund(4900, "manual", "2026-11-03T10:00:00Z"),
            refund(2450, "stripe", "2026-11-17T10:00:00Z"),
            refund(4900, "stripe", "2026-11-22T23:59:00Z"),
        ];
        let facts = Facts { refunds: refunds.to_vec(), scores: vec![5, 4, 4], ..Facts::default() };
        let report = Report::build(since, until, &facts);
        assert_eq!(report.refunded.len(), 2);
        assert_eq!((report.refunded[1].refunds, report.refunded[1].amount.as_str()), (2, "$73.50"));
        assert_eq!(report.feedback, Feedback { answers: 3, average: Some(4.3) });
        // 2026-11-01 is a Sunday: its week starts on 2026-10-26; 2026-11-23 is a Monday.
        let starts: Vec<String> = report.weeks.iter().map(|w| w.starts.to_string()).collect();
        assert_eq!(starts, ["2026-10-26", "2026-11-02", "2026-11-09", "2026-11-16", "2026-11-23"]);
        assert_eq!(report.weeks[1].refunded, ["$49.00"]);
        assert_eq!(report.weeks[3].refunds, 2);
        assert!(report.to_text().contains("$73.50 in 2 refund(s) by stripe"));
    }

    #[test]
    fn an_empty_period_says_so() {
        let report = Report::build(at("2026-11-16T00:00:00Z"), at("2026-11-23T00:00:00Z"), &Facts::default());
        let text = report.to_text();
        assert!(text.contains("Cases opened: 0") && text.contains("none") && text.contains("no answers"), "{text}");
        assert_eq!(report.weeks.len(), 1);
    }
}
