//! How long the weekly digest takes over a big database: 100,000 stored cases over a year
//! (with their orders, refunds, replies, reminders and feedback), then the digest's reads,
//! its figures and its chart, timed apart. On SQLite, and on PostgreSQL when
//! `TEST_DATABASE_URL` names a server. `cargo bench --bench digest --profile dev` (figures in
//! BENCHMARKS.md); `BENCH_CASES` changes the number of cases, `BENCH_CHART=FILE` keeps the chart.

use chrono::{DateTime, Duration, Utc};
use refund_bot::digest::{Digest, Facts};
use refund_bot::store::{ts, Store};
use std::time::Instant;

const REASONS: [&str; 6] =
    ["technical_issue", "not_as_described", "accidental_purchase", "duplicate_purchase", "changed_mind", "other"];
const OUTCOMES: [&str; 5] = ["refunded", "denied", "alternative", "cancelled", "partially_refunded"];
const PRODUCTS: usize = 40;
/// Rows per INSERT statement while filling the database.
const BATCH: usize = 400;

fn until() -> DateTime<Utc> {
    "2026-11-30T09:00:00Z".parse().expect("clock")
}

/// Deterministic pseudo-random numbers, so every run stores the same cases.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

async fn insert(store: &Store, table: &str, columns: &str, rows: &[Vec<String>]) {
    // Every value is bound as text; the integer columns cast it (PostgreSQL will not).
    let integer: Vec<bool> =
        columns.split(',').map(|c| matches!(c.trim(), "id" | "case_id" | "amount_minor" | "score")).collect();
    for chunk in rows.chunks(BATCH) {
        let width = chunk[0].len();
        let values: Vec<String> = (0..chunk.len())
            .map(|r| {
                let cells: Vec<String> = (0..width)
                    .map(|c| match integer[c] {
                        true => format!("CAST(${} AS BIGINT)", r * width + c + 1),
                        false => format!("${}", r * width + c + 1),
                    })
                    .collect();
                format!("({})", cells.join(", "))
            })
            .collect();
        let sql = format!("INSERT INTO {table} ({columns}) VALUES {}", values.join(", "));
        let mut query = sqlx::query(&sql);
        for row in chunk {
            for value in row {
                query = query.bind(value.clone());
            }
        }
        let mut tx = store.begin().await.expect("begin");
        query.execute(tx.connection()).await.expect("insert");
        tx.commit().await.expect("commit");
    }
}

/// Fills an empty database with `cases` cases spread over the 52 weeks before `until()`.
async fn fill(store: &Store, cases: usize) {
    let mut rng = Rng(0x005e_edd1_6e57);
    let start = until() - Duration::weeks(52);
    let orders: Vec<Vec<String>> = (0..cases)
        .map(|i| {
            let product = i % PRODUCTS;
            vec![
                format!("ORD-{i}"),
                format!("buyer{i}@example.com"),
                format!("sku-{product}"),
                format!("Product {product}"),
                "4900".into(),
                "USD".into(),
                ts(start - Duration::days(3)),
                ts(start),
            ]
        })
        .collect();
    insert(
        store,
        "orders",
        "order_id, email, sku, product, amount_minor, currency, purchased_at, imported_at",
        &orders,
    )
    .await;
    let (mut case_rows, mut refunds, mut replies, mut events, mut feedback) = (vec![], vec![], vec![], vec![], vec![]);
    for i in 0..cases {
        let opened = start + Duration::seconds(rng.below(52 * 7 * 86400) as i64);
        let outcome = OUTCOMES[rng.below(OUTCOMES.len() as u64) as usize];
        let answered = opened + Duration::minutes(5 + rng.below(600) as i64);
        let id = (i + 1).to_string();
        case_rows.push(vec![
            id.clone(),
            format!("cust-{i}"),
            format!("ORD-{i}"),
            format!("buyer{i}@example.com"),
            REASONS[rng.below(REASONS.len() as u64) as usize].into(),
            "closed".into(),
            outcome.into(),
            ts(opened),
            ts(opened),
            ts(answered + Duration::hours(2)),
            ts(opened),
        ]);
        replies.push(vec![
            id.clone(),
            format!("dm:cust-{i}"),
            "reply".into(),
            "Your refund is approved.".into(),
            ts(answered),
        ]);
        if outcome == "refunded" || outcome == "partially_refunded" {
            refunds.push(vec![
                id.clone(),
                format!("ORD-{i}"),
                format!("buyer{i}@example.com"),
                "4900".into(),
                "USD".into(),
                "succeeded".into(),
                "manual".into(),
                "agent-1".into(),
                format!("draft:{i}"),
                ts(answered + Duration::hours(1)),
            ]);
        }
        if rng.below(10) == 0 {
            events.push(vec![
                id.clone(),
                ts(opened + Duration::hours(1)),
                "bot".into(),
                "reminder".into(),
                "agents reminded".into(),
            ]);
        }
        if rng.below(4) == 0 {
            let comment =
                if rng.below(3) == 0 { "The course videos kept buffering all week".to_string() } else { String::new() };
            feedback.push(vec![id, (1 + rng.below(5)).to_string(), comment, ts(answered + Duration::days(3))]);
        }
    }
    insert(
        store,
        "cases",
        "id, customer, order_id, email, reason, state, outcome, requested_at, opened_at, updated_at, last_customer_at",
        &case_rows,
    )
    .await;
    insert(store, "messages", "case_id, recipient, purpose, text, created_at", &replies).await;
    insert(
        store,
        "refunds",
        "case_id, order_id, email, amount_minor, currency, status, processor, recorded_by, approval_key, created_at",
        &refunds,
    )
    .await;
    insert(store, "events", "case_id, at, actor, kind, detail", &events).await;
    insert(store, "feedback", "case_id, score, comment, at", &feedback).await;
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    values[values.len() / 2]
}

async fn measure(name: &str, url: &str, cases: usize) {
    let store = Store::connect(url).await.expect("database");
    let filled = Instant::now();
    fill(&store, cases).await;
    println!("{name}: {cases} cases stored in {:.1} s", filled.elapsed().as_secs_f64());
    let (mut reads, mut figures, mut charts, mut totals) = (vec![], vec![], vec![], vec![]);
    let mut digest = None;
    for _ in 0..5 {
        let started = Instant::now();
        let mut tx = store.begin().await.expect("begin");
        let facts = Facts::load(&mut tx, until()).await.expect("facts");
        drop(tx);
        let read = started.elapsed();
        let built = Digest::build(until(), &facts);
        let figured = started.elapsed();
        let png = built.chart_png().expect("chart");
        let done = started.elapsed();
        reads.push(read.as_secs_f64() * 1000.0);
        figures.push((figured - read).as_secs_f64() * 1000.0);
        charts.push((done - figured).as_secs_f64() * 1000.0);
        totals.push(done.as_secs_f64() * 1000.0);
        digest = Some((built, png.len(), facts.requests.len(), facts.refunds.len()));
    }
    let (built, png, requests, refunds) = digest.expect("five runs");
    // `BENCH_CHART=docs/digest.png`: keep the picture (the README shows it).
    if let Some(path) = std::env::var_os("BENCH_CHART").filter(|_| name == "sqlite") {
        std::fs::write(&path, built.chart_png().expect("chart")).expect("write the chart");
    }
    println!(
        "{name}: digest of the week ending {} over {cases} cases ({requests} requests in 5 weeks, {refunds} refunds in 8 weeks read; {} requests that week; PNG {png} bytes)",
        until().format("%Y-%m-%d"),
        built.requests
    );
    println!(
        "{name}: median of 5: reads {:.0} ms, figures {:.1} ms, chart {:.0} ms, total {:.0} ms",
        median(reads),
        median(figures),
        median(charts),
        median(totals)
    );
    store.close().await;
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let cases: usize = std::env::var("BENCH_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(100_000);
    let dir = tempfile::tempdir().expect("temp dir");
    measure("sqlite", &format!("sqlite://{}", dir.path().join("digest.db").display()), cases).await;
    if let Some(server) = std::env::var("TEST_DATABASE_URL").ok().filter(|u| !u.is_empty()) {
        let base = server.rsplit_once('/').map_or(server.as_str(), |(base, _)| base);
        let name = format!("rb_bench_digest_{}", std::process::id());
        measure("postgres", &format!("{base}/{name}"), cases).await;
        let _ = std::process::Command::new("psql")
            .arg(&server)
            .args(["-q", "-c", &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")])
            .status();
    }
}
