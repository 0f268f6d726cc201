//! The job runner: every kind has its handler, and a job that belongs to no case is claimed
//! and dropped (its kind needs a case), never a panic nor a job run again and again.

use crate::support::*;
use chrono::{DateTime, Duration, Utc};
use refund_bot::app::open;
use refund_bot::domain::{JobKind, Platform};
use refund_bot::store::{ts, Store};

async fn add_job(store: &Store, kind: &str, due: DateTime<Utc>) {
    let mut tx = store.begin().await.unwrap();
    sqlx::query("INSERT INTO jobs (kind, case_id, due_at) VALUES ($1, NULL, $2)")
        .bind(kind)
        .bind(ts(due))
        .execute(tx.connection())
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

async fn jobs_left(store: &Store) -> Vec<String> {
    let mut tx = store.begin().await.unwrap();
    let rows = sqlx::query("SELECT kind FROM jobs ORDER BY id").fetch_all(tx.connection()).await.unwrap();
    rows.iter().map(|row| sqlx::Row::get::<String, _>(row, "kind")).collect()
}

crate::on_both_backends! {
    fn a_job_without_a_case_is_claimed_and_dropped(fixture: &Fixture) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let app = open(Some(&fixture.config()), Platform::Local, false).await.unwrap();
            let store = app.engine.store();
            let now: DateTime<Utc> = CLOCK.parse().unwrap();
            for kind in JobKind::ALL {
                add_job(store, kind.code(), now - Duration::minutes(1)).await;
            }
            // A kind of a newer version is left for a replica that knows it.
            add_job(store, "from_a_newer_version", now - Duration::minutes(1)).await;

            assert_eq!(app.engine.run_due_jobs(now).await.unwrap(), JobKind::ALL.len());
            assert_eq!(app.engine.run_due_jobs(now + Duration::days(30)).await.unwrap(), 0, "nothing rescheduled");
            assert_eq!(jobs_left(store).await, ["from_a_newer_version"]);
            let mut tx = store.begin().await.unwrap();
            assert!(tx.undelivered(Platform::Local, 10, now).await.unwrap().is_empty(), "nothing sent");
        });
    }
}
