//! Refunds, order look-ups and webhooks through Stripe, against stripe-stateful-mock (npm,
//! installed by `.ci/run`) started on loopback for each test: charges are created on the mock,
//! orders name them, and the bot's `stripe_refund` job runs as soon as it is due: before the
//! approval's `done`, or at the `tick` that brings a retry's time.

mod mock;
mod orders;
mod refunds;
mod webhooks;

use crate::support::*;
use mock::{Fault, FaultProxy, StripeMock};
use serde_json::Value;

const KEY: (&str, &str) = ("STRIPE_SECRET_KEY", "sk_test_x");

/// Switches the fixture to processor stripe at `base`.
fn use_stripe(fixture: &Fixture, base: &str) {
    let path = fixture.config();
    let mut config = std::fs::read_to_string(&path).unwrap();
    if let Some(at) = config.find("\n[payments]") {
        config.truncate(at);
    }
    config.push_str(&format!("\n[payments]\nprocessor = \"stripe\"\nstripe_api_base = \"{base}\"\n"));
    std::fs::write(path, config).unwrap();
}

/// Re-imports one of the fixture's orders with a charge id and `refunded` amount.
fn import_order(fixture: &Fixture, order_id: &str, charge: &str, refunded: &str) {
    let line = ORDERS.lines().find(|l| l.contains(&format!("\"{order_id}\""))).unwrap();
    let mut order: Value = serde_json::from_str(line).unwrap();
    order["charge_id"] = Value::from(charge);
    order["refunded"] = Value::from(refunded);
    std::fs::write(fixture.path().join("stripe-orders.jsonl"), format!("{order}\n")).unwrap();
    let out = fixture.cli(&["orders", "import", "stripe-orders.jsonl"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// A mock, a charge of `amount` for `order_id`, and the fixture pointed at the mock.
fn setup(fixture: &Fixture, order_id: &str, amount: i64, source: &str) -> (StripeMock, String) {
    let (mock, charge) = paid_on_mock(fixture, order_id, amount, source);
    use_stripe(fixture, &mock.base);
    (mock, charge)
}

/// A mock and a charge of `amount` for `order_id`, imported; where the bot calls is up to the caller.
fn paid_on_mock(fixture: &Fixture, order_id: &str, amount: i64, source: &str) -> (StripeMock, String) {
    let mock = StripeMock::start();
    let charge = mock.charge(amount, source);
    import_order(fixture, order_id, &charge, "0.00");
    (mock, charge)
}

/// Alice's order paid on the mock, with the bot pointed where nothing listens (no answer, as
/// after a timeout).
fn setup_unreachable(fixture: &Fixture) -> (StripeMock, String) {
    let (mock, charge) = paid_on_mock(fixture, "ORD-1001", 4900, "tok_visa");
    use_stripe_unreachable(fixture);
    (mock, charge)
}

fn use_stripe_unreachable(fixture: &Fixture) {
    use_stripe(fixture, &format!("http://127.0.0.1:{}", mock::free_port()));
}

fn alice(bot: &mut Bot) -> Value {
    request(bot, "cust-1", "ORD-1001", "alice@example.com", "accidental_purchase", "refund")
}

/// Approves the draft: the customer gets the approved reply first, agents a note that Stripe
/// is refunding. The refund is due at once, so it runs before the line's `done`: the returned
/// output holds what it did (the money on its way, or the failure posted to agents).
fn approve(bot: &mut Bot, draft: &Value, customer: &str) -> Vec<Value> {
    let out = bot.click("agent-1", &button(draft, "approve"));
    let told = sends_to(&out, &format!("dm:{customer}"));
    assert!(text(told.first().expect("the approved reply")).contains("approved"), "{out:#?}");
    let note = to_agents(&out)[0];
    assert!(note["text"].as_str().unwrap().contains("Stripe"), "{note}");
    assert_eq!(note["buttons"], serde_json::json!([]));
    out
}

/// Whether the customer was told the money is on its way (not just that it was approved).
fn issued(out: &[Value], to: &str) -> bool {
    sends_to(out, to).iter().any(|v| text(v).contains("on its way to"))
}

fn text(message: &Value) -> &str {
    message["text"].as_str().unwrap_or_default()
}

fn texts(out: &[Value], to: &str) -> String {
    sends_to(out, to).iter().map(|v| v["text"].as_str().unwrap_or_default().to_string()).collect::<Vec<_>>().join("\n")
}

fn kinds(case: &Value) -> Vec<String> {
    case["events"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap().to_string()).collect()
}

/// Alice's order paid on the mock, with the bot reaching Stripe through a fault proxy.
fn setup_behind_proxy(fixture: &Fixture, faults: &[Fault]) -> (StripeMock, String, FaultProxy) {
    let (mock, charge) = paid_on_mock(fixture, "ORD-1001", 4900, "tok_visa");
    let proxy = FaultProxy::start(&mock.base, faults);
    use_stripe(fixture, &proxy.base);
    (mock, charge, proxy)
}

/// Alice's request, approved by an agent; returns the case id and the approval's output.
fn alice_approved(bot: &mut Bot) -> (i64, Vec<Value>) {
    let draft = alice(bot);
    let out = approve(bot, &draft, "cust-1");
    (case_id(&draft), out)
}
