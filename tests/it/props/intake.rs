//! The intake state machine (`intake::step`, src/intake): no state and no input make it panic,
//! and a customer who keeps sending text the bot cannot read is handed to a person within a few
//! messages rather than asked the same question for ever.

use super::config;
use proptest::prelude::*;
use refund_bot::domain::{CaseId, Email, OrderId, Reason, Resolution};
use refund_bot::intake::{self, understand, Choice, Effect, Input, Intake, OrderBrief, OrderCheck, MAX_FAILURES};
use refund_bot::understanding::Understanding;

/// An input, owned so that proptest can keep and shrink it.
#[derive(Debug, Clone)]
enum In {
    Text(String),
    Choice(Choice),
    Checked(OrderCheck),
}

impl In {
    fn as_input(&self) -> Input<'_> {
        match self {
            In::Text(text) => Input::Text(text),
            In::Choice(choice) => Input::Choice(choice.clone()),
            In::Checked(check) => Input::Checked(check.clone()),
        }
    }
}

fn order_id() -> impl Strategy<Value = OrderId> {
    prop_oneof![
        prop::sample::select(vec!["ORD-1001", "ORD-1002", "ch_AbCdEfGhIjKl", "#ord-7"]).prop_map(String::from),
        "[A-Za-z0-9#_.-]{1,16}",
    ]
    .prop_filter_map("an order id", |raw| OrderId::parse(&raw))
}

fn email() -> impl Strategy<Value = Email> {
    prop_oneof![Just("alice@example.com".to_string()), "[a-z0-9.]{1,8}@[a-z]{1,6}\\.(com|org)"]
        .prop_filter_map("an email", |raw| Email::parse(&raw))
}

/// An order as the engine shows it back (its id is always a valid order id).
fn brief() -> impl Strategy<Value = OrderBrief> {
    (order_id(), ".{0,24}", 0u32..100_000).prop_map(|(id, product, cents)| OrderBrief {
        order_id: id.to_string(),
        product,
        amount_paid: format!("${}.{:02}", cents / 100, cents % 100),
    })
}

fn reason() -> impl Strategy<Value = Reason> {
    prop::sample::select(Reason::ALL.to_vec())
}

fn resolution() -> impl Strategy<Value = Resolution> {
    prop::sample::select(Resolution::ALL.to_vec())
}

/// Counters beyond the limit too: states are data, and a stored one may be older than the code.
fn count() -> impl Strategy<Value = u32> {
    0u32..=MAX_FAILURES + 2
}

/// Every kind of intake state with whatever it may carry.
fn state() -> impl Strategy<Value = Intake> {
    let details = ".{0,40}";
    prop_oneof![
        (prop::option::of(order_id()), prop::option::of(email()), count(), count())
            .prop_map(|(order_id, email, failures, unclear)| Intake::Identify { order_id, email, failures, unclear }),
        (email(), prop::collection::vec(brief(), 0..4), count())
            .prop_map(|(email, candidates, unclear)| Intake::ChooseOrder { email, candidates, unclear }),
        (brief(), count()).prop_map(|(order, unclear)| Intake::Reason { order, unclear }),
        (brief(), reason()).prop_map(|(order, reason)| Intake::Details { order, reason }),
        (brief(), reason(), details, count()).prop_map(|(order, reason, details, unclear)| Intake::Support {
            order,
            reason,
            details,
            unclear
        }),
        (brief(), reason(), details, count()).prop_map(|(order, reason, details, unclear)| Intake::Resolution {
            order,
            reason,
            details,
            unclear
        }),
        (brief(), reason(), details, resolution(), count()).prop_map(
            |(order, reason, details, resolution, unclear)| {
                Intake::Confirm { order, reason, details, resolution, unclear }
            }
        ),
    ]
}

/// Words the intake listens for, and some it does not.
const FRAGMENTS: &[&str] = &[
    "ORD-1001",
    "#ord-7",
    "ch_AbCdEfGhIjKl",
    "alice@example.com",
    "Alice@Example.com.",
    "a@b",
    "@",
    "x@y.z",
    "refund",
    "money back",
    "credit",
    "exchange",
    "help",
    "fix",
    "twice",
    "by mistake",
    "broken",
    "not as described",
    "yes",
    "no",
    "ok",
    "cancel",
    "stop",
    "restart",
    "start over",
    "other",
    "changed my mind",
    "technical_issue",
    "order",
    "1",
    "12345",
    "hmm",
    "what?",
    "",
    " ",
    "\n",
    "\t",
    "é",
    "😀",
    "\u{0}",
    "\u{202e}",
    ",",
    ";",
    ".",
    "(",
    ")",
];

/// Any text: random, or built from the words above.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        prop::collection::vec(prop::sample::select(FRAGMENTS.to_vec()), 0..6).prop_map(|words| words.join(" ")),
        ".{0,3}",
    ]
}

fn choice() -> impl Strategy<Value = Choice> {
    prop_oneof![
        reason().prop_map(Choice::Reason),
        resolution().prop_map(Choice::Resolution),
        // An order button carries a valid id since buttons are typed; any text reaches `step` as a message.
        order_id().prop_map(Choice::Order),
        Just(Choice::Confirm),
        Just(Choice::Cancel),
    ]
}

fn check() -> impl Strategy<Value = OrderCheck> {
    prop_oneof![
        brief().prop_map(OrderCheck::Proven),
        Just(OrderCheck::NoMatch),
        (1i64..1000).prop_map(|id| OrderCheck::AlreadyOpen(CaseId(id))),
        Just(OrderCheck::Unavailable),
        prop::collection::vec(brief(), 0..4).prop_map(OrderCheck::Candidates),
    ]
}

fn input() -> impl Strategy<Value = In> {
    prop_oneof![
        3 => text().prop_map(In::Text),
        1 => choice().prop_map(In::Choice),
        1 => check().prop_map(In::Checked),
    ]
}

/// Text the intake understands nothing in, as the engine passes it on (cleaned, not empty):
/// no order id, no email, no reason, no resolution, no yes, no, cancel or restart.
fn unclear_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        prop::sample::select(vec!["hmm", "what?", "I don't know", "banana", "¿qué?", "...", "🙂", "idk lol"])
            .prop_map(String::from),
    ]
    .prop_map(|raw| understand::clean(&raw))
    .prop_filter("text the intake understands nothing in", |text| {
        let reading = Understanding::builtin().read(text);
        !text.is_empty()
            && understand::identity(text, &reading) == understand::Identity::default()
            && reading.reason.is_none()
            && reading.resolution.is_none()
            && reading.order_suffix.is_none()
            && !understand::is_yes(text)
            && !understand::is_no(text)
            && !understand::is_cancel(text)
            && !understand::is_restart(text)
    })
}

/// Whether an effect ends the intake.
fn ends(effect: &Effect) -> bool {
    matches!(effect, Effect::HandOff(_) | Effect::Submit { .. } | Effect::ChoseSupport { .. } | Effect::Cancel)
}

/// How many messages of unclear text at most before the intake is over: two per question at
/// most (reason, support offer, resolution, confirmation), `MAX_FAILURES` while identifying.
const UNCLEAR_LIMIT: usize = 12;

proptest! {
    #![proptest_config(config(1024))]

    /// Any input in any state: a next state and effects, no panic. An intake that ends says so
    /// with exactly one ending effect, one that goes on has none, and typed text always gets an
    /// answer or an order look-up.
    #[test]
    fn step_never_panics(state in state(), input in input()) {
        let (next, effects) = intake::step(state.clone(), input.as_input());
        let endings = effects.iter().filter(|e| ends(e)).count();
        match &next {
            None => prop_assert_eq!(endings, 1, "{:?} + {:?} -> {:?}", state, input, effects),
            Some(_) => prop_assert_eq!(endings, 0, "{:?} + {:?} -> {:?}", state, input, effects),
        }
        if let In::Text(_) = input {
            prop_assert!(!effects.is_empty(), "{:?} + {:?} gave no effect", state, input);
        }
    }

    /// From any state, the same unreadable message sent again and again (order look-ups answered
    /// as `answers` say) ends the intake within `UNCLEAR_LIMIT` messages, and never by sending
    /// a refund request the customer did not confirm.
    #[test]
    fn unclear_text_never_loops(
        state in state(),
        text in unclear_text(),
        answers in prop::collection::vec(check(), 1..4),
    ) {
        let mut answers = answers.into_iter().cycle();
        let mut current = Some(state.clone());
        let mut trail = Vec::new();
        for _ in 0..UNCLEAR_LIMIT {
            let Some(now) = current.take() else { break };
            trail.push(now.clone());
            let (mut next, effects) = intake::step(now, Input::Text(&text));
            let mut queue: std::collections::VecDeque<Effect> = effects.into();
            let mut lookups = 0;
            while let Some(effect) = queue.pop_front() {
                prop_assert!(!matches!(effect, Effect::Submit { .. }), "unclear {:?} submitted a request: {:#?}", text, trail);
                lookups += 1;
                prop_assert!(lookups < 100, "one message of {:?} keeps looking orders up: {:#?}", text, trail);
                // As the engine answers: a check with its result, a listing with candidates.
                let lookup = match effect {
                    Effect::CheckOrder { .. } => Some(match answers.next().unwrap() {
                        OrderCheck::Candidates(_) => OrderCheck::NoMatch,
                        answer => answer,
                    }),
                    Effect::ListOrders { .. } => Some(match answers.next().unwrap() {
                        OrderCheck::Candidates(list) => OrderCheck::Candidates(list),
                        _ => OrderCheck::Candidates(vec![]),
                    }),
                    _ => None,
                };
                if let Some(answer) = lookup {
                    let state = next.take().expect("a look-up is asked for by an intake that goes on");
                    let (after, more) = intake::step(state, Input::Checked(answer));
                    next = after;
                    queue.extend(more);
                }
            }
            current = next;
        }
        prop_assert!(current.is_none(), "still going after {} messages of {:?}: {:#?}", UNCLEAR_LIMIT, text, trail);
    }
}
