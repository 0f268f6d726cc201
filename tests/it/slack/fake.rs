//! A fake Slack on 127.0.0.1: the Web API methods the bot calls (JSON answers with `ok`, as
//! slack-morphism wants them) and a Socket Mode WebSocket that sends `hello`, event and
//! interaction envelopes and records the bot's acknowledgements. Every payload it sends is
//! first checked to deserialize in slack-morphism, so no event is silently dropped; every
//! `chat.postMessage` the bot sends is checked against slack-morphism's request type.

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use slack_morphism::prelude::*;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message as WsMessage;

pub const BOT_USER: &str = "UBOT0001";
pub const BOT_TOKEN: &str = "xoxb-test";
pub const APP_TOKEN: &str = "xapp-test";
pub const TEAM: &str = "T0000001";
pub const APP_ID: &str = "A0000001";
pub const AGENTS_CHANNEL: &str = "C0AGENTS";
pub const MANAGERS_CHANNEL: &str = "C0MANAGE";
pub const AGENTS_GROUP: &str = "S0AGENTS";
pub const MANAGERS_GROUP: &str = "S0MANAGE";

/// A message the bot posted (and its later edits).
#[derive(Debug, Clone)]
pub struct Posted {
    pub ts: String,
    pub channel: String,
    pub body: Value,
    pub edits: Vec<Value>,
    /// When the post arrived at the fake.
    pub at: Instant,
}

impl Posted {
    /// Everything a person reads: the sections' text.
    pub fn text(&self) -> String {
        text_of(self.edits.last().unwrap_or(&self.body))
    }

    pub fn first_text(&self) -> String {
        text_of(&self.body)
    }

    /// Our button id (the `action_id`) of the button with this label text.
    pub fn button(&self, label_part: &str) -> String {
        buttons_of(&self.body)
            .into_iter()
            .find(|b| b["text"]["text"].as_str().is_some_and(|l| l.contains(label_part)))
            .and_then(|b| b["action_id"].as_str().map(str::to_string))
            .unwrap_or_else(|| panic!("no button like {label_part:?} on {:#}", self.body))
    }

    /// The `ts` of the thread this was posted in, if it was a reply.
    pub fn thread(&self) -> Option<String> {
        self.body["thread_ts"].as_str().map(str::to_string)
    }

    pub fn has_button(&self, label_part: &str) -> bool {
        buttons_of(&self.body).iter().any(|b| b["text"]["text"].as_str().is_some_and(|l| l.contains(label_part)))
    }
}

fn text_of(body: &Value) -> String {
    let blocks = body["blocks"].as_array().cloned().unwrap_or_default();
    let texts: Vec<String> = blocks.iter().filter_map(|b| b["text"]["text"].as_str().map(str::to_string)).collect();
    texts.join("")
}

fn buttons_of(body: &Value) -> Vec<Value> {
    let blocks = body["blocks"].as_array().cloned().unwrap_or_default();
    blocks
        .iter()
        .filter(|b| b["type"] == "actions")
        .flat_map(|b| b["elements"].as_array().cloned().unwrap_or_default())
        .collect()
}

#[derive(Default)]
pub struct State {
    next: u64,
    pub posted: Vec<Posted>,
    /// (channel, ts, name) the bot reacted with.
    pub reactions: Vec<(String, String, String)>,
    /// The views the bot opened: (trigger_id, view).
    pub views: Vec<(String, Value)>,
    /// The `views.publish` calls (Home tabs).
    pub published: Vec<Value>,
    /// User group id -> members.
    pub groups: HashMap<String, Vec<String>>,
    pub group_lookups: usize,
    dm_channels: HashMap<String, String>,
    /// Envelope ids the bot acknowledged.
    pub acks: Vec<String>,
    /// The acknowledgements that carried a payload (a slash command's answer), by envelope id.
    pub ack_payloads: HashMap<String, Value>,
    pub hellos: usize,
    socket: Option<mpsc::UnboundedSender<Value>>,
    /// Answer the next N `chat.postMessage` with 429 and `Retry-After: 1`.
    pub rate_limit_next: usize,
    pub rate_limited: usize,
    /// Post the next N `chat.postMessage` but answer `internal_error` (an ambiguous failure).
    pub fail_after_post_next: usize,
    pub history_checks: usize,
    /// How many of those were `conversations.replies` (a thread looked into).
    pub replies_checks: usize,
    /// Slack's per-channel limit on `chat.postMessage`, when set: a burst of this many posts,
    /// then one a second; a post over it is answered 429 with `Retry-After: 1`.
    pub channel_burst: Option<f64>,
    /// Per channel: (posts still allowed, when last counted).
    channel_buckets: HashMap<String, (f64, Instant)>,
    /// Files of the external upload flow: id -> (name, announced length, bytes uploaded).
    pub uploads: HashMap<String, (String, usize, Vec<u8>)>,
    /// Files shared by `files.completeUploadExternal`: (channel, name, bytes).
    pub shared_files: Vec<(String, String, Vec<u8>)>,
    /// User id -> display name, for `users.info`.
    pub names: HashMap<String, String>,
    /// `chat.postEphemeral` calls, as sent.
    pub ephemerals: Vec<Value>,
    /// Users who turned the app's Messages tab off: a post to their DM is `messages_tab_disabled`.
    pub messages_tab_off: Vec<String>,
    /// How many posts were refused that way.
    pub refused_dms: usize,
    /// Post the next `chat.postMessage` whose metadata id starts with this, but answer
    /// `internal_error` (an ambiguous failure of one chosen post).
    pub fail_after_post_with: Option<String>,
    /// Posts the bot meant as replies to a reply (Slack flattens them into the parent's thread).
    pub nested_replies: usize,
}

impl State {
    fn next(&mut self) -> u64 {
        self.next += 1;
        self.next
    }

    fn ts(&mut self) -> String {
        format!("1764590000.{:06}", self.next())
    }

    pub fn dm_channel(&mut self, user: &str) -> String {
        if let Some(channel) = self.dm_channels.get(user) {
            return channel.clone();
        }
        let channel = format!("D{}", user.trim_start_matches('U'));
        self.dm_channels.insert(user.into(), channel.clone());
        channel
    }
}

#[derive(Clone)]
pub struct FakeSlack {
    pub api: SocketAddr,
    pub socket: SocketAddr,
    pub state: Arc<Mutex<State>>,
}

/// What Slack does to typed text: `&`, `<`, `>` escaped, emails auto-linked.
fn as_slack_text(typed: &str) -> String {
    let escaped = typed.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    escaped
        .split(' ')
        .map(|word| {
            if word.contains('@') && word.contains('.') {
                format!("<mailto:{word}|{word}>")
            } else {
                word.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn ok(value: Value) -> Response {
    let mut value = value;
    value["ok"] = json!(true);
    (StatusCode::OK, axum::Json(value)).into_response()
}

fn api_error(error: &str) -> Response {
    (StatusCode::OK, axum::Json(json!({"ok": false, "error": error}))).into_response()
}

impl FakeSlack {
    pub async fn start() -> FakeSlack {
        let api_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let socket_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let fake = FakeSlack {
            api: api_listener.local_addr().unwrap(),
            socket: socket_listener.local_addr().unwrap(),
            state: Arc::default(),
        };
        let api_fake = fake.clone();
        let app = Router::new().fallback(move |uri: Uri, headers: HeaderMap, body: Bytes| {
            let fake = api_fake.clone();
            async move { fake.web_api(uri, headers, body) }
        });
        tokio::spawn(async move { axum::serve(api_listener, app).await.unwrap() });
        let socket_fake = fake.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = socket_listener.accept().await {
                let fake = socket_fake.clone();
                tokio::spawn(async move { fake.socket_session(stream).await });
            }
        });
        fake
    }

    pub fn api_base(&self) -> String {
        format!("http://{}/api", self.api)
    }

    fn web_api(&self, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
        let method = uri.path().trim_start_matches("/api/").to_string();
        let token = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default()
            .to_string();
        let query: HashMap<String, String> =
            uri.query().map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect()).unwrap_or_default();
        // The URL `files.getUploadURLExternal` handed out: the file's bytes, raw.
        if let Some(file) = uri.path().strip_prefix("/upload/") {
            let mut state = self.state.lock().unwrap();
            return match state.uploads.get_mut(file) {
                Some(upload) => {
                    upload.2 = body.to_vec();
                    ok(json!({}))
                }
                None => (StatusCode::NOT_FOUND, "no such upload").into_response(),
            };
        }
        let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        if method == "apps.connections.open" {
            if token != APP_TOKEN {
                return api_error("invalid_auth");
            }
            return ok(json!({"url": format!("ws://{}/link", self.socket)}));
        }
        if token != BOT_TOKEN {
            return api_error("invalid_auth");
        }
        let mut state = self.state.lock().unwrap();
        match method.as_str() {
            "auth.test" => ok(json!({"url": "https://fake.slack.example/", "team": "Fake", "user": "refund-bot",
                                     "team_id": TEAM, "user_id": BOT_USER, "bot_id": "B0000001"})),
            "files.getUploadURLExternal" => {
                let (Some(name), Some(length)) = (query.get("filename"), query.get("length")) else {
                    return api_error("invalid_arguments");
                };
                let id = format!("F{:08}", state.next());
                state.uploads.insert(id.clone(), (name.clone(), length.parse().unwrap_or(0), vec![]));
                ok(json!({"upload_url": format!("http://{}/upload/{id}", self.api), "file_id": id}))
            }
            "files.completeUploadExternal" => {
                let channel = body["channel_id"].as_str().unwrap_or_default().to_string();
                let mut shared = Vec::new();
                for file in body["files"].as_array().cloned().unwrap_or_default() {
                    let id = file["id"].as_str().unwrap_or_default();
                    let Some((name, length, bytes)) = state.uploads.remove(id) else {
                        return api_error("file_not_found");
                    };
                    if bytes.len() != length {
                        return api_error("file_uploads_incomplete");
                    }
                    shared.push(json!({"id": id, "name": name, "title": file["title"]}));
                    state.shared_files.push((channel.clone(), name, bytes));
                }
                ok(json!({"files": shared}))
            }
            "chat.postMessage" => {
                if let Err(error) = serde_json::from_value::<SlackApiChatPostMessageRequest>(body.clone()) {
                    panic!("slack-morphism cannot read this chat.postMessage ({error}): {body:#}");
                }
                if state.rate_limit_next > 0 {
                    state.rate_limit_next -= 1;
                    state.rate_limited += 1;
                    return ratelimited();
                }
                let requested = body["channel"].as_str().unwrap_or_default().to_string();
                let channel = if requested.starts_with('U') { state.dm_channel(&requested) } else { requested };
                let tab_off = state.messages_tab_off.iter().any(|u| state.dm_channels.get(u) == Some(&channel));
                if tab_off {
                    state.refused_dms += 1;
                    return api_error("messages_tab_disabled");
                }
                let mut body = body;
                if let Some(parent) = body["thread_ts"].as_str() {
                    // Slack threads do not nest: a reply to a reply lands in the parent's thread.
                    if let Some(top) = state.posted.iter().find(|p| p.ts == parent).and_then(Posted::thread) {
                        state.nested_replies += 1;
                        body["thread_ts"] = json!(top);
                    }
                }
                if let Some(burst) = state.channel_burst {
                    let now = Instant::now();
                    let (tokens, at) = state.channel_buckets.entry(channel.clone()).or_insert((burst, now));
                    *tokens = (*tokens + now.duration_since(*at).as_secs_f64()).min(burst);
                    *at = now;
                    if *tokens < 1.0 {
                        state.rate_limited += 1;
                        return ratelimited();
                    }
                    *tokens -= 1.0;
                }
                let ts = state.ts();
                state.posted.push(Posted {
                    ts: ts.clone(),
                    channel: channel.clone(),
                    body: body.clone(),
                    edits: vec![],
                    at: Instant::now(),
                });
                if state.fail_after_post_next > 0 {
                    state.fail_after_post_next -= 1;
                    return api_error("internal_error");
                }
                let id = body["metadata"]["event_payload"]["id"].as_str().unwrap_or_default();
                if state.fail_after_post_with.as_ref().is_some_and(|prefix| id.starts_with(prefix.as_str())) {
                    state.fail_after_post_with = None;
                    return api_error("internal_error");
                }
                ok(
                    json!({"channel": channel, "ts": ts, "message": {"type": "message", "text": body["text"], "ts": ts, "bot_id": "B0000001"}}),
                )
            }
            "chat.update" => {
                let (channel, ts) =
                    (body["channel"].as_str().unwrap_or_default(), body["ts"].as_str().unwrap_or_default());
                if channel.starts_with('U') {
                    return api_error("channel_not_found");
                }
                let Some(posted) = state.posted.iter_mut().find(|p| p.channel == channel && p.ts == ts) else {
                    return api_error("message_not_found");
                };
                posted.edits.push(body.clone());
                ok(json!({"channel": channel, "ts": ts, "text": body["text"]}))
            }
            "reactions.add" => {
                let item = (
                    body["channel"].as_str().unwrap_or_default().to_string(),
                    body["timestamp"].as_str().unwrap_or_default().to_string(),
                );
                let name = body["name"].as_str().unwrap_or_default().to_string();
                if state.reactions.contains(&(item.0.clone(), item.1.clone(), name.clone())) {
                    return api_error("already_reacted");
                }
                state.reactions.push((item.0, item.1, name));
                ok(json!({}))
            }
            "views.open" => {
                let trigger = body["trigger_id"].as_str().unwrap_or_default().to_string();
                if state.views.iter().any(|(t, _)| *t == trigger) {
                    return api_error("expired_trigger_id");
                }
                if let Err(error) = serde_json::from_value::<SlackView>(body["view"].clone()) {
                    panic!("slack-morphism cannot read this view ({error}): {body:#}");
                }
                let id = format!("V{}", state.next());
                state.views.push((trigger, body["view"].clone()));
                let mut view = body["view"].clone();
                view["id"] = json!(id);
                ok(json!({"view": view}))
            }
            "views.publish" => {
                if let Err(error) = serde_json::from_value::<SlackView>(body["view"].clone()) {
                    panic!("slack-morphism cannot read this view ({error}): {body:#}");
                }
                state.published.push(body.clone());
                ok(json!({"view": body["view"]}))
            }
            "chat.postEphemeral" => {
                if let Err(error) = serde_json::from_value::<SlackApiChatPostEphemeralRequest>(body.clone()) {
                    panic!("slack-morphism cannot read this chat.postEphemeral ({error}): {body:#}");
                }
                state.ephemerals.push(body.clone());
                let ts = state.ts();
                ok(json!({"message_ts": ts}))
            }
            "users.info" => {
                let user = query.get("user").cloned().unwrap_or_default();
                let Some(name) = state.names.get(&user).cloned() else { return api_error("user_not_found") };
                ok(json!({"user": {"id": user, "name": name.to_lowercase(), "real_name": format!("{name} Example"),
                                   "profile": {"display_name": name, "real_name": format!("{name} Example")}}}))
            }
            "usergroups.users.list" => {
                state.group_lookups += 1;
                let group = query.get("usergroup").cloned().unwrap_or_default();
                ok(json!({"users": state.groups.get(&group).cloned().unwrap_or_default()}))
            }
            // Like Slack's, the history holds a channel's top-level messages, not thread replies;
            // `conversations.replies` has a thread (its parent first, then the replies).
            "conversations.history" | "conversations.replies" => {
                state.history_checks += 1;
                let channel = query.get("channel").cloned().unwrap_or_default();
                let metadata = query.get("include_all_metadata").is_some_and(|v| v == "true");
                let thread = query.get("ts").cloned();
                if method == "conversations.replies" {
                    state.replies_checks += 1;
                }
                let replies = method == "conversations.replies";
                // A reply's own `ts` gives that reply alone (with its `thread_ts`), as Slack does.
                let asked_reply =
                    thread.as_ref().is_some_and(|t| state.posted.iter().any(|p| p.ts == *t && p.thread().is_some()));
                let in_view = |p: &&Posted| match (&thread, p.thread()) {
                    _ if !replies => p.thread().is_none(),
                    (Some(asked), _) if asked_reply => *asked == p.ts,
                    (Some(parent), Some(of)) => *parent == of,
                    (Some(parent), None) => *parent == p.ts,
                    (None, _) => false,
                };
                let mut messages: Vec<Value> = state
                    .posted
                    .iter()
                    .rev()
                    .filter(|p| p.channel == channel)
                    .filter(in_view)
                    .map(|p| {
                        let mut m =
                            json!({"type": "message", "ts": p.ts, "text": p.body["text"], "bot_id": "B0000001"});
                        if metadata {
                            m["metadata"] = p.body["metadata"].clone();
                        }
                        if let Some(parent) = p.thread() {
                            m["thread_ts"] = json!(parent);
                        }
                        m
                    })
                    .collect();
                if replies {
                    // Replies come oldest first, the parent at the top.
                    messages.reverse();
                }
                ok(json!({"messages": messages, "has_more": false}))
            }
            _ => api_error("unknown_method"),
        }
    }

    async fn socket_session(&self, stream: tokio::net::TcpStream) {
        let Ok(mut ws) = tokio_tungstenite::accept_async(stream).await else {
            return;
        };
        let (tx, mut rx) = mpsc::unbounded_channel::<Value>();
        let hello = json!({"type": "hello", "num_connections": 1,
                           "debug_info": {"host": "fake-slack", "approximate_connection_time": 18060},
                           "connection_info": {"app_id": APP_ID}});
        if ws.send(WsMessage::Text(hello.to_string())).await.is_err() {
            return;
        }
        {
            let mut state = self.state.lock().unwrap();
            state.hellos += 1;
            state.socket = Some(tx);
        }
        loop {
            tokio::select! {
                incoming = ws.next() => {
                    match incoming {
                        Some(Ok(WsMessage::Text(text))) => {
                            let ack: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                            if let Some(id) = ack["envelope_id"].as_str() {
                                let mut state = self.state.lock().unwrap();
                                state.acks.push(id.to_string());
                                if !ack["payload"].is_null() {
                                    state.ack_payloads.insert(id.to_string(), ack["payload"].clone());
                                }
                            }
                        }
                        Some(Ok(_)) => {}
                        _ => return,
                    }
                }
                outgoing = rx.recv() => {
                    let Some(frame) = outgoing else { return };
                    if ws.send(WsMessage::Text(frame.to_string())).await.is_err() { return; }
                }
            }
        }
    }

    fn send(&self, frame: Value) {
        let socket = self.state.lock().unwrap().socket.clone().expect("the bot is connected");
        socket.send(frame).expect("socket session alive");
    }

    /// An `events_api` envelope around an event, checked against slack-morphism's types;
    /// returns (envelope id, event id).
    pub fn push_event(&self, event: Value) -> (String, String) {
        let (envelope, event_id) = {
            let mut state = self.state.lock().unwrap();
            (format!("env-{}", state.next()), format!("Ev{:08}", state.next()))
        };
        self.push_event_with_id(&envelope, &event_id, event);
        (envelope, event_id)
    }

    pub fn push_event_with_id(&self, envelope: &str, event_id: &str, event: Value) {
        let payload = self.event_callback(event_id, event);
        self.send(json!({"envelope_id": envelope, "type": "events_api", "accepts_response_payload": false,
                         "retry_attempt": 0, "retry_reason": "", "payload": payload}));
    }

    /// An `event_callback` payload, as Socket Mode and the Events API both carry it.
    pub fn event_callback(&self, event_id: &str, event: Value) -> Value {
        let payload = json!({"token": "verification", "team_id": TEAM, "api_app_id": APP_ID, "event": event,
                             "type": "event_callback", "event_id": event_id, "event_time": 1764590000,
                             "authorizations": [], "is_ext_shared_channel": false});
        match serde_json::from_value::<SlackPushEventCallback>(payload.clone()) {
            Ok(parsed) if matches!(parsed.event, SlackEventCallbackBody::Unknown(_)) => {
                panic!("slack-morphism does not know this event: {payload:#}")
            }
            Ok(_) => payload,
            Err(error) => panic!("slack-morphism cannot read this event ({error}): {payload:#}"),
        }
    }

    fn interactive(&self, payload: Value) -> String {
        if let Err(error) = serde_json::from_value::<SlackInteractionEvent>(payload.clone()) {
            panic!("slack-morphism cannot read this interaction ({error}): {payload:#}");
        }
        let envelope = format!("env-{}", self.state.lock().unwrap().next());
        self.send(json!({"envelope_id": envelope, "type": "interactive", "accepts_response_payload": true, "payload": payload}));
        envelope
    }

    /// A post of the bot's that Slack holds though the bot never heard back (a crash right after
    /// `chat.postMessage`): in the customer's DM, tagged with our outbox id.
    pub fn seed_post(&self, user: &str, outbox_id: &str, text: &str) {
        let mut state = self.state.lock().unwrap();
        let channel = state.dm_channel(user);
        let ts = state.ts();
        let body = json!({"channel": channel, "text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
                          "metadata": {"event_type": "refund_bot_outbox", "event_payload": {"id": outbox_id}}});
        state.posted.push(Posted { ts, channel, body, edits: vec![], at: Instant::now() });
    }

    /// Slack asks the bot to reconnect (as it does every few hours).
    pub fn disconnect(&self, reason: &str) {
        self.send(json!({"type": "disconnect", "reason": reason, "debug_info": {"host": "fake-slack"}}));
    }

    /// `/refund` typed in a channel; returns the envelope id.
    pub fn slash_refund(&self, who: &str, channel: &str) -> String {
        let n = self.state.lock().unwrap().next();
        let payload = json!({"token": "verification", "team_id": TEAM, "team_domain": "fake", "channel_id": channel,
                             "channel_name": "general", "user_id": who, "user_name": "someone", "command": "/refund",
                             "text": "", "api_app_id": APP_ID, "is_enterprise_install": "false",
                             "response_url": format!("https://hooks.slack.example/commands/{n}"),
                             "trigger_id": format!("trigger-{n}")});
        if let Err(error) = serde_json::from_value::<SlackCommandEvent>(payload.clone()) {
            panic!("slack-morphism cannot read this command ({error}): {payload:#}");
        }
        let envelope = format!("env-{n}");
        self.send(json!({"envelope_id": envelope, "type": "slash_commands", "accepts_response_payload": true, "payload": payload}));
        envelope
    }

    /// A customer's direct message event (`message.im`).
    pub fn dm_event(&self, customer: &str, typed: &str) -> Value {
        let mut state = self.state.lock().unwrap();
        let channel = state.dm_channel(customer);
        let ts = state.ts();
        json!({"type": "message", "channel": channel, "user": customer, "text": as_slack_text(typed), "ts": ts,
               "event_ts": ts, "channel_type": "im", "team": TEAM})
    }

    /// A customer's direct message over Socket Mode; returns (envelope id, event id).
    pub fn customer_says(&self, customer: &str, typed: &str) -> (String, String) {
        let event = self.dm_event(customer, typed);
        self.push_event(event)
    }

    /// Someone writes a reply in the thread of `parent` (a case's card) in the agents' channel
    /// (`message.channels`); returns (event id, the reply's `ts`).
    pub fn writes_in_thread(&self, who: &str, parent: &Posted, typed: &str) -> (String, String) {
        let event = self.thread_event(who, parent, typed);
        let ts = event["ts"].as_str().unwrap_or_default().to_string();
        let (_, event_id) = self.push_event(event);
        (event_id, ts)
    }

    /// The `message` event of a reply in a channel thread; `ts` in it is the reply's.
    pub fn thread_event(&self, who: &str, parent: &Posted, typed: &str) -> Value {
        let ts = self.state.lock().unwrap().ts();
        json!({"type": "message", "channel": parent.channel, "user": who, "text": as_slack_text(typed), "ts": ts,
               "thread_ts": parent.ts, "event_ts": ts, "channel_type": "channel", "team": TEAM})
    }

    /// A message event made a message with a file (`file_share`), as Slack sends it.
    pub fn with_file(&self, mut event: Value, name: &str) -> Value {
        let id = format!("F{:08}", self.state.lock().unwrap().next());
        event["subtype"] = json!("file_share");
        event["files"] = json!([{"id": id, "name": name, "title": name, "mimetype": "image/png", "filetype": "png",
                                 "user": event["user"], "url_private": format!("https://files.slack.example/{id}/{name}")}]);
        event
    }

    /// The bot's replies in the thread of `parent`, oldest first.
    pub fn thread_of(&self, parent: &Posted) -> Vec<Posted> {
        let state = self.state.lock().unwrap();
        state.posted.iter().filter(|p| p.thread().as_deref() == Some(parent.ts.as_str())).cloned().collect()
    }

    /// The interaction payload of a button press on a post.
    pub fn press_payload(&self, who: &str, on: &Posted, action_id: &str) -> Value {
        let n = self.state.lock().unwrap().next();
        json!({
            "type": "block_actions", "team": {"id": TEAM, "domain": "fake"},
            "user": {"id": who, "username": "someone", "team_id": TEAM}, "api_app_id": APP_ID,
            "token": "verification", "trigger_id": format!("trigger-{n}"),
            "container": {"type": "message", "message_ts": on.ts, "channel_id": on.channel, "is_ephemeral": false},
            "channel": {"id": on.channel, "name": "somewhere"},
            "response_url": format!("https://hooks.slack.example/actions/{n}"),
            "actions": [{"type": "button", "action_id": action_id, "block_id": "b", "value": action_id,
                         "text": {"type": "plain_text", "text": "x"}, "action_ts": format!("1764590100.{n:06}")}]
        })
    }

    /// A button press over Socket Mode; returns the envelope id.
    pub fn press(&self, who: &str, on: &Posted, action_id: &str) -> String {
        let payload = self.press_payload(who, on, action_id);
        self.interactive(payload)
    }

    /// Submits the newest view the bot opened with this text in its input.
    pub fn submit_view(&self, who: &str, text: &str) -> String {
        let (view, n) = {
            let mut state = self.state.lock().unwrap();
            (state.views.last().expect("a view was opened").1.clone(), state.next())
        };
        let mut view = view;
        view["id"] = json!(format!("V{n}"));
        view["team_id"] = json!(TEAM);
        view["hash"] = json!(format!("hash-{n}"));
        view["app_id"] = json!(APP_ID);
        view["state"] = json!({"values": {"reply": {"text": {"type": "plain_text_input", "value": text}}}});
        self.interactive(json!({
            "type": "view_submission", "team": {"id": TEAM, "domain": "fake"},
            "user": {"id": who, "username": "someone", "team_id": TEAM}, "api_app_id": APP_ID,
            "token": "verification", "trigger_id": format!("trigger-{n}"), "view": view
        }))
    }

    /// The `reaction_added` event of someone reacting to a post.
    pub fn reaction_event(&self, who: &str, on: &Posted, name: &str) -> Value {
        let ts = self.state.lock().unwrap().ts();
        json!({"type": "reaction_added", "user": who, "reaction": name, "item_user": BOT_USER,
               "item": {"type": "message", "channel": on.channel, "ts": on.ts}, "event_ts": ts})
    }

    pub fn react(&self, who: &str, on: &Posted, name: &str) {
        let event = self.reaction_event(who, on, name);
        self.push_event(event);
    }

    pub fn posted_in(&self, channel: &str) -> Vec<Posted> {
        self.state.lock().unwrap().posted.iter().filter(|p| p.channel == channel).cloned().collect()
    }

    pub fn dm_of(&self, user: &str) -> Vec<Posted> {
        let channel = self.state.lock().unwrap().dm_channel(user);
        self.posted_in(&channel)
    }

    /// Waits (bounded, 15 s) until `check` holds, for the bot works asynchronously.
    pub async fn until<T>(&self, what: &str, mut check: impl FnMut(&FakeSlack) -> Option<T>) -> T {
        for _ in 0..600 {
            if let Some(found) = check(self) {
                return found;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("timed out waiting for {what}");
    }
}

/// Slack's answer when a method is rate limited: 429 with `Retry-After: 1`.
fn ratelimited() -> Response {
    (StatusCode::TOO_MANY_REQUESTS, [("retry-after", "1")], axum::Json(json!({"ok": false, "error": "ratelimited"})))
        .into_response()
}
