//! Approved refunds sent to Stripe: full, partial, replayed after a crash, retried, refused.

use super::*;
use std::process::{Command, Stdio};

crate::on_both_backends! {
    fn full_refund_through_stripe(fixture: &Fixture) {
        let (mock, charge) = setup(fixture, "ORD-1001", 4900, "tok_visa");
        let mut bot = fixture.start_env(CLOCK, &[KEY]);
        // The refund is due the moment it is approved: done before the approval's `done`.
        let (case, out) = alice_approved(&mut bot);
        assert!(issued(&out, "dm:cust-1"), "{out:#?}");
        assert!(texts(&out, "dm:cust-1").contains("$49.00"), "{out:#?}");
        let shown = fixture.case(case);
        assert_eq!(shown["outcome"], "refunded");
        assert_eq!(shown["state"], "awaiting_feedback");
        assert_eq!(shown["refunds"][0]["status"], "succeeded");
        let refunds = mock.refunds(&charge);
        assert_eq!(refunds.len(), 1);
        assert_eq!(refunds[0]["amount"], 4900);
        assert_eq!(refunds[0]["metadata"]["case_id"], case.to_string());
        assert_eq!(shown["refunds"][0]["processor_refund_id"], refunds[0]["id"]);

        // The job is done: later ticks call nothing; the follow-up comes after 3 days.
        assert!(sends_to(&bot.tick(3600), "dm:cust-1").is_empty());
        assert_eq!(mock.refunds(&charge).len(), 1);
        assert_eq!(sends_to(&bot.tick(3 * 86400), "dm:cust-1").len(), 1);
        bot.stop();
    }

    fn partial_refund_through_stripe(fixture: &Fixture) {
        let (mock, charge) = setup(fixture, "ORD-1002", 4900, "tok_visa");
        let mut bot = fixture.start_env(CLOCK, &[KEY]);
        let draft = request(&mut bot, "cust-2", "ORD-1002", "bob@example.com", "changed_mind", "refund");
        let out = approve(&mut bot, &draft, "cust-2");
        assert!(issued(&out, "dm:cust-2"), "{out:#?}");
        assert!(texts(&out, "dm:cust-2").contains("$24.50"), "{out:#?}");
        bot.stop();
        let shown = fixture.case(case_id(&draft));
        assert_eq!(shown["outcome"], "partially_refunded");
        let refunds = mock.refunds(&charge);
        assert_eq!(refunds.len(), 1);
        assert_eq!(refunds[0]["amount"], 2450);
    }

    fn a_call_lost_in_a_crash_is_replayed_with_the_same_key(fixture: &Fixture) {
        let (mock, charge) = setup(fixture, "ORD-1001", 4900, "tok_visa");
        let mut bot = fixture.start_env(CLOCK, &[KEY]);
        let draft = alice(&mut bot);
        let case = case_id(&draft);
        // Stripe is down when the agent approves, so the refund stays pending; then the bot
        // crashes. The crashed process's call reached Stripe, its answer was lost.
        use_stripe_unreachable(fixture);
        bot.kill();
        let mut bot = fixture.start_env(CLOCK, &[KEY]);
        assert!(!issued(&approve(&mut bot, &draft, "cust-1"), "dm:cust-1"));
        bot.kill();
        use_stripe(fixture, &mock.base);
        // The crashed process's call reached Stripe, its answer was lost.
        let shown = fixture.case(case);
        let key = shown["refunds"][0]["idempotency_key"].as_str().unwrap().to_string();
        let case_text = case.to_string();
        let form = [("charge", charge.as_str()), ("amount", "4900"), ("metadata[case_id]", &case_text)];
        let (status, first) = mock.call("POST", "/v1/refunds", &form, Some(&key));
        assert_eq!(status, 200, "{first}");

        let mut bot = fixture.start_env(CLOCK, &[KEY]);
        let out = bot.tick(300);
        assert!(issued(&out, "dm:cust-1"), "{out:#?}");
        bot.stop();
        let refunds = mock.refunds(&charge);
        assert_eq!(refunds.len(), 1, "{refunds:#?}");
        let shown = fixture.case(case);
        assert_eq!(shown["outcome"], "refunded");
        assert_eq!(shown["refunds"][0]["processor_refund_id"], first["id"]);
    }

    fn stripe_unreachable_keeps_it_pending_then_retries_the_same_key(fixture: &Fixture) {
        // Nothing listens there: no answer, as after a timeout.
        let (mock, charge) = setup_unreachable(fixture);
        let mut bot = fixture.start_env(CLOCK, &[KEY]);
        let (case, out) = alice_approved(&mut bot);
        assert!(!issued(&out, "dm:cust-1"), "{out:#?}");
        bot.stop();
        let shown = fixture.case(case);
        assert_eq!(shown["refunds"][0]["status"], "pending");
        assert!(shown["refunds"][0]["last_error"].is_string());
        assert!(kinds(&shown).contains(&"refund_retry".to_string()));
        let key = shown["refunds"][0]["idempotency_key"].clone();

        use_stripe(fixture, &mock.base);
        let mut bot = fixture.start_env(CLOCK, &[KEY]);
        assert!(sends_to(&bot.tick(60), "dm:cust-1").is_empty(), "not before the retry time");
        let out = bot.tick(300);
        assert!(texts(&out, "dm:cust-1").contains("$49.00"), "{out:#?}");
        bot.stop();
        let shown = fixture.case(case);
        assert_eq!(shown["outcome"], "refunded");
        assert_eq!(shown["refunds"][0]["idempotency_key"], key);
        assert_eq!(mock.refunds(&charge).len(), 1);
    }

    fn a_500_before_stripe_acted_is_retried_with_the_same_key(fixture: &Fixture) {
        let (mock, charge, proxy) = setup_behind_proxy(fixture, &[Fault::FailBefore]);
        let mut bot = fixture.start_env(CLOCK, &[KEY]);
        let (case, out) = alice_approved(&mut bot);
        assert!(!issued(&out, "dm:cust-1"), "not issued after a 500");
        assert!(mock.refunds(&charge).is_empty());
        let out = bot.tick(300);
        assert!(texts(&out, "dm:cust-1").contains("$49.00"), "{out:#?}");
        bot.stop();
        let keys = proxy.refund_keys();
        assert_eq!(keys.len(), 2, "{keys:?}");
        assert!(keys[0].is_some() && keys[0] == keys[1], "the retry sends the same key: {keys:?}");
        assert_eq!(mock.refunds(&charge).len(), 1);
        let shown = fixture.case(case);
        assert_eq!(shown["outcome"], "refunded");
        assert!(kinds(&shown).contains(&"refund_retry".to_string()));
    }

    fn a_500_after_stripe_acted_is_reconciled_not_repeated(fixture: &Fixture) {
        let (mock, charge, proxy) = setup_behind_proxy(fixture, &[Fault::FailAfter]);
        let mut bot = fixture.start_env(CLOCK, &[KEY]);
        let (case, out) = alice_approved(&mut bot);
        assert!(!issued(&out, "dm:cust-1"), "the answer was lost");
        let made = mock.refunds(&charge);
        assert_eq!(made.len(), 1, "Stripe did refund");
        let out = bot.tick(300);
        assert!(texts(&out, "dm:cust-1").contains("$49.00"), "{out:#?}");
        bot.stop();
        assert_eq!(proxy.refund_keys().len(), 1, "found by listing the charge's refunds, not created again");
        assert!(proxy.seen().iter().any(|s| s.method == "GET" && s.path == "/v1/refunds"));
        assert_eq!(mock.refunds(&charge).len(), 1);
        let shown = fixture.case(case);
        assert_eq!(shown["outcome"], "refunded");
        assert_eq!(shown["refunds"][0]["processor_refund_id"], made[0]["id"]);
    }

    fn a_pending_refund_is_issued_only_once_stripe_says_succeeded(fixture: &Fixture) {
        let (mock, charge, proxy) = setup_behind_proxy(fixture, &[Fault::ReportPending]);
        let mut bot = fixture.start_env(CLOCK, &[KEY]);
        let (case, out) = alice_approved(&mut bot);
        assert!(!issued(&out, "dm:cust-1"), "pending is not issued");
        let shown = fixture.case(case);
        let refund_id = mock.refunds(&charge)[0]["id"].as_str().unwrap().to_string();
        assert_eq!(shown["refunds"][0]["status"], "pending");
        assert_eq!(shown["refunds"][0]["processor_refund_id"], refund_id.as_str());
        assert_eq!(shown["state"], "awaiting_refund");
        assert!(kinds(&shown).contains(&"refund_pending".to_string()));
        assert!(sends_to(&bot.tick(1800), "dm:cust-1").is_empty());

        // An hour after the first answer the recheck asks where the refund stands (the mock:
        // succeeded). Ticks advance the clock.
        let out = bot.tick(1800);
        assert!(texts(&out, "dm:cust-1").contains("$49.00"), "{out:#?}");
        assert!(proxy.seen().iter().any(|s| s.method == "GET" && s.path == format!("/v1/refunds/{refund_id}")));
        // The feedback question counts from the day it succeeded.
        assert!(sends_to(&bot.tick(3 * 86400 - 60), "dm:cust-1").is_empty());
        assert_eq!(sends_to(&bot.tick(60), "dm:cust-1").len(), 1);
        bot.stop();
        assert_eq!(proxy.refund_keys().len(), 1);
        let shown = fixture.case(case);
        assert_eq!(shown["refunds"][0]["status"], "succeeded");
        assert_eq!(shown["outcome"], "refunded");
    }

    fn a_retry_after_the_key_expired_finds_the_refund_by_its_case(fixture: &Fixture) {
        let (mock, charge) = setup_unreachable(fixture);
        let mut bot = fixture.start_env(CLOCK, &[KEY]);
        let (case, out) = alice_approved(&mut bot);
        assert!(!issued(&out, "dm:cust-1"));
        bot.stop();
        // The unclear attempt did reach Stripe, and Stripe has since forgotten the key
        // (24 hours): a replay with our key would refund twice.
        let case_text = case.to_string();
        let form = [("charge", charge.as_str()), ("amount", "4900"), ("metadata[case_id]", &case_text)];
        let (status, made) = mock.call("POST", "/v1/refunds", &form, Some("another-key"));
        assert_eq!(status, 200, "{made}");

        use_stripe(fixture, &mock.base);
        let mut bot = fixture.start_env(CLOCK, &[KEY]);
        let out = bot.tick(300);
        assert!(texts(&out, "dm:cust-1").contains("$49.00"), "{out:#?}");
        bot.stop();
        assert_eq!(mock.refunds(&charge).len(), 1);
        let shown = fixture.case(case);
        assert_eq!(shown["outcome"], "refunded");
        assert_eq!(shown["refunds"][0]["processor_refund_id"], made["id"]);
    }

    fn over_refund_is_refused_before_the_call(fixture: &Fixture) {
        let (mock, charge) = setup(fixture, "ORD-1001", 4900, "tok_visa");
        let mut bot = fixture.start_env(CLOCK, &[KEY]);
        let draft = alice(&mut bot);
        let case = case_id(&draft);
        // Refunded elsewhere after the draft was written: the full amount no longer fits.
        import_order(fixture, "ORD-1001", &charge, "10.00");
        let out = bot.click("agent-1", &button(&draft, "approve"));
        assert!(sends_to(&out, "dm:cust-1").is_empty(), "{out:#?}");
        assert!(texts(&out, "dm:agent-1").contains("would exceed"), "{out:#?}");
        bot.tick(3600);
        bot.stop();
        assert!(mock.refunds(&charge).is_empty());
        let shown = fixture.case(case);
        assert!(shown["refunds"].as_array().unwrap().is_empty());
        assert_eq!(shown["state"], "awaiting_agent");
    }

    fn charge_already_refunded_goes_back_to_agents(fixture: &Fixture) {
        let (mock, charge) = setup(fixture, "ORD-1001", 4900, "tok_visa");
        let (status, _) = mock.call("POST", "/v1/refunds", &[("charge", &charge)], None);
        assert_eq!(status, 200);
        let mut bot = fixture.start_env(CLOCK, &[KEY]);
        let draft = alice(&mut bot);
        let out = approve(&mut bot, &draft, "cust-1");
        assert!(!issued(&out, "dm:cust-1"), "{out:#?}");
        let failed = to_agents(&out)[1].clone();
        assert!(failed["text"].as_str().unwrap().contains("charge_already_refunded"), "{failed}");
        let shown = fixture.case(case_id(&draft));
        assert_eq!(shown["refunds"][0]["status"], "failed");
        assert_eq!(shown["outcome"], "open");
        // It was refunded outside the bot: the agent records it by hand.
        let out = bot.click("agent-1", &button(&failed, "mark_refunded"));
        assert!(texts(&out, "dm:cust-1").contains("$49.00"), "{out:#?}");
        bot.stop();
        let shown = fixture.case(case_id(&draft));
        assert_eq!(shown["outcome"], "refunded");
        assert_eq!(shown["refunds"][1]["processor"], "manual");
        assert_eq!(mock.refunds(&charge).len(), 1, "only the one made outside the bot");
    }

    fn disputed_charge_is_refused_and_flagged(fixture: &Fixture) {
        let (mock, charge) = setup(fixture, "ORD-1001", 4900, "tok_createDispute");
        let mut bot = fixture.start_env(CLOCK, &[KEY]);
        let draft = alice(&mut bot);
        let out = approve(&mut bot, &draft, "cust-1");
        assert!(!issued(&out, "dm:cust-1"), "{out:#?}");
        let failed = to_agents(&out)[1];
        assert!(failed["text"].as_str().unwrap().contains("charge_disputed"), "{failed}");
        assert_eq!(failed["buttons"], serde_json::json!([]), "no manual refund of a disputed charge");
        bot.stop();
        let shown = fixture.case(case_id(&draft));
        assert_eq!(shown["refunds"][0]["status"], "failed");
        assert!(shown["flags"].as_array().unwrap().iter().any(|f| f == "chargeback_risk"));
        assert!(mock.refunds(&charge).is_empty());
    }
}

#[test]
fn stripe_without_a_key_does_not_start() {
    let fixture = Fixture::new();
    use_stripe(&fixture, "http://127.0.0.1:9");
    let out = Command::new(BIN)
        .arg("--config")
        .arg(fixture.config())
        .args(["jsonl", "--clock", CLOCK])
        .current_dir(fixture.path())
        .env_remove("STRIPE_SECRET_KEY")
        .env_remove("DATABASE_URL")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("STRIPE_SECRET_KEY"));
}

/// The console runs what is due after each line too: an agent who approves a Stripe refund sees
/// it sent, and the customer sees the money on its way, without moving the clock.
#[test]
fn the_console_shows_a_stripe_refund_without_a_tick() {
    let fixture = Fixture::new();
    let mock = mock::StripeMock::start();
    let charge = mock.charge(4900, "tok_visa");
    // The console runs on the wall clock: an order bought yesterday stays in its window.
    let bought = (chrono::Utc::now() - chrono::Duration::days(1)).to_rfc3339();
    let order = serde_json::json!({"order_id": "ORD-2001", "email": "erin@example.com", "sku": "course-webdesign",
        "product": "Web Design Course", "amount": "49.00", "currency": "USD", "purchased_at": bought,
        "usage": {"progress_percent": 5}, "refunded": "0.00", "charge_id": charge});
    std::fs::write(fixture.path().join("erin.jsonl"), format!("{order}\n")).unwrap();
    assert!(fixture.cli(&["orders", "import", "erin.jsonl"]).status.success());
    use_stripe(&fixture, &mock.base);
    let script = [
        "Hi, I'd like a refund for ORD-2001, erin@example.com",
        "3", // I bought it by accident
        "I clicked buy by mistake",
        "1", // a refund
        "1", // yes, send it
        "/as agent",
        "1", // approve & send: the refund is due at once
        "/as customer",
        "/quit",
    ];
    let shown = play_console(fixture.path(), Some(&fixture.config()), &[KEY], &script);
    assert!(shown.contains("Your refund of $49.00 is on its way"), "{shown}");
    assert!(!shown.contains("/tick"), "no tick was needed: {shown}");
    assert_eq!(mock.refunds(&charge).len(), 1);
}
