//! The soak benchmark: thousands of random conversations through the real `refund-bot jsonl`
//! process, SIGKILLed at random points and restarted (resending the unacknowledged line, as a
//! script must), then the database is checked for lost, duplicated and stuck cases.
//!
//!   cargo bench --bench soak
//!   SOAK_CONVERSATIONS=3000 SOAK_SECONDS=300 SOAK_KILL_PERCENT=3 cargo bench --bench soak
//!
//! Each conversation is a new customer with an order of their own: the intake up to the summary,
//! then staff: a manager decides an escalation (✅ or ❌), an agent approves (or rejects and
//! writes the reply), and marks the refund as issued when the bot asks. Every line carries an
//! `id`, so a line resent after a kill is handled once. Bounded by count and by time. Figures:
//! BENCHMARKS.md. Exits non-zero when anything was lost, duplicated or stuck.

#[allow(dead_code)]
#[path = "../tests/it/support/mod.rs"]
mod support;

use serde_json::{json, Value};
use sqlx::{Connection as _, Row as _};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use support::{button, Bot, Fixture, Rng, CLOCK};

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

struct Soak {
    fixture: Fixture,
    bot: Option<Bot>,
    rng: Rng,
    kill_percent: u64,
    line: u64,
    kills: u64,
    /// Every message id with the text it was first printed with.
    texts: HashMap<String, String>,
    /// Sends printed again after a kill (the same id, at least once: expected).
    resent: u64,
    /// Sends printed again with other text under the same id (must be zero).
    changed: u64,
    /// Every send, in order.
    sends: Vec<Value>,
}

impl Soak {
    /// Sends one line (with a fresh `id`) until it is acknowledged, killing the process at a
    /// random point now and then; returns every send printed meanwhile.
    fn send(&mut self, mut event: Value) -> Vec<Value> {
        self.line += 1;
        event["id"] = json!(format!("line-{}", self.line));
        let mut out = Vec::new();
        loop {
            let bot = self.bot.as_mut().expect("running");
            bot.write_line(&event.to_string());
            if self.rng.below(100) < self.kill_percent {
                std::thread::sleep(Duration::from_micros(self.rng.below(3000)));
                let printed = self.bot.take().expect("running").kill();
                out.extend(printed.into_iter().filter(|v| v["kind"] == "send"));
                self.kills += 1;
                self.bot = Some(self.fixture.start_at(CLOCK));
                continue;
            }
            loop {
                let value = bot.read_value().expect("the bot answered");
                match value["kind"].as_str() {
                    Some("send") => out.push(value),
                    Some("done") if value["seq"].is_u64() => break,
                    Some("error") => panic!("line {event} failed: {value}"),
                    _ => {}
                }
            }
            break;
        }
        for send in &out {
            let id = send["id"].as_str().unwrap_or_default().to_string();
            let text = send["text"].as_str().unwrap_or_default().to_string();
            match self.texts.get(&id) {
                Some(first) if *first != text => self.changed += 1,
                Some(_) => self.resent += 1,
                None => {
                    self.texts.insert(id, text);
                }
            }
        }
        self.sends.extend(out.iter().cloned());
        out
    }

    /// The newest message to `to` (about `case`, when given) with a button of `action`.
    fn newest_with(&self, to: &str, case: Option<i64>, action: &str) -> Option<Value> {
        let has = |s: &&Value| {
            s["to"] == to
                && case.is_none_or(|case| s["case"] == case)
                && s["buttons"].as_array().is_some_and(|b| b.iter().any(|b| b["action"] == action))
        };
        self.sends.iter().rev().find(has).cloned()
    }

    fn click(&mut self, user: &str, to: &str, case: Option<i64>, action: &str) -> Option<Vec<Value>> {
        let message = self.newest_with(to, case, action)?;
        Some(self.send(json!({"kind": "click", "user": user, "button": button(&message, action)})))
    }

    /// One customer from hello to the staff's last step.
    fn conversation(&mut self, n: u64) -> Result<(), String> {
        let user = format!("soak-{n}");
        let dm = format!("dm:{user}");
        self.send(json!({"kind": "message", "user": user, "text": "Hi, I'd like a refund please"}));
        let order = format!("Order SOAK-{n}, I bought it with soak{n}@example.com");
        self.send(json!({"kind": "message", "user": user, "text": order}));
        let reason = ["reason:accidental_purchase", "reason:changed_mind"][self.rng.below(2) as usize];
        self.click(&user, &dm, None, reason).ok_or("no reason question")?;
        self.send(json!({"kind": "message", "user": user, "text": "It was not what I needed"}));
        self.click(&user, &dm, None, "resolution:refund").ok_or("no resolution question")?;
        let out = self.click(&user, &dm, None, "confirm").ok_or("no summary")?;
        let case = out.iter().find_map(|v| v["case"].as_i64()).ok_or("no case")?;
        let staff_post = |to: &str| out.iter().any(|v| v["to"] == to && v["case"] == case);
        if staff_post("channel:managers") {
            let escalation = self.sends.iter().rev().find(|v| v["to"] == "channel:managers" && v["case"] == case);
            let message = escalation.ok_or("no escalation")?["id"].clone();
            let emoji = ["✅", "❌"][self.rng.below(2) as usize];
            self.send(json!({"kind": "react", "user": "manager-1", "message": message, "emoji": emoji}));
        }
        let agents = "channel:agents";
        if self.rng.below(10) == 0 {
            self.click("agent-1", agents, Some(case), "reject").ok_or("no draft to reject")?;
            let form = self.newest_with(agents, Some(case), "edit").ok_or("no reply form")?;
            let reply = json!({"kind": "submit", "user": "agent-1", "button": button(&form, "edit"),
                "text": "Hi, here is what we can do for you."});
            self.send(reply);
            let own = ["approve_no_refund", "approve_full_refund"][self.rng.below(2) as usize];
            // A refund's own reply offers "no refund" beside "approve"; a denial's, a refund.
            let own = self.newest_with(agents, Some(case), own).map_or("approve", |_| own);
            let approved = self.click("agent-1", agents, Some(case), own);
            if approved.is_none() {
                let seen: Vec<String> =
                    self.sends.iter().filter(|v| v["case"] == case).map(|v| v.to_string()).collect();
                return Err(format!("no own reply to approve: {}", seen.join("\n")));
            }
        } else {
            self.click("agent-1", agents, Some(case), "approve").ok_or("no draft to approve")?;
        }
        if self.newest_with(agents, Some(case), "mark_refunded").is_some() {
            self.click("agent-1", agents, Some(case), "mark_refunded").ok_or("no mark refunded")?;
        }
        Ok(())
    }
}

/// Orders `SOAK-n`, each bought by its own email a few days before the clock, with usage that
/// lands in every tier of the example policy (full, partial, outside: escalated or denied).
fn write_orders(fixture: &Fixture, count: u64) {
    let bought = (chrono::DateTime::parse_from_rfc3339(CLOCK).unwrap() - chrono::Duration::days(3)).to_rfc3339();
    let mut lines = String::new();
    for n in 0..count {
        let (sku, product, amount) = match n % 3 {
            0 => ("course-webdesign", "Web Design Course", "49.00"),
            1 => ("course-masterclass", "Masterclass Bundle", "249.00"),
            _ => ("ebook-rust", "Rust for Sellers (ebook)", "19.00"),
        };
        let usage =
            if sku.starts_with("ebook") { json!({"downloads": n % 6}) } else { json!({"progress_percent": n % 90}) };
        let order = json!({"order_id": format!("SOAK-{n}"), "email": format!("soak{n}@example.com"), "sku": sku,
            "product": product, "amount": amount, "currency": "USD", "purchased_at": bought, "usage": usage,
            "refunded": "0.00"});
        lines.push_str(&format!("{order}\n"));
    }
    std::fs::write(fixture.path().join("soak-orders.jsonl"), lines).unwrap();
    let out = fixture.cli(&["orders", "import", "soak-orders.jsonl"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// What the database says after the run: cases per customer, open ones, refunds per case.
struct Audit {
    cases: u64,
    lost: u64,
    duplicated_cases: u64,
    stuck: u64,
    double_refunds: u64,
    by_outcome: Vec<(String, i64)>,
}

async fn count(db: &mut sqlx::SqliteConnection, sql: &str) -> u64 {
    sqlx::query(sql).fetch_one(db).await.unwrap().get::<i64, _>(0) as u64
}

async fn audit(fixture: &Fixture, conversations: u64) -> Audit {
    let url = format!("sqlite://{}", fixture.path().join("bot.db").display());
    let mut db = sqlx::SqliteConnection::connect(&url).await.expect("the bot's database");
    let per_customer =
        sqlx::query("SELECT customer, COUNT(*) AS n FROM cases GROUP BY customer").fetch_all(&mut db).await.unwrap();
    let counts: HashMap<String, i64> =
        per_customer.iter().map(|r| (r.get::<String, _>("customer"), r.get::<i64, _>("n"))).collect();
    let lost = (0..conversations).filter(|n| !counts.contains_key(&format!("soak-{n}"))).count() as u64;
    let duplicated_cases = counts.values().filter(|n| **n > 1).count() as u64;
    let cases = count(&mut db, "SELECT COUNT(*) FROM cases").await;
    let stuck = count(&mut db, "SELECT COUNT(*) FROM cases WHERE outcome = 'open'").await;
    let double_refunds = count(
        &mut db,
        "SELECT COUNT(*) FROM (SELECT case_id FROM refunds WHERE status = 'succeeded' GROUP BY case_id HAVING COUNT(*) > 1)",
    )
    .await;
    let rows = sqlx::query("SELECT outcome, COUNT(*) AS n FROM cases GROUP BY outcome ORDER BY outcome")
        .fetch_all(&mut db)
        .await
        .unwrap();
    let by_outcome = rows.iter().map(|r| (r.get::<String, _>("outcome"), r.get::<i64, _>("n"))).collect();
    Audit { cases, lost, duplicated_cases, stuck, double_refunds, by_outcome }
}

fn main() {
    let wanted = env("SOAK_CONVERSATIONS", 2000);
    let budget = Duration::from_secs(env("SOAK_SECONDS", 240));
    let kill_percent = env("SOAK_KILL_PERCENT", 2);
    let seed = env("SOAK_SEED", 0x5EED_CAFE_F00D);
    let fixture = Fixture::new();
    write_orders(&fixture, wanted);
    let bot = Some(fixture.start_at(CLOCK));
    let mut soak = Soak {
        fixture,
        bot,
        rng: Rng(seed),
        kill_percent,
        line: 0,
        kills: 0,
        texts: HashMap::new(),
        resent: 0,
        changed: 0,
        sends: Vec::new(),
    };
    let started = Instant::now();
    let mut done = 0;
    let mut failed = Vec::new();
    while done < wanted && started.elapsed() < budget {
        if let Err(why) = soak.conversation(done) {
            failed.push(format!("conversation {done}: {why}"));
        }
        done += 1;
    }
    let elapsed = started.elapsed();
    soak.bot.take().expect("running").stop();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let audit = runtime.block_on(audit(&soak.fixture, done));

    println!("== soak: {done} conversations ({} lines) in {:.1} s, seed {seed:#x}", soak.line, elapsed.as_secs_f64());
    println!(
        "  SIGKILLs: {} ({kill_percent} % of lines), restarts resent {} sends with the same id",
        soak.kills, soak.resent
    );
    println!(
        "  cases: {} ({})",
        audit.cases,
        audit.by_outcome.iter().map(|(o, n)| format!("{o} {n}")).collect::<Vec<_>>().join(", ")
    );
    println!("  lost (a conversation without its case): {}", audit.lost);
    println!(
        "  duplicated (a customer with two cases; a message id resent with other text): {} / {}",
        audit.duplicated_cases, soak.changed
    );
    println!("  stuck (a case still open after its last step): {}", audit.stuck);
    println!("  refunded twice: {}", audit.double_refunds);
    println!("  conversations that could not take their next step: {}", failed.len());
    for why in failed.iter().take(5) {
        println!("    {why}");
    }
    let bad =
        audit.lost + audit.duplicated_cases + soak.changed + audit.stuck + audit.double_refunds + failed.len() as u64;
    if bad > 0 {
        eprintln!("soak found {bad} problems");
        std::process::exit(1);
    }
}
