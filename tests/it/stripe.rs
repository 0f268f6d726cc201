//! Refunds through Stripe, against stripe-stateful-mock (npm, installed by `.ci/run`) started
//! on loopback for each test: charges are created on the mock, orders name them, and the
//! bot's `stripe_refund` job runs on a `tick`.

use crate::support::*;
use serde_json::Value;
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const AGENTS: &str = "channel:agents";
const KEY: (&str, &str) = ("STRIPE_SECRET_KEY", "sk_test_x");

/// One stripe-stateful-mock process on 127.0.0.1, killed on drop.
struct StripeMock {
    child: Child,
    base: String,
}

impl Drop for StripeMock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// `npm ci` once per test run when the mock is missing, so `cargo test` alone sets it up.
fn install_mock(root: &str) {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        if std::path::Path::new(root).join("node_modules/stripe-stateful-mock").is_dir() {
            return;
        }
        let status = Command::new("npm").args(["ci", "--no-audit", "--no-fund"]).current_dir(root).status();
        assert!(
            matches!(status, Ok(s) if s.success()),
            "installing stripe-stateful-mock failed: run `npm ci` at the repository root (needs Node.js and npm)"
        );
    });
}

impl StripeMock {
    fn start() -> StripeMock {
        let root = env!("CARGO_MANIFEST_DIR");
        install_mock(root);
        let port = free_port();
        // Its own CLI binds every interface; this keeps it on loopback.
        let script = format!(
            "require('http').createServer(require('stripe-stateful-mock').createExpressApp()).listen({port},'127.0.0.1')"
        );
        let child = Command::new("node")
            .args(["-e", &script])
            .current_dir(root)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start node (stripe-stateful-mock)");
        let mock = StripeMock { child, base: format!("http://127.0.0.1:{port}") };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "stripe-stateful-mock did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        mock
    }

    fn call(&self, method: &str, path: &str, form: &[(&str, &str)], key: Option<&str>) -> (u16, Value) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let client = reqwest::Client::new();
            let url = format!("{}{path}", self.base);
            let mut request = match method {
                "GET" => client.get(url),
                _ => client.post(url).form(form),
            }
            .bearer_auth(KEY.1);
            if let Some(key) = key {
                request = request.header("Idempotency-Key", key);
            }
            let response = request.send().await.expect("call the Stripe mock");
            let status = response.status().as_u16();
            (status, response.json().await.expect("Stripe mock json"))
        })
    }

    /// A charge on the mock; `source` may be a magic token such as `tok_createDispute`.
    fn charge(&self, amount: i64, source: &str) -> String {
        let amount = amount.to_string();
        let (status, charge) =
            self.call("POST", "/v1/charges", &[("amount", &amount), ("currency", "usd"), ("source", source)], None);
        assert_eq!(status, 200, "{charge}");
        charge["id"].as_str().unwrap().to_string()
    }

    fn refunds(&self, charge: &str) -> Vec<Value> {
        let (status, list) = self.call("GET", &format!("/v1/refunds?charge={charge}"), &[], None);
        assert_eq!(status, 200, "{list}");
        list["data"].as_array().unwrap().clone()
    }
}

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
    let mock = StripeMock::start();
    let charge = mock.charge(amount, source);
    import_order(fixture, order_id, &charge, "0.00");
    use_stripe(fixture, &mock.base);
    (mock, charge)
}

fn alice(bot: &mut Bot) -> Value {
    request(bot, "cust-1", "ORD-1001", "alice@example.com", "accidental_purchase", "refund")
}

/// Approves the draft: the customer gets the approved reply, agents a note, no refund yet.
fn approve(bot: &mut Bot, draft: &Value, customer: &str) {
    let out = bot.click("agent-1", &button(draft, "approve"));
    assert_eq!(sends_to(&out, &format!("dm:{customer}")).len(), 1, "{out:#?}");
    let note = one_to(&out, AGENTS);
    assert!(note["text"].as_str().unwrap().contains("Stripe"), "{note}");
    assert_eq!(note["buttons"], serde_json::json!([]));
}

fn texts(out: &[Value], to: &str) -> String {
    sends_to(out, to).iter().map(|v| v["text"].as_str().unwrap_or_default().to_string()).collect::<Vec<_>>().join("\n")
}

fn kinds(case: &Value) -> Vec<String> {
    case["events"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap().to_string()).collect()
}

crate::on_both_backends! {
    fn full_refund_through_stripe(fixture: &Fixture) {
        let (mock, charge) = setup(fixture, "ORD-1001", 4900, "tok_visa");
        let mut bot = fixture.start_env(CLOCK, &[KEY]);
        let draft = alice(&mut bot);
        let case = case_id(&draft);
        approve(&mut bot, &draft, "cust-1");
        let shown = fixture.case(case);
        assert_eq!(shown["refunds"][0]["status"], "pending");
        assert!(mock.refunds(&charge).is_empty(), "no call before the job runs");

        let out = bot.tick(0);
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
        approve(&mut bot, &draft, "cust-2");
        let out = bot.tick(0);
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
        approve(&mut bot, &draft, "cust-1");
        bot.kill();
        // The crashed process's call reached Stripe, its answer was lost.
        let shown = fixture.case(case);
        let key = shown["refunds"][0]["idempotency_key"].as_str().unwrap().to_string();
        let case_text = case.to_string();
        let form = [("charge", charge.as_str()), ("amount", "4900"), ("metadata[case_id]", &case_text)];
        let (status, first) = mock.call("POST", "/v1/refunds", &form, Some(&key));
        assert_eq!(status, 200, "{first}");

        let mut bot = fixture.start_env(CLOCK, &[KEY]);
        let out = bot.tick(0);
        assert!(texts(&out, "dm:cust-1").contains("$49.00"), "{out:#?}");
        bot.stop();
        let refunds = mock.refunds(&charge);
        assert_eq!(refunds.len(), 1, "{refunds:#?}");
        let shown = fixture.case(case);
        assert_eq!(shown["outcome"], "refunded");
        assert_eq!(shown["refunds"][0]["processor_refund_id"], first["id"]);
    }

    fn stripe_unreachable_keeps_it_pending_then_retries_the_same_key(fixture: &Fixture) {
        let mock = StripeMock::start();
        let charge = mock.charge(4900, "tok_visa");
        import_order(fixture, "ORD-1001", &charge, "0.00");
        // Nothing listens there: no answer, as after a timeout.
        use_stripe(fixture, &format!("http://127.0.0.1:{}", free_port()));
        let mut bot = fixture.start_env(CLOCK, &[KEY]);
        let draft = alice(&mut bot);
        let case = case_id(&draft);
        approve(&mut bot, &draft, "cust-1");
        let out = bot.tick(0);
        assert!(sends_to(&out, "dm:cust-1").is_empty(), "{out:#?}");
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

    fn a_retry_after_the_key_expired_finds_the_refund_by_its_case(fixture: &Fixture) {
        let mock = StripeMock::start();
        let charge = mock.charge(4900, "tok_visa");
        import_order(fixture, "ORD-1001", &charge, "0.00");
        use_stripe(fixture, &format!("http://127.0.0.1:{}", free_port()));
        let mut bot = fixture.start_env(CLOCK, &[KEY]);
        let draft = alice(&mut bot);
        let case = case_id(&draft);
        approve(&mut bot, &draft, "cust-1");
        assert!(sends_to(&bot.tick(0), "dm:cust-1").is_empty());
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
        approve(&mut bot, &draft, "cust-1");
        let out = bot.tick(0);
        assert!(sends_to(&out, "dm:cust-1").is_empty(), "{out:#?}");
        let failed = one_to(&out, AGENTS).clone();
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
        approve(&mut bot, &draft, "cust-1");
        let out = bot.tick(0);
        assert!(sends_to(&out, "dm:cust-1").is_empty(), "{out:#?}");
        let failed = one_to(&out, AGENTS);
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
    let body = event.to_string();
    let t = chrono::Utc::now().timestamp() - age;
    let signature = format!("t={t},{}", refund_bot::payments::webhook::sign(secret, t, body.as_bytes()));
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
        let out = bot.tick(0);
        let alert = one_to(&out, "channel:managers");
        assert!(alert["text"].as_str().unwrap().contains("dp_1"), "{alert}");
        assert_eq!(alert["mentions"], serde_json::json!(["role:managers"]));
        bot.stop();
        let shown = fixture.case(case);
        assert!(shown["flags"].as_array().unwrap().iter().any(|f| f == "chargeback_risk"));
        assert_eq!(kinds(&shown).iter().filter(|k| *k == "dispute").count(), 1);
    }

    fn refund_updated_webhook_settles_a_pending_refund(fixture: &Fixture) {
        let mock = StripeMock::start();
        let charge = mock.charge(4900, "tok_visa");
        import_order(fixture, "ORD-1001", &charge, "0.00");
        // Stripe unreachable from the job: only the webhook brings the answer.
        use_stripe(fixture, &format!("http://127.0.0.1:{}", free_port()));
        let url = use_webhooks(fixture);
        let mut bot = start_with_webhooks(fixture, &url);
        let draft = alice(&mut bot);
        let case = case_id(&draft);
        approve(&mut bot, &draft, "cust-1");
        assert!(sends_to(&bot.tick(0), "dm:cust-1").is_empty());
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
}
