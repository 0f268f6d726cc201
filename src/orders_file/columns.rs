//! Which column holds which order field: the fields' own names, a mapping given by the seller
//! (`--columns`, `[import.columns]`), or a preset for a sales platform's export.

use std::collections::BTreeMap;

/// The order fields a file can hold, besides `usage.<metric>`.
pub const FIELDS: [&str; 10] = [
    "order_id",
    "email",
    "sku",
    "product",
    "amount",
    "currency",
    "purchased_at",
    "refunded",
    "charge_id",
    "payment_intent_id",
];

/// The fields an order cannot do without (`sku` defaults to the product name's slug).
pub const REQUIRED: [&str; 6] = ["order_id", "email", "product", "amount", "currency", "purchased_at"];

/// `Ok` for an order field or `usage.<metric>`.
pub fn check_field(field: &str) -> Result<(), String> {
    let usage = field.strip_prefix("usage.").is_some_and(|metric| !metric.trim().is_empty());
    if FIELDS.contains(&field) || usage {
        Ok(())
    } else {
        Err(format!("`{field}` is not an order field (the fields are {}, usage.<metric>)", FIELDS.join(", ")))
    }
}

/// Reads `order_id="Order ID",email=Buyer Email,...`: fields and the column holding each, a
/// column in double quotes when it holds a comma (`""` is a quote inside them).
pub fn parse_column_spec(spec: &str) -> Result<Vec<(String, String)>, String> {
    let mut pairs = Vec::new();
    let mut rest = spec.trim();
    while !rest.is_empty() {
        let (field, after) = rest
            .split_once('=')
            .ok_or_else(|| format!("`{rest}` is not FIELD=COLUMN (as in email=\"Buyer Email\")"))?;
        let field = field.trim();
        check_field(field)?;
        let after = after.trim_start();
        let (column, remaining) = if let Some(quoted) = after.strip_prefix('"') {
            let mut column = String::new();
            let mut chars = quoted.char_indices();
            let end = loop {
                match chars.next() {
                    Some((i, '"')) if quoted[i + 1..].starts_with('"') => {
                        column.push('"');
                        chars.next();
                    }
                    Some((i, '"')) => break i + 1,
                    Some((_, c)) => column.push(c),
                    None => return Err(format!("the column of `{field}` has no closing quote")),
                }
            };
            let remaining = quoted[end..].trim_start();
            if !remaining.is_empty() && !remaining.starts_with(',') {
                return Err(format!("expected a comma after the column of `{field}`, found `{remaining}`"));
            }
            (column, remaining)
        } else {
            let end = after.find(',').unwrap_or(after.len());
            (after[..end].trim().to_string(), &after[end..])
        };
        if column.trim().is_empty() {
            return Err(format!("no column is named for `{field}`"));
        }
        pairs.push((field.to_string(), column));
        rest = remaining.strip_prefix(',').unwrap_or(remaining).trim_start();
    }
    if pairs.is_empty() {
        return Err("expected FIELD=COLUMN pairs, as in order_id=\"Order ID\",email=\"Buyer Email\"".into());
    }
    Ok(pairs)
}

/// A sales platform's CSV export that `orders import --preset` reads as it comes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Preset {
    /// Stripe Dashboard, Payments, Export (one row per payment).
    Stripe,
    /// Gumroad Sales, Export (one row per sale, prices in USD, a totals row at the end).
    Gumroad,
    /// Lemon Squeezy Orders, Export (one row per order).
    #[value(name = "lemonsqueezy")]
    LemonSqueezy,
    /// Shopify Orders, Export (one row per line item; the order's columns on its first row).
    Shopify,
}

/// How a preset reads its export.
pub(super) struct PresetDef {
    pub name: &'static str,
    /// Each field's columns, by header name: the first one present and not empty wins.
    pub columns: &'static [(&'static str, &'static [&'static str])],
    /// The currency of every row, for exports that have no currency column.
    pub currency: Option<&'static str>,
    /// Times without a zone are UTC (the export says so) rather than the seller's zone.
    pub times_in_utc: bool,
    /// Later rows of an order repeat its id with the order's columns empty: extra line items.
    pub line_items: bool,
    /// A row whose column holds one of these values (any case) is no order and is skipped.
    pub skip_when: &'static [(&'static str, &'static [&'static str])],
    /// A row whose column holds one of these values was refunded in full.
    pub refunded_in_full_when: Option<(&'static str, &'static [&'static str])>,
    /// The product of a row that names none.
    pub product_default: Option<&'static str>,
    /// Stripe's `id` is a charge (`ch_`, `py_`) or a payment intent (`pi_`).
    pub stripe_ids: bool,
}

impl Preset {
    pub(super) fn def(self) -> &'static PresetDef {
        match self {
            Preset::Stripe => &STRIPE,
            Preset::Gumroad => &GUMROAD,
            Preset::LemonSqueezy => &LEMON_SQUEEZY,
            Preset::Shopify => &SHOPIFY,
        }
    }
}

/// The Dashboard's payments export: `id,Description,...,Created date (UTC),Amount,Amount
/// Refunded,Currency,...,Status,...,Customer Email,...,PaymentIntent ID` (older exports say
/// `Created (UTC)`). Failed, canceled and uncaptured payments are no orders.
static STRIPE: PresetDef = PresetDef {
    name: "stripe",
    columns: &[
        ("order_id", &["id"]),
        ("email", &["Customer Email"]),
        ("product", &["Description"]),
        ("amount", &["Amount"]),
        ("currency", &["Currency"]),
        ("purchased_at", &["Created date (UTC)", "Created (UTC)"]),
        ("refunded", &["Amount Refunded"]),
        ("charge_id", &["id"]),
        ("payment_intent_id", &["PaymentIntent ID"]),
    ],
    currency: None,
    times_in_utc: true,
    line_items: false,
    skip_when: &[("Status", &["Failed", "Canceled", "Cancelled", "Uncaptured", "Blocked", "Incomplete"])],
    refunded_in_full_when: None,
    product_default: Some("Stripe payment"),
    stripe_ids: true,
};

/// Gumroad's sales export, as its `Exports::PurchaseExportService` writes it: `Purchase ID,Item
/// Name,Buyer Name,Purchase Email,...,Purchase Date,Purchase Time (UTC timezone),...,Sale Price
/// ($),...,Refunded?,Partial Refund ($),Fully Refunded?,...,Order Number,...`, then a `Totals` row.
static GUMROAD: PresetDef = PresetDef {
    name: "gumroad",
    columns: &[
        ("order_id", &["Order Number", "Purchase ID"]),
        ("email", &["Purchase Email", "Buyer Email"]),
        ("product", &["Item Name"]),
        ("amount", &["Sale Price ($)"]),
        ("purchased_at", &["Purchase Time (UTC timezone)", "Purchase Date"]),
        ("refunded", &["Partial Refund ($)"]),
    ],
    currency: Some("USD"),
    times_in_utc: true,
    line_items: false,
    skip_when: &[("Purchase ID", &["Totals"])],
    refunded_in_full_when: Some(("Fully Refunded?", &["1", "true", "yes"])),
    product_default: None,
    stripe_ids: false,
};

/// Lemon Squeezy's orders export. Its columns are not documented: these follow the order object
/// of its API (order number, customer email, product, total, currency, status, refunded amount,
/// created at) in the names the dashboard shows; `--columns` corrects any that differ.
static LEMON_SQUEEZY: PresetDef = PresetDef {
    name: "lemonsqueezy",
    columns: &[
        ("order_id", &["Order Number", "Order #", "Order", "Identifier"]),
        ("email", &["Customer Email", "Email", "User Email"]),
        ("product", &["Product", "Product Name", "Product Name (Variant)"]),
        ("amount", &["Total", "Total Amount"]),
        ("currency", &["Currency"]),
        ("purchased_at", &["Created At", "Date", "Order Date", "Created"]),
        ("refunded", &["Refunded Amount", "Refund Amount", "Refunded Total"]),
    ],
    currency: None,
    times_in_utc: false,
    line_items: false,
    skip_when: &[("Status", &["Pending", "Failed"])],
    refunded_in_full_when: Some(("Status", &["Refunded"])),
    product_default: None,
    stripe_ids: false,
};

/// Shopify's orders export: `Name,Email,Financial Status,Paid at,...,Currency,Subtotal,Shipping,
/// Taxes,Total,...,Created at,Lineitem quantity,Lineitem name,Lineitem price,...,Lineitem sku,
/// ...,Refunded Amount,...`, one row per line item with the order's columns on the first.
/// Orders not paid (pending, authorized, voided, expired) are no orders.
static SHOPIFY: PresetDef = PresetDef {
    name: "shopify",
    columns: &[
        ("order_id", &["Name"]),
        ("email", &["Email"]),
        ("product", &["Lineitem name"]),
        ("sku", &["Lineitem sku"]),
        ("amount", &["Total"]),
        ("currency", &["Currency"]),
        ("purchased_at", &["Paid at", "Created at"]),
        ("refunded", &["Refunded Amount"]),
    ],
    currency: None,
    times_in_utc: false,
    line_items: true,
    skip_when: &[("Financial Status", &["pending", "authorized", "voided", "expired"])],
    refunded_in_full_when: None,
    product_default: None,
    stripe_ids: false,
};

/// The index of the column named `name`: exactly, else ignoring case and surrounding space.
pub(super) fn find_column(headers: &[String], name: &str) -> Option<usize> {
    headers
        .iter()
        .position(|h| h == name)
        .or_else(|| headers.iter().position(|h| h.trim().eq_ignore_ascii_case(name.trim())))
}

/// The header for an error message: the first names, and how many more.
pub(super) fn describe(headers: &[String]) -> String {
    let shown: Vec<String> = headers.iter().take(12).map(|h| format!("`{h}`")).collect();
    match headers.len().saturating_sub(12) {
        0 => shown.join(", "),
        more => format!("{}, and {more} more", shown.join(", ")),
    }
}

/// Where each field of a CSV file is.
pub(super) struct Layout {
    /// Field → its columns, first non-empty wins.
    pub fields: BTreeMap<&'static str, Vec<usize>>,
    /// Usage metric → its column.
    pub usage: Vec<(String, usize)>,
}

/// The layout of a CSV file from its header: a field's column is the one `columns` names, else
/// the preset's, else the one named after the field. Without `columns` and a preset, a column
/// that is no field is refused (a typo); with them, other columns are ignored.
pub(super) fn layout(
    headers: &[String],
    columns: &BTreeMap<String, String>,
    preset: Option<&PresetDef>,
) -> Result<Layout, String> {
    let mut fields = BTreeMap::new();
    for field in FIELDS {
        let found = match columns.get(field) {
            Some(name) => vec![find_column(headers, name).ok_or_else(|| {
                format!(
                    "there is no column `{name}` for {field} (named by --columns or [import.columns]); \
                     the columns are {}",
                    describe(headers)
                )
            })?],
            None => {
                let named = preset.and_then(|p| p.columns.iter().find(|(f, _)| *f == field)).map_or(&[][..], |c| c.1);
                let mut found: Vec<usize> = named.iter().filter_map(|name| find_column(headers, name)).collect();
                if found.is_empty() {
                    found.extend(find_column(headers, field));
                }
                found
            }
        };
        if !found.is_empty() {
            fields.insert(field, found);
        }
    }
    let mut usage = Vec::new();
    for (field, name) in columns {
        if let Some(metric) = field.strip_prefix("usage.") {
            let index = find_column(headers, name).ok_or_else(|| {
                format!("there is no column `{name}` for {field}; the columns are {}", describe(headers))
            })?;
            usage.push((metric.to_string(), index));
        }
    }
    for (index, header) in headers.iter().enumerate() {
        if let Some(metric) = header.trim().strip_prefix("usage.") {
            if !metric.is_empty() && !usage.iter().any(|(m, _)| m == metric) {
                usage.push((metric.to_string(), index));
            }
        }
    }
    if columns.is_empty() && preset.is_none() {
        let known = |h: &str| FIELDS.iter().any(|f| f.eq_ignore_ascii_case(h)) || h.starts_with("usage.");
        if let Some(unknown) = headers.iter().map(|h| h.trim()).find(|h| !h.is_empty() && !known(h)) {
            return Err(format!(
                "unknown column `{unknown}` (the columns are {}, usage.<metric>; \
                 to read an export with other columns, use --preset or --columns)",
                FIELDS.join(", ")
            ));
        }
    }
    let constant = |field: &str| match field {
        "currency" => preset.is_some_and(|p| p.currency.is_some()),
        "product" => preset.is_some_and(|p| p.product_default.is_some()),
        _ => false,
    };
    for field in REQUIRED {
        if !fields.contains_key(field) && !constant(field) {
            let expected = preset.and_then(|p| p.columns.iter().find(|(f, _)| *f == field)).map(|(_, names)| {
                let names: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
                format!(" (the {} export calls it {})", preset.map_or("", |p| p.name), names.join(" or "))
            });
            return Err(format!(
                "no column holds {field}{}: map one with --columns {field}=\"COLUMN\"; the columns are {}",
                expected.unwrap_or_default(),
                describe(headers)
            ));
        }
    }
    Ok(Layout { fields, usage })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_specs_are_field_column_pairs() {
        let pairs =
            parse_column_spec(r#"order_id="Order ID", email=Buyer Email ,usage.progress="Progress, %""#).unwrap();
        let expected = [("order_id", "Order ID"), ("email", "Buyer Email"), ("usage.progress", "Progress, %")];
        assert_eq!(pairs, expected.map(|(f, c)| (f.to_string(), c.to_string())));
        assert_eq!(parse_column_spec(r#"product="The ""Name""""#).unwrap()[0].1, r#"The "Name""#);
        assert!(parse_column_spec("emial=Email").unwrap_err().contains("`emial` is not an order field"));
        assert!(parse_column_spec("email").is_err());
        assert!(parse_column_spec("email=").is_err());
        assert!(parse_column_spec(r#"email="Buyer"x"#).is_err());
        assert!(parse_column_spec(r#"email="Buyer"#).is_err());
        assert!(parse_column_spec("").is_err());
    }
}
