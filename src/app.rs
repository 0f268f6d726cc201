//! Start-up shared by every command: config, database, policy, replies, then the engine.

use crate::config::{Config, Loaded, Processor, StaffPlatform};
use crate::domain::{Currency, Email, Money, Order, OrderId, Platform};
use crate::ops::Metrics;
use crate::payments::stripe;
use crate::policy::Policy;
use crate::replies::Replies;
use crate::store::Store;
use crate::understanding::Understanding;
use crate::workflow::{DigestSchedule, Engine, IncidentRules, Live, Roles, Settings, Sla};
use chrono::{DateTime, Duration, Utc};
use std::path::Path;
use std::sync::Arc;

/// An error that ends a command, with its exit status (docs/cli.md#exit-status).
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct CliError {
    pub code: i32,
    pub message: String,
}

impl CliError {
    /// Bad usage or bad input: exit 2.
    pub fn input(message: impl std::fmt::Display) -> CliError {
        CliError { code: 2, message: message.to_string() }
    }

    /// A runtime failure: exit 1. The cause chain is kept in the message.
    pub fn runtime(error: anyhow::Error) -> CliError {
        CliError { code: 1, message: format!("{error:#}") }
    }
}

impl From<anyhow::Error> for CliError {
    fn from(error: anyhow::Error) -> Self {
        CliError::runtime(error)
    }
}

pub struct App {
    pub engine: Arc<Engine>,
    /// What `/metrics` shows; the engine reports into it.
    pub metrics: Arc<Metrics>,
    pub loaded: Loaded,
    /// Things the console tells a newcomer (defaults in use, demo data seeded).
    pub notes: Vec<String>,
}

impl App {
    /// The policy file to watch for edits, when there is one.
    pub fn policy_path(&self) -> Option<std::path::PathBuf> {
        let named = self.loaded.config.policy.clone().unwrap_or_else(|| "policy.toml".into());
        let path = self.loaded.resolve(&named);
        path.exists().then_some(path)
    }
}

pub fn load_config(path: Option<&Path>) -> Result<Loaded, CliError> {
    Config::load(path).map_err(CliError::input)
}

/// The policy in force: the configured file, or the built-in example when no file is there
/// and none was named.
pub fn load_policy(loaded: &Loaded, notes: &mut Vec<String>) -> Result<Policy, CliError> {
    let named = loaded.config.policy.clone();
    let path = loaded.resolve(named.as_deref().unwrap_or(Path::new("policy.toml")));
    if path.exists() || named.is_some() {
        return Policy::load(&path).map_err(CliError::input);
    }
    notes.push(format!("No policy file at {}: using the built-in example policy.", path.display()));
    Ok(Policy::example())
}

/// The reply templates: the configured folder over the built-in ones, every one checked.
pub fn load_replies(loaded: &Loaded) -> Result<Replies, CliError> {
    let dir = loaded.resolve(&loaded.config.replies);
    Replies::load(dir.is_dir().then_some(dir.as_path()), &loaded.config.locale).map_err(CliError::input)
}

pub async fn open_store(loaded: &Loaded) -> Result<Store, CliError> {
    Store::connect(&loaded.database_url()).await.map_err(CliError::runtime)
}

/// Where the staff channels live for `run`: `[staff] platform`, or the only platform
/// configured. A platform named there but not configured is a configuration error.
pub fn staff_platform(config: &Config) -> Result<Platform, CliError> {
    let configured: Vec<Platform> =
        config.discord.iter().map(|_| Platform::Discord).chain(config.slack.iter().map(|_| Platform::Slack)).collect();
    let named = config.staff.platform.map(|p| match p {
        StaffPlatform::Discord => Platform::Discord,
        StaffPlatform::Slack => Platform::Slack,
    });
    match (named, configured.as_slice()) {
        (Some(named), _) if configured.contains(&named) => Ok(named),
        (Some(named), _) => Err(CliError::input(format!(
            "[staff] platform = \"{named}\" names a platform that has no [{named}] section in refund-bot.toml"
        ))),
        (None, [only]) => Ok(*only),
        (None, []) => Ok(Platform::Local),
        (None, _) => Err(CliError::input(
            "several chat platforms are configured: say in [staff] platform where the agents' and managers' channels are",
        )),
    }
}

/// Opens everything a chat adapter needs; staff posts are routed to `staff` (the local chats
/// use `Platform::Local`, `run` the result of `staff_platform`). `seed_demo` adds demo orders
/// to an empty database when no config file exists (the console's two-minute tour).
pub async fn open(config: Option<&Path>, staff: Platform, seed_demo: bool) -> Result<App, CliError> {
    let loaded = load_config(config)?;
    let mut notes = Vec::new();
    if !loaded.from_file {
        notes.push("No refund-bot.toml here: using the defaults (agents: agent-1, managers: manager-1).".into());
    }
    let policy = load_policy(&loaded, &mut notes)?;
    let replies = load_replies(&loaded)?;
    let store = open_store(&loaded).await?.with_staff_platform(staff);
    if seed_demo && !loaded.from_file {
        let mut tx = store.begin().await.map_err(|e| CliError::runtime(e.into()))?;
        if tx.count_orders().await.map_err(|e| CliError::runtime(e.into()))? == 0 {
            tx.upsert_orders(&demo_orders(Utc::now()), Utc::now()).await.map_err(|e| CliError::runtime(e.into()))?;
            tx.commit().await.map_err(|e| CliError::runtime(e.into()))?;
            notes.push("The database was empty: added demo orders (try ORD-1001 with alice@example.com).".into());
        }
    }
    let config = &loaded.config;
    let mut roles = Roles { agents: config.roles.agents.clone(), managers: config.roles.managers.clone() };
    if let Some(discord) = &config.discord {
        roles.agents.extend(discord.agent_role_id.clone());
        roles.managers.extend(discord.manager_role_id.clone());
    }
    if let Some(slack) = &config.slack {
        roles.agents.extend(slack.agents_usergroup_id.clone());
        roles.managers.extend(slack.managers_usergroup_id.clone());
    }
    let settings = Settings {
        roles,
        sla: Sla {
            agent_reminder_minutes: config.sla.agent_reminder_minutes,
            manager_reminder_hours: config.sla.manager_reminder_hours,
            followup_days: config.sla.followup_days,
            idle_timeout_hours: config.sla.idle_timeout_hours,
        },
        processor: config.payments.processor,
        stripe: stripe_client(config)?,
        retention_days: config.retention.days,
        incidents: config.incidents.as_ref().map(|i| IncidentRules {
            window_hours: i.window_hours,
            factor: i.factor,
            min_cases: i.min_cases,
            bulk_send: i.bulk_send,
        }),
        understanding: Arc::new(understanding(&loaded)?),
        kb: Arc::new(knowledge_base(&loaded)?),
        live: Live { anonymous: config.live.anonymous, note_prefix: config.live.note_prefix.clone() },
        case_threads: crate::chat::keeps_case_threads(staff),
        digest: config.digest.enabled.then(|| DigestSchedule {
            weekday: config.digest.weekday,
            hour: config.digest.hour,
            timezone: config.digest.timezone.unwrap_or(config.timezone).0,
        }),
    };
    let metrics = Arc::new(Metrics::default());
    let engine = Engine::new(store, policy, replies, settings, metrics.clone());
    Ok(App { engine: Arc::new(engine), metrics, loaded, notes })
}

/// The reader of customers' messages, from `[intake]` and `[moderation]`; a seller's order
/// pattern that is no regular expression stops the start.
pub fn understanding(loaded: &Loaded) -> Result<Understanding, CliError> {
    let config = &loaded.config;
    Understanding::new(&config.intake.order_patterns, &config.intake.seller_emails, &config.moderation.abusive_words)
        .map(|understanding| understanding.with_default_language(&config.locale))
        .map_err(|e| CliError::input(format!("refund-bot.toml: [intake] order_patterns: {e}")))
}

/// The seller's knowledge base, `[intake] kb` (default `kb/` beside the config); none is fine.
pub fn knowledge_base(loaded: &Loaded) -> Result<crate::kb::KnowledgeBase, CliError> {
    let dir = loaded.resolve(&loaded.config.intake.kb);
    crate::kb::KnowledgeBase::load(&dir).map_err(CliError::input)
}

/// The Stripe client when `processor = "stripe"`; the secret key is read from the
/// environment only, so it never sits in a config file or a log line.
fn stripe_client(config: &Config) -> Result<Option<Arc<stripe::Client>>, CliError> {
    if config.payments.processor != Processor::Stripe {
        return Ok(None);
    }
    let key = std::env::var("STRIPE_SECRET_KEY").ok().filter(|k| !k.trim().is_empty()).ok_or_else(|| {
        CliError::input("[payments] processor = \"stripe\" needs the secret key in STRIPE_SECRET_KEY")
    })?;
    let client = stripe::Client::new(&config.payments.stripe_api_base, key)
        .map_err(|e| CliError::input(format!("Stripe client: {e}")))?;
    Ok(Some(Arc::new(client)))
}

/// Demo orders dated relative to now, so the tour never runs out of its refund window.
pub fn demo_orders(now: DateTime<Utc>) -> Vec<Order> {
    let usd = Currency::parse("USD").expect("USD");
    let order =
        |id: &str, email: &str, sku: &str, product: &str, amount: &str, days_ago: i64, metric: &str, usage: f64| {
            Order {
                order_id: OrderId::parse(id).expect("demo id"),
                email: Email::parse(email).expect("demo email"),
                sku: sku.into(),
                product: product.into(),
                amount: Money::parse(amount, usd).expect("demo amount"),
                purchased_at: now - Duration::days(days_ago),
                usage: [(metric.to_string(), usage)].into_iter().collect(),
                refunded: Money::zero(usd),
                charge_id: None,
                payment_intent_id: None,
            }
        };
    vec![
        order(
            "ORD-1001",
            "alice@example.com",
            "course-webdesign",
            "Web Design Course",
            "49.00",
            5,
            "progress_percent",
            12.0,
        ),
        order(
            "ORD-1002",
            "bob@example.com",
            "course-webdesign",
            "Web Design Course",
            "49.00",
            10,
            "progress_percent",
            45.0,
        ),
        order("ORD-1003", "carol@example.com", "ebook-rust", "Rust for Sellers (ebook)", "19.00", 60, "downloads", 1.0),
        order(
            "ORD-1004",
            "dave@example.com",
            "course-masterclass",
            "Masterclass Bundle",
            "249.00",
            2,
            "progress_percent",
            5.0,
        ),
    ]
}
