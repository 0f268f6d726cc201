//! Live conversations on Slack: a case's thread is the replies under its card in the agents'
//! channel; agents' replies there are relayed to the customer's DM, the customer's messages
//! come back into it, a refused DM (`messages_tab_disabled`) is reported once, and a card in a
//! backlog summary's thread is moved out to host its case's thread, once.

use super::*;

const MIA: &str = "Mia";
/// What the agent writes first, with pings that must not reach anyone.
const MIA_ASKS: &str = "Hi, I'm Mia. Which email did you use? <!channel> <@UALICE01> <!subteam^S0AGENTS>";

async fn agents_fake() -> FakeSlack {
    let fake = FakeSlack::start().await;
    {
        let mut state = fake.state.lock().unwrap();
        state.groups.insert(AGENTS_GROUP.into(), vec![AGENT.into()]);
        state.names.insert(AGENT.into(), MIA.into());
        state.names.insert(STRANGER.into(), "Sam".into());
    }
    fake
}

/// Three order/email pairs that match nothing: the conversation goes to people. The card.
async fn hand_off(fake: &FakeSlack, customer: &str) -> Posted {
    fake.customer_says(customer, "Hi, I want a refund");
    dm_count(fake, customer, 1).await;
    for (n, pair) in ["ORD-9001 x@example.com", "ORD-9002 x@example.com", "ORD-9003 x@example.com"].iter().enumerate() {
        fake.customer_says(customer, pair);
        dm_count(fake, customer, n + 2).await;
    }
    let card = post_with_button(fake, AGENTS_CHANNEL, "Hand back").await;
    assert!(card.thread().is_none(), "the card is in the channel");
    let ping = format!("<!subteam^{AGENTS_GROUP}>");
    assert!(card.first_text().starts_with(&ping), "the agents pinged once: {}", card.first_text());
    card
}

async fn thread_count(fake: &FakeSlack, card: &Posted, at_least: usize) -> Vec<Posted> {
    fake.until(&format!("{at_least} posts in the card's thread"), |f| {
        let posts = f.thread_of(card);
        (posts.len() >= at_least).then_some(posts)
    })
    .await
}

/// The newest version of a post (its edits included).
fn now_of(fake: &FakeSlack, post: &Posted) -> Posted {
    fake.posted_in(&post.channel).into_iter().find(|p| p.ts == post.ts).expect("the post")
}

async fn a_hand_off_is_a_thread_under_the_card_relayed_both_ways_on(postgres: bool) {
    let fake = agents_fake().await;
    let Some(fixture) = fixture_on(&fake, postgres) else { return };
    let _bot = start_bot(&fake, &fixture).await;
    let card = hand_off(&fake, ALICE).await;

    // The customer writes: the message lands in the card's thread, pinging nobody.
    fake.customer_says(ALICE, "Is anyone there? <!channel> @everyone <@UAGENT01> <!subteam^S0AGENTS>");
    let posts = thread_count(&fake, &card, 1).await;
    assert!(posts[0].text().contains("wrote:"), "{}", posts[0].text());
    assert!(posts[0].text().contains("Is anyone there?"), "{}", posts[0].text());
    assert_no_injected_pings(&posts[0], &[]);

    // An agent answers in the thread: the customer gets it, signed with the agent's name, and
    // what the agent typed cannot ping anyone in the customer's DM either.
    let (event_id, _) = fake.writes_in_thread(AGENT, &card, MIA_ASKS);
    let dms = dm_count(&fake, ALICE, 5).await;
    assert!(dms[4].text().starts_with("*Mia* (our team):\nHi, I'm Mia. Which email did you use?"), "{}", dms[4].text());
    assert_no_injected_pings(&dms[4], &[]);
    // Slack delivers the same event again (a retry): relayed once.
    let again = fake.thread_event(AGENT, &card, MIA_ASKS);
    fake.push_event_with_id("env-again", &event_id, again);

    // A note stays in the thread and is marked as one.
    let (_, note) = fake.writes_in_thread(AGENT, &card, "!note probably the old shop");
    let memo = (AGENTS_CHANNEL.to_string(), note, "memo".to_string());
    fake.until("the note marked :memo:", |f| f.state.lock().unwrap().reactions.contains(&memo).then_some(())).await;
    // A message with a file is still a message: its text and the file's name come through.
    let with_file = fake.with_file(fake.dm_event(ALICE, "bob@work.example, and the error I get:"), "error.png");
    fake.push_event(with_file);
    let posts = thread_count(&fake, &card, 2).await;
    assert!(posts[1].text().contains("bob@work.example"), "{}", posts[1].text());
    assert!(posts[1].text().contains("📎 error.png"), "{}", posts[1].text());
    assert_eq!(fake.dm_of(ALICE).len(), 5, "neither the note nor the duplicate reached the customer");

    // Close from the card: the customer is told; the thread says who closed it.
    let card_now = now_of(&fake, &card);
    fake.press(AGENT, &card_now, &card.button("Close"));
    let dms = dm_count(&fake, ALICE, 6).await;
    assert!(dms[5].text().contains("closed this conversation"), "{}", dms[5].text());
    let posts = thread_count(&fake, &card, 3).await;
    assert!(posts[2].text().contains("Mia"), "{}", posts[2].text());
    let shown = fixture.case(fixture.cases()[0]["id"].as_i64().unwrap());
    assert_eq!(shown["outcome"], "cancelled");
    let kinds = fixture.first_case_kinds();
    assert_eq!(
        (count_kind(&kinds, "relayed_in"), count_kind(&kinds, "relayed_out"), count_kind(&kinds, "note")),
        (2, 1, 1),
        "{kinds:?}"
    );
    assert_eq!(fake.state.lock().unwrap().nested_replies, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hand_off_is_a_thread_under_the_card_relayed_both_ways() {
    a_hand_off_is_a_thread_under_the_card_relayed_both_ways_on(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hand_off_is_a_thread_under_the_card_relayed_both_ways_on_postgres() {
    a_hand_off_is_a_thread_under_the_card_relayed_both_ways_on(true).await;
}

async fn taking_over_a_waiting_draft_then_handing_back_and_approving_on(postgres: bool) {
    let fake = agents_fake().await;
    let Some(fixture) = fixture_on(&fake, postgres) else { return };
    let _bot = start_bot(&fake, &fixture).await;
    request(&fake, ALICE, "ORD-1001 alice@example.com", "by accident").await;
    let draft = post_with_button(&fake, AGENTS_CHANNEL, "Approve").await;

    fake.press(AGENT, &draft, &draft.button("Take over"));
    let dms = dm_count(&fake, ALICE, 7).await;
    assert!(dms[6].text().contains("Mia from our team is joining"), "{}", dms[6].text());
    let started = thread_count(&fake, &draft, 1).await[0].clone();
    assert!(started.text().contains("is live with Mia"), "{}", started.text());

    fake.customer_says(ALICE, "Great, is it approved?");
    let posts = thread_count(&fake, &draft, 2).await;
    assert!(posts[1].text().contains("Great, is it approved?"), "{}", posts[1].text());
    fake.writes_in_thread(AGENT, &draft, "Checking, one moment.");
    let dms = dm_count(&fake, ALICE, 8).await;
    assert!(dms[7].text().contains("Checking, one moment."), "{}", dms[7].text());

    fake.press(AGENT, &started, &started.button("Hand back"));
    let dms = dm_count(&fake, ALICE, 10).await;
    assert!(dms[8].text().contains("back with the refund assistant"), "{}", dms[8].text());
    fake.press(AGENT, &draft, &draft.button("Approve"));
    let dms = dm_count(&fake, ALICE, 11).await;
    assert!(dms[10].text().contains("$49.00"), "{}", dms[10].text());
    let mark = fake
        .until("Mark refunded in the thread", |f| {
            f.thread_of(&draft).into_iter().find(|p| p.has_button("Mark refunded"))
        })
        .await;
    fake.press(AGENT, &mark, &mark.button("Mark refunded"));
    let dms = dm_count(&fake, ALICE, 12).await;
    assert!(dms[11].text().contains("on its way"), "{}", dms[11].text());
    assert_eq!(fixture.case(1)["outcome"], "refunded");
    let card =
        fake.until("the card's status", |f| Some(now_of(f, &draft)).filter(|c| c.text().contains("refunded"))).await;
    assert!(card.thread().is_none());
    let kinds = fixture.first_case_kinds();
    assert_eq!((count_kind(&kinds, "taken_over"), count_kind(&kinds, "handed_back")), (1, 1), "{kinds:?}");
    assert_eq!((count_kind(&kinds, "relayed_in"), count_kind(&kinds, "relayed_out")), (1, 1), "{kinds:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn taking_over_a_waiting_draft_then_handing_back_and_approving() {
    taking_over_a_waiting_draft_then_handing_back_and_approving_on(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn taking_over_a_waiting_draft_then_handing_back_and_approving_on_postgres() {
    taking_over_a_waiting_draft_then_handing_back_and_approving_on(true).await;
}

async fn a_non_agent_in_the_thread_is_told_privately_and_not_relayed_on(postgres: bool) {
    let fake = agents_fake().await;
    let Some(fixture) = fixture_on(&fake, postgres) else { return };
    let _bot = start_bot(&fake, &fixture).await;
    let card = hand_off(&fake, ALICE).await;
    fake.writes_in_thread(STRANGER, &card, "I can help!");
    let told = fake.until("the stranger told", |f| f.state.lock().unwrap().ephemerals.last().cloned()).await;
    assert_eq!((told["user"].as_str(), told["channel"].as_str()), (Some(STRANGER), Some(AGENTS_CHANNEL)));
    assert_eq!(told["thread_ts"], card.ts.as_str(), "in the thread where they wrote");
    assert!(text_of_blocks(&told).contains("Only agents can talk to the customer"), "{told:#}");
    assert!(fake.dm_of(STRANGER).is_empty(), "no DM on Slack: an ephemeral says it");
    fake.customer_says(ALICE, "Hello?");
    thread_count(&fake, &card, 1).await;
    assert_eq!(fake.dm_of(ALICE).len(), 4, "nothing relayed to the customer");
    let kinds = fixture.first_case_kinds();
    assert_eq!((count_kind(&kinds, "not_relayed"), count_kind(&kinds, "relayed_out")), (1, 0), "{kinds:?}");
}

fn text_of_blocks(body: &serde_json::Value) -> String {
    let blocks = body["blocks"].as_array().cloned().unwrap_or_default();
    blocks.iter().filter_map(|b| b["text"]["text"].as_str().map(str::to_string)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_non_agent_in_the_thread_is_told_privately_and_not_relayed() {
    a_non_agent_in_the_thread_is_told_privately_and_not_relayed_on(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_non_agent_in_the_thread_is_told_privately_and_not_relayed_on_postgres() {
    a_non_agent_in_the_thread_is_told_privately_and_not_relayed_on(true).await;
}

async fn a_customer_whose_messages_tab_is_off_is_reported_once_on(postgres: bool) {
    let fake = agents_fake().await;
    let Some(fixture) = fixture_on(&fake, postgres) else { return };
    let _bot = start_bot(&fake, &fixture).await;
    let card = hand_off(&fake, ALICE).await;
    fake.state.lock().unwrap().messages_tab_off.push(ALICE.into());
    fake.writes_in_thread(AGENT, &card, "Are you still there?");
    let report = fake
        .until("the refusal reported in the thread", |f| {
            f.thread_of(&card).into_iter().find(|p| p.text().contains("could not reach"))
        })
        .await;
    assert!(report.text().contains("messages_tab_disabled"), "{}", report.text());
    assert!(report.text().contains("Are you still there?"), "{}", report.text());
    // Kept as refused at the first answer, so never retried.
    assert_eq!(fake.state.lock().unwrap().refused_dms, 1, "one attempt, no retries");
    let kinds = fixture.first_case_kinds();
    assert_eq!(count_kind(&kinds, "relay_failed"), 1, "{kinds:?}");
    assert_eq!(count_kind(&kinds, "dead_letter"), 0, "{kinds:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_whose_messages_tab_is_off_is_reported_once() {
    a_customer_whose_messages_tab_is_off_is_reported_once_on(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_whose_messages_tab_is_off_is_reported_once_on_postgres() {
    a_customer_whose_messages_tab_is_off_is_reported_once_on(true).await;
}

/// A surge puts the cards in one backlog summary's thread; a case there that goes live cannot
/// have its thread under its card (Slack threads do not nest), so its card is posted again in
/// the channel, the old one points at it, and the case's thread is under the new one. Once:
/// the new post's answer is lost and the bot restarts before retrying, and it is found by its
/// metadata, not posted again.
async fn a_card_in_a_backlog_thread_moves_out_once_when_its_case_goes_live_on(postgres: bool) {
    let fake = agents_fake().await;
    let Some(fixture) = fixture_on(&fake, postgres) else { return };
    import_surge_orders(&fixture);
    let bot = start_bot(&fake, &fixture).await;
    let summaries = surge_summaries(&fake).await;
    for (i, summary) in summaries.iter().enumerate() {
        fake.press(&surge_customer(i + 1), summary, &summary.button("Yes, send it"));
    }
    let cards = |f: &FakeSlack| f.posted_in(AGENTS_CHANNEL).into_iter().filter(|p| p.has_button("Approve")).count();
    fake.until("every card", |f| (cards(f) >= SURGE).then_some(())).await;
    let backlog =
        fake.posted_in(AGENTS_CHANNEL).into_iter().find(|p| p.text().contains("new cases are waiting")).unwrap();
    let old = fake.thread_of(&backlog).into_iter().rev().find(|p| p.has_button("Take over")).unwrap();
    let n = (1..=SURGE).find(|i| old.text().contains(&format!("ORD-{}", 2000 + i))).expect("the card's order");
    let customer = surge_customer(n);

    // The move's post reaches Slack but its answer is lost; the bot stops before the retry.
    fake.state.lock().unwrap().fail_after_post_with = Some("moved-".into());
    fake.press(AGENT, &old, &old.button("Take over"));
    let moved = |f: &FakeSlack| {
        f.posted_in(AGENTS_CHANNEL)
            .into_iter()
            .filter(|p| p.body["metadata"]["event_payload"]["id"].as_str().is_some_and(|id| id.starts_with("moved-")))
            .collect::<Vec<_>>()
    };
    let card = fake.until("the card posted again", |f| moved(f).into_iter().next()).await;
    drop(bot);
    let _bot = start_bot(&fake, &fixture).await;

    let started = fake.until("the live post in the new card's thread", |f| f.thread_of(&card).into_iter().next()).await;
    assert!(started.text().contains("is live with Mia"), "{}", started.text());
    assert!(card.thread().is_none(), "the card is in the channel now");
    assert!(card.first_text().contains("Case #"), "{}", card.first_text());
    let pointer = fake
        .until("the old card points to the new one", |f| Some(now_of(f, &old)).filter(|p| !p.edits.is_empty()))
        .await;
    assert!(pointer.text().contains("moved out of this thread"), "{}", pointer.text());
    assert!(pointer.edits.last().unwrap()["blocks"].as_array().unwrap().iter().all(|b| b["type"] != "actions"));

    // The customer's messages and later edits go to the new card and its thread.
    fake.customer_says(&customer, "Hello, anyone?");
    let posts = thread_count(&fake, &card, 2).await;
    assert!(posts[1].text().contains("Hello, anyone?"), "{}", posts[1].text());
    let live = fake
        .until("the new card live", |f| Some(now_of(f, &card)).filter(|c| c.text().contains("live with Mia")))
        .await;
    // Its buttons work where it is now: the draft is approved from the moved card.
    fake.press(AGENT, &live, &card.button("Approve"));
    fake.until("the approved reply", |f| f.dm_of(&customer).into_iter().find(|p| p.text().contains("$49.00"))).await;
    assert_eq!(moved(&fake).len(), 1, "moved once");
    assert_eq!(fake.state.lock().unwrap().nested_replies, 0, "nothing posted under a reply");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_card_in_a_backlog_thread_moves_out_once_when_its_case_goes_live() {
    a_card_in_a_backlog_thread_moves_out_once_when_its_case_goes_live_on(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_card_in_a_backlog_thread_moves_out_once_when_its_case_goes_live_on_postgres() {
    a_card_in_a_backlog_thread_moves_out_once_when_its_case_goes_live_on(true).await;
}
