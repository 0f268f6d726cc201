//! The customer conversation: every wrong answer gets a helpful reply, and nothing loops.

use crate::support::*;
use serde_json::json;

#[test]
fn one_message_answers_both_questions() {
    let fixture = Fixture::new();
    let mut bot = fixture.local();
    let out = bot.say("cust-1", "Hi, refund for ORD-1001 please, alice@example.com");
    let sends = sends_to(&out, "dm:cust-1");
    assert_eq!(sends.len(), 2, "greeting then the reason question: {out:#?}");
    assert!(sends[1]["buttons"].as_array().unwrap().iter().any(|b| b["action"] == "reason:technical_issue"));
    assert!(sends[1]["buttons"].as_array().unwrap().iter().any(|b| b["action"] == "cancel"));
}

#[test]
fn order_id_then_email_in_two_messages() {
    let fixture = Fixture::new();
    let mut bot = fixture.local();
    bot.say("cust-1", "hello");
    let out = bot.say("cust-1", "it's ORD-1001");
    assert_eq!(one_to(&out, "dm:cust-1")["expects"], "email");
    let out = bot.say("cust-1", "alice@example.com");
    assert!(one_to(&out, "dm:cust-1")["buttons"].as_array().unwrap().len() > 2);
}

#[test]
fn a_wrong_pair_reads_like_an_unknown_order_and_three_hand_over() {
    let fixture = Fixture::new();
    let mut bot = fixture.local();
    bot.say("cust-1", "hello");
    // Right order, wrong email; then an order that does not exist: the same answer.
    let wrong_email = bot.say("cust-1", "ORD-1001 mallory@example.com");
    let unknown = bot.say("cust-1", "ORD-9999 alice@example.com");
    let first = one_to(&wrong_email, "dm:cust-1")["text"].as_str().unwrap().to_string();
    let second = one_to(&unknown, "dm:cust-1")["text"].as_str().unwrap().to_string();
    assert!(!first.contains("mallory") && !first.contains("ORD-1001"));
    assert_eq!(one_to(&wrong_email, "dm:cust-1")["expects"], "order_id");
    assert_ne!(first, "", "{second}");
    let out = bot.say("cust-1", "ORD-1002 alice@example.com");
    assert_eq!(to_agents(&out).len(), 1, "handed to a person: {out:#?}");
    assert!(sends_to(&out, "dm:cust-1")[0].get("expects").is_none(), "no more questions");
    bot.stop();
    let case = &fixture.cases()[0];
    assert_eq!(case["state"], "awaiting_agent");
}

#[test]
fn unclear_reason_is_asked_once_more_then_taken_as_the_explanation() {
    let fixture = Fixture::new();
    let mut bot = fixture.local();
    bot.say("cust-1", "hello");
    bot.say("cust-1", "ORD-1001 alice@example.com");
    let out = bot.say("cust-1", "banana");
    assert!(!one_to(&out, "dm:cust-1")["buttons"].as_array().unwrap().is_empty(), "buttons offered again");
    let out = bot.say("cust-1", "well it's complicated");
    let ask = one_to(&out, "dm:cust-1");
    assert!(ask["buttons"].as_array().unwrap().iter().any(|b| b["action"] == "resolution:refund"), "moved on: {ask}");
}

#[test]
fn typed_reason_is_understood() {
    let fixture = Fixture::new();
    let mut bot = fixture.local();
    bot.say("cust-1", "hello");
    bot.say("cust-1", "ORD-1001 alice@example.com");
    let out = bot.say("cust-1", "the videos don't play, it's broken");
    assert_eq!(one_to(&out, "dm:cust-1")["expects"], "details");
    let out = bot.say("cust-1", "Video 3 never loads on Firefox");
    let offer = one_to(&out, "dm:cust-1");
    assert!(
        offer["buttons"].as_array().unwrap().iter().any(|b| b["action"] == "resolution:support"),
        "support offered first"
    );
    let out = bot.click("cust-1", &button(offer, "resolution:support"));
    let request = one_to_agents(&out);
    assert_eq!(request["mentions"], serde_json::json!(["role:agents"]), "agents pinged once: {request}");
    bot.stop();
    // Support chosen: the conversation is live with people until an agent closes it.
    let case = &fixture.cases()[0];
    assert_eq!(case["state"], "awaiting_agent");
    assert_eq!(case["outcome"], "open");
}

#[test]
fn cancel_and_start_over_work_at_every_step() {
    let fixture = Fixture::new();
    let mut bot = fixture.local();
    bot.say("cust-1", "hello");
    let out = bot.say("cust-1", "ORD-1001 alice@example.com");
    let ask = one_to(&out, "dm:cust-1").clone();
    let out = bot.say("cust-1", "start over");
    assert_eq!(one_to(&out, "dm:cust-1")["expects"], "order_id");
    // The old question's buttons are no longer live.
    let out = bot.click("cust-1", &button(&ask, "reason:changed_mind"));
    assert!(one_to(&out, "dm:cust-1").get("expects").is_none());
    let out = bot.say("cust-1", "ORD-1001 alice@example.com");
    let ask = one_to(&out, "dm:cust-1").clone();
    bot.click("cust-1", &button(&ask, "cancel"));
    bot.stop();
    let cases = fixture.cases();
    assert_eq!(cases[0]["outcome"], "cancelled");
    // A new message afterwards opens a new case.
    let mut bot = fixture.local();
    bot.say("cust-1", "hi again");
    bot.stop();
    assert_eq!(fixture.cases().len(), 2);
}

#[test]
fn abusive_language_gets_a_boundary_and_the_third_strike_closes() {
    let fixture = Fixture::new();
    let mut bot = fixture.local();
    bot.say("cust-1", "hello");
    for strike in 1..=3 {
        let out = bot.say("cust-1", "you useless idiots");
        assert_eq!(sends_to(&out, "dm:cust-1").len(), 1, "strike {strike}: {out:#?}");
        if strike == 3 {
            assert_eq!(to_agents(&out).len(), 1);
        }
    }
    bot.stop();
    let case = fixture.case(1);
    assert_eq!(case["outcome"], "cancelled");
    assert_eq!(case["flags"], json!(["abusive"]));
}

#[test]
fn chargeback_talk_is_flagged_and_shown_to_agents_first() {
    let fixture = Fixture::new();
    let mut bot = fixture.local();
    bot.say("cust-1", "hello");
    bot.say("cust-1", "ORD-1001 alice@example.com");
    let out = bot.say("cust-1", "refund me or I'll file a chargeback with my bank");
    assert_eq!(to_agents(&out).len(), 1, "agents alerted at once");
    bot.stop();
    assert_eq!(fixture.case(1)["flags"], json!(["chargeback_risk"]));
}

#[test]
fn idle_intake_closes() {
    let fixture = Fixture::new();
    let mut bot = fixture.local();
    bot.say("cust-1", "hello");
    assert!(sends_to(&bot.tick(23 * 3600), "dm:cust-1").is_empty());
    assert_eq!(sends_to(&bot.tick(3600), "dm:cust-1").len(), 1);
    bot.stop();
    assert_eq!(fixture.case(1)["outcome"], "cancelled");
}

#[test]
fn a_proven_email_offers_a_choice_of_its_orders() {
    let fixture = Fixture::new();
    let mut bot = fixture.local();
    bot.say("cust-1", "hello");
    let out = bot.say("cust-1", "ORD-1001 alice@example.com");
    let ask = one_to(&out, "dm:cust-1").clone();
    bot.click("cust-1", &button(&ask, "cancel"));
    bot.say("cust-1", "hello again");
    let out = bot.say("cust-1", "it was alice@example.com");
    let choice = one_to(&out, "dm:cust-1").clone();
    let out = bot.click("cust-1", &button(&choice, "order:ORD-1005"));
    assert!(one_to(&out, "dm:cust-1")["buttons"].as_array().unwrap().iter().any(|b| b["action"] == "reason:other"));
    // Someone who never proved that email only gets asked for the order id.
    bot.say("cust-2", "hello");
    let out = bot.say("cust-2", "alice@example.com");
    assert_eq!(one_to(&out, "dm:cust-2")["expects"], "order_id");
}

#[test]
fn repeating_only_the_order_id_is_explained_then_handed_to_a_person() {
    let fixture = Fixture::new();
    let mut bot = fixture.local();
    bot.say("cust-1", "hello");
    let asked = bot.say("cust-1", "ORD-1001");
    let question = one_to(&asked, "dm:cust-1")["text"].as_str().unwrap().to_string();
    // Once more: the same question, asked again once.
    let again = bot.say("cust-1", "ORD-1001");
    assert_eq!(one_to(&again, "dm:cust-1")["text"], question.as_str());
    // The second miss changes tack: what is missing, why, and that a person can take over.
    let explained = bot.say("cust-1", "#ORD-1001");
    let text = one_to(&explained, "dm:cust-1")["text"].as_str().unwrap().to_string();
    assert_ne!(text, question);
    assert!(text.contains("email address") && text.contains("ORD-1001") && text.contains("only the buyer"), "{text}");
    assert!(text.contains("a person from our team"), "{text}");
    assert!(to_agents(&explained).is_empty(), "not handed over yet: {explained:#?}");
    let handed = bot.say("cust-1", "ORD-1001");
    assert_eq!(to_agents(&handed).len(), 1, "a person takes over: {handed:#?}");
    assert!(to_agents(&handed)[0]["text"].as_str().unwrap().contains("without the other one"));
    bot.stop();
    assert_eq!(fixture.case(1)["state"], "awaiting_agent");
}

#[test]
fn the_email_after_the_explanation_still_proves_the_order() {
    let fixture = Fixture::new();
    let mut bot = fixture.local();
    bot.say("cust-1", "hello");
    for _ in 0..3 {
        bot.say("cust-1", "ORD-1001");
    }
    let out = bot.say("cust-1", "oh, alice@example.com");
    assert!(to_agents(&out).is_empty(), "{out:#?}");
    assert!(one_to(&out, "dm:cust-1")["buttons"].as_array().unwrap().iter().any(|b| b["action"] == "reason:other"));
}

#[test]
fn naming_two_orders_asks_which_one_with_a_button_for_each() {
    let fixture = Fixture::new();
    let mut bot = fixture.local();
    let out = bot.say("cust-1", "Please refund ORD-1001 and ORD-1005, alice@example.com");
    let which = sends_to(&out, "dm:cust-1").last().cloned().unwrap().clone();
    let text = which["text"].as_str().unwrap();
    assert!(text.contains("ORD-1001, ORD-1005") && text.contains("which one"), "{text}");
    let actions: Vec<&str> =
        which["buttons"].as_array().unwrap().iter().map(|b| b["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["order:ORD-1001", "order:ORD-1005", "cancel"]);
    let out = bot.click("cust-1", &button(&which, "order:ORD-1005"));
    let ask = one_to(&out, "dm:cust-1");
    assert!(ask["text"].as_str().unwrap().contains("Notion Template Pack"), "the picked order, proven: {ask}");
    bot.stop();
    assert_eq!(fixture.case(1)["order_id"], "ORD-1005");
}
