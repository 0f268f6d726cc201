//! Crash safety: scripted cases through `refund-bot jsonl`, killed with SIGKILL at many points
//! and restarted; every case still reaches its outcome, nothing is sent or refunded twice.

use crate::support::*;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};

/// One scripted action; buttons are found in what the bot has sent so far.
#[derive(Clone)]
pub enum Step {
    Say(&'static str, &'static str),
    /// A message written in the staff thread of the case whose card came last (case numbers
    /// are not known ahead: PostgreSQL spends one in a transaction a kill rolled back).
    Write {
        user: &'static str,
        text: &'static str,
    },
    Click {
        user: &'static str,
        to: &'static str,
        action: &'static str,
    },
    React {
        user: &'static str,
        emoji: &'static str,
    },
    Tick(u64),
}

fn customer_case(user: &'static str, order_line: &'static str, reason: &'static str) -> Vec<Step> {
    let dm = Box::leak(format!("dm:{user}").into_boxed_str());
    let reason = Box::leak(format!("reason:{reason}").into_boxed_str());
    vec![
        Step::Say(user, "Hi, I'd like a refund please"),
        Step::Say(user, order_line),
        Step::Click { user, to: dm, action: reason },
        Step::Say(user, "It was not what I needed"),
        Step::Click { user, to: dm, action: "resolution:refund" },
        Step::Click { user, to: dm, action: "confirm" },
    ]
}

fn agent(action: &'static str) -> Step {
    Step::Click { user: "agent-1", to: "channel:agents", action }
}

/// Four cases: a full refund with feedback, a partial, a denial, a manager's exception.
fn script() -> Vec<Step> {
    let mut steps = Vec::new();
    steps.extend(customer_case("cust-a", "ORD-1001 alice@example.com", "accidental_purchase"));
    steps.extend([agent("approve"), agent("mark_refunded")]);
    steps.extend(customer_case("cust-b", "ORD-1002 bob@example.com", "changed_mind"));
    steps.extend([agent("approve"), agent("mark_refunded")]);
    steps.extend(customer_case("cust-c", "ORD-1003 carol@example.com", "changed_mind"));
    steps.push(agent("approve"));
    steps.extend(customer_case("cust-d", "ORD-1004 dave@example.com", "changed_mind"));
    steps.extend([Step::React { user: "manager-1", emoji: "✅" }, agent("approve"), agent("mark_refunded")]);
    steps.push(Step::Tick(3 * 86400 + 60));
    steps.push(Step::Click { user: "cust-a", to: "dm:cust-a", action: "feedback:4" });
    steps.push(Step::Say("cust-a", "Fast and friendly"));
    steps
}

/// Everything the bot printed, across restarts.
#[derive(Default)]
pub struct Seen {
    pub sends: Vec<Value>,
}

impl Seen {
    fn line_for(&self, step: &Step, id: &str) -> Value {
        let mut event = match step {
            Step::Say(user, text) => json!({"kind": "message", "user": user, "text": text}),
            Step::Write { user, text } => {
                let card = self.sends.iter().rev().find(|s| s["to"] == "channel:agents").expect("a case's card");
                json!({"kind": "message", "user": user, "to": format!("thread:{}", card["case"]), "text": text})
            }
            Step::Click { user, to, action } => {
                let message = self
                    .sends
                    .iter()
                    .rev()
                    .find(|s| {
                        (s["to"] == *to || (*to == "channel:agents" && is_agents(&s["to"])))
                            && s["buttons"].as_array().is_some_and(|b| b.iter().any(|b| b["action"] == *action))
                    })
                    .unwrap_or_else(|| panic!("no `{action}` button sent to {to} yet"));
                json!({"kind": "click", "user": user, "button": button(message, action)})
            }
            Step::React { user, emoji } => {
                let post = self.sends.iter().rev().find(|s| s["to"] == "channel:managers").expect("an escalation");
                json!({"kind": "react", "user": user, "message": post["id"], "emoji": emoji})
            }
            Step::Tick(secs) => json!({"kind": "tick", "advance_secs": secs}),
        };
        event["id"] = json!(id);
        event
    }
}

pub struct Outcome {
    pub seen: Seen,
    pub kills: usize,
}

/// Runs the script, killing the process with probability `kill_percent` per attempt at a
/// random point, and restarting it with the clock where the acknowledged ticks left it.
pub fn run(fixture: &Fixture, rng: &mut Rng, kill_percent: u64, script: &[Step]) -> Outcome {
    let base = chrono::DateTime::parse_from_rfc3339(CLOCK).unwrap();
    let mut advanced = 0u64;
    let clock = |advanced: u64| (base + chrono::Duration::seconds(advanced as i64)).to_rfc3339();
    let mut seen = Seen::default();
    let mut kills = 0;
    let mut bot = fixture.start_at(&clock(advanced));
    for (index, step) in script.iter().enumerate() {
        let mut attempts = 0;
        loop {
            attempts += 1;
            let line = seen.line_for(step, &format!("step-{index}"));
            bot.write_line(&line.to_string());
            let kill_now = attempts <= 4 && rng.below(100) < kill_percent;
            if kill_now {
                // Somewhere between "not started" and "answered": the process decides how far it got.
                std::thread::sleep(std::time::Duration::from_micros(rng.below(4000)));
                let printed = bot.kill();
                seen.sends.extend(printed.into_iter().filter(|v| v["kind"] == "send"));
                kills += 1;
                bot = fixture.start_at(&clock(advanced));
                // What it committed but had not printed comes out first; keep reading on the resend.
                continue;
            }
            let done = loop {
                let value = bot.read_value().expect("bot answered");
                match value["kind"].as_str() {
                    Some("send") => seen.sends.push(value),
                    Some("done") => break true,
                    Some("error") => panic!("step {index} failed: {value}"),
                    _ => {}
                }
            };
            assert!(done);
            if let Step::Tick(secs) = step {
                advanced += secs;
            }
            break;
        }
    }
    bot.stop();
    Outcome { seen, kills }
}

/// How many distinct messages each destination received; a resend of the same id is one.
/// Case threads count together (`thread:*`): their numbers depend on where kills fell.
pub fn distinct_per_destination(seen: &Seen) -> BTreeMap<String, usize> {
    let mut texts: HashMap<String, &Value> = HashMap::new();
    for send in &seen.sends {
        let id = send["id"].as_str().unwrap().to_string();
        if let Some(earlier) = texts.get(&id) {
            assert_eq!(earlier["text"], send["text"], "message {id} was redelivered with other text");
        }
        texts.insert(id, send);
    }
    let mut counts = BTreeMap::new();
    for send in texts.values() {
        let to = send["to"].as_str().unwrap();
        let to = if to.starts_with("thread:") { "thread:*" } else { to };
        *counts.entry(to.to_string()).or_insert(0) += 1;
    }
    counts
}

fn check_outcomes(fixture: &Fixture) {
    let cases = fixture.cases();
    assert_eq!(cases.len(), 4, "{cases:#?}");
    let expected = [
        ("cust-a", "refunded", 1),
        ("cust-b", "partially_refunded", 1),
        ("cust-c", "denied", 0),
        ("cust-d", "refunded", 1),
    ];
    for (case, (customer, outcome, refunds)) in cases.iter().zip(expected) {
        assert_eq!(case["customer"], customer);
        assert_eq!(case["outcome"], outcome, "{case}");
        let shown = fixture.case(case["id"].as_i64().unwrap());
        assert_eq!(shown["refunds"].as_array().unwrap().len(), refunds, "{shown:#}");
    }
    let feedback = fixture.case(cases[0]["id"].as_i64().unwrap())["feedback"].clone();
    assert_eq!(feedback, json!({"score": 4, "comment": "Fast and friendly"}));
}

fn crash_and_compare(killed: &Fixture, seed: u64) -> usize {
    let reference = Fixture::new();
    let calm = run(&reference, &mut Rng(seed), 0, &script());
    check_outcomes(&reference);
    let crashed = run(killed, &mut Rng(seed), 70, &script());
    check_outcomes(killed);
    assert_eq!(
        distinct_per_destination(&crashed.seen),
        distinct_per_destination(&calm.seen),
        "a kill changed what was sent"
    );
    crashed.kills
}

crate::on_both_backends! {
    fn sigkill_at_many_points_loses_nothing_and_repeats_nothing(fixture: &Fixture) {
        let kills = crash_and_compare(fixture, 0x9E37_79B9_7F4A_7C15);
        eprintln!("{kills} kills");
        assert!(kills >= 25, "only {kills} kills");
    }
}
