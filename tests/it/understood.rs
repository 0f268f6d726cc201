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

crate::on_both_backends! {
    fn a_question_is_answered_without_opening_a_case(fixture: &Fixture) {
        let mut bot = fixture.local();
        let out = bot.say("cust-1", "What is your refund policy?");
        let answer = one_to(&out, "dm:cust-1").clone();
        assert!(answer["text"].as_str().unwrap().contains("30 days"), "the policy's window: {answer}");
        let actions: Vec<&str> = answer["buttons"].as_array().unwrap().iter().map(|b| b["action"].as_str().unwrap()).collect();
        assert_eq!(actions, ["new_request", "answered"]);
        let out = bot.click("cust-1", &button(&answer, "answered"));
        assert!(one_to(&out, "dm:cust-1")["text"].as_str().unwrap().contains("Glad"), "{out:#?}");
        let out = bot.say("cust-1", "¿Cuánto tarda el reembolso?");
        let answer = one_to(&out, "dm:cust-1").clone();
        assert!(answer["text"].as_str().unwrap().contains("días hábiles"), "answered in Spanish: {answer}");
        assert_eq!(answer["buttons"][0]["label"], "Solicitar un reembolso");
        bot.stop();
        assert!(fixture.cases().is_empty(), "no case for questions");
        let mut bot = fixture.local();
        let out = bot.click("cust-1", &button(&answer, "new_request"));
        assert_eq!(one_to(&out, "dm:cust-1")["expects"], "order_id", "a request starts: {out:#?}");
        bot.stop();
        assert_eq!(fixture.cases().len(), 1);
    }

    fn a_policy_question_is_answered_with_the_rules_of_the_customer_s_product(fixture: &Fixture) {
        let mut bot = fixture.local();
        // Carol's ebook is under the ebooks' 14-day window, not the default 30 days.
        bot.say("cust-1", "hello");
        let out = bot.say("cust-1", "ORD-1003 carol@example.com");
        let ask = one_to(&out, "dm:cust-1").clone();
        bot.click("cust-1", &button(&ask, "cancel"));
        let out = bot.say("cust-1", "can I get a refund after 30 days?");
        let text = one_to(&out, "dm:cust-1")["text"].as_str().unwrap().to_string();
        assert!(text.contains("Rust for Sellers (ebook)") && text.contains("14 days"), "{text}");
        // Someone whose product is not known hears the default rules.
        let out = bot.say("cust-2", "can I get a refund after 30 days?");
        let text = one_to(&out, "dm:cust-2")["text"].as_str().unwrap().to_string();
        assert!(text.contains("our products") && text.contains("30 days"), "{text}");
        bot.stop();
    }

    fn the_first_message_s_reason_is_confirmed_and_kept_as_the_details(fixture: &Fixture) {
        let mut bot = fixture.local();
        let first = "I was charged twice for the web design course, order ORD-1001, alice@example.com";
        let out = bot.say("cust-1", first);
        let confirm = sends_to(&out, "dm:cust-1").last().cloned().unwrap().clone();
        assert!(confirm["text"].as_str().unwrap().contains("I was charged twice"), "{confirm}");
        assert_eq!(confirm["buttons"][0]["action"], "reason:duplicate_purchase");
        let out = bot.click("cust-1", &button(&confirm, "reason:duplicate_purchase"));
        let ask = one_to(&out, "dm:cust-1").clone();
        assert!(ask.get("expects").is_none(), "the details are not asked again: {ask}");
        let out = bot.click("cust-1", &button(&ask, "resolution:refund"));
        let summary = one_to(&out, "dm:cust-1");
        assert!(summary["text"].as_str().unwrap().contains("web design course, order ORD-1001"), "{summary}");
        bot.stop();

        // Said before the order is known: confirmed once it is, also with a typed yes.
        let mut bot = fixture.local();
        bot.say("cust-2", "Hi, I bought the ebook by accident yesterday, my kid pressed buy on my phone");
        let out = bot.say("cust-2", "ORD-1003 carol@example.com");
        let confirm = one_to(&out, "dm:cust-2");
        assert_eq!(confirm["buttons"][0]["action"], "reason:accidental_purchase", "{confirm}");
        let out = bot.say("cust-2", "yes");
        assert!(one_to(&out, "dm:cust-2").get("expects").is_none(), "{out:#?}");
        bot.stop();
    }

    fn a_refunded_customer_asking_where_the_money_is_gets_date_amount_and_method(fixture: &Fixture) {
        let mut bot = fixture.local();
        let draft = request(&mut bot, "cust-1", "ORD-1001", "alice@example.com", "accidental_purchase", "refund");
        let out = bot.click("agent-1", &button(&draft, "approve"));
        let mark = out.iter().find(|v| v["kind"] == "send" && v["to"] != "dm:cust-1").unwrap().clone();
        bot.click("agent-1", &button(&mark, "mark_refunded"));
        let out = bot.say("cust-1", "Where is my refund? I still don't see it");
        let text = one_to(&out, "dm:cust-1")["text"].as_str().unwrap().to_string();
        assert!(text.contains("$49.00") && text.contains("2026-11-23") && text.contains("original payment method"), "{text}");
        bot.stop();
    }
}

#[test]
fn the_seller_s_knowledge_base_answers_in_the_bot_and_in_understand() {
    let fixture = Fixture::new();
    std::fs::create_dir_all(fixture.path().join("kb")).unwrap();
    let faq = "# Do you sell gift cards?\nkeywords: gift card, giftcard\nYes: in the shop, under Gifts.\n";
    std::fs::write(fixture.path().join("kb/faq.md"), faq).unwrap();
    let mut bot = fixture.local();
    let out = bot.say("cust-1", "hi, can I buy a gift card for my brother?");
    let answer = one_to(&out, "dm:cust-1");
    assert!(answer["text"].as_str().unwrap().contains("under Gifts"), "{answer}");
    bot.stop();
    assert!(fixture.cases().is_empty());
    std::fs::write(fixture.path().join("asks.txt"), "can I buy a gift card?\nhow long does a refund take?\n").unwrap();
    let out = fixture.cli(&["understand", "asks.txt"]);
    let lines: Vec<serde_json::Value> =
        String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(lines[0]["question"].as_str().unwrap().contains("under Gifts"), "{}", lines[0]);
    assert!(lines[1]["question"].as_str().unwrap().contains("business days"), "{}", lines[1]);
}

#[test]
fn understand_says_when_the_language_is_the_seller_s_default() {
    let fixture = Fixture::with_config("locale = \"es\"\n");
    let asks = "ORD-1001 alice@example.com\nme cobraron dos veces el curso\nI was charged twice for the course, please refund it\n";
    std::fs::write(fixture.path().join("asks.txt"), asks).unwrap();
    let out = fixture.cli(&["understand", "asks.txt"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<serde_json::Value> =
        String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let language = |line: &serde_json::Value| (line["language"].clone(), line["language_source"].clone());
    // Only an order id and an email: no words tell, so the seller's `locale` is assumed, and said.
    assert_eq!(language(&lines[0]), (json!("es"), json!("default")), "{}", lines[0]);
    assert_eq!(language(&lines[1]), (json!("es"), json!("text")), "{}", lines[1]);
    assert_eq!(language(&lines[2]), (json!("en"), json!("text")), "{}", lines[2]);
}
