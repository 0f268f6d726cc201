//! The runner: due jobs and outbox delivery for every chat platform, beside the transports and
//! inside none of them, and the graceful shutdown they share.
//!
//! `run` starts every configured platform under [`serve`]; the local adapters (jsonl, console)
//! call the step function [`run_due`] after each line instead, and tests drive the same steps
//! without sleeping.

mod clock;
mod lanes;
mod outbox;
mod settle;
mod shutdown;

pub use clock::AdapterClock;
pub use lanes::{PER_LANE, ROUND};
pub use outbox::{drain_lanes, drain_outbox, Drained, Refused, MAX_ATTEMPTS};
pub use shutdown::{Health, Shutdown, Wake};

use crate::domain::Platform;
use crate::events::Outbound;
use crate::workflow::Engine;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// One chat platform as the runner sees it: it takes events until shutdown, and delivers the
/// outbound actions the engine committed for it.
#[async_trait]
pub trait ChatPlatform: Send + Sync + 'static {
    /// Which platform it is: the runner hands it the outbox rows of that platform only.
    fn platform(&self) -> Platform;

    /// Takes the platform's events until `shutdown` fires or the connection ends; calls
    /// `wake` after each handled event so its outbound actions go out at once.
    async fn run(self: Arc<Self>, wake: Wake, shutdown: Shutdown) -> anyhow::Result<()>;

    /// Delivers one outbound action; an error is retried with backoff by the runner.
    async fn deliver(&self, action: Outbound) -> anyhow::Result<()>;
}

/// Runs every job due at `now`, then hands every local outbound action due at `now` to
/// `deliver`: what a local adapter (jsonl, console) does after each line and at start-up.
pub async fn run_due<F, Fut>(engine: &Engine, now: DateTime<Utc>, deliver: F) -> anyhow::Result<Drained>
where
    F: FnMut(Outbound) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    engine.run_due_jobs(now).await?;
    let mut deliver = deliver;
    let mut drained = drain_outbox(engine.store(), Platform::Local, now, &mut deliver).await?;
    if drained.refused > 0 {
        // Staff hear of it in the same step, in the case's thread.
        engine.report_refusals(now).await?;
        drained += drain_outbox(engine.store(), Platform::Local, now, &mut deliver).await?;
    }
    Ok(drained)
}

/// How often due jobs and retries are looked at when nothing wakes the runner.
const EVERY: Duration = Duration::from_secs(1);

/// Runs `platforms` and their delivery until a shutdown signal or until one of them ends, then
/// finishes the work in flight: due jobs run and the outbox is drained once more.
pub async fn serve(
    engine: Arc<Engine>,
    platforms: Vec<Arc<dyn ChatPlatform>>,
    shutdown: Shutdown,
) -> anyhow::Result<()> {
    let wake = Wake::new();
    let mut workers = tokio::task::JoinSet::new();
    workers.spawn(jobs_loop(engine.clone(), wake.clone(), shutdown.clone()));
    for platform in &platforms {
        workers.spawn(delivery_loop(engine.clone(), platform.clone(), wake.clone(), shutdown.clone()));
    }
    let mut transports = tokio::task::JoinSet::new();
    for platform in &platforms {
        let name = platform.platform();
        let run = platform.clone().run(wake.clone(), shutdown.clone());
        transports.spawn(async move { (name, run.await) });
    }
    let mut ended = Ok(());
    // The first platform to end (a signal, or a lost connection) ends them all.
    while let Some(joined) = transports.join_next().await {
        shutdown.trigger();
        match joined {
            Ok((_, Ok(()))) => {}
            Ok((name, Err(error))) if ended.is_ok() => ended = Err(error.context(format!("{name} stopped"))),
            Ok(_) => {}
            Err(panic) if ended.is_ok() => ended = Err(anyhow::anyhow!("a chat platform crashed: {panic}")),
            Err(_) => {}
        }
    }
    while workers.join_next().await.is_some() {}
    finish(&engine, &platforms).await;
    engine.store().close().await;
    ended
}

/// The last pass at shutdown: jobs due now, then everything deliverable.
async fn finish(engine: &Engine, platforms: &[Arc<dyn ChatPlatform>]) {
    let now = Utc::now();
    if let Err(error) = engine.run_due_jobs(now).await {
        tracing::error!(%error, "running due jobs at shutdown failed");
    }
    for platform in platforms {
        deliver_due(engine, platform.as_ref(), now).await;
    }
}

/// Hands one platform everything due in the outbox, lane by lane (see [`drain_lanes`]);
/// failures are logged and retried later. Deliveries the platform refused for good are reported
/// to staff (and that report delivered).
pub async fn deliver_due(engine: &Engine, platform: &dyn ChatPlatform, now: DateTime<Utc>) {
    for _ in 0..2 {
        let drained = drain_lanes(engine.store(), platform.platform(), now, |action| platform.deliver(action)).await;
        match drained {
            Ok(drained) if drained.refused > 0 => {
                if let Err(error) = engine.report_refusals(now).await {
                    tracing::error!(%error, "reporting refused deliveries failed");
                    return;
                }
            }
            Ok(_) => return,
            Err(error) => {
                tracing::error!(platform = %platform.platform(), error = %format!("{error:#}"), "delivering failed");
                return;
            }
        }
    }
}

/// Due jobs (reminders, follow-ups, Stripe refunds) every second and whenever woken; what they
/// send is delivered at once.
async fn jobs_loop(engine: Arc<Engine>, wake: Wake, shutdown: Shutdown) {
    let mut woken = wake.subscribe();
    loop {
        tokio::select! {
            _ = shutdown.wait() => return,
            _ = woken.wait(EVERY) => {}
        }
        // Refused deliveries a delivery pass could not report (reporting failed, or the
        // platform's drain ran in another replica) are reported here at the latest.
        if let Err(error) = engine.report_refusals(Utc::now()).await {
            tracing::error!(%error, "reporting refused deliveries failed");
        }
        match engine.run_due_jobs(Utc::now()).await {
            Ok(0) => {}
            Ok(_) => wake.wake(),
            Err(error) => tracing::error!(%error, "running due jobs failed"),
        }
    }
}

/// One platform's deliveries: whenever woken, and every second for retries that came due.
async fn delivery_loop(engine: Arc<Engine>, platform: Arc<dyn ChatPlatform>, wake: Wake, shutdown: Shutdown) {
    let mut woken = wake.subscribe();
    loop {
        tokio::select! {
            _ = shutdown.wait() => return,
            _ = woken.wait(EVERY) => {}
        }
        deliver_due(&engine, platform.as_ref(), Utc::now()).await;
    }
}
