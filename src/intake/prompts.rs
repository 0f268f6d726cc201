//! The intake's replies: each question with the buttons and typed answer it waits for.

use super::{Effect, HandOffWhy, Intake, OrderBrief, Prompt, Said, MAX_FAILURES};
use crate::domain::{ButtonAction, Choice, Email, OrderId, Reason, Resolution};
use crate::replies::Reply;

pub(super) fn say(reply: Reply, expects: Option<&'static str>, buttons: Vec<(ButtonAction, String)>) -> Effect {
    Effect::Say(Box::new(Prompt { reply, expects, buttons }))
}

pub(super) fn with_cancel(mut buttons: Vec<(ButtonAction, String)>) -> Vec<(ButtonAction, String)> {
    buttons.push((Choice::Cancel.into(), "Cancel".into()));
    buttons
}

pub(super) fn reason_buttons() -> Vec<(ButtonAction, String)> {
    reason_buttons_ranked(&[])
}

/// The reason buttons with the likeliest readings first, so an unsure guess is one tap away.
pub(super) fn reason_buttons_ranked(likeliest: &[Reason]) -> Vec<(ButtonAction, String)> {
    let rest = Reason::ALL.iter().filter(|r| !likeliest.contains(r));
    let ordered = likeliest.iter().chain(rest);
    with_cancel(ordered.map(|r| (Choice::Reason(*r).into(), r.label().to_string())).collect())
}

pub(super) fn resolution_buttons() -> Vec<(ButtonAction, String)> {
    let wanted = [Resolution::Refund, Resolution::StoreCredit, Resolution::Exchange];
    with_cancel(wanted.iter().map(|r| (Choice::Resolution(*r).into(), r.label().to_string())).collect())
}

pub(super) fn support_buttons() -> Vec<(ButtonAction, String)> {
    with_cancel(vec![
        (Choice::Resolution(Resolution::Support).into(), "Help me fix it".into()),
        (Choice::Resolution(Resolution::Refund).into(), "I'd still like a refund".into()),
    ])
}

pub(super) fn confirm_buttons() -> Vec<(ButtonAction, String)> {
    with_cancel(vec![(Choice::Confirm.into(), "Yes, send it".into())])
}

pub(super) fn identify(failures: u32) -> Intake {
    Intake::Identify { order_id: None, email: None, failures, unclear: 0, said: None }
}

/// Asks why; a reason the customer already gave is confirmed instead, first among the buttons.
pub(super) fn ask_reason(order: OrderBrief, said: Option<Said>) -> (Option<Intake>, Vec<Effect>) {
    let (reply, buttons) = match said.as_ref().and_then(|s| s.reason) {
        Some(reason) => (
            Reply::ConfirmReason { reason_label: reason.label().to_string(), product: order.product.clone() },
            reason_buttons_ranked(&[reason]),
        ),
        None => (Reply::AskReason { product: order.product.clone() }, reason_buttons()),
    };
    (Some(Intake::Reason { order, unclear: 0, carried: said }), vec![say(reply, None, buttons)])
}

pub(super) fn ask_details(order: OrderBrief, reason: Reason) -> (Option<Intake>, Vec<Effect>) {
    let reply = Reply::AskDetails { reason_label: reason.label().to_string() };
    (Some(Intake::Details { order, reason }), vec![say(reply, Some("details"), vec![])])
}

pub(super) fn ask_resolution(order: OrderBrief, reason: Reason, details: String) -> (Option<Intake>, Vec<Effect>) {
    let state = Intake::Resolution { order, reason, details, unclear: 0 };
    (Some(state), vec![say(Reply::AskResolution {}, None, resolution_buttons())])
}

pub(super) fn confirm(
    order: OrderBrief,
    reason: Reason,
    details: String,
    resolution: Resolution,
) -> (Option<Intake>, Vec<Effect>) {
    let reply = Reply::Summary {
        order_id: order.order_id.clone(),
        product: order.product.clone(),
        amount_paid: order.amount_paid.clone(),
        reason_label: reason.label().to_string(),
        details: summary_excerpt(&details),
        resolution_label: resolution.label().to_string(),
    };
    let state = Intake::Confirm { order, reason, details, resolution, unclear: 0 };
    (Some(state), vec![say(reply, None, confirm_buttons())])
}

/// A long explanation is kept whole for staff; the customer's recap shows its start.
pub(super) fn summary_excerpt(details: &str) -> String {
    const MAX: usize = 280;
    if details.chars().count() <= MAX {
        return details.to_string();
    }
    let cut: String = details.chars().take(MAX).collect();
    format!("{cut}…")
}

pub(super) fn not_understood(
    hint: &str,
    expects: Option<&'static str>,
    buttons: Vec<(ButtonAction, String)>,
) -> Effect {
    say(Reply::NotUnderstood { hint: hint.to_string() }, expects, buttons)
}

pub(super) fn cancel() -> (Option<Intake>, Vec<Effect>) {
    (None, vec![say(Reply::Cancelled {}, None, vec![]), Effect::Cancel])
}

pub(super) fn hand_off(why: HandOffWhy) -> (Option<Intake>, Vec<Effect>) {
    (None, vec![say(Reply::HandedToHuman {}, None, vec![]), Effect::HandOff(why)])
}

/// Both halves of the proof are known: the order is looked up.
pub(super) fn check_pair(
    order_id: OrderId,
    email: Email,
    failures: u32,
    unclear: u32,
) -> (Option<Intake>, Vec<Effect>) {
    let state = Intake::Identify {
        order_id: Some(order_id.clone()),
        email: Some(email.clone()),
        failures,
        unclear,
        said: None,
    };
    (Some(state), vec![Effect::CheckOrder { order_id, email }])
}

pub(super) fn ask_email(order_id: OrderId, failures: u32, unclear: u32) -> (Option<Intake>, Vec<Effect>) {
    let reply = Reply::AskEmail { order_id: order_id.to_string() };
    let state = Intake::Identify { order_id: Some(order_id), email: None, failures, unclear, said: None };
    (Some(state), vec![say(reply, Some("email"), vec![])])
}

/// A message named several orders: one request is about one order, so the customer picks it
/// with a button (or types it); the others can be asked about in a request of their own. Named
/// again and again, it counts as unclear, and the third time a person takes over.
pub(super) fn which_order(
    named: Vec<OrderId>,
    email: Option<Email>,
    failures: u32,
    unclear: u32,
) -> (Option<Intake>, Vec<Effect>) {
    if unclear + 1 >= MAX_FAILURES {
        return hand_off(HandOffWhy::Unclear);
    }
    let order_ids = named.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
    let buttons = with_cancel(named.into_iter().map(|id| (Choice::Order(id.clone()).into(), id.to_string())).collect());
    let state = Intake::Identify { order_id: None, email, failures, unclear: unclear + 1, said: None };
    (Some(state), vec![say(Reply::WhichOrder { order_ids }, Some("order_id"), buttons)])
}

/// The customer sent again only the order id (or only the email) the bot already has. The first
/// time the question is asked again; the second time the bot says what is missing and why, and
/// that a person takes over if they can't find it; the third time that person does.
pub(super) fn missing_again(
    order_id: Option<OrderId>,
    email: Option<Email>,
    failures: u32,
    misses: u32,
) -> (Option<Intake>, Vec<Effect>) {
    if misses >= MAX_FAILURES {
        return hand_off(HandOffWhy::StillMissing);
    }
    let expects = if order_id.is_some() { "email" } else { "order_id" };
    let reply = match (misses, &order_id, &email) {
        (1, Some(id), _) => Reply::AskEmail { order_id: id.to_string() },
        (1, None, Some(email)) => Reply::AskOrderId { email: email.to_string() },
        _ => Reply::StillMissing {
            order_id: order_id.as_ref().map(ToString::to_string).unwrap_or_default(),
            email: email.as_ref().map(ToString::to_string).unwrap_or_default(),
        },
    };
    let state = Intake::Identify { order_id, email, failures, unclear: misses, said: None };
    (Some(state), vec![say(reply, Some(expects), vec![])])
}

pub(super) fn order_buttons(candidates: &[OrderBrief]) -> Vec<(ButtonAction, String)> {
    // A brief's id was written from an `OrderId`, so it always parses.
    let buttons = candidates
        .iter()
        .filter_map(|o| {
            let id = OrderId::parse(&o.order_id)?;
            Some((Choice::Order(id).into(), format!("{} ({})", o.product, o.order_id)))
        })
        .collect();
    with_cancel(buttons)
}

/// A chosen order is still checked, so that an order with an open case is pointed to it.
pub(super) fn check_choice(order_id: &str, email: Email) -> (Option<Intake>, Vec<Effect>) {
    let Some(order_id) = OrderId::parse(order_id) else {
        return (Some(identify(0)), vec![]);
    };
    let state = Intake::Identify {
        order_id: Some(order_id.clone()),
        email: Some(email.clone()),
        failures: 0,
        unclear: 0,
        said: None,
    };
    (Some(state), vec![Effect::CheckOrder { order_id, email }])
}
