//! The Slack benchmark: the real `refund-bot run` process (slack-morphism in Socket Mode, SQLite
//! file, the example policy) against the fake Slack of the tests on loopback, with the fake
//! enforcing Slack's per-channel limit on `chat.postMessage` (a burst of 4, then 1 a second;
//! over it: 429 with `Retry-After: 1`).
//!
//!   cargo bench --bench slack
//!   SLACK_CUSTOMERS=50 SLACK_RATE=5 SLACK_SURGE=1000 SLACK_CARDS=60 SLACK_DMS=20 SLACK_DM_EVERY=1 cargo bench --bench slack
//!
//! 1. Latency under the cap: `SLACK_CUSTOMERS` customers (default 50) each sending one DM at
//!    `SLACK_RATE` per second (default 5): per customer, the time from the fake's dispatch of
//!    the event to the bot's reply post arriving at the fake.
//! 2. Surge of DMs: `SLACK_SURGE` customers (default 1,000) at once: 1,000 posts to 1,000
//!    distinct DM channels (no channel's pace applies): drain time, posts per second, 429s.
//! 3. Surge in one channel: `SLACK_CARDS` customers (default 60) go through the intake up to the
//!    summary, then all confirm at once: their case cards go to the agents' channel, which the
//!    bot paces (burst 3, then 1 a second): posts per second in that channel, drain time, 429s;
//!    more than 10 waiting get one summary post with the cards in its thread. Meanwhile
//!    `SLACK_DMS` new customers (default 20), one every `SLACK_DM_EVERY` seconds (default 1),
//!    each send a DM: the time to their
//!    reply shows whether a customer waits behind the cards (the outbox's lanes say no).
//!
//! Figures: BENCHMARKS.md.

#[allow(dead_code)]
#[path = "../tests/it/slack/fake.rs"]
mod fake;

mod common;

use common::*;
use fake::*;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_refund-bot");
const POLICY: &str = include_str!("../policy.example.toml");
const TEXT: &str = "Hi, I'd like a refund";
const AGENT: &str = "UAGENT01";
/// The fake's per-channel burst (Slack allows "short bursts"; the bot's own is 3).
const FAKE_BURST: f64 = 4.0;

fn main() {
    print_machine();
    tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime").block_on(run());
}

/// A Slack user id for customer `i` of phase `phase` (every phase opens new DMs).
fn customer(phase: usize, i: usize) -> String {
    format!("UB{phase}{i:07}")
}

fn order_line(i: usize) -> String {
    format!("ORD-9{i:05} card{i}@example.com")
}

/// One order per card customer, like the tests' ORD-1001 (which the example policy sends to the agents).
fn orders(cards: usize) -> String {
    (0..cards)
        .map(|i| {
            format!(
                "{{\"order_id\":\"ORD-9{i:05}\",\"email\":\"card{i}@example.com\",\"sku\":\"course-webdesign\",\
                 \"product\":\"Web Design Course\",\"amount\":\"49.00\",\"currency\":\"USD\",\
                 \"purchased_at\":\"2026-11-10T10:00:00Z\",\"usage\":{{\"progress_percent\":12}},\"refunded\":\"0.00\"}}\n"
            )
        })
        .collect()
}

async fn start_bot(fake: &FakeSlack, dir: &std::path::Path, cards: usize) -> Bot {
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
    let config = dir.join("refund-bot.toml");
    std::fs::write(
        &config,
        format!(
            "database_url = \"sqlite://{}\"\npolicy = \"policy.toml\"\n\
             [slack]\nmode = \"socket\"\nagents_channel_id = \"{AGENTS_CHANNEL}\"\nmanagers_channel_id = \"{MANAGERS_CHANNEL}\"\n\
             agents_usergroup_id = \"{AGENTS_GROUP}\"\nmanagers_usergroup_id = \"{MANAGERS_GROUP}\"\napi_base = \"{}\"\n\
             [http]\nlisten = \"127.0.0.1:{port}\"\n",
            dir.join("bot.db").display(),
            fake.api_base()
        ),
    )
    .expect("write config");
    std::fs::write(dir.join("policy.toml"), POLICY).expect("write policy");
    std::fs::write(dir.join("orders.jsonl"), orders(cards)).expect("write orders");
    let command = |args: &[&str]| {
        let mut command = Command::new(BIN);
        command
            .arg("--config")
            .arg(&config)
            .args(args)
            .current_dir(dir)
            .env("SLACK_BOT_TOKEN", BOT_TOKEN)
            .env("SLACK_APP_TOKEN", APP_TOKEN)
            .env_remove("DISCORD_TOKEN")
            .env_remove("DATABASE_URL")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(if std::env::var_os("BENCH_LOG").is_some() { Stdio::inherit() } else { Stdio::null() });
        command
    };
    let imported = command(&["orders", "import", "orders.jsonl"]).status().expect("orders import");
    assert!(imported.success(), "orders import failed");
    let bot = Bot(command(&["run"]).spawn().expect("start refund-bot run"));
    wait_for("the bot's Socket Mode connection", Duration::from_secs(30), || fake.state.lock().unwrap().hellos > 0)
        .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    bot
}

fn posts(fake: &FakeSlack) -> usize {
    fake.state.lock().unwrap().posted.len()
}

fn rate_limited(fake: &FakeSlack) -> usize {
    fake.state.lock().unwrap().rate_limited
}

/// The DMs a customer has got so far.
fn dms(fake: &FakeSlack, user: &str) -> Vec<Posted> {
    fake.dm_of(user)
}

async fn dm_count(fake: &FakeSlack, user: &str, at_least: usize) -> Posted {
    wait_for(&format!("{at_least} DMs to {user}"), Duration::from_secs(120), || dms(fake, user).len() >= at_least)
        .await;
    dms(fake, user)[at_least - 1].clone()
}

/// A card customer's intake up to the summary (the steps of the tests' `request`); returns the
/// summary post, whose "Yes, send it" sends the case to the agents.
async fn intake(fake: FakeSlack, user: String, i: usize) -> Posted {
    fake.customer_says(&user, "Hi, I'd like a refund please");
    dm_count(&fake, &user, 1).await;
    fake.customer_says(&user, &order_line(i));
    let ask = dm_count(&fake, &user, 2).await;
    fake.press(&user, &ask, &ask.button("by accident"));
    dm_count(&fake, &user, 3).await;
    fake.customer_says(&user, "Wrong product, please help");
    let ask = dm_count(&fake, &user, 4).await;
    fake.press(&user, &ask, &ask.button("A refund"));
    dm_count(&fake, &user, 5).await
}

async fn run() {
    let customers = env_usize("SLACK_CUSTOMERS", 50);
    let rate = env_usize("SLACK_RATE", 5);
    let surge = env_usize("SLACK_SURGE", 1000);
    let cards = env_usize("SLACK_CARDS", 60);
    let probes = env_usize("SLACK_DMS", 20);
    let probe_every = env_usize("SLACK_DM_EVERY", 1);

    let fake = FakeSlack::start().await;
    {
        let mut state = fake.state.lock().unwrap();
        state.channel_burst = Some(FAKE_BURST);
        state.groups.insert(AGENTS_GROUP.into(), vec![AGENT.into()]);
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let bot_started = Instant::now();
    let _bot = start_bot(&fake, dir.path(), cards).await;
    println!("\n== refund-bot run against the fake Slack: connected after {:.0} ms", ms(bot_started.elapsed()));

    println!("\n== latency, {customers} customers at {rate}/s, one DM each (under the cap)");
    let before = posts(&fake);
    let limited_before = rate_limited(&fake);
    let mut sent = Vec::with_capacity(customers);
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate.max(1) as f64));
    for i in 0..customers {
        tick.tick().await;
        let id = customer(1, i);
        let at = Instant::now();
        fake.customer_says(&id, TEXT);
        sent.push((id, at));
    }
    wait_for("every reply", Duration::from_secs(60), || posts(&fake) >= before + customers).await;
    let mut times: Vec<f64> =
        sent.iter().map(|(id, at)| ms(dms(&fake, id).first().expect("a reply").at.duration_since(*at))).collect();
    times.sort_by(f64::total_cmp);
    println!(
        "  dispatch to reply post: p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms; 429s {}",
        percentile(&times, 50.0),
        percentile(&times, 95.0),
        percentile(&times, 99.0),
        times[times.len() - 1],
        rate_limited(&fake) - limited_before
    );

    println!("\n== surge: {surge} customers at once (one reply each, {surge} distinct DM channels)");
    let before = posts(&fake);
    let limited_before = rate_limited(&fake);
    let started = Instant::now();
    for i in 0..surge {
        fake.customer_says(&customer(2, i), TEXT);
    }
    println!("  dispatched in {:.2} s", started.elapsed().as_secs_f64());
    let limit = Duration::from_secs_f64(surge as f64 * 0.5 + 60.0);
    wait_for("the DM surge to drain", limit, || posts(&fake) >= before + surge).await;
    {
        let state = fake.state.lock().unwrap();
        let mut at: Vec<Instant> = state.posted[before..].iter().map(|p| p.at).collect();
        at.sort();
        let drain = at.last().expect("posts").duration_since(started).as_secs_f64();
        let channels: std::collections::HashSet<&str> =
            state.posted[before..].iter().map(|p| p.channel.as_str()).collect();
        println!(
            "  {} posts to {} channels after {drain:.1} s: {:.1} posts/s (busiest second {}); 429s {}",
            at.len(),
            channels.len(),
            at.len() as f64 / drain,
            busiest_second(&at),
            state.rate_limited - limited_before
        );
    }

    println!("\n== surge in one channel: {cards} customers confirm at once, their cards go to the agents' channel");
    let started = Instant::now();
    let mut intakes = tokio::task::JoinSet::new();
    for i in 0..cards {
        intakes.spawn(intake(fake.clone(), customer(3, i), i));
    }
    let mut summaries = Vec::new();
    while let Some(summary) = intakes.join_next().await {
        summaries.push(summary.expect("an intake"));
    }
    println!("  {cards} intakes to the summary in {:.1} s", started.elapsed().as_secs_f64());
    // Let the intake's own posts drain before the surge.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let before_agents = fake.posted_in(AGENTS_CHANNEL).len();
    let limited_before = rate_limited(&fake);
    let started = Instant::now();
    for summary in &summaries {
        let user = summary.channel.replacen('D', "U", 1);
        fake.press(&user, summary, &summary.button("Yes, send it"));
    }
    // New customers write while the cards drain: one every `SLACK_DM_EVERY` seconds.
    let mut asked = Vec::with_capacity(probes);
    for i in 0..probes {
        let id = customer(4, i);
        asked.push((id.clone(), Instant::now()));
        fake.customer_says(&id, TEXT);
        tokio::time::sleep(Duration::from_secs(probe_every as u64)).await;
    }
    let is_card = |p: &Posted| p.has_button("Approve");
    let limit = Duration::from_secs_f64(cards as f64 * 2.0 + 60.0);
    wait_for("the cards", limit, || {
        fake.posted_in(AGENTS_CHANNEL)[before_agents..].iter().filter(|p| is_card(p)).count() >= cards
    })
    .await;
    wait_for("the new customers' replies", Duration::from_secs(60), || {
        asked.iter().all(|(id, _)| !dms(&fake, id).is_empty())
    })
    .await;
    // Anything else the confirmations send there (a card per case is the least).
    tokio::time::sleep(Duration::from_secs(3)).await;
    let agents = fake.posted_in(AGENTS_CHANNEL)[before_agents..].to_vec();
    let mut at: Vec<Instant> = agents.iter().map(|p| p.at).collect();
    at.sort();
    let first = at[0].duration_since(started).as_secs_f64();
    let drain = at.last().expect("posts").duration_since(started).as_secs_f64();
    let gaps: Vec<f64> = at.windows(2).map(|w| w[1].duration_since(w[0]).as_secs_f64()).collect();
    let steady = &gaps[gaps.len().min(3)..];
    let summaries: Vec<&Posted> = agents.iter().filter(|p| p.text().contains("waiting")).collect();
    let threaded = agents.iter().filter(|p| is_card(p) && p.thread().is_some()).count();
    println!(
        "  {} posts in {AGENTS_CHANNEL}: first after {first:.2} s, last after {drain:.1} s; {:.2} posts/s overall, \
         busiest second {}, gap after the burst min {:.2} s / mean {:.2} s; 429s {}",
        at.len(),
        at.len() as f64 / drain,
        busiest_second(&at),
        steady.iter().copied().fold(f64::INFINITY, f64::min),
        steady.iter().sum::<f64>() / steady.len().max(1) as f64,
        rate_limited(&fake) - limited_before
    );
    println!(
        "  backlog summaries {}; cards in a summary's thread {threaded} of {cards}; top-level posts {}",
        summaries.len(),
        agents.iter().filter(|p| p.thread().is_none()).count()
    );
    let mut waits: Vec<f64> =
        asked.iter().map(|(id, at)| dms(&fake, id)[0].at.duration_since(*at).as_secs_f64() * 1000.0).collect();
    waits.sort_by(f64::total_cmp);
    println!(
        "  {probes} new customers during the drain, DM to reply: p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms",
        percentile(&waits, 50.0),
        percentile(&waits, 95.0),
        waits[waits.len() - 1]
    );
    println!("  429s served by the fake over the run: {}", rate_limited(&fake));
}
