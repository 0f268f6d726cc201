//! Operating it: health, metrics, logs without secrets, graceful shutdown, policy reload, and
//! the deployment files.

use crate::support::*;
use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A plain HTTP/1.0 GET on loopback: (status, body).
fn get(port: u16, path: &str) -> (u16, String) {
    for _ in 0..100 {
        if let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) {
            write!(stream, "GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n").unwrap();
            let mut response = String::new();
            stream.read_to_string(&mut response).unwrap();
            let status = response.split_whitespace().nth(1).unwrap().parse().unwrap();
            let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
            return (status, body);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("nothing listens on {port}");
}

fn with_http(fixture: &Fixture, port: u16) {
    let config = std::fs::read_to_string(fixture.config()).unwrap();
    std::fs::write(fixture.config(), format!("{config}\n[http]\nlisten = \"127.0.0.1:{port}\"\n")).unwrap();
}

/// Checks every sample line of a Prometheus text exposition; returns name{labels} -> value.
fn parse_exposition(text: &str) -> std::collections::HashMap<String, f64> {
    let mut series = std::collections::HashMap::new();
    for line in text.lines().filter(|l| !l.is_empty()) {
        if let Some(comment) = line.strip_prefix('#') {
            let words: Vec<&str> = comment.split_whitespace().collect();
            assert!(matches!(words.first(), Some(&"HELP") | Some(&"TYPE")), "bad comment: {line}");
            if words[0] == "TYPE" {
                assert!(["counter", "gauge", "histogram"].contains(&words[2]), "bad type: {line}");
            }
            continue;
        }
        let (name, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("bad sample: {line}"));
        let value: f64 = value.parse().unwrap_or_else(|_| panic!("bad value: {line}"));
        let metric = name.split('{').next().unwrap();
        assert!(metric.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'), "bad name: {line}");
        if let Some(labels) = name.strip_prefix(metric) {
            assert!(labels.is_empty() || (labels.starts_with('{') && labels.ends_with('}')), "bad labels: {line}");
        }
        series.insert(name.to_string(), value);
    }
    series
}

#[test]
fn metrics_parse_and_show_a_scripted_case() {
    let fixture = Fixture::new();
    let port = free_port();
    with_http(&fixture, port);
    let mut bot = fixture.start();
    let draft = request(&mut bot, "cust-1", "ORD-1001", "alice@example.com", "accidental_purchase", "refund");
    approve_and_mark_refunded(&mut bot, &draft);
    let (status, text) = get(port, "/metrics");
    assert_eq!(status, 200);
    let series = parse_exposition(&text);
    assert_eq!(
        series.get(r#"refund_bot_cases{outcome="refunded",reason="accidental_purchase"}"#),
        Some(&1.0),
        "{text}"
    );
    assert_eq!(series.get(r#"refund_bot_verdicts{outcome="full_refund"}"#), Some(&1.0));
    assert_eq!(series.get(r#"refund_bot_refunds{status="succeeded",currency="USD"}"#), Some(&1.0));
    assert_eq!(series.get(r#"refund_bot_refunded_minor_units{status="succeeded",currency="USD"}"#), Some(&4900.0));
    assert_eq!(series.get("refund_bot_drafts_waiting"), Some(&0.0));
    assert_eq!(series.get("refund_bot_outbox_backlog"), Some(&0.0));
    assert_eq!(series.get("refund_bot_incidents_open"), Some(&0.0));
    assert_eq!(series.get("refund_bot_digest_last_sent"), Some(&0.0));
    assert!(series["refund_bot_handler_seconds_count"] >= 8.0);
    assert!(series[r#"refund_bot_inbound_events_total{platform="local"}"#] >= 8.0);
    assert_eq!(get(port, "/healthz"), (200, "ok\n".to_string()));
    bot.stop();
}

#[test]
fn health_turns_503_when_the_database_goes_away() {
    let Some(fixture) = Fixture::postgres() else {
        return;
    };
    let port = free_port();
    with_http(&fixture, port);
    let mut bot = fixture.start();
    bot.say("cust-1", "hello");
    assert_eq!(get(port, "/healthz").0, 200);
    let config = std::fs::read_to_string(fixture.config()).unwrap();
    let url =
        config.lines().find_map(|l| l.strip_prefix("database_url = \"")).unwrap().trim_end_matches('"').to_string();
    let (server, name) = url.rsplit_once('/').unwrap();
    let dropped = std::process::Command::new("psql")
        .arg(format!("{server}/postgres"))
        .args(["-qc", &format!("DROP DATABASE {name} WITH (FORCE)")])
        .status()
        .unwrap();
    assert!(dropped.success());
    let (status, body) = get(port, "/healthz");
    assert_eq!(status, 503, "{body}");
    assert!(body.starts_with("database:"), "{body}");
}

#[test]
fn sigterm_in_a_burst_finishes_the_line_in_hand_and_loses_nothing() {
    let fixture = Fixture::new();
    let mut bot = fixture.start();
    let lines: Vec<String> = (0..40)
        .map(|i| serde_json::json!({"kind": "message", "user": format!("cust-{i}"), "text": "hello", "id": format!("burst-{i}")}).to_string())
        .collect();
    for line in &lines {
        bot.write_line(line);
    }
    std::thread::sleep(Duration::from_millis(30));
    bot.terminate();
    let mut done = 0;
    while let Some(value) = bot.read_value() {
        if value["kind"] == "done" {
            done += 1;
        }
    }
    assert_eq!(bot.wait(), Some(0), "a clean exit");
    // Every acknowledged line is committed; nothing else half-done.
    assert_eq!(fixture.cases().len(), done);
    // The rest is sent again (ids make the resend safe) and all 40 land once.
    let mut bot = fixture.start();
    for line in &lines {
        let out = bot.raw(line);
        assert_eq!(out.last().unwrap()["kind"], "done");
    }
    bot.stop();
    assert_eq!(fixture.cases().len(), 40);
}

#[test]
fn a_policy_edit_is_picked_up_and_a_broken_one_refused() {
    let fixture = Fixture::new();
    let mut bot = fixture.start();
    bot.say("cust-0", "hello");
    let stricter = POLICY.replacen("window_days = 30", "window_days = 5", 1);
    assert_ne!(stricter, POLICY);
    std::fs::write(fixture.path().join("policy.toml"), stricter).unwrap();
    std::thread::sleep(Duration::from_millis(2500));
    let draft = request(&mut bot, "cust-1", "ORD-1001", "alice@example.com", "accidental_purchase", "refund");
    let case = fixture.case(draft["case"].as_i64().unwrap());
    assert_eq!(case["verdict"]["outcome"], "not_eligible", "the new 5-day window applies");

    std::fs::write(fixture.path().join("policy.toml"), "currency = \"USD\"\n[default]\nwindow_dayz = 3\n").unwrap();
    std::thread::sleep(Duration::from_millis(2500));
    let out = bot.say("cust-2", "hello");
    let notice = one_to(&out, "channel:managers");
    assert!(notice["text"].as_str().unwrap().contains("window_dayz"), "{notice}");
    let draft = request(&mut bot, "cust-3", "ORD-1002", "bob@example.com", "changed_mind", "refund");
    let case = fixture.case(draft["case"].as_i64().unwrap());
    assert_eq!(case["verdict"]["outcome"], "not_eligible", "the last good policy stays in force");
    bot.stop();
}

#[test]
fn logs_of_a_whole_case_hold_no_email_or_token() {
    let fixture = Fixture::new();
    let output = std::process::Command::new(BIN)
        .arg("--config")
        .arg(fixture.config())
        .args(["--log-format", "json", "jsonl", "--clock", CLOCK])
        .env("RUST_LOG", "debug")
        .env("DISCORD_TOKEN", "secret-discord-token")
        .env("STRIPE_SECRET_KEY", "sk_test_secret")
        .current_dir(fixture.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut child = output;
    {
        let stdin = child.stdin.as_mut().unwrap();
        for text in ["Hi, refund please", "ORD-1001 alice@example.com"] {
            writeln!(stdin, "{}", serde_json::json!({"kind": "message", "user": "cust-1", "text": text})).unwrap();
        }
    }
    let result = child.wait_with_output().unwrap();
    let logs = String::from_utf8_lossy(&result.stderr);
    assert!(!logs.is_empty(), "debug logs were written");
    assert!(logs.lines().all(|l| serde_json::from_str::<Value>(l).is_ok()), "every line is JSON");
    for secret in ["alice@example.com", "secret-discord-token", "sk_test_secret"] {
        assert!(!logs.contains(secret), "the logs hold {secret}");
    }
}

#[test]
fn deployment_files_are_complete() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let dockerfile = std::fs::read_to_string(root.join("Dockerfile")).unwrap();
    let instructions: Vec<&str> =
        dockerfile.lines().filter(|l| !l.trim_start().starts_with('#') && !l.trim().is_empty()).collect();
    let froms = instructions.iter().filter(|l| l.starts_with("FROM ")).count();
    assert_eq!(froms, 2, "multi-stage");
    assert!(instructions.iter().any(|l| l.starts_with("USER ") && !l.contains("root")), "runs as a non-root user");
    assert!(instructions.iter().any(|l| l.starts_with("VOLUME ")), "the database lives on a volume");
    assert!(instructions.iter().any(|l| l.starts_with("COPY --from=build")));
    for line in &instructions {
        let word = line.split_whitespace().next().unwrap();
        let known =
            ["FROM", "WORKDIR", "COPY", "RUN", "VOLUME", "USER", "ENV", "EXPOSE", "HEALTHCHECK", "ENTRYPOINT", "CMD"];
        assert!(
            known.contains(&word) || line.starts_with(' ') || line.starts_with("&&"),
            "unknown instruction: {line}"
        );
    }

    let unit = std::fs::read_to_string(root.join("deploy/refund-bot.service")).unwrap();
    let mut section = "";
    let mut keys = Vec::new();
    for line in unit.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
        if line.starts_with('[') {
            section = line;
            continue;
        }
        let (key, value) = line.split_once('=').unwrap_or_else(|| panic!("not key=value: {line}"));
        assert!(!value.is_empty(), "{line}");
        keys.push(format!("{section}{key}"));
    }
    for needed in
        ["[Unit]Description", "[Service]ExecStart", "[Service]User", "[Service]KillSignal", "[Install]WantedBy"]
    {
        assert!(keys.iter().any(|k| k == needed), "the unit lacks {needed}");
    }
    assert!(!unit.contains("DISCORD_TOKEN=") || unit.contains("EnvironmentFile"), "no secret in the unit");
}
