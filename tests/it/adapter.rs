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

/// Out-of-range input gets an `error` line naming what is wrong, changes nothing, and the
/// adapter goes on: no panic, whatever the line holds.
#[test]
fn absurd_ticks_and_bad_user_ids_are_refused_without_a_crash() {
    let fixture = Fixture::new();
    let mut bot = fixture.start();
    let huge = format!("{}", u64::MAX);
    for (line, says) in [
        (r#"{"kind":"tick","advance_secs":1000000000000000000}"#.to_string(), "advance_secs"),
        (format!(r#"{{"kind":"tick","advance_secs":{huge}}}"#), "advance_secs"),
        (r#"{"kind":"message","user":"","text":"hi"}"#.to_string(), "empty"),
        (r#"{"kind":"message","user":"   ","text":"hi"}"#.to_string(), "empty"),
        (format!(r#"{{"kind":"message","user":"{}","text":"hi"}}"#, "u".repeat(10_000)), "longer than"),
        (r#"{"kind":"click","user":"cust\u0007","button":"b-1"}"#.to_string(), "control character"),
        (r#"{"kind":"message","user":"discord:123","text":"hi"}"#.to_string(), "prefix"),
    ] {
        let out = bot.raw(&line);
        assert_eq!(out.len(), 1, "{line}: {out:#?}");
        assert_eq!(out[0]["kind"], "error", "{line}: {out:#?}");
        assert!(out[0]["error"].as_str().unwrap().contains(says), "{line}: {out:#?}");
    }
    // The clock can still move by a sane amount, and nothing was opened.
    bot.tick(3600);
    bot.stop();
    assert!(fixture.cases().is_empty());
}
