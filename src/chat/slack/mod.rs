//! Slack through slack-morphism: Socket Mode (or Events API requests, see [`events_api`]) events
//! become engine events keyed by Slack's `event_id` or a payload id (a redelivery is handled
//! once), and the runner hands it the engine's outbox as Web API calls (`deliver`).

mod deliver;
pub mod events_api;
mod handler;
mod pace;
mod threads;

use crate::app::{App, CliError};
use crate::config::{SlackConfig, SlackMode};
use crate::domain::Platform;
use crate::events::Outbound;
use crate::runner::{ChatPlatform, Health, Shutdown, Wake};
use async_trait::async_trait;
use serde_json::Value;
use slack_morphism::errors::SlackClientError;
use slack_morphism::prelude::*;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const PLATFORM: &str = "slack";

pub type Client = SlackClient<SlackClientHyperHttpsConnector>;

/// The secrets, only ever from the environment, never logged.
pub struct Tokens {
    pub bot: String,
    /// `SLACK_APP_TOKEN` (xapp-), socket mode only.
    pub app: Option<String>,
    /// `SLACK_SIGNING_SECRET`, events mode only.
    pub signing_secret: Option<String>,
}

fn env(name: &str, why: &str) -> Result<String, CliError> {
    std::env::var(name)
        .ok()
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| CliError::input(format!("{name} is not set: {why} (see README, \"Run it on Slack\")")))
}

impl Tokens {
    /// The tokens `mode` needs; a missing one is an input error (exit 2).
    pub fn from_env(mode: SlackMode) -> Result<Tokens, CliError> {
        let bot = env("SLACK_BOT_TOKEN", "export the app's Bot User OAuth Token (xoxb-...)")?;
        let (app, signing_secret) = match mode {
            SlackMode::Socket => (
                Some(env("SLACK_APP_TOKEN", "socket mode needs an app-level token (xapp-...) with connections:write")?),
                None,
            ),
            SlackMode::Events => {
                (None, Some(env("SLACK_SIGNING_SECRET", "events mode needs the app's signing secret")?))
            }
        };
        Ok(Tokens { bot, app, signing_secret })
    }
}

/// slack-morphism's client on `api_base`; plain http is allowed so tests can use a local fake.
pub fn build_client(api_base: &str) -> anyhow::Result<Client> {
    let https = hyper_rustls::HttpsConnectorBuilder::new().with_native_roots()?.https_or_http().enable_http1().build();
    let connector = SlackClientHyperConnector::with_connector(https).with_slack_api_url(api_base.trim_end_matches('/'));
    Ok(SlackClient::new(connector))
}

/// How long a user group's member list is trusted before it is asked again.
const GROUPS_TTL: Duration = Duration::from_secs(60);

/// The Slack platform: what the event handling and the deliveries share.
pub struct Slack {
    pub app: Arc<App>,
    pub config: SlackConfig,
    health: Arc<Health>,
    client: Arc<Client>,
    bot_token: SlackApiToken,
    app_token: Option<SlackApiToken>,
    pub signing_secret: Option<String>,
    /// The bot's own user id (`U...`): its own reactions come back as events.
    bot_user_id: String,
    /// Customers' DM channels (`D...`) seen on their messages this run.
    dm_channels: Mutex<HashMap<String, String>>,
    /// Outbox ids whose post was tried this run and did not finish: a retry looks for them
    /// on Slack first (an ambiguous failure may have posted).
    attempted: Mutex<HashSet<String>>,
    /// When this run started: posts in its first minute (the backlog a crash left, which may
    /// have reached Slack before the crash) are looked for on Slack first too.
    started: Instant,
    /// User group id -> (members, when asked).
    groups: Mutex<HashMap<String, (Vec<String>, Instant)>>,
    /// Set by `run`: what a handled event wakes.
    wake: Mutex<Option<Wake>>,
    /// Per-channel pacing of posts (see [`pace`]).
    pacer: Mutex<pace::Pacer>,
    /// Per-method pacing of the Tier-3 calls (`chat.update`, `reactions.add`).
    tier3: Mutex<pace::Pacer>,
    /// Staff channel -> the `ts` of the backlog summary whose thread takes its posts while a
    /// surge drains, and when it was last posted in (see `deliver::backlog_thread`).
    backlogs: Mutex<HashMap<String, (String, Instant)>>,
    /// Case -> (channel, `ts` of its card): where the case's thread is, once looked up.
    known_threads: Mutex<HashMap<crate::domain::CaseId, (String, String)>>,
    /// User id -> display name (`users.info`), for agents' thread messages.
    names: Mutex<HashMap<String, String>>,
}

impl Slack {
    /// Checks the tokens (`auth.test`); events start in `run`.
    pub async fn connect(app: Arc<App>, config: SlackConfig, health: Arc<Health>) -> Result<Arc<Slack>, CliError> {
        let tokens = Tokens::from_env(config.mode)?;
        for (key, value) in
            [("agents_channel_id", &config.agents_channel_id), ("managers_channel_id", &config.managers_channel_id)]
        {
            if value.trim().is_empty() {
                return Err(CliError::input(format!("[slack] {key} is empty: give the channel's id (C...)")));
            }
        }
        let client = Arc::new(build_client(&config.api_base).map_err(CliError::runtime)?);
        let bot_token = SlackApiToken::new(tokens.bot.into());
        let me = client.open_session(&bot_token).auth_test().await.map_err(|e| match e {
            slack_morphism::errors::SlackClientError::ApiError(e) => CliError {
                code: 1,
                message: format!(
                    "Slack rejected the token in SLACK_BOT_TOKEN ({}); check it under OAuth & Permissions",
                    e.code
                ),
            },
            e => CliError::runtime(anyhow::anyhow!("could not reach Slack at {}: {e}", config.api_base)),
        })?;
        tracing::info!(team = %me.team, "connected to Slack");
        health.set(PLATFORM, false);
        Ok(Arc::new(Slack {
            app,
            config,
            health,
            client,
            bot_token,
            app_token: tokens.app.map(|t| SlackApiToken::new(t.into())),
            signing_secret: tokens.signing_secret,
            bot_user_id: me.user_id.to_string(),
            dm_channels: Default::default(),
            attempted: Default::default(),
            started: Instant::now(),
            groups: Default::default(),
            wake: Default::default(),
            pacer: Default::default(),
            tier3: Mutex::new(pace::Pacer::tier3()),
            backlogs: Default::default(),
            known_threads: Default::default(),
            names: Default::default(),
        }))
    }

    /// One Web API call with a JSON body; an `ok: false` answer or a 429 is an error.
    pub(crate) async fn call(&self, method: &str, body: &Value) -> anyhow::Result<Value> {
        self.call_typed(method, body).await.map_err(|e| anyhow::anyhow!("Slack {method}: {e}"))
    }

    /// `call` with slack-morphism's error as it is (a 429 carries its `Retry-After`).
    async fn call_typed(&self, method: &str, body: &Value) -> Result<Value, SlackClientError> {
        let session = self.client.open_session(&self.bot_token);
        session.http_session_api.http_post(method, body, None).await
    }

    /// `chat.postMessage` to `channel`, paced per channel (waits for the channel's slot); a 429
    /// holds that channel for its `Retry-After` and is an error (the runner retries the post).
    pub(crate) async fn post(&self, channel: &str, body: &Value) -> anyhow::Result<Value> {
        let wait = self.pacer.lock().unwrap_or_else(|p| p.into_inner()).reserve(channel, Instant::now());
        if !wait.is_zero() {
            tracing::debug!(%channel, wait_ms = wait.as_millis() as u64, "pacing a post to this channel");
            tokio::time::sleep(wait).await;
        }
        match self.call_typed("chat.postMessage", body).await {
            Ok(answer) => Ok(answer),
            Err(SlackClientError::RateLimitError(limited)) => {
                tracing::warn!(%channel, retry_after = ?limited.retry_after, "Slack rate-limited a post to this channel");
                self.pacer.lock().unwrap_or_else(|p| p.into_inner()).rate_limited(
                    channel,
                    limited.retry_after,
                    Instant::now(),
                );
                Err(anyhow::anyhow!("Slack chat.postMessage: rate limited (429) in {channel}"))
            }
            // Kept as Slack's error: a refusal for good is told apart by its code.
            Err(error) => Err(anyhow::Error::new(error).context("Slack chat.postMessage")),
        }
    }

    /// Shares a file in `channel` through Slack's external upload flow:
    /// `files.getUploadURLExternal`, the bytes to the URL it gives, `files.completeUploadExternal`.
    pub(crate) async fn upload(&self, channel: &str, file: &crate::events::Attachment) -> anyhow::Result<()> {
        use slack_morphism::prelude::*;
        let bytes = file.bytes()?;
        let session = self.client.open_session(&self.bot_token);
        let asked = SlackApiFilesGetUploadUrlExternalRequest::new(file.name.clone(), bytes.len());
        let url = session
            .get_upload_url_external(&asked)
            .await
            .map_err(|e| anyhow::anyhow!("Slack files.getUploadURLExternal: {e}"))?;
        let upload = SlackApiFilesUploadViaUrlRequest::new(url.upload_url, bytes, file.content_type.clone());
        session.files_upload_via_url(&upload).await.map_err(|e| anyhow::anyhow!("Slack file upload: {e}"))?;
        let shared = SlackApiFilesComplete::new(url.file_id).with_title(file.name.clone());
        let complete =
            SlackApiFilesCompleteUploadExternalRequest::new(vec![shared]).with_channel_id(channel.to_string().into());
        session
            .files_complete_upload_external(&complete)
            .await
            .map_err(|e| anyhow::anyhow!("Slack files.completeUploadExternal: {e}"))?;
        Ok(())
    }

    /// A Tier-3 call (`chat.update`, `reactions.add`: about 50 a minute), paced per method; a
    /// 429 holds that method for its `Retry-After` and is an error (the runner retries).
    pub(crate) async fn tier3_call(&self, method: &str, body: &Value) -> anyhow::Result<Value> {
        let wait = self.tier3.lock().unwrap_or_else(|p| p.into_inner()).reserve(method, Instant::now());
        if !wait.is_zero() {
            tracing::debug!(%method, wait_ms = wait.as_millis() as u64, "pacing a Tier-3 call");
            tokio::time::sleep(wait).await;
        }
        match self.call_typed(method, body).await {
            Ok(answer) => Ok(answer),
            Err(SlackClientError::RateLimitError(limited)) => {
                tracing::warn!(%method, retry_after = ?limited.retry_after, "Slack rate-limited a Tier-3 method");
                let mut tier3 = self.tier3.lock().unwrap_or_else(|p| p.into_inner());
                tier3.rate_limited(method, limited.retry_after, Instant::now());
                Err(anyhow::anyhow!("Slack {method}: rate limited (429)"))
            }
            Err(error) => Err(anyhow::anyhow!("Slack {method}: {error}")),
        }
    }

    /// One Web API call sent as GET with a query string.
    pub(crate) async fn get(&self, method: &str, params: &[(&str, &str)]) -> anyhow::Result<Value> {
        let session = self.client.open_session(&self.bot_token);
        let params: Vec<(&str, Option<&str>)> = params.iter().map(|(k, v)| (*k, Some(*v))).collect();
        session
            .http_session_api
            .http_get(method, &params, None)
            .await
            .map_err(|e| anyhow::anyhow!("Slack {method}: {e}"))
    }

    /// The user groups (of those `[roles]` and `[slack]` name) that `user` is in, asked of
    /// Slack with `usergroups.users.list` and kept for a minute.
    pub(crate) async fn roles_of(&self, user: &str) -> Vec<String> {
        let settings = &self.app.loaded.config;
        let mut named: Vec<String> =
            settings.roles.agents.iter().chain(settings.roles.managers.iter()).cloned().collect();
        named.extend(self.config.agents_usergroup_id.clone());
        named.extend(self.config.managers_usergroup_id.clone());
        named.retain(|id| id.starts_with('S'));
        named.sort();
        named.dedup();
        let mut roles = Vec::new();
        for group in named {
            let cached = self.groups.lock().unwrap_or_else(|p| p.into_inner()).get(&group).cloned();
            let members = match cached {
                Some((members, at)) if at.elapsed() < GROUPS_TTL => members,
                _ => match self.get("usergroups.users.list", &[("usergroup", &group)]).await {
                    Ok(answer) => {
                        let members: Vec<String> = answer["users"]
                            .as_array()
                            .map(|users| users.iter().filter_map(|u| u.as_str().map(str::to_string)).collect())
                            .unwrap_or_default();
                        let mut groups = self.groups.lock().unwrap_or_else(|p| p.into_inner());
                        groups.insert(group.clone(), (members.clone(), Instant::now()));
                        members
                    }
                    Err(error) => {
                        tracing::warn!(%group, error = %format!("{error:#}"), "reading a user group failed");
                        Vec::new()
                    }
                },
            };
            if members.iter().any(|m| m == user) {
                roles.push(group);
            }
        }
        roles
    }

    pub(crate) fn wake(&self) {
        if let Some(wake) = self.wake.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
            wake.wake();
        }
    }
}

#[async_trait]
impl ChatPlatform for Slack {
    fn platform(&self) -> Platform {
        Platform::Slack
    }

    async fn run(self: Arc<Self>, wake: Wake, shutdown: Shutdown) -> anyhow::Result<()> {
        *self.wake.lock().unwrap_or_else(|p| p.into_inner()) = Some(wake);
        match self.config.mode {
            // Events arrive on the HTTP listener (`events_api::route`); nothing to hold open.
            SlackMode::Events => {
                self.health.set(PLATFORM, true);
                events_api::serving(self.clone());
                shutdown.wait().await;
            }
            SlackMode::Socket => handler::socket_mode(self.clone(), shutdown).await?,
        }
        self.health.set(PLATFORM, false);
        Ok(())
    }

    async fn deliver(&self, action: Outbound) -> anyhow::Result<()> {
        deliver::deliver(self, action).await
    }
}
