//! Managers' escalation buttons on the fake Slack: the fallback to ✅ / ❌, through the same
//! decision (managers' user group only, the first decision wins, also after a restart).

use super::*;
use serde_json::Value;

const SECOND_MANAGER: &str = "UMANAGE2";

/// A fake Slack with its user groups, the fixture, the bot, and Dave's escalation.
async fn escalated(postgres: bool) -> Option<(FakeSlack, Fixture, Running, Posted)> {
    let fake = FakeSlack::start().await;
    {
        let mut state = fake.state.lock().unwrap();
        state.groups.insert(AGENTS_GROUP.into(), vec![AGENT.into()]);
        state.groups.insert(MANAGERS_GROUP.into(), vec![MANAGER.into(), SECOND_MANAGER.into()]);
    }
    let fixture = fixture_on(&fake, postgres)?;
    let bot = start_bot(&fake, &fixture).await;
    request(&fake, DAVE, "ORD-1004 dave@example.com", "changed my mind").await;
    let escalation = post_with_button(&fake, MANAGERS_CHANNEL, "Approve exception").await;
    assert!(escalation.has_button("Deny"), "{:#}", escalation.body);
    Some((fake, fixture, bot, escalation))
}

/// The escalation once edited with its decision: no buttons left on it.
async fn decided(fake: &FakeSlack, escalation: &Posted) -> Value {
    let edited = fake
        .until("the escalation edited", |f| {
            f.posted_in(MANAGERS_CHANNEL).into_iter().find(|p| p.ts == escalation.ts && !p.edits.is_empty())
        })
        .await;
    let edit = edited.edits.last().unwrap().clone();
    assert!(edit["blocks"].as_array().unwrap().iter().all(|b| b["type"] != "actions"), "buttons gone: {edit:#}");
    edit
}

fn refusals(fixture: &Fixture) -> Vec<String> {
    let case = fixture.case(1);
    let events = case["events"].as_array().unwrap().iter().filter(|e| e["kind"] == "refused");
    events.map(|e| format!("{} {}", e["actor"].as_str().unwrap(), e["detail"].as_str().unwrap())).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_presses_approve_after_a_restart_and_the_refund_proceeds() {
    a_manager_presses_approve_after_a_restart_and_the_refund_proceeds_on(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_presses_approve_after_a_restart_and_the_refund_proceeds_on_postgres() {
    a_manager_presses_approve_after_a_restart_and_the_refund_proceeds_on(true).await;
}

async fn a_manager_presses_approve_after_a_restart_and_the_refund_proceeds_on(postgres: bool) {
    let Some((fake, fixture, bot, escalation)) = escalated(postgres).await else { return };
    // Restart between the escalation and the press: the button still finds the case.
    drop(bot);
    let _bot = start_bot(&fake, &fixture).await;
    let approve = escalation.button("Approve exception");
    fake.press(STRANGER, &escalation, &approve);
    let told = fake.until("the stranger told", |f| f.dm_of(STRANGER).last().cloned()).await;
    assert!(told.text().contains("Only managers"), "{}", told.text());
    assert!(fake.posted_in(AGENTS_CHANNEL).iter().all(|p| !p.text().contains("Exception approved")));

    fake.press(MANAGER, &escalation, &approve);
    let draft = post_with_button(&fake, AGENTS_CHANNEL, "Approve").await;
    let edit = decided(&fake, &escalation).await;
    assert!(edit.to_string().contains(&format!("approved by {MANAGER}")), "{edit:#}");
    fake.press(AGENT, &draft, &draft.button("Approve"));
    fake.until("the exception reply", |f| f.dm_of(DAVE).into_iter().find(|p| p.text().contains("$249.00"))).await;
    let mark = post_with_button(&fake, AGENTS_CHANNEL, "Mark refunded").await;
    fake.press(AGENT, &mark, &mark.button("Mark refunded"));
    // (The exception's reply says "on its way" too: the refund notice is the one with the timeline.)
    fake.until("the refund notice", |f| f.dm_of(DAVE).into_iter().find(|p| p.text().contains("usually arrives"))).await;
    assert_eq!(fixture.case(1)["outcome"], "refunded");
    assert_eq!(refusals(&fixture), [format!("{STRANGER} button approve_exception by someone who is not a manager")]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_press_after_a_reaction_decided_is_refused_naming_the_manager() {
    a_press_after_a_reaction_decided_is_refused_naming_the_manager_on(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_press_after_a_reaction_decided_is_refused_naming_the_manager_on_postgres() {
    a_press_after_a_reaction_decided_is_refused_naming_the_manager_on(true).await;
}

async fn a_press_after_a_reaction_decided_is_refused_naming_the_manager_on(postgres: bool) {
    let Some((fake, fixture, _bot, escalation)) = escalated(postgres).await else { return };
    // The bot's own ✅ / ❌ follow its record of the post: a reaction before that finds nothing.
    fake.until("the bot's ✅ and ❌", |f| {
        let state = f.state.lock().unwrap();
        (state.reactions.iter().filter(|(_, ts, _)| *ts == escalation.ts).count() >= 2).then_some(())
    })
    .await;
    fake.react(MANAGER, &escalation, "white_check_mark");
    post_with_button(&fake, AGENTS_CHANNEL, "Approve").await;
    decided(&fake, &escalation).await;
    // A press on the post as the manager still saw it, before its buttons went.
    fake.press(SECOND_MANAGER, &escalation, &escalation.button("Deny"));
    let told = fake.until("the second manager told", |f| f.dm_of(SECOND_MANAGER).last().cloned()).await;
    assert!(told.text().contains(&format!("already decided by {MANAGER}")), "{}", told.text());
    let case = fixture.case(1);
    assert_eq!(case["state"], "awaiting_agent", "the ✅ stands");
    let kinds: Vec<&str> = case["events"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert!(kinds.contains(&"exception_approved") && !kinds.contains(&"exception_denied"), "{kinds:?}");
    assert_eq!(refusals(&fixture), [format!("{SECOND_MANAGER} button deny_exception after the decision by {MANAGER}")]);
}
