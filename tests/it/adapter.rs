//! The JSON-lines contract itself: `done` per line, `error` for what cannot be read, ids.

use crate::support::*;
use serde_json::json;

#[test]
fn every_line_gets_done_or_error_and_the_adapter_goes_on() {
    let fixture = Fixture::new();
    let mut bot = fixture.start();
    let out = bot.raw("{not json");
    assert_eq!(out.last().unwrap()["kind"], "error");
    assert_eq!(out.last().unwrap()["seq"], 1);
    let out = bot.raw(r#"{"kind":"teleport","user":"x"}"#);
    assert_eq!(out.last().unwrap()["kind"], "error");
    assert!(out.last().unwrap()["error"].as_str().unwrap().contains("teleport"));
    let out = bot.raw("");
    assert_eq!(out.last().unwrap()["kind"], "error");
    let out = bot.raw(r#"{"kind":"message","user":"cust-1","text":"hi"}"#);
    assert_eq!(out.last().unwrap(), &json!({"kind": "done", "seq": 4}));
    let send = &out[0];
    assert_eq!(send["to"], "dm:cust-1");
    assert!(send["id"].as_str().unwrap().starts_with("m-"));
    assert_eq!(send["mentions"], json!([]));
    bot.stop();
}

#[test]
fn message_and_button_ids_stay_unique_across_restarts() {
    let fixture = Fixture::new();
    let mut bot = fixture.start();
    bot.say("cust-1", "hello");
    let first = bot.say("cust-1", "ORD-1001 alice@example.com");
    bot.stop();
    let mut bot = fixture.start();
    let second = bot.say("cust-2", "hello");
    let a = id(one_to(&first, "dm:cust-1"));
    let b = id(one_to(&second, "dm:cust-2"));
    assert_ne!(a, b);
    let number = |s: &str| s.trim_start_matches("m-").parse::<i64>().unwrap();
    assert!(number(&b) > number(&a));
}
