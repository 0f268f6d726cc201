//! The intake's replies: each question with the buttons and typed answer it waits for.

use super::{Effect, HandOffWhy, Intake, OrderBrief, Prompt};
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
    Intake::Identify { order_id: None, email: None, failures, unclear: 0 }
}

pub(super) fn ask_reason(order: OrderBrief) -> (Option<Intake>, Vec<Effect>) {
    let reply = Reply::AskReason { product: order.product.clone() };
    (Some(Intake::Reason { order, unclear: 0 }), vec![say(reply, None, reason_buttons())])
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
    let state =
        Intake::Identify { order_id: Some(order_id.clone()), email: Some(email.clone()), failures: 0, unclear: 0 };
    (Some(state), vec![Effect::CheckOrder { order_id, email }])
}
