//! Prometheus metrics: counters and a latency histogram kept in memory by the engine, plus
//! gauges read from the database at scrape time, encoded by `prometheus-client` in the text format.

use crate::store::Store;
use prometheus_client::encoding::prometheus_text::encode;
use prometheus_client::metrics::{counter::Counter, family::Family, gauge::Gauge, histogram::Histogram};
use prometheus_client::registry::Registry;
use sqlx::Row;
use std::collections::BTreeMap;
use std::time::Duration;

/// Upper bounds (seconds) of the handler latency buckets.
const BUCKETS: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0];

type Labels = Vec<(&'static str, String)>;

/// What the engine counts as it works.
pub struct Metrics {
    inbound: Family<Labels, Counter>,
    latency: Histogram,
}

impl Default for Metrics {
    fn default() -> Self {
        Self { inbound: Family::default(), latency: Histogram::new(BUCKETS) }
    }
}

/// A gauge holding `value`, for a series read at scrape time.
fn gauge(value: i64) -> Gauge {
    let gauge = Gauge::default();
    gauge.set(value);
    gauge
}

impl Metrics {
    /// One inbound event from `platform`, handled in `elapsed`.
    pub fn observe(&self, platform: &str, elapsed: Duration) {
        self.inbound.get_or_create(&vec![("platform", platform.to_string())]).inc();
        self.latency.observe(elapsed.as_secs_f64());
    }

    /// The whole exposition: in-memory series and database gauges.
    pub async fn render(&self, store: &Store, now: chrono::DateTime<chrono::Utc>) -> anyhow::Result<String> {
        // The crate adds `_total` to counters and a final `.` to help texts.
        let mut registry = Registry::with_prefix("refund_bot");
        registry.register("inbound_events", "Inbound events handled, by platform", self.inbound.clone());
        registry.register("handler_seconds", "Time to handle one inbound event", self.latency.clone());
        let mut tx = store.begin().await?;
        let conn = tx.connection();

        let cases = Family::<Labels, Gauge>::default();
        let rows = sqlx::query("SELECT outcome, COALESCE(reason, 'none') AS reason, COUNT(*) AS n FROM cases GROUP BY outcome, COALESCE(reason, 'none') ORDER BY 1, 2")
            .fetch_all(&mut *conn)
            .await?;
        for row in rows {
            let labels = vec![("outcome", row.try_get("outcome")?), ("reason", row.try_get("reason")?)];
            cases.get_or_create(&labels).set(row.try_get("n")?);
        }
        registry.register("cases", "Cases by outcome and reason", cases);

        let rows =
            sqlx::query("SELECT verdict_json FROM cases WHERE verdict_json IS NOT NULL").fetch_all(&mut *conn).await?;
        let mut verdicts: BTreeMap<String, i64> = BTreeMap::new();
        for row in rows {
            let json: String = row.try_get("verdict_json")?;
            let value: serde_json::Value = serde_json::from_str(&json).unwrap_or_default();
            *verdicts.entry(value["outcome"].as_str().unwrap_or("unknown").to_string()).or_default() += 1;
        }
        let outcomes = Family::<Labels, Gauge>::default();
        for (outcome, n) in verdicts {
            outcomes.get_or_create(&vec![("outcome", outcome)]).set(n);
        }
        registry.register("verdicts", "Cases by the outcome of their policy verdict", outcomes);

        for (table, name, what) in [
            ("drafts", "drafts_waiting", "Drafts waiting for an agent"),
            ("escalations", "escalations_waiting", "Escalations waiting for a manager"),
        ] {
            let sql = format!("SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM {table} WHERE status = 'pending'");
            let row = sqlx::query(&sql).fetch_one(&mut *conn).await?;
            let oldest: Option<String> = row.try_get("oldest")?;
            let age = oldest.and_then(|t| crate::store::from_ts(&t).ok()).map_or(0, |t| (now - t).num_seconds().max(0));
            registry.register(name, what, gauge(row.try_get("n")?));
            let help = format!("Age of the oldest of the {}", what.to_lowercase());
            registry.register(format!("{name}_oldest_seconds"), help, gauge(age));
        }

        let row = sqlx::query(
            "SELECT CAST(COALESCE(SUM(CASE WHEN delivered_at IS NULL AND dead_at IS NULL THEN 1 ELSE 0 END), 0) AS BIGINT) AS backlog,
                    CAST(COALESCE(SUM(CASE WHEN dead_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT) AS dead FROM outbox",
        )
        .fetch_one(&mut *conn)
        .await?;
        registry.register("outbox_backlog", "Outbound actions not delivered yet", gauge(row.try_get("backlog")?));
        registry.register("outbox_dead_letters", "Outbound actions given up on", gauge(row.try_get("dead")?));

        let row = sqlx::query("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM incidents WHERE state = 'open'")
            .fetch_one(&mut *conn)
            .await?;
        registry.register(
            "incidents_open",
            "Spike incidents waiting for a manager's decision",
            gauge(row.try_get("n")?),
        );
        let row = sqlx::query("SELECT MAX(sent_at) AS last FROM digests").fetch_one(&mut *conn).await?;
        let last: Option<String> = row.try_get("last")?;
        let last = last.and_then(|t| crate::store::from_ts(&t).ok()).map_or(0, |t| t.timestamp());
        let help = "When the last weekly digest went to managers (Unix seconds; 0: never)";
        registry.register("digest_last_sent", help, gauge(last));

        let (refunds, amounts) = (Family::<Labels, Gauge>::default(), Family::<Labels, Gauge>::default());
        let rows = sqlx::query("SELECT status, currency, COUNT(*) AS n, CAST(SUM(amount_minor) AS BIGINT) AS total FROM refunds GROUP BY status, currency ORDER BY 1, 2")
            .fetch_all(&mut *conn)
            .await?;
        for row in rows {
            let labels = vec![("status", row.try_get("status")?), ("currency", row.try_get("currency")?)];
            refunds.get_or_create(&labels).set(row.try_get("n")?);
            amounts.get_or_create(&labels).set(row.try_get("total")?);
        }
        registry.register("refunds", "Refunds in the ledger by status and currency", refunds);
        let help = "Sum of refunds by status and currency, in minor units";
        registry.register("refunded_minor_units", help, amounts);

        let mut out = String::new();
        encode(&mut out, &registry)?;
        Ok(out)
    }
}

impl crate::workflow::Observer for Metrics {
    fn event_handled(&self, source: &str, elapsed: Duration) {
        self.observe(source, elapsed);
    }
}
