//! The command line: exit codes and error messages that say what and where.

use crate::support::*;

#[test]
fn a_broken_policy_names_line_and_column_and_exits_2() {
    let fixture = Fixture::new();
    std::fs::write(fixture.path().join("bad.toml"), "currency = \"USD\"\n[default]\nwindow_dayz = 30\n").unwrap();
    let out = fixture.cli(&["policy", "check", "bad.toml"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.toml:3:1"), "{err}");
    let out = fixture.cli(&["policy", "check", "policy.toml"]);
    assert!(out.status.success());
}

#[test]
fn a_broken_config_stops_the_start_with_line_and_column() {
    let fixture = Fixture::new();
    std::fs::write(fixture.config(), "database_url = \"sqlite://bot.db\"\n[sla]\nfollowup_days = \"soon\"\n").unwrap();
    let out = fixture.cli(&["jsonl"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("refund-bot.toml:3:"), "{err}");
}

#[test]
fn a_broken_policy_stops_the_bot_too() {
    let fixture = Fixture::new();
    std::fs::write(fixture.path().join("policy.toml"), "currency = \"USD\"\n[default]\nauto_approve_max = \"1.234\"\n")
        .unwrap();
    let out = fixture.cli(&["jsonl"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("policy.toml:3:"));
}

#[test]
fn run_without_a_platform_says_how_to_configure_one() {
    let fixture = Fixture::new();
    let out = fixture.cli(&["run"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("[discord]"));
}

#[test]
fn a_bad_orders_file_imports_nothing() {
    let fixture = Fixture::new();
    let bad = "{\"order_id\":\"ORD-2001\",\"email\":\"x@example.com\",\"sku\":\"a\",\"product\":\"A\",\"amount\":\"1.00\",\"currency\":\"USD\",\"purchased_at\":\"2026-11-01T00:00:00Z\"}\n{\"order_id\":\"ORD-2002\",\"email\":\"x@example.com\",\"sku\":\"a\",\"product\":\"A\",\"amount\":\"1.0x\",\"currency\":\"USD\",\"purchased_at\":\"2026-11-01T00:00:00Z\"}\n";
    std::fs::write(fixture.path().join("bad.jsonl"), bad).unwrap();
    let out = fixture.cli(&["orders", "import", "bad.jsonl"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 2"));
    let out = fixture.cli(&["policy", "explain", "ORD-2001"]);
    assert_eq!(out.status.code(), Some(2), "ORD-2001 was not half-imported");
}

#[test]
fn policy_explain_prints_the_trace() {
    let fixture = Fixture::new();
    let out =
        fixture.cli(&["policy", "explain", "ORD-1002", "--at", "2026-11-23T12:00:00Z", "--reason", "changed_mind"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("PartialRefund") && text.contains("$24.50"), "{text}");
}

#[test]
fn case_list_is_empty_json_on_a_new_database() {
    let fixture = Fixture::new();
    assert!(fixture.cases().is_empty());
}

/// A code this version does not know (a row written by a newer one) is a corrupt row named
/// with its value, not a silent default.
#[tokio::test]
async fn an_unknown_code_in_a_row_is_reported_with_its_value() {
    use refund_bot::app::open;
    use refund_bot::domain::Platform;
    use refund_bot::events::Inbound;

    let fixture = Fixture::new();
    let app = open(Some(&fixture.config()), Platform::Local, false).await.unwrap();
    let hello = Inbound::dm("cust-1", "hello");
    app.engine.handle(&hello, CLOCK.parse().unwrap()).await.unwrap();
    let corrupt = |sql: &'static str| {
        let store = app.engine.store().clone();
        async move {
            let mut tx = store.begin().await.unwrap();
            sqlx::query(sql).execute(tx.connection()).await.unwrap();
            tx.commit().await.unwrap();
        }
    };
    let shown = |needle: &str| {
        let out = fixture.cli(&["case", "show", "1", "--json"]);
        assert_eq!(out.status.code(), Some(1));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "{err}");
    };
    corrupt("UPDATE events SET kind = 'teleported' WHERE kind = 'opened'").await;
    shown("unknown event kind `teleported`");
    corrupt("UPDATE events SET kind = 'opened' WHERE kind = 'teleported'").await;
    corrupt("UPDATE cases SET flags_json = '[\"vip\"]'").await;
    shown("unknown flag `vip`");
}
