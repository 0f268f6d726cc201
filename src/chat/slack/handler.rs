//! Slack's events and interactions as engine events, whether they came over Socket Mode or as
//! Events API requests: each is keyed by a Slack id (a redelivery is handled once) and the
//! runner is woken to deliver what it caused. No refund logic lives here.
//!
//! Socket Mode acknowledges an envelope only after its callback returns, so the callbacks
//! spawn the work and return at once (Slack redelivers what is not acknowledged within 3 s).

use super::{Client, Slack};
use crate::domain::Platform;
use crate::events::{Inbound, APPROVE_EMOJI, DENY_EMOJI};
use crate::replies::Reply;
use crate::runner::Shutdown;
use serde_json::{json, Value};
use slack_morphism::prelude::*;
use std::sync::Arc;

/// The Home tab's button: it opens a conversation in the customer's DM, like `/refund`.
const PANEL_BUTTON: &str = "panel:refund";

/// A message's text as the customer typed it: Slack turns typed links and emails into
/// `<https://x|x>` / `<mailto:a@b|a@b>` and escapes `&`, `<`, `>`; both are undone (mentions
/// stay as they are: the engine defuses them).
pub fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some((start, end)) = rest.find('<').and_then(|s| Some((s, rest[s..].find('>')?))) {
        out.push_str(&rest[..start]);
        let inner = &rest[start + 1..start + end];
        let target = inner.split_once('|').map_or(inner, |(target, _)| target);
        if let Some(address) = target.strip_prefix("mailto:") {
            out.push_str(address);
        } else if target.starts_with("http://") || target.starts_with("https://") {
            out.push_str(target);
        } else {
            out.push_str(&rest[start..=start + end]);
        }
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    out.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
}

/// What someone wrote, as typed ([`unescape`]), with the names of the files they shared, one a
/// line: a Slack file stays visible only where it was shared, so its name says what was sent.
pub fn written_text(event: &Value) -> String {
    let mut text = unescape(event["text"].as_str().unwrap_or_default());
    let files = event["files"].as_array().into_iter().flatten();
    for name in files.filter_map(|f| f["name"].as_str().or(f["title"].as_str())) {
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str(&format!("📎 {name}"));
    }
    text
}

/// A reaction's name (without colons, skin tone dropped) as the engine's emoji, for the
/// decisions it knows; anything else is not a decision.
pub fn emoji_of(name: &str) -> Option<&'static str> {
    match name.split("::").next().unwrap_or(name) {
        "white_check_mark" => Some(APPROVE_EMOJI),
        "heavy_check_mark" => Some("✔️"),
        "ballot_box_with_check" => Some("☑️"),
        "x" => Some(DENY_EMOJI),
        "heavy_multiplication_x" => Some("✖️"),
        _ => None,
    }
}

/// A Slack emoji name for the engine's reaction emoji.
pub fn emoji_name(emoji: &str) -> Option<&'static str> {
    match emoji {
        "✅" => Some("white_check_mark"),
        "❌" => Some("x"),
        "✔️" | "✔" => Some("heavy_check_mark"),
        "☑️" | "☑" => Some("ballot_box_with_check"),
        "✖️" | "✖" => Some("heavy_multiplication_x"),
        "📝" => Some("memo"),
        _ => None,
    }
}

fn str_at<'a>(value: &'a Value, pointer: &str) -> Option<&'a str> {
    value.pointer(pointer).and_then(Value::as_str).filter(|s| !s.is_empty())
}

impl Slack {
    async fn handle(&self, key: String, event: Inbound) {
        let now = chrono::Utc::now();
        match self.app.engine.handle_once(Platform::Slack, &key, &event, now).await {
            Ok(true) => self.wake(),
            Ok(false) => tracing::debug!(%key, "duplicate Slack event skipped"),
            Err(error) => tracing::error!(%key, %error, "handling a Slack event failed"),
        }
    }

    /// The channel's DM with a customer, as seen on their message or action (`D...`).
    pub(super) async fn remember_dm(&self, user: &str, channel: Option<&str>) {
        let Some(channel) = channel.filter(|c| c.starts_with('D')) else {
            return;
        };
        let known = self.dm_channels.lock().unwrap_or_else(|p| p.into_inner()).insert(user.into(), channel.into());
        if known.as_deref() != Some(channel) {
            if let Err(error) = self.app.engine.store().save_dm_channel(super::PLATFORM, user, channel).await {
                tracing::warn!(%error, "saving a DM channel failed");
            }
        }
    }

    /// An `event_callback` payload (`team_id`, `event_id`, `event`).
    pub async fn on_push(&self, payload: Value) {
        let Some(event_id) = str_at(&payload, "/event_id") else {
            return tracing::warn!("a Slack event without an event_id; ignored");
        };
        let key = format!("slack:event:{event_id}");
        let event = &payload["event"];
        match event["type"].as_str() {
            Some("message") => {
                // People writing: not the bot's own posts, edits, deletions or joins. A reply
                // also sent to the channel (`thread_broadcast`) is still written in the thread,
                // and a message with a file (`file_share`) is still a message.
                let from_bot = event.get("bot_id").is_some_and(|b| !b.is_null());
                let Some(user) = str_at(event, "/user") else { return };
                let written = matches!(str_at(event, "/subtype"), None | Some("thread_broadcast" | "file_share"));
                if from_bot || !written || user == self.bot_user_id {
                    return;
                }
                if str_at(event, "/channel_type").is_some_and(|t| t != "im") {
                    // In a channel only a case thread's replies mean something.
                    if let Some(event) = self.thread_message(event, user).await {
                        self.handle(key, event).await;
                    }
                    return;
                }
                self.remember_dm(user, str_at(event, "/channel")).await;
                let text = written_text(event);
                self.handle(key, Inbound::dm(user, text)).await;
            }
            Some("reaction_added") => {
                let Some(user) = str_at(event, "/user") else { return };
                if user == self.bot_user_id {
                    return;
                }
                let (Some(channel), Some(ts)) = (str_at(event, "/item/channel"), str_at(event, "/item/ts")) else {
                    return;
                };
                let Some(emoji) = event["reaction"].as_str().and_then(emoji_of) else { return };
                let store = self.app.engine.store();
                let message = match store.message_for_platform_id(super::PLATFORM, &format!("{channel}:{ts}")).await {
                    Ok(Some(message)) => message,
                    // Not one of ours: nothing to decide.
                    Ok(None) => return,
                    Err(error) => return tracing::error!(%error, "looking up a reacted message failed"),
                };
                let roles = self.roles_of(user).await;
                let event =
                    Inbound::React { user: user.into(), message: message.to_string(), emoji: emoji.into(), roles };
                self.handle(key, event).await;
            }
            Some("app_home_opened") if event["tab"].as_str() == Some("home") => {
                let Some(user) = str_at(event, "/user") else { return };
                self.publish_home(user).await;
            }
            _ => {}
        }
    }

    /// The Home tab: the seller's `refund_panel` text and a "Request a refund" button.
    async fn publish_home(&self, user: &str) {
        let text = match self.app.engine.render(&Reply::RefundPanel {}) {
            Ok(text) => text,
            Err(error) => return tracing::error!(%error, "rendering refund_panel failed"),
        };
        let mut blocks = super::deliver::blocks("", &text, &[]);
        if let Some(blocks) = blocks.as_array_mut() {
            blocks.push(json!({"type": "actions", "elements": [{
                "type": "button", "style": "primary", "action_id": PANEL_BUTTON, "value": PANEL_BUTTON,
                "text": {"type": "plain_text", "text": "Request a refund"}
            }]}));
        }
        let view = json!({"type": "home", "blocks": blocks});
        if let Err(error) = self.call("views.publish", &json!({"user_id": user, "view": view})).await {
            tracing::warn!(error = %format!("{error:#}"), "publishing the Home tab failed");
        }
    }

    /// An interaction payload: a button (`block_actions`) or a modal (`view_submission`).
    pub async fn on_interaction(&self, payload: Value) {
        let Some(user) = str_at(&payload, "/user/id").map(str::to_string) else { return };
        match payload["type"].as_str() {
            Some("block_actions") => {
                let Some(button) = str_at(&payload, "/actions/0/action_id").map(str::to_string) else { return };
                let trigger = str_at(&payload, "/trigger_id").unwrap_or_default().to_string();
                if button == PANEL_BUTTON {
                    self.on_command(user, trigger).await;
                    return;
                }
                self.remember_dm(&user, str_at(&payload, "/channel/id")).await;
                let form = self.app.engine.form_behind(&button).await.unwrap_or_else(|error| {
                    tracing::error!(%error, "reading the form behind a button failed");
                    None
                });
                if let Some(draft) = form {
                    return self.open_form(&trigger, &button, &draft).await;
                }
                let action_ts = str_at(&payload, "/actions/0/action_ts").unwrap_or_default();
                let key = format!("slack:action:{trigger}:{action_ts}");
                let roles = self.roles_of(&user).await;
                // Staff are named in what the press causes ("Mia took the conversation over").
                let channel = str_at(&payload, "/channel/id").unwrap_or_default();
                let staff = [self.config.agents_channel_id.as_str(), self.config.managers_channel_id.as_str()]
                    .contains(&channel);
                let name = match staff {
                    true => Some(self.display_name(&user, &Value::Null).await),
                    false => None,
                };
                self.handle(key, Inbound::Click { user, button, roles, name }).await;
            }
            Some("view_submission") => {
                let view = &payload["view"];
                let Some(button) = str_at(view, "/private_metadata").map(str::to_string) else { return };
                let text = str_at(view, "/state/values/reply/text/value").unwrap_or_default().to_string();
                let key = format!("slack:view:{}", str_at(view, "/id").unwrap_or_default());
                let roles = self.roles_of(&user).await;
                self.handle(key, Inbound::Submit { user, button, text, roles }).await;
            }
            _ => {}
        }
    }

    /// The modal behind a button (an agent's Edit), prefilled with the draft.
    async fn open_form(&self, trigger: &str, button: &str, draft: &str) {
        let draft: String = draft.chars().take(3000).collect();
        let view = json!({
            "type": "modal", "callback_id": "refund_bot_form", "private_metadata": button,
            "title": {"type": "plain_text", "text": "Edit the reply"},
            "submit": {"type": "plain_text", "text": "Save"},
            "close": {"type": "plain_text", "text": "Cancel"},
            "blocks": [{
                "type": "input", "block_id": "reply",
                "label": {"type": "plain_text", "text": "Reply to the customer"},
                "element": {"type": "plain_text_input", "action_id": "text", "multiline": true,
                            "max_length": 3000, "initial_value": draft}
            }]
        });
        if let Err(error) = self.call("views.open", &json!({"trigger_id": trigger, "view": view})).await {
            tracing::warn!(error = %format!("{error:#}"), "opening the edit form failed");
        }
    }

    /// `/refund`: the answer shown where it was typed; the conversation goes on in the DM.
    pub async fn on_command(&self, user: String, trigger: String) -> String {
        let event = Inbound::dm(user, "I'd like a refund");
        self.handle(format!("slack:command:{trigger}"), event).await;
        self.app.engine.render(&Reply::DmStarted {}).unwrap_or_else(|error| {
            tracing::error!(%error, "rendering dm_started failed");
            String::new()
        })
    }
}

async fn slack_of(states: &SlackClientEventsUserState) -> Option<Arc<Slack>> {
    states.read().await.get_user_state::<Arc<Slack>>().cloned()
}

async fn on_hello<E: std::fmt::Debug>(_hello: E, _client: Arc<Client>, states: SlackClientEventsUserState) {
    if let Some(slack) = slack_of(&states).await {
        tracing::info!("Slack Socket Mode connected");
        slack.health.set(super::PLATFORM, true);
    }
}

async fn on_push(
    event: SlackPushEventCallback,
    _client: Arc<Client>,
    states: SlackClientEventsUserState,
) -> UserCallbackResult<()> {
    let slack = slack_of(&states).await.ok_or("no Slack state")?;
    let payload = serde_json::to_value(&event)?;
    tokio::spawn(async move { slack.on_push(payload).await });
    Ok(())
}

async fn on_interaction(
    event: SlackInteractionEvent,
    _client: Arc<Client>,
    states: SlackClientEventsUserState,
) -> UserCallbackResult<()> {
    let slack = slack_of(&states).await.ok_or("no Slack state")?;
    let payload = serde_json::to_value(&event)?;
    tokio::spawn(async move { slack.on_interaction(payload).await });
    // An empty acknowledgement: a button press is taken, a submitted modal closes.
    Ok(())
}

async fn on_command(
    event: SlackCommandEvent,
    _client: Arc<Client>,
    states: SlackClientEventsUserState,
) -> UserCallbackResult<SlackCommandEventResponse> {
    let slack = slack_of(&states).await.ok_or("no Slack state")?;
    let text = slack.on_command(event.user_id.to_string(), event.trigger_id.to_string()).await;
    Ok(SlackCommandEventResponse::new(SlackMessageContent::new().with_text(text)))
}

fn on_error(
    error: Box<dyn std::error::Error + Send + Sync>,
    _client: Arc<Client>,
    _states: SlackClientEventsUserState,
) -> HttpStatusCode {
    tracing::warn!(%error, "a Slack Socket Mode frame could not be read");
    HttpStatusCode::OK
}

/// Socket Mode until `shutdown`: slack-morphism opens the WebSocket (`apps.connections.open`
/// with the app-level token) and reconnects on its own.
pub(super) async fn socket_mode(slack: Arc<Slack>, shutdown: Shutdown) -> anyhow::Result<()> {
    let app_token = slack.app_token.clone().ok_or_else(|| anyhow::anyhow!("SLACK_APP_TOKEN is not set"))?;
    let callbacks = SlackSocketModeListenerCallbacks::new()
        .with_hello_events(on_hello)
        .with_push_events(on_push)
        .with_interaction_events(on_interaction)
        .with_command_events(on_command);
    let environment = Arc::new(
        SlackClientEventsListenerEnvironment::new(slack.client.clone())
            .with_error_handler(on_error)
            .with_user_state(slack.clone()),
    );
    let config = SlackClientSocketModeConfig::new()
        .with_max_connections_count(1)
        .with_initial_backoff_in_seconds(1)
        .with_reconnect_timeout_in_seconds(5);
    let listener = SlackClientSocketModeListener::new(&config, environment, callbacks);
    listener.listen_for(&app_token).await.map_err(|e| anyhow::anyhow!("opening Socket Mode: {e}"))?;
    listener.start().await;
    shutdown.wait().await;
    listener.shutdown().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slack_markup_in_typed_text_is_undone() {
        assert_eq!(
            unescape("ORD-1 <mailto:a@b.example|a@b.example> &lt;3 &amp; <https://x.example|x.example> <@U1>"),
            "ORD-1 a@b.example <3 & https://x.example <@U1>"
        );
        assert_eq!(unescape("a <b"), "a <b");
        assert_eq!(emoji_of("white_check_mark::skin-tone-2"), Some(APPROVE_EMOJI));
        assert_eq!(emoji_of("x"), Some(DENY_EMOJI));
        assert_eq!(emoji_of("tada"), None);
    }
}
