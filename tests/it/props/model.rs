//! A model-based test of the whole engine: random sequences of what customers, agents, managers
//! and a stranger do (messages, button presses among the buttons seen so far, forms, reactions,
//! ticks, restarts), driven in-process (`support::Local`). After each step the actions are
//! checked; after each sequence the cases themselves (`case show --json`).
//!
//! Invariants: no order is refunded more than its amount; every case is in a state/outcome pair
//! that docs/case-json.md allows; every approval, refund record and escalation decision on a
//! timeline was made by someone allowed to; no message id is sent twice in a run, restarts
//! included; edits and reactions name messages that were sent; customers' conversations carry
//! only customer buttons and staff channels only staff buttons.

use super::config;
use crate::support::{Chat, Fixture, Local, CLOCK, ORDERS};
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use proptest::prelude::*;
use proptest::test_runner::Config;
use refund_bot::orders_file::parse_jsonl;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};

const CUSTOMERS: [&str; 3] = ["cust-1", "cust-2", "cust-3"];
const AGENT: &str = "agent-1";
const MANAGER: &str = "manager-1";
const STRANGER: &str = "passer-by";

/// Who presses, submits or reacts.
#[derive(Debug, Clone)]
enum Who {
    /// The customer whose conversation the button is in (staff buttons: skipped).
    Owner,
    Customer(usize),
    Agent,
    Manager,
    Stranger,
}

/// What a customer types.
#[derive(Debug, Clone)]
enum Said {
    /// Order id and purchase email of the fixture's orders (the email may be another order's).
    Pair(usize, usize),
    OrderId(usize),
    Email(usize),
    Words(&'static str),
    Any(String),
}

#[derive(Debug, Clone)]
enum Step {
    Say(usize, Said),
    /// A button among those seen so far that `Who` may find: the first number picks a message
    /// (most recent first), the second a button on it (in order).
    Click(Who, usize, usize),
    /// A button an edit took away (expired, or a decision already made).
    ClickStale(Who, usize),
    /// The form of an `edit` button, with its text.
    Submit(Who, usize, &'static str),
    /// ✅ (true) or ❌ on a post to managers (or, for a customer, any message).
    React(Who, usize, bool),
    /// The customer does what their conversation asks next (answers the question, presses a
    /// button on the latest message; the number varies which); nothing asked: a new request.
    Next(usize, usize),
    /// Staff take up the latest post waiting for them: an agent presses one of its buttons (a
    /// form gets a text), or a manager decides an escalation (the number varies which, and how).
    Staff(usize),
    Tick(u64),
    /// The engine stops and starts again on the same database, at the same time.
    Restart,
}

const WORDS: &[&str] = &[
    "Hi, I'd like a refund please",
    "other",
    "changed my mind",
    "I was charged twice",
    "it's broken, the videos don't play",
    "It wasn't what I needed, sorry.",
    "refund",
    "store credit please",
    "help me fix it",
    "yes",
    "no",
    "cancel",
    "start over",
    "hmm",
    "you idiot",
    "I will file a chargeback with my bank",
    "skip",
    "Thanks, all good now",
];

const FORMS: &[&str] = &["Hi! Here is what we can do for you.", "Sorry, no refund this time.", "", "  "];

fn who() -> impl Strategy<Value = Who> {
    prop_oneof![
        4 => Just(Who::Owner),
        1 => (0..CUSTOMERS.len()).prop_map(Who::Customer),
        4 => Just(Who::Agent),
        2 => Just(Who::Manager),
        1 => Just(Who::Stranger),
    ]
}

/// Mostly the latest few, sometimes any.
fn pick() -> impl Strategy<Value = usize> {
    prop_oneof![4 => 0usize..3, 1 => 0usize..40]
}

/// Mostly a message's first button (the expected next step: a reason, confirm, approve), else any.
fn button_pick() -> impl Strategy<Value = usize> {
    prop_oneof![3 => Just(0usize), 2 => 0usize..8]
}

fn said() -> impl Strategy<Value = Said> {
    let orders = 0..ORDER_COUNT;
    prop_oneof![
        4 => (orders.clone(), prop_oneof![4 => Just(None), 1 => (0..ORDER_COUNT).prop_map(Some)])
            .prop_map(|(o, e)| Said::Pair(o, e.unwrap_or(o))),
        1 => orders.clone().prop_map(Said::OrderId),
        1 => orders.prop_map(Said::Email),
        6 => prop::sample::select(WORDS.to_vec()).prop_map(Said::Words),
        1 => any::<String>().prop_map(Said::Any),
    ]
}

fn customer() -> impl Strategy<Value = usize> {
    prop_oneof![3 => Just(0usize), 1 => 1usize..CUSTOMERS.len()]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        8 => (customer(), 0usize..40).prop_map(|(c, v)| Step::Next(c, v)),
        5 => (0usize..40).prop_map(Step::Staff),
        4 => (customer(), said()).prop_map(|(c, s)| Step::Say(c, s)),
        5 => (who(), pick(), button_pick()).prop_map(|(w, p, b)| Step::Click(w, p, b)),
        1 => (who(), 0usize..40).prop_map(|(w, p)| Step::ClickStale(w, p)),
        2 => (prop_oneof![4 => Just(Who::Agent), 1 => Just(Who::Stranger), 1 => Just(Who::Manager)], pick(),
              prop::sample::select(FORMS.to_vec()))
            .prop_map(|(w, p, t)| Step::Submit(w, p, t)),
        2 => (prop_oneof![4 => Just(Who::Manager), 1 => Just(Who::Agent), 1 => Just(Who::Stranger), 1 => Just(Who::Customer(0))],
              pick(), any::<bool>())
            .prop_map(|(w, p, a)| Step::React(w, p, a)),
        2 => prop_oneof![
            4 => prop::sample::select(vec![60u64, 3_600, 4 * 3_600 + 1]),
            1 => prop::sample::select(vec![25 * 3_600, 3 * 86_400 + 1]),
        ]
        .prop_map(Step::Tick),
        1 => Just(Step::Restart),
    ]
}

const ORDER_COUNT: usize = 5;

/// The fixture's orders: (id, email, amount in minor units).
fn orders() -> Vec<(String, String, i64)> {
    let orders = parse_jsonl(ORDERS, "fixture").expect("the fixture's orders");
    assert_eq!(orders.len(), ORDER_COUNT);
    orders.iter().map(|o| (o.order_id.to_string(), o.email.to_string(), o.amount.minor())).collect()
}

/// A button seen in a `send`.
#[derive(Debug, Clone)]
struct Seen {
    id: String,
    action: String,
    /// `dm:<user>` or `channel:<name>`.
    to: String,
    /// The message it is on.
    message: String,
}

/// What the run has seen: every message and button, across restarts.
struct Run<'f> {
    fixture: &'f Fixture,
    bot: Option<Local>,
    elapsed: u64,
    orders: Vec<(String, String, i64)>,
    buttons: Vec<Seen>,
    /// Buttons an edit took away.
    stale: Vec<Seen>,
    /// The latest message to each customer.
    last_dm: HashMap<String, Value>,
    /// Escalation posts `Staff` has reacted to.
    decided: HashSet<String>,
    /// (message id, address) of every send.
    posts: Vec<(String, String)>,
    sent: HashSet<String>,
    button_ids: HashSet<String>,
}

const DM_ACTIONS: &[&str] = &["confirm", "cancel", "feedback_skip", "new_request", "answered"];
const DM_PREFIXES: &[&str] = &["reason:", "resolution:", "order:", "feedback:"];
const STAFF_ACTIONS: &[&str] = &[
    "approve",
    "approve_no_refund",
    "approve_full_refund",
    "edit",
    "reject",
    "mark_refunded",
    "take_over",
    "hand_back",
    "close",
    // Managers' escalation buttons, beside ✅ / ❌.
    "approve_exception",
    "deny_exception",
];

impl<'f> Run<'f> {
    fn new(fixture: &'f Fixture) -> Run<'f> {
        Run {
            fixture,
            bot: Some(fixture.local()),
            elapsed: 0,
            orders: orders(),
            buttons: Vec::new(),
            stale: Vec::new(),
            last_dm: HashMap::new(),
            decided: HashSet::new(),
            posts: Vec::new(),
            sent: HashSet::new(),
            button_ids: HashSet::new(),
        }
    }

    fn now(&self) -> String {
        let start: DateTime<Utc> = CLOCK.parse().unwrap();
        (start + Duration::seconds(self.elapsed as i64)).to_rfc3339_opts(SecondsFormat::Secs, true)
    }

    fn bot(&mut self) -> &mut Local {
        self.bot.as_mut().expect("a running engine")
    }

    /// Among the buttons `who` may press, the `k`-th on the `n`-th most recent message that has
    /// any, and the user who presses it.
    fn choose(&self, who: &Who, n: usize, k: usize, action: Option<&str>) -> Option<(String, String)> {
        let fits = |b: &&Seen| {
            action.is_none_or(|a| b.action == a)
                && match who {
                    Who::Owner => b.to.starts_with("dm:"),
                    Who::Agent | Who::Manager => b.to.starts_with("channel:") || b.to.starts_with("thread:"),
                    Who::Customer(_) | Who::Stranger => true,
                }
        };
        let found: Vec<&Seen> = self.buttons.iter().filter(fits).collect();
        let mut messages: Vec<&str> = Vec::new();
        for b in found.iter().rev() {
            if !messages.contains(&b.message.as_str()) {
                messages.push(&b.message);
            }
        }
        let message = *messages.get(n % messages.len().max(1))?;
        let on_it: Vec<&&Seen> = found.iter().filter(|b| b.message == message).collect();
        let button = on_it[k % on_it.len()];
        let user = match who {
            Who::Owner => button.to.trim_start_matches("dm:").to_string(),
            Who::Customer(i) => CUSTOMERS[*i].to_string(),
            Who::Agent => AGENT.into(),
            Who::Manager => MANAGER.into(),
            Who::Stranger => STRANGER.into(),
        };
        Some((user, button.id.clone()))
    }

    fn text(&self, said: &Said) -> String {
        let id = |i: usize| self.orders[i].0.clone();
        let email = |i: usize| self.orders[i].1.clone();
        match said {
            Said::Pair(o, e) => format!("Order {}, I bought it with {}", id(*o), email(*e)),
            Said::OrderId(o) => id(*o),
            Said::Email(o) => email(*o),
            Said::Words(w) => w.to_string(),
            Said::Any(s) => s.clone(),
        }
    }

    /// What `Next` does for customer `c`: the event to send.
    fn next_for(&self, c: usize, v: usize) -> (String, Option<String>) {
        let user = CUSTOMERS[c];
        let last = self.last_dm.get(user);
        let live: Vec<&Seen> = match last {
            Some(m) => self
                .buttons
                .iter()
                .filter(|b| Some(&b.message) == m["id"].as_str().map(String::from).as_ref())
                .collect(),
            None => Vec::new(),
        };
        // A button, rarely Cancel.
        let choices: Vec<&&Seen> = live.iter().filter(|b| b.action != "cancel" || v.is_multiple_of(10)).collect();
        if let Some(button) = choices.get(v % choices.len().max(1)) {
            return (button.id.clone(), None);
        }
        let order = v % ORDER_COUNT;
        let text = match last.and_then(|m| m["expects"].as_str()) {
            Some("email") => self.orders[order].1.clone(),
            Some("details") => "It wasn't what I needed, sorry.".into(),
            Some("feedback_comment") => "Quick and kind, thanks.".into(),
            Some(_) => self.text(&Said::Pair(order, order)),
            None if v.is_multiple_of(3) => "Hi, I'd like a refund please".into(),
            None => self.text(&Said::Pair(order, order)),
        };
        (String::new(), Some(text))
    }

    fn step(&mut self, step: &Step) -> Result<(), TestCaseError> {
        let out = match step {
            Step::Next(c, v) => match self.next_for(*c, *v) {
                (_, Some(text)) => self.bot().say(CUSTOMERS[*c], &text),
                (button, None) => self.bot().click(CUSTOMERS[*c], &button),
            },
            Step::Staff(v) => {
                let waiting: Vec<Seen> = self.buttons.iter().filter(|b| b.to == "channel:agents").cloned().collect();
                let escalation =
                    self.posts.iter().rev().find(|(id, to)| to == "channel:managers" && !self.decided.contains(id));
                match (escalation, waiting.last()) {
                    (Some((id, _)), _) if v.is_multiple_of(3) || waiting.is_empty() => {
                        let id = id.clone();
                        self.decided.insert(id.clone());
                        self.bot().react(MANAGER, &id, if v % 4 == 3 { "❌" } else { "✅" })
                    }
                    (_, Some(last)) => {
                        let on_it: Vec<&Seen> = waiting.iter().filter(|b| b.message == last.message).collect();
                        // Mostly the first button (approve, mark refunded, write a reply).
                        let button = if v.is_multiple_of(4) { on_it[v % on_it.len()] } else { on_it[0] };
                        if button.action == "edit" {
                            let text = FORMS[v % 2];
                            self.bot().submit(AGENT, &button.id.clone(), text)
                        } else {
                            self.bot().click(AGENT, &button.id.clone())
                        }
                    }
                    _ => return Ok(()),
                }
            }
            Step::Say(c, said) => {
                let text = self.text(said);
                self.bot().say(CUSTOMERS[*c], &text)
            }
            Step::Click(who, n, k) => match self.choose(who, *n, *k, None) {
                Some((user, button)) => self.bot().click(&user, &button),
                None => return Ok(()),
            },
            Step::ClickStale(who, n) => {
                let Some(button) = self.stale.get(n % self.stale.len().max(1)).cloned() else {
                    return Ok(());
                };
                let user = match who {
                    Who::Owner => button.to.trim_start_matches("dm:").to_string(),
                    Who::Customer(i) => CUSTOMERS[*i].to_string(),
                    Who::Agent => AGENT.into(),
                    Who::Manager => MANAGER.into(),
                    Who::Stranger => STRANGER.into(),
                };
                self.bot().click(&user, &button.id)
            }
            Step::Submit(who, n, text) => match self.choose(who, *n, 0, Some("edit")) {
                Some((user, button)) => self.bot().submit(&user, &button, text),
                None => return Ok(()),
            },
            Step::React(who, n, approve) => {
                let posts: Vec<&String> = self
                    .posts
                    .iter()
                    .filter(|(_, to)| matches!(who, Who::Customer(_)) || to == "channel:managers")
                    .map(|(id, _)| id)
                    .collect();
                let Some(message) = posts.len().checked_sub(1 + n % posts.len().max(1)).map(|i| posts[i].clone())
                else {
                    return Ok(());
                };
                let user = match who {
                    Who::Manager => MANAGER,
                    Who::Agent => AGENT,
                    Who::Customer(i) => CUSTOMERS[*i],
                    _ => STRANGER,
                };
                self.bot().react(user, &message, if *approve { "✅" } else { "❌" })
            }
            Step::Tick(secs) => {
                self.elapsed += secs;
                self.bot().tick(*secs)
            }
            Step::Restart => {
                drop(self.bot.take());
                let now = self.now();
                self.bot = Some(Local::start(self.fixture, &now));
                Vec::new()
            }
        };
        self.check_actions(&out)
    }

    /// Per step: ids never repeat, edits and reactions name sent messages, buttons sit where
    /// their presser is.
    fn check_actions(&mut self, out: &[Value]) -> Result<(), TestCaseError> {
        for action in out {
            match action["kind"].as_str().unwrap_or_default() {
                "send" => {
                    let id = action["id"].as_str().expect("a send id").to_string();
                    let to = action["to"].as_str().expect("an address").to_string();
                    prop_assert!(self.sent.insert(id.clone()), "message {} sent twice: {}", id, action);
                    let staff = to.starts_with("channel:") || to.starts_with("thread:");
                    prop_assert!(staff || to.starts_with("dm:"), "unknown address {}", to);
                    for button in action["buttons"].as_array().expect("buttons") {
                        let button_id = button["id"].as_str().expect("a button id").to_string();
                        let act = button["action"].as_str().expect("an action").to_string();
                        prop_assert!(self.button_ids.insert(button_id.clone()), "button {} sent twice", button_id);
                        let customers =
                            DM_ACTIONS.contains(&act.as_str()) || DM_PREFIXES.iter().any(|p| act.starts_with(p));
                        if staff {
                            prop_assert!(STAFF_ACTIONS.contains(&act.as_str()), "{} on a staff post: {}", act, action);
                        } else {
                            prop_assert!(customers, "{} in a conversation: {}", act, action);
                        }
                        self.buttons.push(Seen { id: button_id, action: act, to: to.clone(), message: id.clone() });
                    }
                    if let Some(user) = to.strip_prefix("dm:") {
                        self.last_dm.insert(user.to_string(), action.clone());
                    }
                    self.posts.push((id, to));
                }
                "edit" | "react" | "unreact" => {
                    let message = action["id"].as_str().or(action["message"].as_str()).expect("a message id");
                    prop_assert!(self.sent.contains(message), "{} names a message never sent", action);
                    if action["kind"] == "edit" {
                        // An edit keeps the buttons it lists; the others go stale. A card's edit
                        // may also bring new live controls (take over, hand back, close).
                        let listed = action["buttons"].as_array().expect("buttons");
                        let kept: Vec<&str> = listed.iter().filter_map(|b| b["id"].as_str()).collect();
                        let to = self.posts.iter().find(|(id, _)| id == message).map(|(_, to)| to.clone());
                        for button in listed {
                            let id = button["id"].as_str().expect("a button id").to_string();
                            if self.button_ids.insert(id.clone()) {
                                let act = button["action"].as_str().expect("an action").to_string();
                                prop_assert!(STAFF_ACTIONS.contains(&act.as_str()), "{} added by an edit", act);
                                let to = to.clone().unwrap_or_default();
                                self.buttons.push(Seen { id, action: act, to, message: message.to_string() });
                            }
                        }
                        let (live, gone): (Vec<Seen>, Vec<Seen>) = std::mem::take(&mut self.buttons)
                            .into_iter()
                            .partition(|b| b.message != message || kept.contains(&b.id.as_str()));
                        self.buttons = live;
                        self.stale.extend(gone);
                    }
                }
                other => prop_assert!(false, "unknown action kind {}: {}", other, action),
            }
        }
        Ok(())
    }

    /// After a sequence: every case, read back with `case show --json`.
    fn check_cases(&mut self) -> Result<Vec<Value>, TestCaseError> {
        drop(self.bot.take());
        let amounts: BTreeMap<String, i64> = self.orders.iter().map(|(id, _, amount)| (id.clone(), *amount)).collect();
        let mut refunded: BTreeMap<String, i64> = BTreeMap::new();
        let mut cases = Vec::new();
        for listed in self.fixture.cases() {
            let case = self.fixture.case(listed["id"].as_i64().expect("a case id"));
            let (state, outcome) = (case["state"].as_str().unwrap(), case["outcome"].as_str().unwrap());
            prop_assert!(valid_pair(state, outcome), "case {} is {} / {}", case["id"], state, outcome);
            let order = case["order_id"].as_str().map(String::from);
            let amount = order.as_ref().and_then(|o| amounts.get(o).copied());
            for refund in case["refunds"].as_array().expect("refunds") {
                prop_assert!(order.is_some(), "a refund on case {} without an order", case["id"]);
                prop_assert_eq!(&refund["recorded_by"], AGENT, "case {}: {}", case["id"], refund);
                if refund["status"] == "succeeded" {
                    *refunded.entry(order.clone().unwrap()).or_default() += refund["amount_minor"].as_i64().unwrap();
                }
            }
            if let Some(verdict) = case["verdict"].as_object() {
                let minor = verdict["amount_minor"].as_i64().unwrap();
                prop_assert!(minor >= 0 && Some(minor) <= amount, "verdict {:?} for {:?}", verdict, order);
            }
            if case["decision"]["action"] == "refund" {
                let minor = case["decision"]["amount_minor"].as_i64().unwrap();
                prop_assert!(minor > 0 && Some(minor) <= amount, "decision {} for {:?}", case["decision"], order);
            }
            if state == "awaiting_refund" {
                prop_assert_eq!(&case["decision"]["action"], "refund", "case {}", case["id"]);
            }
            for event in case["events"].as_array().expect("events") {
                let (kind, actor) = (event["kind"].as_str().unwrap(), event["actor"].as_str().unwrap());
                let allowed: &[&str] = match kind {
                    "approved" | "rejected" | "edited" | "refunded" => &[AGENT],
                    "exception_approved" | "exception_denied" => &[MANAGER],
                    _ => continue,
                };
                prop_assert!(allowed.contains(&actor), "case {}: {} by {}", case["id"], kind, actor);
            }
            cases.push(case);
        }
        for (order, total) in &refunded {
            prop_assert!(*total <= amounts[order], "{} refunded {} of {}", order, total, amounts[order]);
        }
        for case in &cases {
            let order = case["order_id"].as_str().unwrap_or_default();
            let total = refunded.get(order).copied().unwrap_or(0);
            match case["outcome"].as_str().unwrap() {
                "refunded" => prop_assert_eq!(total, amounts[order], "case {} is refunded", case["id"]),
                "partially_refunded" => prop_assert!(total > 0, "case {} is partially refunded", case["id"]),
                _ => {}
            }
        }
        Ok(cases)
    }
}

/// The state/outcome pairs docs/case-json.md allows: open while someone still decides, denied
/// while the customer may take an alternative, refunded while feedback is asked, any ending once
/// closed.
fn valid_pair(state: &str, outcome: &str) -> bool {
    match state {
        "intake" | "awaiting_agent" | "awaiting_manager" | "awaiting_refund" => outcome == "open",
        "awaiting_customer" => outcome == "denied",
        "awaiting_feedback" | "feedback_comment" => matches!(outcome, "refunded" | "partially_refunded"),
        "closed" => matches!(outcome, "refunded" | "partially_refunded" | "denied" | "alternative" | "cancelled"),
        _ => false,
    }
}

/// How far the sequences got, summed over a run: printed with `--nocapture` to see the coverage.
static REACHED: std::sync::Mutex<BTreeMap<String, usize>> = std::sync::Mutex::new(BTreeMap::new());

proptest! {
    #![proptest_config(Config { max_shrink_iters: 300, ..config(48) })]

    #[test]
    fn the_engine_keeps_its_invariants(steps in prop::collection::vec(step(), 1..=40)) {
        let fixture = Fixture::new();
        let mut run = Run::new(&fixture);
        for step in &steps {
            run.step(step)?;
        }
        let cases = run.check_cases()?;
        let mut reached = REACHED.lock().unwrap();
        for case in &cases {
            *reached.entry(format!("{} / {}", case["state"].as_str().unwrap(), case["outcome"].as_str().unwrap())).or_default() += 1;
            for event in case["events"].as_array().unwrap() {
                *reached.entry(format!("event {}", event["kind"].as_str().unwrap())).or_default() += 1;
            }
        }
        eprintln!("reached so far: {reached:?}");
    }
}
