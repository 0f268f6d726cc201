//! What enters the engine (`Inbound`) and what leaves it (`Outbound`), in the shape of the
//! JSON-lines adapter (CONTRACTS section 4); every adapter maps its platform onto these.

pub use crate::domain::ButtonStyle;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Inbound {
    /// A direct message to the bot, or with `to` (`thread:<case>`) a message written in a
    /// case's staff thread. `roles` as for clicks; `name` is how the person is shown (their
    /// display name), where the platform tells it.
    Message {
        user: String,
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        to: Option<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        roles: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        /// The platform's id of this message (a Discord message id, Slack's `channel:ts`),
        /// where it has one: a note written in a thread is marked on it (`Outbound::Mark`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        written: Option<String>,
    },
    /// A button of an earlier send. `roles`: the platform roles of the person, where the
    /// platform tells them (Discord members); `[roles]` may name role ids as well as user ids.
    Click {
        user: String,
        button: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        roles: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
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
    /// The platform refused to deliver a message the bot sent (the customer closed their DMs):
    /// reported to staff once, never retried.
    Refused { message: String, error: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct ButtonOut {
    pub id: String,
    /// A `ButtonAction`, written.
    pub action: String,
    pub label: String,
    /// How prominent the platform should draw it; chosen by the engine from the action
    /// (`ButtonAction::style`).
    #[serde(default)]
    pub style: ButtonStyle,
}

/// A file sent with a message (the weekly digest's chart).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Attachment {
    /// The file name people see, e.g. `refunds-by-reason-2026-11-16.png`.
    pub name: String,
    pub content_type: String,
    /// Its size in bytes.
    pub size: usize,
    /// The bytes, base64. Kept in the outbox so a delivery after a restart has them; left out
    /// where the action is shown rather than delivered (jsonl prints name and size).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub data: String,
}

impl Attachment {
    pub fn new(name: impl Into<String>, content_type: impl Into<String>, bytes: &[u8]) -> Attachment {
        use base64::Engine as _;
        Attachment {
            name: name.into(),
            content_type: content_type.into(),
            size: bytes.len(),
            data: base64::engine::general_purpose::STANDARD.encode(bytes),
        }
    }

    /// The file's bytes.
    pub fn bytes(&self) -> anyhow::Result<Vec<u8>> {
        use base64::Engine as _;
        Ok(base64::engine::general_purpose::STANDARD.decode(&self.data)?)
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
        /// A file posted with the message (boxed: it is rare, and every other action would
        /// otherwise be as large).
        #[serde(skip_serializing_if = "Option::is_none", default)]
        attachment: Option<Box<Attachment>>,
        /// A note to one person about what they wrote in this place (`thread:<case>`: someone
        /// who is not an agent writing there): shown to them alone in that thread where the
        /// platform can (Slack's ephemeral messages), else sent as the direct message `to` is.
        #[serde(skip_serializing_if = "Option::is_none", default)]
        privately_in: Option<String>,
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
    /// Reacts on a message someone wrote in `to` (a case's thread), named by the platform's
    /// id of it (`Inbound::Message::written`): an agent's note is marked 📝.
    Mark {
        to: String,
        written: String,
        emoji: String,
    },
}

impl Outbound {
    /// The action as a person or a script reads it: an attachment by its name and size, without
    /// its bytes.
    pub fn shown(mut self) -> Outbound {
        if let Outbound::Send { attachment: Some(attachment), .. } = &mut self {
            attachment.data.clear();
        }
        self
    }
}

impl Inbound {
    /// Who acts, for every event but a tick.
    pub fn user(&self) -> Option<&str> {
        match self {
            Inbound::Message { user, .. }
            | Inbound::Click { user, .. }
            | Inbound::Submit { user, .. }
            | Inbound::React { user, .. } => Some(user),
            Inbound::Tick { .. } | Inbound::Refused { .. } => None,
        }
    }

    /// The platform roles the acting person has, as the event tells them.
    pub fn roles(&self) -> &[String] {
        match self {
            Inbound::Message { roles, .. }
            | Inbound::Click { roles, .. }
            | Inbound::Submit { roles, .. }
            | Inbound::React { roles, .. } => roles,
            Inbound::Tick { .. } | Inbound::Refused { .. } => &[],
        }
    }
}

impl Inbound {
    /// A direct message to the bot from `user`.
    pub fn dm(user: impl Into<String>, text: impl Into<String>) -> Inbound {
        Inbound::Message {
            user: user.into(),
            text: text.into(),
            to: None,
            roles: Vec::new(),
            name: None,
            written: None,
        }
    }

    /// How the acting person is shown, where the event says.
    pub fn name(&self) -> Option<&str> {
        match self {
            Inbound::Message { name, .. } | Inbound::Click { name, .. } => name.as_deref(),
            _ => None,
        }
    }
}

pub const APPROVE_EMOJI: &str = "✅";
pub const DENY_EMOJI: &str = "❌";
