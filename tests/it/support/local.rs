//! The engine in the test's own process, spoken to like `refund-bot jsonl`: each event is
//! handled, the work due at the clock runs, and the actions it caused come back as the JSON
//! values the adapter would print. Flow tests use it; the binary-level tests (exit codes, JSON
//! lines, crashes, signals) keep spawning the real process.

use super::{Chat, Fixture};
use refund_bot::app::{open, App};
use refund_bot::domain::Platform;
use refund_bot::events::Inbound;
use refund_bot::runner::{run_due, AdapterClock};
use serde_json::Value;

pub struct Local {
    runtime: tokio::runtime::Runtime,
    app: App,
    clock: AdapterClock,
    /// Every outbound action seen, in order.
    pub log: Vec<Value>,
}

impl Local {
    pub fn start(fixture: &Fixture, clock: &str) -> Local {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
        let app = runtime.block_on(open(Some(&fixture.config()), Platform::Local, false)).expect("open the engine");
        let clock = AdapterClock::new(Some(clock.parse().expect("an RFC 3339 clock")));
        let mut local = Local { runtime, app, clock, log: Vec::new() };
        // As the adapter does at start-up.
        local.run_due();
        local
    }

    fn run_due(&mut self) -> Vec<Value> {
        let mut actions = Vec::new();
        let due = run_due(&self.app.engine, self.clock.now(), |action| {
            actions.push(serde_json::to_value(&action).expect("an action as JSON"));
            async { Ok(()) }
        });
        self.runtime.block_on(due).expect("run the work due");
        actions
    }

    /// Nothing to stop: the engine goes with the value. Kept so a flow reads the same on both.
    pub fn stop(self) {}
}

impl Chat for Local {
    fn send(&mut self, event: Value) -> Vec<Value> {
        let inbound: Inbound = serde_json::from_value(event.clone()).unwrap_or_else(|e| panic!("{event}: {e}"));
        match inbound {
            Inbound::Tick { advance_secs } => self.clock.advance(advance_secs).expect("a tick the clock can take"),
            inbound => {
                let handled = self.app.engine.handle(&inbound, self.clock.now());
                self.runtime.block_on(handled).unwrap_or_else(|e| panic!("event {event} was not handled: {e}"));
            }
        }
        let out = self.run_due();
        self.log.extend(out.iter().cloned());
        out
    }
}
