//! Platforms: every outbox row names the platform that delivers it, each platform's drain claims
//! only its own rows, and a database written before platforms existed moves over in place.

use crate::support::*;
use chrono::{DateTime, Utc};
use refund_bot::app::open;
use refund_bot::domain::Platform;
use refund_bot::events::{Inbound, Outbound};
use refund_bot::replies::Reply;
use refund_bot::runner::drain_outbox;
use refund_bot::store::Store;
use sqlx::migrate::{MigrateDatabase as _, Migrator};
use sqlx::{Any, AnyPool, Row as _};
use std::path::Path;

fn destinations(actions: &[Outbound]) -> Vec<String> {
    actions
        .iter()
        .map(|action| match action {
            Outbound::Send { to, .. } => to.clone(),
            other => format!("{other:?}"),
        })
        .collect()
}

/// Drains one platform's outbox, returning what it was handed.
async fn drained(store: &Store, platform: Platform, now: DateTime<Utc>) -> Vec<Outbound> {
    let mut seen = Vec::new();
    drain_outbox(store, platform, now, |action| {
        seen.push(action);
        async { Ok(()) }
    })
    .await
    .unwrap();
    seen
}

#[tokio::test]
async fn each_platform_is_handed_only_its_own_rows() {
    let fixture = Fixture::new();
    // Customers on the local chat, staff on Discord.
    let app = open(Some(&fixture.config()), Platform::Discord, false).await.unwrap();
    let now: DateTime<Utc> = CLOCK.parse().unwrap();
    app.engine.handle(&Inbound::dm("cust-1", "hello"), now).await.unwrap();
    let notice = Reply::ManagerPolicyRefused { error: "policy.toml:3:1 unknown key".into() };
    app.engine.notify_managers(&notice, now).await.unwrap();

    let store = app.engine.store();
    assert_eq!(drained(store, Platform::Slack, now).await, vec![], "nothing is Slack's");
    let local = drained(store, Platform::Local, now).await;
    assert!(!local.is_empty() && destinations(&local).iter().all(|to| to == "dm:cust-1"), "{local:#?}");
    let discord = drained(store, Platform::Discord, now).await;
    assert_eq!(destinations(&discord), vec!["channel:managers"]);
    assert_eq!(drained(store, Platform::Local, now).await, vec![], "each row is handed over once");
}

/// A database at the schema before platforms (migrations 1 to 3), as an older version left it.
async fn old_database(url: &str) -> AnyPool {
    sqlx::any::install_default_drivers();
    if !Any::database_exists(url).await.unwrap_or(false) {
        Any::create_database(url).await.unwrap();
    }
    let dialect = if url.starts_with("sqlite:") { "sqlite" } else { "postgres" };
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(dialect);
    let mut migrator = Migrator::new(folder).await.unwrap();
    migrator.migrations = migrator.migrations.iter().filter(|m| m.version <= 3).cloned().collect::<Vec<_>>().into();
    let pool = AnyPool::connect(url).await.unwrap();
    migrator.run(&pool).await.unwrap();
    pool
}

/// Writes what a bot that ran on Discord (or on jsonl, with no platform rows) left behind.
async fn write_old_rows(pool: &AnyPool, on_discord: bool, customer: &str) {
    let at = "2026-11-23T12:00:00.000Z";
    let statements = [
        format!("INSERT INTO cases (customer, state, outcome, requested_at, opened_at, updated_at, last_customer_at) VALUES ('{customer}', 'intake', 'open', '{at}', '{at}', '{at}', '{at}')"),
        format!("INSERT INTO cases (customer, state, outcome, requested_at, opened_at, updated_at, last_customer_at) VALUES ('stripe:dp_1', 'awaiting_manager', 'open', '{at}', '{at}', '{at}', '{at}')"),
        format!("INSERT INTO customer_emails (customer, email) VALUES ('{customer}', 'alice@example.com')"),
        format!("INSERT INTO messages (case_id, recipient, purpose, text, active, created_at) VALUES (1, 'dm:{customer}', 'customer', 'Hi', 1, '{at}')"),
        format!("INSERT INTO messages (case_id, recipient, purpose, text, active, created_at) VALUES (1, 'channel:agents', 'draft', 'Draft', 1, '{at}')"),
        format!(r#"INSERT INTO outbox (case_id, action_json, created_at) VALUES (1, '{{"kind":"send","id":"m-1","to":"dm:{customer}","case":1,"text":"Hi: there","buttons":[],"mentions":[],"reactions":[]}}', '{at}')"#),
    ];
    for statement in statements {
        sqlx::query(&statement).execute(pool).await.unwrap();
    }
    if on_discord {
        sqlx::query("INSERT INTO platform_dm_channels (platform, user_id, channel_id) VALUES ('discord', $1, '555')")
            .bind(customer)
            .execute(pool)
            .await
            .unwrap();
    }
}

async fn column(pool: &AnyPool, sql: &str) -> Vec<String> {
    let rows = sqlx::query(sql).fetch_all(pool).await.unwrap();
    rows.iter().map(|r| r.try_get::<String, _>(0).unwrap()).collect()
}

async fn migrates_in_place(url: &str, on_discord: bool) {
    let customer = if on_discord { "800000000000000001" } else { "cust-1" };
    let pool = old_database(url).await;
    write_old_rows(&pool, on_discord, customer).await;
    let store = Store::connect(url).await.unwrap();
    store.close().await;

    let (platform, qualified) =
        if on_discord { ("discord", format!("discord:{customer}")) } else { ("local", customer.into()) };
    assert_eq!(
        column(&pool, "SELECT customer FROM cases ORDER BY id").await,
        vec![qualified.clone(), "stripe:dp_1".into()]
    );
    assert_eq!(column(&pool, "SELECT customer FROM customer_emails").await, vec![qualified.clone()]);
    assert_eq!(column(&pool, "SELECT platform FROM messages ORDER BY id").await, vec![platform, platform]);
    assert_eq!(
        column(&pool, "SELECT recipient FROM messages ORDER BY id").await,
        vec![format!("dm:{qualified}"), "channel:agents".into()]
    );
    assert_eq!(column(&pool, "SELECT platform FROM outbox").await, vec![platform]);
    let action = column(&pool, "SELECT action_json FROM outbox").await.remove(0);
    assert!(action.contains(&format!(r#""to":"dm:{qualified}""#)) && action.contains("Hi: there"), "{action}");
    pool.close().await;
}

#[tokio::test]
async fn an_older_database_moves_to_platforms_in_place() {
    let dir = tempfile::tempdir().unwrap();
    for on_discord in [true, false] {
        let url = format!("sqlite://{}?mode=rwc", dir.path().join(format!("old-{on_discord}.db")).display());
        migrates_in_place(&url, on_discord).await;
    }
    let Some(server) = std::env::var("TEST_DATABASE_URL").ok().filter(|u| !u.is_empty()) else {
        return eprintln!("TEST_DATABASE_URL is not set: skipping the PostgreSQL half of this test");
    };
    let base = server.rsplit_once('/').map_or(server.as_str(), |(base, _)| base).to_string();
    for on_discord in [true, false] {
        let name = format!("rb_old_{}_{on_discord}", std::process::id());
        let url = format!("{base}/{name}");
        migrates_in_place(&url, on_discord).await;
        Any::drop_database(&url).await.unwrap();
    }
}
