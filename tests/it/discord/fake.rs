//! A fake Discord on 127.0.0.1: the REST routes the bot uses and a gateway WebSocket speaking
//! Hello / Identify / Ready / heartbeat acks / Resume, with sequence numbers. Every dispatch it
//! sends is first checked to deserialize in serenity, so no event is silently dropped. The bot's
//! channel permissions are checked for what it sends (a test denies one with `deny`), answered
//! like Discord: 403 with code 50013 "Missing Permissions".

use axum::body::Bytes;
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use serenity::all::Permissions;
use serenity::model::event::{Event, GatewayEvent};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message as WsMessage;

pub const BOT_ID: &str = "900000000000000001";
pub const APP_ID: &str = "900000000000000002";
pub const GUILD_ID: &str = "910000000000000001";
pub const AGENTS_CHANNEL: &str = "920000000000000001";
pub const MANAGERS_CHANNEL: &str = "920000000000000002";
pub const AGENT_ROLE: &str = "930000000000000001";
pub const MANAGER_ROLE: &str = "930000000000000002";

/// A message the bot posted (and its later edits).
#[derive(Debug, Clone)]
pub struct Posted {
    pub id: String,
    pub channel_id: String,
    pub body: Value,
    pub edits: Vec<Value>,
    /// Files uploaded with the post (multipart): (file name, bytes).
    pub files: Vec<(String, Vec<u8>)>,
    /// When the POST arrived (read by `benches/discord.rs`, not by the tests).
    #[allow(dead_code)]
    pub at: Instant,
}

impl Posted {
    pub fn content(&self) -> String {
        self.body["content"].as_str().unwrap_or_default().to_string()
    }

    /// Everything a person reads: the content and any embed descriptions.
    pub fn text(&self) -> String {
        let embeds = self.body["embeds"].as_array().cloned().unwrap_or_default();
        let described: Vec<&str> = embeds.iter().filter_map(|e| e["description"].as_str()).collect();
        format!("{}\n{}", self.content(), described.join("\n"))
    }

    /// The custom id of the button with this label text.
    pub fn button(&self, label_part: &str) -> String {
        let rows = self.body["components"].as_array().cloned().unwrap_or_default();
        rows.iter()
            .flat_map(|r| r["components"].as_array().cloned().unwrap_or_default())
            .find(|b| b["label"].as_str().is_some_and(|l| l.contains(label_part)))
            .and_then(|b| b["custom_id"].as_str().map(str::to_string))
            .unwrap_or_else(|| panic!("no button like {label_part:?} on {:#}", self.body))
    }
}

#[derive(Default)]
pub struct State {
    next_id: u64,
    pub posted: Vec<Posted>,
    pub reactions: Vec<(String, String)>,
    pub removed_reactions: Vec<(String, String, String)>,
    pub callbacks: HashMap<String, Vec<Value>>,
    pub commands: Vec<Value>,
    dm_channels: HashMap<String, String>,
    nonces: HashMap<String, usize>,
    pub identifies: usize,
    pub resumes: usize,
    pub heartbeats: usize,
    seq: u64,
    pub gateway: Option<mpsc::UnboundedSender<Value>>,
    /// Answer the next N message posts with 429 and a retry-after.
    pub rate_limit_next: usize,
    pub rate_limited: usize,
    /// When each REST request arrived, every route (for the benchmarks).
    pub rest_at: Vec<Instant>,
    /// A person's Discord client locale, which interactions carry; `en-US` when not set.
    pub locales: HashMap<String, String>,
    /// Permissions the bot lacks, per channel (everything else is granted).
    denied: HashMap<String, Permissions>,
    /// Calls refused with 50013, as (method, path, the permissions the call lacked).
    pub refused: Vec<(String, String, Permissions)>,
    /// Public threads started from a message: thread id (= the message's id) -> parent channel.
    pub threads: HashMap<String, String>,
    /// Thread starts refused because the thread existed (160004).
    pub threads_existing: usize,
    /// Customers who closed their DMs to the bot: posts to them get 403 50007.
    closed_dms: std::collections::HashSet<String>,
    /// Posts to those customers, all refused.
    pub refused_dms: usize,
    /// What customers wrote in their DMs (the bot's posts are in `posted`), for history reads.
    dm_history: Vec<(String, Value)>,
    /// History reads (`GET /channels/{id}/messages`), as (channel, after).
    pub history_reads: Vec<(String, String)>,
    /// Threads archived (idle for their auto-archive time): edits there fail with 50083.
    archived: std::collections::HashSet<String>,
    /// Threads the bot unarchived (`PATCH /channels/{thread}` with `archived: false`).
    pub unarchived: usize,
    /// Threads the bot archived (`PATCH /channels/{thread}` with `archived: true`).
    pub archived_by_bot: usize,
}

impl State {
    /// The permissions of `needed` the bot lacks in `channel`, if any.
    fn lacks(&self, channel: &str, needed: Permissions) -> Option<Permissions> {
        let lacking = self.denied.get(channel).copied().unwrap_or_else(Permissions::empty) & needed;
        (!lacking.is_empty()).then_some(lacking)
    }

    fn snowflake(&mut self) -> String {
        self.next_id += 1;
        format!("{}", 950_000_000_000_000_000u64 + self.next_id)
    }
}

#[derive(Clone)]
pub struct FakeDiscord {
    pub rest: SocketAddr,
    pub gateway: SocketAddr,
    pub state: Arc<Mutex<State>>,
}

pub fn user(id: &str, name: &str, bot: bool) -> Value {
    json!({"id": id, "username": name, "discriminator": "0", "global_name": null, "avatar": null, "bot": bot})
}

pub fn member(id: &str, roles: &[&str]) -> Value {
    json!({"user": user(id, "someone", false), "roles": roles, "joined_at": "2026-01-01T00:00:00.000000+00:00",
           "deaf": false, "mute": false, "flags": 0, "pending": false})
}

/// A public thread started from message `id` in `parent` (a thread's id is its starter's).
fn thread_json(id: &str, parent: &str, name: &str) -> Value {
    json!({"id": id, "type": 11, "guild_id": GUILD_ID, "parent_id": parent, "owner_id": BOT_ID, "name": name,
           "last_message_id": null, "rate_limit_per_user": 0, "message_count": 0, "member_count": 1,
           "total_message_sent": 0, "flags": 0, "permission_overwrites": [], "position": 0, "nsfw": false,
           "thread_metadata": {"archived": false, "auto_archive_duration": 10080,
                               "archive_timestamp": "2026-11-23T12:00:00.000000+00:00", "locked": false,
                               "invitable": true, "create_timestamp": "2026-11-23T12:00:00.000000+00:00"}})
}

fn message_json(id: &str, channel_id: &str, author: Value, content: &str, components: Value) -> Value {
    // Discord always answers with a list, empty when a message has no components.
    let components = if components.is_null() { json!([]) } else { components };
    json!({"id": id, "channel_id": channel_id, "author": author, "content": content,
           "timestamp": "2026-11-23T12:00:00.000000+00:00", "edited_timestamp": null, "tts": false,
           "mention_everyone": false, "mentions": [], "mention_roles": [], "attachments": [], "embeds": [],
           "pinned": false, "type": 0, "components": components})
}

impl FakeDiscord {
    pub async fn start() -> FakeDiscord {
        let rest_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let gateway_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let fake = FakeDiscord {
            rest: rest_listener.local_addr().unwrap(),
            gateway: gateway_listener.local_addr().unwrap(),
            state: Arc::default(),
        };
        let rest_fake = fake.clone();
        let app =
            Router::new().fallback(move |method: Method, uri: Uri, headers: axum::http::HeaderMap, body: Bytes| {
                let fake = rest_fake.clone();
                async move {
                    let content_type = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default();
                    let (body, files) = match content_type.split_once("boundary=") {
                        Some((kind, boundary)) if kind.starts_with("multipart/form-data") => multipart(&body, boundary),
                        _ => (body, vec![]),
                    };
                    fake.rest(method, uri.path().to_string(), uri.query().unwrap_or_default(), body, files)
                }
            });
        tokio::spawn(async move { axum::serve(rest_listener, app).await.unwrap() });
        let gateway_fake = fake.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = gateway_listener.accept().await {
                let fake = gateway_fake.clone();
                tokio::spawn(async move { fake.gateway_session(stream).await });
            }
        });
        fake
    }

    /// Takes `permissions` away from the bot in `channel` (as a channel override would).
    pub fn deny(&self, channel: &str, permissions: Permissions) {
        *self.state.lock().unwrap().denied.entry(channel.to_string()).or_insert_with(Permissions::empty) |= permissions;
    }

    /// Gives `permissions` back to the bot in `channel` (the seller fixed the override).
    pub fn allow(&self, channel: &str, permissions: Permissions) {
        if let Some(denied) = self.state.lock().unwrap().denied.get_mut(channel) {
            denied.remove(permissions);
        }
    }

    pub fn api_base(&self) -> String {
        format!("http://{}", self.rest)
    }

    /// Discord archives an idle thread.
    pub fn archive(&self, thread: &str) {
        self.state.lock().unwrap().archived.insert(thread.to_string());
    }

    /// Whether a thread is archived now.
    pub fn is_archived(&self, thread: &str) -> bool {
        self.state.lock().unwrap().archived.contains(thread)
    }

    /// The customer closes their DMs to the bot (or leaves the server): posts to them fail.
    pub fn close_dms(&self, customer: &str) {
        self.state.lock().unwrap().closed_dms.insert(customer.to_string());
    }

    fn rest(&self, method: Method, path: String, query: &str, body: Bytes, files: Vec<(String, Vec<u8>)>) -> Response {
        let body: Value =
            if body.is_empty() { Value::Null } else { serde_json::from_slice(&body).unwrap_or(Value::Null) };
        let path = path.trim_start_matches("/api/v10").to_string();
        let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
        let mut state = self.state.lock().unwrap();
        state.rest_at.push(Instant::now());
        let ok = |v: Value| (StatusCode::OK, axum::Json(v)).into_response();
        if let Some((channel, needed)) = needed_permissions(method.as_str(), &parts, &body) {
            // In a thread, the parent channel's permissions count, and posting needs Send
            // Messages in Threads instead of Send Messages.
            let (channel, needed) = match state.threads.get(channel) {
                Some(parent) if needed.contains(Permissions::SEND_MESSAGES) => {
                    (parent.as_str(), (needed - Permissions::SEND_MESSAGES) | Permissions::SEND_MESSAGES_IN_THREADS)
                }
                Some(parent) => (parent.as_str(), needed),
                None => (channel, needed),
            };
            if let Some(lacking) = state.lacks(channel, needed) {
                state.refused.push((method.to_string(), path.clone(), lacking));
                let error = json!({"code": 50013, "message": "Missing Permissions"});
                return (StatusCode::FORBIDDEN, axum::Json(error)).into_response();
            }
        }
        match (method.as_str(), parts.as_slice()) {
            ("GET", ["gateway"]) => ok(json!({"url": format!("ws://{}", self.gateway)})),
            ("GET", ["users", "@me"]) => ok(user(BOT_ID, "refund-bot", true)),
            ("GET", ["oauth2", "applications", "@me"]) => ok(json!({
                "id": APP_ID, "name": "refund-bot", "icon": null, "description": "", "bot_public": true,
                "bot_require_code_grant": false, "verify_key": "00", "flags": 0, "team": null,
                "owner": user("900000000000000009", "seller", false)
            })),
            ("POST", ["applications", _, "guilds", _, "commands"]) => {
                let id = state.snowflake();
                state.commands.push(body.clone());
                ok(json!({"id": id, "application_id": APP_ID, "guild_id": GUILD_ID, "name": body["name"],
                          "description": body["description"], "type": 1, "version": "1", "default_member_permissions": null, "dm_permission": true}))
            }
            ("POST", ["users", "@me", "channels"]) => {
                let recipient = body["recipient_id"].as_str().unwrap_or_default().to_string();
                let channel = match state.dm_channels.get(&recipient) {
                    Some(c) => c.clone(),
                    None => {
                        let c = state.snowflake();
                        state.dm_channels.insert(recipient.clone(), c.clone());
                        c
                    }
                };
                ok(
                    json!({"id": channel, "type": 1, "recipients": [user(&recipient, "customer", false)], "last_message_id": null}),
                )
            }
            ("POST", ["channels", channel, "messages", message, "threads"]) => {
                if state.threads.contains_key(*message) {
                    state.threads_existing += 1;
                    let error =
                        json!({"code": 160004, "message": "A thread has already been created for this message"});
                    return (StatusCode::BAD_REQUEST, axum::Json(error)).into_response();
                }
                if !state.posted.iter().any(|p| p.id == *message && p.channel_id == *channel) {
                    return (StatusCode::NOT_FOUND, axum::Json(json!({"code": 10008, "message": "Unknown Message"})))
                        .into_response();
                }
                state.threads.insert(message.to_string(), channel.to_string());
                let thread = thread_json(message, channel, body["name"].as_str().unwrap_or_default());
                let gateway = state.gateway.clone();
                drop(state);
                if let Some(gateway) = gateway {
                    let _ = gateway.send(self.dispatch_payload("THREAD_CREATE", thread.clone()));
                }
                ok(thread)
            }
            ("PATCH", ["channels", thread]) => {
                let Some(parent) = state.threads.get(*thread).cloned() else {
                    return (StatusCode::NOT_FOUND, axum::Json(json!({"code": 10003, "message": "Unknown Channel"})))
                        .into_response();
                };
                if body["archived"] == json!(false) && state.archived.remove(*thread) {
                    state.unarchived += 1;
                }
                // The bot started the thread, so it may archive it without Manage Threads.
                if body["archived"] == json!(true) && state.archived.insert(thread.to_string()) {
                    state.archived_by_bot += 1;
                }
                let mut answer = thread_json(thread, &parent, "thread");
                answer["thread_metadata"]["archived"] = json!(state.archived.contains(*thread));
                ok(answer)
            }
            ("GET", ["channels", channel, "messages"]) => {
                let after: u64 =
                    query.split('&').find_map(|kv| kv.strip_prefix("after=")).and_then(|v| v.parse().ok()).unwrap_or(0);
                state.history_reads.push((channel.to_string(), after.to_string()));
                let mut found: Vec<(u64, Value)> = state
                    .dm_history
                    .iter()
                    .filter(|(c, _)| c == channel)
                    .map(|(_, m)| (m["id"].as_str().unwrap().parse().unwrap(), m.clone()))
                    .chain(state.posted.iter().filter(|p| p.channel_id == *channel).map(|p| {
                        let message =
                            message_json(&p.id, channel, user(BOT_ID, "refund-bot", true), &p.content(), json!([]));
                        (p.id.parse().unwrap(), message)
                    }))
                    .filter(|(id, _)| *id > after)
                    .collect();
                // Newest first, as Discord answers.
                found.sort_by_key(|m| std::cmp::Reverse(m.0));
                ok(Value::Array(found.into_iter().map(|(_, m)| m).collect()))
            }
            ("POST", ["channels", channel, "messages"]) => {
                let recipient = state.dm_channels.iter().find(|(_, c)| c == channel).map(|(u, _)| u.clone());
                if recipient.is_some_and(|r| state.closed_dms.contains(&r)) {
                    state.refused_dms += 1;
                    let error = json!({"code": 50007, "message": "Cannot send messages to this user"});
                    return (StatusCode::FORBIDDEN, axum::Json(error)).into_response();
                }
                if state.rate_limit_next > 0 {
                    state.rate_limit_next -= 1;
                    state.rate_limited += 1;
                    let body = json!({"message": "You are being rate limited.", "retry_after": 0.05, "global": false});
                    return (StatusCode::TOO_MANY_REQUESTS, [("retry-after", "1")], axum::Json(body)).into_response();
                }
                let content = body["content"].as_str().unwrap_or_default();
                let embeds = body["embeds"].as_array().cloned().unwrap_or_default();
                let too_long_embed =
                    embeds.iter().any(|e| e["description"].as_str().unwrap_or_default().chars().count() > 4096);
                if content.chars().count() > 2000 || too_long_embed {
                    let error = json!({"code": 50035, "message": "Invalid Form Body", "errors": {"content": "Must be 2000 or fewer in length."}});
                    return (StatusCode::BAD_REQUEST, axum::Json(error)).into_response();
                }
                // enforce_nonce: a repeated nonce returns the original message.
                let nonce = body["nonce"].as_str().map(str::to_string);
                if let Some(index) = nonce.as_ref().and_then(|n| state.nonces.get(n)) {
                    let original = state.posted[*index].clone();
                    return ok(message_json(
                        &original.id,
                        &original.channel_id,
                        user(BOT_ID, "refund-bot", true),
                        &original.content(),
                        original.body["components"].clone(),
                    ));
                }
                // Posting in an archived thread brings it back (Discord does so unless locked).
                state.archived.remove(*channel);
                let id = state.snowflake();
                state.posted.push(Posted {
                    id: id.clone(),
                    channel_id: channel.to_string(),
                    body: body.clone(),
                    edits: vec![],
                    files,
                    at: Instant::now(),
                });
                if let Some(nonce) = nonce {
                    let index = state.posted.len() - 1;
                    state.nonces.insert(nonce, index);
                }
                ok(message_json(&id, channel, user(BOT_ID, "refund-bot", true), content, body["components"].clone()))
            }
            ("PATCH", ["channels", channel, "messages", _]) if state.archived.contains(*channel) => {
                let error = json!({"code": 50083, "message": "Thread is archived"});
                (StatusCode::BAD_REQUEST, axum::Json(error)).into_response()
            }
            ("PATCH", ["channels", channel, "messages", message]) => {
                let Some(posted) = state.posted.iter_mut().find(|p| p.id == *message) else {
                    return (StatusCode::NOT_FOUND, axum::Json(json!({"code": 10008, "message": "Unknown Message"})))
                        .into_response();
                };
                posted.edits.push(body.clone());
                let content = body["content"].as_str().unwrap_or_default().to_string();
                ok(message_json(
                    message,
                    channel,
                    user(BOT_ID, "refund-bot", true),
                    &content,
                    body["components"].clone(),
                ))
            }
            ("PUT", ["channels", _, "messages", message, "reactions", emoji, "@me"]) => {
                let emoji = percent_decode(emoji);
                state.reactions.push((message.to_string(), emoji));
                StatusCode::NO_CONTENT.into_response()
            }
            ("DELETE", ["channels", _, "messages", message, "reactions", emoji, user_id]) => {
                let emoji = percent_decode(emoji);
                state.removed_reactions.push((message.to_string(), emoji, user_id.to_string()));
                StatusCode::NO_CONTENT.into_response()
            }
            ("POST", ["interactions", id, _token, "callback"]) => {
                let calls = state.callbacks.entry(id.to_string()).or_default();
                if !calls.is_empty() {
                    let error = json!({"code": 40060, "message": "Interaction has already been acknowledged."});
                    return (StatusCode::BAD_REQUEST, axum::Json(error)).into_response();
                }
                calls.push(body);
                StatusCode::NO_CONTENT.into_response()
            }
            _ => {
                let error = json!({"code": 0, "message": format!("fake Discord has no route {method} {path}")});
                (StatusCode::NOT_FOUND, axum::Json(error)).into_response()
            }
        }
    }

    async fn gateway_session(&self, stream: tokio::net::TcpStream) {
        let Ok(mut ws) = tokio_tungstenite::accept_async(stream).await else {
            return;
        };
        let (tx, mut rx) = mpsc::unbounded_channel::<Value>();
        let hello = json!({"op": 10, "d": {"heartbeat_interval": 1000}, "s": null, "t": null});
        if ws.send(WsMessage::Text(hello.to_string())).await.is_err() {
            return;
        }
        loop {
            tokio::select! {
                incoming = ws.next() => {
                    let Some(Ok(WsMessage::Text(text))) = incoming else { return };
                    let payload: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                    let reply = self.on_gateway(payload, &tx);
                    if let Some(reply) = reply {
                        if ws.send(WsMessage::Text(reply.to_string())).await.is_err() { return; }
                    }
                }
                outgoing = rx.recv() => {
                    let Some(payload) = outgoing else { return };
                    if payload.get("__drop").is_some() {
                        // A network blip: the connection goes without a close frame's reason.
                        let _ = ws.close(None).await;
                        return;
                    }
                    if ws.send(WsMessage::Text(payload.to_string())).await.is_err() { return; }
                }
            }
        }
    }

    fn on_gateway(&self, payload: Value, tx: &mpsc::UnboundedSender<Value>) -> Option<Value> {
        let mut state = self.state.lock().unwrap();
        match payload["op"].as_u64() {
            Some(1) => {
                state.heartbeats += 1;
                Some(json!({"op": 11, "d": null, "s": null, "t": null}))
            }
            Some(2) => {
                state.identifies += 1;
                state.gateway = Some(tx.clone());
                drop(state);
                let ready = json!({
                    "v": 10, "user": user(BOT_ID, "refund-bot", true), "guilds": [], "session_id": "fake-session",
                    "resume_gateway_url": format!("ws://{}", self.gateway), "application": {"id": APP_ID, "flags": 0},
                    "shard": [0, 1]
                });
                Some(self.dispatch_payload("READY", ready))
            }
            Some(6) => {
                state.resumes += 1;
                state.gateway = Some(tx.clone());
                drop(state);
                Some(self.dispatch_payload("RESUMED", json!({})))
            }
            _ => None,
        }
    }

    /// A dispatch with the next sequence number, checked against serenity's own types.
    fn dispatch_payload(&self, kind: &str, data: Value) -> Value {
        let seq = {
            let mut state = self.state.lock().unwrap();
            state.seq += 1;
            state.seq
        };
        let payload = json!({"op": 0, "s": seq, "t": kind, "d": data});
        match serde_json::from_value::<GatewayEvent>(payload.clone()) {
            Ok(GatewayEvent::Dispatch(_, Event::Unknown(_))) => {
                panic!("serenity would ignore this {kind}: {payload:#}")
            }
            Ok(GatewayEvent::Dispatch(..)) => {}
            Ok(other) => panic!("{kind} is not a dispatch: {other:?}"),
            Err(error) => panic!("serenity cannot read this {kind} ({error}): {payload:#}"),
        }
        payload
    }

    /// Sends a dispatch to the connected bot.
    pub fn dispatch(&self, kind: &str, data: Value) {
        let payload = self.dispatch_payload(kind, data);
        let gateway = self.state.lock().unwrap().gateway.clone().expect("the bot is connected");
        gateway.send(payload).expect("gateway session alive");
    }

    pub fn snowflake(&self) -> String {
        self.state.lock().unwrap().snowflake()
    }

    /// A customer's direct message to the bot.
    pub fn customer_says(&self, customer: &str, text: &str) -> String {
        let (id, message) = self.customer_writes(customer, text);
        self.dispatch("MESSAGE_CREATE", message);
        id
    }

    /// A customer's direct message with a file attached.
    pub fn customer_sends_file(&self, customer: &str, text: &str, filename: &str) -> String {
        let (id, mut message) = self.customer_writes(customer, text);
        let file = self.snowflake();
        let url = format!(
            "https://cdn.discordapp.com/attachments/{}/{file}/{filename}",
            message["channel_id"].as_str().unwrap()
        );
        message["attachments"] = json!([{"id": file, "filename": filename, "size": 2048, "url": url,
                                         "proxy_url": url, "content_type": "image/png"}]);
        self.dispatch("MESSAGE_CREATE", message);
        id
    }

    /// A customer's direct message while the bot is away: in the DM's history only (the
    /// gateway does not replay it).
    pub fn customer_says_offline(&self, customer: &str, text: &str) -> String {
        self.customer_writes(customer, text).0
    }

    /// Someone writes in a case's thread in the server, as a MESSAGE_CREATE with their member.
    pub fn writes_in_thread(&self, who: &str, nick: &str, roles: &[&str], thread: &str, text: &str) -> String {
        let id = self.snowflake();
        let mut message = message_json(&id, thread, user(who, "someone", false), text, json!([]));
        message["guild_id"] = json!(GUILD_ID);
        message["member"] = json!({"roles": roles, "nick": nick, "joined_at": "2026-01-01T00:00:00.000000+00:00",
                                   "deaf": false, "mute": false, "flags": 0, "pending": false});
        self.dispatch("MESSAGE_CREATE", message);
        id
    }

    /// The customer's message, kept in their DM's history; the MESSAGE_CREATE to send for it.
    fn customer_writes(&self, customer: &str, text: &str) -> (String, Value) {
        let channel = {
            let mut state = self.state.lock().unwrap();
            match state.dm_channels.get(customer) {
                Some(c) => c.clone(),
                None => {
                    let c = state.snowflake();
                    state.dm_channels.insert(customer.to_string(), c.clone());
                    c
                }
            }
        };
        let id = self.snowflake();
        let message = message_json(&id, &channel, user(customer, "customer", false), text, json!([]));
        self.state.lock().unwrap().dm_history.push((channel, message.clone()));
        (id, message)
    }

    fn locale_of(&self, who: &str) -> String {
        self.state.lock().unwrap().locales.get(who).cloned().unwrap_or_else(|| "en-US".into())
    }

    /// A button press: in a DM (no member) or in the server (member with roles).
    pub fn press(&self, who: &str, roles: Option<&[&str]>, on: &Posted, custom_id: &str) -> String {
        let id = self.snowflake();
        let mut data = json!({
            "id": id, "application_id": APP_ID, "type": 3, "token": format!("token-{id}"), "version": 1,
            "channel_id": on.channel_id, "locale": self.locale_of(who), "entitlements": [], "attachment_size_limit": 8388608,
            "authorizing_integration_owners": {},
            "data": {"custom_id": custom_id, "component_type": 2},
            "message": message_json(&on.id, &on.channel_id, user(BOT_ID, "refund-bot", true), &on.content(), on.body["components"].clone()),
        });
        match roles {
            Some(roles) => {
                data["guild_id"] = json!(GUILD_ID);
                data["member"] = member(who, roles);
            }
            None => data["user"] = user(who, "customer", false),
        }
        self.dispatch("INTERACTION_CREATE", data);
        id
    }

    /// A modal form submitted (an agent's edited reply).
    pub fn submit_modal(&self, who: &str, roles: &[&str], custom_id: &str, text: &str, channel: &str) -> String {
        let id = self.snowflake();
        self.dispatch("INTERACTION_CREATE", json!({
            "id": id, "application_id": APP_ID, "type": 5, "token": format!("token-{id}"), "version": 1,
            "channel_id": channel, "guild_id": GUILD_ID, "member": member(who, roles), "locale": self.locale_of(who),
            "entitlements": [], "attachment_size_limit": 8388608, "authorizing_integration_owners": {},
            "data": {"custom_id": custom_id, "components": [{"type": 1, "components": [{"type": 4, "custom_id": "text", "value": text}]}]}
        }));
        id
    }

    /// `/refund` in the server.
    pub fn slash_refund(&self, who: &str) -> String {
        let id = self.snowflake();
        self.dispatch(
            "INTERACTION_CREATE",
            json!({
                "id": id, "application_id": APP_ID, "type": 2, "token": format!("token-{id}"), "version": 1,
                "channel_id": AGENTS_CHANNEL, "guild_id": GUILD_ID, "member": member(who, &[]), "locale": self.locale_of(who),
                "entitlements": [], "attachment_size_limit": 8388608, "authorizing_integration_owners": {},
                "data": {"id": "940000000000000001", "name": "refund", "type": 1}
            }),
        );
        id
    }

    /// A reaction in the server, as a raw MESSAGE_REACTION_ADD.
    pub fn react(&self, who: &str, roles: &[&str], on: &Posted, emoji: &str) {
        self.dispatch(
            "MESSAGE_REACTION_ADD",
            json!({
                "user_id": who, "channel_id": on.channel_id, "message_id": on.id, "guild_id": GUILD_ID,
                "member": member(who, roles), "emoji": {"id": null, "name": emoji}, "burst": false, "type": 0
            }),
        );
    }

    /// Drops the bot's gateway connection, as a network blip would; serenity resumes.
    pub fn drop_connection(&self) {
        let gateway = self.state.lock().unwrap().gateway.take().expect("the bot is connected");
        let _ = gateway.send(json!({"__drop": true}));
    }

    /// Sends the same dispatch again with a new sequence number (a redelivery).
    pub fn redeliver_message(&self, customer: &str, id: &str, text: &str) {
        let channel = self.state.lock().unwrap().dm_channels.get(customer).cloned().unwrap();
        self.dispatch("MESSAGE_CREATE", message_json(id, &channel, user(customer, "customer", false), text, json!([])));
    }

    /// Messages posted to a channel, oldest first.
    pub fn posted_in(&self, channel: &str) -> Vec<Posted> {
        self.state.lock().unwrap().posted.iter().filter(|p| p.channel_id == channel).cloned().collect()
    }

    /// Posts in the agents' channel and in the threads started there, oldest first.
    pub fn posted_for_agents(&self) -> Vec<Posted> {
        let state = self.state.lock().unwrap();
        let in_agents = |p: &&Posted| {
            p.channel_id == AGENTS_CHANNEL || state.threads.get(&p.channel_id).is_some_and(|c| c == AGENTS_CHANNEL)
        };
        state.posted.iter().filter(in_agents).cloned().collect()
    }

    pub fn dm_of(&self, customer: &str) -> Vec<Posted> {
        let channel = self.state.lock().unwrap().dm_channels.get(customer).cloned();
        channel.map(|c| self.posted_in(&c)).unwrap_or_default()
    }

    /// Waits (bounded, 10 s) until `check` holds, for the bot works asynchronously. The bound
    /// covers serenity's shard restart after a dropped connection: it waits out its own 5 s
    /// shutdown timeout before it reconnects.
    pub async fn until<T>(&self, what: &str, mut check: impl FnMut(&FakeDiscord) -> Option<T>) -> T {
        for _ in 0..400 {
            if let Some(found) = check(self) {
                return found;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        panic!("timed out waiting for {what}");
    }
}

/// The channel a REST call acts in and the permissions Discord wants the bot to have there for
/// it (https://discord.com/developers/docs/topics/permissions); `None` for calls outside a
/// channel. Editing its own message needs no permission but Embed Links for an embed.
fn needed_permissions<'a>(method: &str, parts: &[&'a str], body: &Value) -> Option<(&'a str, Permissions)> {
    let embeds = body["embeds"].as_array().is_some_and(|e| !e.is_empty());
    let with_embeds = |base: Permissions| if embeds { base | Permissions::EMBED_LINKS } else { base };
    let needed = match (method, parts) {
        ("POST", ["channels", channel, "messages"]) => {
            (*channel, with_embeds(Permissions::VIEW_CHANNEL | Permissions::SEND_MESSAGES))
        }
        ("PATCH", ["channels", channel, "messages", _]) => (*channel, with_embeds(Permissions::VIEW_CHANNEL)),
        ("POST", ["channels", channel, "messages", _, "threads"]) => {
            (*channel, Permissions::VIEW_CHANNEL | Permissions::CREATE_PUBLIC_THREADS)
        }
        ("PUT", ["channels", channel, "messages", _, "reactions", _, "@me"]) => {
            (*channel, Permissions::VIEW_CHANNEL | Permissions::READ_MESSAGE_HISTORY | Permissions::ADD_REACTIONS)
        }
        ("DELETE", ["channels", channel, "messages", _, "reactions", _, "@me"]) => {
            (*channel, Permissions::VIEW_CHANNEL)
        }
        // Someone else's reaction.
        ("DELETE", ["channels", channel, "messages", _, "reactions", _, _]) => {
            (*channel, Permissions::VIEW_CHANNEL | Permissions::MANAGE_MESSAGES)
        }
        _ => return None,
    };
    Some(needed)
}

/// A multipart/form-data body as Discord reads it: the `payload_json` part is the message, the
/// parts with a file name are the files.
fn multipart(body: &[u8], boundary: &str) -> (Bytes, Vec<(String, Vec<u8>)>) {
    let boundary = format!("--{}", boundary.trim_matches('"'));
    let mut payload = Bytes::new();
    let mut files = Vec::new();
    let mut rest = body;
    while let Some(start) = find(rest, boundary.as_bytes()) {
        rest = &rest[start + boundary.len()..];
        let Some(end) = find(rest, boundary.as_bytes()) else { break };
        let part = rest[..end].strip_prefix(b"\r\n").unwrap_or(&rest[..end]);
        let part = part.strip_suffix(b"\r\n").unwrap_or(part);
        let Some(split) = find(part, b"\r\n\r\n") else { continue };
        let headers = String::from_utf8_lossy(&part[..split]).to_string();
        let content = part[split + 4..].to_vec();
        let field = |key: &str| {
            headers
                .lines()
                .flat_map(|line| line.split(';'))
                .find_map(|p| p.trim().strip_prefix(&format!("{key}=\"")).map(|v| v.trim_end_matches('"').to_string()))
        };
        match (field("name").as_deref(), field("filename")) {
            (_, Some(filename)) => files.push((filename, content)),
            (Some("payload_json"), None) => payload = Bytes::from(content),
            _ => {}
        }
    }
    (payload, files)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn percent_decode(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&raw[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
