//! Discord's 403 50013 "Missing Permissions": which permission a refused call needed, what the
//! bot does without it, and the managers told once per channel and permission (again after the
//! permission worked in between).

use super::Discord;
use crate::domain::Platform;
use crate::replies::Reply;
use serenity::all::{ChannelId, Permissions};
use std::time::{Duration, Instant};

/// Discord's JSON error code for a call the bot's permissions in that channel do not allow.
const MISSING_PERMISSIONS: isize = 50013;

/// How long a channel that refused an embed gets plain cards before embeds are tried again
/// (the seller may grant the permission meanwhile).
const PLAIN_FOR: Duration = Duration::from_secs(600);

/// Whether Discord refused a call for a permission the bot lacks in the channel. The answer
/// never says which one: the call that was refused tells it.
pub fn is_missing_permissions(error: &serenity::Error) -> bool {
    use serenity::all::HttpError;
    matches!(error, serenity::Error::Http(HttpError::UnsuccessfulRequest(response))
        if response.error.code == MISSING_PERMISSIONS)
}

/// What the bot does while it lacks a permission, as the managers' notice says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Case cards go out as plain text instead of embeds (Embed Links).
    PlainText,
    /// Escalations go out without the bot's ✅ / ❌ (Add Reactions).
    NoReactions,
    /// A non-manager's ✅ / ❌ is not taken away (Manage Messages).
    ReactionsStay,
    /// Nothing can be posted there; the outbox retries, then keeps a dead letter (Send Messages).
    NotPosted,
}

impl Effect {
    fn code(self) -> &'static str {
        match self {
            Effect::PlainText => "plain_text",
            Effect::NoReactions => "no_reactions",
            Effect::ReactionsStay => "reactions_stay",
            Effect::NotPosted => "not_posted",
        }
    }
}

impl Discord {
    /// Whether staff posts in `channel` may be embeds: not while a refused embed is recent.
    pub(super) fn embeds_allowed(&self, channel: ChannelId) -> bool {
        let plain = self.plain_channels.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        plain.get(&channel).is_none_or(|since| since.elapsed() >= PLAIN_FOR)
    }

    fn post_plain_in(&self, channel: ChannelId) {
        self.plain_channels.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).insert(channel, Instant::now());
    }

    /// The bot lacks `permission` in `channel`: logged every time, the managers told once (a
    /// failure to tell them is logged, never a reason to fail the delivery that found it).
    pub(super) async fn missing(&self, channel: ChannelId, permission: Permissions, effect: Effect) {
        if effect == Effect::PlainText {
            self.post_plain_in(channel);
        }
        let name = permission.get_permission_names().join(", ");
        tracing::warn!(%channel, permission = %name, "Discord refused a call: the bot lacks a permission in this channel");
        let channel_id = channel.to_string();
        let role = if channel_id == self.config.agents_channel_id {
            "agents"
        } else if channel_id == self.config.managers_channel_id {
            "managers"
        } else {
            "other"
        };
        let reply = Reply::ManagerPermissionMissing {
            permission: name,
            channel: role.into(),
            channel_id: channel_id.clone(),
            effect: effect.code().into(),
        };
        let key = permission.get_permission_names().join(", ");
        let told =
            self.app.engine.warn_managers_once(Platform::Discord, &channel_id, &key, &reply, chrono::Utc::now()).await;
        match told {
            Ok(_) => {
                if let Some(warned) = self.warned.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).as_mut() {
                    warned.insert((channel_id, key));
                }
            }
            Err(error) => tracing::error!(%error, "telling the managers about a missing permission failed"),
        }
    }

    /// A call that needed `permissions` in `channel` went through: a note that one of them was
    /// missing there is cleared, so that losing it again is told again. A database call only
    /// when such a note is on record (another replica's newer note is seen after a restart).
    pub(super) async fn works(&self, channel: ChannelId, permissions: Permissions) {
        for permission in permissions.iter() {
            let key = (channel.to_string(), permission.get_permission_names().join(", "));
            if !self.is_warned(&key).await {
                continue;
            }
            match self.app.engine.store().clear_warning(Platform::Discord, &key.0, &key.1).await {
                Ok(_) => {
                    tracing::info!(%channel, permission = %key.1, "a permission the bot lacked works again");
                    if let Some(warned) = self.warned.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).as_mut() {
                        warned.remove(&key);
                    }
                }
                Err(error) => tracing::error!(%error, "clearing a missing-permission note failed"),
            }
        }
    }

    async fn is_warned(&self, key: &(String, String)) -> bool {
        if let Some(warned) = self.warned.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).as_ref() {
            return warned.contains(key);
        }
        match self.app.engine.store().warnings(Platform::Discord).await {
            Ok(on_record) => {
                let warned: std::collections::HashSet<_> = on_record.into_iter().collect();
                let found = warned.contains(key);
                *self.warned.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(warned);
                found
            }
            Err(error) => {
                tracing::error!(%error, "reading the missing-permission notes failed");
                false
            }
        }
    }
}
