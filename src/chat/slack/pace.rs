//! Pacing of Web API calls: a token bucket per key and a 429's `Retry-After` honoured for that
//! key. Posts are keyed by channel (`chat.postMessage`: a burst of [`BURST`], then one per
//! [`REFILL`]); Tier-3 methods (`chat.update`, `reactions.add`: about 50 a minute) by method
//! ([`Pacer::tier3`]).
//!
//! The clock is passed in (`now`), so the logic is tested without sleeping. Channels are
//! independent: a full channel never delays a post to another one by itself (the runner delivers
//! one action at a time, so a wait still holds up what is queued behind it).

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Posts a channel may take at once before the pace applies.
pub const BURST: f64 = 3.0;
/// One more post per this long (Slack: about one message per second per channel).
pub const REFILL: Duration = Duration::from_secs(1);
/// Tier 3 of Slack's limits ("50+ per minute" per method and workspace): a short burst,
/// then one call per 1.2 s, which stays at 50 a minute however long a surge lasts.
pub const TIER3_BURST: f64 = 5.0;
pub const TIER3_REFILL: Duration = Duration::from_millis(1200);
/// What a 429 without `Retry-After` waits.
pub const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(1);
/// Channels idle this long (their bucket full again) are forgotten when the map grows.
const FORGET_AFTER: Duration = Duration::from_secs(60);
const PRUNE_ABOVE: usize = 1024;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    /// When `tokens` was last brought up to date.
    at: Instant,
    /// No post before this (a 429's `Retry-After`).
    blocked_until: Option<Instant>,
}

/// The buckets of every key (channel or method) called.
#[derive(Debug)]
pub struct Pacer {
    channels: HashMap<String, Bucket>,
    burst: f64,
    refill: Duration,
}

/// The per-channel pace of posts.
impl Default for Pacer {
    fn default() -> Pacer {
        Pacer::new(BURST, REFILL)
    }
}

impl Pacer {
    pub fn new(burst: f64, refill: Duration) -> Pacer {
        Pacer { channels: HashMap::new(), burst, refill }
    }

    /// The pace of one Tier-3 method, keyed by the method's name.
    pub fn tier3() -> Pacer {
        Pacer::new(TIER3_BURST, TIER3_REFILL)
    }

    /// Takes a slot for a post to `channel` at `now`; returns how long to wait before posting
    /// (zero: post at once). The slot is reserved: callers that wait then post.
    pub fn reserve(&mut self, channel: &str, now: Instant) -> Duration {
        if self.channels.len() > PRUNE_ABOVE {
            self.channels.retain(|_, b| {
                now.saturating_duration_since(b.at) < FORGET_AFTER || b.blocked_until.is_some_and(|u| u > now)
            });
        }
        let (burst, refill) = (self.burst, self.refill);
        let bucket =
            self.channels.entry(channel.to_string()).or_insert(Bucket { tokens: burst, at: now, blocked_until: None });
        // Refill from the last update (which may lie in the future for a reserved slot).
        if now > bucket.at {
            let refilled = now.duration_since(bucket.at).as_secs_f64() / refill.as_secs_f64();
            bucket.tokens = (bucket.tokens + refilled).min(burst);
            bucket.at = now;
        }
        let mut start = bucket.at.max(now);
        if let Some(until) = bucket.blocked_until {
            if until > start {
                // After a 429 the channel starts again with one post and no burst.
                start = until;
                bucket.tokens = 1.0;
                bucket.at = until;
            }
            bucket.blocked_until = None;
        }
        if bucket.tokens < 1.0 {
            let missing = (1.0 - bucket.tokens) * refill.as_secs_f64();
            start = bucket.at + Duration::from_secs_f64(missing);
            bucket.tokens = 1.0;
            bucket.at = start;
        }
        bucket.tokens -= 1.0;
        start.saturating_duration_since(now)
    }

    /// Slack answered a post to `channel` with 429: nothing more goes there before `retry_after`
    /// (when Slack gave none, [`DEFAULT_RETRY_AFTER`]) from `now`.
    pub fn rate_limited(&mut self, channel: &str, retry_after: Option<Duration>, now: Instant) {
        let until = now + retry_after.unwrap_or(DEFAULT_RETRY_AFTER);
        let bucket =
            self.channels.entry(channel.to_string()).or_insert(Bucket { tokens: 0.0, at: now, blocked_until: None });
        bucket.tokens = 0.0;
        bucket.at = bucket.at.max(now);
        bucket.blocked_until = Some(bucket.blocked_until.map_or(until, |u| u.max(until)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: f64) -> Duration {
        Duration::from_secs_f64(s)
    }

    fn close(a: Duration, b: Duration) -> bool {
        a.abs_diff(b) < Duration::from_millis(1)
    }

    #[test]
    fn a_burst_then_one_per_second_per_channel() {
        let t0 = Instant::now();
        let mut pacer = Pacer::default();
        let waits: Vec<Duration> = (0..6).map(|_| pacer.reserve("C1", t0)).collect();
        let expected = [0.0, 0.0, 0.0, 1.0, 2.0, 3.0];
        for (wait, want) in waits.iter().zip(expected) {
            assert!(close(*wait, secs(want)), "{waits:?}");
        }
        // Another channel is not held up by the first one's queue.
        assert_eq!(pacer.reserve("C2", t0), Duration::ZERO);
        // Once the reserved posts went out and time passed, the bucket fills up again.
        let later = t0 + secs(3.0 + 3.0);
        assert_eq!(pacer.reserve("C1", later), Duration::ZERO);
        assert_eq!(pacer.reserve("C1", later), Duration::ZERO);
        assert_eq!(pacer.reserve("C1", later), Duration::ZERO);
        assert!(close(pacer.reserve("C1", later), secs(1.0)));
    }

    #[test]
    fn posts_spaced_out_in_time_never_wait() {
        let t0 = Instant::now();
        let mut pacer = Pacer::default();
        for i in 0..20 {
            assert_eq!(pacer.reserve("C1", t0 + secs(i as f64 * 1.0)), Duration::ZERO);
        }
        // Half a second apart: the burst covers a while, then the pace shows.
        let mut pacer = Pacer::default();
        let waits: Vec<Duration> = (0..10).map(|i| pacer.reserve("C1", t0 + secs(i as f64 * 0.5))).collect();
        assert!(waits[..5].iter().all(|w| w.is_zero()), "{waits:?}");
        assert!(waits.iter().any(|w| !w.is_zero()), "{waits:?}");
    }

    #[test]
    fn retry_after_is_honoured_for_that_channel_only() {
        let t0 = Instant::now();
        let mut pacer = Pacer::default();
        assert_eq!(pacer.reserve("C1", t0), Duration::ZERO);
        pacer.rate_limited("C1", Some(secs(7.0)), t0);
        assert!(close(pacer.reserve("C1", t0 + secs(2.0)), secs(5.0)));
        // No burst right after the block: the next one waits a full refill.
        assert!(close(pacer.reserve("C1", t0 + secs(2.0)), secs(6.0)));
        assert_eq!(pacer.reserve("C2", t0 + secs(2.0)), Duration::ZERO);
    }

    #[test]
    fn a_429_without_retry_after_waits_one_second() {
        let t0 = Instant::now();
        let mut pacer = Pacer::default();
        pacer.rate_limited("D1", None, t0);
        assert!(close(pacer.reserve("D1", t0), DEFAULT_RETRY_AFTER));
        // Long after, the channel is as new.
        let later = t0 + secs(30.0);
        assert_eq!(pacer.reserve("D1", later), Duration::ZERO);
        assert_eq!(pacer.reserve("D1", later), Duration::ZERO);
    }

    #[test]
    fn tier3_methods_stay_at_fifty_a_minute() {
        let t0 = Instant::now();
        let mut pacer = Pacer::tier3();
        let waits: Vec<Duration> = (0..60).map(|_| pacer.reserve("chat.update", t0)).collect();
        assert!(waits[..5].iter().all(|w| w.is_zero()), "{waits:?}");
        assert!(close(waits[5], TIER3_REFILL), "{waits:?}");
        // The 55 after the burst take 66 s: 60 calls in 67 s, never more than 50 in a minute.
        assert!(close(waits[59], TIER3_REFILL * 55), "{:?}", waits[59]);
        let in_first_minute = waits.iter().filter(|w| **w < secs(60.0)).count();
        assert!(in_first_minute <= 55, "{in_first_minute}");
        // Methods are paced apart from each other.
        assert_eq!(pacer.reserve("reactions.add", t0), Duration::ZERO);
    }

    #[test]
    fn idle_channels_are_forgotten_when_many() {
        let t0 = Instant::now();
        let mut pacer = Pacer::default();
        for i in 0..=PRUNE_ABOVE {
            pacer.reserve(&format!("D{i}"), t0);
        }
        pacer.reserve("C1", t0 + FORGET_AFTER + secs(1.0));
        assert_eq!(pacer.channels.len(), 1);
    }
}
