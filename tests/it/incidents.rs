//! Spike incidents: many requests about one product at once become one incident, one managers'
//! post and one ping; later requests join it; one ✅ decides every case once (also after a
//! restart and a second reaction) and agents approve the drafts with one button; ❌ lets each
//! case go its normal way. The post's buttons decide the same way as its reactions.

use crate::support::*;
use serde_json::Value;

const SPIKE: &str = "[roles]\nagents = [\"agent-1\"]\nmanagers = [\"manager-1\", \"manager-2\"]\n\n[incidents]\nwindow_hours = 24\nfactor = 3\nmin_cases = 3\n";

/// A fixture with six buyers of the video course, bought a few days before the test clock.
fn fixture(postgres: bool, extra: &str) -> Option<Fixture> {
    let config = format!("{SPIKE}{extra}");
    let fixture = if postgres { Fixture::postgres_with_config(&config)? } else { Fixture::with_config(&config) };
    let orders: String = (1..=6)
        .map(|n| {
            format!(
                "{{\"order_id\":\"VID-{n}\",\"email\":\"buyer{n}@example.com\",\"sku\":\"course-video\",\"product\":\"Video Course\",\"amount\":\"30.00\",\"currency\":\"USD\",\"purchased_at\":\"2026-11-20T10:00:00Z\",\"usage\":{{\"progress_percent\":10}},\"refunded\":\"0.00\"}}\n"
            )
        })
        .collect();
    std::fs::write(fixture.path().join("videos.jsonl"), orders).unwrap();
    assert!(fixture.cli(&["orders", "import", "videos.jsonl"]).status.success());
    Some(fixture)
}

/// Customer n asks for a refund of VID-n: module 3's video is broken. The staff post it caused.
fn broken_video(bot: &mut impl Chat, n: u32) -> Value {
    let user = format!("cust-{n}");
    request(bot, &user, &format!("VID-{n}"), &format!("buyer{n}@example.com"), "technical_issue", "refund")
}

fn pings_to_managers(log: &[Value]) -> usize {
    sends_to(log, "channel:managers").iter().filter(|v| !v["mentions"].as_array().unwrap().is_empty()).count()
}

/// `refund_bot_incidents_open` as `/metrics` shows it.
fn incidents_open(fixture: &Fixture) -> String {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let app =
            refund_bot::app::open(Some(&fixture.config()), refund_bot::domain::Platform::Local, false).await.unwrap();
        let text = app.metrics.render(app.engine.store(), CLOCK.parse().unwrap()).await.unwrap();
        text.lines().find(|l| l.starts_with("refund_bot_incidents_open ")).unwrap().to_string()
    })
}

fn incident_events(fixture: &Fixture, case: i64) -> Vec<String> {
    let shown = fixture.case(case);
    shown["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "incident")
        .map(|e| e["detail"].as_str().unwrap().to_string())
        .collect()
}

fn approved_incident(postgres: bool) {
    let Some(fixture) = fixture(postgres, "") else { return };
    let mut bot = fixture.local();
    // Two requests are ordinary: drafts for agents.
    for n in 1..=2 {
        assert_eq!(broken_video(&mut bot, n)["to"], "channel:agents");
    }
    // The third makes a spike: one post to managers, with every case and the customers' words.
    let post = broken_video(&mut bot, 3);
    assert_eq!(post["to"], "channel:managers", "{post:#}");
    assert_eq!(post["mentions"], serde_json::json!(["role:managers"]));
    assert_eq!(post["reactions"], serde_json::json!(["✅", "❌"]));
    let actions: Vec<&Value> = post["buttons"].as_array().unwrap().iter().map(|b| &b["action"]).collect();
    assert_eq!(actions, ["approve_exception", "deny_exception"], "the same decision as buttons");
    let text = post["text"].as_str().unwrap();
    assert!(
        text.contains("Incident #1") && text.contains("Video Course") && text.contains("#1 ·") && text.contains("#3 ·"),
        "{text}"
    );
    assert!(text.contains("It wasn't what I needed"), "the customers' words: {text}");
    assert_eq!(fixture.case(3)["state"], "awaiting_manager");
    // A later request joins it: the post is edited, managers are told without a ping.
    let out = broken_video(&mut bot, 4);
    assert!(out["mentions"].as_array().unwrap().is_empty(), "{out:#}");
    assert!(bot.log.iter().any(|v| v["kind"] == "edit"
        && v["id"] == post["id"]
        && v["text"].as_str().unwrap().contains("#4 ·")
        && v["buttons"].as_array().unwrap().len() == 2));
    assert_eq!(pings_to_managers(&bot.log), 1, "one ping for the whole spike");
    assert_eq!(incidents_open(&fixture), "refund_bot_incidents_open 1");

    // One ✅ decides the four of them: a refund draft each, and one button for them all.
    let out = bot.react("manager-1", &id(&post), "✅");
    let drafts: Vec<&Value> = to_agents(&out)
        .into_iter()
        .filter(|v| v["buttons"].as_array().unwrap().iter().any(|b| b["action"] == "approve"))
        .collect();
    assert_eq!(drafts.len(), 4, "{out:#?}");
    assert!(drafts.iter().all(|d| d["text"].as_str().unwrap().contains("$30.00")));
    let bulk = to_agents(&out).into_iter().find(|v| v["buttons"][0]["action"] == "approve_incident").unwrap().clone();
    assert_eq!(incidents_open(&fixture), "refund_bot_incidents_open 0");
    assert!(sends_to(&out, "dm:cust-1").is_empty(), "nothing reaches a customer before an agent approves");
    // A second reaction, by the same manager or another, changes nothing.
    let out = bot.react("manager-2", &id(&post), "❌");
    assert!(to_agents(&out).is_empty());
    assert!(one_to(&out, "dm:manager-2")["text"].as_str().unwrap().contains("already decided by manager-1"));
    bot.stop();
    // Nor after a restart.
    let mut bot = fixture.local();
    let out = bot.react("manager-1", &id(&post), "✅");
    assert!(to_agents(&out).is_empty(), "{out:#?}");

    // One click approves the four drafts: each customer gets their reply.
    let out = bot.click("agent-1", &button(&bulk, "approve_incident"));
    for n in 1..=4 {
        let reply = one_to(&out, &format!("dm:cust-{n}"));
        assert!(reply["text"].as_str().unwrap().contains("$30.00"), "{reply:#}");
        assert_eq!(fixture.case(i64::from(n))["state"], "awaiting_refund");
        let events = incident_events(&fixture, i64::from(n));
        assert!(events.iter().any(|e| e.contains("decided with incident 1 by manager-1")), "case {n}: {events:?}");
    }
    let out = bot.click("agent-1", &button(&bulk, "approve_incident"));
    assert!(sends_to(&out, "dm:cust-1").is_empty(), "approved once");
    // The spike is handled: a later request goes its normal way, without a new incident.
    assert_eq!(broken_video(&mut bot, 5)["to"], "channel:agents");
    assert_eq!(pings_to_managers(&bot.log), 0);
    bot.stop();
}

fn denied_incident(postgres: bool) {
    let Some(fixture) = fixture(postgres, "") else { return };
    let mut bot = fixture.local();
    for n in 1..=2 {
        broken_video(&mut bot, n);
    }
    let post = broken_video(&mut bot, 3);
    let out = bot.react("agent-1", &id(&post), "✅");
    assert!(out.iter().any(|v| v["kind"] == "unreact"), "not a manager: {out:#?}");
    // The post's buttons decide as its reactions do: not for an agent, once for a manager.
    let out = bot.click("agent-1", &button(&post, "approve_exception"));
    assert!(one_to(&out, "dm:agent-1")["text"].as_str().unwrap().contains("Only managers"), "{out:#?}");
    assert!(to_agents(&out).is_empty());
    let out = bot.click("manager-1", &button(&post, "deny_exception"));
    let edit = out.iter().find(|v| v["kind"] == "edit" && v["id"] == post["id"]).expect("the post edited");
    assert_eq!(edit["buttons"], serde_json::json!([]), "{edit:#}");
    assert!(out.iter().any(|v| v["kind"] == "react" && v["message"] == post["id"] && v["emoji"] == "❌"));
    // The case the incident held gets its normal draft; the others keep theirs.
    let drafts = to_agents(&out);
    assert_eq!(drafts.len(), 1, "{out:#?}");
    assert_eq!(case_id(drafts[0]), 3);
    assert_eq!(fixture.case(3)["state"], "awaiting_agent");
    for n in 1..=3 {
        assert!(incident_events(&fixture, n).iter().any(|e| e.contains("incident 1 denied by manager-1")));
    }
    let out = bot.click("manager-2", &button(&post, "approve_exception"));
    assert!(one_to(&out, "dm:manager-2")["text"].as_str().unwrap().contains("already decided by manager-1"));
    assert!(to_agents(&out).is_empty());
    bot.stop();
}

fn bulk_send(postgres: bool) {
    let Some(fixture) = fixture(postgres, "bulk_send = true\n") else { return };
    let mut bot = fixture.local();
    for n in 1..=2 {
        broken_video(&mut bot, n);
    }
    let post = broken_video(&mut bot, 3);
    let out = bot.react("manager-1", &id(&post), "✅");
    for n in 1..=3 {
        assert!(one_to(&out, &format!("dm:cust-{n}"))["text"].as_str().unwrap().contains("$30.00"));
    }
    assert!(!out
        .iter()
        .any(|v| v["buttons"].as_array().is_some_and(|b| b.iter().any(|b| b["action"] == "approve_incident"))));
    bot.stop();
}

#[test]
fn an_approved_incident_decides_every_case_once_sqlite() {
    approved_incident(false);
}

#[test]
fn an_approved_incident_decides_every_case_once_postgres() {
    approved_incident(true);
}

#[test]
fn a_denied_incident_leaves_each_case_to_its_normal_way_sqlite() {
    denied_incident(false);
}

#[test]
fn a_denied_incident_leaves_each_case_to_its_normal_way_postgres() {
    denied_incident(true);
}

#[test]
fn bulk_send_sends_every_reply_at_once_sqlite() {
    bulk_send(false);
}

#[test]
fn bulk_send_sends_every_reply_at_once_postgres() {
    bulk_send(true);
}
