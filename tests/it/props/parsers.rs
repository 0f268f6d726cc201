//! Everything read from outside never panics: inbound JSON-lines events (the parser and the real
//! `refund-bot jsonl` process), order files (JSON lines and CSV) and Stripe webhook signatures.

use super::config;
use crate::support::{Fixture, BIN, CLOCK};
use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;
use proptest::test_runner::Config;
use refund_bot::chat::slack::events_api::verify as slack_verify;
use refund_bot::domain::{Currency, Email, Money, Order, OrderId};
use refund_bot::events::Inbound;
use refund_bot::orders_file::{parse_csv, parse_jsonl};
use refund_bot::payments::webhook::{self, SignatureError, TOLERANCE_SECS};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

// ---- Inbound events --------------------------------------------------------------------------

/// A user id as scripts write them, and as they should not.
fn user() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec!["cust-1", "cust-2", "agent-1", "manager-1", "discord:1", "slack:U1", "", " "])
            .prop_map(String::from),
        any::<String>(),
    ]
}

fn button_id() -> impl Strategy<Value = String> {
    prop_oneof![
        (1u64..60).prop_map(|n| format!("b-{n}")),
        prop::sample::select(vec!["b-0", "b--1", "b-", "b-99999999999999999999", "m-1", ""]).prop_map(String::from),
        any::<String>(),
    ]
}

fn message_id() -> impl Strategy<Value = String> {
    prop_oneof![(1u64..60).prop_map(|n| format!("m-{n}")), any::<String>()]
}

fn emoji() -> impl Strategy<Value = String> {
    prop_oneof![prop::sample::select(vec!["✅", "❌", "✔️", "✖️", "☑️", "👍"]).prop_map(String::from), any::<String>()]
}

fn roles() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(prop_oneof![Just("agents".to_string()), any::<String>()], 0..2)
}

/// Text a customer might send: fixture orders and emails, intake words, or anything.
fn chat_text() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "hi",
            "ORD-1001 alice@example.com",
            "ORD-1002 bob@example.com",
            "ORD-1004 dave@example.com",
            "alice@example.com",
            "other",
            "changed my mind",
            "yes",
            "refund",
            "cancel",
            "start over",
            "you idiot",
        ])
        .prop_map(String::from),
        any::<String>(),
    ]
}

/// Ticks, mostly small, some as large as the field allows.
fn advance_secs() -> impl Strategy<Value = u64> {
    prop_oneof![4 => 0u64..200_000, 1 => any::<u64>(), 1 => Just(u64::MAX)]
}

/// A well-formed inbound event of any kind.
fn inbound() -> impl Strategy<Value = Inbound> {
    prop_oneof![
        (user(), chat_text()).prop_map(|(user, text)| Inbound::dm(user, text)),
        (user(), button_id(), roles()).prop_map(|(user, button, roles)| Inbound::Click {
            user,
            button,
            roles,
            name: None
        }),
        (user(), button_id(), chat_text(), roles()).prop_map(|(user, button, text, roles)| Inbound::Submit {
            user,
            button,
            text,
            roles
        }),
        (user(), message_id(), emoji(), roles()).prop_map(|(user, message, emoji, roles)| Inbound::React {
            user,
            message,
            emoji,
            roles
        }),
        advance_secs().prop_map(|advance_secs| Inbound::Tick { advance_secs }),
    ]
}

/// Any JSON value, biased to what the inbound fields hold.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        any::<String>().prop_map(Value::from),
        prop::sample::select(vec!["message", "click", "submit", "react", "tick", "cust-1", "b-1", "m-1", "✅"])
            .prop_map(Value::from),
    ];
    leaf.prop_recursive(2, 12, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(".{0,6}", inner, 0..4).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// An object with inbound-looking keys, of which any may be missing, extra or of a wrong type.
fn inbound_like() -> impl Strategy<Value = Value> {
    let keys = vec!["kind", "user", "text", "button", "message", "emoji", "roles", "advance_secs", "id", "to"];
    prop::collection::btree_map(prop::sample::select(keys), json_value(), 0..6)
        .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_string(), v)).collect()))
}

// ---- Order files -----------------------------------------------------------------------------

fn time(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339).unwrap().with_timezone(&Utc)
}

/// A valid order with everything a file can say.
fn good_order() -> impl Strategy<Value = Order> {
    let currency = prop::sample::select(vec!["USD", "JPY", "KWD", "EUR"]);
    (
        "[A-Z]{3}-[0-9]{1,6}",
        "[a-z]{1,8}@[a-z]{1,8}\\.com",
        "[a-z][a-z-]{0,12}",
        "[A-Za-z][A-Za-z ()]{0,20}[A-Za-z)]",
        currency,
        (0i64..10_000_000, 0u32..=100),
        0i64..(400 * 86_400),
        prop::collection::btree_map("[a-z_]{1,12}", (0u32..100_000).prop_map(|n| f64::from(n) / 4.0), 0..3),
        (prop::option::of("ch_[A-Za-z0-9]{8,24}"), prop::option::of("pi_[A-Za-z0-9]{8,24}")),
    )
        .prop_map(|(id, email, sku, product, code, (amount, share), offset, usage, (charge, intent))| {
            let currency = Currency::parse(code).unwrap();
            Order {
                order_id: OrderId::parse(&id).unwrap(),
                email: Email::parse(&email).unwrap(),
                sku,
                product,
                amount: Money::from_minor(amount, currency),
                purchased_at: time("2025-01-01T00:00:00Z") + Duration::seconds(offset),
                usage,
                refunded: Money::from_minor(amount * i64::from(share) / 100, currency),
                charge_id: charge,
                payment_intent_id: intent,
            }
        })
}

fn order_json(order: &Order) -> Value {
    let mut line = json!({
        "order_id": order.order_id.as_str(),
        "email": order.email.as_str(),
        "sku": order.sku,
        "product": order.product,
        "amount": order.amount.major_string(),
        "currency": order.amount.currency().code(),
        "purchased_at": order.purchased_at.to_rfc3339(),
        "usage": order.usage,
        "refunded": order.refunded.major_string(),
    });
    if let Some(charge) = &order.charge_id {
        line["charge_id"] = json!(charge);
    }
    if let Some(intent) = &order.payment_intent_id {
        line["payment_intent_id"] = json!(intent);
    }
    line
}

fn order_csv(orders: &[Order]) -> String {
    let metrics: BTreeSet<&String> = orders.iter().flat_map(|o| o.usage.keys()).collect();
    let mut header =
        "order_id,email,sku,product,amount,currency,purchased_at,refunded,charge_id,payment_intent_id".to_string();
    for metric in &metrics {
        header.push_str(&format!(",usage.{metric}"));
    }
    let mut text = format!("{header}\n");
    for o in orders {
        let mut row = format!(
            "{},{},{},{},{},{},{},{},{},{}",
            o.order_id,
            o.email,
            o.sku,
            o.product,
            o.amount.major_string(),
            o.amount.currency(),
            o.purchased_at.to_rfc3339(),
            o.refunded.major_string(),
            o.charge_id.clone().unwrap_or_default(),
            o.payment_intent_id.clone().unwrap_or_default(),
        );
        for metric in &metrics {
            row.push(',');
            if let Some(value) = o.usage.get(*metric) {
                row.push_str(&value.to_string());
            }
        }
        text.push_str(&row);
        text.push('\n');
    }
    text
}

/// An order line whose fields may be missing, extra, of a wrong type or of a bad value.
fn order_like() -> impl Strategy<Value = Value> {
    let field = prop_oneof![
        json_value(),
        prop::sample::select(vec![
            "ORD-1",
            "ord 1",
            "",
            " ",
            "alice@example.com",
            "not-an-email",
            "49.00",
            "-1.00",
            "1.005",
            "1e3",
            "USD",
            "usd",
            "US",
            "2026-11-01T10:00:00Z",
            "2026-13-01T10:00:00Z",
            "yesterday",
            "50.00",
            "49.01",
        ])
        .prop_map(Value::from),
    ];
    let usage = prop::collection::btree_map(
        ".{0,4}",
        prop_oneof![any::<f64>().prop_map(|f| json!(f)), (-3i64..3).prop_map(Value::from), json_value()],
        0..3,
    )
    .prop_map(|m| Value::Object(m.into_iter().collect()));
    let keys = vec![
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
        "colour",
    ];
    (good_order(), prop::collection::btree_map(prop::sample::select(keys), field, 0..3), prop::option::of(usage))
        .prop_map(|(order, changes, usage)| {
            let mut line = order_json(&order);
            for (key, value) in changes {
                line[key] = value;
            }
            if let Some(usage) = usage {
                line["usage"] = usage;
            }
            line
        })
}

/// What every order read from a file satisfies (docs/configuration.md#order-files).
fn check_order(order: &Order) -> Result<(), TestCaseError> {
    prop_assert!(order.amount.minor() >= 0, "{:?}", order);
    prop_assert!(order.refunded.minor() >= 0 && order.refunded.minor() <= order.amount.minor(), "{:?}", order);
    prop_assert_eq!(order.refunded.currency(), order.amount.currency());
    prop_assert!(order.usage.values().all(|v| v.is_finite() && *v >= 0.0), "{:?}", order);
    prop_assert!(!order.sku.trim().is_empty() && !order.product.trim().is_empty(), "{:?}", order);
    Ok(())
}

// ---- Webhook signatures ----------------------------------------------------------------------

const NOW: i64 = 1_795_000_000;

/// Unix times around now, and the extremes of `i64`.
fn unix_time() -> impl Strategy<Value = i64> {
    prop_oneof![
        3 => NOW - 1_000..NOW + 1_000,
        1 => any::<i64>(),
        1 => prop::sample::select(vec![i64::MIN, i64::MIN + 1, -1, 0, i64::MAX - 1, i64::MAX]),
    ]
}

/// A `Stripe-Signature` header made of well- and ill-formed parts.
fn signature_header() -> impl Strategy<Value = String> {
    let part = prop_oneof![
        unix_time().prop_map(|t| format!("t={t}")),
        "[0-9a-fA-F]{0,66}".prop_map(|h| format!("v1={h}")),
        "[0-9a-f]{64}".prop_map(|h| format!("v0={h}")),
        "t=[0-9+-]{0,22}",
        ".{0,12}",
        Just(String::new()),
    ];
    prop_oneof![
        2 => (unix_time(), "[0-9a-f]{64}").prop_map(|(t, sig)| format!("t={t},v1={sig}")),
        2 => prop::collection::vec(part, 0..5).prop_map(|parts| parts.join(",")),
        1 => any::<String>(),
    ]
}

proptest! {
    #![proptest_config(config(512))]

    /// Any text read as an inbound event: a value or an error, no panic.
    #[test]
    fn inbound_parsing_never_panics_on_any_text(text in any::<String>()) {
        let _ = serde_json::from_str::<Inbound>(&text);
    }

    /// Objects that look like events, with missing, unknown and mistyped fields: no panic, and
    /// whatever is accepted reads back the same after writing it out.
    #[test]
    fn inbound_parsing_never_panics_on_event_shaped_json(value in inbound_like()) {
        let text = value.to_string();
        if let Ok(event) = serde_json::from_str::<Inbound>(&text) {
            let again: Inbound = serde_json::from_str(&serde_json::to_string(&event).unwrap()).unwrap();
            prop_assert_eq!(again, event);
        }
    }

    /// Every well-formed event survives its JSON line.
    #[test]
    fn inbound_events_round_trip(event in inbound()) {
        let line = serde_json::to_string(&event).unwrap();
        prop_assert!(!line.contains('\n'));
        prop_assert_eq!(serde_json::from_str::<Inbound>(&line).unwrap(), event);
    }

    /// Order files of any text: orders or an error at a line of the file; no panic.
    #[test]
    fn order_files_never_panic_on_any_text(text in any::<String>()) {
        let lines = text.lines().count().max(1);
        for parsed in [parse_jsonl(&text, "any.jsonl"), parse_csv(&text, "any.csv")] {
            match parsed {
                Ok(orders) => for order in &orders { check_order(order)?; },
                Err(e) => prop_assert!(e.line <= lines + 1, "{} for {:?}", e, text),
            }
        }
    }

    /// Order lines with bad fields: every accepted order is a valid one; a refused file names a
    /// line it has.
    #[test]
    fn order_files_accept_only_valid_orders(lines in prop::collection::vec(order_like(), 1..5)) {
        let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
        match parse_jsonl(&text, "orders.jsonl") {
            Ok(orders) => {
                prop_assert_eq!(orders.len(), lines.len());
                for order in &orders { check_order(order)?; }
            }
            Err(e) => prop_assert!(e.line >= 1 && e.line <= lines.len(), "{}", e),
        }
        // The same rows as CSV cells (whatever is not a string is written as its JSON).
        let keys: BTreeSet<String> = lines.iter().flat_map(|l| l.as_object().unwrap().keys().cloned()).collect();
        let keys: Vec<String> = keys.into_iter().filter(|k| k != "usage").collect();
        let mut writer = csv::Writer::from_writer(vec![]);
        writer.write_record(&keys).unwrap();
        for line in &lines {
            let row: Vec<String> = keys
                .iter()
                .map(|k| match &line[k] {
                    Value::Null => String::new(),
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect();
            writer.write_record(&row).unwrap();
        }
        let csv_text = String::from_utf8(writer.into_inner().unwrap()).unwrap();
        match parse_csv(&csv_text, "orders.csv") {
            Ok(orders) => for order in &orders { check_order(order)?; },
            Err(e) => prop_assert!(e.line <= csv_text.lines().count() + 1, "{}", e),
        }
    }

    /// A valid order written as a JSON line or a CSV row reads back as the same order.
    #[test]
    fn order_files_round_trip(orders in prop::collection::vec(good_order(), 1..5)) {
        let jsonl: String = orders.iter().map(|o| format!("{}\n", order_json(o))).collect();
        prop_assert_eq!(&parse_jsonl(&jsonl, "orders.jsonl").unwrap(), &orders);
        let csv_text = order_csv(&orders);
        prop_assert_eq!(&parse_csv(&csv_text, "orders.csv").unwrap(), &orders, "{}", csv_text);
    }

    /// Any header, body, secrets and clock: accepted, refused or stale, never a panic; and no
    /// header accepts a body it was not signed for with the secret held.
    #[test]
    fn webhook_verify_never_panics(
        header in signature_header(),
        body in prop::collection::vec(any::<u8>(), 0..64),
        secrets in prop::collection::vec(".{0,12}", 0..3),
        now in unix_time(),
    ) {
        let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
        let _ = webhook::verify(&header, &body, &secrets, now);
    }

    /// Slack's `v0=` signature check: any timestamp, body and header is accepted or refused,
    /// never a panic, and only the right signature of a fresh request is accepted.
    #[test]
    fn slack_signatures_never_panic_and_verify_exactly(
        timestamp in prop_oneof![any::<i64>().prop_map(|t| t.to_string()), ".{0,24}"],
        header in prop_oneof![".{0,80}", "v0=[0-9a-f]{0,70}"],
        body in prop::collection::vec(any::<u8>(), 0..64),
        secret in "[A-Za-z0-9]{1,32}",
        now in unix_time(),
        skew in -400i64..400,
    ) {
        let _ = slack_verify(&secret, &timestamp, &body, &header, now);
        let at = now.saturating_add(skew);
        let fresh = now.abs_diff(at) <= 300;
        let at = at.to_string();
        let mut mac = <hmac::Hmac<sha2::Sha256> as hmac::Mac>::new_from_slice(secret.as_bytes()).unwrap();
        hmac::Mac::update(&mut mac, format!("v0:{at}:").as_bytes());
        hmac::Mac::update(&mut mac, &body);
        let signature: String = hmac::Mac::finalize(mac).into_bytes().iter().map(|b| format!("{b:02x}")).collect();
        let signed = format!("v0={signature}");
        prop_assert_eq!(slack_verify(&secret, &at, &body, &signed, now), fresh);
        let mut other = body.clone();
        other.push(b'!');
        prop_assert!(!slack_verify(&secret, &at, &other, &signed, now));
    }

    /// A body signed with a held secret is accepted within the tolerance either way and stale
    /// outside it; a changed body, or another secret, is refused.
    #[test]
    fn webhook_signatures_verify_exactly(
        body in prop::collection::vec(any::<u8>(), 0..64),
        secret in "whsec_[A-Za-z0-9]{1,24}",
        other in "whsec_[A-Za-z0-9]{1,24}",
        t in unix_time(),
        skew in -2 * TOLERANCE_SECS..=2 * TOLERANCE_SECS,
        flip in any::<prop::sample::Index>(),
    ) {
        let header = format!("t={t},{}", webhook::sign(&secret, t, &body));
        let now = t.saturating_add(skew);
        let fresh = now.abs_diff(t) <= TOLERANCE_SECS as u64;
        let expected = if fresh { Ok(()) } else { Err(SignatureError::Stale) };
        prop_assert_eq!(webhook::verify(&header, &body, &[secret.as_str()], now), expected.clone());
        prop_assert_eq!(webhook::verify(&header, &body, &[other.as_str(), secret.as_str()], now), expected);
        if fresh {
            if other != secret {
                prop_assert_eq!(webhook::verify(&header, &body, &[other.as_str()], now), Err(SignatureError::NoMatch));
            }
            if !body.is_empty() {
                let mut changed = body.clone();
                changed[flip.index(body.len())] ^= 1;
                prop_assert_eq!(webhook::verify(&header, &changed, &[secret.as_str()], now), Err(SignatureError::NoMatch));
            }
        }
    }
}

// ---- The real `refund-bot jsonl` -------------------------------------------------------------

/// One input line: an event, an event-shaped object, or anything at all on one line.
fn jsonl_line() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => inbound().prop_map(|e| serde_json::to_vec(&e).unwrap()),
        2 => (inbound(), prop_oneof![Just(json!("line-1")), json_value()]).prop_map(|(e, id)| {
            let mut v = serde_json::to_value(&e).unwrap();
            v["id"] = id;
            serde_json::to_vec(&v).unwrap()
        }),
        2 => inbound_like().prop_map(|v| serde_json::to_vec(&v).unwrap()),
        1 => any::<String>().prop_map(String::into_bytes),
        1 => prop::collection::vec(any::<u8>(), 0..40),
    ]
    .prop_map(|bytes| bytes.into_iter().filter(|b| *b != b'\n').collect())
}

/// Feeds `lines` to `refund-bot jsonl` on the fixture and returns its output and exit code.
fn run_jsonl(fixture: &Fixture, lines: &[Vec<u8>]) -> (Vec<Value>, Option<i32>) {
    let mut child = Command::new(BIN)
        .arg("--config")
        .arg(fixture.config())
        .args(["jsonl", "--clock", CLOCK])
        .current_dir(fixture.path())
        .env_remove("DATABASE_URL")
        .env_remove("STRIPE_SECRET_KEY")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start refund-bot jsonl");
    let mut stdin = child.stdin.take().unwrap();
    let input: Vec<u8> = lines.iter().flat_map(|l| l.iter().copied().chain([b'\n'])).collect();
    // Written from another thread so that a full stdout pipe cannot stall both sides.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let mut out = Vec::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.expect("output is UTF-8");
        out.push(serde_json::from_str(&line).unwrap_or_else(|e| panic!("output line {line:?} is not JSON: {e}")));
    }
    writer.join().unwrap();
    let status = child.wait().unwrap();
    (out, status.code())
}

/// The names of the lines that got no `done` or `error`, with the line itself.
fn unanswered(lines: &[Vec<u8>], out: &[Value]) -> Vec<String> {
    let mut answers: BTreeMap<u64, usize> = BTreeMap::new();
    for v in out.iter().filter(|v| v["kind"] == "done" || v["kind"] == "error") {
        *answers.entry(v["seq"].as_u64().expect("a seq")).or_default() += 1;
    }
    (1..=lines.len() as u64)
        .filter(|seq| answers.get(seq) != Some(&1))
        .map(|seq| {
            format!(
                "line {seq} ({:?} answers): {:?}",
                answers.get(&seq),
                String::from_utf8_lossy(&lines[seq as usize - 1])
            )
        })
        .collect()
}

proptest! {
    #![proptest_config(Config { max_shrink_iters: 48, ..config(3) })]

    /// A few hundred random lines to the real process: every line gets exactly one `done` or
    /// `error`, every output line is a known kind, and the process ends with status 0.
    #[test]
    fn jsonl_answers_every_line_and_exits_cleanly(lines in prop::collection::vec(jsonl_line(), 150..250)) {
        let fixture = Fixture::new();
        let (out, code) = run_jsonl(&fixture, &lines);
        let missing = unanswered(&lines, &out);
        prop_assert!(missing.is_empty(), "unanswered: {:#?}", missing);
        for v in &out {
            let kind = v["kind"].as_str().unwrap_or_default();
            prop_assert!(["send", "edit", "react", "unreact", "done", "error"].contains(&kind), "{}", v);
        }
        prop_assert_eq!(code, Some(0));
    }
}

/// A timestamp at the far end of `i64` (the header is the sender's to choose) is stale, not an
/// overflow.
#[test]
fn a_signature_time_at_the_end_of_i64_is_stale() {
    for t in [i64::MIN, i64::MIN + 1, i64::MAX] {
        let header = format!("t={t},v1={}", "00".repeat(32));
        assert_eq!(webhook::verify(&header, b"{}", &["whsec_a"], NOW), Err(SignatureError::Stale), "{header}");
    }
}
