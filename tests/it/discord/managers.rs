//! Managers' escalation buttons on the fake Discord: the fallback to ✅ / ❌ decides the same
//! way, for the manager role only.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_managers_press_decides_an_escalation() {
    let fake = FakeDiscord::start().await;
    let fixture = fixture_for(&fake);
    let _bot = start_bot(&fake, &fixture).await;
    request(&fake, DAVE, "ORD-1004 dave@example.com", "changed my mind").await;
    let escalation = post_with_button(&fake, MANAGERS_CHANNEL, "Approve exception").await;
    let approve = escalation.button("Approve exception");
    escalation.button("Deny");

    // An agent is no manager: told so, and nothing is decided.
    fake.press(AGENT, Some(&[AGENT_ROLE]), &escalation, &approve);
    let told = fake.until("the agent told", |f| f.dm_of(AGENT).last().cloned()).await;
    assert!(told.text().contains("Only managers"), "{}", told.text());
    assert_eq!(fixture.case(1)["state"], "awaiting_manager");

    fake.press(MANAGER, Some(&[MANAGER_ROLE]), &escalation, &approve);
    let draft = post_with_button(&fake, AGENTS_CHANNEL, "Approve").await;
    let edited = fake
        .until("the escalation edited", |f| {
            f.posted_in(MANAGERS_CHANNEL).into_iter().find(|p| p.id == escalation.id && !p.edits.is_empty())
        })
        .await;
    let edit = edited.edits.last().unwrap();
    assert_eq!(edit["components"], json!([]), "the buttons go with the decision: {edit:#}");
    assert!(edit.to_string().contains(&format!("approved by {MANAGER}")), "{edit:#}");
    fake.press(AGENT, Some(&[AGENT_ROLE]), &draft, &draft.button("Approve"));
    fake.until("the exception reply", |f| f.dm_of(DAVE).into_iter().find(|p| p.content().contains("$249.00"))).await;
    let case = fixture.case(1);
    let events = case["events"].as_array().unwrap();
    let decision = events.iter().find(|e| e["kind"] == "exception_approved").expect("decided");
    assert_eq!(decision["detail"], "manager decision by button approve_exception");
    assert!(events.iter().any(|e| e["kind"] == "refused" && e["actor"] == AGENT), "{case:#}");
}
