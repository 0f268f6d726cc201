//! The engine's outbound actions as Slack Web API calls: `chat.postMessage` with Block Kit
//! buttons and our message id in `metadata`, `chat.update`, `reactions.add`. Every text is
//! escaped (`&`, `<`, `>`) and shown as verbatim mrkdwn, so nothing a customer wrote pings or
//! links; the only pings are the user groups the engine's `mentions` ask for.

use super::{Slack, PLATFORM};
use crate::chat::split_text;
use crate::domain::{Address, MessageId as OurMessageId, Platform};
use crate::events::{ButtonOut, ButtonStyle, Outbound};
use anyhow::anyhow;
use serde_json::{json, Value};

/// Slack's limit for a section's text.
pub const MAX_SECTION: usize = 3000;
/// What the notification fallback `text` is cut to (Slack truncates past 40,000).
const MAX_FALLBACK: usize = 3000;
/// How long after the start every post is first looked for on Slack (see `Slack::started`).
const RECOVERY_WINDOW: std::time::Duration = std::time::Duration::from_secs(60);
/// The `metadata.event_type` of every post: our outbox id rides in its payload.
pub const OUTBOX_EVENT: &str = "refund_bot_outbox";
/// More staff posts than this waiting for one channel get a backlog summary, and go in its
/// thread: at one post a second, a surge otherwise fills the channel for minutes.
pub const BACKLOG_AFTER: i64 = 10;
/// The metadata id of a backlog summary: this prefix and the id of the post that opened it.
const BACKLOG_PREFIX: &str = "backlog-";
/// A backlog thread not posted in for this long is closed.
const BACKLOG_IDLE: std::time::Duration = std::time::Duration::from_secs(300);

/// Escapes the three characters Slack reads as markup (`<!channel>`, `<@U1>`, links).
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The engine's Markdown as Slack mrkdwn: escaped, `**bold**` as `*bold*`, `~~struck~~` as
/// `~struck~`. mrkdwn has no backslash escapes: a Markdown-escaped character (`\*` in text a
/// customer wrote) becomes the character after a zero-width space, which keeps it literal.
pub fn mrkdwn(text: &str) -> String {
    let escaped = escape(text);
    let mut out = String::with_capacity(escaped.len());
    let mut chars = escaped.chars().peekable();
    while let Some(c) = chars.next() {
        match chars.peek() {
            Some(&next) if c == '\\' && "[]*_~`|\\".contains(next) => {
                out.push('\u{200B}');
                out.push(next);
                chars.next();
            }
            _ => out.push(c),
        }
    }
    out.replace("**", "*").replace("~~", "~")
}

/// The blocks of a post: the text as verbatim mrkdwn sections (an escaped ping line first),
/// then the buttons in rows of five. `action_id` and `value` are both our button id.
pub fn blocks(ping: &str, text: &str, buttons: &[ButtonOut]) -> Value {
    let mut blocks = Vec::new();
    let body = format!("{ping}{}", mrkdwn(text));
    // Escaping can lengthen a piece; split the escaped text so no section passes the limit.
    for piece in split_text(&body, MAX_SECTION) {
        if piece.trim().is_empty() {
            continue;
        }
        blocks.push(json!({"type": "section", "text": {"type": "mrkdwn", "text": piece, "verbatim": true}}));
    }
    for row in buttons.chunks(5).take(45) {
        let elements: Vec<Value> = row
            .iter()
            .map(|b| {
                let label: String = b.label.chars().take(75).collect();
                let mut button = json!({"type": "button", "text": {"type": "plain_text", "text": label, "emoji": true},
                                        "action_id": b.id, "value": b.id});
                match b.style {
                    ButtonStyle::Success => button["style"] = json!("primary"),
                    ButtonStyle::Danger => button["style"] = json!("danger"),
                    ButtonStyle::Primary | ButtonStyle::Secondary => {}
                }
                button
            })
            .collect();
        blocks.push(json!({"type": "actions", "elements": elements}));
    }
    Value::Array(blocks)
}

/// Whether a message Slack holds is our post `id` (by its metadata).
fn is_ours(message: &Value, id: &str) -> bool {
    message["metadata"]["event_type"] == OUTBOX_EVENT && message["metadata"]["event_payload"]["id"] == id
}

/// The notification fallback: the same escaped text, shortened.
pub(super) fn fallback(ping: &str, text: &str) -> String {
    let text = format!("{ping}{}", mrkdwn(text));
    text.chars().take(MAX_FALLBACK).collect()
}

impl Slack {
    /// The channel a post goes to: a staff channel, or the customer's DM (its `D...` id when
    /// known, else their `U...` id, which Slack opens the DM for).
    async fn channel_for(&self, to: &str) -> anyhow::Result<String> {
        match Address::parse(to) {
            Some(Address::Agents) => Ok(self.config.agents_channel_id.clone()),
            Some(Address::Managers) => Ok(self.config.managers_channel_id.clone()),
            Some(Address::Dm(user)) if user.platform() == Platform::Slack => {
                let user = user.platform_id();
                if let Some(channel) = self.dm_channels.lock().unwrap_or_else(|p| p.into_inner()).get(user) {
                    return Ok(channel.clone());
                }
                Ok(self.app.engine.store().dm_channel(PLATFORM, user).await?.unwrap_or_else(|| user.to_string()))
            }
            _ => anyhow::bail!("{to} is not a destination on Slack"),
        }
    }

    /// The user-group pings a post asks for (`<!subteam^S...>`), where the group is configured.
    fn pings(&self, mentions: &[String]) -> String {
        mentions
            .iter()
            .filter_map(|m| match m.as_str() {
                "role:agents" => self.config.agents_usergroup_id.as_ref(),
                "role:managers" => self.config.managers_usergroup_id.as_ref(),
                _ => None,
            })
            .map(|group| format!("<!subteam^{group}> "))
            .collect()
    }

    /// Where one of our messages is on Slack: (channel, ts).
    async fn located(&self, message: &str) -> anyhow::Result<Option<(String, String)>> {
        let ours = OurMessageId::parse(message).ok_or_else(|| anyhow!("bad message id {message}"))?;
        let Some((channel, id)) = self.app.engine.store().platform_message(ours, PLATFORM).await? else {
            return Ok(None);
        };
        let ts = id.split_once(':').map_or(id.as_str(), |(_, ts)| ts).to_string();
        Ok(Some((channel, ts)))
    }

    /// A post of ours Slack may already hold (an earlier attempt that failed ambiguously):
    /// found by the outbox id in its metadata among the latest messages of the channel, or of
    /// `thread` (a case's thread) when the post went in one.
    pub(super) async fn already_posted(
        &self,
        channel: &str,
        id: &str,
        thread: Option<&str>,
    ) -> anyhow::Result<Option<(String, String)>> {
        if let Some(thread) = thread {
            let found = self.posted_in_thread(channel, thread, id).await?;
            return Ok(found.map(|ts| (channel.to_string(), ts)));
        }
        let history = self
            .get("conversations.history", &[("channel", channel), ("limit", "50"), ("include_all_metadata", "true")])
            .await?;
        let messages = history["messages"].as_array().cloned().unwrap_or_default();
        if let Some(ts) = messages.iter().find(|m| is_ours(m, id)).and_then(|m| m["ts"].as_str()) {
            return Ok(Some((channel.to_string(), ts.to_string())));
        }
        // History holds no thread replies: a post may be in one of our backlog threads.
        let summaries = messages.iter().filter(|m| {
            m["metadata"]["event_type"] == OUTBOX_EVENT
                && m["metadata"]["event_payload"]["id"].as_str().is_some_and(|i| i.starts_with(BACKLOG_PREFIX))
        });
        for summary in summaries {
            let Some(thread) = summary["ts"].as_str() else { continue };
            if let Some(ts) = self.posted_in_thread(channel, thread, id).await? {
                return Ok(Some((channel.to_string(), ts)));
            }
        }
        Ok(None)
    }

    /// The `ts` of our post `id` among a thread's replies.
    async fn posted_in_thread(&self, channel: &str, thread: &str, id: &str) -> anyhow::Result<Option<String>> {
        let replies = self
            .get(
                "conversations.replies",
                &[("channel", channel), ("ts", thread), ("limit", "200"), ("include_all_metadata", "true")],
            )
            .await?;
        let replies = replies["messages"].as_array().cloned().unwrap_or_default();
        Ok(replies.iter().find(|m| is_ours(m, id)).and_then(|m| m["ts"].as_str()).map(str::to_string))
    }

    /// The thread a staff post goes in, if any: while more than [`BACKLOG_AFTER`] posts wait
    /// for the channel, one summary ("12 new cases are waiting") is posted and the posts follow
    /// in its thread, until the channel's queue is empty again.
    async fn backlog_thread(&self, channel: &str, lane: &str, id: &str) -> anyhow::Result<Option<String>> {
        let waiting = self.app.engine.store().posts_waiting(Platform::Slack, lane).await?;
        {
            let mut backlogs = self.backlogs.lock().unwrap_or_else(|p| p.into_inner());
            // A thread unused for a while belongs to a surge long over (its last post failed).
            backlogs.retain(|_, (_, used)| used.elapsed() < BACKLOG_IDLE);
            if let Some((thread, used)) = backlogs.get_mut(channel) {
                let thread = thread.clone();
                *used = std::time::Instant::now();
                if waiting <= 1 {
                    // The last one waiting: the next surge gets a summary of its own.
                    backlogs.remove(channel);
                }
                return Ok(Some(thread));
            }
        }
        if waiting <= BACKLOG_AFTER {
            return Ok(None);
        }
        let summary_id = format!("{BACKLOG_PREFIX}{id}");
        let earlier = match self.started.elapsed() < RECOVERY_WINDOW {
            true => self.already_posted(channel, &summary_id, None).await.unwrap_or_else(|error| {
                tracing::warn!(error = %format!("{error:#}"), "checking for an earlier summary failed");
                None
            }),
            false => None,
        };
        let thread = match earlier {
            Some((_, ts)) => ts,
            None => {
                let text = self.app.engine.render(&crate::replies::Reply::StaffBacklog { count: waiting })?;
                let body = json!({
                    "channel": channel,
                    "text": fallback("", &text),
                    "blocks": blocks("", &text, &[]),
                    "metadata": {"event_type": OUTBOX_EVENT, "event_payload": {"id": summary_id}},
                });
                let posted = self.post(channel, &body).await?;
                posted["ts"].as_str().ok_or_else(|| anyhow!("chat.postMessage answered no ts"))?.to_string()
            }
        };
        tracing::info!(%channel, waiting, "a backlog of staff posts: a summary, the posts in its thread");
        let opened = (thread.clone(), std::time::Instant::now());
        self.backlogs.lock().unwrap_or_else(|p| p.into_inner()).insert(channel.to_string(), opened);
        Ok(Some(thread))
    }

    async fn react(&self, channel: &str, ts: &str, emoji: &str) -> anyhow::Result<()> {
        let Some(name) = super::handler::emoji_name(emoji) else {
            tracing::warn!(%emoji, "no Slack name for this reaction; skipped");
            return Ok(());
        };
        match self.tier3_call("reactions.add", &json!({"channel": channel, "timestamp": ts, "name": name})).await {
            Err(error) if error.to_string().contains("already_reacted") => Ok(()),
            other => other.map(|_| ()),
        }
    }
}

pub async fn deliver(slack: &Slack, action: Outbound) -> anyhow::Result<()> {
    match action {
        Outbound::Send { id, to, text, buttons, mentions, reactions, attachment, privately_in, .. } => {
            if slack.told_privately(&to, privately_in.as_deref(), &text).await {
                return Ok(());
            }
            // A case's thread is the replies under its card in the agents' channel.
            let (channel, case_thread) = match Address::parse(&to) {
                Some(Address::Thread(case)) => {
                    let (channel, card) = slack.case_thread(case).await?;
                    (channel, Some(card))
                }
                _ => (slack.channel_for(&to).await?, None),
            };
            let ours = OurMessageId::parse(&id).ok_or_else(|| anyhow!("bad message id {id}"))?;
            let store = slack.app.engine.store();
            // A retry after an ambiguous failure, or the backlog after a restart: an earlier
            // attempt may have posted.
            let retried = !slack.attempted.lock().unwrap_or_else(|p| p.into_inner()).insert(id.clone());
            let suspect = retried || slack.started.elapsed() < RECOVERY_WINDOW;
            let earlier = if suspect && channel.starts_with(['C', 'D', 'G']) {
                slack.already_posted(&channel, &id, case_thread.as_deref()).await.unwrap_or_else(|error| {
                    tracing::warn!(error = %format!("{error:#}"), "checking for an earlier post failed");
                    None
                })
            } else {
                None
            };
            let (channel, ts) = match earlier {
                Some(found) => {
                    tracing::info!(message = %id, "already on Slack from an earlier attempt; not posted again");
                    found
                }
                None => {
                    let ping = slack.pings(&mentions);
                    let staff = matches!(Address::parse(&to), Some(Address::Agents | Address::Managers));
                    let thread = match (case_thread, staff) {
                        (Some(card), _) => Some(card),
                        (None, true) => slack.backlog_thread(&channel, &to, &id).await?,
                        (None, false) => None,
                    };
                    let mut body = json!({
                        "channel": channel,
                        "text": fallback(&ping, &text),
                        "blocks": blocks(&ping, &text, &buttons),
                        "unfurl_links": false,
                        "unfurl_media": false,
                        "metadata": {"event_type": OUTBOX_EVENT, "event_payload": {"id": id}},
                    });
                    if let Some(thread) = thread {
                        body["thread_ts"] = json!(thread);
                    }
                    let posted = match slack.post(&channel, &body).await {
                        Ok(posted) => posted,
                        Err(error) => return Err(super::threads::refused_or(error, &to)),
                    };
                    let posted_channel = posted["channel"].as_str().unwrap_or(&channel).to_string();
                    let ts =
                        posted["ts"].as_str().ok_or_else(|| anyhow!("chat.postMessage answered no ts"))?.to_string();
                    (posted_channel, ts)
                }
            };
            store.record_platform_message(ours, PLATFORM, &channel, &format!("{channel}:{ts}")).await?;
            if let Some(file) = &attachment {
                // After the post: a failed upload retries the action, and the post is found
                // on Slack then instead of being posted twice.
                slack.upload(&channel, file).await?;
            }
            if let Some(Address::Dm(user)) = Address::parse(&to) {
                slack.remember_dm(user.platform_id(), Some(&channel)).await;
            }
            slack.attempted.lock().unwrap_or_else(|p| p.into_inner()).remove(&id);
            for emoji in reactions {
                slack.react(&channel, &ts, &emoji).await?;
            }
            Ok(())
        }
        Outbound::Edit { id, text, buttons } => {
            let Some((channel, ts)) = slack.located(&id).await? else {
                tracing::warn!(message = %id, "edit of a message Slack never got; skipped");
                return Ok(());
            };
            let body = json!({"channel": channel, "ts": ts, "text": fallback("", &text), "blocks": blocks("", &text, &buttons)});
            slack.tier3_call("chat.update", &body).await?;
            Ok(())
        }
        Outbound::React { message, emoji } => {
            let Some((channel, ts)) = slack.located(&message).await? else {
                return Ok(());
            };
            slack.react(&channel, &ts, &emoji).await
        }
        Outbound::Mark { written, emoji, .. } => {
            let (channel, ts) = written.split_once(':').ok_or_else(|| anyhow!("bad Slack message id {written}"))?;
            slack.react(channel, ts, &emoji).await
        }
        Outbound::Unreact { message, user, emoji } => {
            // A bot token cannot take away someone else's reaction; the engine has already
            // told them by DM that they may not decide.
            tracing::info!(%message, %user, %emoji, "Slack cannot remove another user's reaction; left in place");
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn customer_text_cannot_ping_or_link() {
        let text = "Hi <!channel> <!subteam^S1> <@U1> & <https://x.example|click>";
        let escaped = mrkdwn(text);
        assert!(!escaped.contains('<') && !escaped.contains('>'), "{escaped}");
        assert!(escaped.contains("&amp;"));
        let blocks = blocks("<!subteam^S9> ", text, &[]);
        assert_eq!(blocks[0]["text"]["verbatim"], true);
        assert!(blocks[0]["text"]["text"].as_str().unwrap().starts_with("<!subteam^S9> Hi &lt;!channel&gt;"));
    }

    #[test]
    fn markdown_becomes_mrkdwn_and_escaped_characters_stay_literal() {
        assert_eq!(mrkdwn("**Case #1** ~~old~~"), "*Case #1* ~old~");
        assert_eq!(mrkdwn("a \\*b\\* \\_c\\_ x\\y"), "a \u{200B}*b\u{200B}* \u{200B}_c\u{200B}_ x\\y");
        assert_eq!(mrkdwn("> quoted <3"), "&gt; quoted &lt;3");
    }

    #[test]
    fn long_texts_fit_sections_and_buttons_carry_our_ids() {
        let buttons = vec![ButtonOut {
            id: "b-1".into(),
            action: "approve".into(),
            label: "Approve".into(),
            style: ButtonStyle::Success,
        }];
        let blocks = blocks("", &"<x> ".repeat(2000), &buttons);
        let blocks = blocks.as_array().unwrap();
        assert!(blocks.len() >= 4);
        assert!(blocks.iter().filter_map(|b| b["text"]["text"].as_str()).all(|t| t.chars().count() <= MAX_SECTION));
        let button = &blocks.last().unwrap()["elements"][0];
        assert_eq!((button["action_id"].as_str(), button["value"].as_str()), (Some("b-1"), Some("b-1")));
        assert_eq!(button["style"], "primary");
    }
}
