//! The bot as a real serenity client in a real process, against the fake Discord on loopback.

mod fake;
mod live;
mod managers;

use crate::support::*;
use fake::*;
use serde_json::json;
use serenity::all::Permissions;
use std::process::{Child, Command, Stdio};

const ALICE: &str = "800000000000000001";
const DAVE: &str = "800000000000000004";
const AGENT: &str = "810000000000000001";
const MANAGER: &str = "810000000000000002";
const STRANGER: &str = "810000000000000009";

struct Running {
    child: Child,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn fixture_for(fake: &FakeDiscord) -> Fixture {
    Fixture::with_config(&discord_config(fake))
}

/// The fixture on SQLite, or on PostgreSQL when `TEST_DATABASE_URL` names a server (else none).
fn fixture_on(fake: &FakeDiscord, postgres: bool) -> Option<Fixture> {
    match postgres {
        false => Some(fixture_for(fake)),
        true => Fixture::postgres_with_config(&discord_config(fake)),
    }
}

fn discord_config(fake: &FakeDiscord) -> String {
    format!(
        "[discord]\nguild_id = \"{GUILD_ID}\"\nagents_channel_id = \"{AGENTS_CHANNEL}\"\nmanagers_channel_id = \"{MANAGERS_CHANNEL}\"\n\
         agent_role_id = \"{AGENT_ROLE}\"\nmanager_role_id = \"{MANAGER_ROLE}\"\napi_base = \"{}\"\n\
         [http]\nlisten = \"127.0.0.1:{}\"\n",
        fake.api_base(),
        std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
    )
}

async fn start_bot(fake: &FakeDiscord, fixture: &Fixture) -> Running {
    let identified = fake.state.lock().unwrap().identifies;
    let child = Command::new(BIN)
        .arg("--config")
        .arg(fixture.config())
        .arg("run")
        .current_dir(fixture.path())
        .env("DISCORD_TOKEN", "test-token")
        .env_remove("DATABASE_URL")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(if std::env::var_os("TEST_LOG").is_some() { Stdio::inherit() } else { Stdio::null() })
        .spawn()
        .expect("start refund-bot run");
    let running = Running { child };
    fake.until("the bot to identify", |f| (f.state.lock().unwrap().identifies > identified).then_some(())).await;
    running
}

/// The newest post in a channel that has a button like `label` (for the agents' channel, in
/// the cases' threads too: a case's later posts go there).
async fn post_with_button(fake: &FakeDiscord, channel: &str, label: &str) -> Posted {
    let channel = channel.to_string();
    fake.until(&format!("a `{label}` button in {channel}"), |f| {
        let posts = if channel == AGENTS_CHANNEL { f.posted_for_agents() } else { f.posted_in(&channel) };
        posts.into_iter().rev().find(|p| p.body["components"].to_string().contains(label))
    })
    .await
}

async fn dm_count(fake: &FakeDiscord, customer: &str, at_least: usize) -> Vec<Posted> {
    fake.until(&format!("{at_least} DMs to {customer}"), |f| {
        let dms = f.dm_of(customer);
        (dms.len() >= at_least).then_some(dms)
    })
    .await
}

/// Customer side of a request, up to the confirmation.
async fn request(fake: &FakeDiscord, customer: &str, order_line: &str, reason: &str) {
    fake.customer_says(customer, "Hi, I'd like a refund please");
    dm_count(fake, customer, 1).await;
    fake.customer_says(customer, order_line);
    let dms = dm_count(fake, customer, 2).await;
    let ask = dms.last().unwrap().clone();
    fake.press(customer, None, &ask, &ask.button(reason));
    dm_count(fake, customer, 3).await;
    fake.customer_says(customer, "Wrong product, @everyone please help <@123>");
    let dms = dm_count(fake, customer, 4).await;
    let ask = dms.last().unwrap().clone();
    fake.press(customer, None, &ask, &ask.button("A refund"));
    let dms = dm_count(fake, customer, 5).await;
    let summary = dms.last().unwrap().clone();
    fake.press(customer, None, &summary, &summary.button("Yes, send it"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dm_request_becomes_an_approved_reply_and_a_recorded_refund() {
    let fake = FakeDiscord::start().await;
    let fixture = fixture_for(&fake);
    let _bot = start_bot(&fake, &fixture).await;
    assert_eq!(fake.state.lock().unwrap().commands[0]["name"], "refund", "/refund registered at start");

    // A gateway event delivered twice is handled once.
    let first = fake.customer_says(ALICE, "Hi, I'd like a refund please");
    dm_count(&fake, ALICE, 1).await;
    fake.redeliver_message(ALICE, &first, "Hi, I'd like a refund please");
    fake.customer_says(ALICE, "ORD-1001 alice@example.com");
    let dms = dm_count(&fake, ALICE, 2).await;
    assert_eq!(dms.len(), 2, "one greeting, then the reason question");
    let ask = dms.last().unwrap().clone();
    let press = fake.press(ALICE, None, &ask, &ask.button("by accident"));
    dm_count(&fake, ALICE, 3).await;
    assert_eq!(fake.state.lock().unwrap().callbacks[&press][0]["type"], 6, "acknowledged at once");
    fake.customer_says(ALICE, "Wrong product, @everyone please help <@123>");
    let ask = dm_count(&fake, ALICE, 4).await.last().unwrap().clone();
    fake.press(ALICE, None, &ask, &ask.button("A refund"));
    let summary = dm_count(&fake, ALICE, 5).await.last().unwrap().clone();
    fake.press(ALICE, None, &summary, &summary.button("Yes, send it"));

    let draft = post_with_button(&fake, AGENTS_CHANNEL, "Approve").await;
    assert_eq!(draft.body["allowed_mentions"]["parse"], json!([]), "customer text pings no one");
    assert_eq!(draft.body["allowed_mentions"]["roles"], json!([]));
    assert!(draft.text().contains("Wrong product"), "the case card shows the story: {}", draft.text());
    assert!(!draft.text().contains("@everyone") && !draft.text().contains("<@123>"), "{}", draft.text());
    assert_eq!(
        draft.body["embeds"][0]["description"].as_str().map(|d| d.contains("ORD-1001")),
        Some(true),
        "an embed card"
    );
    assert!(draft.body["nonce"].as_str().unwrap().starts_with("m-"));
    assert_eq!(draft.body["enforce_nonce"], true);

    // Someone without the agent role cannot approve.
    fake.press(STRANGER, Some(&[]), &draft, &draft.button("Approve"));
    fake.until("the refusal", |f| f.dm_of(STRANGER).last().cloned()).await;
    fake.press(AGENT, Some(&[AGENT_ROLE]), &draft, &draft.button("Approve"));
    let dms = dm_count(&fake, ALICE, 7).await;
    assert!(dms[6].content().contains("$49.00"), "{}", dms[6].content());
    let edited = fake
        .until("the draft post edited", |f| {
            f.posted_in(AGENTS_CHANNEL).into_iter().find(|p| p.id == draft.id && !p.edits.is_empty())
        })
        .await;
    assert_eq!(edited.edits[0]["components"], json!([]), "buttons gone after the action");
    let mark = post_with_button(&fake, AGENTS_CHANNEL, "Mark refunded").await;
    fake.press(AGENT, Some(&[AGENT_ROLE]), &mark, &mark.button("Mark refunded"));
    let dms = dm_count(&fake, ALICE, 8).await;
    assert!(dms[7].content().contains("on its way"), "{}", dms[7].content());
    let case = fixture.case(1);
    assert_eq!(case["outcome"], "refunded");
    assert_eq!(
        case["events"].as_array().unwrap().iter().filter(|e| e["kind"] == "message" && e["actor"] == ALICE).count(),
        3
    );
}

/// Discord interactions carry the client's locale: a Spanish client is answered in Spanish from
/// `/refund` on, though the order line tells no language; staff posts stay English.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spanish_discord_client_is_answered_in_spanish() {
    let fake = FakeDiscord::start().await;
    let fixture = fixture_for(&fake);
    let _bot = start_bot(&fake, &fixture).await;
    fake.state.lock().unwrap().locales.insert(ALICE.into(), "es-ES".into());
    let command = fake.slash_refund(ALICE);
    let dms = dm_count(&fake, ALICE, 1).await;
    assert!(dms[0].content().contains("**número de pedido**"), "{}", dms[0].content());
    let callback = fake.state.lock().unwrap().callbacks[&command][0].clone();
    assert!(callback["data"]["content"].as_str().unwrap().contains("mensaje directo"), "{callback}");

    fake.customer_says(ALICE, "ORD-1001 alice@example.com");
    let ask = dm_count(&fake, ALICE, 2).await.last().unwrap().clone();
    assert!(ask.content().contains("he encontrado tu pedido"), "{}", ask.content());
    fake.press(ALICE, None, &ask, &ask.button("Lo compré por error"));
    let details = dm_count(&fake, ALICE, 3).await.last().unwrap().clone();
    assert!(details.content().contains("Entendido"), "{}", details.content());
    let case = fixture.case(1);
    assert_eq!((&case["language"], &case["language_source"]), (&json!("es"), &json!("platform")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slash_command_and_panel_open_a_conversation_and_an_edited_draft_is_sent() {
    let fake = FakeDiscord::start().await;
    let fixture = fixture_for(&fake);
    let _bot = start_bot(&fake, &fixture).await;
    let command = fake.slash_refund(ALICE);
    dm_count(&fake, ALICE, 1).await;
    let callback = fake.state.lock().unwrap().callbacks[&command][0].clone();
    assert_eq!(callback["type"], 4);
    assert_eq!(callback["data"]["flags"], 64, "ephemeral");

    let panel = Posted {
        id: fake.snowflake(),
        channel_id: AGENTS_CHANNEL.into(),
        body: json!({"content": "panel", "components": [{"type": 1, "components": [{"type": 2, "label": "Request a refund", "custom_id": "panel:refund", "style": 1}]}]}),
        edits: vec![],
        files: vec![],
        at: std::time::Instant::now(),
    };
    fake.press(DAVE, Some(&[]), &panel, "panel:refund");
    dm_count(&fake, DAVE, 1).await;

    fake.customer_says(ALICE, "ORD-1001 alice@example.com");
    let ask = dm_count(&fake, ALICE, 2).await.last().unwrap().clone();
    fake.press(ALICE, None, &ask, &ask.button("by accident"));
    dm_count(&fake, ALICE, 3).await;
    fake.customer_says(ALICE, "Bought the wrong one");
    let ask = dm_count(&fake, ALICE, 4).await.last().unwrap().clone();
    fake.press(ALICE, None, &ask, &ask.button("A refund"));
    let summary = dm_count(&fake, ALICE, 5).await.last().unwrap().clone();
    fake.press(ALICE, None, &summary, &summary.button("Yes, send it"));

    let draft = post_with_button(&fake, AGENTS_CHANNEL, "Approve").await;
    let edit = fake.press(AGENT, Some(&[AGENT_ROLE]), &draft, &draft.button("Edit"));
    let modal = fake.until("the edit modal", |f| f.state.lock().unwrap().callbacks.get(&edit).cloned()).await;
    assert_eq!(modal[0]["type"], 9);
    let prefilled = modal[0]["data"]["components"][0]["components"][0]["value"].as_str().unwrap().to_string();
    assert!(prefilled.contains("$49.00"), "the form holds the draft: {prefilled}");
    fake.submit_modal(
        AGENT,
        &[AGENT_ROLE],
        &draft.button("Edit"),
        "Hi Alice, refund approved: $49.00.",
        AGENTS_CHANNEL,
    );
    fake.until("the draft updated", |f| {
        f.posted_in(AGENTS_CHANNEL).into_iter().find(|p| p.id == draft.id && !p.edits.is_empty())
    })
    .await;
    fake.press(AGENT, Some(&[AGENT_ROLE]), &draft, &draft.button("Approve"));
    let dms = dm_count(&fake, ALICE, 7).await;
    assert_eq!(dms[6].content(), "Hi Alice, refund approved: $49.00.");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn managers_decide_by_reaction_even_after_a_restart() {
    let fake = FakeDiscord::start().await;
    let fixture = fixture_for(&fake);
    let bot = start_bot(&fake, &fixture).await;
    request(&fake, DAVE, "ORD-1004 dave@example.com", "changed my mind").await;
    let escalation = fake.until("the escalation", |f| f.posted_in(MANAGERS_CHANNEL).into_iter().next()).await;
    assert!(escalation.content().starts_with(&format!("<@&{MANAGER_ROLE}>")), "{}", escalation.content());
    assert_eq!(escalation.body["allowed_mentions"], json!({"parse": [], "roles": [MANAGER_ROLE]}));
    fake.until("the bot's ✅ and ❌", |f| (f.state.lock().unwrap().reactions.len() >= 2).then_some(())).await;

    // Restart between the escalation and the decision: the raw reaction still finds the case.
    drop(bot);
    let _bot = start_bot(&fake, &fixture).await;
    fake.react(STRANGER, &[], &escalation, "✅");
    fake.until("the stranger's reaction removed", |f| f.state.lock().unwrap().removed_reactions.first().cloned()).await;
    assert!(fake.posted_in(AGENTS_CHANNEL).iter().all(|p| !p.text().contains("Exception")));
    fake.react(MANAGER, &[MANAGER_ROLE], &escalation, "✅");
    let draft = post_with_button(&fake, AGENTS_CHANNEL, "Approve").await;
    // The confirmation goes out in the managers' lane, beside the draft in the agents' one.
    fake.until("the bot's confirming reaction", |f| (f.state.lock().unwrap().reactions.len() >= 3).then_some(())).await;
    fake.press(AGENT, Some(&[AGENT_ROLE]), &draft, &draft.button("Approve"));
    fake.until("the exception reply", |f| f.dm_of(DAVE).into_iter().find(|p| p.content().contains("$249.00"))).await;
    let case = fixture.case(1);
    assert!(case["events"].as_array().unwrap().iter().any(|e| e["kind"] == "refused" && e["actor"] == STRANGER));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limited_post_is_retried_and_a_bad_token_stops_the_start() {
    let fake = FakeDiscord::start().await;
    let fixture = fixture_for(&fake);
    let _bot = start_bot(&fake, &fixture).await;
    fake.state.lock().unwrap().rate_limit_next = 1;
    fake.customer_says(ALICE, "Hello?");
    dm_count(&fake, ALICE, 1).await;
    assert_eq!(fake.state.lock().unwrap().rate_limited, 1);

    // A dropped connection is noticed by the heartbeat and re-established; the conversation carries on.
    fake.drop_connection();
    fake.until("a resume or a new session", |f| {
        let state = f.state.lock().unwrap();
        (state.resumes + state.identifies > 1 && state.gateway.is_some()).then_some(())
    })
    .await;
    fake.customer_says(ALICE, "ORD-1001 alice@example.com");
    dm_count(&fake, ALICE, 2).await;
    // serenity chooses between Resume and a fresh Identify; the fake answers both.

    let out = Command::new(BIN)
        .arg("--config")
        .arg(fixture.config())
        .arg("run")
        .env_remove("DISCORD_TOKEN")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("DISCORD_TOKEN"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_story_is_split_to_fit_discord() {
    let fake = FakeDiscord::start().await;
    let fixture = fixture_for(&fake);
    let _bot = start_bot(&fake, &fixture).await;
    fake.customer_says(ALICE, "ORD-1001 alice@example.com");
    let ask = dm_count(&fake, ALICE, 2).await.last().unwrap().clone();
    fake.press(ALICE, None, &ask, &ask.button("by accident"));
    dm_count(&fake, ALICE, 3).await;
    fake.customer_says(ALICE, &"It happened like this. ".repeat(300));
    let ask = fake
        .until("the resolution question", |f| {
            f.dm_of(ALICE).into_iter().rev().find(|p| p.content().contains("refund, store credit"))
        })
        .await;
    fake.press(ALICE, None, &ask, &ask.button("A refund"));
    let summary = fake
        .until("the summary", |f| f.dm_of(ALICE).into_iter().rev().find(|p| p.content().contains("before I send")))
        .await;
    fake.press(ALICE, None, &summary, &summary.button("Yes, send it"));
    let draft = post_with_button(&fake, AGENTS_CHANNEL, "Approve").await;
    let pieces = fake.posted_in(AGENTS_CHANNEL);
    assert!(pieces.len() >= 2, "the 6,900-character story went out in pieces");
    assert!(pieces.iter().all(|p| p.text().chars().count() <= 4096 + 2));
    assert_eq!(pieces.last().unwrap().id, draft.id, "the buttons ride on the last piece");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_permissions_degrade_the_posts_and_the_managers_are_told_once() {
    missing_permissions_degrade_the_posts_and_the_managers_are_told_once_on(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_permissions_degrade_the_posts_and_the_managers_are_told_once_on_postgres() {
    missing_permissions_degrade_the_posts_and_the_managers_are_told_once_on(true).await;
}

/// The managers' notices about a missing permission, oldest first.
fn permission_notices(fake: &FakeDiscord) -> Vec<Posted> {
    fake.posted_in(MANAGERS_CHANNEL).into_iter().filter(|p| p.text().contains("I'm missing the")).collect()
}

/// A seller who followed an invite link without Embed Links (agents' channel), Add Reactions and
/// Manage Messages (managers' channel): every card still arrives, as plain text, the managers are
/// told once per channel and permission (across a restart), and nothing ends as a dead letter.
async fn missing_permissions_degrade_the_posts_and_the_managers_are_told_once_on(postgres: bool) {
    let fake = FakeDiscord::start().await;
    let Some(fixture) = fixture_on(&fake, postgres) else { return };
    fake.deny(AGENTS_CHANNEL, Permissions::EMBED_LINKS);
    fake.deny(MANAGERS_CHANNEL, Permissions::ADD_REACTIONS | Permissions::MANAGE_MESSAGES);
    let bot = start_bot(&fake, &fixture).await;

    request(&fake, ALICE, "ORD-1001 alice@example.com", "by accident").await;
    let card = post_with_button(&fake, AGENTS_CHANNEL, "Approve").await;
    assert!(card.body["embeds"].as_array().is_none_or(|e| e.is_empty()), "no embed: {:#}", card.body);
    assert!(card.content().contains("ORD-1001") && card.content().contains("Wrong product"), "{}", card.content());
    assert!(!card.content().contains("@everyone") && !card.content().contains("<@123>"), "{}", card.content());
    assert_eq!(card.body["allowed_mentions"]["parse"], json!([]), "plain text pings no one either");
    let notice = fake.until("the Embed Links notice", |f| permission_notices(f).into_iter().next()).await;
    assert!(notice.text().contains("Embed Links"), "{}", notice.text());
    assert!(notice.text().contains(&format!("<#{AGENTS_CHANNEL}>")), "names the channel: {}", notice.text());
    assert!(notice.text().contains("plain text"), "says what happens meanwhile: {}", notice.text());
    assert!(notice.content().starts_with(&format!("<@&{MANAGER_ROLE}>")), "pings the managers: {}", notice.content());

    // An escalation: posted (an embed is allowed there) without the bot's own ✅ / ❌.
    request(&fake, DAVE, "ORD-1004 dave@example.com", "changed my mind").await;
    let escalation = fake
        .until("the escalation", |f| f.posted_in(MANAGERS_CHANNEL).into_iter().find(|p| p.text().contains("ORD-1004")))
        .await;
    assert_eq!(escalation.body["embeds"].as_array().map(Vec::len), Some(1), "an embed where it is allowed");
    fake.until("the Add Reactions notice", |f| {
        permission_notices(f).into_iter().find(|p| p.text().contains("Add Reactions"))
    })
    .await;
    assert!(fake.state.lock().unwrap().reactions.is_empty(), "no reaction went through");

    // A non-manager's ✅ cannot be taken away: they are told, the managers once, it decides nothing.
    fake.react(STRANGER, &[], &escalation, "✅");
    fake.until("the Manage Messages notice", |f| {
        permission_notices(f).into_iter().find(|p| p.text().contains("Manage Messages"))
    })
    .await;
    fake.until("the refusal", |f| f.dm_of(STRANGER).last().cloned()).await;

    // A restart forgets that the agents' channel refused embeds; the database remembers the notice.
    drop(bot);
    let _bot = start_bot(&fake, &fixture).await;
    fake.react(MANAGER, &[MANAGER_ROLE], &escalation, "✅");
    let exception = fake
        .until("the exception draft", |f| {
            f.posted_in(AGENTS_CHANNEL)
                .into_iter()
                .find(|p| p.text().contains("ORD-1004") && p.body["components"].to_string().contains("Approve"))
        })
        .await;
    assert!(exception.body["embeds"].as_array().is_none_or(|e| e.is_empty()), "{:#}", exception.body);
    fake.press(AGENT, Some(&[AGENT_ROLE]), &card, &card.button("Approve"));
    let edited = fake
        .until("Alice's card edited", |f| {
            f.posted_in(AGENTS_CHANNEL).into_iter().find(|p| p.id == card.id && !p.edits.is_empty())
        })
        .await;
    let edit = edited.edits.last().unwrap();
    assert_eq!(edit["embeds"], json!([]), "the edit is plain text too: {edit:#}");
    assert!(edit["content"].as_str().is_some_and(|c| c.contains("approved")), "{edit:#}");
    dm_count(&fake, ALICE, 7).await;
    post_with_button(&fake, AGENTS_CHANNEL, "Mark refunded").await;

    let notices = permission_notices(&fake);
    assert_eq!(notices.len(), 3, "once per channel and permission: {notices:#?}");
    let refused = fake.state.lock().unwrap().refused.clone();
    assert!(refused.iter().filter(|(_, _, lacking)| *lacking == Permissions::EMBED_LINKS).count() >= 2, "{refused:?}");
    for case in fixture.cases() {
        let shown = fixture.case(case["id"].as_i64().unwrap());
        let events = shown["events"].as_array().unwrap();
        assert!(events.iter().all(|e| e["kind"] != "dead_letter"), "{events:#?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_permission_that_works_again_is_reported_again_when_lost_again() {
    a_permission_that_works_again_is_reported_again_when_lost_again_on(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_permission_that_works_again_is_reported_again_when_lost_again_on_postgres() {
    a_permission_that_works_again_is_reported_again_when_lost_again_on(true).await;
}

/// Embed Links taken away, given back (a card goes out as an embed again), then taken away
/// again: the managers hear of the second removal too, not only the first.
async fn a_permission_that_works_again_is_reported_again_when_lost_again_on(postgres: bool) {
    const BOB: &str = "800000000000000002";
    const CAROL: &str = "800000000000000003";
    let embed_notices =
        |fake: &FakeDiscord| permission_notices(fake).into_iter().filter(|p| p.text().contains("Embed Links")).count();
    let fake = FakeDiscord::start().await;
    let Some(fixture) = fixture_on(&fake, postgres) else { return };
    fake.deny(AGENTS_CHANNEL, Permissions::EMBED_LINKS);
    let bot = start_bot(&fake, &fixture).await;
    request(&fake, ALICE, "ORD-1001 alice@example.com", "by accident").await;
    fake.until("the first notice", |f| (embed_notices(f) == 1).then_some(())).await;

    // Given back; a restart forgets the channel's plain-text spell, so the next card tries an embed.
    drop(bot);
    fake.allow(AGENTS_CHANNEL, Permissions::EMBED_LINKS);
    let _bot = start_bot(&fake, &fixture).await;
    request(&fake, BOB, "ORD-1002 bob@example.com", "by accident").await;
    let card =
        fake.until("Bob's card", |f| f.posted_for_agents().into_iter().find(|p| p.text().contains("ORD-1002"))).await;
    assert_eq!(card.body["embeds"].as_array().map(Vec::len), Some(1), "an embed again: {:#}", card.body);

    // Taken away again: told again.
    fake.deny(AGENTS_CHANNEL, Permissions::EMBED_LINKS);
    request(&fake, CAROL, "ORD-1003 carol@example.com", "by accident").await;
    fake.until("the second notice", |f| (embed_notices(f) == 2).then_some(())).await;
    fake.until("Carol's card", |f| f.posted_for_agents().into_iter().find(|p| p.text().contains("ORD-1003"))).await;
    assert_eq!(embed_notices(&fake), 2, "once per removal");
}

/// The README's invite link asks for exactly what the bot uses: what it posts (embed cards,
/// reactions, removing others' reactions) and the case threads (create, post, archive, files).
#[test]
fn the_readme_invite_link_grants_every_permission_the_bot_needs() {
    let readme = include_str!("../../../README.md");
    let link = readme.split("permissions=").nth(1).expect("an invite link with permissions");
    let bits: u64 = link.split(|c: char| !c.is_ascii_digit()).next().unwrap().parse().unwrap();
    let needed = Permissions::VIEW_CHANNEL
        | Permissions::SEND_MESSAGES
        | Permissions::EMBED_LINKS
        | Permissions::READ_MESSAGE_HISTORY
        | Permissions::ADD_REACTIONS
        | Permissions::MANAGE_MESSAGES
        | Permissions::ATTACH_FILES
        | Permissions::CREATE_PUBLIC_THREADS
        | Permissions::SEND_MESSAGES_IN_THREADS
        | Permissions::MANAGE_THREADS;
    assert_eq!(Permissions::from_bits(bits), Some(needed), "{:?}", Permissions::from_bits_truncate(bits));
    assert!(readme.contains(&format!("**{}**", group_thousands(needed.bits()))), "the README shows the sum");
}

fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A weekly digest job due now in the fixture's database (the schedule is tested with the
/// clock of `jsonl`; `run` has the wall clock).
pub(crate) async fn digest_due_now(fixture: &Fixture) {
    let app = refund_bot::app::open(Some(&fixture.config()), refund_bot::domain::Platform::Local, false).await.unwrap();
    let mut tx = app.engine.store().begin().await.unwrap();
    sqlx::query("INSERT INTO jobs (kind, case_id, due_at) VALUES ('weekly_digest', NULL, '2020-01-06T09:00:00.000Z')")
        .execute(tx.connection())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    app.engine.store().close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_digest_chart_is_uploaded_to_discord_as_a_file() {
    let fake = FakeDiscord::start().await;
    let fixture = Fixture::with_config(&format!("{}[digest]\nenabled = true\n", discord_config(&fake)));
    digest_due_now(&fixture).await;
    let _bot = start_bot(&fake, &fixture).await;
    let digest = fake
        .until("the digest in the managers' channel", |f| {
            f.posted_in(MANAGERS_CHANNEL).into_iter().find(|p| p.text().contains("Weekly refund digest"))
        })
        .await;
    assert_eq!(digest.files.len(), 1, "{:?}", digest.body);
    let (name, bytes) = &digest.files[0];
    assert_eq!(name, "refunds-by-reason-2019-12-30.png");
    let reader = png::Decoder::new(bytes.as_slice()).read_info().expect("a PNG");
    assert_eq!((reader.info().width, reader.info().height), (960, 480));
    assert!(digest.text().contains("refunds-by-reason-2019-12-30.png"));
}
