//! Order files (docs/configuration.md#order-files, `orders import`): JSON lines and CSV, refused whole with
//! the line of the first bad row.

use chrono::{DateTime, Utc};
use refund_bot::domain::{Currency, Money};
use refund_bot::orders_file::{parse_csv, parse_jsonl};

fn usd() -> Currency {
    Currency::parse("USD").unwrap()
}

fn time(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339).unwrap().with_timezone(&Utc)
}

const CONTRACT_EXAMPLE: &str = r#"{"order_id":"ORD-1001","email":"alice@example.com","sku":"course-webdesign","product":"Web Design Course","amount":"49.00","currency":"USD","purchased_at":"2026-11-01T10:00:00Z","usage":{"progress_percent":12},"refunded":"0.00"}"#;

#[test]
fn a_good_jsonl_file_is_read_in_full() {
    let text = format!(
        "{CONTRACT_EXAMPLE}\n{}\n",
        r#"{"order_id":"ord-1002","email":" Bob@Example.COM ","sku":"ebook-go","product":"Go Book","amount":"1500","currency":"JPY","purchased_at":"2026-11-02T09:30:00+09:00","refunded":"500","charge_id":"ch_123","payment_intent_id":"pi_456"}"#
    );
    let orders = parse_jsonl(&text, "orders.jsonl").expect("the file is good");
    assert_eq!(orders.len(), 2);

    let alice = &orders[0];
    assert_eq!(alice.order_id.as_str(), "ORD-1001");
    assert_eq!(alice.email.as_str(), "alice@example.com");
    assert_eq!(alice.sku, "course-webdesign");
    assert_eq!(alice.product, "Web Design Course");
    assert_eq!(alice.amount, Money::from_minor(4900, usd()));
    assert_eq!(alice.refunded, Money::zero(usd()));
    assert_eq!(alice.purchased_at, time("2026-11-01T10:00:00Z"));
    assert_eq!(alice.usage_of("progress_percent"), 12.0);
    assert_eq!(alice.charge_id, None);
    assert_eq!(alice.payment_intent_id, None);

    let bob = &orders[1];
    let jpy = Currency::parse("JPY").unwrap();
    assert_eq!(bob.order_id.as_str(), "ORD-1002", "order ids are upper-cased");
    assert_eq!(bob.email.as_str(), "bob@example.com");
    assert_eq!(bob.amount, Money::from_minor(1500, jpy));
    assert_eq!(bob.refunded, Money::from_minor(500, jpy));
    assert_eq!(bob.unrefunded(), Money::from_minor(1000, jpy));
    assert_eq!(bob.purchased_at, time("2026-11-02T00:30:00Z"));
    assert!(bob.usage.is_empty(), "no usage is no use");
    assert_eq!(bob.charge_id.as_deref(), Some("ch_123"));
    assert_eq!(bob.payment_intent_id.as_deref(), Some("pi_456"));
}

#[test]
fn a_good_csv_file_with_usage_columns_and_empty_cells_is_read() {
    let text = "\
order_id,email,sku,product,amount,currency,purchased_at,usage.progress_percent,usage.downloads,refunded,charge_id
ORD-1001,alice@example.com,course-webdesign,Web Design Course,49.00,USD,2026-11-01T10:00:00Z,12,,0.00,ch_1
ORD-1002,bob@example.com,ebook-go,\"Go, the Book\",19.99,USD,2026-11-03T10:00:00Z,,2,,
ORD-1003,carol@example.com,course-photo,Photo Course,99.00,USD,2026-11-04T10:00:00Z,,,10.00,
";
    let orders = parse_csv(text, "orders.csv").expect("the file is good");
    assert_eq!(orders.len(), 3);

    assert_eq!(orders[0].order_id.as_str(), "ORD-1001");
    assert_eq!(orders[0].amount, Money::from_minor(4900, usd()));
    assert_eq!(orders[0].usage_of("progress_percent"), 12.0);
    assert!(!orders[0].usage.contains_key("downloads"), "an empty usage cell is absent, not 0: {:?}", orders[0].usage);
    assert_eq!(orders[0].charge_id.as_deref(), Some("ch_1"));
    assert_eq!(orders[0].purchased_at, time("2026-11-01T10:00:00Z"));

    assert_eq!(orders[1].product, "Go, the Book");
    assert_eq!(orders[1].amount, Money::from_minor(1999, usd()));
    assert_eq!(orders[1].usage_of("downloads"), 2.0);
    assert!(!orders[1].usage.contains_key("progress_percent"));
    assert_eq!(orders[1].refunded, Money::zero(usd()), "empty refunded is 0");
    assert_eq!(orders[1].charge_id, None, "empty charge_id is absent");

    assert!(orders[2].usage.is_empty());
    assert_eq!(orders[2].refunded, Money::from_minor(1000, usd()));
    assert_eq!(orders[2].unrefunded(), Money::from_minor(8900, usd()));
}

#[test]
fn a_bad_jsonl_row_is_reported_with_its_line_number() {
    let bad_amount = CONTRACT_EXAMPLE.replace("ORD-1001", "ORD-1003").replace(r#""49.00""#, r#""49.001""#);
    let text = format!("{CONTRACT_EXAMPLE}\n\n{bad_amount}\n{CONTRACT_EXAMPLE}\n");
    let err = parse_jsonl(&text, "orders.jsonl").expect_err("line 3 is bad");
    assert_eq!(err.line, 3, "{err}");
    assert_eq!(err.file, "orders.jsonl");
    assert!(err.message.contains("amount"), "{err}");
    assert!(err.to_string().contains("orders.jsonl line 3"), "{err}");

    let text = format!("{CONTRACT_EXAMPLE}\n{{\"order_id\": \"ORD-2\",\n");
    let err = parse_jsonl(&text, "orders.jsonl").expect_err("line 2 is not JSON");
    assert_eq!(err.line, 2, "{err}");

    let bad_time = CONTRACT_EXAMPLE.replace("2026-11-01T10:00:00Z", "yesterday");
    let err = parse_jsonl(&bad_time, "orders.jsonl").expect_err("a bad time");
    assert_eq!(err.line, 1, "{err}");
    assert!(err.message.contains("purchased_at"), "{err}");

    let unknown = CONTRACT_EXAMPLE.replace("\"sku\"", "\"colour\":\"red\",\"sku\"");
    let err = parse_jsonl(&unknown, "orders.jsonl").expect_err("an unknown field");
    assert_eq!(err.line, 1, "{err}");
    assert!(err.message.contains("colour"), "{err}");
}

#[test]
fn a_bad_csv_row_is_reported_with_its_line_number() {
    let header = "order_id,email,sku,product,amount,currency,purchased_at,usage.progress_percent";
    let good = "ORD-1,alice@example.com,course-a,Course A,49.00,USD,2026-11-01T10:00:00Z,5";
    let text = format!("{header}\n{good}\nORD-2,not-an-email,course-a,Course A,49.00,USD,2026-11-01T10:00:00Z,5\n");
    let err = parse_csv(&text, "orders.csv").expect_err("line 3 is bad");
    assert_eq!(err.line, 3, "{err}");
    assert!(err.message.contains("email"), "{err}");

    let text = format!(
        "{header}\n{good}\n{good}\nORD-3,carol@example.com,course-a,Course A,49.00,USD,2026-11-01T10:00:00Z,lots\n"
    );
    let err = parse_csv(&text, "orders.csv").expect_err("line 4 has a bad usage value");
    assert_eq!(err.line, 4, "{err}");
    assert!(err.message.contains("usage.progress_percent"), "{err}");

    let text = format!("{header}\n{good}\nORD-4,dave@example.com,course-a\n");
    let err = parse_csv(&text, "orders.csv").expect_err("line 3 is short");
    assert_eq!(err.line, 3, "{err}");
}

#[test]
fn refunded_more_than_the_amount_is_refused() {
    let over = CONTRACT_EXAMPLE.replace(r#""refunded":"0.00""#, r#""refunded":"49.01""#);
    let err = parse_jsonl(&over, "orders.jsonl").expect_err("refunded > amount");
    assert_eq!(err.line, 1, "{err}");
    assert!(err.message.contains("refunded"), "{err}");

    // All of it refunded is fine.
    let all = CONTRACT_EXAMPLE.replace(r#""refunded":"0.00""#, r#""refunded":"49.00""#);
    let orders = parse_jsonl(&all, "orders.jsonl").expect("refunded == amount is allowed");
    assert!(orders[0].unrefunded().is_zero());

    let text = "order_id,email,sku,product,amount,currency,purchased_at,refunded
ORD-1,alice@example.com,course-a,Course A,49.00,USD,2026-11-01T10:00:00Z,10.00
ORD-2,bob@example.com,course-a,Course A,49.00,USD,2026-11-01T10:00:00Z,50.00
";
    let err = parse_csv(text, "orders.csv").expect_err("refunded > amount");
    assert_eq!(err.line, 3, "{err}");
    assert!(err.message.contains("refunded"), "{err}");
}

#[test]
fn blank_lines_are_skipped() {
    let second = CONTRACT_EXAMPLE.replace("ORD-1001", "ORD-1002");
    let text = format!("\n{CONTRACT_EXAMPLE}\n   \n\t\n\n{second}\n\n");
    let orders = parse_jsonl(&text, "orders.jsonl").expect("blank lines are fine");
    let ids: Vec<&str> = orders.iter().map(|o| o.order_id.as_str()).collect();
    assert_eq!(ids, ["ORD-1001", "ORD-1002"]);

    assert!(parse_jsonl("\n\n  \n", "empty.jsonl").unwrap().is_empty());

    let text = "order_id,email,sku,product,amount,currency,purchased_at

ORD-1,alice@example.com,course-a,Course A,49.00,USD,2026-11-01T10:00:00Z

ORD-2,bob@example.com,course-a,Course A,49.00,USD,2026-11-01T10:00:00Z
";
    let orders = parse_csv(text, "orders.csv").expect("blank csv lines are fine");
    assert_eq!(orders.len(), 2);
}
