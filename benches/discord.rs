//! The Discord benchmark: the real `refund-bot run` process (serenity client, SQLite file, the
//! example policy) against the fake Discord of the tests on loopback.
//!
//!   cargo bench --bench discord
//!   DISCORD_CUSTOMERS=1000 DISCORD_RATE=200 DISCORD_SURGE=10000 cargo bench --bench discord
//!
//! 1. Latency: one customer at a time (the bot's own time), then `DISCORD_CUSTOMERS` customers
//!    (default 1,000) each sending one DM as a gateway MESSAGE_CREATE at `DISCORD_RATE` per
//!    second (default 200), then `DISCORD_UNDER` customers (default 200) at `DISCORD_UNDER_RATE`
//!    per second (default 20, under what the cap allows): per customer, the time from the
//!    dispatch to the bot's reply POST arriving at the fake.
//! 2. Surge: `DISCORD_SURGE` customers (default 10,000) at once, with the bot's 50 REST calls
//!    per second cap: the time to post every reply against what the cap allows for the REST
//!    calls made (one per reply: the DM channel comes with the customer's message), and the 429s
//!    the fake served.
//!
//! Figures and goals: BENCHMARKS.md.

#[allow(dead_code)]
#[path = "../tests/it/discord/fake.rs"]
mod fake;

mod common;

use common::*;
use fake::*;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_refund-bot");
const POLICY: &str = include_str!("../policy.example.toml");
const TEXT: &str = "Hi, I'd like a refund";
/// The bot's cap on REST calls (`RateCap::per_second(50)` in `src/chat/discord`).
const CAP: f64 = 50.0;

fn main() {
    print_machine();
    tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime").block_on(run());
}

/// An 18-digit snowflake for customer `i` of phase `phase` (so every phase opens new DMs).
fn customer(phase: usize, i: usize) -> String {
    format!("8{phase}{i:016}")
}

async fn start_bot(fake: &FakeDiscord, dir: &std::path::Path) -> Bot {
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
    let config = dir.join("refund-bot.toml");
    std::fs::write(
        &config,
        format!(
            "database_url = \"sqlite://{}\"\npolicy = \"policy.toml\"\n\
             [discord]\nguild_id = \"{GUILD_ID}\"\nagents_channel_id = \"{AGENTS_CHANNEL}\"\nmanagers_channel_id = \"{MANAGERS_CHANNEL}\"\n\
             agent_role_id = \"{AGENT_ROLE}\"\nmanager_role_id = \"{MANAGER_ROLE}\"\napi_base = \"{}\"\n\
             [http]\nlisten = \"127.0.0.1:{port}\"\n",
            dir.join("bot.db").display(),
            fake.api_base()
        ),
    )
    .expect("write config");
    std::fs::write(dir.join("policy.toml"), POLICY).expect("write policy");
    let child = Command::new(BIN)
        .arg("--config")
        .arg(&config)
        .arg("run")
        .current_dir(dir)
        .env("DISCORD_TOKEN", "bench-token")
        .env_remove("DATABASE_URL")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(if std::env::var_os("BENCH_LOG").is_some() { Stdio::inherit() } else { Stdio::null() })
        .spawn()
        .expect("start refund-bot run");
    let bot = Bot(child);
    wait_for("the bot to identify", Duration::from_secs(30), || fake.state.lock().unwrap().identifies > 0).await;
    bot
}

fn posts(fake: &FakeDiscord) -> usize {
    fake.state.lock().unwrap().posted.len()
}

/// Customers of `phase` sending one DM each, `rate` per second (0: all at once, or one at a time
/// waiting for each reply when `one_by_one`); returns each one's dispatch-to-reply times.
async fn latency(fake: &FakeDiscord, phase: usize, n: usize, rate: usize, one_by_one: bool) -> Vec<f64> {
    let before = posts(fake);
    let calls_before = fake.state.lock().unwrap().rest_at.len();
    let mut sent = Vec::with_capacity(n);
    let started = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate.max(1) as f64));
    for i in 0..n {
        if rate > 0 {
            tick.tick().await;
        }
        let id = customer(phase, i);
        let at = Instant::now();
        fake.customer_says(&id, TEXT);
        if one_by_one {
            wait_for("a reply", Duration::from_secs(10), || posts(fake) > before + i).await;
        }
        sent.push((id, at));
    }
    let dispatched = started.elapsed();
    let limit = Duration::from_secs_f64(n as f64 * 4.0 / CAP + 60.0);
    wait_for("every reply", limit, || posts(fake) >= before + n).await;
    let mut times: Vec<f64> = sent
        .iter()
        .map(|(id, at)| {
            let reply = fake.dm_of(id).first().cloned().expect("a reply");
            ms(reply.at.duration_since(*at))
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let state = fake.state.lock().unwrap();
    let last = state.posted[before..].iter().map(|p| p.at).max().expect("posts");
    let span = last.duration_since(started).as_secs_f64();
    let calls = state.rest_at.len() - calls_before;
    println!(
        "  {n} customers dispatched in {:.2} s ({:.0}/s); all replied after {span:.2} s; {calls} REST calls ({:.1}/s, busiest second {})",
        dispatched.as_secs_f64(),
        n as f64 / dispatched.as_secs_f64(),
        calls as f64 / span,
        busiest_second(&state.rest_at[calls_before..])
    );
    println!(
        "  dispatch to reply POST: p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        percentile(&times, 50.0),
        percentile(&times, 95.0),
        percentile(&times, 99.0),
        times[times.len() - 1]
    );
    times
}

async fn run() {
    let customers = env_usize("DISCORD_CUSTOMERS", 1000);
    let rate = env_usize("DISCORD_RATE", 200);
    let under = env_usize("DISCORD_UNDER", 200);
    let under_rate = env_usize("DISCORD_UNDER_RATE", 20);
    let surge = env_usize("DISCORD_SURGE", 10_000);

    let fake = FakeDiscord::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let bot_started = Instant::now();
    let _bot = start_bot(&fake, dir.path()).await;
    println!("\n== refund-bot run against the fake Discord: identified after {:.0} ms", ms(bot_started.elapsed()));

    println!("\n== latency, one customer at a time (20 customers, each waiting for its reply)");
    latency(&fake, 1, 20, 0, true).await;

    println!("\n== latency, {customers} customers at {rate}/s (the goal's load)");
    latency(&fake, 2, customers, rate, false).await;

    println!("\n== latency, {under} customers at {under_rate}/s (under the cap)");
    latency(&fake, 3, under, under_rate, false).await;

    println!("\n== surge: {surge} customers at once, cap {CAP} REST calls/s");
    let (before, calls_before) = {
        let state = fake.state.lock().unwrap();
        (state.posted.len(), state.rest_at.len())
    };
    let started = Instant::now();
    for i in 0..surge {
        fake.customer_says(&customer(4, i), TEXT);
    }
    println!("  dispatched in {:.2} s", started.elapsed().as_secs_f64());
    let limit = Duration::from_secs_f64(surge as f64 * 4.0 / CAP + 120.0);
    let mut report = Instant::now();
    wait_for("the surge to drain", limit, || {
        let done = posts(&fake) - before;
        if report.elapsed() >= Duration::from_secs(30) {
            report = Instant::now();
            println!("  ... {done} replies after {:.0} s", started.elapsed().as_secs_f64());
        }
        done >= surge
    })
    .await;
    let state = fake.state.lock().unwrap();
    let last = state.posted[before..].iter().map(|p| p.at).max().expect("posts");
    let drain = last.duration_since(started).as_secs_f64();
    let calls = state.rest_at[calls_before..].iter().filter(|t| **t <= last).count();
    let allowed = calls as f64 / CAP;
    println!(
        "  {surge} replies posted after {drain:.1} s: {calls} REST calls ({:.1}/s, busiest second {})",
        calls as f64 / drain,
        busiest_second(&state.rest_at[calls_before..])
    );
    println!("  the cap allows them in {allowed:.1} s: drained at {:.1} % of the cap", allowed / drain * 100.0);
    println!("  429s served by the fake over the run: {}", state.rate_limited);
}
