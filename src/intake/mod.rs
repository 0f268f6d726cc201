//! The customer conversation as a pure state machine: `(state, input) -> (state, effects)`.
//! Order look-ups are effects the engine performs and feeds back as `Input::Checked`.

mod prompts;
#[cfg(test)]
mod tests;
pub mod understand;

use prompts::*;

pub use crate::domain::{Choice, Intake, OrderBrief, Said};

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
    /// The customer kept sending the order id (or the email) without the other one.
    StillMissing,
}

impl HandOffWhy {
    pub fn code(self) -> &'static str {
        match self {
            HandOffWhy::NoMatch { .. } => "no_match",
            HandOffWhy::Unclear => "unclear",
            HandOffWhy::RecordsDown => "records_down",
            HandOffWhy::StillMissing => "still_missing",
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
        Intake::Identify { order_id, email, failures, unclear, said } => {
            let said = match &input {
                Input::Read(text, reading) => said_in(text, reading).or(said),
                _ => said,
            };
            if let Input::Checked(OrderCheck::Proven(order)) = input {
                return ask_reason(order, said);
            }
            carry(on_identify(order_id, email, failures, unclear, input), said)
        }
        Intake::ChooseOrder { email, candidates, unclear, said } => {
            carry(on_choose_order(email, candidates, unclear, input), said)
        }
        Intake::Reason { order, unclear, carried } => on_reason(order, unclear, carried, input),
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
            // Several orders in one message: which one this request is about is asked, not guessed.
            if reading.order_ids.len() > 1 {
                return which_order(reading.order_ids.clone(), found.email.or(email), failures, unclear);
            }
            // Text with neither an order id nor an email is unclear, whatever was given before.
            let understood = found != understand::Identity::default();
            // Only what the bot already has, sent again: a miss, or the same question forever.
            let repeated = understood
                && found.order_id.as_ref().is_none_or(|id| order_id.as_ref() == Some(id))
                && found.email.as_ref().is_none_or(|e| email.as_ref() == Some(e));
            let order_id = found.order_id.or(order_id);
            let email = found.email.or(email);
            if let (None, Some(suffix), Some(email)) = (&order_id, &reading.order_suffix, &email) {
                let state =
                    Intake::Identify { order_id: None, email: Some(email.clone()), failures, unclear, said: None };
                return (Some(state), vec![Effect::CheckSuffix { suffix: suffix.clone(), email: email.clone() }]);
            }
            match (order_id, email) {
                (Some(order_id), Some(email)) => check_pair(order_id, email, failures, unclear),
                _ if !understood && unclear + 1 >= MAX_FAILURES => hand_off(HandOffWhy::Unclear),
                (order_id, email) if repeated => missing_again(order_id, email, failures, unclear + 1),
                (Some(order_id), None) => {
                    let unclear = if understood { unclear } else { unclear + 1 };
                    ask_email(order_id, failures, unclear)
                }
                (None, Some(email)) => {
                    let unclear = if understood { unclear } else { unclear + 1 };
                    let state =
                        Intake::Identify { order_id: None, email: Some(email.clone()), failures, unclear, said: None };
                    (Some(state), vec![Effect::ListOrders { email }])
                }
                (None, None) => {
                    let state =
                        Intake::Identify { order_id: None, email: None, failures, unclear: unclear + 1, said: None };
                    let hint = "Please send your order id (it's in your receipt email) and the email you bought with.";
                    (Some(state), vec![not_understood(hint, Some("order_id"), vec![])])
                }
            }
        }
        // Handled by `step`, which knows what the customer said before.
        Input::Checked(OrderCheck::Proven(order)) => ask_reason(order, None),
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
            let state = Intake::Identify { order_id: None, email: None, failures, unclear: unclear + 1, said: None };
            (Some(state), vec![say(Reply::OrderCheckUnavailable {}, Some("order_id"), vec![])])
        }
        Input::Checked(OrderCheck::Candidates(candidates)) => match candidates.len() {
            0 => {
                let email_text = email.as_ref().map(|e| e.to_string()).unwrap_or_default();
                let reply = Reply::AskOrderId { email: email_text };
                (
                    Some(Intake::Identify { order_id, email, failures, unclear, said: None }),
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
                (
                    Some(Intake::ChooseOrder { email, candidates, unclear: 0, said: None }),
                    vec![say(reply, None, buttons)],
                )
            }
        },
        // One of the orders a message named, picked with its button.
        Input::Choice(Choice::Order(order_id)) => match email {
            Some(email) => check_pair(order_id, email, failures, unclear),
            None => ask_email(order_id, failures, unclear),
        },
        // Typed text arrives read (`step` reads it), so `Text` is never seen here.
        Input::Choice(_) | Input::Text(_) => {
            let state = Intake::Identify { order_id, email, failures, unclear, said: None };
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
    (Some(Intake::ChooseOrder { email, candidates, unclear: unclear + 1, said: None }), vec![effect])
}

fn on_reason(
    order: OrderBrief,
    unclear: u32,
    carried: Option<Said>,
    input: Input<'_>,
) -> (Option<Intake>, Vec<Effect>) {
    let suggested = carried.as_ref().and_then(|c| c.reason);
    let (reason, text, likeliest) = match input {
        Input::Choice(Choice::Reason(reason)) => (Some(reason), None, vec![]),
        // "Yes" to the reason the bot read from the first message.
        Input::Read(text, _) if suggested.is_some() && understand::is_yes(text) => (suggested, Some(text), vec![]),
        Input::Read(text, reading) => {
            let likeliest: Vec<Reason> = suggested
                .into_iter()
                .chain(reading.reason)
                .chain(reading.alternatives.iter().copied())
                .fold(vec![], |mut seen, r| {
                    if !seen.contains(&r) {
                        seen.push(r);
                    }
                    seen
                });
            // An unsure reading is asked about once, then taken.
            let taken = if reading.sure() || unclear >= 1 { reading.reason } else { None };
            (taken, Some(text), likeliest)
        }
        _ => (None, None, vec![]),
    };
    let details = carried.as_ref().and_then(|c| c.details.clone());
    match (reason, text) {
        (Some(reason), _) => match details {
            Some(details) => after_details(order, reason, details),
            None => ask_details(order, reason),
        },
        // A second unclear answer is taken as the explanation itself rather than asking again.
        (None, Some(text)) if unclear >= 1 && !text.trim().is_empty() => {
            ask_resolution(order, Reason::Other, text.trim().to_string())
        }
        _ => {
            let state = Intake::Reason { order, unclear: unclear + 1, carried };
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
    after_details(order, reason, details)
}

/// With the details known: help is offered first for something that doesn't work, else the
/// resolution is asked.
fn after_details(order: OrderBrief, reason: Reason, details: String) -> (Option<Intake>, Vec<Effect>) {
    if reason == Reason::TechnicalIssue {
        let reply = Reply::OfferSupport { product: order.product.clone() };
        let state = Intake::Support { order, reason, details, unclear: 0 };
        return (Some(state), vec![say(reply, None, support_buttons())]);
    }
    ask_resolution(order, reason, details)
}

/// What a message says before the bot asks for it: a reason the reader is sure of, and the
/// message itself as the details when it explains enough.
fn said_in(text: &str, reading: &Reading) -> Option<Said> {
    let reason = if reading.sure() { reading.reason } else { None };
    let details = reading.explains(text).then(|| text.trim().to_string());
    (reason.is_some() || details.is_some()).then_some(Said { reason, details })
}

/// Keeps what was said in the state that waits for the order.
fn carry((state, effects): (Option<Intake>, Vec<Effect>), said: Option<Said>) -> (Option<Intake>, Vec<Effect>) {
    let state = state.map(|state| match state {
        Intake::Identify { order_id, email, failures, unclear, said: None } => {
            Intake::Identify { order_id, email, failures, unclear, said: said.clone() }
        }
        Intake::ChooseOrder { email, candidates, unclear, said: None } => {
            Intake::ChooseOrder { email, candidates, unclear, said: said.clone() }
        }
        other => other,
    });
    (state, effects)
}

/// Remembers what a first message said when it named no order yet (the greeting asks for it).
pub fn remember(state: Intake, text: &str, reading: &Reading) -> Intake {
    match state {
        Intake::Identify { order_id, email, failures, unclear, said } => {
            Intake::Identify { order_id, email, failures, unclear, said: said_in(text, reading).or(said) }
        }
        other => other,
    }
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
