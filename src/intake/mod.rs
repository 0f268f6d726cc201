//! The customer conversation as a pure state machine: `(state, input) -> (state, effects)`.
//! Order look-ups are effects the engine performs and feeds back as `Input::Checked`.

mod prompts;
#[cfg(test)]
mod tests;
pub mod understand;

use prompts::*;

pub use crate::domain::{Choice, Intake, OrderBrief};

use crate::domain::{ButtonAction, CaseId, Email, OrderId, Reason, Resolution};
use crate::replies::Reply;
use crate::understanding::{Reading, Understanding};

/// How many failed order/email pairs, or unclear answers, before a person takes over.
pub const MAX_FAILURES: u32 = 3;

/// The result of an order look-up the intake asked for.
#[derive(Debug, Clone, PartialEq)]
pub enum OrderCheck {
    Proven(OrderBrief),
    /// Unknown id, or an id with another email: the customer hears the same either way.
    NoMatch,
    AlreadyOpen(CaseId),
    /// The records that hold the order could not be asked (the payment processor is down):
    /// not the customer's mistake, so it is no failed attempt.
    Unavailable,
    /// Orders of an email this customer proved before.
    Candidates(Vec<OrderBrief>),
}

/// Why the bot handed a conversation to a person, for the agents' post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandOffWhy {
    /// That many order id and email pairs matched nothing.
    NoMatch { attempts: u32 },
    /// The customer's answers could not be understood.
    Unclear,
    /// The records that hold the order (Stripe) did not answer.
    RecordsDown,
}

impl HandOffWhy {
    pub fn code(self) -> &'static str {
        match self {
            HandOffWhy::NoMatch { .. } => "no_match",
            HandOffWhy::Unclear => "unclear",
            HandOffWhy::RecordsDown => "records_down",
        }
    }
}

pub enum Input<'a> {
    /// Typed text, read with the built-in settings.
    Text(&'a str),
    /// Typed text with what the engine read from it (the seller's order patterns and addresses).
    Read(&'a str, &'a Reading),
    Choice(Choice),
    Checked(OrderCheck),
}

/// A message to the customer, with what it waits for.
#[derive(Debug, Clone, PartialEq)]
pub struct Prompt {
    pub reply: Reply,
    pub expects: Option<&'static str>,
    pub buttons: Vec<(ButtonAction, String)>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Say(Box<Prompt>),
    CheckOrder {
        order_id: OrderId,
        email: Email,
    },
    /// The email's order whose id ends with `suffix` ("my order ends with 614"), if exactly one.
    CheckSuffix {
        suffix: String,
        email: Email,
    },
    ListOrders {
        email: Email,
    },
    /// A person takes over in the agents' channel.
    HandOff(HandOffWhy),
    /// The customer confirmed: the workflow takes the case.
    Submit {
        reason: Reason,
        details: String,
        resolution: Resolution,
    },
    /// The customer chose help from support instead of a refund.
    ChoseSupport {
        reason: Reason,
        details: String,
    },
    Cancel,
}

/// The opening of a conversation: acknowledge at once and ask for the order.
pub fn start() -> (Intake, Vec<Effect>) {
    (identify(0), vec![say(Reply::Greeting { restarted: false }, Some("order_id"), vec![])])
}

/// One step of the conversation. `None` as the new state means the intake is over.
pub fn step(state: Intake, input: Input<'_>) -> (Option<Intake>, Vec<Effect>) {
    let builtin;
    let input = match input {
        Input::Text(text) => {
            builtin = Understanding::builtin().read(text);
            Input::Read(text, &builtin)
        }
        other => other,
    };
    match &input {
        Input::Choice(Choice::Cancel) => return cancel(),
        Input::Read(text, _) if understand::is_cancel(text) => return cancel(),
        Input::Read(text, _) if understand::is_restart(text) => {
            let failures = match &state {
                Intake::Identify { failures, .. } => *failures,
                _ => 0,
            };
            return (
                Some(identify(failures)),
                vec![say(Reply::Greeting { restarted: true }, Some("order_id"), vec![])],
            );
        }
        _ => {}
    }
    match state {
        Intake::Identify { order_id, email, failures, unclear } => {
            on_identify(order_id, email, failures, unclear, input)
        }
        Intake::ChooseOrder { email, candidates, unclear } => on_choose_order(email, candidates, unclear, input),
        Intake::Reason { order, unclear } => on_reason(order, unclear, input),
        Intake::Details { order, reason } => on_details(order, reason, input),
        Intake::Support { order, reason, details, unclear } => on_support(order, reason, details, unclear, input),
        Intake::Resolution { order, reason, details, unclear } => on_resolution(order, reason, details, unclear, input),
        Intake::Confirm { order, reason, details, resolution, unclear } => {
            on_confirm(order, reason, details, resolution, unclear, input)
        }
    }
}

fn on_identify(
    order_id: Option<OrderId>,
    email: Option<Email>,
    failures: u32,
    unclear: u32,
    input: Input<'_>,
) -> (Option<Intake>, Vec<Effect>) {
    match input {
        Input::Read(text, reading) => {
            let found = understand::identity(text, reading);
            // Text with neither an order id nor an email is unclear, whatever was given before.
            let understood = found != understand::Identity::default();
            let order_id = found.order_id.or(order_id);
            let email = found.email.or(email);
            if let (None, Some(suffix), Some(email)) = (&order_id, &reading.order_suffix, &email) {
                let state = Intake::Identify { order_id: None, email: Some(email.clone()), failures, unclear };
                return (Some(state), vec![Effect::CheckSuffix { suffix: suffix.clone(), email: email.clone() }]);
            }
            match (order_id, email) {
                (Some(order_id), Some(email)) => {
                    let state = Intake::Identify {
                        order_id: Some(order_id.clone()),
                        email: Some(email.clone()),
                        failures,
                        unclear,
                    };
                    (Some(state), vec![Effect::CheckOrder { order_id, email }])
                }
                _ if !understood && unclear + 1 >= MAX_FAILURES => hand_off(HandOffWhy::Unclear),
                (Some(order_id), None) => {
                    let unclear = if understood { unclear } else { unclear + 1 };
                    let reply = Reply::AskEmail { order_id: order_id.to_string() };
                    (
                        Some(Intake::Identify { order_id: Some(order_id), email: None, failures, unclear }),
                        vec![say(reply, Some("email"), vec![])],
                    )
                }
                (None, Some(email)) => {
                    let unclear = if understood { unclear } else { unclear + 1 };
                    let state = Intake::Identify { order_id: None, email: Some(email.clone()), failures, unclear };
                    (Some(state), vec![Effect::ListOrders { email }])
                }
                (None, None) => {
                    let state = Intake::Identify { order_id: None, email: None, failures, unclear: unclear + 1 };
                    let hint = "Please send your order id (it's in your receipt email) and the email you bought with.";
                    (Some(state), vec![not_understood(hint, Some("order_id"), vec![])])
                }
            }
        }
        Input::Checked(OrderCheck::Proven(order)) => ask_reason(order),
        Input::Checked(OrderCheck::AlreadyOpen(case_id)) => {
            let reply = Reply::AlreadyOpen {
                case_id: case_id.0,
                order_id: order_id.map(|o| o.to_string()).unwrap_or_default(),
            };
            (None, vec![say(reply, None, vec![]), Effect::Cancel])
        }
        Input::Checked(OrderCheck::NoMatch) => {
            let failures = failures + 1;
            if failures >= MAX_FAILURES {
                return hand_off(HandOffWhy::NoMatch { attempts: failures });
            }
            let reply = Reply::OrderNotFound { attempts_left: MAX_FAILURES - failures };
            (Some(identify(failures)), vec![say(reply, Some("order_id"), vec![])])
        }
        Input::Checked(OrderCheck::Unavailable) => {
            // Once is a hiccup; twice and a person checks the order by hand, rather than the
            // customer being asked again and again.
            if unclear >= 1 {
                return hand_off(HandOffWhy::RecordsDown);
            }
            let state = Intake::Identify { order_id: None, email: None, failures, unclear: unclear + 1 };
            (Some(state), vec![say(Reply::OrderCheckUnavailable {}, Some("order_id"), vec![])])
        }
        Input::Checked(OrderCheck::Candidates(candidates)) => match candidates.len() {
            0 => {
                let email_text = email.as_ref().map(|e| e.to_string()).unwrap_or_default();
                let reply = Reply::AskOrderId { email: email_text };
                (
                    Some(Intake::Identify { order_id, email, failures, unclear }),
                    vec![say(reply, Some("order_id"), vec![])],
                )
            }
            _ => {
                let Some(email) = email else {
                    return (Some(identify(failures)), vec![]);
                };
                if let [only] = candidates.as_slice() {
                    return check_choice(&only.order_id, email);
                }
                let reply = Reply::ChooseOrder { email: email.to_string() };
                let buttons = order_buttons(&candidates);
                (Some(Intake::ChooseOrder { email, candidates, unclear: 0 }), vec![say(reply, None, buttons)])
            }
        },
        // Typed text arrives read (`step` reads it), so `Text` is never seen here.
        Input::Choice(_) | Input::Text(_) => {
            let state = Intake::Identify { order_id, email, failures, unclear };
            let hint = "First I need your order id and purchase email.";
            (Some(state), vec![not_understood(hint, Some("order_id"), vec![])])
        }
    }
}

fn on_choose_order(
    email: Email,
    candidates: Vec<OrderBrief>,
    unclear: u32,
    input: Input<'_>,
) -> (Option<Intake>, Vec<Effect>) {
    let picked = match &input {
        Input::Choice(Choice::Order(id)) => Some(id.clone()),
        Input::Read(text, reading) => understand::identity(text, reading).order_id,
        _ => None,
    };
    if let Some(order) = picked.and_then(|id| candidates.iter().find(|c| c.order_id == id.as_str()).cloned()) {
        return check_choice(&order.order_id, email);
    }
    if unclear + 1 >= MAX_FAILURES {
        return hand_off(HandOffWhy::Unclear);
    }
    let effect = not_understood("Please pick the order with one of the buttons.", None, order_buttons(&candidates));
    (Some(Intake::ChooseOrder { email, candidates, unclear: unclear + 1 }), vec![effect])
}

fn on_reason(order: OrderBrief, unclear: u32, input: Input<'_>) -> (Option<Intake>, Vec<Effect>) {
    let (reason, text, likeliest) = match input {
        Input::Choice(Choice::Reason(reason)) => (Some(reason), None, vec![]),
        Input::Read(text, reading) => {
            let likeliest: Vec<Reason> =
                reading.reason.into_iter().chain(reading.alternatives.iter().copied()).collect();
            // An unsure reading is asked about once, then taken.
            let taken = if reading.sure() || unclear >= 1 { reading.reason } else { None };
            (taken, Some(text), likeliest)
        }
        _ => (None, None, vec![]),
    };
    match (reason, text) {
        (Some(reason), _) => ask_details(order, reason),
        // A second unclear answer is taken as the explanation itself rather than asking again.
        (None, Some(text)) if unclear >= 1 && !text.trim().is_empty() => {
            ask_resolution(order, Reason::Other, text.trim().to_string())
        }
        _ => {
            let state = Intake::Reason { order, unclear: unclear + 1 };
            (Some(state), vec![say(Reply::ReasonUnclear {}, None, reason_buttons_ranked(&likeliest))])
        }
    }
}

fn on_details(order: OrderBrief, reason: Reason, input: Input<'_>) -> (Option<Intake>, Vec<Effect>) {
    let details = match input {
        Input::Read(text, _) if !text.trim().is_empty() => text.trim().to_string(),
        _ => {
            let hint = "A sentence or two about what happened is enough.";
            return (Some(Intake::Details { order, reason }), vec![not_understood(hint, Some("details"), vec![])]);
        }
    };
    if reason == Reason::TechnicalIssue {
        let reply = Reply::OfferSupport { product: order.product.clone() };
        let state = Intake::Support { order, reason, details, unclear: 0 };
        return (Some(state), vec![say(reply, None, support_buttons())]);
    }
    ask_resolution(order, reason, details)
}

/// A resolution from a button or from typed words.
fn wanted_resolution(input: Input<'_>) -> Option<Resolution> {
    match input {
        Input::Choice(Choice::Resolution(r)) => Some(r),
        Input::Read(_, reading) => reading.resolution,
        _ => None,
    }
}

fn chose_support(order: OrderBrief, reason: Reason, details: String) -> (Option<Intake>, Vec<Effect>) {
    let reply = Reply::SupportHandoff { product: order.product.clone() };
    (None, vec![say(reply, None, vec![]), Effect::ChoseSupport { reason, details }])
}

fn on_support(
    order: OrderBrief,
    reason: Reason,
    details: String,
    unclear: u32,
    input: Input<'_>,
) -> (Option<Intake>, Vec<Effect>) {
    match wanted_resolution(input) {
        Some(Resolution::Support) => chose_support(order, reason, details),
        Some(_) => ask_resolution(order, reason, details),
        // Asked twice without a clear answer: carry on with the refund they came for.
        None if unclear >= 1 => ask_resolution(order, reason, details),
        None => {
            let effect =
                not_understood("Tap one of the buttons: help fixing it, or the refund.", None, support_buttons());
            (Some(Intake::Support { order, reason, details, unclear: unclear + 1 }), vec![effect])
        }
    }
}

fn on_resolution(
    order: OrderBrief,
    reason: Reason,
    details: String,
    unclear: u32,
    input: Input<'_>,
) -> (Option<Intake>, Vec<Effect>) {
    match wanted_resolution(input) {
        Some(Resolution::Support) => chose_support(order, reason, details),
        Some(resolution) => confirm(order, reason, details, resolution),
        None if unclear >= 1 => confirm(order, reason, details, Resolution::Refund),
        None => {
            let effect =
                not_understood("Tap one of the buttons to tell me what you'd like.", None, resolution_buttons());
            (Some(Intake::Resolution { order, reason, details, unclear: unclear + 1 }), vec![effect])
        }
    }
}

fn on_confirm(
    order: OrderBrief,
    reason: Reason,
    details: String,
    resolution: Resolution,
    unclear: u32,
    input: Input<'_>,
) -> (Option<Intake>, Vec<Effect>) {
    let confirmed = match &input {
        Input::Choice(Choice::Confirm) => Some(true),
        Input::Read(text, _) if understand::is_yes(text) => Some(true),
        Input::Read(text, _) if understand::is_no(text) => Some(false),
        _ => None,
    };
    match confirmed {
        Some(true) => (None, vec![Effect::Submit { reason, details, resolution }]),
        Some(false) => (Some(identify(0)), vec![say(Reply::Greeting { restarted: true }, Some("order_id"), vec![])]),
        None if unclear >= 1 => hand_off(HandOffWhy::Unclear),
        None => {
            let effect = not_understood("Tap “Yes, send it” to send your request, or Cancel.", None, confirm_buttons());
            (Some(Intake::Confirm { order, reason, details, resolution, unclear: unclear + 1 }), vec![effect])
        }
    }
}
