//! Case threads on Slack: `thread:<case>` is the replies under the case's card in the agents'
//! channel (`thread_ts` = the card's `ts`), and what agents write there comes back as `message`
//! events. A card posted inside a backlog summary's thread cannot host one (Slack threads do
//! not nest): the first time its case needs a thread, the card is moved out to the channel.
//! Also the DM refusals that no retry cures.

use super::deliver::{blocks, fallback, OUTBOX_EVENT};
use super::handler::written_text;
use super::{Slack, PLATFORM};
use crate::domain::{Address, CaseId};
use crate::events::Inbound;
use crate::replies::Reply;
use anyhow::anyhow;
use serde_json::{json, Value};
use slack_morphism::errors::SlackClientApiError;

/// `chat.postMessage` errors for a customer's DM that stay whatever is retried: the app's
/// Messages tab is off, the user is gone or is a bot, the conversation was archived.
const REFUSED_FOR_GOOD: [&str; 4] = ["messages_tab_disabled", "user_not_found", "cannot_dm_bot", "is_archived"];
/// The metadata id of a card posted again in the channel: this prefix and the card's id.
const MOVED_PREFIX: &str = "moved-";

/// The Slack error code behind a failed call, when Slack answered one.
pub fn error_code(error: &anyhow::Error) -> Option<&str> {
    error.chain().find_map(|e| e.downcast_ref::<SlackClientApiError>()).map(|e| e.code.as_str())
}

/// Whether a failed post to a customer's DM is refused for good (then it is reported, not retried).
pub fn refused_for_good(error: &anyhow::Error) -> Option<String> {
    error_code(error).filter(|code| REFUSED_FOR_GOOD.contains(code)).map(str::to_string)
}

/// A failed post as the runner should take it: a customer's DM that Slack refuses for good
/// ([`refused_for_good`]) is not retried but reported; anything else is retried.
pub fn refused_or(error: anyhow::Error, to: &str) -> anyhow::Error {
    match (Address::parse(to), refused_for_good(&error)) {
        (Some(Address::Dm(_)), Some(code)) => {
            anyhow::Error::new(crate::runner::Refused { reason: format!("Slack: {code}") })
        }
        _ => error,
    }
}

/// The `ts` in our stored Slack message id (`channel:ts`).
pub fn ts_of(platform_id: &str) -> &str {
    platform_id.split_once(':').map_or(platform_id, |(_, ts)| ts)
}

impl Slack {
    /// Where a case's thread is: (channel, the card's `ts`). A card inside a backlog summary's
    /// thread is moved out to the channel on first use.
    pub(super) async fn case_thread(&self, case: CaseId) -> anyhow::Result<(String, String)> {
        if let Some(known) = self.known_threads.lock().unwrap_or_else(|p| p.into_inner()).get(&case) {
            return Ok(known.clone());
        }
        let store = self.app.engine.store();
        let (channel, id) =
            store.card_on(case, PLATFORM).await?.ok_or_else(|| anyhow!("case {case}'s card is not on Slack yet"))?;
        let card_ts = ts_of(&id).to_string();
        let ts = match self.thread_holding(&channel, &card_ts).await? {
            Some(_) => self.move_card_out(case, &channel, &card_ts).await?,
            None => card_ts,
        };
        let found = (channel, ts);
        self.known_threads.lock().unwrap_or_else(|p| p.into_inner()).insert(case, found.clone());
        Ok(found)
    }

    /// The thread a message is a reply in, if it is one. `conversations.replies` for a reply's
    /// `ts` answers with the reply itself (its `thread_ts` the parent's) or, in some
    /// workspaces, with the whole thread from its parent: either tells.
    async fn thread_holding(&self, channel: &str, ts: &str) -> anyhow::Result<Option<String>> {
        let answer = self.get("conversations.replies", &[("channel", channel), ("ts", ts), ("limit", "1")]).await?;
        let Some(first) = answer["messages"].as_array().and_then(|m| m.first()) else { return Ok(None) };
        let first_ts = first["ts"].as_str().unwrap_or_default();
        let parent = first["thread_ts"].as_str().unwrap_or(first_ts);
        Ok((first_ts != ts || parent != ts).then(|| parent.to_string()))
    }

    /// Posts a case's card again as a top-level message (its text and buttons as they are
    /// now), points the old one at it, and records the new one as the card: later edits,
    /// presses and the thread land there. Once across a crash: the new post carries a derived
    /// id in its metadata and is looked for before posting; the pointer edit is the same
    /// whenever repeated, and the card is recorded last.
    async fn move_card_out(&self, case: CaseId, channel: &str, old_ts: &str) -> anyhow::Result<String> {
        let store = self.app.engine.store();
        let (card, text, buttons) =
            store.card_now(case).await?.ok_or_else(|| anyhow!("case {case} has no card to move"))?;
        let moved_id = format!("{MOVED_PREFIX}{card}");
        let ts = match self.already_posted(channel, &moved_id, None).await? {
            Some((_, ts)) => ts,
            None => {
                let body = json!({
                    "channel": channel,
                    "text": fallback("", &text),
                    "blocks": blocks("", &text, &buttons),
                    "unfurl_links": false,
                    "unfurl_media": false,
                    "metadata": {"event_type": OUTBOX_EVENT, "event_payload": {"id": moved_id}},
                });
                let posted = self.post(channel, &body).await?;
                posted["ts"].as_str().ok_or_else(|| anyhow!("chat.postMessage answered no ts"))?.to_string()
            }
        };
        let pointer = self.app.engine.render(&Reply::StaffCardMoved { case_id: case.0 })?;
        let edit = json!({"channel": channel, "ts": old_ts, "text": fallback("", &pointer), "blocks": blocks("", &pointer, &[])});
        self.tier3_call("chat.update", &edit).await?;
        store.record_platform_message(card, PLATFORM, channel, &format!("{channel}:{ts}")).await?;
        tracing::info!(%case, %channel, %ts, "a card in a backlog thread moved out to host its case's thread");
        Ok(ts)
    }

    /// Shows a note to one person alone, in the case's thread they wrote in
    /// (`chat.postEphemeral`), when the engine says it may be; false when it goes as their DM
    /// instead (no such place, or Slack would not show it). An ephemeral cannot be looked for
    /// afterwards: a crash during the call may show it twice, which beats a DM about a thread.
    pub(super) async fn told_privately(&self, to: &str, privately_in: Option<&str>, text: &str) -> bool {
        let (Some(Address::Thread(case)), Some(Address::Dm(user))) =
            (privately_in.and_then(Address::parse), Address::parse(to))
        else {
            return false;
        };
        let shown = async {
            let (channel, thread) = self.case_thread(case).await?;
            let body = json!({"channel": channel, "user": user.platform_id(), "thread_ts": thread,
                              "text": fallback("", text), "blocks": blocks("", text, &[])});
            self.call("chat.postEphemeral", &body).await
        };
        match shown.await {
            Ok(_) => true,
            Err(error) => {
                tracing::warn!(error = %format!("{error:#}"), "an ephemeral note failed; sent by DM instead");
                false
            }
        }
    }

    /// The event for a message written in the agents' channel: a reply in a case's thread,
    /// from someone (their user groups and display name with it); `None` anywhere else.
    pub(super) async fn thread_message(&self, event: &Value, user: &str) -> Option<Inbound> {
        let channel = event["channel"].as_str()?;
        let thread_ts = event["thread_ts"].as_str()?;
        if channel != self.config.agents_channel_id || event["ts"].as_str() == Some(thread_ts) {
            return None;
        }
        let store = self.app.engine.store();
        let case = match store.case_of_card(PLATFORM, &format!("{channel}:{thread_ts}")).await {
            Ok(Some(case)) => case,
            Ok(None) => return None,
            Err(error) => {
                tracing::error!(%error, "looking up a thread's case failed");
                return None;
            }
        };
        let roles = self.roles_of(user).await;
        let name = self.display_name(user, event).await;
        Some(Inbound::Message {
            user: user.to_string(),
            text: written_text(event),
            to: Some(Address::Thread(case).to_string()),
            roles,
            name: Some(name),
            written: Some(format!("{channel}:{}", event["ts"].as_str().unwrap_or_default())),
        })
    }

    /// How a person is shown: their Slack display name, else their full name (`users.info`,
    /// kept for the run; the event's `user_profile` when it carries one), else their id.
    pub(super) async fn display_name(&self, user: &str, event: &Value) -> String {
        if let Some(name) = self.names.lock().unwrap_or_else(|p| p.into_inner()).get(user) {
            return name.clone();
        }
        let named = |profile: &Value| {
            ["display_name", "real_name"]
                .iter()
                .find_map(|field| profile[field].as_str().filter(|n| !n.trim().is_empty()).map(str::to_string))
        };
        let name = match named(&event["user_profile"]) {
            Some(name) => Some(name),
            None => match self.get("users.info", &[("user", user)]).await {
                Ok(answer) => named(&answer["user"]["profile"])
                    .or_else(|| answer["user"]["real_name"].as_str().map(str::to_string))
                    .or_else(|| answer["user"]["name"].as_str().map(str::to_string)),
                Err(error) => {
                    tracing::warn!(error = %format!("{error:#}"), "reading a user's name failed");
                    None
                }
            },
        };
        // Someone Slack cannot name is shown by their id (and not asked again this run).
        let name = name.unwrap_or_else(|| user.to_string());
        self.names.lock().unwrap_or_else(|p| p.into_inner()).insert(user.to_string(), name.clone());
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_ids_give_their_ts() {
        assert_eq!(ts_of("C0AGENTS:1764590000.000012"), "1764590000.000012");
        assert_eq!(ts_of("1764590000.000012"), "1764590000.000012");
    }
}
