//! Managers' escalation buttons through the jsonl engine: the fallback to ✅ / ❌ takes the same
//! path as a reaction (managers only, the first decision wins, recorded in the timeline).

use crate::flows::escalate;
use crate::support::*;
use serde_json::Value;

const ROLES: &str = "[roles]\nagents = [\"agent-1\"]\nmanagers = [\"manager-1\", \"manager-2\"]\n";

fn fixture(postgres: bool) -> Option<Fixture> {
    match postgres {
        false => Some(Fixture::with_config(ROLES)),
        true => Fixture::postgres_with_config(ROLES),
    }
}

/// The case's timeline events of one kind, as `kind: detail (actor)`.
fn events(fixture: &Fixture, case: i64, kind: &str) -> Vec<String> {
    let shown = fixture.case(case);
    shown["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == kind)
        .map(|e| format!("{}: {} ({})", e["kind"].as_str().unwrap(), e["detail"].as_str().unwrap(), e["actor"]))
        .collect()
}

/// The post after a decision: its new text and no buttons.
fn decided_edit<'a>(out: &'a [Value], post: &Value) -> &'a Value {
    let edit = out.iter().find(|v| v["kind"] == "edit" && v["id"] == post["id"]).expect("the post edited");
    assert_eq!(edit["buttons"], serde_json::json!([]), "the buttons retired: {edit:#}");
    edit
}

fn approved_by_a_manager_press(postgres: bool) {
    let Some(fixture) = fixture(postgres) else { return };
    let mut bot = fixture.local();
    let post = escalate(&mut bot);
    let labels: Vec<&str> = post["buttons"].as_array().unwrap().iter().map(|b| b["label"].as_str().unwrap()).collect();
    assert_eq!(labels, ["Approve exception", "Deny"]);
    assert_eq!(post["buttons"][0]["style"], "success");
    assert_eq!(post["buttons"][1]["style"], "danger");
    let case = case_id(&post);

    let out = bot.click("manager-1", &button(&post, "approve_exception"));
    let edit = decided_edit(&out, &post);
    assert!(edit["text"].as_str().unwrap().contains("approved by manager-1"), "{edit:#}");
    // The post reads as a reaction decision leaves it: the bot's own ✅ on it.
    assert!(out.iter().any(|v| v["kind"] == "react" && v["message"] == post["id"] && v["emoji"] == "✅"));
    assert!(!out.iter().any(|v| v["kind"] == "unreact"));
    assert!(sends_to(&out, "dm:cust-4").is_empty(), "the decision waits for an agent");
    let draft = one_to_agents(&out).clone();
    assert!(draft["text"].as_str().unwrap().contains("$19.00"), "{draft:#}");
    let out = bot.click("agent-1", &button(&draft, "approve"));
    assert!(one_to(&out, "dm:cust-4")["text"].as_str().unwrap().contains("$19.00"));
    let mark = one_to_agents(&out).clone();
    bot.click("agent-1", &button(&mark, "mark_refunded"));
    bot.stop();
    let shown = fixture.case(case);
    assert_eq!(shown["outcome"], "refunded");
    assert_eq!(
        events(&fixture, case, "exception_approved"),
        ["exception_approved: manager decision by button approve_exception (\"manager-1\")"]
    );
}

fn denied_by_a_manager_press(postgres: bool) {
    let Some(fixture) = fixture(postgres) else { return };
    let mut bot = fixture.local();
    let post = escalate(&mut bot);
    let out = bot.click("manager-2", &button(&post, "deny_exception"));
    assert!(decided_edit(&out, &post)["text"].as_str().unwrap().contains("denied by manager-2"));
    assert!(out.iter().any(|v| v["kind"] == "react" && v["message"] == post["id"] && v["emoji"] == "❌"));
    let draft = one_to_agents(&out).clone();
    let out = bot.click("agent-1", &button(&draft, "approve"));
    assert_eq!(sends_to(&out, "dm:cust-4").len(), 1);
    bot.stop();
    let case = case_id(&post);
    assert_eq!(fixture.case(case)["outcome"], "denied");
    assert_eq!(
        events(&fixture, case, "exception_denied"),
        ["exception_denied: manager decision by button deny_exception (\"manager-2\")"]
    );
}

fn a_non_managers_press_changes_nothing(postgres: bool) {
    let Some(fixture) = fixture(postgres) else { return };
    let mut bot = fixture.local();
    let post = escalate(&mut bot);
    let case = case_id(&post);
    for who in ["agent-1", "cust-4"] {
        let out = bot.click(who, &button(&post, "approve_exception"));
        let told = one_to(&out, &format!("dm:{who}"));
        assert!(told["text"].as_str().unwrap().contains("Only managers can decide escalations"), "{told:#}");
        assert_eq!(out.len(), 1, "nothing else happens: {out:#?}");
    }
    assert_eq!(fixture.case(case)["state"], "awaiting_manager");
    assert_eq!(
        events(&fixture, case, "refused"),
        [
            "refused: button approve_exception by someone who is not a manager (\"agent-1\")",
            "refused: button approve_exception by someone who is not a manager (\"cust-4\")"
        ]
    );
    // The buttons still work for a manager afterwards.
    let out = bot.click("manager-1", &button(&post, "deny_exception"));
    assert_eq!(one_to_agents(&out)["case"], case);
    bot.stop();
}

fn the_first_decision_wins_whether_reaction_or_press(postgres: bool) {
    let Some(fixture) = fixture(postgres) else { return };
    let mut bot = fixture.local();
    // A ✅ first: a later press is refused naming who decided, though its buttons are gone.
    let post = escalate(&mut bot);
    let out = bot.react("manager-1", &id(&post), "✅");
    decided_edit(&out, &post);
    let out = bot.click("manager-2", &button(&post, "deny_exception"));
    let told = one_to(&out, "dm:manager-2")["text"].as_str().unwrap().to_string();
    assert!(told.contains("already decided by manager-1"), "{told}");
    assert!(to_agents(&out).is_empty() && !out.iter().any(|v| v["kind"] == "edit"), "{out:#?}");
    bot.stop();
    let case = case_id(&post);
    assert_eq!(
        events(&fixture, case, "refused"),
        ["refused: button deny_exception after the decision by manager-1 (\"manager-2\")"]
    );
    assert_eq!(
        events(&fixture, case, "exception_approved"),
        ["exception_approved: manager decision by reaction ✅ (\"manager-1\")"]
    );
}

/// A restart between the escalation and the press; a ❌ after the press is refused.
fn a_press_after_a_restart_decides(postgres: bool) {
    let Some(fixture) = fixture(postgres) else { return };
    let mut bot = fixture.local();
    let post = escalate(&mut bot);
    bot.stop();
    let mut bot = fixture.local();
    let out = bot.click("manager-1", &button(&post, "approve_exception"));
    decided_edit(&out, &post);
    assert_eq!(one_to_agents(&out)["case"], post["case"]);
    let out = bot.react("manager-2", &id(&post), "❌");
    assert!(one_to(&out, "dm:manager-2")["text"].as_str().unwrap().contains("already decided by manager-1"));
    assert!(to_agents(&out).is_empty());
    bot.stop();
    let case = case_id(&post);
    assert_eq!(fixture.case(case)["state"], "awaiting_agent");
    assert_eq!(
        events(&fixture, case, "refused"),
        ["refused: reaction ❌ after the decision by manager-1 (\"manager-2\")"]
    );
}

#[test]
fn a_manager_press_approves_the_exception_sqlite() {
    approved_by_a_manager_press(false);
}

#[test]
fn a_manager_press_approves_the_exception_postgres() {
    approved_by_a_manager_press(true);
}

#[test]
fn a_manager_press_denies_the_exception_sqlite() {
    denied_by_a_manager_press(false);
}

#[test]
fn a_manager_press_denies_the_exception_postgres() {
    denied_by_a_manager_press(true);
}

#[test]
fn a_non_managers_press_changes_nothing_sqlite() {
    a_non_managers_press_changes_nothing(false);
}

#[test]
fn a_non_managers_press_changes_nothing_postgres() {
    a_non_managers_press_changes_nothing(true);
}

#[test]
fn the_first_decision_wins_whether_reaction_or_press_sqlite() {
    the_first_decision_wins_whether_reaction_or_press(false);
}

#[test]
fn the_first_decision_wins_whether_reaction_or_press_postgres() {
    the_first_decision_wins_whether_reaction_or_press(true);
}

#[test]
fn a_press_after_a_restart_decides_sqlite() {
    a_press_after_a_restart_decides(false);
}

#[test]
fn a_press_after_a_restart_decides_postgres() {
    a_press_after_a_restart_decides(true);
}
