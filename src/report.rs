//! `refund-bot report`: what came in and what went back over a period: cases by outcome and by
//! reason, money refunded, flags, feedback, and the same week by week, as text or JSON.

use crate::app::{self, CliError};
use crate::domain::case::{Case, Outcome};
use crate::domain::{Currency, Money};
use crate::store::RefundWentBack;
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

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

    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let days = (self.until - self.since).num_days();
        out += &format!(
            "Refund report, {} to {} ({days} days)\n\nCases opened: {}\n",
            self.since.format("%Y-%m-%d %H:%M"),
            self.until.format("%Y-%m-%d %H:%M"),
            self.cases
        );
        let outcomes: Vec<String> = self
            .outcomes
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(o, n)| format!("{} {n}", o.replace('_', " ")))
            .collect();
        if !outcomes.is_empty() {
            out += &format!("  {}\n", outcomes.join(" · "));
        }
        if !self.reasons.is_empty() {
            out += &format!(
                "\nBy reason:\n  {:<26} {:>5} {:>9} {:>7} {:>12}\n",
                "", "cases", "refunded", "denied", "alternative"
            );
            for r in &self.reasons {
                out += &format!(
                    "  {:<26} {:>5} {:>9} {:>7} {:>12}\n",
                    r.label, r.cases, r.refunded, r.denied, r.alternative
                );
            }
        }
        if !self.products.is_empty() {
            out += &format!("\nBy product:\n  {:<34} {:>5} {:>9}\n", "", "cases", "refunded");
            for p in &self.products {
                out += &format!("  {:<34} {:>5} {:>9}\n", p.product, p.cases, p.refunded);
            }
        }
        out += "\nMoney refunded:\n";
        if self.refunded.is_empty() {
            out += "  none\n";
        }
        for line in &self.refunded {
            out += &format!("  {} in {} refund(s) by {}\n", line.amount, line.refunds, line.processor);
        }
        let flags: Vec<String> = self.flags.iter().map(|(f, n)| format!("{f} {n}")).collect();
        out += &format!("\nFlags: {}\n", if flags.is_empty() { "none".to_string() } else { flags.join(" · ") });
        out += &match self.feedback.average {
            Some(average) => format!("Feedback: {} answer(s), average {average:.1} / 5\n", self.feedback.answers),
            None => "Feedback: no answers\n".to_string(),
        };
        out += &format!(
            "\nWeek by week (weeks start on Monday):\n  {:<10} {:>6} {:>7}  refunded\n",
            "week", "opened", "refunds"
        );
        for week in &self.weeks {
            let refunded = if week.refunded.is_empty() { "-".to_string() } else { week.refunded.join(", ") };
            out += &format!("  {:<10} {:>6} {:>7}  {refunded}\n", week.starts, week.opened, week.refunds);
        }
        out
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

/// How `report` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    /// One row per week and reason: requests, refunds, amount refunded.
    Csv,
}

/// `report --format csv`: for each week (starting on Monday) and reason, the requests opened,
/// the refunds that went back and their amount (`49.00 USD`, several currencies joined by `; `).
pub fn write_csv<W: std::io::Write>(
    cases: &[Case],
    refunds: &[RefundWentBack],
    out: W,
) -> anyhow::Result<()> {
    type Row = (usize, usize, BTreeMap<String, i64>);
    let mut rows: BTreeMap<(NaiveDate, String), Row> = BTreeMap::new();
    for case in cases {
        let reason = case.reason.map_or(NO_REASON.to_string(), |r| r.code().to_string());
        rows.entry((monday_of(case.opened_at), reason)).or_default().0 += 1;
    }
    for refund in refunds {
        let reason = refund.reason.clone().unwrap_or_else(|| NO_REASON.to_string());
        let row = rows.entry((monday_of(refund.at), reason)).or_default();
        row.1 += 1;
        *row.2.entry(refund.currency.clone()).or_default() += refund.amount_minor;
    }
    let mut csv = csv::Writer::from_writer(out);
    csv.write_record(["week_start", "reason", "requests", "refunds", "refunded"])?;
    for ((week, reason), (requests, count, amounts)) in rows {
        let amounts: Vec<String> = amounts
            .iter()
            .map(|(currency, minor)| match Currency::parse(currency) {
                Ok(c) => format!("{} {currency}", Money::from_minor(*minor, c).major_string()),
                Err(_) => format!("{minor} {currency} (minor units)"),
            })
            .collect();
        csv.write_record([week.to_string(), reason, requests.to_string(), count.to_string(), amounts.join("; ")])?;
    }
    csv.flush()?;
    Ok(())
}

/// `refund-bot report`: `until` defaults to now, `since` to `days` before it.
pub async fn report_command(
    config: Option<&Path>,
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    days: u32,
    format: Format,
    chart: Option<&Path>,
) -> Result<(), CliError> {
    let until = until.unwrap_or_else(Utc::now);
    let since = since.unwrap_or(until - Duration::days(i64::from(days)));
    if since >= until {
        return Err(CliError::input(format!("--since {since} is not before --until {until}")));
    }
    let loaded = app::load_config(config)?;
    let store = app::open_store(&loaded).await?;
    let runtime = |e: crate::store::StoreError| CliError::runtime(e.into());
    let mut tx = store.begin().await.map_err(runtime)?;
    let mut facts = Facts {
        cases: tx.cases_opened_between(since, until).await.map_err(runtime)?,
        refunds: tx.refunds_went_back(since, until).await.map_err(runtime)?,
        scores: tx.feedback_scores_between(since, until).await.map_err(runtime)?,
        products: BTreeMap::new(),
    };
    for order_id in facts.cases.iter().filter_map(|c| c.order_id.clone()) {
        if let Some(order) = tx.find_order(&order_id).await.map_err(runtime)? {
            facts.products.insert(order_id.as_str().to_string(), order.product);
        }
    }
    if let Some(path) = chart {
        let weeks = Duration::weeks(crate::digest::CHART_WEEKS);
        let recent = tx.refunds_went_back(until - weeks, until).await.map_err(runtime)?;
        let data = crate::digest::chart_data(until, &recent);
        let png = crate::digest::chart::render_png(&data, "Refunds by reason, week by week")
            .map_err(|e| CliError::runtime(e.into()))?;
        std::fs::write(path, png).map_err(|e| CliError::input(format!("cannot write {}: {e}", path.display())))?;
        eprintln!("chart written to {}", path.display());
    }
    drop(tx);
    let report = Report::build(since, until, &facts);
    match format {
        Format::Json => {
            println!("{}", serde_json::to_string_pretty(&report).map_err(|e| CliError::runtime(e.into()))?)
        }
        Format::Text => print!("{}", report.to_text()),
        Format::Csv => write_csv(&facts.cases, &facts.refunds, std::io::stdout().lock())?,
    }
    Ok(())
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
