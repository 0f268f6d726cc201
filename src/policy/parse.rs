//! Reading `policy.toml`: unknown keys, bad amounts, tiers out of order and bad globs are
//! refused with the line and column of the offending value.

use super::{AutoApprove, PolicyError, ProductRules, Rules, Tier};
use crate::config::line_col;
use crate::domain::{Currency, Money, Reason, Resolution};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::ops::Range;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    currency: Spanned<String>,
    #[serde(default)]
    default: RawRules,
    #[serde(default)]
    product: Vec<RawRules>,
}

/// `[default]` and each `[[product]]` share these keys; only a product has `sku`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRules {
    sku: Option<Spanned<String>>,
    window_days: Option<Spanned<i64>>,
    usage_metric: Option<Spanned<String>>,
    usage_full_refund_max: Option<Spanned<f64>>,
    partial: Option<Vec<Spanned<RawTier>>>,
    auto_approve_max: Option<Spanned<toml::Value>>,
    max_refunds_per_customer: Option<Spanned<i64>>,
    lookback_days: Option<Spanned<i64>>,
    duplicate_window_days: Option<Spanned<i64>>,
    escalate_reasons: Option<Vec<Spanned<String>>>,
    alternatives: Option<Vec<Spanned<String>>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTier {
    usage_max: f64,
    percent: i64,
}

struct Errors<'a> {
    text: &'a str,
    source: &'a str,
}

impl Errors<'_> {
    fn at(&self, span: Range<usize>, message: impl Into<String>) -> PolicyError {
        let (line, column) = line_col(self.text, span.start);
        PolicyError { source: self.source.to_string(), line, column, message: message.into() }
    }
}

pub(super) fn parse(text: &str, source: &str) -> Result<(Currency, Rules, Vec<ProductRules>), PolicyError> {
    let errors = Errors { text, source };
    let raw: RawPolicy = toml::from_str(text).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        errors.at(span, e.message().trim().to_string())
    })?;
    let currency =
        Currency::parse(raw.currency.get_ref()).map_err(|e| errors.at(raw.currency.span(), e.to_string()))?;
    if let Some(sku) = &raw.default.sku {
        return Err(errors.at(sku.span(), "`sku` belongs in a [[product]] entry, not in [default]"));
    }
    let default = resolve(&raw.default, currency, &errors)?;
    let mut products = Vec::with_capacity(raw.product.len());
    for product in &raw.product {
        let Some(sku) = &product.sku else {
            return Err(errors.at(0..0, "every [[product]] needs a `sku` glob such as \"ebook-*\""));
        };
        let glob =
            globset::Glob::new(sku.get_ref()).map_err(|e| errors.at(sku.span(), format!("bad sku glob: {e}")))?;
        let merged = merge(product, &raw.default);
        products.push(ProductRules { matcher: glob.compile_matcher(), rules: resolve(&merged, currency, &errors)? });
    }
    Ok((currency, default, products))
}

/// A product's keys over the defaults, key by key.
fn merge(product: &RawRules, default: &RawRules) -> RawRules {
    RawRules {
        sku: product.sku.clone(),
        window_days: product.window_days.clone().or_else(|| default.window_days.clone()),
        usage_metric: product.usage_metric.clone().or_else(|| default.usage_metric.clone()),
        usage_full_refund_max: product.usage_full_refund_max.clone().or_else(|| default.usage_full_refund_max.clone()),
        partial: product.partial.clone().or_else(|| default.partial.clone()),
        auto_approve_max: product.auto_approve_max.clone().or_else(|| default.auto_approve_max.clone()),
        max_refunds_per_customer: product
            .max_refunds_per_customer
            .clone()
            .or_else(|| default.max_refunds_per_customer.clone()),
        lookback_days: product.lookback_days.clone().or_else(|| default.lookback_days.clone()),
        duplicate_window_days: product.duplicate_window_days.clone().or_else(|| default.duplicate_window_days.clone()),
        escalate_reasons: product.escalate_reasons.clone().or_else(|| default.escalate_reasons.clone()),
        alternatives: product.alternatives.clone().or_else(|| default.alternatives.clone()),
    }
}

/// The most days a policy period may span: 100 years (a longer one would push dates past what
/// a date can hold).
const MAX_DAYS: u32 = 36_600;

fn days(value: &Option<Spanned<i64>>, default: u32, key: &str, errors: &Errors) -> Result<u32, PolicyError> {
    match value {
        None => Ok(default),
        Some(v) => match u32::try_from(*v.get_ref()) {
            Ok(days) if days <= MAX_DAYS => Ok(days),
            Ok(_) => Err(errors.at(v.span(), format!("`{key}` must be at most {MAX_DAYS} days (100 years)"))),
            Err(_) => Err(errors.at(v.span(), format!("`{key}` must be zero or more"))),
        },
    }
}

fn resolve(raw: &RawRules, currency: Currency, errors: &Errors) -> Result<Rules, PolicyError> {
    let usage_full_refund_max = match &raw.usage_full_refund_max {
        // `nan` compares false with everything, so it would pass every check below.
        Some(v) if v.get_ref().is_nan() => {
            return Err(errors.at(v.span(), "`usage_full_refund_max` must be a number, not nan"))
        }
        Some(v) if *v.get_ref() < 0.0 => {
            return Err(errors.at(v.span(), "`usage_full_refund_max` must be zero or more"))
        }
        Some(v) => *v.get_ref(),
        None => 0.0,
    };
    let mut partial = Vec::new();
    let mut floor = usage_full_refund_max;
    let mut ceiling = 100;
    for tier in raw.partial.iter().flatten() {
        let RawTier { usage_max, percent } = tier.get_ref().clone();
        if usage_max.is_nan() {
            return Err(errors.at(tier.span(), "usage_max must be a number, not nan"));
        }
        if usage_max <= floor {
            let message = format!("tiers must go up: usage_max {usage_max} must be above {floor} (usage_full_refund_max or the tier before)");
            return Err(errors.at(tier.span(), message));
        }
        if !(1..=100).contains(&percent) {
            return Err(errors.at(tier.span(), format!("percent {percent} must be between 1 and 100")));
        }
        // More usage must never refund more: a customer would gain by using more first.
        if percent > ceiling {
            let message = format!(
                "tiers must not pay more for more usage: percent {percent} is above {ceiling} (the tier before)"
            );
            return Err(errors.at(tier.span(), message));
        }
        ceiling = percent;
        floor = usage_max;
        partial.push(Tier { usage_max, percent: percent as u32 });
    }
    let max_refunds_per_customer = match &raw.max_refunds_per_customer {
        None => None,
        Some(v) => Some(
            u32::try_from(*v.get_ref())
                .map_err(|_| errors.at(v.span(), "`max_refunds_per_customer` must be zero or more"))?,
        ),
    };
    Ok(Rules {
        window_days: days(&raw.window_days, 30, "window_days", errors)?,
        usage_metric: raw.usage_metric.as_ref().map(|m| m.get_ref().trim().to_string()).filter(|m| !m.is_empty()),
        usage_full_refund_max,
        partial,
        auto_approve_max: auto_approve(raw.auto_approve_max.as_ref(), currency, errors)?,
        max_refunds_per_customer,
        lookback_days: days(&raw.lookback_days, 365, "lookback_days", errors)?,
        duplicate_window_days: days(&raw.duplicate_window_days, 7, "duplicate_window_days", errors)?,
        escalate_reasons: codes(&raw.escalate_reasons, Reason::parse, "reason", errors)?,
        alternatives: codes(&raw.alternatives, Resolution::parse, "resolution", errors)?,
    })
}

fn codes<T>(
    raw: &Option<Vec<Spanned<String>>>,
    parse: fn(&str) -> Option<T>,
    what: &str,
    errors: &Errors,
) -> Result<Vec<T>, PolicyError> {
    raw.iter()
        .flatten()
        .map(|code| {
            parse(code.get_ref())
                .ok_or_else(|| errors.at(code.span(), format!("`{}` is not a {what} code", code.get_ref())))
        })
        .collect()
}

/// `"100.00"` in the policy currency, or `{ USD = "100.00", JPY = "15000" }`.
fn auto_approve(
    raw: Option<&Spanned<toml::Value>>,
    currency: Currency,
    errors: &Errors,
) -> Result<AutoApprove, PolicyError> {
    let Some(raw) = raw else {
        return Ok(AutoApprove::NoLimit);
    };
    let at = |message: String| errors.at(raw.span(), message);
    let mut limits = BTreeMap::new();
    match raw.get_ref() {
        toml::Value::String(amount) => {
            limits.insert(currency, Money::parse(amount, currency).map_err(|e| at(format!("auto_approve_max: {e}")))?);
        }
        toml::Value::Table(table) => {
            for (code, value) in table {
                let currency = Currency::parse(code).map_err(|e| at(format!("auto_approve_max: {e}")))?;
                let amount = value
                    .as_str()
                    .ok_or_else(|| at(format!("auto_approve_max.{code} must be a string such as \"100.00\"")))?;
                limits.insert(
                    currency,
                    Money::parse(amount, currency).map_err(|e| at(format!("auto_approve_max.{code}: {e}")))?,
                );
            }
        }
        _ => {
            return Err(at(
                "auto_approve_max must be a string such as \"100.00\" or a table such as { USD = \"100.00\" }".into(),
            ))
        }
    }
    Ok(AutoApprove::PerCurrency(limits))
}
