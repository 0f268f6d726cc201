//! The engine's outbound actions as Discord REST calls: messages with buttons and a stable
//! `nonce`, edits, reactions; customer text never pings (`allowed_mentions` is explicit).

use super::permission::{is_missing_permissions, Effect};
use super::threads::{self, describe};
use super::{Discord, PLATFORM};
use crate::chat::split_text;
use crate::domain::{Address, MessageId as OurMessageId, Platform};
use crate::events::{Attachment, ButtonOut, ButtonStyle, Outbound};
use anyhow::{anyhow, Context as _};
use serde_json::{json, Value};
use serenity::all::{ChannelId, CreateAttachment, Message, MessageId, Permissions, ReactionType, UserId};
use std::time::{Duration, Instant};

/// Discord's limit for a message's content.
pub const MAX_CONTENT: usize = 2000;
/// Discord's limit for an embed's description.
pub const MAX_EMBED: usize = 4096;
/// The colour of staff posts' embeds (a calm blue).
const EMBED_COLOUR: u32 = 0x3B82F6;

/// One piece of a post: customers get plain messages; staff channels get an embed (the case
/// card) with any role ping in the content, where Discord pings from, unless the bot may not
/// embed there.
fn piece_body(piece: String, embed: bool, prefix: &str) -> Value {
    if embed {
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
            Some(Address::Thread(case)) => return self.thread_channel(case).await,
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
    pub(super) async fn dm_channel(&self, user: &str) -> anyhow::Result<ChannelId> {
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

/// A post to refuse or to make, piece by piece: what `post` needs besides the channel.
struct Post<'a> {
    id: &'a str,
    to: &'a str,
    text: &'a str,
    buttons: &'a [ButtonOut],
    prefix: &'a str,
    allowed: &'a Value,
    /// A file uploaded with the last piece (multipart), e.g. the digest's chart.
    attachment: Option<&'a Attachment>,
}

/// Why a post did not go out.
enum Refused {
    /// 50013: the bot lacks a permission in the channel (which one depends on what was sent).
    Permission,
    /// 50007: the customer cannot be messaged (DMs closed, no shared server); for good.
    Recipient(String),
    Other(anyhow::Error),
}

/// Posts `post` in pieces (embeds when `embed`), the last one with the buttons; returns the last
/// piece. The stable outbox id is the nonce: a resend after a crash returns the first post.
async fn post(shared: &Discord, channel: ChannelId, post: &Post<'_>, embed: bool) -> Result<Message, Refused> {
    let limit = if embed { MAX_EMBED } else { MAX_CONTENT - post.prefix.chars().count() };
    let pieces = split_text(post.text, limit);
    let last = pieces.len() - 1;
    let mut posted = None;
    for (index, piece) in pieces.into_iter().enumerate() {
        let nonce = if index == last { post.id.to_string() } else { format!("{}.{index}", post.id) };
        let mut body = piece_body(piece, embed, if index == 0 { post.prefix } else { "" });
        body["allowed_mentions"] = post.allowed.clone();
        body["nonce"] = json!(nonce);
        body["enforce_nonce"] = json!(true);
        let mut files = Vec::new();
        if index == last {
            body["components"] = components(post.buttons);
            if let Some(file) = post.attachment {
                let bytes = file.bytes().map_err(|e| Refused::Other(e.context("the attachment's bytes")))?;
                files.push(CreateAttachment::bytes(bytes, file.name.clone()));
            }
        }
        shared.cap.wait().await;
        match shared.http.send_message(channel, files, &body).await {
            Ok(message) => posted = Some(message),
            Err(error) if is_missing_permissions(&error) => return Err(Refused::Permission),
            Err(error) if threads::cannot_message_user(&error) => return Err(Refused::Recipient(describe(&error))),
            Err(error) => {
                return Err(Refused::Other(
                    anyhow::Error::new(error).context(format!("posting {} to {}", post.id, post.to)),
                ))
            }
        }
    }
    Ok(posted.expect("at least one piece"))
}

pub async fn deliver(shared: &Discord, action: Outbound) -> anyhow::Result<()> {
    let http = &shared.http;
    match action {
        Outbound::Send { id, to, text, buttons, mentions, reactions, attachment, .. } => {
            let channel = shared.channel_for(&to).await?;
            let (prefix, allowed) = shared.pings(&mentions);
            let staff = to.starts_with("channel:") || to.starts_with("thread:");
            let request = Post {
                id: &id,
                to: &to,
                text: &text,
                buttons: &buttons,
                prefix: &prefix,
                allowed: &allowed,
                attachment: attachment.as_deref(),
            };
            let embed = staff && shared.embeds_allowed(channel);
            let mut outcome = post(shared, channel, &request, embed).await;
            let needed = if embed && outcome.is_ok() {
                Permissions::SEND_MESSAGES | Permissions::EMBED_LINKS
            } else {
                Permissions::SEND_MESSAGES
            };
            if embed && matches!(outcome, Err(Refused::Permission)) {
                // No Embed Links here: the card as plain text beats no card at all.
                shared.missing(channel, Permissions::EMBED_LINKS, Effect::PlainText).await;
                outcome = post(shared, channel, &request, false).await;
            }
            let posted = match outcome {
                Ok(posted) => posted,
                Err(Refused::Permission) => {
                    shared.missing(channel, Permissions::SEND_MESSAGES, Effect::NotPosted).await;
                    anyhow::bail!("posting {id} to {to}: Missing Permissions (Send Messages)")
                }
                // Not retried: the runner keeps it as refused and staff hear of it in the thread.
                Err(Refused::Recipient(reason)) => return Err(anyhow::Error::new(crate::runner::Refused { reason })),
                Err(Refused::Other(error)) => return Err(error),
            };
            shared.works(channel, needed).await;
            let ours = OurMessageId::parse(&id).ok_or_else(|| anyhow!("bad message id {id}"))?;
            let store = shared.app.engine.store();
            store.record_platform_message(ours, PLATFORM, &channel.to_string(), &posted.id.to_string()).await?;
            for emoji in reactions {
                shared.cap.wait().await;
                match http.create_reaction(channel, posted.id, &ReactionType::Unicode(emoji)).await {
                    Ok(()) => shared.works(channel, Permissions::ADD_REACTIONS).await,
                    // The post is out; retrying it would only fail the same way into a dead letter.
                    Err(error) if is_missing_permissions(&error) => {
                        shared.missing(channel, Permissions::ADD_REACTIONS, Effect::NoReactions).await;
                        break;
                    }
                    Err(error) => return Err(anyhow::Error::new(error).context("adding a reaction")),
                }
            }
            if let Some(Address::Thread(case)) = Address::parse(&to) {
                shared.archive_if_closed(case, channel).await;
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
                .any(|c| c.as_str() == channel.to_string())
                || shared.is_case_thread(channel).await;
            let embed = staff && shared.embeds_allowed(channel);
            let body = |embed: bool| {
                let text: String = text.chars().take(if embed { MAX_EMBED } else { MAX_CONTENT }).collect();
                let mut body = piece_body(text, embed, "");
                if embed {
                    // Keep the role ping line of an escalation as it was; only the card changes.
                    body.as_object_mut().expect("object").remove("content");
                } else if staff {
                    // A card that was an embed becomes plain text: the old embed goes.
                    body["embeds"] = json!([]);
                }
                body["components"] = components(&buttons);
                body["allowed_mentions"] = json!({"parse": []});
                body
            };
            shared.cap.wait().await;
            let mut edited = http.edit_message(channel, message, &body(embed), vec![]).await;
            if matches!(&edited, Err(error) if threads::is_archived(error)) {
                // An idle thread was archived: bring it back, then edit.
                shared.unarchive(channel).await?;
                shared.cap.wait().await;
                edited = http.edit_message(channel, message, &body(embed), vec![]).await;
            }
            match edited {
                Ok(_) if embed => {
                    shared.works(channel, Permissions::EMBED_LINKS).await;
                    Ok(())
                }
                Ok(_) => Ok(()),
                Err(error) if embed && is_missing_permissions(&error) => {
                    shared.missing(channel, Permissions::EMBED_LINKS, Effect::PlainText).await;
                    shared.cap.wait().await;
                    http.edit_message(channel, message, &body(false), vec![]).await.context("editing a message")?;
                    Ok(())
                }
                Err(error) => Err(anyhow::Error::new(error).context("editing a message")),
            }
        }
        Outbound::React { message, emoji } => {
            let Some((channel, id)) = shared.located(&message).await? else {
                return Ok(());
            };
            shared.cap.wait().await;
            match http.create_reaction(channel, id, &ReactionType::Unicode(emoji)).await {
                Ok(()) => {
                    shared.works(channel, Permissions::ADD_REACTIONS).await;
                    Ok(())
                }
                Err(error) if is_missing_permissions(&error) => {
                    shared.missing(channel, Permissions::ADD_REACTIONS, Effect::NoReactions).await;
                    Ok(())
                }
                done => done.context("reacting"),
            }
        }
        Outbound::Mark { to, written, emoji } => {
            let Some(Address::Thread(case)) = Address::parse(&to) else {
                anyhow::bail!("{to} is not a case thread on Discord")
            };
            let channel = shared.thread_channel(case).await?;
            shared.cap.wait().await;
            let id = MessageId::new(snowflake(&written)?);
            match http.create_reaction(channel, id, &ReactionType::Unicode(emoji)).await {
                Err(error) if is_missing_permissions(&error) => {
                    shared.missing(channel, Permissions::ADD_REACTIONS, Effect::NoReactions).await;
                    Ok(())
                }
                done => done.context("marking a message"),
            }
        }
        Outbound::Unreact { message, user, emoji } => {
            let Some((channel, id)) = shared.located(&message).await? else {
                return Ok(());
            };
            shared.cap.wait().await;
            let user = UserId::new(snowflake(&user)?);
            match http.delete_reaction(channel, id, user, &ReactionType::Unicode(emoji)).await {
                Ok(()) => {
                    shared.works(channel, Permissions::MANAGE_MESSAGES).await;
                    Ok(())
                }
                Err(error) if is_missing_permissions(&error) => {
                    shared.missing(channel, Permissions::MANAGE_MESSAGES, Effect::ReactionsStay).await;
                    Ok(())
                }
                done => done.context("removing a reaction"),
            }
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
