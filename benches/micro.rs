//! Micro benchmarks of the pure parts the engine runs on every turn: the policy verdict, reply
//! rendering and one intake step. `cargo bench --bench micro`; goals and figures in BENCHMARKS.md.

use chrono::{DateTime, Utc};
use divan::{black_box, Bencher};
use refund_bot::app::demo_orders;
use refund_bot::domain::{Order, Reason};
use refund_bot::intake::{self, Choice, Input, Intake, OrderBrief};
use refund_bot::policy::{evaluate, History, Policy, RefundRequest, VerdictOutcome};
use refund_bot::replies::{Replies, Reply};

fn main() {
    divan::main();
}

fn now() -> DateTime<Utc> {
    "2026-11-23T12:00:00Z".parse().expect("clock")
}

/// The demo orders (the README's tour) at `now`: each decides a different verdict under the
/// example policy, with the reason given here.
fn order_for(outcome: VerdictOutcome) -> (Order, Reason) {
    let orders = demo_orders(now());
    let pick = |id: &str| orders.iter().find(|o| o.order_id.to_string() == id).cloned().expect("demo order");
    match outcome {
        // 5 days old, 12 % progress: within window and usage.
        VerdictOutcome::FullRefund => (pick("ORD-1001"), Reason::AccidentalPurchase),
        // 45 % progress: the 50 % tier.
        VerdictOutcome::PartialRefund => (pick("ORD-1002"), Reason::ChangedMind),
        // An ebook bought 60 days ago: outside its 14-day window.
        VerdictOutcome::NotEligible => (pick("ORD-1003"), Reason::ChangedMind),
        // $249 is above the $100 auto-approve maximum.
        VerdictOutcome::ManagerReview => (pick("ORD-1004"), Reason::AccidentalPurchase),
    }
}

const OUTCOMES: [VerdictOutcome; 4] = [
    VerdictOutcome::FullRefund,
    VerdictOutcome::PartialRefund,
    VerdictOutcome::NotEligible,
    VerdictOutcome::ManagerReview,
];

/// One verdict (rule trace included) per outcome, for one order of that outcome.
#[divan::bench(args = OUTCOMES)]
fn policy_evaluate(bencher: Bencher, outcome: VerdictOutcome) {
    let policy = Policy::example();
    let (order, reason) = order_for(outcome);
    let history = History::default();
    let request = RefundRequest { reason, requested_at: now() };
    let verdict = evaluate(&policy, &order, &request, &history);
    assert_eq!(verdict.outcome, outcome, "{verdict:#?}");
    bencher.bench_local(|| evaluate(black_box(&policy), black_box(&order), black_box(&request), black_box(&history)));
}

const TEMPLATES: [&str; 6] = ["greeting", "summary", "agent_draft", "approved_partial", "denied", "refund_issued"];

/// One render of a built-in template with its first sample value (the data `Replies::load`
/// checks every template with at start).
#[divan::bench(args = TEMPLATES)]
fn render(bencher: Bencher, template: &str) {
    let replies = Replies::builtin();
    let reply = Reply::samples().into_iter().find(|r| r.template_name() == template).expect("a sample of the template");
    bencher.bench_local(|| replies.render(black_box(&reply)).expect("render"));
}

fn web_design() -> OrderBrief {
    OrderBrief { order_id: "ORD-1001".into(), product: "Web Design Course".into(), amount_paid: "$49.00".into() }
}

/// The customer's first useful message: order id and email in one line (understanding the
/// text and asking for the order check).
#[divan::bench]
fn intake_step_text_order_and_email(bencher: Bencher) {
    let (state, _) = intake::start();
    bencher.with_inputs(|| state.clone()).bench_local_values(|state| {
        intake::step(
            state,
            Input::Text(black_box("Hi, I'd like a refund for ORD-1001, I bought it with alice@example.com")),
        )
    });
}

/// A button press: the reason chosen, answered with the question for details.
#[divan::bench]
fn intake_step_button_reason(bencher: Bencher) {
    let state = Intake::Reason { order: web_design(), unclear: 0, carried: None };
    bencher.with_inputs(|| state.clone()).bench_local_values(|state| {
        intake::step(state, Input::Choice(black_box(Choice::Reason(Reason::AccidentalPurchase))))
    });
}
