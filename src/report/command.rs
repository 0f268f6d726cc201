//! The `report` command: reads the period's facts, prints the report as text, JSON or CSV, and
//! draws the chart when asked.

use super::{monday_of, Facts, Report, NO_REASON};
use crate::app::{self, CliError};
use crate::domain::case::Case;
use crate::domain::{Currency, Money};
use crate::store::RefundWentBack;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use std::collections::BTreeMap;
use std::path::Path;

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
pub fn write_csv<W: std::io::Write>(cases: &[Case], refunds: &[RefundWentBack], out: W) -> anyhow::Result<()> {
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
