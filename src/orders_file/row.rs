//! One row of an order file before and after validation: its cells, and the order it makes
//! (amounts, times in the seller's zone, no purchase in the future).

use super::columns::PresetDef;
use super::time::parse_time;
use super::ImportOptions;
use crate::domain::{Currency, Email, Money, Order, OrderId};
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use std::collections::BTreeMap;

/// How far past the import time a purchase may be, for clocks that are slightly off.
const CLOCK_SKEW_MINUTES: i64 = 5;

/// One value of a row and the column (or key) it came from, for messages.
#[derive(Debug, Clone)]
pub(super) struct Cell {
    pub value: String,
    pub column: String,
}

/// One row before validation: fields to their values, usage metrics to theirs.
#[derive(Debug, Default)]
pub(super) struct Row {
    pub cells: BTreeMap<&'static str, Cell>,
    pub usage: Vec<(String, Cell)>,
}

impl Row {
    pub fn get(&self, field: &str) -> Option<&Cell> {
        self.cells.get(field).filter(|c| !c.value.trim().is_empty())
    }
}

/// What validation needs besides the row.
pub(super) struct Context {
    /// Times without a zone are in this one.
    zone: Tz,
    now: DateTime<Utc>,
}

impl Context {
    pub fn new(options: &ImportOptions, preset: Option<&PresetDef>) -> Context {
        let zone = if preset.is_some_and(|p| p.times_in_utc) { Tz::UTC } else { options.timezone };
        Context { zone, now: options.now }
    }

    /// The order a row describes, or what is wrong with it, naming the field (and its column
    /// when that has another name).
    pub fn validate(&self, row: Row) -> Result<Order, String> {
        let label = |field: &str, cell: &Cell| {
            if cell.column.eq_ignore_ascii_case(field) {
                field.to_string()
            } else {
                format!("{field} (column `{}`)", cell.column)
            }
        };
        let required = |field: &str| row.get(field).ok_or_else(|| format!("missing field `{field}`"));

        let cell = required("order_id")?;
        let order_id = OrderId::parse(&cell.value).ok_or_else(|| {
            format!(
                "{} `{}` is not a valid order id (letters, digits, -, _, #, ., at most 64)",
                label("order_id", cell),
                cell.value
            )
        })?;
        let cell = required("email")?;
        let email = Email::parse(&cell.value)
            .ok_or_else(|| format!("{} `{}` is not an email address", label("email", cell), cell.value))?;
        let cell = required("currency")?;
        let currency = Currency::parse(&cell.value).map_err(|e| format!("{}: {e}", label("currency", cell)))?;
        let cell = required("amount")?;
        let amount =
            Money::parse_formatted(&cell.value, currency).map_err(|e| format!("{}: {e}", label("amount", cell)))?;
        let refunded = match row.get("refunded") {
            Some(cell) => Money::parse_formatted(&cell.value, currency)
                .map_err(|e| format!("{}: {e}", label("refunded", cell)))?,
            None => Money::zero(currency),
        };
        if refunded.minor() > amount.minor() {
            return Err(format!("refunded {refunded} is more than the amount {amount}"));
        }
        let cell = required("purchased_at")?;
        let purchased_at =
            parse_time(&cell.value, self.zone).map_err(|e| format!("{}: {e}", label("purchased_at", cell)))?;
        if purchased_at > self.now + Duration::minutes(CLOCK_SKEW_MINUTES) {
            return Err(format!(
                "{} `{}` is in the future: it is {}, and the import runs at {}",
                label("purchased_at", cell),
                cell.value,
                purchased_at.to_rfc3339(),
                self.now.format("%Y-%m-%dT%H:%M:%SZ"),
            ));
        }
        let product = required("product")?.value.trim().to_string();
        let sku = match row.get("sku") {
            Some(cell) => cell.value.trim().to_string(),
            None => slug(&product).ok_or_else(|| {
                format!("missing field `sku`, and the product `{product}` has no letters or digits to make one of")
            })?,
        };
        let mut usage = BTreeMap::new();
        for (metric, cell) in &row.usage {
            let name = format!("usage.{metric}");
            let value: f64 = cell
                .value
                .trim()
                .parse()
                .map_err(|_| format!("{} `{}` is not a number", label(&name, cell), cell.value))?;
            if !value.is_finite() || value < 0.0 {
                return Err(format!("{name} = {value} must be a number of zero or more"));
            }
            usage.insert(metric.clone(), value);
        }
        let optional = |field: &str| row.get(field).map(|c| c.value.trim().to_string());
        Ok(Order {
            order_id,
            email,
            sku,
            product,
            amount,
            purchased_at,
            usage,
            refunded,
            charge_id: optional("charge_id"),
            payment_intent_id: optional("payment_intent_id"),
        })
    }
}

/// The sku an export without one gets: the product name, lower case, words joined by `-`
/// (`Web Design Course` → `web-design-course`); `None` when it has no letter or digit.
pub fn slug(product: &str) -> Option<String> {
    let mut slug = String::new();
    for c in product.chars() {
        if c.is_alphanumeric() {
            slug.extend(c.to_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-').to_string();
    (!slug.is_empty()).then_some(slug)
}
