//! Outbound delivery: failures are retried with backoff, and given up on loudly, never dropped.

use crate::support::*;
use chrono::{DateTime, Duration, Utc};
use refund_bot::app::open;
use refund_bot::domain::Platform;
use refund_bot::events::Inbound;
use refund_bot::runner::{drain_outbox, MAX_ATTEMPTS};

#[tokio::test]
async fn a_failing_delivery_is_retried_then_kept_as_a_dead_letter() {
    let fixture = Fixture::new();
    let app = open(Some(&fixture.config()), Platform::Local, false).await.unwrap();
    let mut now: DateTime<Utc> = CLOCK.parse().unwrap();
    let hello = Inbound::dm("cust-1", "hello");
    app.engine.handle(&hello, now).await.unwrap();

    let failing = |_| async { Err(anyhow::anyhow!("platform said 503")) };
    let first = drain_outbox(app.engine.store(), Platform::Local, now, failing).await.unwrap();
    assert_eq!(first.failed, 1);
    // Not due again until its backoff has passed.
    let early = drain_outbox(app.engine.store(), Platform::Local, now, failing).await.unwrap();
    assert_eq!(early.failed + early.dead, 0);
    for _ in 1..MAX_ATTEMPTS {
        now += Duration::minutes(10);
        drain_outbox(app.engine.store(), Platform::Local, now, failing).await.unwrap();
    }
    now += Duration::hours(1);
    let after = drain_outbox(app.engine.store(), Platform::Local, now, |_| async { Ok(()) }).await.unwrap();
    assert_eq!(after.delivered, 0, "a dead letter is not retried forever");

    let case = fixture.case(1);
    let dead = case["dead_letters"].as_array().unwrap();
    assert_eq!(dead.len(), 1, "{case:#}");
    assert_eq!(dead[0]["attempts"], MAX_ATTEMPTS);
    assert!(dead[0]["last_error"].as_str().unwrap().contains("503"));
    assert!(case["events"].as_array().unwrap().iter().any(|e| e["kind"] == "dead_letter"));
}

#[tokio::test]
async fn a_redelivered_platform_event_is_handled_once() {
    let fixture = Fixture::new();
    let app = open(Some(&fixture.config()), Platform::Local, false).await.unwrap();
    let now: DateTime<Utc> = CLOCK.parse().unwrap();
    let hello = Inbound::dm("cust-1", "hello");
    assert!(app.engine.handle_once(Platform::Local, "discord:1234", &hello, now).await.unwrap());
    assert!(!app.engine.handle_once(Platform::Local, "discord:1234", &hello, now).await.unwrap());
    let events = fixture.case(1)["events"].as_array().unwrap().iter().filter(|e| e["kind"] == "message").count();
    assert_eq!(events, 1);
}
