//! The weekly digest to managers: the week's requests, outcomes, money refunded and kept, top
//! reasons and products against the four weeks before, times to answer and to resolve, SLA
//! breaches, feedback and the comments worth reading, with a chart of refunds by reason over
//! the last eight weeks. Built from figures read once (`load`), then pure.

pub mod chart;
mod schedule;

pub use chart::ChartData;
pub use schedule::next_due;

use crate::domain::{Currency, Money, Reason};
use crate::replies::Reply;
use crate::store::{RefundWentBack, RequestFact, StoreResult, Tx};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Weeks the chart shows, and weeks the trends compare against.
pub const CHART_WEEKS: i64 = 8;
pub const TREND_WEEKS: i64 = 4;
/// Lines of reasons, products and comments the digest lists at most.
const TOP: usize = 5;

/// Everything the digest is made of, read from the database.
#[derive(Debug, Default)]
pub struct Facts {
    /// Requests opened in the week and the four weeks before it.
    pub requests: Vec<RequestFact>,
    /// Refunds of the last eight weeks.
    pub refunds: Vec<RefundWentBack>,
    pub sla_breaches: i64,
    /// (score, comment) given in the week.
    pub feedback: Vec<(i64, Option<String>)>,
}

impl Facts {
    /// Reads the figures of the week that ends at `until`.
    pub async fn load(tx: &mut Tx<'_>, until: DateTime<Utc>) -> StoreResult<Facts> {
        let since = until - Duration::weeks(1);
        Ok(Facts {
            requests: tx.requests_between(since - Duration::weeks(TREND_WEEKS), until).await?,
            refunds: tx.refunds_went_back(until - Duration::weeks(CHART_WEEKS), until).await?,
            sla_breaches: tx.sla_breaches_between(since, until).await?,
            feedback: tx.feedback_between(since, until).await?,
        })
    }
}

/// A reason or product this week against its weekly mean over the four weeks before.
#[derive(Debug, Clone, PartialEq)]
pub struct Trend {
    pub label: String,
    pub count: usize,
    pub before_per_week: f64,
}

impl Trend {
    /// The line as the template words it: the change on the weekly mean before, signed and in
    /// percent (`+220`), empty for something new this week.
    fn shown(&self) -> TrendLine {
        let change = if self.before_per_week == 0.0 {
            String::new()
        } else {
            format!("{:+.0}", (self.count as f64 / self.before_per_week - 1.0) * 100.0)
        };
        TrendLine { label: self.label.clone(), count: self.count, change }
    }
}

/// A reason or product line of the digest's post; the template says what `change` means.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrendLine {
    pub label: String,
    pub count: usize,
    pub change: String,
}

/// How many of the week's requests ended so: `outcome` is a case outcome's code (`refunded`),
/// which the template names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutcomeCount {
    pub outcome: String,
    pub count: usize,
}

/// A median time as the template words it: `amount` in `unit` (`minutes`, `hours` or `days`);
/// both empty when there was nothing to measure.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    pub amount: String,
    pub unit: String,
}

/// The digest of one week.
#[derive(Debug, Clone, PartialEq)]
pub struct Digest {
    pub since: DateTime<Utc>,
    pub until: DateTime<Utc>,
    pub requests: usize,
    pub outcomes: BTreeMap<String, usize>,
    /// Money refunded this week, per currency (minor units).
    pub refunded: BTreeMap<String, i64>,
    /// What customers kept buying: orders whose case ended with an alternative.
    pub kept: BTreeMap<String, i64>,
    pub reasons: Vec<Trend>,
    pub products: Vec<Trend>,
    pub median_first_answer: Option<Duration>,
    pub median_resolution: Option<Duration>,
    pub sla_breaches: i64,
    pub feedback_answers: usize,
    pub feedback_average: Option<f64>,
    pub comments: Vec<String>,
    pub chart: ChartData,
}

fn reason_label(code: Option<&str>) -> String {
    code.and_then(Reason::parse).map_or("No reason given".to_string(), |r| r.label().to_string())
}

fn median(mut values: Vec<Duration>) -> Option<Duration> {
    values.sort();
    let n = values.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(values[n / 2]),
        _ => Some((values[n / 2 - 1] + values[n / 2]) / 2),
    }
}

fn trends<'a>(week: impl Iterator<Item = &'a str>, before: impl Iterator<Item = &'a str>) -> Vec<Trend> {
    let mut now: BTreeMap<&str, usize> = BTreeMap::new();
    week.for_each(|k| *now.entry(k).or_default() += 1);
    let mut earlier: BTreeMap<&str, usize> = BTreeMap::new();
    before.for_each(|k| *earlier.entry(k).or_default() += 1);
    let mut lines: Vec<Trend> = now
        .into_iter()
        .map(|(label, count)| Trend {
            label: label.to_string(),
            count,
            before_per_week: earlier.get(label).copied().unwrap_or(0) as f64 / TREND_WEEKS as f64,
        })
        .collect();
    lines.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.label.cmp(&b.label)));
    lines.truncate(TOP);
    lines
}

impl Digest {
    /// The digest of the week ending at `until`.
    pub fn build(until: DateTime<Utc>, facts: &Facts) -> Digest {
        let since = until - Duration::weeks(1);
        let (week, before): (Vec<&RequestFact>, Vec<&RequestFact>) =
            facts.requests.iter().partition(|r| r.opened_at >= since);
        let mut outcomes: BTreeMap<String, usize> = BTreeMap::new();
        let mut kept: BTreeMap<String, i64> = BTreeMap::new();
        for request in &week {
            *outcomes.entry(request.outcome.clone()).or_default() += 1;
            if let ("alternative", Some(minor), Some(currency)) =
                (request.outcome.as_str(), request.amount_minor, &request.currency)
            {
                *kept.entry(currency.clone()).or_default() += minor;
            }
        }
        let mut refunded: BTreeMap<String, i64> = BTreeMap::new();
        for refund in facts.refunds.iter().filter(|r| r.at >= since) {
            *refunded.entry(refund.currency.clone()).or_default() += refund.amount_minor;
        }
        let reasons = trends(
            week.iter().map(|r| r.reason.as_deref().unwrap_or("")),
            before.iter().map(|r| r.reason.as_deref().unwrap_or("")),
        )
        .into_iter()
        .map(|t| Trend { label: reason_label(Some(&t.label).filter(|l| !l.is_empty()).map(|l| l.as_str())), ..t })
        .collect();
        let products = trends(
            week.iter().filter_map(|r| r.product.as_deref()),
            before.iter().filter_map(|r| r.product.as_deref()),
        );
        let answers: Vec<Duration> =
            week.iter().filter_map(|r| r.first_answer_at.map(|at| at - r.requested_at)).collect();
        let resolutions: Vec<Duration> =
            week.iter().filter_map(|r| r.resolved_at.map(|at| at - r.requested_at)).collect();
        let scores: Vec<i64> = facts.feedback.iter().map(|(s, _)| *s).collect();
        let feedback_average = (!scores.is_empty()).then(|| {
            let mean = scores.iter().sum::<i64>() as f64 / scores.len() as f64;
            (mean * 10.0).round() / 10.0
        });
        Digest {
            since,
            until,
            requests: week.len(),
            outcomes,
            refunded,
            kept,
            reasons,
            products,
            median_first_answer: median(answers),
            median_resolution: median(resolutions),
            sla_breaches: facts.sla_breaches,
            feedback_answers: scores.len(),
            feedback_average,
            comments: worth_reading(&facts.feedback),
            chart: chart_data(until, &facts.refunds),
        }
    }

    /// The managers' post; `chart` is the name of the attached picture. Only figures and codes:
    /// the words are the template's, in the seller's locale.
    pub fn reply(&self, chart: &str) -> Reply {
        Reply::ManagerDigest {
            since: self.since.format("%Y-%m-%d").to_string(),
            until: (self.until - Duration::milliseconds(1)).format("%Y-%m-%d").to_string(),
            requests: self.requests,
            outcomes: self.outcomes.iter().map(|(o, n)| OutcomeCount { outcome: o.clone(), count: *n }).collect(),
            refunded: amounts(&self.refunded),
            kept: amounts(&self.kept),
            reasons: self.reasons.iter().map(Trend::shown).collect(),
            products: self.products.iter().map(Trend::shown).collect(),
            first_answer: self.median_first_answer.map(span).unwrap_or_default(),
            resolution: self.median_resolution.map(span).unwrap_or_default(),
            sla_breaches: self.sla_breaches.max(0) as usize,
            feedback_average: self.feedback_average.map(|average| format!("{average:.1}")).unwrap_or_default(),
            feedback_answers: self.feedback_answers,
            comments: self.comments.clone(),
            chart: chart.to_string(),
        }
    }

    /// The chart of this digest as PNG bytes.
    pub fn chart_png(&self) -> Result<Vec<u8>, chart::ChartError> {
        chart::render_png(&self.chart, "Refunds by reason, week by week")
    }

    /// The file name the chart is attached under.
    pub fn chart_name(&self) -> String {
        format!("refunds-by-reason-{}.png", self.since.format("%Y-%m-%d"))
    }
}

/// Refunds by reason in the `CHART_WEEKS` weeks before `until`, each week the seven days that
/// end where the next begins (a digest on Monday 09:00 counts Monday 09:00 to Monday 09:00),
/// labelled by its first day.
pub fn chart_data(until: DateTime<Utc>, refunds: &[RefundWentBack]) -> ChartData {
    let first = until - Duration::weeks(CHART_WEEKS);
    let weeks: Vec<NaiveDate> = (0..CHART_WEEKS).map(|w| (first + Duration::weeks(w)).date_naive()).collect();
    let mut counts: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    for refund in refunds.iter().filter(|r| r.at >= first && r.at < until) {
        let index = ((refund.at - first).num_seconds() / Duration::weeks(1).num_seconds()) as usize;
        counts.entry(reason_label(refund.reason.as_deref())).or_insert_with(|| vec![0; weeks.len()])[index] += 1;
    }
    let mut series: Vec<(String, Vec<u32>)> = counts.into_iter().collect();
    series.sort_by(|a, b| b.1.iter().sum::<u32>().cmp(&a.1.iter().sum::<u32>()).then_with(|| a.0.cmp(&b.0)));
    ChartData { weeks, series }
}

/// The comments managers should read first: the unhappy ones, then the longest.
fn worth_reading(feedback: &[(i64, Option<String>)]) -> Vec<String> {
    let mut comments: Vec<(i64, &str)> = feedback
        .iter()
        .filter_map(|(score, comment)| comment.as_deref().map(str::trim).filter(|c| c.len() >= 3).map(|c| (*score, c)))
        .collect();
    comments.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| b.1.len().cmp(&a.1.len())));
    comments.into_iter().take(TOP).map(|(score, text)| format!("{score}/5: {text}")).collect()
}

/// The amounts, one per currency; empty when there were none (the template says "nothing").
fn amounts(by_currency: &BTreeMap<String, i64>) -> String {
    let each: Vec<String> = by_currency
        .iter()
        .map(|(currency, minor)| match Currency::parse(currency) {
            Ok(c) => Money::from_minor(*minor, c).to_string(),
            Err(_) => format!("{minor} {currency}"),
        })
        .collect();
    each.join(", ")
}

/// 45 minutes, 3.5 hours, 2.1 days.
fn span(d: Duration) -> Span {
    let minutes = d.num_minutes().max(0);
    let (amount, unit) = match minutes {
        0..=119 => (minutes.to_string(), "minutes"),
        m if m < 48 * 60 => (format!("{:.1}", m as f64 / 60.0), "hours"),
        m => (format!("{:.1}", m as f64 / 1440.0), "days"),
    };
    Span { amount, unit: unit.to_string() }
}
