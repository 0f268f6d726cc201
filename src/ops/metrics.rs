//! Prometheus metrics: counters and a latency histogram kept in memory by the engine, plus
//! gauges read from the database at scrape time, written in the text exposition format.

use crate::store::Store;
use sqlx::Row;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds (seconds) of the handler latency buckets.
const BUCKETS: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// What the engine counts as it works.
#[derive(Default)]
pub struct Metrics {
    inbound: Mutex<BTreeMap<String, u64>>,
    latency: Mutex<Histogram>,
}

impl Metrics {
    /// One inbound event from `platform`, handled in `elapsed`.
    pub fn observe(&self, platform: &str, elapsed: Duration) {
        *self.inbound.lock().expect("metrics lock").entry(platform.to_string()).or_default() += 1;
        let seconds = elapsed.as_secs_f64();
        let mut histogram = self.latency.lock().expect("metrics lock");
        histogram.count += 1;
        histogram.sum += seconds;
        for (bound, count) in BUCKETS.iter().zip(histogram.counts.iter_mut()) {
            if seconds <= *bound {
                *count += 1;
            }
        }
    }

    fn write_in_memory(&self, out: &mut String) {
        header(out, "refund_bot_inbound_events_total", "counter", "Inbound events handled, by platform.");
        for (platform, count) in self.inbound.lock().expect("metrics lock").iter() {
            let _ = writeln!(out, "refund_bot_inbound_events_total{{platform=\"{}\"}} {count}", label(platform));
        }
        let histogram = self.latency.lock().expect("metrics lock");
        header(out, "refund_bot_handler_seconds", "histogram", "Time to handle one inbound event.");
        for (bound, count) in BUCKETS.iter().zip(histogram.counts.iter()) {
            let _ = writeln!(out, "refund_bot_handler_seconds_bucket{{le=\"{bound}\"}} {count}");
        }
        let _ = writeln!(out, "refund_bot_handler_seconds_bucket{{le=\"+Inf\"}} {}", histogram.count);
        let _ = writeln!(out, "refund_bot_handler_seconds_sum {}", histogram.sum);
        let _ = writeln!(out, "refund_bot_handler_seconds_count {}", histogram.count);
    }

    /// The whole exposition: in-memory series and database gauges.
    pub async fn render(&self, store: &Store, now: chrono::DateTime<chrono::Utc>) -> anyhow::Result<String> {
        let mut out = String::new();
        self.write_in_memory(&mut out);
        let mut tx = store.begin().await?;
        let conn = tx.connection();

        header(&mut out, "refund_bot_cases", "gauge", "Cases by outcome and reason.");
        let rows = sqlx::query("SELECT outcome, COALESCE(reason, 'none') AS reason, COUNT(*) AS n FROM cases GROUP BY outcome, COALESCE(reason, 'none') ORDER BY 1, 2")
            .fetch_all(&mut *conn)
            .await?;
        for row in rows {
            let (outcome, reason, n): (String, String, i64) =
                (row.try_get("outcome")?, row.try_get("reason")?, row.try_get("n")?);
            let _ =
                writeln!(out, "refund_bot_cases{{outcome=\"{}\",reason=\"{}\"}} {n}", label(&outcome), label(&reason));
        }

        header(&mut out, "refund_bot_verdicts", "gauge", "Cases by the outcome of their policy verdict.");
        let rows =
            sqlx::query("SELECT verdict_json FROM cases WHERE verdict_json IS NOT NULL").fetch_all(&mut *conn).await?;
        let mut verdicts: BTreeMap<String, i64> = BTreeMap::new();
        for row in rows {
            let json: String = row.try_get("verdict_json")?;
            let value: serde_json::Value = serde_json::from_str(&json).unwrap_or_default();
            *verdicts.entry(value["outcome"].as_str().unwrap_or("unknown").to_string()).or_default() += 1;
        }
        for (outcome, n) in verdicts {
            let _ = writeln!(out, "refund_bot_verdicts{{outcome=\"{}\"}} {n}", label(&outcome));
        }

        for (table, name, what) in [
            ("drafts", "refund_bot_drafts_waiting", "Drafts waiting for an agent"),
            ("escalations", "refund_bot_escalations_waiting", "Escalations waiting for a manager"),
        ] {
            let sql = format!("SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM {table} WHERE status = 'pending'");
            let row = sqlx::query(&sql).fetch_one(&mut *conn).await?;
            let n: i64 = row.try_get("n")?;
            let oldest: Option<String> = row.try_get("oldest")?;
            let age = oldest.and_then(|t| crate::store::from_ts(&t).ok()).map_or(0, |t| (now - t).num_seconds().max(0));
            header(&mut out, name, "gauge", &format!("{what}."));
            let _ = writeln!(out, "{name} {n}");
            header(
                &mut out,
                &format!("{name}_oldest_seconds"),
                "gauge",
                &format!("Age of the oldest of the {}.", what.to_lowercase()),
            );
            let _ = writeln!(out, "{name}_oldest_seconds {age}");
        }

        let row = sqlx::query(
            "SELECT CAST(COALESCE(SUM(CASE WHEN delivered_at IS NULL AND dead_at IS NULL THEN 1 ELSE 0 END), 0) AS BIGINT) AS backlog,
                    CAST(COALESCE(SUM(CASE WHEN dead_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT) AS dead FROM outbox",
        )
        .fetch_one(&mut *conn)
        .await?;
        header(&mut out, "refund_bot_outbox_backlog", "gauge", "Outbound actions not delivered yet.");
        let _ = writeln!(out, "refund_bot_outbox_backlog {}", row.try_get::<i64, _>("backlog")?);
        header(&mut out, "refund_bot_outbox_dead_letters", "gauge", "Outbound actions given up on.");
        let _ = writeln!(out, "refund_bot_outbox_dead_letters {}", row.try_get::<i64, _>("dead")?);

        header(&mut out, "refund_bot_refunds", "gauge", "Refunds in the ledger by status and currency.");
        let mut amounts = String::new();
        header(
            &mut amounts,
            "refund_bot_refunded_minor_units",
            "gauge",
            "Sum of refunds by status and currency, in minor units.",
        );
        let rows = sqlx::query("SELECT status, currency, COUNT(*) AS n, CAST(SUM(amount_minor) AS BIGINT) AS total FROM refunds GROUP BY status, currency ORDER BY 1, 2")
            .fetch_all(&mut *conn)
            .await?;
        for row in rows {
            let (status, currency): (String, String) = (row.try_get("status")?, row.try_get("currency")?);
            let labels = format!("status=\"{}\",currency=\"{}\"", label(&status), label(&currency));
            let _ = writeln!(out, "refund_bot_refunds{{{labels}}} {}", row.try_get::<i64, _>("n")?);
            let _ =
                writeln!(amounts, "refund_bot_refunded_minor_units{{{labels}}} {}", row.try_get::<i64, _>("total")?);
        }
        out.push_str(&amounts);
        Ok(out)
    }
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// A label value escaped for the exposition format.
fn label(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}
