//! Table-driven tests of `step`: each row is one (state, input) and the exact state and effects it must give.

use super::*;

mod misses;

// ---- What the tables are made of -------------------------------------------------------------

/// One case: from `state`, `input` must give exactly `want_state` and `want_effects`.
struct Row {
    name: &'static str,
    state: Intake,
    input: Input<'static>,
    want_state: Option<Intake>,
    want_effects: Vec<Effect>,
}

fn row(
    name: &'static str,
    state: Intake,
    input: Input<'static>,
    want_state: Option<Intake>,
    want_effects: Vec<Effect>,
) -> Row {
    Row { name, state, input, want_state, want_effects }
}

fn check(rows: Vec<Row>) {
    for Row { name, state, input, want_state, want_effects } in rows {
        let got = step(state, input);
        assert_eq!(got, (want_state, want_effects), "row `{name}`");
    }
}

// Inputs: one helper per kind.

/// Text the customer typed.
fn text(typed: &'static str) -> Input<'static> {
    Input::Text(typed)
}

/// A button press, by its action, read the way the engine reads it.
fn click(action: &str) -> Input<'static> {
    Input::Choice(choice(action).unwrap_or_else(|| panic!("`{action}` is no intake button")))
}

/// The intake's choice a button action is, if it is one.
fn choice(action: &str) -> Option<Choice> {
    match ButtonAction::parse(action)? {
        ButtonAction::Choice(choice) => Some(choice),
        ButtonAction::Feedback(_)
        | ButtonAction::FeedbackSkip
        | ButtonAction::Agent(_)
        | ButtonAction::Manager(_)
        | ButtonAction::NewRequest
        | ButtonAction::Answered => None,
    }
}

/// The result of an order look-up the intake asked for.
fn checked(result: OrderCheck) -> Input<'static> {
    Input::Checked(result)
}

// Values.

fn oid(raw: &str) -> OrderId {
    OrderId::parse(raw).unwrap()
}

fn email(raw: &str) -> Email {
    Email::parse(raw).unwrap()
}

fn alice() -> Email {
    email("alice@example.com")
}

fn course() -> OrderBrief {
    OrderBrief { order_id: "ORD-1001".into(), product: "Web Design Course".into(), amount_paid: "49.00 USD".into() }
}

fn ebook() -> OrderBrief {
    OrderBrief { order_id: "ORD-1002".into(), product: "Rust Ebook".into(), amount_paid: "15.00 USD".into() }
}

// States.

fn identify_st(order_id: Option<&str>, mail: Option<&str>, failures: u32, unclear: u32) -> Intake {
    Intake::Identify { order_id: order_id.map(oid), email: mail.map(email), failures, unclear, said: None }
}

fn fresh() -> Intake {
    identify_st(None, None, 0, 0)
}

fn choose_st(unclear: u32) -> Intake {
    Intake::ChooseOrder { email: alice(), candidates: vec![course(), ebook()], unclear, said: None }
}

fn reason_st(unclear: u32) -> Intake {
    Intake::Reason { order: course(), unclear, carried: None }
}

fn details_st(reason: Reason) -> Intake {
    Intake::Details { order: course(), reason }
}

fn support_st(unclear: u32) -> Intake {
    Intake::Support {
        order: course(),
        reason: Reason::TechnicalIssue,
        details: "The videos don't play".into(),
        unclear,
    }
}

fn resolution_st(unclear: u32) -> Intake {
    Intake::Resolution { order: course(), reason: Reason::ChangedMind, details: "Not for me".into(), unclear }
}

fn confirm_st(unclear: u32) -> Intake {
    Intake::Confirm {
        order: course(),
        reason: Reason::ChangedMind,
        details: "Not for me".into(),
        resolution: Resolution::Refund,
        unclear,
    }
}

// Effects, written out rather than borrowed from `prompts`, so the tests check the words too.

fn buttons(list: &[(&str, &str)]) -> Vec<(ButtonAction, String)> {
    list.iter().map(|(action, label)| (ButtonAction::read(action).unwrap(), label.to_string())).collect()
}

fn ask(reply: Reply, expects: Option<&'static str>, buttons: Vec<(ButtonAction, String)>) -> Effect {
    Effect::Say(Box::new(Prompt { reply, expects, buttons }))
}

fn tell(reply: Reply) -> Effect {
    ask(reply, None, vec![])
}

fn not_understood(hint: &str, expects: Option<&'static str>, buttons: Vec<(ButtonAction, String)>) -> Effect {
    ask(Reply::NotUnderstood { hint: hint.into() }, expects, buttons)
}

const ID_HINT: &str = "Please send your order id (it's in your receipt email) and the email you bought with.";

fn reason_buttons() -> Vec<(ButtonAction, String)> {
    buttons(&[
        ("reason:technical_issue", "Something doesn't work"),
        ("reason:not_as_described", "It's not what was described"),
        ("reason:accidental_purchase", "I bought it by accident"),
        ("reason:duplicate_purchase", "I was charged twice"),
        ("reason:changed_mind", "I changed my mind"),
        ("reason:other", "Something else"),
        ("cancel", "Cancel"),
    ])
}

fn resolution_buttons() -> Vec<(ButtonAction, String)> {
    buttons(&[
        ("resolution:refund", "A refund"),
        ("resolution:store_credit", "Store credit"),
        ("resolution:exchange", "An exchange for another product"),
        ("cancel", "Cancel"),
    ])
}

fn support_buttons() -> Vec<(ButtonAction, String)> {
    buttons(&[
        ("resolution:support", "Help me fix it"),
        ("resolution:refund", "I'd still like a refund"),
        ("cancel", "Cancel"),
    ])
}

fn confirm_buttons() -> Vec<(ButtonAction, String)> {
    buttons(&[("confirm", "Yes, send it"), ("cancel", "Cancel")])
}

fn order_buttons() -> Vec<(ButtonAction, String)> {
    buttons(&[
        ("order:ORD-1001", "Web Design Course (ORD-1001)"),
        ("order:ORD-1002", "Rust Ebook (ORD-1002)"),
        ("cancel", "Cancel"),
    ])
}

fn greeting(restarted: bool) -> Effect {
    ask(Reply::Greeting { restarted }, Some("order_id"), vec![])
}

fn cancelled() -> Vec<Effect> {
    vec![tell(Reply::Cancelled {}), Effect::Cancel]
}

fn handed_off(why: HandOffWhy) -> Vec<Effect> {
    vec![tell(Reply::HandedToHuman {}), Effect::HandOff(why)]
}

fn check_order(order_id: &str) -> Effect {
    Effect::CheckOrder { order_id: oid(order_id), email: alice() }
}

fn ask_reason() -> Effect {
    ask(Reply::AskReason { product: "Web Design Course".into() }, None, reason_buttons())
}

fn ask_details(reason: Reason) -> Effect {
    ask(Reply::AskDetails { reason_label: reason.label().into() }, Some("details"), vec![])
}

fn ask_resolution() -> Effect {
    ask(Reply::AskResolution {}, None, resolution_buttons())
}

fn summary(reason_label: &str, details: &str, resolution_label: &str) -> Effect {
    let reply = Reply::Summary {
        order_id: "ORD-1001".into(),
        product: "Web Design Course".into(),
        amount_paid: "49.00 USD".into(),
        reason_label: reason_label.into(),
        details: details.into(),
        resolution_label: resolution_label.into(),
    };
    ask(reply, None, confirm_buttons())
}

fn chose_support(reason: Reason, details: &str) -> Vec<Effect> {
    vec![
        tell(Reply::SupportHandoff { product: "Web Design Course".into() }),
        Effect::ChoseSupport { reason, details: details.into() },
    ]
}

// ---- The tables ------------------------------------------------------------------------------

#[test]
fn start_greets_and_asks_for_the_order() {
    assert_eq!(start(), (fresh(), vec![greeting(false)]));
}

#[test]
fn cancel_and_restart_work_from_every_state() {
    check(vec![
        row("cancel button while identifying", fresh(), click("cancel"), None, cancelled()),
        row("cancel button while choosing an order", choose_st(0), click("cancel"), None, cancelled()),
        row("cancel button at the reason", reason_st(1), click("cancel"), None, cancelled()),
        row("typed `stop` at the details", details_st(Reason::Other), text("stop"), None, cancelled()),
        row("typed `Cancel.` at the support offer", support_st(0), text("Cancel."), None, cancelled()),
        row("typed `never mind` at the resolution", resolution_st(0), text("never mind"), None, cancelled()),
        row("typed `/cancel` at the confirmation", confirm_st(1), text("/cancel"), None, cancelled()),
        row(
            "restart while identifying keeps the failed attempts",
            identify_st(Some("ORD-9"), None, 2, 1),
            text("start over"),
            Some(identify_st(None, None, 2, 0)),
            vec![greeting(true)],
        ),
        row("restart while choosing an order", choose_st(1), text("/restart"), Some(fresh()), vec![greeting(true)]),
        row("restart at the reason", reason_st(0), text("Restart!"), Some(fresh()), vec![greeting(true)]),
        row("restart at the confirmation", confirm_st(0), text("start again"), Some(fresh()), vec![greeting(true)]),
    ]);
}

#[test]
fn identify_reads_order_ids_and_emails_from_typed_text() {
    check(vec![
        row(
            "order id alone asks for the email",
            fresh(),
            text("it's #ord-1001"),
            Some(identify_st(Some("ORD-1001"), None, 0, 0)),
            vec![ask(Reply::AskEmail { order_id: "ORD-1001".into() }, Some("email"), vec![])],
        ),
        row(
            "email alone lists that email's orders",
            fresh(),
            text("alice@example.com"),
            Some(identify_st(None, Some("alice@example.com"), 0, 0)),
            vec![Effect::ListOrders { email: alice() }],
        ),
        row(
            "both at once are checked together",
            fresh(),
            text("Order ORD-1001, I bought it with Alice@Example.com."),
            Some(identify_st(Some("ORD-1001"), Some("alice@example.com"), 0, 0)),
            vec![check_order("ORD-1001")],
        ),
        row(
            "the email after the order id completes the pair",
            identify_st(Some("ORD-1001"), None, 1, 0),
            text("alice@example.com"),
            Some(identify_st(Some("ORD-1001"), Some("alice@example.com"), 1, 0)),
            vec![check_order("ORD-1001")],
        ),
        row(
            "the order id after the email completes the pair",
            identify_st(None, Some("alice@example.com"), 0, 0),
            text("ORD-1001"),
            Some(identify_st(Some("ORD-1001"), Some("alice@example.com"), 0, 0)),
            vec![check_order("ORD-1001")],
        ),
        row(
            "a new order id replaces the one given before",
            identify_st(Some("ORD-9"), None, 0, 0),
            text("sorry, ORD-1001 and alice@example.com"),
            Some(identify_st(Some("ORD-1001"), Some("alice@example.com"), 0, 0)),
            vec![check_order("ORD-1001")],
        ),
        row(
            "a Stripe charge id counts as an order id",
            fresh(),
            text("ch_AbCdEfGhIjKl"),
            Some(identify_st(Some("CH_ABCDEFGHIJKL"), None, 0, 0)),
            vec![ask(Reply::AskEmail { order_id: "CH_ABCDEFGHIJKL".into() }, Some("email"), vec![])],
        ),
        row(
            "first junk answer asks again",
            fresh(),
            text("I want my money back"),
            Some(identify_st(None, None, 0, 1)),
            vec![not_understood(ID_HINT, Some("order_id"), vec![])],
        ),
        row(
            "second junk answer asks again",
            identify_st(None, None, 0, 1),
            text("what?"),
            Some(identify_st(None, None, 0, 2)),
            vec![not_understood(ID_HINT, Some("order_id"), vec![])],
        ),
        row(
            "third junk answer hands to a person",
            identify_st(None, None, 0, 2),
            text("no idea"),
            None,
            handed_off(HandOffWhy::Unclear),
        ),
        row(
            "junk keeps the count of failed pairs",
            identify_st(None, None, 2, 0),
            text("hmm"),
            Some(identify_st(None, None, 2, 1)),
            vec![not_understood(ID_HINT, Some("order_id"), vec![])],
        ),
        row(
            "a button before the order is known is not understood",
            identify_st(Some("ORD-1001"), None, 1, 1),
            click("confirm"),
            Some(identify_st(Some("ORD-1001"), None, 1, 1)),
            vec![not_understood("First I need your order id and purchase email.", Some("order_id"), vec![])],
        ),
    ]);
}

#[test]
fn identify_acts_on_look_up_results() {
    let pair = || identify_st(Some("ORD-1001"), Some("alice@example.com"), 0, 0);
    let pair_after = |failures| identify_st(Some("ORD-1001"), Some("alice@example.com"), failures, 0);
    let waiting_for_order_id = || identify_st(None, Some("alice@example.com"), 1, 0);
    check(vec![
        row(
            "a proven order asks for the reason",
            pair(),
            checked(OrderCheck::Proven(course())),
            Some(reason_st(0)),
            vec![ask_reason()],
        ),
        row(
            "first failed pair: two attempts left",
            pair(),
            checked(OrderCheck::NoMatch),
            Some(identify_st(None, None, 1, 0)),
            vec![ask(Reply::OrderNotFound { attempts_left: 2 }, Some("order_id"), vec![])],
        ),
        row(
            "second failed pair: one attempt left",
            pair_after(1),
            checked(OrderCheck::NoMatch),
            Some(identify_st(None, None, 2, 0)),
            vec![ask(Reply::OrderNotFound { attempts_left: 1 }, Some("order_id"), vec![])],
        ),
        row(
            "third failed pair hands to a person",
            pair_after(2),
            checked(OrderCheck::NoMatch),
            None,
            handed_off(HandOffWhy::NoMatch { attempts: 3 }),
        ),
        row(
            "a failed pair forgets earlier unclear answers",
            identify_st(Some("ORD-1001"), Some("alice@example.com"), 0, 2),
            checked(OrderCheck::NoMatch),
            Some(identify_st(None, None, 1, 0)),
            vec![ask(Reply::OrderNotFound { attempts_left: 2 }, Some("order_id"), vec![])],
        ),
        row(
            "an order with an open case ends this intake",
            pair(),
            checked(OrderCheck::AlreadyOpen(CaseId(4))),
            None,
            vec![tell(Reply::AlreadyOpen { case_id: 4, order_id: "ORD-1001".into() }), Effect::Cancel],
        ),
        row(
            "records down once: asked again, not a failed attempt",
            pair_after(1),
            checked(OrderCheck::Unavailable),
            Some(identify_st(None, None, 1, 1)),
            vec![ask(Reply::OrderCheckUnavailable {}, Some("order_id"), vec![])],
        ),
        row(
            "records down twice hands to a person",
            identify_st(Some("ORD-1001"), Some("alice@example.com"), 1, 1),
            checked(OrderCheck::Unavailable),
            None,
            handed_off(HandOffWhy::RecordsDown),
        ),
        row(
            "no orders for the email asks for the order id",
            waiting_for_order_id(),
            checked(OrderCheck::Candidates(vec![])),
            Some(waiting_for_order_id()),
            vec![ask(Reply::AskOrderId { email: "alice@example.com".into() }, Some("order_id"), vec![])],
        ),
        row(
            "a single order of the email is checked at once",
            waiting_for_order_id(),
            checked(OrderCheck::Candidates(vec![ebook()])),
            Some(identify_st(Some("ORD-1002"), Some("alice@example.com"), 0, 0)),
            vec![check_order("ORD-1002")],
        ),
        row(
            "several orders of the email are offered as buttons",
            waiting_for_order_id(),
            checked(OrderCheck::Candidates(vec![course(), ebook()])),
            Some(choose_st(0)),
            vec![ask(Reply::ChooseOrder { email: "alice@example.com".into() }, None, order_buttons())],
        ),
    ]);
}

#[test]
fn choose_order_takes_a_listed_order_only() {
    let chosen = || Some(identify_st(Some("ORD-1002"), Some("alice@example.com"), 0, 0));
    let pick_again = || not_understood("Please pick the order with one of the buttons.", None, order_buttons());
    check(vec![
        row("order button", choose_st(0), click("order:ORD-1002"), chosen(), vec![check_order("ORD-1002")]),
        row("typed order id", choose_st(1), text("the ebook, ord-1002"), chosen(), vec![check_order("ORD-1002")]),
        row(
            "an order that was not offered is not understood",
            choose_st(0),
            click("order:ORD-7777"),
            Some(choose_st(1)),
            vec![pick_again()],
        ),
        row(
            "second unclear answer asks again",
            choose_st(1),
            text("the blue one"),
            Some(choose_st(2)),
            vec![pick_again()],
        ),
        row(
            "third unclear answer hands to a person",
            choose_st(2),
            text("whichever"),
            None,
            handed_off(HandOffWhy::Unclear),
        ),
    ]);
}

#[test]
fn reason_from_buttons_or_words_and_never_asked_three_times() {
    check(vec![
        row(
            "reason button",
            reason_st(0),
            click("reason:duplicate_purchase"),
            Some(details_st(Reason::DuplicatePurchase)),
            vec![ask_details(Reason::DuplicatePurchase)],
        ),
        row(
            "reason in words",
            reason_st(0),
            text("the videos don't play, it's broken"),
            Some(details_st(Reason::TechnicalIssue)),
            vec![ask_details(Reason::TechnicalIssue)],
        ),
        row(
            "reason code typed",
            reason_st(1),
            text("changed_mind"),
            Some(details_st(Reason::ChangedMind)),
            vec![ask_details(Reason::ChangedMind)],
        ),
        row(
            "first unclear answer offers the reasons as buttons",
            reason_st(0),
            text("banana"),
            Some(reason_st(1)),
            vec![ask(Reply::ReasonUnclear {}, None, reason_buttons())],
        ),
        row(
            "second unclear answer is taken as the explanation",
            reason_st(1),
            text("  my cat walked on the keyboard  "),
            Some(Intake::Resolution {
                order: course(),
                reason: Reason::Other,
                details: "my cat walked on the keyboard".into(),
                unclear: 0,
            }),
            vec![ask_resolution()],
        ),
        row(
            "a button that is no reason is unclear",
            reason_st(0),
            click("confirm"),
            Some(reason_st(1)),
            vec![ask(Reply::ReasonUnclear {}, None, reason_buttons())],
        ),
    ]);
}

#[test]
fn details_then_support_offer_or_resolution() {
    let hint = "A sentence or two about what happened is enough.";
    check(vec![
        row(
            "details for a technical issue offer help first",
            details_st(Reason::TechnicalIssue),
            text(" The videos don't play "),
            Some(support_st(0)),
            vec![ask(Reply::OfferSupport { product: "Web Design Course".into() }, None, support_buttons())],
        ),
        row(
            "details for another reason ask what they'd like",
            details_st(Reason::ChangedMind),
            text("Not for me"),
            Some(resolution_st(0)),
            vec![ask_resolution()],
        ),
        row(
            "blank details are asked again",
            details_st(Reason::ChangedMind),
            text("   "),
            Some(details_st(Reason::ChangedMind)),
            vec![not_understood(hint, Some("details"), vec![])],
        ),
        row(
            "a button instead of details is asked again",
            details_st(Reason::Other),
            click("reason:other"),
            Some(details_st(Reason::Other)),
            vec![not_understood(hint, Some("details"), vec![])],
        ),
    ]);
}

#[test]
fn support_offer_help_or_refund() {
    let details = "The videos don't play";
    let asked_resolution = || {
        Some(Intake::Resolution {
            order: course(),
            reason: Reason::TechnicalIssue,
            details: details.into(),
            unclear: 0,
        })
    };
    check(vec![
        row(
            "help button hands to support",
            support_st(0),
            click("resolution:support"),
            None,
            chose_support(Reason::TechnicalIssue, details),
        ),
        row(
            "help in words hands to support",
            support_st(1),
            text("yes please fix it"),
            None,
            chose_support(Reason::TechnicalIssue, details),
        ),
        row(
            "refund button asks what they'd like",
            support_st(0),
            click("resolution:refund"),
            asked_resolution(),
            vec![ask_resolution()],
        ),
        row(
            "first unclear answer asks again",
            support_st(0),
            text("hmm"),
            Some(support_st(1)),
            vec![not_understood("Tap one of the buttons: help fixing it, or the refund.", None, support_buttons())],
        ),
        row(
            "second unclear answer moves on to the resolution",
            support_st(1),
            text("hmm"),
            asked_resolution(),
            vec![ask_resolution()],
        ),
    ]);
}

#[test]
fn resolution_then_summary() {
    let confirm_with = |resolution| {
        Some(Intake::Confirm {
            order: course(),
            reason: Reason::ChangedMind,
            details: "Not for me".into(),
            resolution,
            unclear: 0,
        })
    };
    let long = "x".repeat(300);
    let long_state = Intake::Resolution { order: course(), reason: Reason::Other, details: long.clone(), unclear: 0 };
    let long_confirm = Intake::Confirm {
        order: course(),
        reason: Reason::Other,
        details: long,
        resolution: Resolution::Refund,
        unclear: 0,
    };
    check(vec![
        row(
            "refund button",
            resolution_st(0),
            click("resolution:refund"),
            confirm_with(Resolution::Refund),
            vec![summary("I changed my mind", "Not for me", "A refund")],
        ),
        row(
            "store credit button",
            resolution_st(0),
            click("resolution:store_credit"),
            confirm_with(Resolution::StoreCredit),
            vec![summary("I changed my mind", "Not for me", "Store credit")],
        ),
        row(
            "exchange in words",
            resolution_st(1),
            text("Could I swap it for another course?"),
            confirm_with(Resolution::Exchange),
            vec![summary("I changed my mind", "Not for me", "An exchange for another product")],
        ),
        row(
            "support in words hands to support",
            resolution_st(0),
            text("I'd rather get support"),
            None,
            chose_support(Reason::ChangedMind, "Not for me"),
        ),
        row(
            "first unclear answer asks again",
            resolution_st(0),
            text("dunno"),
            Some(resolution_st(1)),
            vec![not_understood("Tap one of the buttons to tell me what you'd like.", None, resolution_buttons())],
        ),
        row(
            "second unclear answer means the refund they came for",
            resolution_st(1),
            text("dunno"),
            confirm_with(Resolution::Refund),
            vec![summary("I changed my mind", "Not for me", "A refund")],
        ),
        row(
            "a long explanation is cut in the summary, kept whole in the state",
            long_state,
            click("resolution:refund"),
            Some(long_confirm),
            vec![summary("Something else", &format!("{}…", "x".repeat(280)), "A refund")],
        ),
    ]);
}

#[test]
fn confirm_submits_starts_over_or_hands_off() {
    let submitted = || {
        vec![Effect::Submit {
            reason: Reason::ChangedMind,
            details: "Not for me".into(),
            resolution: Resolution::Refund,
        }]
    };
    let press_yes = || not_understood("Tap “Yes, send it” to send your request, or Cancel.", None, confirm_buttons());
    check(vec![
        row("confirm button submits", confirm_st(0), click("confirm"), None, submitted()),
        row("typed yes submits", confirm_st(1), text("Yes!"), None, submitted()),
        row("typed no starts over", confirm_st(0), text("nope"), Some(fresh()), vec![greeting(true)]),
        row("first unclear answer asks again", confirm_st(0), text("maybe"), Some(confirm_st(1)), vec![press_yes()]),
        row(
            "a stray button is unclear",
            confirm_st(0),
            click("resolution:exchange"),
            Some(confirm_st(1)),
            vec![press_yes()],
        ),
        row(
            "second unclear answer hands to a person",
            confirm_st(1),
            text("maybe"),
            None,
            handed_off(HandOffWhy::Unclear),
        ),
    ]);
}

#[test]
fn button_actions_parse_into_choices() {
    let table: [(&str, Option<Choice>); 9] = [
        ("reason:technical_issue", Some(Choice::Reason(Reason::TechnicalIssue))),
        ("resolution:store_credit", Some(Choice::Resolution(Resolution::StoreCredit))),
        ("order:ORD-1001", Some(Choice::Order(oid("ORD-1001")))),
        ("confirm", Some(Choice::Confirm)),
        ("cancel", Some(Choice::Cancel)),
        ("reason:bogus", None),
        ("resolution:", None),
        ("feedback:5", None),
        ("approve", None),
    ];
    for (action, want) in table {
        assert_eq!(choice(action), want, "action `{action}`");
    }
}
