//! Test harness: a fresh folder per test (config, policy, orders, SQLite file), the engine in
//! this process (`local`), and the real `refund-bot jsonl` process driven line by line (`start`).

mod local;
mod seed;

pub use local::Local;
// benches/soak.rs includes this module and seeds nothing.
#[allow(unused_imports)]
pub use seed::{a_refund_and_a_denial, approve_and_mark_refunded};

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};

pub const BIN: &str = env!("CARGO_BIN_EXE_refund-bot");
pub const CLOCK: &str = "2026-11-23T12:00:00Z";

pub const POLICY: &str = include_str!("../../../policy.example.toml");

pub const ORDERS: &str = r#"{"order_id":"ORD-1001","email":"alice@example.com","sku":"course-webdesign","product":"Web Design Course","amount":"49.00","currency":"USD","purchased_at":"2026-11-10T10:00:00Z","usage":{"progress_percent":12},"refunded":"0.00"}
{"order_id":"ORD-1002","email":"bob@example.com","sku":"course-webdesign","product":"Web Design Course","amount":"49.00","currency":"USD","purchased_at":"2026-11-12T09:30:00Z","usage":{"progress_percent":45},"refunded":"0.00"}
{"order_id":"ORD-1003","email":"carol@example.com","sku":"ebook-rust","product":"Rust for Sellers (ebook)","amount":"19.00","currency":"USD","purchased_at":"2026-09-01T08:00:00Z","usage":{"downloads":1},"refunded":"0.00"}
{"order_id":"ORD-1004","email":"dave@example.com","sku":"course-masterclass","product":"Masterclass Bundle","amount":"249.00","currency":"USD","purchased_at":"2026-11-20T16:45:00Z","usage":{"progress_percent":5},"refunded":"0.00"}
{"order_id":"ORD-1005","email":"alice@example.com","sku":"template-pack","product":"Notion Template Pack","amount":"15.00","currency":"USD","purchased_at":"2026-11-21T10:00:00Z","usage":{"downloads":0},"refunded":"0.00"}
"#;

/// A fresh folder with a config, the example policy and imported orders.
pub struct Fixture {
    pub dir: tempfile::TempDir,
    /// (server URL, database name) of a PostgreSQL database to drop afterwards.
    pg_database: Option<(String, String)>,
}

impl Drop for Fixture {
    fn drop(&mut self) {
        if let Some((server, name)) = &self.pg_database {
            let _ = Command::new("psql")
                .arg(server)
                .args(["-q", "-c", &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }
}

/// Runs each test body on SQLite and, when `TEST_DATABASE_URL` is set, on PostgreSQL.
#[macro_export]
macro_rules! on_both_backends {
    ($($(#[$meta:meta])* fn $name:ident($fixture:ident: &Fixture) $body:block)*) => {
        $(
            $(#[$meta])*
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                fn body($fixture: &Fixture) $body

                #[test]
                fn sqlite() {
                    body(&Fixture::new());
                }

                #[test]
                fn postgres() {
                    if let Some(fixture) = Fixture::postgres() {
                        body(&fixture);
                    }
                }
            }
        )*
    };
}

impl Fixture {
    pub fn new() -> Fixture {
        Fixture::with_config("")
    }

    pub fn with_config(extra: &str) -> Fixture {
        Fixture::create("sqlite://bot.db".into(), extra)
    }

    /// A fixture on a fresh PostgreSQL database, when `TEST_DATABASE_URL` names a server.
    pub fn postgres() -> Option<Fixture> {
        Fixture::postgres_with_config("")
    }

    /// `postgres()` with extra config, like `with_config`.
    pub fn postgres_with_config(extra: &str) -> Option<Fixture> {
        let Some(server) = std::env::var("TEST_DATABASE_URL").ok().filter(|u| !u.is_empty()) else {
            eprintln!("TEST_DATABASE_URL is not set: skipping the PostgreSQL half of this test");
            return None;
        };
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
        let name = format!("rb_test_{}_{}_{nanos}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        let base = server.rsplit_once('/').map_or(server.as_str(), |(base, _)| base);
        let mut fixture = Fixture::create(format!("{base}/{name}"), extra);
        fixture.pg_database = Some((server.clone(), name));
        Some(fixture)
    }

    fn create(database_url: String, extra: &str) -> Fixture {
        let dir = tempfile::tempdir().expect("temp dir");
        // The weekly digest would post to managers whenever a test's clock passes a Monday
        // 09:00; the tests of the digest turn it on themselves. An inline table, so a key a
        // test appends to the file later stays top-level.
        let digest = if extra.contains("[digest]") { "" } else { "digest = { enabled = false }\n" };
        let config = format!("database_url = \"{database_url}\"\npolicy = \"policy.toml\"\n{digest}{extra}");
        std::fs::write(dir.path().join("refund-bot.toml"), config).unwrap();
        std::fs::write(dir.path().join("policy.toml"), POLICY).unwrap();
        std::fs::write(dir.path().join("orders.jsonl"), ORDERS).unwrap();
        let fixture = Fixture { dir, pg_database: None };
        let out = fixture.cli(&["orders", "import", "orders.jsonl"]);
        assert!(out.status.success(), "import failed: {}", String::from_utf8_lossy(&out.stderr));
        fixture
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn config(&self) -> PathBuf {
        self.path().join("refund-bot.toml")
    }

    /// Runs a command of the binary in the fixture folder.
    pub fn cli(&self, args: &[&str]) -> std::process::Output {
        Command::new(BIN)
            .arg("--config")
            .arg(self.config())
            .args(args)
            .current_dir(self.path())
            .env_remove("DATABASE_URL")
            .env_remove("REFUND_BOT_CONFIG")
            .output()
            .expect("run refund-bot")
    }

    pub fn case(&self, id: i64) -> Value {
        let out = self.cli(&["case", "show", &id.to_string(), "--json"]);
        assert!(out.status.success(), "case show failed: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).expect("case json")
    }

    /// The timeline kinds of the first case, in order (`relayed_in`, `note`, ...).
    pub fn first_case_kinds(&self) -> Vec<String> {
        let case = self.case(self.cases()[0]["id"].as_i64().expect("a case"));
        case["events"].as_array().expect("events").iter().map(|e| e["kind"].as_str().unwrap().to_string()).collect()
    }

    pub fn cases(&self) -> Vec<Value> {
        let out = self.cli(&["case", "list", "--json"]);
        assert!(out.status.success(), "case list failed: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).expect("case list json")
    }

    /// The engine in this process at the test clock: what flow tests talk to.
    pub fn local(&self) -> Local {
        Local::start(self, CLOCK)
    }

    /// The real `refund-bot jsonl` process: for the tests of the binary itself.
    pub fn start(&self) -> Bot {
        self.start_at(CLOCK)
    }

    pub fn start_at(&self, clock: &str) -> Bot {
        self.start_env(clock, &[])
    }

    /// Starts the bot with extra environment (secrets such as `STRIPE_SECRET_KEY`).
    pub fn start_env(&self, clock: &str, env: &[(&str, &str)]) -> Bot {
        let mut child = Command::new(BIN)
            .arg("--config")
            .arg(self.config())
            .args(["jsonl", "--clock", clock])
            .current_dir(self.path())
            .env_remove("DATABASE_URL")
            .env_remove("STRIPE_SECRET_KEY")
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(if std::env::var_os("TEST_LOG").is_some() { Stdio::inherit() } else { Stdio::null() })
            .spawn()
            .expect("start refund-bot jsonl");
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Bot { child, stdin: Some(stdin), stdout, seq: 0, log: Vec::new() }
    }
}

/// A running `refund-bot jsonl`.
pub struct Bot {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    seq: u64,
    /// Every outbound action seen, in order.
    pub log: Vec<Value>,
}

/// A chat with the engine, in this process (`Local`) or through `refund-bot jsonl` (`Bot`):
/// each event comes back with the actions it caused.
pub trait Chat {
    /// Sends an event that must be handled; returns the actions it caused.
    fn send(&mut self, event: Value) -> Vec<Value>;

    fn say(&mut self, user: &str, text: &str) -> Vec<Value> {
        self.send(json!({"kind": "message", "user": user, "text": text}))
    }

    fn click(&mut self, user: &str, button: &str) -> Vec<Value> {
        self.send(json!({"kind": "click", "user": user, "button": button}))
    }

    fn submit(&mut self, user: &str, button: &str, text: &str) -> Vec<Value> {
        self.send(json!({"kind": "submit", "user": user, "button": button, "text": text}))
    }

    fn react(&mut self, user: &str, message: &str, emoji: &str) -> Vec<Value> {
        self.send(json!({"kind": "react", "user": user, "message": message, "emoji": emoji}))
    }

    fn tick(&mut self, secs: u64) -> Vec<Value> {
        self.send(json!({"kind": "tick", "advance_secs": secs}))
    }
}

impl Chat for Bot {
    /// Sends an event that must be handled (`done`); returns the actions it caused.
    fn send(&mut self, event: Value) -> Vec<Value> {
        let mut out = self.raw(&event.to_string());
        let last = out.pop().unwrap();
        assert_eq!(last["kind"], "done", "event {event} was not handled: {last}");
        self.log.extend(out.iter().cloned());
        out
    }
}

impl Bot {
    /// Writes one raw line and returns everything up to and including its `done` or `error`.
    pub fn raw(&mut self, line: &str) -> Vec<Value> {
        self.seq += 1;
        let stdin = self.stdin.as_mut().expect("bot running");
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
        let mut out = Vec::new();
        loop {
            let mut text = String::new();
            let n = self.stdout.read_line(&mut text).expect("read bot output");
            assert!(n > 0, "bot exited before answering line {}: {line}", self.seq);
            let value: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("bad output line {text:?}: {e}"));
            let finished =
                matches!(value["kind"].as_str(), Some("done") | Some("error")) && value["seq"] == json!(self.seq);
            out.push(value);
            if finished {
                return out;
            }
        }
    }

    /// Writes one line without waiting for its answer.
    pub fn write_line(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("bot running");
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
    }

    /// The next output line, or `None` when the process has gone.
    pub fn read_value(&mut self) -> Option<Value> {
        let mut text = String::new();
        match self.stdout.read_line(&mut text) {
            Ok(0) | Err(_) => None,
            Ok(_) => Some(serde_json::from_str(&text).unwrap_or_else(|e| panic!("bad output line {text:?}: {e}"))),
        }
    }

    /// SIGKILL: no chance to finish anything. Returns what it had printed before dying and
    /// was not read yet (a real consumer would have received it).
    pub fn kill(mut self) -> Vec<Value> {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let mut printed = Vec::new();
        let mut text = String::new();
        while matches!(self.stdout.read_line(&mut text), Ok(n) if n > 0) {
            // A line cut short by the kill never reached the consumer whole: skip it.
            if let Ok(value) = serde_json::from_str(&text) {
                printed.push(value);
            }
            text.clear();
        }
        printed
    }

    /// SIGTERM, as a service manager stops the bot.
    pub fn terminate(&mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
    }

    /// Waits for the process to end; its exit code.
    pub fn wait(&mut self) -> Option<i32> {
        drop(self.stdin.take());
        self.child.wait().ok().and_then(|s| s.code())
    }

    /// Closes stdin and waits for a clean exit.
    pub fn stop(mut self) {
        drop(self.stdin.take());
        let status = self.child.wait().unwrap();
        assert!(status.success(), "bot exited with {status}");
    }
}

impl Drop for Bot {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The sends to one destination.
/// How many of `kinds` are `kind`.
pub fn count_kind(kinds: &[String], kind: &str) -> usize {
    kinds.iter().filter(|k| *k == kind).count()
}

pub fn sends_to<'a>(out: &'a [Value], to: &str) -> Vec<&'a Value> {
    out.iter().filter(|v| v["kind"] == "send" && v["to"] == to).collect()
}

/// Whether an address is the agents': their channel or a case's thread.
pub fn is_agents(to: &Value) -> bool {
    to == "channel:agents" || to.as_str().is_some_and(|t| t.starts_with("thread:"))
}

/// The sends to the agents: a case's card in their channel, its later posts in its thread.
pub fn to_agents(out: &[Value]) -> Vec<&Value> {
    out.iter().filter(|v| v["kind"] == "send" && is_agents(&v["to"])).collect()
}

/// The one send to the agents; panics with the whole output otherwise.
pub fn one_to_agents(out: &[Value]) -> &Value {
    let found = to_agents(out);
    assert_eq!(found.len(), 1, "expected one send to the agents, got {}: {out:#?}", found.len());
    found[0]
}

/// The one send to a destination; panics with the whole output otherwise.
pub fn one_to<'a>(out: &'a [Value], to: &str) -> &'a Value {
    let found = sends_to(out, to);
    assert_eq!(found.len(), 1, "expected one send to {to}, got {}: {out:#?}", found.len());
    found[0]
}

/// The id of the button with this action on a sent message.
pub fn button(message: &Value, action: &str) -> String {
    message["buttons"]
        .as_array()
        .and_then(|b| b.iter().find(|b| b["action"] == action))
        .and_then(|b| b["id"].as_str())
        .unwrap_or_else(|| panic!("no `{action}` button on {message:#}"))
        .to_string()
}

pub fn id(message: &Value) -> String {
    message["id"].as_str().expect("message id").to_string()
}

pub fn case_id(message: &Value) -> i64 {
    message["case"].as_i64().expect("case id")
}

/// Runs the intake for `user` up to the summary and confirms; returns the agents' draft post.
pub fn request(bot: &mut impl Chat, user: &str, order: &str, email: &str, reason: &str, resolution: &str) -> Value {
    let dm = format!("dm:{user}");
    let out = bot.say(user, "Hi, I'd like a refund please");
    assert_eq!(one_to(&out, &dm)["expects"], "order_id");
    let out = bot.say(user, &format!("Order {order}, I bought it with {email}"));
    let ask_reason = one_to(&out, &dm).clone();
    let out = bot.click(user, &button(&ask_reason, &format!("reason:{reason}")));
    assert_eq!(one_to(&out, &dm)["expects"], "details");
    let mut out = bot.say(user, "It wasn't what I needed, sorry.");
    if reason == "technical_issue" {
        let offer = one_to(&out, &dm).clone();
        out = bot.click(user, &button(&offer, "resolution:refund"));
    }
    let ask_resolution = one_to(&out, &dm).clone();
    let out = bot.click(user, &button(&ask_resolution, &format!("resolution:{resolution}")));
    let summary = one_to(&out, &dm).clone();
    let out = bot.click(user, &button(&summary, "confirm"));
    out.iter()
        .find(|v| v["kind"] == "send" && v["to"] != json!(dm))
        .cloned()
        .unwrap_or_else(|| panic!("no staff post after confirm: {out:#?}"))
}

/// Deterministic pseudo-random numbers (xorshift), so a failure can be replayed.
pub struct Rng(pub u64);

impl Rng {
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// Plays `script` (one line each) in `refund-bot console` run in `dir`, with `--config FILE`
/// when given and `env` added; returns what it printed, after a successful exit.
pub fn play_console(dir: &Path, config: Option<&Path>, env: &[(&str, &str)], script: &[&str]) -> String {
    let mut command = Command::new(BIN);
    if let Some(config) = config {
        command.arg("--config").arg(config);
    }
    let mut child = command
        .arg("console")
        .current_dir(dir)
        .env_remove("REFUND_BOT_CONFIG")
        .env_remove("DATABASE_URL")
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start refund-bot console");
    child.stdin.take().unwrap().write_all(format!("{}\n", script.join("\n")).as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}
