//! The bot as a real slack-morphism client in a real process, against the fake Slack on loopback.

mod fake;
mod live;
mod managers;

use crate::support::*;
use fake::*;
use std::process::{Child, Command, Stdio};

const ALICE: &str = "UALICE01";
const DAVE: &str = "UDAVE001";
const AGENT: &str = "UAGENT01";
const MANAGER: &str = "UMANAGER";
const STRANGER: &str = "USTRANGE";

pub struct Running {
    child: Child,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn slack_section(fake: &FakeSlack, mode: &str) -> String {
    format!(
        "[slack]\nmode = \"{mode}\"\nagents_channel_id = \"{AGENTS_CHANNEL}\"\nmanagers_channel_id = \"{MANAGERS_CHANNEL}\"\n\
         agents_usergroup_id = \"{AGENTS_GROUP}\"\nmanagers_usergroup_id = \"{MANAGERS_GROUP}\"\napi_base = \"{}\"\n",
        fake.api_base()
    )
}

fn fixture_for(fake: &FakeSlack) -> Fixture {
    Fixture::with_config(&slack_config(fake))
}

fn slack_config(fake: &FakeSlack) -> String {
    format!("{}[http]\nlisten = \"127.0.0.1:{}\"\n", slack_section(fake, "socket"), free_port())
}

/// The fixture on SQLite, or on PostgreSQL when `TEST_DATABASE_URL` names a server (else none).
fn fixture_on(fake: &FakeSlack, postgres: bool) -> Option<Fixture> {
    match postgres {
        false => Some(fixture_for(fake)),
        true => Fixture::postgres_with_config(&slack_config(fake)),
    }
}

fn bot_command(fixture: &Fixture) -> Command {
    let mut command = Command::new(BIN);
    command
        .arg("--config")
        .arg(fixture.config())
        .arg("run")
        .current_dir(fixture.path())
        .env("SLACK_BOT_TOKEN", BOT_TOKEN)
        .env("SLACK_APP_TOKEN", APP_TOKEN)
        .env("SLACK_SIGNING_SECRET", "signing-secret")
        .env_remove("DISCORD_TOKEN")
        .env_remove("DATABASE_URL")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(if std::env::var_os("TEST_LOG").is_some() { Stdio::inherit() } else { Stdio::null() });
    command
}

async fn start_bot(fake: &FakeSlack, fixture: &Fixture) -> Running {
    let hellos = fake.state.lock().unwrap().hellos;
    let child = bot_command(fixture).spawn().expect("start refund-bot run");
    let running = Running { child };
    fake.until("the bot's Socket Mode connection", |f| (f.state.lock().unwrap().hellos > hellos).then_some(())).await;
    // The hello is handled before events are read; give the client a moment to take it.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    running
}

/// The newest post in a channel that has a button like `label`.
async fn post_with_button(fake: &FakeSlack, channel: &str, label: &str) -> Posted {
    let channel = channel.to_string();
    fake.until(&format!("a `{label}` button in {channel}"), |f| {
        f.posted_in(&channel).into_iter().rev().find(|p| p.has_button(label))
    })
    .await
}

async fn dm_count(fake: &FakeSlack, customer: &str, at_least: usize) -> Vec<Posted> {
    fake.until(&format!("{at_least} DMs to {customer}"), |f| {
        let dms = f.dm_of(customer);
        (dms.len() >= at_least).then_some(dms)
    })
    .await
}

/// Customer side of a request, up to the confirmation.
async fn request(fake: &FakeSlack, customer: &str, order_line: &str, reason: &str) {
    fake.customer_says(customer, "Hi, I'd like a refund please");
    dm_count(fake, customer, 1).await;
    fake.customer_says(customer, order_line);
    let ask = dm_count(fake, customer, 2).await.last().unwrap().clone();
    fake.press(customer, &ask, &ask.button(reason));
    dm_count(fake, customer, 3).await;
    fake.customer_says(customer, "Wrong product, <!channel> @everyone <!subteam^S0AGENTS> <@UAGENT01> please help");
    let ask = dm_count(fake, customer, 4).await.last().unwrap().clone();
    fake.press(customer, &ask, &ask.button("A refund"));
    let summary = dm_count(fake, customer, 5).await.last().unwrap().clone();
    fake.press(customer, &summary, &summary.button("Yes, send it"));
}

/// No ping or link markup anywhere in a post but the ones the bot means.
fn assert_no_injected_pings(posted: &Posted, allowed: &[&str]) {
    let mut text = posted.first_text();
    text.push_str(posted.body["text"].as_str().unwrap_or_default());
    for allowed in allowed {
        text = text.replace(allowed, "");
    }
    for markup in ["<!channel>", "<!here>", "<!everyone>", "<!subteam", "<@U"] {
        assert!(!text.contains(markup), "{markup} in {text}");
    }
    assert!(posted.body["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .all(|b| b["text"].is_null() || b["text"]["verbatim"] == true));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dm_request_becomes_an_approved_reply_and_a_recorded_refund() {
    a_dm_request_becomes_an_approved_reply_and_a_recorded_refund_on(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dm_request_becomes_an_approved_reply_and_a_recorded_refund_on_postgres() {
    a_dm_request_becomes_an_approved_reply_and_a_recorded_refund_on(true).await;
}

async fn a_dm_request_becomes_an_approved_reply_and_a_recorded_refund_on(postgres: bool) {
    let fake = FakeSlack::start().await;
    fake.state.lock().unwrap().groups.insert(AGENTS_GROUP.into(), vec![AGENT.into()]);
    let Some(fixture) = fixture_on(&fake, postgres) else { return };
    let _bot = start_bot(&fake, &fixture).await;

    // An envelope delivered twice (a retry after a missed ack) is handled once.
    let first = fake.dm_event(ALICE, "Hi, I'd like a refund please");
    let (envelope, event_id) = fake.push_event(first.clone());
    dm_count(&fake, ALICE, 1).await;
    fake.until("the ack", |f| f.state.lock().unwrap().acks.contains(&envelope).then_some(())).await;
    fake.push_event_with_id("env-retry", &event_id, first);
    fake.customer_says(ALICE, "ORD-1001 alice@example.com");
    let dms = dm_count(&fake, ALICE, 2).await;
    assert_eq!(dms.len(), 2, "one greeting, then the reason question");
    let greeting = &dms[0];
    assert_eq!(
        greeting.body["channel"],
        format!("D{}", ALICE.trim_start_matches('U')),
        "answered in the DM it came from"
    );
    assert_eq!(greeting.body["metadata"]["event_type"], "refund_bot_outbox");
    assert!(greeting.body["metadata"]["event_payload"]["id"].as_str().unwrap().starts_with("m-"));
    let ask = dms.last().unwrap().clone();
    let press = fake.press(ALICE, &ask, &ask.button("by accident"));
    dm_count(&fake, ALICE, 3).await;
    assert!(fake.state.lock().unwrap().acks.contains(&press), "the press acknowledged");
    fake.customer_says(ALICE, "Wrong product, <!channel> @everyone <!subteam^S0AGENTS> <@UAGENT01> please help");
    let ask = dm_count(&fake, ALICE, 4).await.last().unwrap().clone();
    fake.press(ALICE, &ask, &ask.button("A refund"));
    let summary = dm_count(&fake, ALICE, 5).await.last().unwrap().clone();
    assert_no_injected_pings(&summary, &[]);
    fake.press(ALICE, &summary, &summary.button("Yes, send it"));

    let draft = post_with_button(&fake, AGENTS_CHANNEL, "Approve").await;
    assert!(draft.text().contains("Wrong product"), "the case card shows the story: {}", draft.text());
    assert!(draft.text().contains("ORD-1001"), "{}", draft.text());
    assert_no_injected_pings(&draft, &[]);
    let approve = draft.button("Approve");
    let button = fake.posted_in(AGENTS_CHANNEL).last().unwrap().body["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|b| b["elements"].as_array().cloned().unwrap_or_default())
        .find(|e| e["action_id"] == approve.as_str())
        .unwrap();
    assert_eq!(button["value"], approve.as_str());
    assert_eq!(button["style"], "primary");

    // Someone outside the agents' user group cannot approve.
    fake.press(STRANGER, &draft, &approve);
    fake.until("the refusal", |f| f.dm_of(STRANGER).last().cloned()).await;
    fake.press(AGENT, &draft, &approve);
    let dms = dm_count(&fake, ALICE, 7).await;
    assert!(dms[6].text().contains("$49.00"), "{}", dms[6].text());
    let edited = fake
        .until("the draft post edited", |f| {
            f.posted_in(AGENTS_CHANNEL).into_iter().find(|p| p.ts == draft.ts && !p.edits.is_empty())
        })
        .await;
    assert!(
        edited.edits[0]["blocks"].as_array().unwrap().iter().all(|b| b["type"] != "actions"),
        "buttons gone after the action"
    );
    let mark = post_with_button(&fake, AGENTS_CHANNEL, "Mark refunded").await;
    fake.press(AGENT, &mark, &mark.button("Mark refunded"));
    let dms = dm_count(&fake, ALICE, 8).await;
    assert!(dms[7].text().contains("on its way"), "{}", dms[7].text());
    let case = fixture.case(1);
    assert_eq!(case["outcome"], "refunded");
    let messages = case["events"].as_array().unwrap().iter().filter(|e| e["kind"] == "message" && e["actor"] == ALICE);
    assert_eq!(messages.count(), 3, "the duplicate envelope was handled once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_edits_a_draft_in_a_modal_before_approving_it() {
    let fake = FakeSlack::start().await;
    fake.state.lock().unwrap().groups.insert(AGENTS_GROUP.into(), vec![AGENT.into()]);
    let fixture = fixture_for(&fake);
    let _bot = start_bot(&fake, &fixture).await;
    request(&fake, ALICE, "ORD-1001 alice@example.com", "by accident").await;
    let draft = post_with_button(&fake, AGENTS_CHANNEL, "Approve").await;
    fake.press(AGENT, &draft, &draft.button("Edit"));
    let (_, view) = fake.until("the edit modal", |f| f.state.lock().unwrap().views.last().cloned()).await;
    let prefilled = view["blocks"][0]["element"]["initial_value"].as_str().unwrap().to_string();
    assert!(prefilled.contains("$49.00"), "the form holds the draft: {prefilled}");
    assert_eq!(view["private_metadata"], draft.button("Edit"));
    fake.submit_view(AGENT, "Hi Alice, refund approved: $49.00.");
    fake.until("the draft updated", |f| {
        f.posted_in(AGENTS_CHANNEL).into_iter().find(|p| p.ts == draft.ts && !p.edits.is_empty())
    })
    .await;
    fake.press(AGENT, &draft, &draft.button("Approve"));
    let dms = dm_count(&fake, ALICE, 7).await;
    assert_eq!(dms[6].text(), "Hi Alice, refund approved: $49.00.");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn managers_decide_by_reaction_even_after_a_restart() {
    managers_decide_by_reaction_even_after_a_restart_on(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn managers_decide_by_reaction_even_after_a_restart_on_postgres() {
    managers_decide_by_reaction_even_after_a_restart_on(true).await;
}

async fn managers_decide_by_reaction_even_after_a_restart_on(postgres: bool) {
    let fake = FakeSlack::start().await;
    {
        let mut state = fake.state.lock().unwrap();
        state.groups.insert(AGENTS_GROUP.into(), vec![AGENT.into()]);
        state.groups.insert(MANAGERS_GROUP.into(), vec![MANAGER.into()]);
    }
    let Some(fixture) = fixture_on(&fake, postgres) else { return };
    let bot = start_bot(&fake, &fixture).await;
    request(&fake, DAVE, "ORD-1004 dave@example.com", "changed my mind").await;
    let escalation = fake.until("the escalation", |f| f.posted_in(MANAGERS_CHANNEL).into_iter().next()).await;
    let ping = format!("<!subteam^{MANAGERS_GROUP}>");
    assert!(escalation.first_text().starts_with(&ping), "{}", escalation.first_text());
    assert_no_injected_pings(&escalation, &[&ping]);
    let names = |f: &FakeSlack| {
        let state = f.state.lock().unwrap();
        state.reactions.iter().filter(|(_, ts, _)| *ts == escalation.ts).map(|(_, _, n)| n.clone()).collect::<Vec<_>>()
    };
    fake.until("the bot's ✅ and ❌", |f| (names(f).len() >= 2).then_some(())).await;
    assert_eq!(names(&fake), ["white_check_mark", "x"]);

    // Restart between the escalation and the decision: the reaction still finds the case.
    drop(bot);
    let _bot = start_bot(&fake, &fixture).await;
    // The bot's own reactions come back as events and are ignored.
    fake.react(BOT_USER, &escalation, "white_check_mark");
    fake.react(STRANGER, &escalation, "white_check_mark");
    fake.until("the stranger told", |f| f.dm_of(STRANGER).last().cloned()).await;
    fake.react(MANAGER, &escalation, "heavy_check_mark");
    let draft = post_with_button(&fake, AGENTS_CHANNEL, "Approve").await;
    fake.until("the escalation edited", |f| {
        f.posted_in(MANAGERS_CHANNEL).into_iter().find(|p| p.ts == escalation.ts && !p.edits.is_empty())
    })
    .await;
    fake.press(AGENT, &draft, &draft.button("Approve"));
    fake.until("the exception reply", |f| f.dm_of(DAVE).into_iter().find(|p| p.text().contains("$249.00"))).await;
    let case = fixture.case(1);
    let events = case["events"].as_array().unwrap();
    assert!(events.iter().any(|e| e["kind"] == "refused" && e["actor"] == STRANGER), "{case:#}");
    assert!(!events.iter().any(|e| e["actor"] == BOT_USER), "the bot's own reactions are ignored");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_and_ambiguous_failures_do_not_lose_or_double_posts_and_bad_tokens_stop_the_start() {
    let fake = FakeSlack::start().await;
    let fixture = fixture_for(&fake);
    let _bot = start_bot(&fake, &fixture).await;
    fake.state.lock().unwrap().rate_limit_next = 1;
    let asked = std::time::Instant::now();
    fake.customer_says(ALICE, "Hello?");
    let reply = dm_count(&fake, ALICE, 1).await[0].clone();
    assert_eq!(fake.state.lock().unwrap().rate_limited, 1);
    assert!(reply.at.duration_since(asked) >= std::time::Duration::from_secs(1), "Retry-After: 1 honoured");

    // Slack posted but answered an error: the retry finds the post by its metadata.
    fake.state.lock().unwrap().fail_after_post_next = 1;
    fake.customer_says(ALICE, "ORD-1001 alice@example.com");
    let ask = dm_count(&fake, ALICE, 2).await.last().unwrap().clone();
    fake.until("the check of the history", |f| (f.state.lock().unwrap().history_checks > 0).then_some(())).await;
    // The recorded post is the one Slack holds: its buttons work.
    fake.press(ALICE, &ask, &ask.button("by accident"));
    dm_count(&fake, ALICE, 3).await;
    assert_eq!(fake.dm_of(ALICE).len(), 3, "not posted twice");

    // Slack's periodic `disconnect` (refresh_requested): the bot reconnects and carries on.
    fake.disconnect("refresh_requested");
    fake.until("a new Socket Mode connection", |f| (f.state.lock().unwrap().hellos > 1).then_some(())).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    fake.customer_says(ALICE, "It was an accident");
    dm_count(&fake, ALICE, 4).await;

    let out = bot_command(&fixture).env_remove("SLACK_APP_TOKEN").stderr(Stdio::piped()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("SLACK_APP_TOKEN"));
    // Another fixture: the running bot holds this one's [http] port.
    let other = fixture_for(&fake);
    let out = bot_command(&other).env("SLACK_BOT_TOKEN", "xoxb-wrong").stderr(Stdio::piped()).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("SLACK_BOT_TOKEN"));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("xoxb-wrong"), "tokens are never printed");
}

mod events_api {
    use super::*;
    use hmac::{Hmac, Mac};
    use sha2::Sha256;

    const SECRET: &str = "signing-secret";

    fn sign(ts: &str, body: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
        mac.update(format!("v0:{ts}:{body}").as_bytes());
        format!("v0={}", mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect::<String>())
    }

    async fn post(
        http: &reqwest::Client,
        url: &str,
        body: &str,
        content_type: &str,
        ts: i64,
        signature: Option<&str>,
        retry: Option<&str>,
    ) -> reqwest::Response {
        let ts = ts.to_string();
        let signature = signature.map_or_else(|| sign(&ts, body), str::to_string);
        let mut request = http
            .post(url)
            .header("content-type", content_type)
            .header("x-slack-request-timestamp", &ts)
            .header("x-slack-signature", signature)
            .body(body.to_string());
        if let Some(retry) = retry {
            request = request.header("x-slack-retry-num", retry).header("x-slack-retry-reason", "http_timeout");
        }
        request.send().await.unwrap()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn signed_requests_are_handled_once_and_bad_or_stale_ones_refused() {
        let fake = FakeSlack::start().await;
        let port = free_port();
        let fixture =
            Fixture::with_config(&format!("{}[http]\nlisten = \"127.0.0.1:{port}\"\n", slack_section(&fake, "events")));
        let _bot = Running { child: bot_command(&fixture).env_remove("SLACK_APP_TOKEN").spawn().unwrap() };
        let url = format!("http://127.0.0.1:{port}/slack/events");
        let http = reqwest::Client::new();
        let now = || chrono::Utc::now().timestamp();

        let challenge = r#"{"token":"t","challenge":"c-123","type":"url_verification"}"#;
        let mut verified = None;
        for _ in 0..300 {
            let ts = now().to_string();
            let response = http
                .post(&url)
                .header("content-type", "application/json")
                .header("x-slack-request-timestamp", &ts)
                .header("x-slack-signature", sign(&ts, challenge))
                .body(challenge)
                .send()
                .await;
            if let Ok(response) = response.map_err(drop).and_then(|r| r.error_for_status().map_err(drop)) {
                verified = Some(response.json::<serde_json::Value>().await.unwrap());
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(verified.expect("url_verification answered")["challenge"], "c-123");

        let event = fake.event_callback("Ev0000HTTP", fake.dm_event(ALICE, "Hi, I'd like a refund please"));
        let body = event.to_string();
        let bad = post(&http, &url, &body, "application/json", now(), Some("v0=00ff"), None).await;
        assert_eq!(bad.status(), 401);
        let stale = post(&http, &url, &body, "application/json", now() - 600, None, None).await;
        assert_eq!(stale.status(), 401);
        assert!(fake.dm_of(ALICE).is_empty(), "neither was acted on");
        let good = post(&http, &url, &body, "application/json", now(), None, None).await;
        assert_eq!(good.status(), 200);
        dm_count(&fake, ALICE, 1).await;
        let retried = post(&http, &url, &body, "application/json", now(), None, Some("1")).await;
        assert_eq!(retried.status(), 200, "a retry is answered 2xx");

        let order = fake.event_callback("Ev0000HTT2", fake.dm_event(ALICE, "ORD-1001 alice@example.com"));
        post(&http, &url, &order.to_string(), "application/json", now(), None, None).await;
        let ask = dm_count(&fake, ALICE, 2).await.last().unwrap().clone();
        assert_eq!(fake.dm_of(ALICE).len(), 2, "the retried event was not handled again");

        // Interactions come form-encoded on the same path.
        let payload = fake.press_payload(ALICE, &ask, &ask.button("by accident")).to_string();
        let form: String = form_urlencoded::Serializer::new(String::new()).append_pair("payload", &payload).finish();
        let pressed = post(&http, &url, &form, "application/x-www-form-urlencoded", now(), None, None).await;
        assert_eq!(pressed.status(), 200);
        dm_count(&fake, ALICE, 3).await;
    }
}

/// The fake Discord of `tests/it/discord`, compiled here too for the mixed setup (that module
/// keeps it private, and this branch leaves the Discord tests as they are).
#[allow(dead_code, clippy::duplicate_mod)]
#[path = "../discord/fake.rs"]
mod discord_fake;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_discord_customer_is_handled_by_staff_on_slack() {
    a_discord_customer_is_handled_by_staff_on_slack_on(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_discord_customer_is_handled_by_staff_on_slack_on_postgres() {
    a_discord_customer_is_handled_by_staff_on_slack_on(true).await;
}

async fn a_discord_customer_is_handled_by_staff_on_slack_on(postgres: bool) {
    use discord_fake::FakeDiscord;
    const CAROL: &str = "800000000000000003";
    let slack = FakeSlack::start().await;
    slack.state.lock().unwrap().groups.insert(AGENTS_GROUP.into(), vec![AGENT.into()]);
    let discord = FakeDiscord::start().await;
    let config = format!(
        "{}[discord]\nguild_id = \"{}\"\nagents_channel_id = \"{}\"\nmanagers_channel_id = \"{}\"\napi_base = \"{}\"\n\
         [staff]\nplatform = \"slack\"\n[http]\nlisten = \"127.0.0.1:{}\"\n",
        slack_section(&slack, "socket"),
        discord_fake::GUILD_ID,
        discord_fake::AGENTS_CHANNEL,
        discord_fake::MANAGERS_CHANNEL,
        discord.api_base(),
        free_port()
    );
    let fixture = match postgres {
        false => Fixture::with_config(&config),
        true => match Fixture::postgres_with_config(&config) {
            Some(fixture) => fixture,
            None => return,
        },
    };
    let _bot = Running { child: bot_command(&fixture).env("DISCORD_TOKEN", "test-token").spawn().unwrap() };
    slack.until("the Slack connection", |f| (f.state.lock().unwrap().hellos > 0).then_some(())).await;
    discord.until("the Discord session", |f| (f.state.lock().unwrap().identifies > 0).then_some(())).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;

    let dms = |n: usize| {
        let discord = discord.clone();
        async move {
            discord
                .until(&format!("{n} Discord DMs"), |f| {
                    let dms = f.dm_of(CAROL);
                    (dms.len() >= n).then_some(dms)
                })
                .await
        }
    };
    discord.customer_says(CAROL, "ORD-1001 alice@example.com");
    let ask = dms(2).await.last().unwrap().clone();
    discord.press(CAROL, None, &ask, &ask.button("by accident"));
    dms(3).await;
    discord.customer_says(CAROL, "Bought the wrong one");
    let ask = dms(4).await.last().unwrap().clone();
    discord.press(CAROL, None, &ask, &ask.button("A refund"));
    let summary = dms(5).await.last().unwrap().clone();
    discord.press(CAROL, None, &summary, &summary.button("Yes, send it"));

    let draft = post_with_button(&slack, AGENTS_CHANNEL, "Approve").await;
    assert!(draft.text().contains("ORD-1001"), "{}", draft.text());
    assert!(discord.posted_in(discord_fake::AGENTS_CHANNEL).is_empty(), "staff posts go to Slack only");
    slack.press(AGENT, &draft, &draft.button("Approve"));
    let dms = dms(7).await;
    assert!(dms[6].content().contains("$49.00"), "the reply reaches the customer on Discord: {}", dms[6].content());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_home_tab_button_and_the_slash_command_open_a_conversation() {
    let fake = FakeSlack::start().await;
    let fixture = fixture_for(&fake);
    let _bot = start_bot(&fake, &fixture).await;
    fake.push_event(serde_json::json!({"type": "app_home_opened", "user": ALICE, "channel": "DALICE01", "tab": "home",
                                       "event_ts": "1764590000.000001"}));
    let home = fake.until("the Home tab published", |f| f.state.lock().unwrap().published.last().cloned()).await;
    assert_eq!(home["user_id"], ALICE);
    let panel = Posted {
        ts: "0".into(),
        channel: "home".into(),
        body: home["view"].clone(),
        edits: vec![],
        at: std::time::Instant::now(),
    };
    fake.press(ALICE, &panel, &panel.button("Request a refund"));
    let dms = dm_count(&fake, ALICE, 1).await;
    assert!(!dms[0].text().is_empty());

    // `/refund` in a channel is answered there (the command's ack) and goes on in the DM.
    let command = fake.slash_refund(DAVE, "C0GENERAL");
    dm_count(&fake, DAVE, 1).await;
    let answer =
        fake.until("the command's answer", |f| f.state.lock().unwrap().ack_payloads.get(&command).cloned()).await;
    assert!(!answer["text"].as_str().unwrap_or_default().is_empty(), "{answer}");
    assert!(fake.posted_in("C0GENERAL").is_empty(), "nothing posted where the command was typed");
}

/// `/refund` in a channel: the first DM goes to the person's user id, as no DM channel is known
/// yet. Slack stores it but the call fails; the retry opens the DM, finds the post in its
/// history and does not post it twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_first_dm_to_a_user_id_is_not_posted_twice() {
    let fake = FakeSlack::start().await;
    let fixture = fixture_for(&fake);
    let _bot = start_bot(&fake, &fixture).await;
    fake.state.lock().unwrap().fail_after_post_next = 1;
    fake.slash_refund(DAVE, "C0GENERAL");
    // The retry either looks in the DM's history (after the failure) or posts a second greeting.
    fake.until("the retry of the greeting", |f| {
        let looked = {
            let state = f.state.lock().unwrap();
            state.checks_before_failure.is_some_and(|before| state.history_checks > before)
        };
        (looked || f.dm_of(DAVE).len() > 1).then_some(())
    })
    .await;
    assert_eq!(fake.dm_of(DAVE).len(), 1, "the greeting once: {:#?}", fake.dm_of(DAVE));
    assert_eq!(fake.state.lock().unwrap().dm_opens, 1, "the DM channel is opened once");
    fake.customer_says(DAVE, "ORD-1004 dave@example.com");
    let dms = dm_count(&fake, DAVE, 2).await;
    assert_ne!(dms[1].text(), dms[0].text(), "then the reason question: {dms:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_slack_already_holds_is_not_posted_again_after_a_restart() {
    a_post_slack_already_holds_is_not_posted_again_after_a_restart_on(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_slack_already_holds_is_not_posted_again_after_a_restart_on_postgres() {
    a_post_slack_already_holds_is_not_posted_again_after_a_restart_on(true).await;
}

async fn a_post_slack_already_holds_is_not_posted_again_after_a_restart_on(postgres: bool) {
    let fake = FakeSlack::start().await;
    let Some(fixture) = fixture_on(&fake, postgres) else { return };
    // As if an earlier run posted the greeting (outbox id m-1) and crashed before recording it.
    fake.seed_post(ALICE, "m-1", "Hi! (posted before the crash)");
    let _bot = start_bot(&fake, &fixture).await;
    fake.customer_says(ALICE, "Hi, I'd like a refund please");
    fake.until("the check of the history", |f| (f.state.lock().unwrap().history_checks > 0).then_some(())).await;
    fake.customer_says(ALICE, "ORD-1001 alice@example.com");
    let dms = dm_count(&fake, ALICE, 2).await;
    assert_eq!(dms[0].first_text(), "Hi! (posted before the crash)", "found by its metadata, not posted again");
    assert_eq!(dms[1].body["metadata"]["event_payload"]["id"], "m-2", "{:#}", dms[1].body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_digest_chart_is_shared_on_slack_through_the_external_upload() {
    let fake = FakeSlack::start().await;
    let fixture = Fixture::with_config(&format!("{}[digest]\nenabled = true\n", slack_config(&fake)));
    crate::discord::digest_due_now(&fixture).await;
    let _bot = start_bot(&fake, &fixture).await;
    let digest = fake
        .until("the digest in the managers' channel", |f| {
            f.posted_in(MANAGERS_CHANNEL).into_iter().find(|p| p.text().contains("Weekly refund digest"))
        })
        .await;
    assert!(digest.text().contains("refunds-by-reason-2019-12-30.png"));
    let (channel, name, bytes) =
        fake.until("the chart shared", |f| f.state.lock().unwrap().shared_files.first().cloned()).await;
    assert_eq!((channel.as_str(), name.as_str()), (MANAGERS_CHANNEL, "refunds-by-reason-2019-12-30.png"));
    let reader = png::Decoder::new(bytes.as_slice()).read_info().expect("a PNG");
    assert_eq!((reader.info().width, reader.info().height), (960, 480));
    assert!(fake.state.lock().unwrap().uploads.is_empty(), "every upload completed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_surge_of_cards_goes_in_one_backlog_thread_and_customers_are_not_kept_waiting() {
    a_surge_of_cards_goes_in_one_backlog_thread_and_customers_are_not_kept_waiting_on(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_surge_of_cards_goes_in_one_backlog_thread_and_customers_are_not_kept_waiting_on_postgres() {
    a_surge_of_cards_goes_in_one_backlog_thread_and_customers_are_not_kept_waiting_on(true).await;
}

/// Customers of the surge, each with an order of their own bought two days ago.
const SURGE: usize = 16;

fn surge_customer(i: usize) -> String {
    format!("USURGE{i:02}")
}

/// Imports an order per surge customer (ORD-2001 ...).
fn import_surge_orders(fixture: &Fixture) {
    let bought = (chrono::Utc::now() - chrono::Duration::days(2)).format("%Y-%m-%dT%H:%M:%SZ");
    let orders: String = (1..=SURGE)
        .map(|i| {
            format!(
                "{{\"order_id\":\"ORD-{}\",\"email\":\"surge{i}@example.com\",\"sku\":\"course-webdesign\",\"product\":\"Web Design Course\",\"amount\":\"49.00\",\"currency\":\"USD\",\"purchased_at\":\"{bought}\",\"usage\":{{\"progress_percent\":12}},\"refunded\":\"0.00\"}}\n",
                2000 + i
            )
        })
        .collect();
    std::fs::write(fixture.path().join("surge.jsonl"), orders).unwrap();
    let out = fixture.cli(&["orders", "import", "surge.jsonl"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// Each surge customer's request up to its summary (not yet confirmed); the summaries.
async fn surge_summaries(fake: &FakeSlack) -> Vec<Posted> {
    let mut summaries = Vec::new();
    for i in 1..=SURGE {
        let customer = surge_customer(i);
        fake.customer_says(&customer, &format!("ORD-{} surge{i}@example.com", 2000 + i));
        let ask = dm_count(fake, &customer, 2).await.last().unwrap().clone();
        fake.press(&customer, &ask, &ask.button("by accident"));
        dm_count(fake, &customer, 3).await;
        fake.customer_says(&customer, "Bought the wrong one");
        let ask = dm_count(fake, &customer, 4).await.last().unwrap().clone();
        fake.press(&customer, &ask, &ask.button("A refund"));
        summaries.push(dm_count(fake, &customer, 5).await.last().unwrap().clone());
    }
    summaries
}

/// A surge against Slack's per-channel limit (enforced by the fake): 16 customers confirm at
/// once. The agents' channel gets one summary with the cards in its thread, paced so that Slack
/// never answers 429, each card once (one whose answer was lost too); a customer who writes
/// meanwhile is answered at once, not after the cards (the outbox delivers a lane per
/// destination).
async fn a_surge_of_cards_goes_in_one_backlog_thread_and_customers_are_not_kept_waiting_on(postgres: bool) {
    let fake = FakeSlack::start().await;
    fake.state.lock().unwrap().groups.insert(AGENTS_GROUP.into(), vec![AGENT.into()]);
    let Some(fixture) = fixture_on(&fake, postgres) else { return };
    import_surge_orders(&fixture);
    let _bot = start_bot(&fake, &fixture).await;
    let summaries = surge_summaries(&fake).await;
    fake.state.lock().unwrap().channel_burst = Some(4.0);
    for (i, summary) in summaries.iter().enumerate() {
        fake.press(&surge_customer(i + 1), summary, &summary.button("Yes, send it"));
    }
    let backlog = fake
        .until("the backlog summary", |f| {
            f.posted_in(AGENTS_CHANNEL).into_iter().find(|p| p.text().contains("new cases are waiting"))
        })
        .await;
    assert!(backlog.thread().is_none(), "the summary is in the channel");

    // While the cards drain at one a second, a new customer is answered at once.
    let asked = std::time::Instant::now();
    fake.customer_says(ALICE, "Hi, I'd like a refund please");
    let greeting = dm_count(&fake, ALICE, 1).await[0].clone();
    let waited = greeting.at.duration_since(asked);
    let cards = |f: &FakeSlack| f.posted_in(AGENTS_CHANNEL).into_iter().filter(|p| p.has_button("Approve")).count();
    let posted_by_then = cards(&fake);
    assert!(waited < std::time::Duration::from_secs(3), "the DM waited {waited:?}");
    assert!(posted_by_then < SURGE, "the cards were still draining ({posted_by_then} posted)");
    // The next card reaches Slack but its answer is lost: the retry finds it in the thread.
    fake.state.lock().unwrap().fail_after_post_next = 1;

    fake.until("every card", |f| (cards(f) >= SURGE).then_some(())).await;
    let posted = fake.posted_in(AGENTS_CHANNEL);
    let in_thread = posted.iter().filter(|p| p.thread().as_deref() == Some(backlog.ts.as_str())).count();
    assert!(in_thread >= SURGE - 5, "{in_thread} of {SURGE} cards in the summary's thread");
    assert_eq!(posted.iter().filter(|p| p.text().contains("new cases are waiting")).count(), 1, "one summary");
    let mut ids: Vec<String> =
        posted.iter().map(|p| p.body["metadata"]["event_payload"]["id"].as_str().unwrap().to_string()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), posted.len(), "each post once");
    assert!(fake.state.lock().unwrap().replies_checks > 0, "the lost answer's card looked for in the thread");
    assert_eq!(fake.state.lock().unwrap().rate_limited, 0, "paced under Slack's per-channel limit");

    // A card in the thread works like any other: approved, the card updated there.
    let card = posted.iter().rev().find(|p| p.has_button("Approve") && p.thread().is_some()).unwrap().clone();
    fake.press(AGENT, &card, &card.button("Approve"));
    fake.until("the card in the thread updated", |f| {
        f.posted_in(AGENTS_CHANNEL).into_iter().find(|p| p.ts == card.ts && !p.edits.is_empty())
    })
    .await;
}
