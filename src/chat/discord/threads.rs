//! Case threads on Discord: a public thread started from the case's card in the (private)
//! agents' channel, so the thread's id is the card's message id; what agents write there comes
//! back as guild messages; a closed case's thread is archived after its last post. Also what a relay to a customer can meet: 50007 (DMs closed, no
//! shared server) is refused for good, and messages a customer sent while the bot was down are
//! read from the DM's history at start-up (the gateway does not replay them).

use super::{Discord, PLATFORM};
use crate::domain::{Address, CaseId, Platform};
use crate::events::Inbound;
use anyhow::{anyhow, Context as _};
use serde_json::json;
use serenity::all::{ChannelId, HttpError, MessageId, MessagePagination};

/// "A thread has already been created for this message": on a retry, the thread exists.
const THREAD_EXISTS: isize = 160_004;
/// "Cannot send messages to this user" (DMs closed, blocked, no shared server), and its
/// newer spelling for a user who limits DMs: neither goes away on retry.
const CANNOT_MESSAGE_USER: [isize; 2] = [50_007, 50_278];
/// "Thread is archived": editing or reacting there fails until it is unarchived.
const THREAD_ARCHIVED: isize = 50_083;
/// A week: Discord archives an idle thread after this (60, 1440, 4320 or 10080 minutes).
const AUTO_ARCHIVE_MINUTES: u32 = 10_080;

/// Discord's JSON error code of a refused REST call.
pub fn error_code(error: &serenity::Error) -> Option<isize> {
    match error {
        serenity::Error::Http(HttpError::UnsuccessfulRequest(response)) => Some(response.error.code),
        _ => None,
    }
}

/// A refused call as Discord said it: its code and message ("50007 Cannot send messages to
/// this user"), for staff to read.
pub fn describe(error: &serenity::Error) -> String {
    match error {
        serenity::Error::Http(HttpError::UnsuccessfulRequest(response)) => {
            format!("{} {}", response.error.code, response.error.message)
        }
        other => other.to_string(),
    }
}

/// Whether a post to a customer failed for good: they cannot be messaged.
pub fn cannot_message_user(error: &serenity::Error) -> bool {
    error_code(error).is_some_and(|code| CANNOT_MESSAGE_USER.contains(&code))
}

pub fn is_archived(error: &serenity::Error) -> bool {
    error_code(error) == Some(THREAD_ARCHIVED)
}

/// A message's text with its attachments as their names and links, one a line (Discord's CDN
/// links are signed and expire after a while: staff open them soon, or ask again).
pub fn with_attachments(message: &serenity::all::Message) -> String {
    let mut text = message.content.clone();
    for file in &message.attachments {
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str(&format!("📎 {}: {}", file.filename, file.url));
    }
    text
}

impl Discord {
    /// The thread of a case, started from its card on first use (the card must be out).
    pub(super) async fn thread_channel(&self, case: CaseId) -> anyhow::Result<ChannelId> {
        if let Some(thread) = self.known_threads.lock().unwrap_or_else(|p| p.into_inner()).get(&case) {
            return Ok(*thread);
        }
        let (channel, card) = self
            .app
            .engine
            .store()
            .card_on(case, PLATFORM)
            .await?
            .ok_or_else(|| anyhow!("case {case}'s card is not on Discord yet"))?;
        let channel = ChannelId::new(channel.parse().map_err(|_| anyhow!("bad channel id {channel}"))?);
        let card = MessageId::new(card.parse().map_err(|_| anyhow!("bad message id {card}"))?);
        let name = format!("Case #{case}");
        let body = json!({"name": name, "auto_archive_duration": AUTO_ARCHIVE_MINUTES});
        self.cap.wait().await;
        match self.http.create_thread_from_message(channel, card, &body, None).await {
            Ok(_) => {}
            // Created before (by an earlier run, or a call that timed out after Discord acted).
            Err(error) if error_code(&error) == Some(THREAD_EXISTS) => {}
            Err(error) => return Err(anyhow::Error::new(error).context(format!("starting the thread of case {case}"))),
        }
        // A thread started from a message has that message's id.
        let thread = ChannelId::new(card.get());
        self.known_threads.lock().unwrap_or_else(|p| p.into_inner()).insert(case, thread);
        Ok(thread)
    }

    /// Whether a channel is one of the cases' threads (for edits: staff posts are embeds).
    pub(super) async fn is_case_thread(&self, channel: ChannelId) -> bool {
        if self.known_threads.lock().unwrap_or_else(|p| p.into_inner()).values().any(|t| *t == channel) {
            return true;
        }
        matches!(self.app.engine.store().case_of_card(PLATFORM, &channel.to_string()).await, Ok(Some(_)))
    }

    /// Brings an archived thread back so its messages can be edited again.
    pub(super) async fn unarchive(&self, thread: ChannelId) -> anyhow::Result<()> {
        self.cap.wait().await;
        self.http.edit_thread(thread, &json!({"archived": false}), None).await.context("unarchiving a thread")?;
        Ok(())
    }

    /// After a post in a case's thread: the thread of a closed case is archived, so it leaves
    /// the agents' list of active threads. A later post brings it back (Discord unarchives a
    /// thread on a post), and is followed by this again. Archiving is tidiness: a failure is
    /// logged, never a reason to post again.
    pub(super) async fn archive_if_closed(&self, case: CaseId, thread: ChannelId) {
        match self.app.engine.store().case_is_closed(case).await {
            Ok(false) => {}
            Ok(true) => {
                self.cap.wait().await;
                if let Err(error) = self.http.edit_thread(thread, &json!({"archived": true}), None).await {
                    tracing::warn!(%case, error = %describe(&error), "archiving a closed case's thread failed");
                }
            }
            Err(error) => tracing::warn!(%case, error = %format!("{error:#}"), "reading a thread's case failed"),
        }
    }

    /// The event for a message written in a server channel: a case thread's message, from
    /// someone (their roles and display name with it); `None` anywhere else.
    pub(super) async fn thread_message(&self, message: &serenity::all::Message) -> Option<Inbound> {
        use serenity::all::MessageType;
        // Thread-created notices and the thread's copy of its starter are not anyone writing.
        if !matches!(message.kind, MessageType::Regular | MessageType::InlineReply) {
            return None;
        }
        let case = match self.app.engine.store().case_of_card(PLATFORM, &message.channel_id.to_string()).await {
            Ok(Some(case)) => case,
            Ok(None) => return None,
            Err(error) => {
                tracing::error!(%error, "looking up a thread's case failed");
                return None;
            }
        };
        let member = message.member.as_deref();
        let roles = member.map(|m| m.roles.iter().map(|r| r.to_string()).collect()).unwrap_or_default();
        let name = member
            .and_then(|m| m.nick.clone())
            .or_else(|| message.author.global_name.clone())
            .unwrap_or_else(|| message.author.name.clone());
        Some(Inbound::Message {
            user: message.author.id.to_string(),
            text: with_attachments(message),
            to: Some(Address::Thread(case).to_string()),
            roles,
            name: Some(name),
            written: Some(message.id.to_string()),
        })
    }

    /// Messages customers of live cases sent while the bot was away: read from each DM's
    /// history after our last message there and handled like gateway messages (keyed by their
    /// ids, so one seen before is skipped). Returns how many were new.
    pub(super) async fn catch_up(&self) -> anyhow::Result<usize> {
        let store = self.app.engine.store();
        let mut new = 0;
        for live in store.live_customers(Platform::Discord).await? {
            let user = live.customer.platform_id().to_string();
            // Saved when the bot opened it, else opened now (Discord answers with the same one).
            let channel = self.dm_channel(&user).await?;
            let ours = store.platform_messages_in(PLATFORM, &channel.to_string()).await?;
            let Some(after) = ours.iter().filter_map(|id| id.parse::<u64>().ok()).max() else { continue };
            self.cap.wait().await;
            let after = MessagePagination::After(MessageId::new(after));
            let mut missed = self.http.get_messages(channel, Some(after), Some(100)).await.context("reading a DM")?;
            missed.retain(|m| m.author.id.to_string() == user && !m.author.bot);
            missed.sort_by_key(|m| m.id);
            for message in missed {
                self.remember_dm_channel(&user, channel);
                let key = format!("discord:message:{}", message.id);
                let event = Inbound::dm(user.clone(), with_attachments(&message));
                let now = chrono::Utc::now();
                if self.app.engine.handle_once(Platform::Discord, &key, &event, now).await? {
                    new += 1;
                }
            }
            tracing::debug!(case = %live.case_id, "caught up on a live case's direct messages");
        }
        Ok(new)
    }
}
