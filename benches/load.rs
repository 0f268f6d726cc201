//! The load benchmark: N concurrent synthetic customers through the whole flow, in-process
//! through the engine, on a real SQLite file (and on PostgreSQL when `BENCH_DATABASE_URL` names
//! a server), against the floor of a bare sqlx loop writing roughly the same rows; then memory
//! with many stored cases and open conversations, and start-up.
//!
//!   cargo bench --bench load                         # SQLite, 200 customers
//!   LOAD_CUSTOMERS=1000 cargo bench --bench load
//!   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres cargo bench --bench load
//!
//! Each measurement runs in a child process of this binary (`LOAD_CHILD=...`), so each peak RSS
//! (VmHWM) is its own and start-up is a real process start. Figures and goals: BENCHMARKS.md.

use chrono::{DateTime, Duration, Utc};
use refund_bot::app::{open, App};
use refund_bot::domain::{Currency, Email, Money, Order, OrderId, Platform};
use refund_bot::events::{Inbound, Outbound};
use refund_bot::runner::drain_outbox;
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Connection as _, Executor as _, Row as _};
use std::collections::HashMap;
use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

const POLICY: &str = include_str!("../policy.example.toml");

fn main() {
    match std::env::var("LOAD_CHILD").ok().as_deref() {
        Some("load") => runtime().block_on(load_child()),
        Some("memory") => runtime().block_on(memory_child()),
        Some("startup") => startup_child(),
        Some(other) => panic!("unknown LOAD_CHILD {other}"),
        None => parent(),
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime")
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

// ---------------------------------------------------------------------------------------------
// The parent: the machine, then one child per measurement.

fn parent() {
    println!("== machine");
    for (cmd, args) in [("nproc", vec![]), ("sh", vec!["-c", "lscpu | head -n 15"])] {
        if let Ok(out) = Command::new(cmd).args(&args).output() {
            print!("{}", String::from_utf8_lossy(&out.stdout));
        }
    }
    let me = std::env::current_exe().expect("current exe");
    let child = |mode: &str, envs: &[(&str, &str)]| {
        let status =
            Command::new(&me).env("LOAD_CHILD", mode).envs(envs.iter().copied()).status().expect("start a child");
        assert!(status.success(), "child {mode} {envs:?} failed: {status}");
    };

    child("load", &[("LOAD_BACKEND", "sqlite")]);
    match std::env::var("BENCH_DATABASE_URL") {
        Ok(url) if !url.is_empty() => child("load", &[("LOAD_BACKEND", "postgres")]),
        _ => println!("\n(BENCH_DATABASE_URL is not set: PostgreSQL not measured)"),
    }

    // Memory with many stored cases, in a folder the start-up measurement then reuses.
    let dir = tempfile::tempdir().expect("temp dir");
    let dir_str = dir.path().to_str().expect("utf-8 temp dir");
    child("memory", &[("LOAD_DIR", dir_str)]);

    println!("\n== start-up: process start to ready (config, migrations checked, templates compiled, policy loaded)");
    let config = dir.path().join("refund-bot.toml");
    let mut runs: Vec<(f64, f64)> = (0..7)
        .map(|_| {
            let started = Instant::now();
            let mut proc = Command::new(&me)
                .env("LOAD_CHILD", "startup")
                .env("LOAD_CONFIG", &config)
                .stdout(Stdio::piped())
                .spawn()
                .expect("start the start-up child");
            let mut line = String::new();
            BufReader::new(proc.stdout.take().expect("stdout")).read_line(&mut line).expect("ready line");
            let to_ready = started.elapsed().as_secs_f64() * 1e3;
            assert!(proc.wait().expect("wait").success(), "start-up child failed");
            let open_ms: f64 = line
                .strip_prefix("ready ")
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or_else(|| panic!("bad ready line {line:?}"));
            (to_ready, open_ms)
        })
        .collect();
    runs.sort_by(|a, b| a.0.total_cmp(&b.0));
    println!(
        "  7 process starts on the existing database above: spawn to ready median {:.1} ms (min {:.1}, max {:.1})",
        runs[3].0, runs[0].0, runs[6].0
    );
    let mut opens: Vec<f64> = runs.iter().map(|r| r.1).collect();
    opens.sort_by(f64::total_cmp);
    println!(
        "  of which app::open (config + connect + migrations checked + templates compiled and checked + policy): median {:.1} ms",
        opens[3]
    );
}

/// Process start to ready: prints `ready <ms spent in app::open>` and exits.
fn startup_child() {
    let config = PathBuf::from(std::env::var("LOAD_CONFIG").expect("LOAD_CONFIG"));
    let rt = runtime();
    let started = Instant::now();
    let app = rt.block_on(open(Some(&config), Platform::Local, false)).expect("open the app");
    let ms = started.elapsed().as_secs_f64() * 1e3;
    println!("ready {ms:.3}");
    rt.block_on(app.engine.store().close());
}

// ---------------------------------------------------------------------------------------------
// Databases: a folder with a config for the engine, and a fresh database for the floor.

enum Backend {
    Sqlite,
    Postgres { server: String },
}

struct Db {
    url: String,
    /// SQLite: the file; PostgreSQL: the database name to drop afterwards.
    sqlite_file: Option<PathBuf>,
    pg_name: Option<String>,
}

impl Backend {
    fn from_env() -> Backend {
        match std::env::var("LOAD_BACKEND").as_deref() {
            Ok("postgres") => {
                Backend::Postgres { server: std::env::var("BENCH_DATABASE_URL").expect("BENCH_DATABASE_URL") }
            }
            _ => Backend::Sqlite,
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite (file, WAL)",
            Backend::Postgres { .. } => "PostgreSQL",
        }
    }

    /// A fresh database: a file in `dir`, or a new PostgreSQL database (created on connect).
    fn fresh(&self, dir: &Path, label: &str) -> Db {
        match self {
            Backend::Sqlite => {
                let file = dir.join(format!("{label}.db"));
                Db { url: format!("sqlite://{}", file.display()), sqlite_file: Some(file), pg_name: None }
            }
            Backend::Postgres { server } => {
                let nanos =
                    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").subsec_nanos();
                let name = format!("rb_bench_{}_{label}_{nanos}", std::process::id());
                let base = server.rsplit_once('/').map_or(server.as_str(), |(b, _)| b);
                Db { url: format!("{base}/{name}"), sqlite_file: None, pg_name: Some(name) }
            }
        }
    }

    async fn drop_db(&self, db: &Db) {
        if let (Backend::Postgres { server }, Some(name)) = (self, &db.pg_name) {
            let mut conn = sqlx::AnyConnection::connect(server).await.expect("connect to the server");
            conn.execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
                .await
                .expect("drop the bench database");
        }
    }
}

impl Db {
    /// Bytes the database takes: the SQLite file and its WAL after a checkpoint, or
    /// `pg_database_size`.
    async fn bytes(&self) -> u64 {
        let mut conn = sqlx::AnyConnection::connect(&self.url).await.expect("connect for size");
        match &self.sqlite_file {
            Some(file) => {
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").await.expect("checkpoint");
                conn.close().await.ok();
                let size = |p: &Path| std::fs::metadata(p).map_or(0, |m| m.len());
                let wal = PathBuf::from(format!("{}-wal", file.display()));
                size(file) + size(&wal)
            }
            None => {
                let row = sqlx::query("SELECT pg_database_size(current_database()) AS size")
                    .fetch_one(&mut conn)
                    .await
                    .expect("pg_database_size");
                conn.close().await.ok();
                row.try_get::<i64, _>("size").expect("size") as u64
            }
        }
    }
}

fn write_config(dir: &Path, url: &str) -> PathBuf {
    let config = dir.join("refund-bot.toml");
    std::fs::write(&config, format!("database_url = \"{url}\"\npolicy = \"policy.toml\"\n")).expect("write config");
    std::fs::write(dir.join("policy.toml"), POLICY).expect("write policy");
    config
}

fn rss_kb(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn mb(kb: u64) -> String {
    format!("{:.1} MB", kb as f64 / 1024.0)
}

// ---------------------------------------------------------------------------------------------
// The simulated chat platform: one adapter lock (handle, then drain, like the jsonl adapter),
// and the delivered actions by destination.

struct Sim {
    app: App,
    /// The adapter handles one event and delivers its outbox before the next, as `jsonl` does;
    /// SQLite has one writer anyway, and the engine serialises events itself.
    adapter: tokio::sync::Mutex<()>,
    /// Delivered sends: by `dm:user`, and by `channel:...#case` for staff channels.
    inbox: std::sync::Mutex<HashMap<String, Vec<Outbound>>>,
}

#[derive(Clone, Copy)]
struct Timing {
    /// From the event's arrival to its replies delivered, waiting for the adapter included.
    latency: StdDuration,
    /// `handle` + outbox drain alone.
    service: StdDuration,
}

impl Sim {
    async fn turn(&self, event: Inbound, now: DateTime<Utc>) -> Timing {
        let arrived = Instant::now();
        let _adapter = self.adapter.lock().await;
        let served = Instant::now();
        self.app.engine.handle(&event, now).await.unwrap_or_else(|e| panic!("handling {event:?}: {e}"));
        self.drain(now).await;
        Timing { latency: arrived.elapsed(), service: served.elapsed() }
    }

    async fn drain(&self, now: DateTime<Utc>) {
        drain_outbox(self.app.engine.store(), Platform::Local, now, |action| {
            if let Outbound::Send { to, case, .. } = &action {
                let key = if to.starts_with("channel:") { format!("{to}#{}", case.unwrap_or(0)) } else { to.clone() };
                self.inbox.lock().expect("inbox").entry(key).or_default().push(action);
            }
            async { Ok(()) }
        })
        .await
        .expect("drain the outbox");
    }

    /// The newest button with `action` delivered to `key`, and the case of that send.
    fn button(&self, key: &str, action: &str) -> (String, Option<i64>) {
        let inbox = self.inbox.lock().expect("inbox");
        inbox
            .get(key)
            .into_iter()
            .flatten()
            .rev()
            .find_map(|o| match o {
                Outbound::Send { buttons, case, .. } => {
                    buttons.iter().find(|b| b.action == action).map(|b| (b.id.clone(), *case))
                }
                _ => None,
            })
            .unwrap_or_else(|| panic!("no `{action}` button delivered to {key}"))
    }
}

fn message(user: &str, text: &str) -> Inbound {
    Inbound::dm(user, text)
}

fn click(user: &str, button: String) -> Inbound {
    Inbound::Click { roles: Vec::new(), user: user.into(), button, name: None }
}

/// Customer `i`'s order: a course bought 5 days ago, 12 % watched (full refund) or, every
/// fourth customer, 45 % (the 50 % tier); both under the auto-approve maximum, so an agent
/// approves the draft.
fn order(i: usize, now: DateTime<Utc>) -> Order {
    let usd = Currency::parse("USD").expect("USD");
    Order {
        order_id: OrderId::parse(&format!("ORD-{}", 100_000 + i)).expect("order id"),
        email: Email::parse(&format!("buyer{i}@example.com")).expect("email"),
        sku: "course-webdesign".into(),
        product: "Web Design Course".into(),
        amount: Money::parse("49.00", usd).expect("amount"),
        purchased_at: now - Duration::days(5),
        usage: [("progress_percent".to_string(), if i % 4 == 1 { 45.0 } else { 12.0 })].into_iter().collect(),
        refunded: Money::zero(usd),
        charge_id: None,
        payment_intent_id: None,
    }
}

/// One customer's request up to the refund: 6 customer turns, 2 agent turns.
async fn customer(sim: Arc<Sim>, i: usize, now: DateTime<Utc>) -> Vec<Timing> {
    let user = format!("cust-{i}");
    let dm = format!("dm:{user}");
    let o = order(i, now);
    let mut t = Vec::with_capacity(8);
    t.push(sim.turn(message(&user, "Hi, I'd like a refund please"), now).await);
    let line = format!("Order {}, I bought it with {}", o.order_id, o.email);
    t.push(sim.turn(message(&user, &line), now).await);
    let (reason, _) = sim.button(&dm, "reason:accidental_purchase");
    t.push(sim.turn(click(&user, reason), now).await);
    let details = "I bought it by mistake, I meant to buy the ebook.";
    t.push(sim.turn(message(&user, details), now).await);
    let (refund, _) = sim.button(&dm, "resolution:refund");
    t.push(sim.turn(click(&user, refund), now).await);
    let (confirm, case) = sim.button(&dm, "confirm");
    t.push(sim.turn(click(&user, confirm), now).await);
    let agents = format!("channel:agents#{}", case.expect("the case of the summary"));
    let (approve, _) = sim.button(&agents, "approve");
    t.push(sim.turn(click("agent-1", approve), now).await);
    let (mark, _) = sim.button(&agents, "mark_refunded");
    t.push(sim.turn(click("agent-1", mark), now).await);
    t
}

fn percentile(sorted: &[StdDuration], q: f64) -> f64 {
    let i = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[i].as_secs_f64() * 1e3
}

fn summary(label: &str, mut values: Vec<StdDuration>) {
    values.sort();
    println!(
        "  {label}: p50 {:.2} ms  p95 {:.2} ms  p99 {:.2} ms  max {:.2} ms",
        percentile(&values, 0.50),
        percentile(&values, 0.95),
        percentile(&values, 0.99),
        percentile(&values, 1.0)
    );
}

async fn load_child() {
    sqlx::any::install_default_drivers();
    let backend = Backend::from_env();
    let n = env_usize("LOAD_CUSTOMERS", 200);
    let dir = tempfile::tempdir().expect("temp dir");
    let db = backend.fresh(dir.path(), "engine");
    let config = write_config(dir.path(), &db.url);
    let app = open(Some(&config), Platform::Local, false).await.expect("open the app");
    let now: DateTime<Utc> = Utc::now();
    let orders: Vec<Order> = (0..n).map(|i| order(i, now)).collect();
    let mut tx = app.engine.store().begin().await.expect("begin");
    tx.upsert_orders(&orders, now).await.expect("import orders");
    tx.commit().await.expect("commit orders");
    let bytes_before = db.bytes().await;

    let sim = Arc::new(Sim { app, adapter: tokio::sync::Mutex::new(()), inbox: Default::default() });
    println!("\n== load: {} customers at once through the engine on {}", n, backend.name());
    let started = Instant::now();
    // Phase 1: every customer at once, intake to refund.
    let tasks: Vec<_> = (0..n).map(|i| tokio::spawn(customer(sim.clone(), i, now))).collect();
    let mut timings = Vec::with_capacity(n * 9);
    for task in tasks {
        timings.extend(task.await.expect("customer task"));
    }
    let intake_to_refund = started.elapsed();
    // Phase 2: three days later the follow-ups are due.
    let later = now + Duration::days(3) + Duration::minutes(1);
    let jobs_started = Instant::now();
    let jobs = sim.app.engine.run_due_jobs(later).await.expect("run due jobs");
    sim.drain(later).await;
    let jobs_time = jobs_started.elapsed();
    // Phase 3: every customer answers the feedback question at once.
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let sim = sim.clone();
            tokio::spawn(async move {
                let user = format!("cust-{i}");
                let (five, _) = sim.button(&format!("dm:{user}"), "feedback:5");
                sim.turn(click(&user, five), later).await
            })
        })
        .collect();
    for task in tasks {
        timings.push(task.await.expect("feedback task"));
    }
    let wall = started.elapsed();
    let events = timings.len();
    let customer_turns = n * 7;
    let turns = events + jobs;
    assert!(jobs >= n, "expected a follow-up per case, ran {jobs} jobs");

    let bytes_after = db.bytes().await;
    let secs = wall.as_secs_f64();
    println!(
        "  {n} cases in {secs:.2} s: {:.1} cases/s; {turns} turns ({customer_turns} customer, {} agent, {jobs} jobs) = {:.0} turns/s ({:.0} customer turns/s)",
        n as f64 / secs,
        n * 2,
        turns as f64 / secs,
        customer_turns as f64 / secs,
    );
    println!(
        "  phases: intake to refund {:.2} s, {jobs} due jobs {:.2} s ({:.0} jobs/s), feedback {:.2} s",
        intake_to_refund.as_secs_f64(),
        jobs_time.as_secs_f64(),
        jobs as f64 / jobs_time.as_secs_f64(),
        (wall - intake_to_refund - jobs_time).as_secs_f64()
    );
    summary(
        &format!("latency per turn with {n} customers waiting (queue + handle + drain)"),
        timings.iter().map(|t| t.latency).collect(),
    );
    summary("service time per turn (handle + outbox drain)", timings.iter().map(|t| t.service).collect());
    println!(
        "  database: {} bytes per case ({:.1} MB after, {:.1} MB before the run with {n} orders imported)",
        (bytes_after - bytes_before) / n as u64,
        bytes_after as f64 / 1e6,
        bytes_before as f64 / 1e6
    );
    let sent: usize = sim.inbox.lock().expect("inbox").values().map(Vec::len).sum();
    println!("  {sent} messages delivered");
    let app = Arc::try_unwrap(sim).ok().expect("all tasks done").app;
    app.engine.store().close().await;
    backend.drop_db(&db).await;

    // The floor: the same number of turns as bare transactions on a fresh database.
    let floor_db = backend.fresh(dir.path(), "floor");
    let floor = floor(&floor_db, &backend, n, turns).await;
    backend.drop_db(&floor_db).await;
    println!(
        "  floor (bare sqlx loop, same number of turns, each: tx inserting an event, a message and an outbox row and updating the case; tx marking the outbox row delivered): {:.2} s = {:.0} turns/s",
        floor.as_secs_f64(),
        turns as f64 / floor.as_secs_f64()
    );
    println!("  engine/floor ratio: {:.2}", secs / floor.as_secs_f64());
    println!("  peak RSS (VmHWM) of this process: {}", mb(rss_kb("VmHWM:")));
}

/// A bare sqlx loop: `turns` turns, each one transaction writing what a turn writes (an event,
/// a message, an outbox row, the case) and one delivering the outbox row, on the engine's schema
/// with the same connection settings.
async fn floor(db: &Db, backend: &Backend, cases: usize, turns: usize) -> StdDuration {
    // The schema (and database creation) through the store, then a plain pool.
    let store = refund_bot::store::Store::connect(&db.url).await.expect("floor schema");
    store.close().await;
    let sqlite = matches!(backend, Backend::Sqlite);
    let pool: AnyPool = AnyPoolOptions::new()
        .max_connections(if sqlite { 4 } else { 10 })
        .after_connect(move |conn, _| {
            Box::pin(async move {
                if sqlite {
                    conn.execute("PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;")
                        .await?;
                }
                Ok(())
            })
        })
        .connect(&db.url)
        .await
        .expect("floor pool");
    let at = refund_bot::store::ts(Utc::now());
    let mut ids = Vec::with_capacity(cases);
    let mut tx = pool.begin().await.expect("begin");
    for i in 0..cases {
        let row = sqlx::query(
            "INSERT INTO cases (customer, state, outcome, requested_at, opened_at, updated_at, last_customer_at)
             VALUES ($1, 'intake', 'open', $2, $2, $2, $2) RETURNING id",
        )
        .bind(format!("cust-{i}"))
        .bind(&at)
        .fetch_one(&mut *tx)
        .await
        .expect("floor case");
        ids.push(row.try_get::<i64, _>("id").expect("id"));
    }
    tx.commit().await.expect("commit");
    let text = "Thanks! Here is what I'll send to our team: order ORD-100001, Web Design Course, \
                $49.00. Reason: I bought it by accident. Details: I bought it by mistake, I meant \
                to buy the ebook. You would like: a refund. Shall I send it?";
    let action = serde_json::json!({"kind": "send", "id": "msg-1", "to": "dm:cust-1", "case": 1,
        "text": text, "buttons": [{"id": "btn-1", "action": "confirm", "label": "Yes, send it"},
        {"id": "btn-2", "action": "cancel", "label": "Cancel"}], "mentions": [], "reactions": []})
    .to_string();

    let started = Instant::now();
    for k in 0..turns {
        let case = ids[k % cases];
        let mut tx = pool.begin().await.expect("begin");
        sqlx::query("INSERT INTO events (case_id, at, actor, kind, detail) VALUES ($1, $2, $3, 'message', $4)")
            .bind(case)
            .bind(&at)
            .bind("cust-1")
            .bind("I bought it by mistake, I meant to buy the ebook.")
            .execute(&mut *tx)
            .await
            .expect("event");
        sqlx::query(
            "INSERT INTO messages (case_id, recipient, purpose, text, created_at) VALUES ($1, $2, 'customer', $3, $4)",
        )
        .bind(case)
        .bind("dm:cust-1")
        .bind(text)
        .bind(&at)
        .execute(&mut *tx)
        .await
        .expect("message");
        sqlx::query("INSERT INTO outbox (case_id, action_json, created_at) VALUES ($1, $2, $3)")
            .bind(case)
            .bind(&action)
            .bind(&at)
            .execute(&mut *tx)
            .await
            .expect("outbox");
        sqlx::query("UPDATE cases SET intake_json = $1, updated_at = $2, last_customer_at = $2 WHERE id = $3")
            .bind(r#"{"step":"confirm","order":{"order_id":"ORD-100001","product":"Web Design Course","amount_paid":"$49.00"},"reason":"accidental_purchase","details":"I bought it by mistake","resolution":"refund","unclear":0}"#)
            .bind(&at)
            .bind(case)
            .execute(&mut *tx)
            .await
            .expect("case");
        tx.commit().await.expect("commit");
        let mut tx = pool.begin().await.expect("begin");
        let due = sqlx::query("SELECT id, action_json FROM outbox WHERE delivered_at IS NULL ORDER BY id LIMIT 100")
            .fetch_all(&mut *tx)
            .await
            .expect("undelivered");
        for row in due {
            sqlx::query("UPDATE outbox SET delivered_at = $1, attempts = attempts + 1 WHERE id = $2")
                .bind(&at)
                .bind(row.try_get::<i64, _>("id").expect("id"))
                .execute(&mut *tx)
                .await
                .expect("delivered");
        }
        tx.commit().await.expect("commit");
    }
    let took = started.elapsed();
    pool.close().await;
    took
}

// ---------------------------------------------------------------------------------------------
// Memory: RSS with many stored cases (written by a fast SQL path) and open conversations (opened
// through the engine).

async fn memory_child() {
    sqlx::any::install_default_drivers();
    let stored = env_usize("MEM_CASES", 100_000);
    let open_conversations = env_usize("MEM_OPEN", 10_000);
    let dir = PathBuf::from(std::env::var("LOAD_DIR").expect("LOAD_DIR"));
    let db = Backend::Sqlite.fresh(&dir, "bot");
    let config = write_config(&dir, &db.url);
    println!("\n== memory: {stored} stored cases, {open_conversations} open conversations, SQLite");
    let app = open(Some(&config), Platform::Local, false).await.expect("open the app");
    println!("  after start-up: RSS {}", mb(rss_kb("VmRSS:")));

    let started = Instant::now();
    bulk_cases(&db.url, stored).await;
    println!(
        "  {stored} closed cases written by the fast SQL path in {:.1} s (each: 1 case row, 8 timeline events, 9 delivered outbox rows)",
        started.elapsed().as_secs_f64()
    );
    println!("  RSS {}", mb(rss_kb("VmRSS:")));

    let sim = Sim { app, adapter: tokio::sync::Mutex::new(()), inbox: Default::default() };
    let now = Utc::now();
    let started = Instant::now();
    let step = (open_conversations / 4).max(1);
    for i in 0..open_conversations {
        sim.turn(message(&format!("open-{i}"), "Hi, I'd like a refund please"), now).await;
        // The platform would have the messages; the bench keeps none.
        sim.inbox.lock().expect("inbox").clear();
        if (i + 1) % step == 0 {
            println!("  {} open conversations (opened through the engine): RSS {}", i + 1, mb(rss_kb("VmRSS:")));
        }
    }
    println!("  ({open_conversations} first messages took {:.1} s)", started.elapsed().as_secs_f64());
    sim.app.engine.store().close().await;
    println!(
        "  database {:.1} MB; peak RSS (VmHWM) of this process {}",
        db.bytes().await as f64 / 1e6,
        mb(rss_kb("VmHWM:"))
    );
}

/// Closed, refunded cases with a realistic timeline and delivered outbox, written in one
/// transaction by SQL alone (the engine would take minutes for 100,000).
async fn bulk_cases(url: &str, count: usize) {
    let mut conn = sqlx::AnyConnection::connect(url).await.expect("connect for bulk");
    let at = refund_bot::store::ts(Utc::now());
    let mut tx = conn.begin().await.expect("begin");
    let verdict = r#"{"outcome":"full_refund","amount_minor":4900,"currency":"USD","percent":null,"rule":"within_usage","rules":["Purchased 5 days ago, within the 30-day refund window.","Course progress is 12%, within the 30% allowed for a full refund."],"alternatives":[],"repeat_refunder":false,"policy_hash":"0"}"#;
    sqlx::query(&format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count})
         INSERT INTO cases (customer, order_id, email, reason, details, resolution, state, outcome,
                            verdict_json, policy_hash, requested_at, opened_at, updated_at, last_customer_at)
         SELECT 'stored-' || i, 'ORD-S' || i, 'stored' || i || '@example.com', 'accidental_purchase',
                'I bought it by mistake, I meant to buy the ebook.', 'refund', 'closed', 'refunded',
                $1, '0', $2, $2, $2, $2
         FROM n"
    ))
    .bind(verdict)
    .bind(&at)
    .execute(&mut *tx)
    .await
    .expect("bulk cases");
    sqlx::query(
        "WITH k(actor, kind, detail) AS (VALUES
            ('cust', 'message', 'Hi, I''d like a refund please'),
            ('cust', 'message', 'Order ORD-100001, I bought it with buyer1@example.com'),
            ('cust', 'click', 'reason:accidental_purchase'),
            ('cust', 'message', 'I bought it by mistake, I meant to buy the ebook.'),
            ('cust', 'click', 'resolution:refund'),
            ('bot', 'verdict', 'full_refund: within the window and usage limits'),
            ('agent-1', 'approved', 'draft approved and sent'),
            ('agent-1', 'refunded', 'marked refunded: $49.00'))
         INSERT INTO events (case_id, at, actor, kind, detail)
         SELECT c.id, $1, k.actor, k.kind, k.detail FROM cases c CROSS JOIN k WHERE c.state = 'closed'",
    )
    .bind(&at)
    .execute(&mut *tx)
    .await
    .expect("bulk events");
    let action = r#"{"kind":"send","id":"msg-1","to":"dm:cust-1","case":1,"text":"Thanks! Here is what I'll send to our team: order ORD-100001, Web Design Course, $49.00. Reason: I bought it by accident. Details: I bought it by mistake, I meant to buy the ebook. You would like: a refund. Shall I send it?","buttons":[{"id":"btn-1","action":"confirm","label":"Yes, send it"},{"id":"btn-2","action":"cancel","label":"Cancel"}],"mentions":[],"reactions":[]}"#;
    sqlx::query(
        "WITH k(x) AS (VALUES (1),(2),(3),(4),(5),(6),(7),(8),(9))
         INSERT INTO outbox (case_id, action_json, created_at, delivered_at, attempts)
         SELECT c.id, $1, $2, $2, 1 FROM cases c CROSS JOIN k WHERE c.state = 'closed'",
    )
    .bind(action)
    .bind(&at)
    .execute(&mut *tx)
    .await
    .expect("bulk outbox");
    tx.commit().await.expect("commit bulk");
    conn.close().await.ok();
}
