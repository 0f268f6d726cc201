//! Discord through serenity: gateway events become engine events (de-duplicated by their
//! Discord ids), and the engine's outbox becomes REST calls (`deliver`).

mod deliver;
mod handler;

pub use deliver::RateCap;

use crate::app::{App, CliError};
use crate::config::DiscordConfig;
use serde_json::json;
use serenity::all::{ClientBuilder, GatewayIntents, GuildId, Http, HttpBuilder};
use std::sync::Arc;
use std::time::Duration;

pub const PLATFORM: &str = "discord";
const DISCORD_API: &str = "https://discord.com";

/// What the event handler and the delivery worker share.
pub struct Shared {
    pub app: Arc<App>,
    pub config: DiscordConfig,
    /// One drain at a time in this process, so no action is handed over twice at once.
    drain_lock: tokio::sync::Mutex<()>,
    cap: RateCap,
    bot_user_id: String,
}

/// serenity's HTTP client; against a non-Discord base (a test fake, a proxy) serenity's own
/// rate limiter must be off for the proxy to be used at all (serenity issue #1739).
pub fn build_http(token: &str, api_base: &str) -> Http {
    let base = api_base.trim_end_matches('/');
    if base == DISCORD_API {
        HttpBuilder::new(token).build()
    } else {
        HttpBuilder::new(token).proxy(base).ratelimiter_disabled(true).build()
    }
}

/// The bot token, only ever from the environment.
pub fn token() -> Result<String, CliError> {
    std::env::var("DISCORD_TOKEN").ok().filter(|t| !t.trim().is_empty()).ok_or_else(|| {
        CliError::input("DISCORD_TOKEN is not set: create a bot in the Discord developer portal and export its token (see README, \"Run it on Discord\")")
    })
}

fn parse_id<T: From<u64>>(raw: &str, key: &str) -> Result<T, CliError> {
    raw.trim()
        .parse::<u64>()
        .map(T::from)
        .map_err(|_| CliError::input(format!("[discord] {key} = \"{raw}\" is not a Discord id (a long number)")))
}

/// Checks the token, registers `/refund`, then runs the gateway and the delivery worker until
/// the connection ends.
pub async fn run(app: Arc<App>, config: DiscordConfig) -> Result<(), CliError> {
    let token = token()?;
    let guild: GuildId = parse_id(&config.guild_id, "guild_id")?;
    parse_id::<u64>(&config.agents_channel_id, "agents_channel_id")?;
    parse_id::<u64>(&config.managers_channel_id, "managers_channel_id")?;
    let http = build_http(&token, &config.api_base);
    let me = http.get_current_user().await.map_err(|e| CliError {
        code: 1,
        message: format!("Discord rejected the token in DISCORD_TOKEN ({e}); check it in the developer portal"),
    })?;
    let application = http.get_current_application_info().await.map_err(|e| CliError::runtime(e.into()))?;
    http.set_application_id(application.id);
    let command = json!({"name": "refund", "description": "Ask for a refund on a purchase", "type": 1});
    http.create_guild_command(guild, &command)
        .await
        .map_err(|e| CliError::runtime(anyhow::anyhow!("registering /refund: {e}")))?;
    tracing::info!(bot = %me.name, "connected to Discord; /refund registered");

    let shared = Arc::new(Shared {
        app,
        config: config.clone(),
        drain_lock: tokio::sync::Mutex::new(()),
        cap: RateCap::per_second(50),
        bot_user_id: me.id.to_string(),
    });
    let intents = GatewayIntents::DIRECT_MESSAGES
        | GatewayIntents::MESSAGE_CONTENT
        | GatewayIntents::GUILD_MESSAGE_REACTIONS
        | GatewayIntents::GUILDS;
    let mut client = ClientBuilder::new_with_http(build_http(&token, &config.api_base), intents)
        .event_handler(handler::Handler { shared: shared.clone() })
        .await
        .map_err(|e| CliError::runtime(e.into()))?;
    shared.app.health.set(PLATFORM, false);
    let worker = tokio::spawn(worker(shared.clone(), client.http.clone()));
    let shards = client.shard_manager.clone();
    tokio::spawn(async move {
        crate::ops::shutdown_signal().await;
        // Stop taking events; handlers already running finish, then the outbox is flushed below.
        shards.shutdown_all().await;
    });
    let result = client.start().await;
    worker.abort();
    shared.app.health.set(PLATFORM, false);
    let _in_flight_done = shared.app.engine.run_due_jobs(chrono::Utc::now()).await;
    shared.drain(&client.http).await;
    shared.app.engine.store().close().await;
    result.map_err(|e| CliError::runtime(anyhow::anyhow!("Discord connection ended: {e}")))
}

/// Posts the persistent "Request a refund" button message to a channel.
pub async fn post_panel(config: &DiscordConfig, channel: &str) -> Result<(), CliError> {
    let token = token()?;
    let channel: serenity::all::ChannelId = parse_id(channel, "channel id")?;
    let http = build_http(&token, &config.api_base);
    let body = json!({
        "content": "Need a refund or having trouble with a purchase? Press the button and I'll help you in a private message.",
        "allowed_mentions": {"parse": []},
        "components": [{"type": 1, "components": [{"type": 2, "style": 1, "label": "Request a refund", "custom_id": "panel:refund"}]}]
    });
    http.send_message(channel, vec![], &body)
        .await
        .map_err(|e| CliError::runtime(anyhow::anyhow!("posting the panel: {e}")))?;
    println!("posted the refund panel to channel {channel}");
    Ok(())
}

/// Every second: run due jobs (reminders, follow-ups, timeouts) and deliver what is due,
/// including retries of earlier failures.
async fn worker(shared: Arc<Shared>, http: Arc<Http>) {
    let mut every = tokio::time::interval(Duration::from_secs(1));
    loop {
        every.tick().await;
        if let Err(error) = shared.app.engine.run_due_jobs(chrono::Utc::now()).await {
            tracing::error!(%error, "running due jobs failed");
        }
        shared.drain(&http).await;
    }
}

impl Shared {
    /// Delivers everything due in the outbox to Discord.
    pub async fn drain(&self, http: &Http) {
        let _one_drain = self.drain_lock.lock().await;
        let drained = crate::chat::drain_outbox(self.app.engine.store(), chrono::Utc::now(), |action| {
            deliver::deliver(self, http, action)
        })
        .await;
        if let Err(error) = drained {
            tracing::error!(error = %format!("{error:#}"), "delivering to Discord failed");
        }
    }
}
