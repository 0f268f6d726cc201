//! What the platform benchmarks share: the machine they ran on, the bot process, bounded waits
//! and the figures (percentiles, the busiest second).

use std::process::{Child, Command};
use std::time::{Duration, Instant};

pub fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The `refund-bot` process under test, killed when the benchmark drops it.
pub struct Bot(pub Child);

impl Drop for Bot {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `nproc` and the head of `lscpu`, printed at the start of a run.
pub fn print_machine() {
    println!("== machine");
    for (cmd, args) in [("nproc", vec![]), ("sh", vec!["-c", "lscpu | head -n 15"])] {
        if let Ok(out) = Command::new(cmd).args(&args).output() {
            print!("{}", String::from_utf8_lossy(&out.stdout));
        }
    }
}

/// Polls `done` until it holds; panics after `limit`.
pub async fn wait_for(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < limit, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((p / 100.0) * (sorted.len() - 1) as f64).round() as usize]
}

/// The largest number of `times` (sorted) within any one second.
pub fn busiest_second(times: &[Instant]) -> usize {
    let mut start = 0;
    let mut best = 0;
    for (end, t) in times.iter().enumerate() {
        while t.duration_since(times[start]) >= Duration::from_secs(1) {
            start += 1;
        }
        best = best.max(end + 1 - start);
    }
    best
}
