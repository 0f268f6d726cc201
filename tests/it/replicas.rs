//! Two bot replicas on one PostgreSQL database, fed the same events and the same due jobs:
//! every event is handled once, every job runs once, every message is delivered once, and
//! decisions raced between the replicas settle once.

use crate::support::*;
use chrono::{DateTime, Duration, Utc};
use refund_bot::app::{open, App};
use refund_bot::domain::Platform;
use refund_bot::events::{Inbound, Outbound};
use refund_bot::runner::drain_outbox;
use std::sync::{Arc, Mutex};

type Sink = Arc<Mutex<Vec<Outbound>>>;

struct Cluster {
    replicas: [Arc<App>; 2],
    sink: Sink,
    now: DateTime<Utc>,
}

impl Cluster {
    /// Both replicas drain their outbox at the same time into one sink (the chat platform).
    async fn deliver(&self) {
        let [a, b] = &self.replicas;
        let push = |action: Outbound| {
            self.sink.lock().unwrap().push(action);
            async { Ok(()) }
        };
        let (x, y) = tokio::join!(
            drain_outbox(a.engine.store(), Platform::Local, self.now, push),
            drain_outbox(b.engine.store(), Platform::Local, self.now, push)
        );
        x.expect("drain a");
        y.expect("drain b");
    }

    /// Two different events at the same moment, one on each replica (two agents clicking).
    async fn race(&self, first: (String, Inbound), second: (String, Inbound)) {
        let [a, b] = &self.replicas;
        let (x, y) = tokio::join!(
            a.engine.handle_once(Platform::Local, &first.0, &first.1, self.now),
            b.engine.handle_once(Platform::Local, &second.0, &second.1, self.now)
        );
        x.expect("replica a");
        y.expect("replica b");
        self.deliver().await;
    }

    /// Both replicas receive the same platform event (same id); exactly one handles it.
    async fn both_see(&self, key: &str, event: Inbound) {
        let [a, b] = &self.replicas;
        let (first, second) = tokio::join!(
            a.engine.handle_once(Platform::Local, key, &event, self.now),
            b.engine.handle_once(Platform::Local, key, &event, self.now)
        );
        let handled = [first.expect("replica a"), second.expect("replica b")];
        assert_eq!(handled.iter().filter(|h| **h).count(), 1, "event {key} handled {handled:?}");
        self.deliver().await;
    }

    fn sends_to(&self, to: &str) -> Vec<Outbound> {
        self.sink
            .lock()
            .unwrap()
            .iter()
            .filter(|o| matches!(o, Outbound::Send { to: t, .. } if t == to))
            .cloned()
            .collect()
    }

    /// The newest button with `action` sent to `to` (for `channel:agents`: also to the cases'
    /// threads, where a case's later staff posts go).
    fn button(&self, to: &str, action: &str) -> String {
        let mut sent = self.sends_to(to);
        if to == "channel:agents" {
            let sink = self.sink.lock().unwrap();
            sent = sink
                .iter()
                .filter(|o| matches!(o, Outbound::Send { to: t, .. } if t == to || t.starts_with("thread:")))
                .cloned()
                .collect();
        }
        sent.iter()
            .rev()
            .find_map(|o| match o {
                Outbound::Send { buttons, .. } => buttons.iter().find(|b| b.action == action).map(|b| b.id.clone()),
                _ => None,
            })
            .unwrap_or_else(|| panic!("no `{action}` button sent to {to}"))
    }
}

fn message(user: &str, text: &str) -> Inbound {
    Inbound::dm(user, text)
}

fn click(user: &str, button: String) -> Inbound {
    Inbound::Click { roles: Vec::new(), user: user.into(), button, name: None }
}

async fn customer_requests(cluster: &Cluster, user: &str, order_line: &str) {
    let dm = format!("dm:{user}");
    cluster.both_see(&format!("{user}-1"), message(user, "Hello, I need a refund")).await;
    cluster.both_see(&format!("{user}-2"), message(user, order_line)).await;
    cluster.both_see(&format!("{user}-3"), click(user, cluster.button(&dm, "reason:accidental_purchase"))).await;
    cluster.both_see(&format!("{user}-4"), message(user, "Wrong product in the cart")).await;
    cluster.both_see(&format!("{user}-5"), click(user, cluster.button(&dm, "resolution:refund"))).await;
    cluster.both_see(&format!("{user}-6"), click(user, cluster.button(&dm, "confirm"))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_handle_every_event_job_and_message_once() {
    let Some(fixture) = Fixture::postgres() else {
        return;
    };
    let a = Arc::new(open(Some(&fixture.config()), Platform::Local, false).await.expect("replica a"));
    let b = Arc::new(open(Some(&fixture.config()), Platform::Local, false).await.expect("replica b"));
    let now: DateTime<Utc> = CLOCK.parse().unwrap();
    let cluster = Cluster { replicas: [a, b], sink: Arc::default(), now };

    let customers = [("cust-a", "ORD-1001 alice@example.com"), ("cust-b", "ORD-1002 bob@example.com")];
    for (user, order) in customers {
        customer_requests(&cluster, user, order).await;
        let dm = format!("dm:{user}");
        // Two agents approve the same draft at the same moment, one on each replica.
        let approve = cluster.button("channel:agents", "approve");
        cluster
            .race(
                (format!("{user}-approve-1"), click("agent-1", approve.clone())),
                (format!("{user}-approve-2"), click("agent-2", approve)),
            )
            .await;
        let mark = cluster.button("channel:agents", "mark_refunded");
        cluster
            .race(
                (format!("{user}-mark-1"), click("agent-1", mark.clone())),
                (format!("{user}-mark-2"), click("agent-2", mark)),
            )
            .await;
        let replies = cluster.sends_to(&dm);
        // greeting, reason, details, resolution, summary, submitted, approved reply, refund issued
        assert_eq!(replies.len(), 8, "{user}: {replies:#?}");
    }

    // Both replicas run the due jobs at once: each follow-up goes out once.
    let later = now + Duration::days(3) + Duration::minutes(1);
    let [ra, rb] = &cluster.replicas;
    let (x, y) = tokio::join!(ra.engine.run_due_jobs(later), rb.engine.run_due_jobs(later));
    let ran = x.unwrap() + y.unwrap();
    assert!(ran >= 2, "follow-ups ran {ran} jobs");
    let cluster = Cluster { now: later, ..cluster };
    cluster.deliver().await;
    for (user, _) in customers {
        let asks = cluster.sends_to(&format!("dm:{user}"));
        assert_eq!(asks.len(), 9, "{user} got one follow-up: {asks:#?}");
    }

    // No action was delivered twice, and each approval became one refund.
    let sink = cluster.sink.lock().unwrap().clone();
    let mut ids: Vec<String> =
        sink.iter().filter_map(|o| if let Outbound::Send { id, .. } = o { Some(id.clone()) } else { None }).collect();
    let total = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), total, "a message was delivered twice");
    for case in fixture.cases() {
        let shown = fixture.case(case["id"].as_i64().unwrap());
        assert_eq!(shown["refunds"].as_array().unwrap().len(), 1, "{shown:#}");
        let expected = if shown["order_id"] == "ORD-1002" { "partially_refunded" } else { "refunded" };
        assert_eq!(shown["outcome"], expected);
    }
}
