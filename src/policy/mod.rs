//! The seller's refund policy (docs/configuration.md#policy): parsed strictly from `policy.toml`, with
//! every error at a line and column, and evaluated purely into a verdict with a rule trace.

mod evaluate;
mod parse;

pub use crate::domain::{Verdict, VerdictOutcome};
pub use evaluate::{evaluate, History, RefundRequest};

use crate::domain::{Currency, Money, Reason, Resolution};
use globset::GlobMatcher;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;

/// A policy error with its place in the file (1-based; 0 when the file could not be read).
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyError {
    pub source: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl std::fmt::Display for PolicyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            0 => write!(f, "{}: {}", self.source, self.message),
            line => write!(f, "{}:{}:{}: {}", self.source, line, self.column, self.message),
        }
    }
}

impl std::error::Error for PolicyError {}

/// A partial-refund tier: usage up to `usage_max` refunds `percent` of the price.
#[derive(Debug, Clone, PartialEq)]
pub struct Tier {
    pub usage_max: f64,
    pub percent: u32,
}

/// The most that is refunded without a manager.
#[derive(Debug, Clone, PartialEq)]
pub enum AutoApprove {
    NoLimit,
    /// Per currency; a currency not named always needs a manager.
    PerCurrency(BTreeMap<Currency, Money>),
}

/// The rules for one product: `[default]` with its `[[product]]` overrides applied.
#[derive(Debug, Clone, PartialEq)]
pub struct Rules {
    pub window_days: u32,
    /// `None`: usage is not part of this product's policy.
    pub usage_metric: Option<String>,
    pub usage_full_refund_max: f64,
    pub partial: Vec<Tier>,
    pub auto_approve_max: AutoApprove,
    /// `None`: no limit on refunds per customer.
    pub max_refunds_per_customer: Option<u32>,
    pub lookback_days: u32,
    pub duplicate_window_days: u32,
    pub escalate_reasons: Vec<Reason>,
    pub alternatives: Vec<Resolution>,
}

#[derive(Debug, Clone)]
struct ProductRules {
    matcher: GlobMatcher,
    rules: Rules,
}

#[derive(Debug, Clone)]
pub struct Policy {
    currency: Currency,
    default: Rules,
    products: Vec<ProductRules>,
    hash: String,
}

impl Policy {
    pub fn parse(text: &str, source: &str) -> Result<Policy, PolicyError> {
        let (currency, default, products) = parse::parse(text, source)?;
        let hash = format!("{:x}", Sha256::digest(text.as_bytes()));
        Ok(Policy { currency, default, products, hash })
    }

    pub fn load(path: &Path) -> Result<Policy, PolicyError> {
        let source = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| PolicyError {
            source: source.clone(),
            line: 0,
            column: 0,
            message: format!("cannot read the policy: {e}"),
        })?;
        Policy::parse(&text, &source)
    }

    /// The built-in example policy (the repository's `policy.example.toml`).
    pub fn example() -> Policy {
        Policy::parse(include_str!("../../policy.example.toml"), "policy.example.toml")
            .expect("the example policy is valid")
    }

    /// The sha256 of the policy text: cases record which policy decided them.
    pub fn hash(&self) -> &str {
        &self.hash
    }

    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// The `[default]` rules, for a customer whose product is not known.
    pub fn default_rules(&self) -> &Rules {
        &self.default
    }

    /// The rules for a sku: the first `[[product]]` whose glob matches, else `[default]`.
    pub fn rules_for(&self, sku: &str) -> &Rules {
        self.products.iter().find(|p| p.matcher.is_match(sku)).map_or(&self.default, |p| &p.rules)
    }
}
