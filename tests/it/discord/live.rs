//! Live conversations on Discord: a public thread started from the case's card in the agents'
//! channel, agents' thread messages relayed to the customer's DMs, 50007 reported and not
//! retried, and messages sent while the bot was down read from the DM's history at start-up.

use super::*;

/// Three order/email pairs that match nothing: the conversation goes to people. The card.
async fn hand_off(fake: &FakeDiscord, customer: &str) -> Posted {
    fake.customer_says(customer, "Hi, I want a refund");
    dm_count(fake, customer, 1).await;
    for (n, pair) in ["ORD-9001 x@example.com", "ORD-9002 x@example.com", "ORD-9003 x@example.com"].iter().enumerate() {
        fake.customer_says(customer, pair);
        dm_count(fake, customer, n + 2).await;
    }
    let card = post_with_button(fake, AGENTS_CHANNEL, "Hand back").await;
    assert!(card.content().starts_with(&format!("<@&{AGENT_ROLE}>")), "the agents pinged once: {}", card.content());
    card
}

/// The posts in a case's thread (its id is the card's).
fn thread_posts(fake: &FakeDiscord, card: &Posted) -> Vec<Posted> {
    fake.posted_in(&card.id)
}

async fn thread_count(fake: &FakeDiscord, card: &Posted, at_least: usize) -> Vec<Posted> {
    fake.until(&format!("{at_least} posts in the thread"), |f| {
        let posts = thread_posts(f, card);
        (posts.len() >= at_least).then_some(posts)
    })
    .await
}

async fn a_thread_from_the_card_relays_both_ways_on(postgres: bool) {
    let fake = FakeDiscord::start().await;
    let Some(fixture) = fixture_on(&fake, postgres) else { return };
    let _bot = start_bot(&fake, &fixture).await;
    let card = hand_off(&fake, ALICE).await;

    // The customer writes: a public thread is started from the card, and the message lands there.
    fake.customer_says(ALICE, "Is anyone there? @everyone <@123>");
    let posts = thread_count(&fake, &card, 1).await;
    assert_eq!(fake.state.lock().unwrap().threads.get(&card.id).map(String::as_str), Some(AGENTS_CHANNEL));
    assert!(posts[0].text().contains("wrote:"), "{}", posts[0].text());
    assert!(!posts[0].text().contains("@everyone") && !posts[0].text().contains("<@123>"), "{}", posts[0].text());
    assert_eq!(posts[0].body["allowed_mentions"], json!({"parse": [], "roles": []}), "relays ping no one");

    // An agent answers in the thread: the customer gets it, signed with the agent's name.
    fake.writes_in_thread(AGENT, "Mia", &[AGENT_ROLE], &card.id, "Hi, I'm Mia. Which email did you use?");
    let dms = dm_count(&fake, ALICE, 5).await;
    assert_eq!(dms[4].content(), "**Mia** (our team):\nHi, I'm Mia. Which email did you use?");
    assert_eq!(dms[4].body["allowed_mentions"], json!({"parse": [], "roles": []}));

    // A note stays in the thread; someone who is not an agent is told, and nothing is relayed.
    let note = fake.writes_in_thread(AGENT, "Mia", &[AGENT_ROLE], &card.id, "!note probably the old shop");
    fake.writes_in_thread(STRANGER, "Sam", &[], &card.id, "I can help!");
    let told = fake.until("the stranger told", |f| f.dm_of(STRANGER).last().cloned()).await;
    assert!(told.content().contains("Only agents can talk to the customer"), "{}", told.content());
    fake.customer_sends_file(ALICE, "bob@work.example, and the error I get:", "error.png");
    let posts = thread_count(&fake, &card, 2).await;
    assert!(posts[1].text().contains("bob@work.example"), "{}", posts[1].text());
    assert!(posts[1].text().contains("📎 error.png: https://cdn.discordapp.com/attachments/"), "{}", posts[1].text());
    assert_eq!(fake.dm_of(ALICE).len(), 5, "neither the note nor the stranger reached the customer");
    fake.until("the note marked 📝", |f| {
        f.state.lock().unwrap().reactions.contains(&(note.clone(), "📝".into())).then_some(())
    })
    .await;

    // Close from the card: the customer is told; the thread says who closed it.
    let card_now = fake.posted_in(AGENTS_CHANNEL).into_iter().find(|p| p.id == card.id).unwrap();
    fake.press(AGENT, Some(&[AGENT_ROLE]), &card_now, &card_now.button("Close"));
    let dms = dm_count(&fake, ALICE, 6).await;
    assert!(dms[5].content().contains("closed this conversation"), "{}", dms[5].content());
    thread_count(&fake, &card, 3).await;
    let shown = fixture.case(fixture.cases()[0]["id"].as_i64().unwrap());
    assert_eq!(shown["outcome"], "cancelled");
    let kinds = fixture.first_case_kinds();
    assert_eq!(
        (count_kind(&kinds, "relayed_in"), count_kind(&kinds, "relayed_out"), count_kind(&kinds, "note")),
        (2, 1, 1),
        "{kinds:?}"
    );
    assert_eq!(count_kind(&kinds, "not_relayed"), 1, "{kinds:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thread_from_the_card_relays_both_ways() {
    a_thread_from_the_card_relays_both_ways_on(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thread_from_the_card_relays_both_ways_on_postgres() {
    a_thread_from_the_card_relays_both_ways_on(true).await;
}

async fn a_customer_who_closed_their_dms_is_reported_once_on(postgres: bool) {
    let fake = FakeDiscord::start().await;
    let Some(fixture) = fixture_on(&fake, postgres) else { return };
    let _bot = start_bot(&fake, &fixture).await;
    let card = hand_off(&fake, ALICE).await;
    fake.close_dms(ALICE);
    fake.writes_in_thread(AGENT, "Mia", &[AGENT_ROLE], &card.id, "Are you still there?");
    let report = fake
        .until("the refusal reported in the thread", |f| {
            thread_posts(f, &card).into_iter().find(|p| p.text().contains("could not reach"))
        })
        .await;
    assert!(report.text().contains("50007 Cannot send messages to this user"), "{}", report.text());
    assert!(report.text().contains("Are you still there?"), "{}", report.text());
    // Not retried: the outbox would have tried again within seconds.
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    assert_eq!(fake.state.lock().unwrap().refused_dms, 1, "one attempt, no retries");
    let kinds = fixture.first_case_kinds();
    assert_eq!(count_kind(&kinds, "relay_failed"), 1, "{kinds:?}");
    assert_eq!(count_kind(&kinds, "dead_letter"), 0, "{kinds:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_who_closed_their_dms_is_reported_once() {
    a_customer_who_closed_their_dms_is_reported_once_on(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_who_closed_their_dms_is_reported_once_on_postgres() {
    a_customer_who_closed_their_dms_is_reported_once_on(true).await;
}

async fn messages_sent_while_the_bot_was_down_are_relayed_once_on(postgres: bool) {
    let fake = FakeDiscord::start().await;
    let Some(fixture) = fixture_on(&fake, postgres) else { return };
    let bot = start_bot(&fake, &fixture).await;
    let card = hand_off(&fake, ALICE).await;
    fake.customer_says(ALICE, "First, while you are up");
    thread_count(&fake, &card, 1).await;
    drop(bot);

    // Down: the gateway will not replay these.
    fake.customer_says_offline(ALICE, "Second, while you are down");
    fake.customer_says_offline(ALICE, "Third, still down");
    let bot = start_bot(&fake, &fixture).await;
    let posts = thread_count(&fake, &card, 3).await;
    assert!(posts[1].text().contains("Second, while you are down"), "{}", posts[1].text());
    assert!(posts[2].text().contains("Third, still down"), "{}", posts[2].text());
    assert!(fake.state.lock().unwrap().threads_existing >= 1, "a restart finds the thread (160004), not a new one");

    // Another restart reads the history again but relays nothing twice.
    drop(bot);
    let _bot = start_bot(&fake, &fixture).await;
    fake.until("the second catch-up", |f| (f.state.lock().unwrap().history_reads.len() >= 2).then_some(())).await;
    fake.customer_says(ALICE, "Fourth, live again");
    let posts = thread_count(&fake, &card, 4).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let posts_now = thread_posts(&fake, &card);
    assert_eq!(posts_now.len(), 4, "each message relayed once: {posts:#?}");
    assert_eq!(count_kind(&fixture.first_case_kinds(), "relayed_in"), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_sent_while_the_bot_was_down_are_relayed_once() {
    messages_sent_while_the_bot_was_down_are_relayed_once_on(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_sent_while_the_bot_was_down_are_relayed_once_on_postgres() {
    messages_sent_while_the_bot_was_down_are_relayed_once_on(true).await;
}

async fn a_post_in_an_archived_thread_is_edited_after_unarchiving_on(postgres: bool) {
    let fake = FakeDiscord::start().await;
    let Some(fixture) = fixture_on(&fake, postgres) else { return };
    let _bot = start_bot(&fake, &fixture).await;
    request(&fake, ALICE, "ORD-1001 alice@example.com", "by accident").await;
    let draft = post_with_button(&fake, AGENTS_CHANNEL, "Approve").await;
    fake.press(AGENT, Some(&[AGENT_ROLE]), &draft, &draft.button("Approve"));
    let mark = post_with_button(&fake, AGENTS_CHANNEL, "Mark refunded").await;
    assert_eq!(mark.channel_id, draft.id, "a case's later posts are in the thread started from its card");
    fake.archive(&mark.channel_id);
    fake.press(AGENT, Some(&[AGENT_ROLE]), &mark, &mark.button("Mark refunded"));
    let edited = fake
        .until("the refund post edited", |f| {
            f.posted_in(&mark.channel_id).into_iter().find(|p| p.id == mark.id && !p.edits.is_empty())
        })
        .await;
    assert!(
        edited.edits[0]["embeds"][0]["description"].as_str().unwrap_or_default().contains("recorded"),
        "{:#}",
        edited.edits[0]
    );
    assert_eq!(fake.state.lock().unwrap().unarchived, 1);
    assert_eq!(fixture.case(fixture.cases()[0]["id"].as_i64().unwrap())["outcome"], "refunded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_in_an_archived_thread_is_edited_after_unarchiving() {
    a_post_in_an_archived_thread_is_edited_after_unarchiving_on(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_in_an_archived_thread_is_edited_after_unarchiving_on_postgres() {
    a_post_in_an_archived_thread_is_edited_after_unarchiving_on(true).await;
}

/// Close archives the case's thread; a post there afterwards (the customer's closed DMs
/// reported) still arrives, and the thread is archived again after it.
async fn a_closed_cases_thread_is_archived_and_a_later_post_still_arrives_on(postgres: bool) {
    let fake = FakeDiscord::start().await;
    let Some(fixture) = fixture_on(&fake, postgres) else { return };
    let _bot = start_bot(&fake, &fixture).await;
    let card = hand_off(&fake, ALICE).await;
    fake.customer_says(ALICE, "Hello?");
    thread_count(&fake, &card, 1).await;
    assert!(!fake.is_archived(&card.id));

    // The customer leaves before the close: the goodbye cannot reach them.
    fake.close_dms(ALICE);
    let card_now = fake.posted_in(AGENTS_CHANNEL).into_iter().find(|p| p.id == card.id).unwrap();
    fake.press(AGENT, Some(&[AGENT_ROLE]), &card_now, &card_now.button("Close"));
    let closed = thread_count(&fake, &card, 2).await;
    assert!(closed[1].text().contains("closed"), "{}", closed[1].text());
    // (A post unarchives the thread in the same step the fake records it: archived after the
    // close post is seen means archived after it.)
    fake.until("the thread archived", |f| f.is_archived(&card.id).then_some(())).await;

    // The refusal is reported in the closed case's thread: posted (which unarchives it), then
    // archived again.
    let report = fake
        .until("the refusal reported in the thread", |f| {
            thread_posts(f, &card).into_iter().find(|p| p.text().contains("could not reach"))
        })
        .await;
    assert!(report.text().contains("50007"), "{}", report.text());
    fake.until("archived again", |f| f.is_archived(&card.id).then_some(())).await;
    assert!(fake.state.lock().unwrap().archived_by_bot >= 2);
    let shown = fixture.case(fixture.cases()[0]["id"].as_i64().unwrap());
    assert_eq!(shown["state"], "closed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_cases_thread_is_archived_and_a_later_post_still_arrives() {
    a_closed_cases_thread_is_archived_and_a_later_post_still_arrives_on(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_cases_thread_is_archived_and_a_later_post_still_arrives_on_postgres() {
    a_closed_cases_thread_is_archived_and_a_later_post_still_arrives_on(true).await;
}
