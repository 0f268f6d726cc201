//! The engine acting on what it read: a legal threat flagged and shown to agents, "my order
//! ends with …" proving an order with its email, the seller's own order pattern, and an unsure
//! reason offered with the likeliest first.

use crate::support::*;
use serde_json::json;

crate::on_both_backends! {
    fn a_legal_threat_is_flagged_once_and_shown_to_agents(fixture: &Fixture) {
        let mut bot = fixture.local();
        bot.say("cust-1", "hello");
        let out = bot.say("cust-1", "ORD-1001 alice@example.com. My lawyer will hear about this.");
        let alerts = sends_to(&out, "channel:agents");
        assert_eq!(alerts.len(), 1, "agents alerted: {out:#?}");
        assert!(alerts[0]["text"].as_str().unwrap().contains("legal"), "{}", alerts[0]["text"]);
        assert_eq!(sends_to(&out, "dm:cust-1").len(), 1, "and the conversation goes on");
        let out = bot.say("cust-1", "I said my attorney will sue");
        assert!(sends_to(&out, "channel:agents").is_empty(), "once per case");
        bot.stop();
        assert_eq!(fixture.case(1)["flags"], json!(["legal_threat"]));
    }

    fn the_end_of_an_order_id_with_its_email_proves_the_order(fixture: &Fixture) {
        let mut bot = fixture.local();
        bot.say("cust-1", "hello");
        let out = bot.say("cust-1", "my order ends with 002, I bought it with bob@example.com");
        let ask = one_to(&out, "dm:cust-1");
        assert!(ask["buttons"].as_array().unwrap().iter().any(|b| b["action"] == "reason:technical_issue"), "{ask}");
        bot.stop();
        assert_eq!(fixture.case(1)["order_id"], "ORD-1002");
        let mut bot = fixture.local();
        bot.say("cust-2", "hello");
        let out = bot.say("cust-2", "it ends in 99, alice@example.com");
        assert_eq!(one_to(&out, "dm:cust-2")["expects"], "order_id", "no order ends so: asked again");
        bot.stop();
    }
}

#[test]
fn the_seller_s_own_order_pattern_is_read() {
    let fixture = Fixture::with_config("[intake]\norder_patterns = ['\\bref (\\d{4}-\\d{2})\\b']\n");
    let orders = "{\"order_id\":\"7788-01\",\"email\":\"zoe@example.com\",\"sku\":\"course-webdesign\",\"product\":\"Web Design Course\",\"amount\":\"49.00\",\"currency\":\"USD\",\"purchased_at\":\"2026-11-20T10:00:00Z\"}\n";
    std::fs::write(fixture.path().join("more.jsonl"), orders).unwrap();
    assert!(fixture.cli(&["orders", "import", "more.jsonl"]).status.success());
    let mut bot = fixture.local();
    bot.say("cust-1", "hello");
    let out = bot.say("cust-1", "it was ref 7788-01 on zoe@example.com, thanks a lot for checking");
    assert!(one_to(&out, "dm:cust-1")["text"].as_str().unwrap().contains("Web Design Course"), "{out:#?}");
    bot.stop();
}

#[test]
fn an_unsure_reason_is_asked_with_the_likeliest_first() {
    let fixture = Fixture::new();
    let mut bot = fixture.local();
    bot.say("cust-1", "hello");
    bot.say("cust-1", "ORD-1001 alice@example.com");
    let out = bot.say("cust-1", "the quality, I guess");
    let ask = one_to(&out, "dm:cust-1");
    assert_eq!(ask["buttons"][0]["action"], "reason:not_as_described", "{ask}");
    let out = bot.say("cust-1", "the quality, I guess");
    assert_eq!(one_to(&out, "dm:cust-1")["expects"], "details", "taken the second time");
    bot.stop();
}
