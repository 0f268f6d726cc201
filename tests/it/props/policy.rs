//! Policy verdicts (docs/configuration.md#verdict-rules) on generated policies, orders, requests
//! and histories: no verdict refunds more than is left, a partial is never more than the full
//! refund, more usage never gets more money, the window ends exactly on the second, and no text
//! makes the policy parser panic.

use super::config;
use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;
use refund_bot::domain::{Currency, Email, Money, Order, OrderId, Reason, Resolution};
use refund_bot::policy::{evaluate, History, Policy, RefundRequest, Verdict, VerdictOutcome};
use std::collections::BTreeMap;
use std::fmt::Write as _;

const METRICS: [&str; 2] = ["progress_percent", "downloads"];

fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-01T10:00:00Z").unwrap().with_timezone(&Utc)
}

fn currency(code: &str) -> Currency {
    Currency::parse(code).unwrap()
}

// ---- Generated policies ----------------------------------------------------------------------

/// One `[default]` or `[[product]]` block, written out as TOML by `write`.
#[derive(Debug, Clone)]
struct RulesSpec {
    window_days: Option<u32>,
    usage_metric: Option<&'static str>,
    usage_full_refund_max: Option<f64>,
    /// (usage_max, percent), usage rising strictly from `usage_full_refund_max`.
    partial: Option<Vec<(f64, u32)>>,
    /// Minor units in the policy currency, or a per-currency table.
    auto_approve_max: Option<AutoSpec>,
    max_refunds_per_customer: Option<u32>,
    lookback_days: Option<u32>,
    duplicate_window_days: Option<u32>,
    escalate_reasons: Vec<Reason>,
    alternatives: Vec<Resolution>,
}

#[derive(Debug, Clone)]
enum AutoSpec {
    Plain(i64),
    Table(Vec<(&'static str, i64)>),
}

#[derive(Debug, Clone)]
struct PolicySpec {
    currency: &'static str,
    default: RulesSpec,
    /// Overrides for skus matching `ebook-*`.
    ebooks: Option<RulesSpec>,
}

/// Day counts: everyday values, and up to the largest a policy accepts.
fn day_count() -> impl Strategy<Value = u32> {
    // The parser takes at most 36,600 days (100 years); the edge and its neighbourhood are here.
    prop_oneof![6 => 0u32..=400, 1 => Just(36_600), 1 => 30_000u32..=36_600]
}

/// A usage value on a half-unit grid (so that its TOML form is exact).
fn half_units(max: u32) -> impl Strategy<Value = f64> {
    (0..=max * 2).prop_map(|n| f64::from(n) / 2.0)
}

/// Tiers whose usage rises and whose percent never rises (the parser refuses rising percents).
fn tiers(full_max: f64) -> impl Strategy<Value = Vec<(f64, u32)>> {
    prop::collection::vec((1u32..=80, 1u32..=100), 0..=3).prop_map(move |raw| {
        let mut usage = full_max;
        let mut percents: Vec<u32> = raw.iter().map(|(_, p)| *p).collect();
        percents.sort_unstable_by(|a, b| b.cmp(a));
        raw.iter()
            .zip(percents)
            .map(|((gap, _), percent)| {
                usage += f64::from(*gap) / 2.0;
                (usage, percent)
            })
            .collect()
    })
}

/// `[default]` rules, or (`product`) a product's, whose usage keys are set together or not at
/// all: a product's tiers must rise from the full-refund limit in force for it, which may be
/// the default's (keys merge one by one).
fn rules_spec(product: bool) -> impl Strategy<Value = RulesSpec> {
    let usage = (prop::option::of(prop::sample::select(METRICS.to_vec())), prop::option::of(half_units(60)))
        .prop_flat_map(move |(metric, full_max)| {
            let tiers = match (product, full_max) {
                (true, None) => Just(None).boxed(),
                (true, Some(max)) => tiers(max).prop_map(Some).boxed(),
                (false, _) => prop::option::of(tiers(full_max.unwrap_or(0.0))).boxed(),
            };
            (Just(metric), Just(full_max), tiers)
        });
    let auto = prop::option::of(prop_oneof![
        (0i64..50_000_000).prop_map(AutoSpec::Plain),
        prop::collection::vec((prop::sample::select(vec!["USD", "JPY", "KWD", "EUR"]), 0i64..50_000_000), 0..=3)
            .prop_map(AutoSpec::Table),
    ]);
    let counts = (
        prop::option::of(day_count()),
        prop::option::of(0u32..=4),
        prop::option::of(day_count()),
        prop::option::of(day_count()),
    );
    let codes = (
        prop::sample::subsequence(Reason::ALL.to_vec(), 0..=3),
        prop::sample::subsequence(Resolution::ALL.to_vec(), 0..=2),
    );
    (usage, auto, counts, codes).prop_map(
        |(
            (usage_metric, usage_full_refund_max, partial),
            auto_approve_max,
            counts,
            (escalate_reasons, alternatives),
        )| {
            let (window_days, max_refunds_per_customer, lookback_days, duplicate_window_days) = counts;
            RulesSpec {
                window_days,
                usage_metric,
                usage_full_refund_max,
                partial,
                auto_approve_max,
                max_refunds_per_customer,
                lookback_days,
                duplicate_window_days,
                escalate_reasons,
                alternatives,
            }
        },
    )
}

fn policy_spec() -> impl Strategy<Value = PolicySpec> {
    (prop::sample::select(vec!["USD", "JPY", "KWD"]), rules_spec(false), prop::option::of(rules_spec(true)))
        .prop_map(|(currency, default, ebooks)| PolicySpec { currency, default, ebooks })
}

impl RulesSpec {
    fn write(&self, out: &mut String, policy_currency: &str) {
        let mut key = |name: &str, value: Option<String>| {
            if let Some(value) = value {
                writeln!(out, "{name} = {value}").unwrap();
            }
        };
        key("window_days", self.window_days.map(|d| d.to_string()));
        key("usage_metric", self.usage_metric.map(|m| format!("{m:?}")));
        key("usage_full_refund_max", self.usage_full_refund_max.map(|f| format!("{f:?}")));
        key(
            "partial",
            self.partial.as_ref().map(|tiers| {
                let tiers: Vec<String> = tiers
                    .iter()
                    .map(|(usage, percent)| format!("{{ usage_max = {usage:?}, percent = {percent} }}"))
                    .collect();
                format!("[{}]", tiers.join(", "))
            }),
        );
        key(
            "auto_approve_max",
            self.auto_approve_max.as_ref().map(|auto| match auto {
                AutoSpec::Plain(minor) => {
                    format!("{:?}", Money::from_minor(*minor, currency(policy_currency)).major_string())
                }
                AutoSpec::Table(limits) => {
                    let mut seen = Vec::new();
                    let entries: Vec<String> = limits
                        .iter()
                        .filter(|(code, _)| {
                            !seen.contains(code) && {
                                seen.push(*code);
                                true
                            }
                        })
                        .map(|(code, minor)| {
                            format!("{code} = {:?}", Money::from_minor(*minor, currency(code)).major_string())
                        })
                        .collect();
                    format!("{{ {} }}", entries.join(", "))
                }
            }),
        );
        key("max_refunds_per_customer", self.max_refunds_per_customer.map(|n| n.to_string()));
        key("lookback_days", self.lookback_days.map(|d| d.to_string()));
        key("duplicate_window_days", self.duplicate_window_days.map(|d| d.to_string()));
        let list =
            |codes: Vec<&str>| format!("[{}]", codes.iter().map(|c| format!("{c:?}")).collect::<Vec<_>>().join(", "));
        key("escalate_reasons", Some(list(self.escalate_reasons.iter().map(|r| r.code()).collect())));
        key("alternatives", Some(list(self.alternatives.iter().map(|r| r.code()).collect())));
    }
}

impl PolicySpec {
    fn text(&self) -> String {
        let mut out = format!("currency = {:?}\n\n[default]\n", self.currency);
        self.default.write(&mut out, self.currency);
        if let Some(ebooks) = &self.ebooks {
            out.push_str("\n[[product]]\nsku = \"ebook-*\"\n");
            ebooks.write(&mut out, self.currency);
        }
        out
    }

    fn parse(&self) -> Policy {
        let text = self.text();
        Policy::parse(&text, "generated.toml").unwrap_or_else(|e| panic!("a generated policy is refused: {e}\n{text}"))
    }
}

// ---- Generated orders, requests and histories -----------------------------------------------

#[derive(Debug, Clone)]
struct Situation {
    order: Order,
    reason: Reason,
    requested_at: DateTime<Utc>,
    other_orders: Vec<Order>,
    refunds_at: Vec<DateTime<Utc>>,
}

impl Situation {
    fn request(&self) -> RefundRequest {
        RefundRequest { reason: self.reason, requested_at: self.requested_at }
    }

    fn history(&self) -> History {
        History { same_email_orders: self.other_orders.clone(), refunds_at: self.refunds_at.clone() }
    }

    fn verdict(&self, policy: &Policy) -> Verdict {
        evaluate(policy, &self.order, &self.request(), &self.history())
    }

    /// The same request with every usage value replaced.
    fn with_usage(&self, value: f64) -> Situation {
        let mut changed = self.clone();
        for metric in METRICS {
            changed.order.usage.insert(metric.into(), value);
        }
        changed
    }
}

/// An order in `code` (mostly the policy's currency): amount, part already refunded, usage.
fn order(id: &'static str, email: &'static str, sku: &'static str, code: &'static str) -> impl Strategy<Value = Order> {
    let amount = prop_oneof![4 => 1i64..100_000, 1 => 1i64..=i64::MAX / 100, 1 => Just(1i64)];
    let refunded_share = prop_oneof![4 => Just(0u32), 2 => 0u32..=100, 1 => Just(100u32)];
    let offset = -30i64 * 86_400..=30 * 86_400;
    (amount, refunded_share, half_units(150), half_units(20), offset).prop_map(
        move |(amount, share, progress, downloads, offset)| {
            let currency = currency(code);
            let amount = Money::from_minor(amount, currency);
            Order {
                order_id: OrderId::parse(id).unwrap(),
                email: Email::parse(email).unwrap(),
                sku: sku.into(),
                product: sku.into(),
                amount,
                purchased_at: t0() + Duration::seconds(offset),
                usage: BTreeMap::from([("progress_percent".into(), progress), ("downloads".into(), downloads)]),
                refunded: Money::from_minor((i128::from(amount.minor()) * i128::from(share) / 100) as i64, currency),
                charge_id: None,
                payment_intent_id: None,
            }
        },
    )
}

/// A request about `ORD-1` in `code`, with up to two other orders of the same email and up to
/// four earlier refunds.
fn situation(code: &'static str) -> impl Strategy<Value = Situation> {
    let sku = prop::sample::select(vec!["course-webdesign", "ebook-rust"]);
    let other_code = prop_oneof![4 => Just(code), 1 => prop::sample::select(vec!["USD", "JPY", "KWD"])];
    (sku, other_code)
        .prop_flat_map(move |(sku, order_code)| {
            (
                order("ORD-1", "alice@example.com", sku, order_code),
                prop::sample::select(Reason::ALL.to_vec()),
                prop_oneof![4 => -86_400i64..=60 * 86_400, 1 => -86_400i64..=800 * 86_400],
                prop::collection::vec(
                    prop_oneof![
                        order("ORD-2", "alice@example.com", sku, order_code),
                        order("ORD-3", "alice@example.com", "template-pack", order_code),
                    ],
                    0..=2,
                ),
                prop::collection::vec(-800i64 * 86_400..=86_400, 0..=4),
            )
        })
        .prop_map(|(order, reason, after, other_orders, refunds)| Situation {
            requested_at: order.purchased_at + Duration::seconds(after),
            order,
            reason,
            other_orders,
            refunds_at: refunds.into_iter().map(|s| t0() + Duration::seconds(s)).collect(),
        })
}

fn policy_and_situation() -> impl Strategy<Value = (PolicySpec, Situation)> {
    policy_spec().prop_flat_map(|spec| {
        let code = spec.currency;
        (Just(spec), situation(code))
    })
}

/// What a verdict itself grants: the amount of a refund, or of a manager review under rules 5
/// and 6 (the amount of rule 2 or 4); nothing for a no. `None` for a request outside the policy
/// sent to a manager (rule 3 with an escalated reason), which names the whole amount left by
/// design (docs/configuration.md#verdict-rules) rather than a refund the policy grants.
fn granted(verdict: &Verdict) -> Option<i64> {
    match verdict.outcome {
        VerdictOutcome::NotEligible => Some(0),
        VerdictOutcome::ManagerReview if verdict.rule.code() == "window" || verdict.rule.code() == "usage" => None,
        _ => Some(verdict.amount_minor),
    }
}

proptest! {
    #![proptest_config(config(256))]

    /// Whatever the policy and history, a verdict names an amount between 0 and what is left of
    /// the order, in its currency; a no names 0, a full refund all that is left, a partial its
    /// tier's share of the price capped at what is left.
    #[test]
    fn never_refunds_more_than_is_left((spec, situation) in policy_and_situation()) {
        let policy = spec.parse();
        let verdict = situation.verdict(&policy);
        let order = &situation.order;
        let left = order.unrefunded().minor();
        prop_assert_eq!(verdict.currency, order.amount.currency());
        prop_assert!(verdict.amount_minor >= 0 && verdict.amount_minor <= left, "{:?} with {} left", verdict, left);
        prop_assert!(!verdict.rules.is_empty() && verdict.rules.iter().all(|l| !l.trim().is_empty()), "{:?}", verdict);
        match verdict.outcome {
            VerdictOutcome::NotEligible => prop_assert_eq!(verdict.amount_minor, 0),
            VerdictOutcome::FullRefund => prop_assert_eq!(verdict.amount_minor, left),
            VerdictOutcome::PartialRefund => {
                let percent = verdict.percent.expect("a partial names its percent");
                prop_assert_eq!(verdict.amount_minor, order.amount.percent(percent).minor().min(left));
            }
            VerdictOutcome::ManagerReview => {}
        }
        if left == 0 {
            prop_assert_eq!(verdict.rule.code(), "already_refunded");
        }
    }

    /// A partial tier's amount is never more than the full refund the same request would get
    /// with no usage at all.
    #[test]
    fn a_partial_never_exceeds_the_full_refund((spec, situation) in policy_and_situation()) {
        let policy = spec.parse();
        let verdict = situation.verdict(&policy);
        if verdict.percent.is_none() {
            return Ok(());
        }
        let full = situation.with_usage(0.0).verdict(&policy);
        prop_assert_ne!(full.outcome, VerdictOutcome::NotEligible, "{:?}", full);
        prop_assert!(full.percent.is_none(), "{:?}", full);
        prop_assert!(verdict.amount_minor <= full.amount_minor, "partial {:?} above full {:?}", verdict, full);
        prop_assert!(verdict.amount_minor <= situation.order.amount.minor());
    }

    /// Same order, same time, same history: more usage never gets a larger refund (a policy
    /// whose tiers' percent rises with usage is refused, see `rising_tiers_are_refused`).
    #[test]
    fn more_usage_never_gets_more((spec, situation) in policy_and_situation(), a in half_units(150), b in half_units(150)) {
        let policy = spec.parse();
        let (low, high) = if a <= b { (a, b) } else { (b, a) };
        let at_low = situation.with_usage(low).verdict(&policy);
        let at_high = situation.with_usage(high).verdict(&policy);
        if let (Some(low_amount), Some(high_amount)) = (granted(&at_low), granted(&at_high)) {
            prop_assert!(
                high_amount <= low_amount,
                "usage {} gets {:?}, usage {} gets {:?}\n{}", low, at_low, high, at_high, spec.text()
            );
        }
    }

    /// The window is exact to the second: `window_days × 24 h − 1 s` after the purchase is
    /// inside, `window_days × 24 h` and later is outside.
    #[test]
    fn the_window_ends_exactly_on_the_second((spec, situation) in policy_and_situation(), late in 0i64..=86_400) {
        let policy = spec.parse();
        let mut situation = situation;
        if situation.reason == Reason::DuplicatePurchase {
            situation.reason = Reason::ChangedMind;
        }
        let window = i64::from(policy.rules_for(&situation.order.sku).window_days);
        // Past a million days the request time itself would leave chrono's calendar.
        prop_assume!(window <= 1_000_000);
        let purchased = situation.order.purchased_at;
        let at = |after: Duration| Situation { requested_at: purchased + after, ..situation.clone() };
        let inside = at(Duration::days(window) - Duration::seconds(1)).verdict(&policy);
        let edge = at(Duration::days(window)).verdict(&policy);
        let later = at(Duration::days(window) + Duration::seconds(late)).verdict(&policy);
        if situation.order.unrefunded().is_zero() {
            for v in [&inside, &edge, &later] {
                prop_assert_eq!(v.rule.code(), "already_refunded");
            }
            return Ok(());
        }
        prop_assert_ne!(inside.rule.code(), "window", "{:?}", inside);
        prop_assert!(inside.rules.iter().any(|l| l.contains("within the") && l.contains("-day refund window")), "{:?}", inside);
        for v in [&edge, &later] {
            prop_assert_eq!(v.rule.code(), "window", "{:?}", v);
            prop_assert!(matches!(v.outcome, VerdictOutcome::NotEligible | VerdictOutcome::ManagerReview), "{:?}", v);
        }
    }

    /// Any text is a policy or an error at a place in it; never a panic.
    #[test]
    fn the_parser_never_panics_on_any_text(text in any::<String>()) {
        if let Err(e) = Policy::parse(&text, "any.toml") {
            prop_assert!(e.line <= text.lines().count() + 1, "{:?}", e);
        }
    }

    /// TOML of the policy's shape with values of any type and size: a policy or an error at a
    /// line of the text; an accepted policy gives verdicts that never refund more than is left.
    #[test]
    fn the_parser_never_panics_on_policy_shaped_text(text in policy_shaped_text(), (_, situation) in policy_and_situation()) {
        match Policy::parse(&text, "shaped.toml") {
            Err(e) => prop_assert!(e.line >= 1 && e.line <= text.lines().count() + 1, "{:?}\n{}", e, text),
            Ok(policy) => {
                let verdict = situation.verdict(&policy);
                prop_assert!(verdict.amount_minor >= 0 && verdict.amount_minor <= situation.order.unrefunded().minor());
            }
        }
    }
}

/// Rising percents would pay more for more usage (a customer would gain by using more before
/// asking), so the parser refuses them at the tier that rises.
#[test]
fn rising_tiers_are_refused() {
    let text = "currency = \"USD\"\n[default]\nusage_metric = \"progress_percent\"\nusage_full_refund_max = 10\n\
                partial = [ { usage_max = 50, percent = 20 }, { usage_max = 90, percent = 60 } ]\n";
    let err = Policy::parse(text, "rising.toml").expect_err("refused");
    assert_eq!((err.line, err.column), (5, 47), "{err}");
    assert!(err.message.contains("percent 60 is above 20"), "{err}");
}

/// A value of any TOML type, biased to the edges: huge and negative integers, NaN and infinities,
/// strings that are codes, amounts, globs or junk.
fn toml_value() -> impl Strategy<Value = String> + Clone {
    let leaf = prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        (-5i64..500).prop_map(|n| n.to_string()),
        prop::sample::select(vec![
            "4294967295",
            "4294967296",
            "-1",
            "0",
            "nan",
            "inf",
            "-inf",
            "1e308",
            "-0.0",
            "true"
        ])
        .prop_map(String::from),
        any::<f64>().prop_map(|f| if f.is_finite() { format!("{f:?}") } else { "nan".into() }),
        prop::sample::select(vec![
            "USD",
            "usd",
            "JPY",
            "KWD",
            "XX",
            "100.00",
            "100.001",
            "-1.00",
            "1.",
            "ebook-*",
            "[",
            "**",
            "{a,b}",
            "technical_issue",
            "store_credit",
            "nope",
            "",
            "progress_percent",
            " ",
        ])
        .prop_map(|s| format!("{s:?}")),
        any::<String>().prop_map(|s| format!("{s:?}")),
    ];
    leaf.prop_recursive(2, 8, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|items| format!("[{}]", items.join(", "))),
            prop::collection::vec((prop::sample::select(vec!["usage_max", "percent", "USD", "JPY", "x"]), inner), 0..3)
                .prop_map(|entries| {
                    let mut seen = Vec::new();
                    let entries: Vec<String> = entries
                        .into_iter()
                        .filter(|(k, _)| {
                            !seen.contains(k) && {
                                seen.push(*k);
                                true
                            }
                        })
                        .map(|(k, v)| format!("{k} = {v}"))
                        .collect();
                    format!("{{ {} }}", entries.join(", "))
                }),
        ]
    })
}

/// `[default]` and `[[product]]` blocks whose keys (known and unknown) hold any value.
fn policy_shaped_text() -> impl Strategy<Value = String> {
    let keys = vec![
        "window_days",
        "usage_metric",
        "usage_full_refund_max",
        "partial",
        "auto_approve_max",
        "max_refunds_per_customer",
        "lookback_days",
        "duplicate_window_days",
        "escalate_reasons",
        "alternatives",
        "sku",
        "colour",
    ];
    let block = prop::collection::btree_map(prop::sample::select(keys), toml_value(), 0..6).boxed();
    (
        prop_oneof![Just("\"USD\"".to_string()), Just("\"JPY\"".to_string()), toml_value()],
        block.clone(),
        prop::collection::vec(block, 0..3),
    )
        .prop_map(|(currency, default, products)| {
            let mut text = format!("currency = {currency}\n[default]\n");
            for (key, value) in default {
                writeln!(text, "{key} = {value}").unwrap();
            }
            for product in products {
                text.push_str("[[product]]\n");
                for (key, value) in product {
                    writeln!(text, "{key} = {value}").unwrap();
                }
            }
            text
        })
}
