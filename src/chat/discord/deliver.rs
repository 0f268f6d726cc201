//! The engine's outbound actions as Discord REST calls: messages with buttons and a stable
//! `nonce`, edits, reactions; customer text never pings (`allowed_mentions` is explicit).

use super::{Discord, PLATFORM};
use crate::chat::split_text;
use crate::domain::{Address, MessageId as OurMessageId, Platform};
use crate::events::{ButtonOut, ButtonStyle, Outbound};
use anyhow::{anyhow, Context as _};
use serde_json::{json, Value};
use serenity::all::{ChannelId, MessageId, ReactionType, UserId};
use std::time::{Duration, Instant};

/// Discord's limit for a message's content.
pub const MAX_CONTENT: usize = 2000;
/// Discord's limit for an embed's description.
pub const MAX_EMBED: usize = 4096;
/// The colour of staff posts' embeds (a calm blue).
const EMBED_COLOUR: u32 = 0x3B82F6;

/// One piece of a post: customers get plain messages; staff channels get an embed (the case
/// card) with any role ping in the content, where Discord pings from.
fn piece_body(piece: String, staff: bool, prefix: &str) -> Value {
    if staff {
        json!({"content": prefix.trim_end(), "embeds": [{"description": piece, "color": EMBED_COLOUR}]})
    } else {
        json!({"content": format!("{prefix}{piece}")})
    }
}

/// A global cap on REST calls (Discord allows 50 a second per bot; serenity has no global
/// throttle of its own, and with a proxy its limiter is off entirely).
pub struct RateCap {
    spacing: Duration,
    next: std::sync::Mutex<Instant>,
}

impl RateCap {
    pub fn per_second(calls: u32) -> RateCap {
        RateCap { spacing: Duration::from_secs(1) / calls.max(1), next: std::sync::Mutex::new(Instant::now()) }
    }

    pub async fn wait(&self) {
        let slot = {
            let mut next = self.next.lock().expect("rate cap lock");
            let slot = (*next).max(Instant::now());
            *next = slot + self.spacing;
            slot
        };
        tokio::time::sleep_until(slot.into()).await;
    }
}

fn snowflake(raw: &str) -> anyhow::Result<u64> {
    raw.parse::<u64>().map_err(|_| anyhow!("`{raw}` is not a Discord id"))
}

/// Discord's button styles for the engine's hints.
fn button_style(style: ButtonStyle) -> u8 {
    match style {
        ButtonStyle::Primary => 1,
        ButtonStyle::Secondary => 2,
        ButtonStyle::Success => 3,
        ButtonStyle::Danger => 4,
    }
}

/// Buttons in rows of five, at most five rows (Discord's limits).
pub fn components(buttons: &[ButtonOut]) -> Value {
    let rows: Vec<Value> = buttons
        .chunks(5)
        .take(5)
        .map(|row| {
            let row: Vec<Value> = row
                .iter()
                .map(|b| {
                    let label: String = b.label.chars().take(80).collect();
                    json!({"type": 2, "style": button_style(b.style), "label": label, "custom_id": b.id})
                })
                .collect();
            json!({"type": 1, "components": row})
        })
        .collect();
    Value::Array(rows)
}

impl Discord {
    async fn channel_for(&self, to: &str) -> anyhow::Result<ChannelId> {
        let raw = match Address::parse(to) {
            Some(Address::Agents) => &self.config.agents_channel_id,
            Some(Address::Managers) => &self.config.managers_channel_id,
            Some(Address::Dm(user)) if user.platform() == Platform::Discord => {
                return self.dm_channel(user.platform_id()).await
            }
            _ => anyhow::bail!("{to} is not a destination on Discord"),
        };
        Ok(ChannelId::new(snowflake(raw)?))
    }

    /// A customer's DM channel seen on one of their messages, so the reply needs no REST call.
    pub(super) fn remember_dm_channel(&self, user: &str, channel: ChannelId) {
        self.dm_channels.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).insert(user.to_string(), channel);
    }

    fn seen_dm_channel(&self, user: &str) -> Option<ChannelId> {
        self.dm_channels.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).get(user).copied()
    }

    /// The DM channel to a customer: seen on their message, saved earlier, or opened now.
    async fn dm_channel(&self, user: &str) -> anyhow::Result<ChannelId> {
        if let Some(channel) = self.seen_dm_channel(user) {
            return Ok(channel);
        }
        let store = self.app.engine.store();
        if let Some(channel) = store.dm_channel(PLATFORM, user).await? {
            let channel = ChannelId::new(snowflake(&channel)?);
            self.remember_dm_channel(user, channel);
            return Ok(channel);
        }
        self.cap.wait().await;
        let channel =
            self.http.create_private_channel(&json!({"recipient_id": user})).await.context("opening a DM channel")?;
        store.save_dm_channel(PLATFORM, user, &channel.id.to_string()).await?;
        self.remember_dm_channel(user, channel.id);
        Ok(channel.id)
    }

    /// The role pings a post asks for; everything else, customer text included, pings no one.
    fn pings(&self, mentions: &[String]) -> (String, Value) {
        let roles: Vec<String> = mentions
            .iter()
            .filter_map(|m| match m.as_str() {
                "role:managers" => self.config.manager_role_id.clone(),
                "role:agents" => self.config.agent_role_id.clone(),
                _ => None,
            })
            .collect();
        let prefix: String = roles.iter().map(|r| format!("<@&{r}> ")).collect();
        (prefix, json!({"parse": [], "roles": roles}))
    }

    async fn located(&self, message: &str) -> anyhow::Result<Option<(ChannelId, MessageId)>> {
        let ours = OurMessageId::parse(message).ok_or_else(|| anyhow!("bad message id {message}"))?;
        let Some((channel, id)) = self.app.engine.store().platform_message(ours, PLATFORM).await? else {
            return Ok(None);
        };
        Ok(Some((ChannelId::new(snowflake(&channel)?), MessageId::new(snowflake(&id)?))))
    }
}

pub async fn deliver(shared: &Discord, action: Outbound) -> anyhow::Result<()> {
    let http = &shared.http;
    match action {
        Outbound::Send { id, to, text, buttons, mentions, reactions, .. } => {
            let channel = shared.channel_for(&to).await?;
            let (prefix, allowed) = shared.pings(&mentions);
            let staff = to.starts_with("channel:");
            let limit = if staff { MAX_EMBED } else { MAX_CONTENT - prefix.chars().count() };
            let pieces = split_text(&text, limit);
            let last = pieces.len() - 1;
            let mut posted = None;
            for (index, piece) in pieces.into_iter().enumerate() {
                // The stable outbox id is the nonce: a resend after a crash returns the first post.
                let nonce = if index == last { id.clone() } else { format!("{id}.{index}") };
                let mut body = piece_body(piece, staff, if index == 0 { &prefix } else { "" });
                body["allowed_mentions"] = allowed.clone();
                body["nonce"] = json!(nonce);
                body["enforce_nonce"] = json!(true);
                if index == last {
                    body["components"] = components(&buttons);
                }
                shared.cap.wait().await;
                posted = Some(
                    http.send_message(channel, vec![], &body).await.with_context(|| format!("posting {id} to {to}"))?,
                );
            }
            let posted = posted.expect("at least one piece");
            let ours = OurMessageId::parse(&id).ok_or_else(|| anyhow!("bad message id {id}"))?;
            let store = shared.app.engine.store();
            store.record_platform_message(ours, PLATFORM, &channel.to_string(), &posted.id.to_string()).await?;
            for emoji in reactions {
                shared.cap.wait().await;
                http.create_reaction(channel, posted.id, &ReactionType::Unicode(emoji))
                    .await
                    .context("adding a reaction")?;
            }
            Ok(())
        }
        Outbound::Edit { id, text, buttons } => {
            let Some((channel, message)) = shared.located(&id).await? else {
                tracing::warn!(message = %id, "edit of a message Discord never got; skipped");
                return Ok(());
            };
            let staff = [&shared.config.agents_channel_id, &shared.config.managers_channel_id]
                .iter()
                .any(|c| c.as_str() == channel.to_string());
            let text: String = text.chars().take(if staff { MAX_EMBED } else { MAX_CONTENT }).collect();
            let mut body = piece_body(text, staff, "");
            if staff {
                // Keep the role ping line of an escalation as it was; only the card changes.
                body.as_object_mut().expect("object").remove("content");
            }
            body["components"] = components(&buttons);
            body["allowed_mentions"] = json!({"parse": []});
            shared.cap.wait().await;
            http.edit_message(channel, message, &body, vec![]).await.context("editing a message")?;
            Ok(())
        }
        Outbound::React { message, emoji } => {
            let Some((channel, id)) = shared.located(&message).await? else {
                return Ok(());
            };
            shared.cap.wait().await;
            http.create_reaction(channel, id, &ReactionType::Unicode(emoji)).await.context("reacting")?;
            Ok(())
        }
        Outbound::Unreact { message, user, emoji } => {
            let Some((channel, id)) = shared.located(&message).await? else {
                return Ok(());
            };
            shared.cap.wait().await;
            let user = UserId::new(snowflake(&user)?);
            http.delete_reaction(channel, id, user, &ReactionType::Unicode(emoji))
                .await
                .context("removing a reaction")?;
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_at_lines_and_hard_at_the_limit() {
        assert_eq!(split_text("short", 10), vec!["short"]);
        assert_eq!(split_text("aaaa\nbbbb\ncc", 10), vec!["aaaa\nbbbb\n", "cc"]);
        assert_eq!(split_text(&"x".repeat(25), 10), vec!["x".repeat(10), "x".repeat(10), "x".repeat(5)]);
        assert!(split_text(&"é".repeat(4500), 2000).iter().all(|p| p.chars().count() <= 2000));
    }
}
