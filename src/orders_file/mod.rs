//! Order files for `orders import`: JSON lines or CSV, a CSV maybe a sales platform's export read
//! through a preset or a column mapping (docs/configuration.md#order-files). A file is read whole
//! before anything is stored, so one bad row imports nothing.

mod columns;
mod row;
mod time;

pub use columns::{check_field, parse_column_spec, Preset, FIELDS};
pub use row::slug;
pub use time::parse_time;

use row::{Cell, Context, Row};

use crate::domain::{Order, OrderId};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use columns::PresetDef;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// A bad order file, by line (1-based; a CSV's header is line 1).
#[derive(Debug, thiserror::Error)]
#[error("{file} line {line}: {message}")]
pub struct OrdersFileError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

/// How to read an order file.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// The seller's time zone: times written without a zone, and dates alone, are in it.
    pub timezone: Tz,
    /// When the import runs: a purchase later than this (and a few minutes of clock skew) is refused.
    pub now: DateTime<Utc>,
    /// Field (or `usage.<metric>`) → the column, or JSON key, that holds it.
    pub columns: BTreeMap<String, String>,
    /// A sales platform's CSV export.
    pub preset: Option<Preset>,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions { timezone: Tz::UTC, now: Utc::now(), columns: BTreeMap::new(), preset: None }
    }
}

/// At most this many problems are kept; the rest are counted.
const MAX_PROBLEMS: usize = 50;

/// A file read through: its orders (with their lines), the rows that are no orders, the problems.
#[derive(Debug, Default)]
pub struct ReadOrders {
    pub orders: Vec<(usize, Order)>,
    /// Rows an export has that are no orders (failed payments, a totals row), with why.
    pub skipped: Vec<(usize, String)>,
    /// The first problems, by line.
    pub problems: Vec<OrdersFileError>,
    /// How many problems there are in all (`problems` keeps the first ones).
    pub problem_count: usize,
}

impl ReadOrders {
    fn problem(&mut self, file: &str, line: usize, message: String) {
        self.problem_count += 1;
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(OrdersFileError { file: file.to_string(), line, message });
        }
    }

    /// The orders, or the first problem: a file with any imports nothing.
    pub fn into_result(self) -> Result<Vec<Order>, OrdersFileError> {
        match self.problems.into_iter().next() {
            Some(first) => Err(first),
            None => Ok(self.orders.into_iter().map(|(_, order)| order).collect()),
        }
    }

    /// What `orders import --dry-run` prints: what would be imported, skipped, and the problems.
    pub fn report(&self, file: &str, rows_shown: usize) -> String {
        let mut out = String::new();
        let plural = |n: usize, one: &str, many: &str| if n == 1 { format!("1 {one}") } else { format!("{n} {many}") };
        if self.problem_count == 0 {
            out.push_str(&format!("{file}: {} to import\n", plural(self.orders.len(), "order", "orders")));
        } else {
            out.push_str(&format!(
                "{file}: {} read, but {}: nothing would be imported until {} fixed\n",
                plural(self.orders.len(), "good order", "good orders"),
                plural(self.problem_count, "problem", "problems"),
                if self.problem_count == 1 { "it is" } else { "they are" },
            ));
        }
        for (line, order) in self.orders.iter().take(rows_shown) {
            let refunded =
                if order.refunded.is_zero() { String::new() } else { format!(", {} refunded", order.refunded) };
            out.push_str(&format!(
                "  line {line}: {} {} {} ({}) {}{refunded}, bought {}\n",
                order.order_id,
                order.email,
                order.product,
                order.sku,
                order.amount,
                order.purchased_at.format("%Y-%m-%d %H:%M UTC"),
            ));
        }
        if self.orders.len() > rows_shown {
            out.push_str(&format!("  … and {} more\n", self.orders.len() - rows_shown));
        }
        if !self.skipped.is_empty() {
            out.push_str(&format!(
                "skipped {}:\n",
                plural(self.skipped.len(), "row that is no order", "rows that are no orders")
            ));
            for (line, why) in self.skipped.iter().take(rows_shown) {
                out.push_str(&format!("  line {line}: {why}\n"));
            }
            if self.skipped.len() > rows_shown {
                out.push_str(&format!("  … and {} more\n", self.skipped.len() - rows_shown));
            }
        }
        if self.problem_count > 0 {
            out.push_str("problems:\n");
            for problem in self.problems.iter().take(10) {
                out.push_str(&format!("  {problem}\n"));
            }
            if self.problem_count > 10 {
                out.push_str(&format!("  … and {} more\n", self.problem_count - 10));
            }
        }
        out
    }
}

/// Reads `.jsonl` or `.csv` by its extension; the first problem fails it.
pub fn parse_orders(path: &Path, options: &ImportOptions) -> Result<Vec<Order>, OrdersFileError> {
    read_orders(path, options)?.into_result()
}

/// Reads `.jsonl` (`.ndjson`) or `.csv` by its extension, every row, collecting the problems.
/// `Err` when the file cannot be read at all.
pub fn read_orders(path: &Path, options: &ImportOptions) -> Result<ReadOrders, OrdersFileError> {
    let source = path.display().to_string();
    let fail = |message: String| OrdersFileError { file: source.clone(), line: 0, message };
    let text = std::fs::read_to_string(path).map_err(|e| fail(format!("cannot read the file: {e}")))?;
    match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
        Some("jsonl") | Some("ndjson") if options.preset.is_some() => {
            Err(fail("--preset reads a platform's CSV export, and this is a JSON lines file".into()))
        }
        Some("jsonl") | Some("ndjson") => Ok(read_jsonl(&text, &source, options)),
        Some("csv") => Ok(read_csv(&text, &source, options)),
        _ => Err(fail("expected a .jsonl or .csv file".into())),
    }
}

/// JSON lines with the default options (UTC, now, the fields' own names).
pub fn parse_jsonl(text: &str, source: &str) -> Result<Vec<Order>, OrdersFileError> {
    parse_jsonl_with(text, source, &ImportOptions::default())
}

/// CSV with the default options (UTC, now, the fields' own names).
pub fn parse_csv(text: &str, source: &str) -> Result<Vec<Order>, OrdersFileError> {
    parse_csv_with(text, source, &ImportOptions::default())
}

pub fn parse_jsonl_with(text: &str, source: &str, options: &ImportOptions) -> Result<Vec<Order>, OrdersFileError> {
    read_jsonl(text, source, options).into_result()
}

pub fn parse_csv_with(text: &str, source: &str, options: &ImportOptions) -> Result<Vec<Order>, OrdersFileError> {
    read_csv(text, source, options).into_result()
}

/// One JSON object a line; blank lines are skipped. Keys are the fields' names, or those
/// `options.columns` gives; a repeated order id is refused.
pub fn read_jsonl(text: &str, source: &str, options: &ImportOptions) -> ReadOrders {
    let mut read = ReadOrders::default();
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let context = Context::new(options, None);
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let row = json_row(line, &options.columns);
        match row.and_then(|row| context.validate(row)) {
            Ok(order) => read.orders.push((index + 1, order)),
            Err(message) => read.problem(source, index + 1, message),
        }
    }
    refuse_repeated_ids(&mut read, source);
    read
}

fn json_row(line: &str, columns: &BTreeMap<String, String>) -> Result<Row, String> {
    let value: serde_json::Value = serde_json::from_str(line).map_err(|e| format!("not JSON: {e}"))?;
    let serde_json::Value::Object(object) = value else {
        return Err("expected a JSON object, such as {\"order_id\":\"ORD-1001\",…}".into());
    };
    let mut row = Row::default();
    let mut used = vec!["usage"];
    let text = |key: &str, value: &serde_json::Value| match value {
        serde_json::Value::String(s) => Ok(Some(s.clone())),
        serde_json::Value::Null => Ok(None),
        other => Err(format!("{key} must be a string, as in \"49.00\", not {other}")),
    };
    for field in FIELDS {
        let key = columns.get(field).filter(|k| object.contains_key(k.as_str())).map_or(field, String::as_str);
        used.push(key);
        if let Some(value) = object.get(key) {
            if let Some(value) = text(key, value)? {
                row.cells.insert(field, Cell { value, column: key.to_string() });
            }
        }
    }
    let number = |key: &str, value: &serde_json::Value| match value {
        serde_json::Value::Number(n) => Ok(n.to_string()),
        other => Err(format!("{key} must be a number, not {other}")),
    };
    match object.get("usage") {
        None | Some(serde_json::Value::Null) => {}
        Some(serde_json::Value::Object(usage)) => {
            for (metric, value) in usage {
                let key = format!("usage.{metric}");
                row.usage.push((metric.clone(), Cell { value: number(&key, value)?, column: key }));
            }
        }
        Some(other) => {
            return Err(format!("usage must be an object of numbers, such as {{\"downloads\":2}}, not {other}"))
        }
    }
    for (field, key) in columns {
        if let (Some(metric), Some(value)) = (field.strip_prefix("usage."), object.get(key)) {
            used.push(key);
            row.usage.push((metric.to_string(), Cell { value: number(key, value)?, column: key.clone() }));
        }
    }
    if columns.is_empty() {
        if let Some(unknown) = object.keys().find(|k| !used.contains(&k.as_str())) {
            return Err(format!("unknown field `{unknown}` (the fields are {}, usage)", FIELDS.join(", ")));
        }
    }
    Ok(row)
}

/// CSV with a header; a field's column is named after it, or as `options.columns` or the preset
/// says; usage as `usage.<metric>` columns; cells are trimmed and an empty one is absent.
pub fn read_csv(text: &str, source: &str, options: &ImportOptions) -> ReadOrders {
    let mut read = ReadOrders::default();
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let preset = options.preset.map(Preset::def);
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(text.as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(headers) => headers.iter().map(str::to_string).collect(),
        Err(e) => {
            read.problem(source, 1, e.to_string());
            return read;
        }
    };
    let layout = match columns::layout(&headers, &options.columns, preset) {
        Ok(layout) => layout,
        Err(message) => {
            read.problem(source, 1, message);
            return read;
        }
    };
    let context = Context::new(options, preset);
    // Shopify's extra line items: the order id and line of the row they belong to.
    let mut previous: Option<(String, usize)> = None;
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                read.problem(source, e.position().map_or(0, |p| p.line() as usize), e.to_string());
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line() as usize);
        let cell =
            |index: usize| Cell { value: record.get(index).unwrap_or("").to_string(), column: headers[index].clone() };
        let mut row = Row::default();
        for (field, indexes) in &layout.fields {
            if let Some(&index) = indexes.iter().find(|&&i| !record.get(i).unwrap_or("").is_empty()) {
                row.cells.insert(field, cell(index));
            }
        }
        for (metric, index) in &layout.usage {
            if !record.get(*index).unwrap_or("").is_empty() {
                row.usage.push((metric.clone(), cell(*index)));
            }
        }
        if let Some(preset) = preset {
            let column = Cells { headers: &headers, record: &record };
            let id = row.get("order_id").map(|c| c.value.clone()).unwrap_or_default();
            if preset.line_items {
                match &previous {
                    Some((last, first_line)) if *last == id && !id.is_empty() && row.get("amount").is_none() => {
                        read.skipped.push((line, format!("another line item of order {id} (line {first_line})")));
                        continue;
                    }
                    _ => previous = Some((id.clone(), line)),
                }
            }
            if let Some(why) = skip_reason(preset, &row, &column) {
                read.skipped.push((line, why));
                continue;
            }
            adjust(preset, &mut row, &column);
        }
        match context.validate(row) {
            Ok(order) => read.orders.push((line, order)),
            Err(message) => read.problem(source, line, message),
        }
    }
    refuse_repeated_ids(&mut read, source);
    read
}

/// A CSV row's cells by column name, for the columns a preset reads besides the fields.
struct Cells<'a> {
    headers: &'a [String],
    record: &'a csv::StringRecord,
}

impl Cells<'_> {
    fn get(&self, name: &str) -> &str {
        columns::find_column(self.headers, name).and_then(|i| self.record.get(i)).unwrap_or("")
    }
}

/// Why a preset's row is no order, if it is none.
fn skip_reason(preset: &PresetDef, row: &Row, column: &Cells) -> Option<String> {
    for (name, values) in preset.skip_when {
        let value = column.get(name);
        if values.iter().any(|v| v.eq_ignore_ascii_case(value)) {
            return Some(format!("{name} is `{value}`"));
        }
    }
    if row.get("email").is_none() && row.get("order_id").is_some() {
        return Some("no buyer email, so no customer can claim it".into());
    }
    None
}

/// What a preset's export says in its own way: refunded in full, a product default, Stripe's ids.
fn adjust(preset: &PresetDef, row: &mut Row, column: &Cells) {
    if let Some((name, values)) = preset.refunded_in_full_when {
        let value = column.get(name);
        if values.iter().any(|v| v.eq_ignore_ascii_case(value)) {
            if let Some(amount) = row.get("amount").cloned() {
                row.cells.insert("refunded", Cell { value: amount.value, column: format!("{name} = {value}") });
            }
        }
    }
    if let (None, Some(default)) = (row.get("product"), preset.product_default) {
        row.cells.insert("product", Cell { value: default.into(), column: "product".into() });
    }
    if let Some(currency) = preset.currency.filter(|_| row.get("currency").is_none()) {
        row.cells.insert("currency", Cell { value: currency.into(), column: "currency".into() });
    }
    if preset.stripe_ids {
        if let Some(id) = row.get("charge_id").cloned() {
            if id.value.starts_with("pi_") {
                row.cells.remove("charge_id");
                row.cells.entry("payment_intent_id").or_insert(id);
            } else if !(id.value.starts_with("ch_") || id.value.starts_with("py_")) {
                row.cells.remove("charge_id");
            }
        }
    }
}

/// Every order id once: a repeat is refused, naming both lines.
fn refuse_repeated_ids(read: &mut ReadOrders, source: &str) {
    let mut first_line: HashMap<OrderId, usize> = HashMap::new();
    let mut repeats = Vec::new();
    for (line, order) in &read.orders {
        if let Some(first) = first_line.insert(order.order_id.clone(), *line) {
            first_line.insert(order.order_id.clone(), first);
            repeats.push((
                *line,
                format!(
                    "order_id {} is on line {first} too: an order appears once in a file (lines {first} and {line})",
                    order.order_id
                ),
            ));
        }
    }
    read.orders.retain(|(line, _)| !repeats.iter().any(|(repeat, _)| repeat == line));
    for (line, message) in repeats {
        read.problem(source, line, message);
    }
    read.problems.sort_by_key(|p| p.line);
}
