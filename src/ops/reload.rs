//! Policy reload without a restart: the file is watched (and SIGHUP forces a look); a broken new
//! policy is refused, logged and posted to managers, and the one in force stays.

use crate::policy::Policy;
use crate::replies::Reply;
use crate::workflow::Engine;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// Runs until the process ends, checking every `every`.
pub async fn watch_policy(engine: Arc<Engine>, path: PathBuf, every: Duration) {
    use tokio::signal::unix::{signal, SignalKind};
    let mut hangup = signal(SignalKind::hangup()).ok();
    let mut seen = modified(&path);
    loop {
        let forced = tokio::select! {
            _ = tokio::time::sleep(every) => false,
            Some(_) = async { match hangup.as_mut() { Some(h) => h.recv().await, None => std::future::pending().await } } => true,
        };
        let now = modified(&path);
        if !forced && now == seen {
            continue;
        }
        seen = now;
        reload(&engine, &path).await;
    }
}

async fn reload(engine: &Engine, path: &Path) {
    match Policy::load(path) {
        Ok(policy) if policy.hash() == engine.policy().hash() => {}
        Ok(policy) => {
            tracing::info!(policy = &policy.hash()[..12], "policy reloaded; decided cases keep their verdicts");
            engine.set_policy(policy);
        }
        Err(error) => {
            tracing::error!(%error, "the new policy is broken; the previous one stays in force");
            let reply = Reply::ManagerPolicyRefused { error: error.to_string() };
            if let Err(error) = engine.notify_managers(&reply, chrono::Utc::now()).await {
                tracing::error!(%error, "could not tell managers about the broken policy");
            }
        }
    }
}
