//! Signals shared by the runner and the platforms: shutdown, "new work to deliver", and which
//! platforms are connected (for `/healthz`).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;

/// Fires once; everyone holding a clone sees it. `on_signal` fires it at SIGTERM or SIGINT.
#[derive(Clone)]
pub struct Shutdown {
    sender: Arc<watch::Sender<bool>>,
}

impl Default for Shutdown {
    fn default() -> Self {
        Shutdown::new()
    }
}

impl Shutdown {
    pub fn new() -> Shutdown {
        Shutdown { sender: Arc::new(watch::channel(false).0) }
    }

    /// A shutdown fired by the first SIGTERM or SIGINT; a second signal ends the process at once.
    pub fn on_signal() -> Shutdown {
        let shutdown = Shutdown::new();
        let fire = shutdown.clone();
        tokio::spawn(async move {
            wait_for_signal().await;
            tracing::info!("shutting down: finishing the work in flight (signal again to stop at once)");
            fire.trigger();
            wait_for_signal().await;
            tracing::warn!("second signal: stopping now");
            std::process::exit(130);
        });
        shutdown
    }

    pub fn trigger(&self) {
        self.sender.send_replace(true);
    }

    pub fn is_triggered(&self) -> bool {
        *self.sender.borrow()
    }

    /// Resolves once the shutdown has fired (at once if it already has).
    pub async fn wait(&self) {
        let mut seen = self.sender.subscribe();
        // `wait_for` only errs when the sender is gone, and `self` holds it.
        let _ = seen.wait_for(|fired| *fired).await;
    }
}

async fn wait_for_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let Ok(mut term) = signal(SignalKind::terminate()) else {
        // No SIGTERM handler can be installed (not on Unix): Ctrl-C still works.
        let _ = tokio::signal::ctrl_c().await;
        return;
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}

/// "New outbound actions or jobs may be due": wakes the runner's loops without waiting for
/// their next tick. Wakes while a loop is busy are remembered, not lost.
#[derive(Clone)]
pub struct Wake {
    sender: Arc<watch::Sender<u64>>,
}

impl Default for Wake {
    fn default() -> Self {
        Wake::new()
    }
}

impl Wake {
    pub fn new() -> Wake {
        Wake { sender: Arc::new(watch::channel(0).0) }
    }

    pub fn wake(&self) {
        self.sender.send_modify(|n| *n = n.wrapping_add(1));
    }

    pub(super) fn subscribe(&self) -> Woken {
        Woken { receiver: self.sender.subscribe() }
    }
}

/// One loop's view of [`Wake`].
pub(super) struct Woken {
    receiver: watch::Receiver<u64>,
}

impl Woken {
    /// Returns when woken since the last call, or after `at_most`.
    pub async fn wait(&mut self, at_most: Duration) {
        let _ = tokio::time::timeout(at_most, self.receiver.changed()).await;
    }
}

/// Which chat platforms are connected right now.
#[derive(Default)]
pub struct Health {
    platforms: Mutex<BTreeMap<String, bool>>,
}

impl Health {
    pub fn set(&self, platform: &str, connected: bool) {
        self.platforms.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).insert(platform.to_string(), connected);
    }

    /// One line per platform that is not connected.
    pub fn down(&self) -> Vec<String> {
        let platforms = self.platforms.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        platforms.iter().filter(|(_, up)| !**up).map(|(name, _)| format!("{name} is not connected")).collect()
    }
}
