//! The refund policy (docs/configuration.md#policy): the six verdict rules one by one and at their
//! boundaries, the amounts in minor units, and `policy.toml` errors at their line and column.

use chrono::{DateTime, Duration, Utc};
use refund_bot::domain::{Currency, Email, Money, Order, OrderId, Reason, Resolution};
use refund_bot::policy::{evaluate, History, Policy, RefundRequest, Verdict, VerdictOutcome};
use std::collections::BTreeMap;

/// Two partial tiers so that "the first tier that fits" and "above the last tier" both show.
const BASE: &str = r#"currency = "USD"

[default]
window_days = 30
usage_metric = "progress_percent"
usage_full_refund_max = 30
partial = [ { usage_max = 60, percent = 50 }, { usage_max = 80, percent = 25 } ]
auto_approve_max = "100.00"
max_refunds_per_customer = 2
lookback_days = 365
duplicate_window_days = 7
escalate_reasons = ["technical_issue", "not_as_described", "duplicate_purchase"]
alternatives = ["store_credit", "support"]

[[product]]
sku = "ebook-*"
window_days = 14
usage_metric = "downloads"
usage_full_refund_max = 3
partial = []
"#;

fn base() -> Policy {
    Policy::parse(BASE, "test-policy.toml").expect("the test policy parses")
}

/// The base policy with one line replaced (the line must be there).
fn base_with(line: &str, replacement: &str) -> Policy {
    assert!(BASE.contains(line), "the base policy has `{line}`");
    Policy::parse(&BASE.replace(line, replacement), "test-policy.toml").expect("the changed test policy parses")
}

fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-01T10:00:00Z").unwrap().with_timezone(&Utc)
}

fn usd() -> Currency {
    Currency::parse("USD").unwrap()
}

fn jpy() -> Currency {
    Currency::parse("JPY").unwrap()
}

/// An order of a $49.00 course bought at `t0()` by alice, unless told otherwise.
struct OrderBuilder(Order);

fn order(id: &str) -> OrderBuilder {
    OrderBuilder(Order {
        order_id: OrderId::parse(id).unwrap(),
        email: Email::parse("alice@example.com").unwrap(),
        sku: "course-webdesign".into(),
        product: "Web Design Course".into(),
        amount: Money::parse("49.00", usd()).unwrap(),
        purchased_at: t0(),
        usage: BTreeMap::new(),
        refunded: Money::zero(usd()),
        charge_id: None,
        payment_intent_id: None,
    })
}

impl OrderBuilder {
    fn amount(mut self, amount: &str, currency: &str) -> Self {
        let currency = Currency::parse(currency).unwrap();
        self.0.amount = Money::parse(amount, currency).unwrap();
        self.0.refunded = Money::zero(currency);
        self
    }
    fn refunded(mut self, refunded: &str) -> Self {
        self.0.refunded = Money::parse(refunded, self.0.amount.currency()).unwrap();
        self
    }
    fn sku(mut self, sku: &str) -> Self {
        self.0.sku = sku.into();
        self
    }
    fn usage(mut self, metric: &str, value: f64) -> Self {
        self.0.usage.insert(metric.into(), value);
        self
    }
    fn progress(self, percent: f64) -> Self {
        self.usage("progress_percent", percent)
    }
    fn bought(mut self, at: DateTime<Utc>) -> Self {
        self.0.purchased_at = at;
        self
    }
    fn build(self) -> Order {
        self.0
    }
}

fn no_history() -> History {
    History { same_email_orders: Vec::new(), refunds_at: Vec::new() }
}

fn refunds_at(ats: &[DateTime<Utc>]) -> History {
    History { same_email_orders: Vec::new(), refunds_at: ats.to_vec() }
}

fn other_orders(orders: &[Order]) -> History {
    History { same_email_orders: orders.to_vec(), refunds_at: Vec::new() }
}

/// Evaluates, and checks what every verdict must carry: a trace of non-empty lines and its currency.
fn verdict_full(
    policy: &Policy,
    order: &Order,
    reason: Reason,
    requested_at: DateTime<Utc>,
    history: &History,
) -> Verdict {
    let request = RefundRequest { reason, requested_at };
    let verdict = evaluate(policy, order, &request, history);
    assert!(!verdict.rules.is_empty(), "a verdict without a trace: {verdict:?}");
    assert!(verdict.rules.iter().all(|line| !line.trim().is_empty()), "a blank trace line: {verdict:?}");
    assert_eq!(verdict.currency, order.amount.currency());
    assert_eq!(verdict.policy_hash, policy.hash());
    verdict
}

/// Evaluates a request made `after` the purchase with no history.
fn verdict(policy: &Policy, order: &Order, reason: Reason, after: Duration) -> Verdict {
    verdict_full(policy, order, reason, order.purchased_at + after, &no_history())
}

fn days(n: i64) -> Duration {
    Duration::days(n)
}

fn assert_full(v: &Verdict, minor: i64, rule: &str) {
    assert_eq!(v.outcome, VerdictOutcome::FullRefund, "{v:?}");
    assert_eq!(v.amount_minor, minor, "{v:?}");
    assert_eq!(v.percent, None, "{v:?}");
    assert_eq!(v.rule.code(), rule, "{v:?}");
    assert!(v.alternatives.is_empty(), "{v:?}");
}

fn assert_partial(v: &Verdict, minor: i64, percent: u32) {
    assert_eq!(v.outcome, VerdictOutcome::PartialRefund, "{v:?}");
    assert_eq!(v.amount_minor, minor, "{v:?}");
    assert_eq!(v.percent, Some(percent), "{v:?}");
    assert_eq!(v.rule.code(), "partial_refund", "{v:?}");
}

fn assert_no_with_alternatives(v: &Verdict, rule: &str) {
    assert_eq!(v.outcome, VerdictOutcome::NotEligible, "{v:?}");
    assert_eq!(v.amount_minor, 0, "{v:?}");
    assert_eq!(v.rule.code(), rule, "{v:?}");
    assert_eq!(v.alternatives, vec![Resolution::StoreCredit, Resolution::Support], "{v:?}");
}

fn assert_manager(v: &Verdict, minor: i64, rule: &str) {
    assert_eq!(v.outcome, VerdictOutcome::ManagerReview, "{v:?}");
    assert_eq!(v.amount_minor, minor, "{v:?}");
    assert_eq!(v.rule.code(), rule, "{v:?}");
    assert!(v.alternatives.is_empty(), "{v:?}");
}

// ---- Rule 3 and 4: the window ----

#[test]
fn the_last_second_of_the_window_is_inside() {
    let o = order("ORD-1").progress(10.0).build();
    let v = verdict(&base(), &o, Reason::ChangedMind, days(30) - Duration::seconds(1));
    assert_full(&v, 4900, "full_refund");
}

#[test]
fn exactly_window_days_after_purchase_is_outside() {
    let o = order("ORD-1").progress(10.0).build();
    let v = verdict(&base(), &o, Reason::ChangedMind, days(30));
    assert_no_with_alternatives(&v, "window");
}

// ---- Rule 3 and 4: usage tiers ----

#[test]
fn usage_equal_to_full_refund_max_is_a_full_refund() {
    let o = order("ORD-1").progress(30.0).build();
    let v = verdict(&base(), &o, Reason::ChangedMind, days(1));
    assert_full(&v, 4900, "full_refund");
}

#[test]
fn usage_just_above_full_refund_max_is_the_first_partial_tier() {
    let o = order("ORD-1").progress(30.01).build();
    let v = verdict(&base(), &o, Reason::ChangedMind, days(1));
    assert_partial(&v, 2450, 50);
}

#[test]
fn usage_equal_to_a_tier_max_is_in_that_tier_and_just_above_is_the_next() {
    let at_first = order("ORD-1").progress(60.0).build();
    assert_partial(&verdict(&base(), &at_first, Reason::ChangedMind, days(1)), 2450, 50);
    let above_first = order("ORD-1").progress(60.01).build();
    assert_partial(&verdict(&base(), &above_first, Reason::ChangedMind, days(1)), 1225, 25);
    let at_last = order("ORD-1").progress(80.0).build();
    assert_partial(&verdict(&base(), &at_last, Reason::ChangedMind, days(1)), 1225, 25);
}

#[test]
fn usage_just_above_the_last_tier_is_outside_the_policy() {
    let o = order("ORD-1").progress(80.01).build();
    let v = verdict(&base(), &o, Reason::ChangedMind, days(1));
    assert_no_with_alternatives(&v, "usage");
}

#[test]
fn usage_above_the_last_tier_with_an_escalating_reason_goes_to_a_manager_for_the_full_amount() {
    let o = order("ORD-1").progress(95.0).build();
    let v = verdict(&base(), &o, Reason::TechnicalIssue, days(1));
    assert_manager(&v, 4900, "usage");
    assert_eq!(v.percent, None);
}

#[test]
fn a_missing_usage_metric_counts_as_no_use() {
    // The order has some other metric but not progress_percent.
    let o = order("ORD-1").usage("downloads", 500.0).build();
    let v = verdict(&base(), &o, Reason::ChangedMind, days(1));
    assert_full(&v, 4900, "full_refund");
    let bare = order("ORD-2").build();
    assert_full(&verdict(&base(), &bare, Reason::ChangedMind, days(1)), 4900, "full_refund");
}

// ---- Amounts ----

#[test]
fn a_usd_partial_rounds_halves_up_to_the_cent() {
    // 50% of $19.99 is $9.995: $10.00.
    let o = order("ORD-1").amount("19.99", "USD").progress(45.0).build();
    let v = verdict(&base(), &o, Reason::ChangedMind, days(1));
    assert_partial(&v, 1000, 50);
    assert_eq!(v.amount(), Money::parse("10.00", usd()).unwrap());
    // 25% of $0.10 is 2.5 cents: 3 cents.
    let small = order("ORD-2").amount("0.10", "USD").progress(70.0).build();
    assert_partial(&verdict(&base(), &small, Reason::ChangedMind, days(1)), 3, 25);
}

#[test]
fn a_jpy_partial_rounds_to_whole_yen() {
    let policy = Policy::parse(
        r#"currency = "JPY"
[default]
usage_metric = "progress_percent"
usage_full_refund_max = 10
partial = [ { usage_max = 50, percent = 50 }, { usage_max = 90, percent = 33 } ]
auto_approve_max = "15000"
"#,
        "jpy.toml",
    )
    .unwrap();
    // 33% of 1001 yen is 330.33 yen: 330 (exponent 0, not 330.33 or 33033).
    let o = order("ORD-1").amount("1001", "JPY").progress(70.0).build();
    let v = verdict(&policy, &o, Reason::ChangedMind, days(1));
    assert_partial(&v, 330, 33);
    assert_eq!(v.currency, jpy());
    // 50% of 1001 yen is 500.5 yen: 501, halves up.
    let o = order("ORD-2").amount("1001", "JPY").progress(40.0).build();
    assert_partial(&verdict(&policy, &o, Reason::ChangedMind, days(1)), 501, 50);
    // A full refund in yen is the whole amount in yen.
    let o = order("ORD-3").amount("1001", "JPY").build();
    assert_full(&verdict(&policy, &o, Reason::ChangedMind, days(1)), 1001, "full_refund");
}

#[test]
fn a_partial_is_never_more_than_what_is_still_unrefunded() {
    // 50% of $49.00 is $24.50, but only $9.00 is left.
    let o = order("ORD-1").refunded("40.00").progress(45.0).build();
    let v = verdict(&base(), &o, Reason::ChangedMind, days(1));
    assert_partial(&v, 900, 50);
    // With $30.00 left the partial is the full $24.50.
    let o = order("ORD-2").refunded("19.00").progress(45.0).build();
    assert_partial(&verdict(&base(), &o, Reason::ChangedMind, days(1)), 2450, 50);
}

#[test]
fn a_full_refund_of_a_partly_refunded_order_is_the_rest() {
    let o = order("ORD-1").refunded("10.00").progress(5.0).build();
    let v = verdict(&base(), &o, Reason::ChangedMind, days(1));
    assert_full(&v, 3900, "full_refund");
}

// ---- Rule 1 ----

#[test]
fn an_order_refunded_in_full_is_not_eligible_and_never_escalated() {
    let o = order("ORD-1").refunded("49.00").build();
    for (reason, after) in [
        (Reason::ChangedMind, days(1)),
        (Reason::TechnicalIssue, days(1)),
        (Reason::TechnicalIssue, days(90)),
        (Reason::NotAsDescribed, days(90)),
    ] {
        let v = verdict(&base(), &o, reason, after);
        assert_eq!(v.outcome, VerdictOutcome::NotEligible, "{v:?}");
        assert_eq!(v.rule.code(), "already_refunded");
        assert_eq!(v.amount_minor, 0);
        assert!(v.alternatives.is_empty(), "no alternatives: {v:?}");
        assert!(!v.repeat_refunder);
    }
}

#[test]
fn already_refunded_wins_over_a_confirmed_duplicate() {
    let o = order("ORD-1").refunded("49.00").build();
    let twin = order("ORD-2").bought(t0() + days(1)).build();
    let v = verdict_full(&base(), &o, Reason::DuplicatePurchase, t0() + days(2), &other_orders(&[twin]));
    assert_eq!(v.outcome, VerdictOutcome::NotEligible);
    assert_eq!(v.rule.code(), "already_refunded");
    assert!(v.alternatives.is_empty());
}

// ---- Rule 2 ----

#[test]
fn a_confirmed_duplicate_is_a_full_refund_even_outside_window_and_usage() {
    // Requested long after the window with usage above every tier: the duplicate still wins.
    let o = order("ORD-2").bought(t0() + days(3)).refunded("4.00").progress(99.0).build();
    let first = order("ORD-1").build();
    let v = verdict_full(&base(), &o, Reason::DuplicatePurchase, t0() + days(90), &other_orders(&[first, o.clone()]));
    assert_full(&v, 4500, "duplicate_purchase");
}

#[test]
fn purchases_exactly_duplicate_window_days_apart_are_duplicates() {
    let o = order("ORD-2").bought(t0() + days(7)).build();
    let first = order("ORD-1").build();
    let v = verdict_full(&base(), &o, Reason::DuplicatePurchase, t0() + days(8), &other_orders(&[first]));
    assert_full(&v, 4900, "duplicate_purchase");
}

#[test]
fn a_duplicate_of_another_sku_is_not_confirmed_and_falls_through_to_window_and_usage() {
    let o = order("ORD-2").bought(t0() + days(1)).progress(45.0).build();
    let other_sku = order("ORD-1").sku("course-photo").build();
    let v = verdict_full(
        &base(),
        &o,
        Reason::DuplicatePurchase,
        t0() + days(2),
        &other_orders(std::slice::from_ref(&other_sku)),
    );
    assert_partial(&v, 2450, 50);
    // Outside the window, the (escalating) duplicate reason makes it a manager's call.
    let v = verdict_full(&base(), &o, Reason::DuplicatePurchase, t0() + days(60), &other_orders(&[other_sku]));
    assert_manager(&v, 4900, "window");
}

#[test]
fn a_duplicate_more_than_duplicate_window_days_apart_is_not_confirmed() {
    let o = order("ORD-2").bought(t0() + days(7) + Duration::seconds(1)).progress(10.0).build();
    let first = order("ORD-1").build();
    let v = verdict_full(&base(), &o, Reason::DuplicatePurchase, t0() + days(8), &other_orders(&[first]));
    assert_full(&v, 4900, "full_refund");
}

#[test]
fn the_order_itself_does_not_confirm_its_own_duplicate() {
    let o = order("ORD-1").progress(10.0).build();
    let v =
        verdict_full(&base(), &o, Reason::DuplicatePurchase, t0() + days(1), &other_orders(std::slice::from_ref(&o)));
    assert_full(&v, 4900, "full_refund");
}

#[test]
fn a_confirmed_duplicate_from_a_repeat_refunder_goes_to_a_manager() {
    let o = order("ORD-2").bought(t0() + days(1)).build();
    let history = History {
        same_email_orders: vec![order("ORD-1").build()],
        refunds_at: vec![t0() - days(10), t0() - days(100)],
    };
    let v = verdict_full(&base(), &o, Reason::DuplicatePurchase, t0() + days(2), &history);
    assert_manager(&v, 4900, "repeat_refunder");
    assert!(v.repeat_refunder);
}

#[test]
fn a_confirmed_duplicate_above_auto_approve_max_goes_to_a_manager() {
    let o = order("ORD-2").amount("150.00", "USD").bought(t0() + days(1)).build();
    let first = order("ORD-1").amount("150.00", "USD").build();
    let v = verdict_full(&base(), &o, Reason::DuplicatePurchase, t0() + days(2), &other_orders(&[first]));
    assert_manager(&v, 15000, "auto_approve_max");
    assert!(!v.repeat_refunder);
}

// ---- Rule 5 ----

#[test]
fn max_refunds_inside_the_lookback_goes_to_a_manager_as_a_repeat_refunder() {
    let o = order("ORD-1").progress(45.0).build();
    let requested = t0() + days(1);
    let v = verdict_full(
        &base(),
        &o,
        Reason::ChangedMind,
        requested,
        &refunds_at(&[requested - days(10), requested - days(364)]),
    );
    // The manager is asked about the partial rule 4 computed.
    assert_manager(&v, 2450, "repeat_refunder");
    assert_eq!(v.percent, Some(50));
    assert!(v.repeat_refunder);
}

#[test]
fn fewer_than_max_refunds_is_not_a_repeat_refunder() {
    let o = order("ORD-1").build();
    let requested = t0() + days(1);
    let v = verdict_full(&base(), &o, Reason::ChangedMind, requested, &refunds_at(&[requested - days(10)]));
    assert_full(&v, 4900, "full_refund");
    assert!(!v.repeat_refunder);
}

#[test]
fn refunds_before_the_lookback_do_not_count() {
    let o = order("ORD-1").build();
    let requested = t0() + days(1);
    let v = verdict_full(
        &base(),
        &o,
        Reason::ChangedMind,
        requested,
        &refunds_at(&[requested - days(10), requested - days(366), requested - days(800)]),
    );
    assert_full(&v, 4900, "full_refund");
    assert!(!v.repeat_refunder);
}

#[test]
fn a_refund_of_an_order_outside_the_policy_is_not_a_repeat_refunder_question() {
    // Rule 3 decides first: a no stays a no even for a repeat refunder.
    let o = order("ORD-1").build();
    let requested = t0() + days(40);
    let v = verdict_full(
        &base(),
        &o,
        Reason::ChangedMind,
        requested,
        &refunds_at(&[requested - days(1), requested - days(2)]),
    );
    assert_no_with_alternatives(&v, "window");
}

// ---- Rule 6 ----

#[test]
fn exactly_auto_approve_max_is_approved_and_one_cent_over_goes_to_a_manager() {
    let at_limit = order("ORD-1").amount("100.00", "USD").build();
    assert_full(&verdict(&base(), &at_limit, Reason::ChangedMind, days(1)), 10000, "full_refund");
    let over = order("ORD-2").amount("100.01", "USD").build();
    let v = verdict(&base(), &over, Reason::ChangedMind, days(1));
    assert_manager(&v, 10001, "auto_approve_max");
    assert!(!v.repeat_refunder);
}

#[test]
fn auto_approve_max_applies_to_the_partial_amount_not_the_price() {
    // $150.00 at 50% is $75.00: within $100.00.
    let o = order("ORD-1").amount("150.00", "USD").progress(45.0).build();
    assert_partial(&verdict(&base(), &o, Reason::ChangedMind, days(1)), 7500, 50);
    // $250.00 at 50% is $125.00: a manager, who is asked about the partial.
    let o = order("ORD-2").amount("250.00", "USD").progress(45.0).build();
    let v = verdict(&base(), &o, Reason::ChangedMind, days(1));
    assert_manager(&v, 12500, "auto_approve_max");
    assert_eq!(v.percent, Some(50));
}

#[test]
fn the_per_currency_table_sets_a_limit_per_currency() {
    let policy = base_with(r#"auto_approve_max = "100.00""#, r#"auto_approve_max = { USD = "100.00", JPY = "15000" }"#);
    let yen = order("ORD-1").amount("15000", "JPY").build();
    assert_full(&verdict(&policy, &yen, Reason::ChangedMind, days(1)), 15000, "full_refund");
    let yen_over = order("ORD-2").amount("15001", "JPY").build();
    assert_manager(&verdict(&policy, &yen_over, Reason::ChangedMind, days(1)), 15001, "auto_approve_max");
    let dollars = order("ORD-3").amount("100.00", "USD").build();
    assert_full(&verdict(&policy, &dollars, Reason::ChangedMind, days(1)), 10000, "full_refund");
    let dollars_over = order("ORD-4").amount("100.01", "USD").build();
    assert_manager(&verdict(&policy, &dollars_over, Reason::ChangedMind, days(1)), 10001, "auto_approve_max");
}

#[test]
fn a_currency_the_limit_does_not_name_always_needs_a_manager() {
    let policy = base_with(r#"auto_approve_max = "100.00""#, r#"auto_approve_max = { USD = "100.00", JPY = "15000" }"#);
    let euros = order("ORD-1").amount("1.00", "EUR").build();
    let v = verdict(&policy, &euros, Reason::ChangedMind, days(1));
    assert_manager(&v, 100, "auto_approve_max");
    // The string form is in the policy currency (USD): yen are not named either.
    let yen = order("ORD-2").amount("100", "JPY").build();
    assert_manager(&verdict(&base(), &yen, Reason::ChangedMind, days(1)), 100, "auto_approve_max");
}

#[test]
fn without_auto_approve_max_there_is_no_limit() {
    let policy = base_with(r#"auto_approve_max = "100.00""#, "");
    let o = order("ORD-1").amount("5000.00", "USD").build();
    assert_full(&verdict(&policy, &o, Reason::ChangedMind, days(1)), 500000, "full_refund");
}

// ---- Rule 3's answers ----

#[test]
fn outside_the_window_with_an_escalating_reason_names_the_full_unrefunded_amount() {
    // Usage would make it a 50% partial inside the window; outside, the manager is asked
    // about everything still unrefunded.
    let o = order("ORD-1").refunded("9.00").progress(45.0).build();
    for reason in [Reason::TechnicalIssue, Reason::NotAsDescribed, Reason::DuplicatePurchase] {
        let v = verdict(&base(), &o, reason, days(45));
        assert_manager(&v, 4000, "window");
        assert_eq!(v.percent, None);
        assert!(!v.repeat_refunder);
    }
}

#[test]
fn outside_the_window_with_another_reason_is_not_eligible_with_alternatives() {
    let o = order("ORD-1").build();
    for reason in [Reason::ChangedMind, Reason::AccidentalPurchase, Reason::Other] {
        let v = verdict(&base(), &o, reason, days(45));
        assert_no_with_alternatives(&v, "window");
        assert_eq!(v.percent, None);
    }
}

// ---- [[product]] overrides ----

#[test]
fn an_ebook_glob_override_uses_its_own_window_and_metric() {
    let ebook = |id: &str, downloads: f64| {
        order(id)
            .sku("ebook-rust-in-action")
            .usage("downloads", downloads)
            // Course progress is not this product's metric.
            .progress(100.0)
            .build()
    };
    let policy = base();
    assert_eq!(policy.rules_for("ebook-rust-in-action").window_days, 14);
    assert_eq!(policy.rules_for("course-webdesign").window_days, 30);
    assert_full(
        &verdict(&policy, &ebook("ORD-1", 3.0), Reason::ChangedMind, days(14) - Duration::seconds(1)),
        4900,
        "full_refund",
    );
    // 14 days is outside the ebook window though inside the default 30.
    assert_no_with_alternatives(&verdict(&policy, &ebook("ORD-2", 0.0), Reason::ChangedMind, days(14)), "window");
    // `partial = []`: above usage_full_refund_max is outside the policy.
    assert_no_with_alternatives(&verdict(&policy, &ebook("ORD-3", 4.0), Reason::ChangedMind, days(1)), "usage");
    assert_manager(&verdict(&policy, &ebook("ORD-4", 4.0), Reason::TechnicalIssue, days(1)), 4900, "usage");
    // No downloads recorded counts as 0.
    let undownloaded = order("ORD-5").sku("ebook-go").build();
    assert_full(&verdict(&policy, &undownloaded, Reason::ChangedMind, days(1)), 4900, "full_refund");
    // A sku the glob does not match keeps the defaults.
    let not_an_ebook = order("ORD-6").sku("my-ebook-x").progress(45.0).build();
    assert_partial(&verdict(&policy, &not_an_ebook, Reason::ChangedMind, days(20)), 2450, 50);
}

// ---- The trace ----

#[test]
fn every_verdict_carries_a_trace_of_the_rules_checked() {
    let policy = base();
    let requested = t0() + days(1);
    let twin = order("ORD-9").bought(t0() - days(1)).build();
    let cases: Vec<(Order, Reason, DateTime<Utc>, History)> = vec![
        (order("ORD-1").build(), Reason::ChangedMind, requested, no_history()),
        (order("ORD-2").progress(45.0).build(), Reason::ChangedMind, requested, no_history()),
        (order("ORD-3").refunded("49.00").build(), Reason::TechnicalIssue, requested, no_history()),
        (order("ORD-4").build(), Reason::DuplicatePurchase, requested, other_orders(&[twin])),
        (order("ORD-5").build(), Reason::ChangedMind, t0() + days(60), no_history()),
        (order("ORD-6").build(), Reason::TechnicalIssue, t0() + days(60), no_history()),
        (order("ORD-7").build(), Reason::ChangedMind, requested, refunds_at(&[t0(), t0() - days(1)])),
        (order("ORD-8").amount("500.00", "USD").build(), Reason::ChangedMind, requested, no_history()),
    ];
    let mut outcomes = Vec::new();
    for (o, reason, at, history) in &cases {
        // verdict_full asserts the trace is there and has no blank line.
        let v = verdict_full(&policy, o, *reason, *at, history);
        outcomes.push(v.outcome);
    }
    for outcome in [
        VerdictOutcome::FullRefund,
        VerdictOutcome::PartialRefund,
        VerdictOutcome::NotEligible,
        VerdictOutcome::ManagerReview,
    ] {
        assert!(outcomes.contains(&outcome), "{outcome:?} was covered");
    }
}

#[test]
fn a_trace_mentions_the_window_and_the_partial_amount() {
    let o = order("ORD-1").progress(45.0).build();
    let v = verdict(&base(), &o, Reason::ChangedMind, days(3));
    let trace = v.rules.join("\n");
    assert!(trace.contains("30-day"), "{trace}");
    assert!(trace.contains("$24.50"), "{trace}");
}

// ---- policy.toml errors ----

fn parse_err(text: &str) -> refund_bot::policy::PolicyError {
    Policy::parse(text, "bad.toml").expect_err("the policy is refused")
}

#[test]
fn the_example_policy_parses() {
    let example = Policy::example();
    assert_eq!(example.currency(), usd());
    assert_eq!(example.rules_for("ebook-x").window_days, 14);
    assert_eq!(example.rules_for("template-pack").window_days, 7);
    assert_eq!(example.rules_for("course-x").window_days, 30);
    let again = Policy::parse(include_str!("../../policy.example.toml"), "policy.example.toml")
        .expect("the file on disk parses too");
    assert_eq!(again.hash(), example.hash());
}

#[test]
fn an_unknown_key_is_refused_at_its_line_and_column() {
    let err = parse_err("currency = \"USD\"\n\n[default]\nwindow_days = 30\nwindow_dayz = 30\n");
    assert_eq!((err.line, err.column), (5, 1), "{err}");
    assert!(err.message.contains("window_dayz"), "{err}");
    assert!(err.to_string().starts_with("bad.toml:5:1: "), "{err}");
}

#[test]
fn an_unknown_key_in_a_product_is_refused_at_its_line_and_column() {
    let err = parse_err(
        "currency = \"USD\"\n[default]\nwindow_days = 30\n\n[[product]]\nsku = \"a-*\"\n  colour = \"red\"\n",
    );
    assert_eq!((err.line, err.column), (7, 3), "{err}");
}

#[test]
fn a_period_longer_than_a_century_is_refused_at_the_value() {
    let err = parse_err("currency = \"USD\"\n[default]\nlookback_days = 4000000000\n");
    assert_eq!((err.line, err.column), (3, 17), "{err}");
    assert!(err.message.contains("at most 36600 days"), "{err}");
    assert!(Policy::parse("currency = \"USD\"\n[default]\nlookback_days = 36600\n", "ok.toml").is_ok());
}

#[test]
fn an_amount_with_too_many_decimals_is_refused_at_the_value() {
    let err = parse_err("currency = \"USD\"\n[default]\nauto_approve_max = \"1.234\"\n");
    assert_eq!((err.line, err.column), (3, 20), "{err}");
    assert!(err.message.contains("auto_approve_max"), "{err}");
}

#[test]
fn a_bad_amount_in_the_per_currency_table_is_refused() {
    let err = parse_err("currency = \"USD\"\n[default]\nauto_approve_max = { USD = \"100.00\", JPY = \"1.5\" }\n");
    assert_eq!(err.line, 3, "{err}");
    assert!(err.message.contains("JPY"), "{err}");
}

#[test]
fn tiers_out_of_order_are_refused_at_the_offending_tier() {
    let err = parse_err(
        "currency = \"USD\"\n[default]\nusage_full_refund_max = 30\npartial = [ { usage_max = 60, percent = 50 }, { usage_max = 40, percent = 25 } ]\n",
    );
    assert_eq!((err.line, err.column), (4, 47), "{err}");
    assert!(err.message.contains("tiers must go up"), "{err}");
}

#[test]
fn a_tier_not_above_usage_full_refund_max_is_refused() {
    let err = parse_err(
        "currency = \"USD\"\n[default]\nusage_full_refund_max = 30\npartial = [ { usage_max = 30, percent = 50 } ]\n",
    );
    assert_eq!((err.line, err.column), (4, 13), "{err}");
}

#[test]
fn a_tier_paying_more_than_the_one_before_is_refused_at_that_tier() {
    let err = parse_err(
        "currency = \"USD\"\n[default]\nusage_full_refund_max = 30\npartial = [ { usage_max = 60, percent = 25 }, { usage_max = 80, percent = 50 } ]\n",
    );
    assert_eq!((err.line, err.column), (4, 47), "{err}");
    assert!(err.message.contains("percent 50 is above 25"), "{err}");
    // The same percent twice pays no more, so it stands.
    let same = "currency = \"USD\"\n[default]\nusage_full_refund_max = 30\npartial = [ { usage_max = 60, percent = 50 }, { usage_max = 80, percent = 50 } ]\n";
    assert!(Policy::parse(same, "same.toml").is_ok());
}

#[test]
fn nan_usage_limits_are_refused_where_they_are_written() {
    let err = parse_err("currency = \"USD\"\n[default]\nusage_full_refund_max = nan\n");
    assert_eq!((err.line, err.column), (3, 25), "{err}");
    assert!(err.message.contains("usage_full_refund_max") && err.message.contains("nan"), "{err}");
    let err = parse_err(
        "currency = \"USD\"\n[[product]]\nsku = \"ebook-*\"\npartial = [ { usage_max = nan, percent = 50 } ]\n",
    );
    assert_eq!((err.line, err.column), (4, 13), "{err}");
    assert!(err.message.contains("usage_max") && err.message.contains("nan"), "{err}");
}

#[test]
fn a_zero_percent_tier_is_refused_at_the_tier() {
    let err = parse_err(
        "currency = \"USD\"\n[default]\nusage_full_refund_max = 30\npartial = [\n  { usage_max = 60, percent = 0 },\n]\n",
    );
    assert_eq!((err.line, err.column), (5, 3), "{err}");
    assert!(err.message.contains("percent 0"), "{err}");
}

#[test]
fn a_bad_sku_glob_is_refused_at_the_glob() {
    let err = parse_err("currency = \"USD\"\n[default]\nwindow_days = 30\n\n[[product]]\nsku = \"ebook-[*\"\n");
    assert_eq!((err.line, err.column), (6, 7), "{err}");
    assert!(err.message.contains("glob"), "{err}");
}

#[test]
fn an_unknown_reason_code_in_escalate_reasons_is_refused_at_the_code() {
    let err = parse_err("currency = \"USD\"\n[default]\nescalate_reasons = [\"technical_issue\", \"refund_me\"]\n");
    assert_eq!((err.line, err.column), (3, 40), "{err}");
    assert!(err.message.contains("refund_me"), "{err}");
}

#[test]
fn without_max_refunds_per_customer_there_is_no_repeat_refunder() {
    let policy = base_with("max_refunds_per_customer = 2\n", "");
    let o = order("ORD-1").build();
    let requested = t0() + days(1);
    let many: Vec<DateTime<Utc>> = (1..=10).map(|n| requested - days(n)).collect();
    let v = verdict_full(&policy, &o, Reason::ChangedMind, requested, &refunds_at(&many));
    assert_full(&v, 4900, "full_refund");
    assert!(!v.repeat_refunder);
}
