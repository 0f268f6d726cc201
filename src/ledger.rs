//! `refund-bot ledger export`: one CSV row per refund that went back (never a draft, a pending
//! or a failed one), then one total row per currency, for the seller's tax and accounting.

use crate::app::{self, CliError};
use crate::domain::{Currency, Money};
use crate::store::RefundWentBack;
use chrono::{DateTime, SecondsFormat, Utc};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

/// The formats `ledger export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Csv,
}

pub const HEADER: [&str; 13] = [
    "date",
    "order_id",
    "customer_email",
    "product",
    "amount",
    "currency",
    "processor",
    "processor_refund_id",
    "status",
    "case_id",
    "approved_by",
    "exception_approved_by",
    "recorded_by",
];

/// An amount in major units without a symbol (`49.00`, `15000`), as spreadsheets read it.
fn amount(minor: i64, currency: &str) -> String {
    match Currency::parse(currency) {
        Ok(c) => Money::from_minor(minor, c).major_string(),
        Err(_) => format!("{minor} (minor units)"),
    }
}

/// Per currency: how many refunds and how much, in minor units.
pub fn totals(entries: &[RefundWentBack]) -> BTreeMap<String, (usize, i64)> {
    let mut totals: BTreeMap<String, (usize, i64)> = BTreeMap::new();
    for entry in entries {
        let total = totals.entry(entry.currency.clone()).or_default();
        total.0 += 1;
        total.1 += entry.amount_minor;
    }
    totals
}

/// The rows, then a `total` row per currency (its `order_id` cell says how many refunds).
pub fn write_csv<W: Write>(entries: &[RefundWentBack], out: W) -> anyhow::Result<()> {
    let mut csv = csv::Writer::from_writer(out);
    csv.write_record(HEADER)?;
    for e in entries {
        csv.write_record([
            e.at.to_rfc3339_opts(SecondsFormat::Secs, true).as_str(),
            &e.order_id,
            &e.email,
            &e.product,
            &amount(e.amount_minor, &e.currency),
            &e.currency,
            &e.processor,
            e.processor_refund_id.as_deref().unwrap_or(""),
            &e.status,
            &e.case_id.to_string(),
            e.approved_by.as_deref().unwrap_or(""),
            e.exception_by.as_deref().unwrap_or(""),
            &e.recorded_by,
        ])?;
    }
    for (currency, (count, minor)) in totals(entries) {
        let refunds = if count == 1 { "1 refund".to_string() } else { format!("{count} refunds") };
        let amount = amount(minor, &currency);
        csv.write_record(["total", &refunds, "", "", &amount, &currency, "", "", "", "", "", "", ""])?;
    }
    csv.flush()?;
    Ok(())
}

/// `refund-bot ledger export`: `since` defaults to the beginning, `until` to now.
pub async fn export_command(
    config: Option<&Path>,
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    format: Format,
    output: Option<&Path>,
) -> Result<(), CliError> {
    let until = until.unwrap_or_else(Utc::now);
    let since = since.unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
    if since >= until {
        return Err(CliError::input(format!("--since {since} is not before --until {until}")));
    }
    let loaded = app::load_config(config)?;
    let store = app::open_store(&loaded).await?;
    let runtime = |e: crate::store::StoreError| CliError::runtime(e.into());
    let entries = store.begin().await.map_err(runtime)?.refunds_went_back(since, until).await.map_err(runtime)?;
    let Format::Csv = format;
    match output {
        Some(path) => {
            let file = std::fs::File::create(path)
                .map_err(|e| CliError::input(format!("cannot write {}: {e}", path.display())))?;
            write_csv(&entries, std::io::BufWriter::new(file))?;
            eprintln!("{} refund(s) written to {}", entries.len(), path.display());
        }
        None => write_csv(&entries, std::io::stdout().lock())?,
    }
    Ok(())
}
