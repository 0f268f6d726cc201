//! What a button does, as the platforms see it in `action`, and how prominent it is drawn.

use super::code::{codes, UnknownCode};
use super::{OrderId, Reason, Resolution};
use serde::{Deserialize, Serialize};
use std::fmt;

/// What a button does, written as the platforms see it in `action` (`reason:technical_issue`,
/// `confirm`, `feedback:4`, `approve`); read back once, where its row is read.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ButtonAction {
    /// A customer's answer to the intake, or an alternative offered after a denial.
    Choice(Choice),
    /// A customer's feedback score.
    Feedback(Score),
    /// The customer has nothing to add to their score.
    FeedbackSkip,
    /// Staff deciding a draft or marking a refund.
    Agent(AgentAction),
    /// Managers deciding an escalation or an incident (the fallback to ✅ / ❌).
    Manager(ManagerAction),
    /// A customer whose case waits asks about something else: a new case.
    NewRequest,
    /// A customer's question was answered (no case was opened for it).
    Answered,
}

/// A button press a customer can make during the intake (a resolution is also how a customer
/// takes an alternative offered after a denial).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Choice {
    Reason(Reason),
    Resolution(Resolution),
    Order(OrderId),
    Confirm,
    Cancel,
}

codes! {
    /// What staff do with a button.
    pub enum AgentAction ("agent action") {
        /// Approve a draft as it was decided.
        Approve => "approve",
        /// Approve an agent's reply without the refund its draft carried.
        ApproveNoRefund => "approve_no_refund",
        /// Approve an agent's reply with a refund of what is left of the order.
        ApproveFullRefund => "approve_full_refund",
        /// Edit a draft, or write the reply (the button opens a form).
        Edit => "edit",
        Reject => "reject",
        MarkRefunded => "mark_refunded",
        /// People talk to the customer from the case's thread; the bot stops answering them.
        TakeOver => "take_over",
        /// The bot carries on where the case stands.
        HandBack => "hand_back",
        /// The conversation ends; the customer's next message starts a new request.
        Close => "close",
        /// Approve every waiting draft of an incident managers approved.
        ApproveIncident => "approve_incident",
    }
}

codes! {
    /// What managers do with a button: the same decision as reacting ✅ or ❌.
    pub enum ManagerAction ("manager action") {
        ApproveException => "approve_exception",
        DenyException => "deny_exception",
    }
}

impl ManagerAction {
    /// Whether the decision approves (✅) rather than denies (❌).
    pub fn approves(self) -> bool {
        self == ManagerAction::ApproveException
    }
}

/// A feedback score, 1 to 5 stars.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Score(u8);

impl Score {
    pub fn new(stars: u8) -> Option<Score> {
        (1..=5).contains(&stars).then_some(Score(stars))
    }

    /// Every score, lowest first.
    pub fn all() -> impl Iterator<Item = Score> {
        (1..=5).map(Score)
    }

    pub fn stars(self) -> u8 {
        self.0
    }
}

impl fmt::Display for Score {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl ButtonAction {
    /// The action written `written`, if it is one.
    pub fn parse(written: &str) -> Option<ButtonAction> {
        let choice = |choice| Some(ButtonAction::Choice(choice));
        match written.trim().split_once(':') {
            Some(("reason", code)) => choice(Choice::Reason(Reason::parse(code)?)),
            Some(("resolution", code)) => choice(Choice::Resolution(Resolution::parse(code)?)),
            Some(("order", id)) => choice(Choice::Order(OrderId::parse(id)?)),
            Some(("feedback", stars)) => stars.parse().ok().and_then(Score::new).map(ButtonAction::Feedback),
            Some(_) => None,
            None => match written.trim() {
                "confirm" => choice(Choice::Confirm),
                "cancel" => choice(Choice::Cancel),
                "feedback_skip" => Some(ButtonAction::FeedbackSkip),
                "new_request" => Some(ButtonAction::NewRequest),
                "answered" => Some(ButtonAction::Answered),
                staff => AgentAction::parse(staff)
                    .map(ButtonAction::Agent)
                    .or_else(|| ManagerAction::parse(staff).map(ButtonAction::Manager)),
            },
        }
    }

    /// Like `parse`, with an error that names the value.
    pub fn read(written: &str) -> Result<ButtonAction, UnknownCode> {
        ButtonAction::parse(written).ok_or_else(|| UnknownCode { kind: "button action", value: written.to_string() })
    }

    /// The staff action, for a staff button.
    pub fn agent(&self) -> Option<AgentAction> {
        match self {
            ButtonAction::Agent(action) => Some(*action),
            ButtonAction::Choice(_)
            | ButtonAction::Feedback(_)
            | ButtonAction::FeedbackSkip
            | ButtonAction::NewRequest
            | ButtonAction::Answered
            | ButtonAction::Manager(_) => None,
        }
    }

    /// How prominent the platform should draw the button.
    pub fn style(&self) -> ButtonStyle {
        match self {
            ButtonAction::Agent(AgentAction::Approve | AgentAction::MarkRefunded | AgentAction::ApproveIncident)
            | ButtonAction::Choice(Choice::Confirm)
            | ButtonAction::Manager(ManagerAction::ApproveException) => ButtonStyle::Success,
            ButtonAction::Agent(AgentAction::Reject | AgentAction::Close)
            | ButtonAction::Manager(ManagerAction::DenyException) => ButtonStyle::Danger,
            ButtonAction::Choice(Choice::Cancel)
            | ButtonAction::FeedbackSkip
            | ButtonAction::Answered
            | ButtonAction::Agent(AgentAction::HandBack) => ButtonStyle::Secondary,
            ButtonAction::Agent(
                AgentAction::ApproveNoRefund
                | AgentAction::ApproveFullRefund
                | AgentAction::Edit
                | AgentAction::TakeOver,
            )
            | ButtonAction::Choice(Choice::Reason(_) | Choice::Resolution(_) | Choice::Order(_))
            | ButtonAction::Feedback(_)
            | ButtonAction::NewRequest => ButtonStyle::Primary,
        }
    }
}

impl From<Choice> for ButtonAction {
    fn from(choice: Choice) -> ButtonAction {
        ButtonAction::Choice(choice)
    }
}

impl From<AgentAction> for ButtonAction {
    fn from(action: AgentAction) -> ButtonAction {
        ButtonAction::Agent(action)
    }
}

impl From<ManagerAction> for ButtonAction {
    fn from(action: ManagerAction) -> ButtonAction {
        ButtonAction::Manager(action)
    }
}

impl fmt::Display for ButtonAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ButtonAction::Choice(Choice::Reason(reason)) => write!(f, "reason:{reason}"),
            ButtonAction::Choice(Choice::Resolution(resolution)) => write!(f, "resolution:{resolution}"),
            ButtonAction::Choice(Choice::Order(order)) => write!(f, "order:{order}"),
            ButtonAction::Choice(Choice::Confirm) => f.write_str("confirm"),
            ButtonAction::Choice(Choice::Cancel) => f.write_str("cancel"),
            ButtonAction::Feedback(score) => write!(f, "feedback:{score}"),
            ButtonAction::FeedbackSkip => f.write_str("feedback_skip"),
            ButtonAction::NewRequest => f.write_str("new_request"),
            ButtonAction::Answered => f.write_str("answered"),
            ButtonAction::Agent(action) => f.write_str(action.code()),
            ButtonAction::Manager(action) => f.write_str(action.code()),
        }
    }
}

/// A button's look, as a hint: platforms map it onto what they have.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ButtonStyle {
    /// The expected next step.
    #[default]
    Primary,
    /// A way out (cancel, skip).
    Secondary,
    /// Goes ahead with money or a decision (approve, confirm, mark refunded).
    Success,
    /// Discards something (reject).
    Danger,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn button_actions_read_back_as_written_with_the_same_styles() {
        let table = [
            ("reason:technical_issue", ButtonStyle::Primary),
            ("resolution:store_credit", ButtonStyle::Primary),
            ("order:ORD-1001", ButtonStyle::Primary),
            ("confirm", ButtonStyle::Success),
            ("cancel", ButtonStyle::Secondary),
            ("feedback:1", ButtonStyle::Primary),
            ("feedback:5", ButtonStyle::Primary),
            ("feedback_skip", ButtonStyle::Secondary),
            ("approve", ButtonStyle::Success),
            ("approve_no_refund", ButtonStyle::Primary),
            ("approve_full_refund", ButtonStyle::Primary),
            ("edit", ButtonStyle::Primary),
            ("reject", ButtonStyle::Danger),
            ("mark_refunded", ButtonStyle::Success),
            ("take_over", ButtonStyle::Primary),
            ("hand_back", ButtonStyle::Secondary),
            ("close", ButtonStyle::Danger),
            ("new_request", ButtonStyle::Primary),
            ("answered", ButtonStyle::Secondary),
            ("approve_exception", ButtonStyle::Success),
            ("deny_exception", ButtonStyle::Danger),
        ];
        for (written, style) in table {
            let action = ButtonAction::read(written).unwrap();
            assert_eq!(action.to_string(), written);
            assert_eq!(action.style(), style, "{written}");
        }
        assert_eq!(ButtonAction::parse("feedback:4"), Some(ButtonAction::Feedback(Score::new(4).unwrap())));
        assert_eq!(ButtonAction::parse("approve"), Some(ButtonAction::Agent(AgentAction::Approve)));
        let deny = ButtonAction::Manager(ManagerAction::DenyException);
        assert_eq!(ButtonAction::parse("deny_exception"), Some(deny));
        for bad in ["reason:bogus", "resolution:", "order:", "feedback:0", "feedback:6", "feedback:x", "memo", "x:y"] {
            assert_eq!(ButtonAction::parse(bad), None, "{bad}");
        }
        assert_eq!(ButtonAction::read("memo").unwrap_err().to_string(), "unknown button action `memo`");
        assert_eq!(Score::all().map(Score::stars).collect::<Vec<_>>(), [1, 2, 3, 4, 5]);
    }
}
