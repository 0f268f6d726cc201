//! `POST /webhooks/stripe`: signatures checked first, events applied once.

use super::mock::free_port;
use super::*;
use std::net::TcpStream;
use std::time::{Duration, Instant};

const WEBHOOK_SECRET: &str = "whsec_test_new";

/// Serves the webhook endpoint of a bot started with `STRIPE_WEBHOOK_SECRET`.
fn use_webhooks(fixture: &Fixture) -> String {
    let port = free_port();
    let path = fixture.config();
    let mut config = std::fs::read_to_string(&path).unwrap();
    config.push_str(&format!("\n[http]\nlisten = \"127.0.0.1:{port}\"\n"));
    std::fs::write(path, config).unwrap();
    format!("http://127.0.0.1:{port}/webhooks/stripe")
}

fn start_with_webhooks(fixture: &Fixture, url: &str) -> Bot {
    let bot = fixture.start_env(CLOCK, &[KEY, ("STRIPE_WEBHOOK_SECRET", "whsec_test_old, whsec_test_new")]);
    let addr = url.trim_start_matches("http://").split('/').next().unwrap().to_string();
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(&addr).is_err() {
        assert!(Instant::now() < deadline, "webhook endpoint did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    bot
}

/// Posts an event signed like Stripe, `age` seconds old; returns the HTTP status.
fn post_event(url: &str, secret: &str, age: i64, event: &Value) -> u16 {
    post_signed(url, &[secret], age, event)
}

/// Posts an event with one `v1` signature per secret, as Stripe does while a secret rotates.
fn post_signed(url: &str, secrets: &[&str], age: i64, event: &Value) -> u16 {
    let body = event.to_string();
    let t = chrono::Utc::now().timestamp() - age;
    let signatures: Vec<String> =
        secrets.iter().map(|secret| refund_bot::payments::webhook::sign(secret, t, body.as_bytes())).collect();
    let signature = format!("t={t},{}", signatures.join(","));
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        reqwest::Client::new()
            .post(url)
            .header("Stripe-Signature", signature)
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .await
            .expect("post webhook")
            .status()
            .as_u16()
    })
}

crate::on_both_backends! {
    fn dispute_webhook_flags_the_case_and_alerts_managers(fixture: &Fixture) {
        let (_mock, charge) = setup(fixture, "ORD-1001", 4900, "tok_visa");
        let url = use_webhooks(fixture);
        let mut bot = start_with_webhooks(fixture, &url);
        let draft = alice(&mut bot);
        let case = case_id(&draft);
        let event = serde_json::json!({
            "id": "evt_dispute_1", "object": "event", "type": "charge.dispute.created",
            "data": {"object": {"id": "dp_1", "object": "dispute", "charge": charge, "reason": "fraudulent"}}
        });
        assert_eq!(post_event(&url, "whsec_wrong", 0, &event), 400);
        assert_eq!(post_event(&url, WEBHOOK_SECRET, 400, &event), 400, "stale");
        assert!(!fixture.case(case)["flags"].as_array().unwrap().iter().any(|f| f == "chargeback_risk"));
        assert_eq!(post_event(&url, WEBHOOK_SECRET, 0, &event), 200);
        assert_eq!(post_event(&url, "whsec_test_old", 0, &event), 200, "redelivered");
        assert_eq!(post_signed(&url, &["whsec_retired", WEBHOOK_SECRET], 0, &event), 200, "one of two v1 matches");
        let out = bot.tick(0);
        let alert = one_to(&out, "channel:managers");
        let evidence = alert["text"].as_str().unwrap().replace('\\', "");
        // The evidence: usage, the policy the customer was shown, their own words.
        for part in ["dp_1", "fraudulent", "progress_percent 12", "refund window", "It wasn't what I needed"] {
            assert!(evidence.contains(part), "{part} missing from {evidence}");
        }
        assert_eq!(alert["mentions"], serde_json::json!(["role:managers"]));
        bot.stop();
        let shown = fixture.case(case);
        assert!(shown["flags"].as_array().unwrap().iter().any(|f| f == "chargeback_risk"));
        assert_eq!(kinds(&shown).iter().filter(|k| *k == "dispute").count(), 1);
    }

    fn refund_updated_webhook_settles_a_pending_refund(fixture: &Fixture) {
        // Stripe unreachable from the job: only the webhook brings the answer.
        let (_mock, charge) = setup_unreachable(fixture);
        let url = use_webhooks(fixture);
        let mut bot = start_with_webhooks(fixture, &url);
        let (case, out) = alice_approved(&mut bot);
        assert!(!issued(&out, "dm:cust-1"));
        let event = serde_json::json!({
            "id": "evt_refund_1", "object": "event", "type": "refund.updated",
            "data": {"object": {"id": "re_hook_1", "object": "refund", "amount": 4900,
                "charge": charge, "status": "succeeded", "metadata": {"case_id": case.to_string()}}}
        });
        assert_eq!(post_event(&url, WEBHOOK_SECRET, 0, &event), 200);
        let out = bot.tick(0);
        assert!(texts(&out, "dm:cust-1").contains("$49.00"), "{out:#?}");
        // The job finds nothing pending any more.
        assert!(sends_to(&bot.tick(600), "dm:cust-1").is_empty());
        bot.stop();
        let shown = fixture.case(case);
        assert_eq!(shown["outcome"], "refunded");
        assert_eq!(shown["refunds"][0]["status"], "succeeded");
        assert_eq!(shown["refunds"][0]["processor_refund_id"], "re_hook_1");
    }

    fn a_dispute_on_an_order_nobody_asked_about_opens_a_case(fixture: &Fixture) {
        let mock = StripeMock::start();
        // Paid on Stripe, never imported, never asked about.
        let (status, charge) = mock.call("POST", "/v1/charges", &[
            ("amount", "2900"), ("currency", "usd"), ("source", "tok_visa"), ("receipt_email", "hank@example.com"),
            ("description", "Icon Pack"),
        ], None);
        assert_eq!(status, 200, "{charge}");
        let charge = charge["id"].as_str().unwrap().to_string();
        use_stripe(fixture, &mock.base);
        let url = use_webhooks(fixture);
        let mut bot = start_with_webhooks(fixture, &url);
        let due_by = chrono::Utc::now().timestamp() + 10 * 86400;
        let dispute = serde_json::json!({"id": "dp_9", "object": "dispute", "charge": charge, "amount": 2900,
            "currency": "usd", "reason": "product_not_received", "status": "needs_response",
            "evidence_details": {"due_by": due_by}});
        let created = serde_json::json!({"id": "evt_dp_9_created", "object": "event",
            "type": "charge.dispute.created", "data": {"object": dispute}});
        assert_eq!(post_event(&url, WEBHOOK_SECRET, 0, &created), 200);
        let alert = one_to(&bot.tick(0), "channel:managers").clone();
        let evidence = alert["text"].as_str().unwrap();
        assert!(evidence.contains("Icon Pack") && evidence.contains("never asked"), "{evidence}");
        let due = chrono::DateTime::from_timestamp(due_by, 0).unwrap().format("%Y-%m-%d").to_string();
        assert!(evidence.contains(&due), "{evidence}");
        let cases: Value = serde_json::from_slice(&fixture.cli(&["case", "list", "--json"]).stdout).unwrap();
        let opened = cases.as_array().unwrap().iter().find(|c| c["order_id"] == charge.to_uppercase()).unwrap();
        let case = opened["id"].as_i64().unwrap();
        let shown = fixture.case(case);
        assert_eq!(shown["state"], "awaiting_manager");
        assert!(shown["flags"].as_array().unwrap().iter().any(|f| f == "chargeback_risk"));

        // The bank sides with the customer: the money is gone, the ledger says so.
        let mut lost = dispute.clone();
        lost["status"] = "lost".into();
        let closed = serde_json::json!({"id": "evt_dp_9_closed", "object": "event",
            "type": "charge.dispute.closed", "data": {"object": lost}});
        assert_eq!(post_event(&url, WEBHOOK_SECRET, 0, &closed), 200);
        let note = one_to(&bot.tick(0), "channel:managers").clone();
        assert!(note["text"].as_str().unwrap().contains("$29.00"), "{note}");
        bot.stop();
        let shown = fixture.case(case);
        assert_eq!((shown["state"].as_str(), shown["outcome"].as_str()), (Some("closed"), Some("refunded")));
        assert_eq!(shown["refunds"][0]["processor"], "dispute");
        assert_eq!(shown["refunds"][0]["amount_minor"], 2900);
        assert!(kinds(&shown).contains(&"dispute_closed".to_string()));
    }

    fn a_refund_failing_after_pending_goes_back_to_agents_with_the_reason(fixture: &Fixture) {
        let (_mock, charge, _proxy) = setup_behind_proxy(fixture, &[Fault::ReportPending]);
        let url = use_webhooks(fixture);
        let mut bot = start_with_webhooks(fixture, &url);
        let (case, out) = alice_approved(&mut bot);
        assert!(!issued(&out, "dm:cust-1"));
        let refund = fixture.case(case)["refunds"][0]["processor_refund_id"].as_str().unwrap().to_string();
        let event = serde_json::json!({
            "id": "evt_refund_failed", "object": "event", "type": "refund.updated",
            "data": {"object": {"id": refund, "object": "refund", "amount": 4900, "charge": charge,
                "status": "failed", "failure_reason": "expired_or_canceled_card",
                "metadata": {"case_id": case.to_string()}}}
        });
        assert_eq!(post_event(&url, WEBHOOK_SECRET, 0, &event), 200);
        let out = bot.tick(0);
        assert!(sends_to(&out, "dm:cust-1").is_empty(), "{out:#?}");
        let failed = one_to_agents(&out);
        assert!(failed["text"].as_str().unwrap().contains("expired_or_canceled_card"), "{failed}");
        assert!(failed["buttons"].to_string().contains("mark_refunded"), "{failed}");
        bot.stop();
        let shown = fixture.case(case);
        assert_eq!(shown["refunds"][0]["status"], "failed");
        assert_eq!(shown["state"], "awaiting_refund");
    }
}
