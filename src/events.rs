//! What enters the engine (`Inbound`) and what leaves it (`Outbound`), in the shape of the
//! JSON-lines adapter (CONTRACTS section 4); every adapter maps its platform onto these.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Inbound {
    /// A direct message to the bot.
    Message { user: String, text: String },
    /// A button of an earlier send. `roles`: the platform roles of the person, where the
    /// platform tells them (Discord members); `[roles]` may name role ids as well as user ids.
    Click {
        user: String,
        button: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        roles: Vec<String>,
    },
    /// A form behind a button (the edit of a draft).
    Submit {
        user: String,
        button: String,
        text: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        roles: Vec<String>,
    },
    /// A reaction on a sent message.
    React {
        user: String,
        message: String,
        emoji: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        roles: Vec<String>,
    },
    /// Moves the clock and runs what is due.
    Tick { advance_secs: u64 },
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct ButtonOut {
    pub id: String,
    pub action: String,
    pub label: String,
    /// How prominent the platform should draw it; chosen by the engine from the action.
    #[serde(default)]
    pub style: ButtonStyle,
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

impl ButtonStyle {
    /// The look of a button with this action.
    pub fn for_action(action: &str) -> ButtonStyle {
        match action {
            "approve" | "confirm" | "mark_refunded" => ButtonStyle::Success,
            "reject" => ButtonStyle::Danger,
            "cancel" | "feedback_skip" => ButtonStyle::Secondary,
            _ => ButtonStyle::Primary,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outbound {
    Send {
        id: String,
        to: String,
        case: Option<i64>,
        text: String,
        #[serde(skip_serializing_if = "Option::is_none", default)]
        expects: Option<String>,
        buttons: Vec<ButtonOut>,
        mentions: Vec<String>,
        reactions: Vec<String>,
    },
    Edit {
        id: String,
        text: String,
        buttons: Vec<ButtonOut>,
    },
    React {
        message: String,
        emoji: String,
    },
    /// Takes away someone else's reaction (a refused decision), where the platform can.
    Unreact {
        message: String,
        user: String,
        emoji: String,
    },
}

impl Inbound {
    /// Who acts, for every event but a tick.
    pub fn user(&self) -> Option<&str> {
        match self {
            Inbound::Message { user, .. }
            | Inbound::Click { user, .. }
            | Inbound::Submit { user, .. }
            | Inbound::React { user, .. } => Some(user),
            Inbound::Tick { .. } => None,
        }
    }

    /// The platform roles the acting person has, as the event tells them.
    pub fn roles(&self) -> &[String] {
        match self {
            Inbound::Click { roles, .. } | Inbound::Submit { roles, .. } | Inbound::React { roles, .. } => roles,
            _ => &[],
        }
    }
}

pub const APPROVE_EMOJI: &str = "✅";
pub const DENY_EMOJI: &str = "❌";
