//! Discord through serenity: gateway events become engine events (de-duplicated by their
//! Discord ids), and the runner hands it the engine's outbox as REST calls (`deliver`).

mod deliver;
mod handler;
mod permission;
mod threads;

pub use deliver::RateCap;

use crate::app::{App, CliError};
use crate::config::DiscordConfig;
use crate::domain::Platform;
use crate::events::Outbound;
use crate::runner::{ChatPlatform, Health, Shutdown, Wake};
use async_trait::async_trait;
use serde_json::json;
use serenity::all::{ChannelId, ClientBuilder, GatewayIntents, GuildId, Http, HttpBuilder};
use std::collections::HashMap;
use std::sync::Arc;

pub const PLATFORM: &str = "discord";
const DISCORD_API: &str = "https://discord.com";

/// The Discord platform: what the event handler and the deliveries share.
pub struct Discord {
    pub app: Arc<App>,
    pub config: DiscordConfig,
    health: Arc<Health>,
    token: String,
    /// The REST client deliveries use (the gateway client has its own, built the same way).
    http: Arc<Http>,
    cap: RateCap,
    bot_user_id: String,
    /// Customers' DM channels seen on their messages this run, so a reply needs no call to
    /// open the channel again (one REST call per first reply, not two).
    dm_channels: std::sync::Mutex<HashMap<String, ChannelId>>,
    /// Staff channels that refused an embed (no Embed Links), and since when: cards there go
    /// out as plain text for a while without a refused call first.
    plain_channels: std::sync::Mutex<HashMap<ChannelId, std::time::Instant>>,
    /// Case threads this run has started or found, so a post there needs no extra call.
    known_threads: std::sync::Mutex<HashMap<crate::domain::CaseId, ChannelId>>,
    /// (channel, permission) the managers were told is missing, read from the database on first
    /// use: a call that then works clears the note without a database call on every delivery.
    warned: std::sync::Mutex<Option<std::collections::HashSet<(String, String)>>>,
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

impl Discord {
    /// Checks the ids and the token and registers `/refund`; the gateway starts in `run`.
    pub async fn connect(app: Arc<App>, config: DiscordConfig, health: Arc<Health>) -> Result<Arc<Discord>, CliError> {
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
        health.set(PLATFORM, false);
        Ok(Arc::new(Discord {
            app,
            config,
            health,
            token,
            http: Arc::new(http),
            cap: RateCap::per_second(50),
            bot_user_id: me.id.to_string(),
            dm_channels: Default::default(),
            plain_channels: Default::default(),
            warned: Default::default(),
            known_threads: Default::default(),
        }))
    }
}

#[async_trait]
impl ChatPlatform for Discord {
    fn platform(&self) -> Platform {
        Platform::Discord
    }

    async fn run(self: Arc<Self>, wake: Wake, shutdown: Shutdown) -> anyhow::Result<()> {
        // GUILD_MESSAGES: what agents write in a case's thread arrives as a guild message
        // (its text needs MESSAGE_CONTENT); server chatter outside threads is ignored.
        let intents = GatewayIntents::DIRECT_MESSAGES
            | GatewayIntents::GUILD_MESSAGES
            | GatewayIntents::MESSAGE_CONTENT
            | GatewayIntents::GUILD_MESSAGE_REACTIONS
            | GatewayIntents::GUILDS;
        let handler = handler::Handler { discord: self.clone(), wake };
        let mut client = ClientBuilder::new_with_http(build_http(&self.token, &self.config.api_base), intents)
            .event_handler(handler)
            .await?;
        let shards = client.shard_manager.clone();
        tokio::spawn(async move {
            shutdown.wait().await;
            // Stop taking events; handlers already running finish, then the runner flushes.
            shards.shutdown_all().await;
        });
        let result = client.start().await;
        self.health.set(PLATFORM, false);
        result.map_err(|e| anyhow::anyhow!("Discord connection ended: {e}"))
    }

    async fn deliver(&self, action: Outbound) -> anyhow::Result<()> {
        deliver::deliver(self, action).await
    }
}

/// Posts the persistent "Request a refund" button message to a channel; `text` is the seller's
/// `refund_panel` template.
pub async fn post_panel(config: &DiscordConfig, channel: &str, text: &str) -> Result<(), CliError> {
    let token = token()?;
    let channel: serenity::all::ChannelId = parse_id(channel, "channel id")?;
    let http = build_http(&token, &config.api_base);
    let body = json!({
        "content": text,
        "allowed_mentions": {"parse": []},
        "components": [{"type": 1, "components": [{"type": 2, "style": 1, "label": "Request a refund", "custom_id": "panel:refund"}]}]
    });
    http.send_message(channel, vec![], &body)
        .await
        .map_err(|e| CliError::runtime(anyhow::anyhow!("posting the panel: {e}")))?;
    println!("posted the refund panel to channel {channel}");
    Ok(())
}
