//! The sections of `refund-bot.toml` (`[roles]`, `[sla]`, `[discord]`, `[slack]`, `[digest]` ...),
//! each with its defaults and the checks its values need.

use super::Processor;
use serde::Deserialize;
use std::path::PathBuf;

/// Platform user ids (or role ids) allowed to act as staff.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Roles {
    pub agents: Vec<String>,
    pub managers: Vec<String>,
}

impl Default for Roles {
    fn default() -> Self {
        Roles { agents: vec!["agent-1".into()], managers: vec!["manager-1".into()] }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Sla {
    #[serde(deserialize_with = "within::<_, 1, 525_600>")]
    pub agent_reminder_minutes: u32,
    #[serde(deserialize_with = "within::<_, 1, 8_784>")]
    pub manager_reminder_hours: u32,
    #[serde(deserialize_with = "within::<_, 1, 366>")]
    pub followup_days: u32,
    #[serde(deserialize_with = "within::<_, 1, 8_784>")]
    pub idle_timeout_hours: u32,
}

/// A number of minutes, hours or days from 1 up to a year: 0 would make a reminder fall due
/// again the moment it ran, and a huge value would push a date past what a date can hold.
fn within<'de, D: serde::Deserializer<'de>, const MIN: u32, const MAX: u32>(d: D) -> Result<u32, D::Error> {
    let value = i64::deserialize(d)?;
    match u32::try_from(value) {
        Ok(value) if (MIN..=MAX).contains(&value) => Ok(value),
        _ => Err(serde::de::Error::custom(format!("{value} is out of range: use {MIN} to {MAX}"))),
    }
}

impl Default for Sla {
    fn default() -> Self {
        Sla { agent_reminder_minutes: 60, manager_reminder_hours: 4, followup_days: 3, idle_timeout_hours: 24 }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Payments {
    pub processor: Processor,
    pub stripe_api_base: String,
}

impl Default for Payments {
    fn default() -> Self {
        Payments { processor: Processor::Manual, stripe_api_base: "https://api.stripe.com".into() }
    }
}

/// `[staff]`: with several chat platforms configured, the one whose channels the agents and
/// managers work in. Unset: the only platform configured.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Staff {
    pub platform: Option<StaffPlatform>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StaffPlatform {
    Discord,
    Slack,
}

/// Words that count as insulting the staff; the seller can replace the list.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Moderation {
    pub abusive_words: Vec<String>,
}

impl Default for Moderation {
    fn default() -> Self {
        let words = [
            "idiot",
            "idiots",
            "stupid",
            "moron",
            "morons",
            "dumb",
            "incompetent",
            "useless",
            "pathetic",
            "fuck",
            "fucking",
            "shit",
            "asshole",
            "bastard",
            "bitch",
            "crook",
            "crooks",
            "clowns",
        ];
        Moderation { abusive_words: words.iter().map(|w| w.to_string()).collect() }
    }
}

/// `[discord]`: where the bot works in the seller's server. The token comes from `DISCORD_TOKEN`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiscordConfig {
    pub guild_id: String,
    pub agents_channel_id: String,
    pub managers_channel_id: String,
    /// Members with this role are agents (added to `[roles] agents`).
    #[serde(default)]
    pub agent_role_id: Option<String>,
    /// Members with this role are managers (added to `[roles] managers`).
    #[serde(default)]
    pub manager_role_id: Option<String>,
    /// Tests and proxies point this at another server; the rate limiter then stays off.
    #[serde(default = "default_discord_api")]
    pub api_base: String,
}

fn default_discord_api() -> String {
    "https://discord.com".into()
}

/// `[slack]`: where the bot works in the seller's workspace. Tokens come from the environment
/// only: `SLACK_BOT_TOKEN`, and `SLACK_APP_TOKEN` (socket mode) or `SLACK_SIGNING_SECRET` (events).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlackConfig {
    #[serde(default)]
    pub mode: SlackMode,
    pub agents_channel_id: String,
    pub managers_channel_id: String,
    /// Pinged for new cases; its members are agents (added to `[roles] agents`).
    #[serde(default)]
    pub agents_usergroup_id: Option<String>,
    /// Pinged for escalations; its members are managers (added to `[roles] managers`).
    #[serde(default)]
    pub managers_usergroup_id: Option<String>,
    /// Tests point this at a fake Slack on 127.0.0.1.
    #[serde(default = "default_slack_api")]
    pub api_base: String,
}

/// How Slack's events reach the bot.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlackMode {
    /// Socket Mode: the bot opens a WebSocket to Slack, no public URL needed.
    #[default]
    Socket,
    /// Events API and interactivity as HTTP requests to `/slack/events` on `[http] listen`.
    Events,
}

fn default_slack_api() -> String {
    "https://slack.com/api".into()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Http {
    pub listen: String,
}

impl Default for Http {
    fn default() -> Self {
        Http { listen: "127.0.0.1:8080".into() }
    }
}

/// An IANA time zone name (`Europe/Berlin`, `UTC`), checked against the tz database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeZone(pub chrono_tz::Tz);

impl Default for TimeZone {
    fn default() -> Self {
        TimeZone(chrono_tz::Tz::UTC)
    }
}

impl TimeZone {
    /// The zone of this name, in any case (`europe/berlin` is `Europe/Berlin`).
    pub fn parse(raw: &str) -> Result<TimeZone, String> {
        let name = raw.trim();
        name.parse::<chrono_tz::Tz>()
            .ok()
            .or_else(|| chrono_tz::TZ_VARIANTS.iter().copied().find(|tz| tz.name().eq_ignore_ascii_case(name)))
            .map(TimeZone)
            .ok_or_else(|| {
                format!("`{raw}` is not an IANA time zone name (such as Europe/Berlin, America/New_York or UTC)")
            })
    }
}

impl<'de> Deserialize<'de> for TimeZone {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        TimeZone::parse(&raw).map_err(serde::de::Error::custom)
    }
}

/// `[import]`: `[import.columns]` names the column of each order field in the seller's exports
/// (`email = "Buyer Email"`); `orders import --columns` overrides it field by field.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Import {
    pub columns: std::collections::BTreeMap<String, String>,
}

/// `[retention] days`: a customer whose every case ended longer ago than this is forgotten
/// as `customer forget` would (personal data erased, amounts and counts kept). Unset: kept.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Retention {
    #[serde(deserialize_with = "some_within::<_, 1, 36_600>")]
    pub days: Option<u32>,
}

fn some_within<'de, D: serde::Deserializer<'de>, const MIN: u32, const MAX: u32>(
    d: D,
) -> Result<Option<u32>, D::Error> {
    within::<D, MIN, MAX>(d).map(Some)
}

/// `[incidents]`: when requests about one product (or one product and reason) in the last
/// `window_hours` reach `min_cases` and exceed `factor` times their usual rate (the 28 days
/// before), they become one incident that managers decide with one reaction.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Incidents {
    #[serde(deserialize_with = "within::<_, 1, 720>")]
    pub window_hours: u32,
    #[serde(deserialize_with = "factor")]
    pub factor: f64,
    #[serde(deserialize_with = "within::<_, 2, 100_000>")]
    pub min_cases: u32,
    /// After a ✅, send each refund reply at once instead of drafts for agents to approve.
    pub bulk_send: bool,
}

impl Default for Incidents {
    fn default() -> Self {
        Incidents { window_hours: 24, factor: 3.0, min_cases: 5, bulk_send: false }
    }
}

/// A multiple of the usual rate: at least 1 (a spike is more than usual), at most 1000.
fn factor<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    let value = f64::deserialize(d)?;
    if (1.0..=1000.0).contains(&value) {
        Ok(value)
    } else {
        Err(serde::de::Error::custom(format!("{value} is out of range: use 1 to 1000")))
    }
}

/// `[intake]`: the seller's order id shapes and own addresses, for reading customers' messages,
/// and the knowledge base questions are answered from.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IntakeConfig {
    /// Regular expressions for the seller's order ids, tried before the built-in shapes; a
    /// capture group, when there is one, is the id.
    pub order_patterns: Vec<String>,
    /// The seller's own addresses (`billing@shop.com`) or domains (`@shop.com`), never taken as
    /// the customer's when quoted in a message.
    pub seller_emails: Vec<String>,
    /// The knowledge base folder (`kb/*.md`, `kb/<language>/*.md`); absent: none.
    pub kb: PathBuf,
}

impl Default for IntakeConfig {
    fn default() -> Self {
        IntakeConfig { order_patterns: vec![], seller_emails: vec![], kb: "kb".into() }
    }
}

/// `[live]`: how agents' messages from a case's thread reach the customer.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Live {
    /// Agents' messages reach the customer only as the team, not signed with the agent's name.
    pub anonymous: bool,
    /// A staff message in a thread starting with this is an internal note, never relayed.
    #[serde(deserialize_with = "note_prefix")]
    pub note_prefix: String,
}

impl Default for Live {
    fn default() -> Self {
        Live { anonymous: false, note_prefix: "!note".into() }
    }
}

/// An empty prefix would make every message a note (nothing would reach the customer).
fn note_prefix<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let prefix = String::deserialize(d)?;
    match prefix.trim() {
        "" => Err(serde::de::Error::custom("note_prefix must not be empty: every message would stay internal")),
        trimmed => Ok(trimmed.to_string()),
    }
}

/// `[digest]`: a weekly post to the managers' channel with the week's figures and a chart, on
/// `weekday` at `hour`:00 in `timezone` (default: the top-level `timezone`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Digest {
    pub enabled: bool,
    #[serde(deserialize_with = "weekday")]
    pub weekday: chrono::Weekday,
    #[serde(deserialize_with = "within::<_, 0, 23>")]
    pub hour: u32,
    pub timezone: Option<TimeZone>,
}

impl Default for Digest {
    fn default() -> Self {
        Digest { enabled: true, weekday: chrono::Weekday::Mon, hour: 9, timezone: None }
    }
}

/// `"monday"` (or `"mon"`, any case).
fn weekday<'de, D: serde::Deserializer<'de>>(d: D) -> Result<chrono::Weekday, D::Error> {
    let raw = String::deserialize(d)?;
    raw.trim()
        .parse::<chrono::Weekday>()
        .map_err(|_| serde::de::Error::custom(format!("`{raw}` is not a day of the week (monday ... sunday)")))
}
