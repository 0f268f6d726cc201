//! `refund-bot.toml` (docs/configuration.md): every key has a default, unknown keys are errors with
//! line and column, relative paths are relative to the config file, secrets come from the environment.
//! Here the file as a whole and its loading; its sections are `sections.rs`.

mod sections;

pub use crate::payments::Processor;
pub use sections::*;
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub database_url: String,
    /// The policy file; when not set and `policy.toml` is absent, the built-in example applies.
    pub policy: Option<PathBuf>,
    pub replies: PathBuf,
    pub locale: String,
    pub roles: Roles,
    pub sla: Sla,
    pub payments: Payments,
    pub moderation: Moderation,
    pub discord: Option<DiscordConfig>,
    pub slack: Option<SlackConfig>,
    pub staff: Staff,
    /// `[http]`: `run` always serves it (default 127.0.0.1:8080); `jsonl` only when it is set.
    pub http: Option<Http>,
    /// The seller's IANA time zone: order times written without an offset are in it.
    pub timezone: TimeZone,
    /// `[import]`: how `orders import` reads the seller's exports.
    pub import: Import,
    /// `[retention]`: how long a customer's personal data is kept after their last case ended.
    pub retention: Retention,
    /// `[incidents]`: spikes of requests about one product become one incident for managers.
    /// Off unless the section is there.
    pub incidents: Option<Incidents>,
    /// `[intake]`: how the bot reads customers' messages.
    pub intake: IntakeConfig,
    /// `[live]`: people talking to a customer through the bot.
    pub live: Live,
    /// `[digest]`: the weekly digest to managers.
    pub digest: Digest,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database_url: "sqlite://refund-bot.db".into(),
            policy: None,
            replies: "replies".into(),
            locale: "en".into(),
            roles: Roles::default(),
            sla: Sla::default(),
            payments: Payments::default(),
            moderation: Moderation::default(),
            discord: None,
            slack: None,
            staff: Staff::default(),
            http: None,
            timezone: TimeZone::default(),
            import: Import::default(),
            retention: Retention::default(),
            incidents: None,
            intake: IntakeConfig::default(),
            live: Live::default(),
            digest: Digest::default(),
        }
    }
}

/// A config error that says where: file, line and column.
#[derive(Debug, thiserror::Error)]
#[error("{file}{location}: {message}")]
pub struct ConfigError {
    pub file: String,
    pub location: String,
    pub message: String,
}

/// The loaded configuration, with the folder its relative paths hang from.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub config: Config,
    pub base_dir: PathBuf,
    /// Whether a config file was found (the console says when it runs on defaults).
    pub from_file: bool,
}

/// 1-based line and column of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

impl Config {
    pub fn parse(text: &str, file: &str) -> Result<Config, ConfigError> {
        toml::from_str(text).map_err(|e| {
            let location =
                e.span().map(|s| line_col(text, s.start)).map_or(String::new(), |(l, c)| format!(":{l}:{c}"));
            ConfigError { file: file.to_string(), location, message: e.message().to_string() }
        })
    }

    /// Loads `path`, or `./refund-bot.toml` when none is given; only a missing default file
    /// falls back to the defaults.
    pub fn load(path: Option<&Path>) -> Result<Loaded, ConfigError> {
        let explicit = path.is_some();
        let path = path.map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("refund-bot.toml"));
        let base_dir =
            path.parent().filter(|p| !p.as_os_str().is_empty()).map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => {
                return Ok(Loaded { config: Config::default(), base_dir, from_file: false });
            }
            Err(e) => {
                return Err(ConfigError {
                    file: path.display().to_string(),
                    location: String::new(),
                    message: e.to_string(),
                })
            }
        };
        let config = Config::parse(&text, &path.display().to_string())?;
        Ok(Loaded { config, base_dir, from_file: true })
    }
}

impl Loaded {
    pub fn resolve(&self, path: &Path) -> PathBuf {
        if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.base_dir.join(path)
        }
    }

    /// The database URL: `DATABASE_URL` wins; a relative SQLite path is relative to the config file.
    pub fn database_url(&self) -> String {
        let url = std::env::var("DATABASE_URL")
            .ok()
            .filter(|u| !u.is_empty())
            .unwrap_or_else(|| self.config.database_url.clone());
        match url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
            Some(rest) if !rest.starts_with('/') && !rest.starts_with(":memory:") => {
                format!("sqlite://{}", self.base_dir.join(rest).display())
            }
            _ => url,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_file_is_valid() {
        let config = Config::parse("", "refund-bot.toml").unwrap();
        assert_eq!(config.sla.agent_reminder_minutes, 60);
    }

    #[test]
    fn timezone_is_an_iana_name() {
        assert_eq!(Config::parse("", "bot.toml").unwrap().timezone.0, chrono_tz::Tz::UTC);
        let config = Config::parse("timezone = \"europe/berlin\"\n", "bot.toml").unwrap();
        assert_eq!(config.timezone.0, chrono_tz::Tz::Europe__Berlin);
        let err = Config::parse("locale = \"en\"\ntimezone = \"Europe/Berln\"\n", "bot.toml").unwrap_err();
        assert_eq!(err.location, ":2:12");
        assert!(err.message.contains("Europe/Berln") && err.message.contains("IANA"), "{}", err.message);
    }

    #[test]
    fn import_columns_is_a_table_of_names() {
        let config =
            Config::parse("[import.columns]\nemail = \"Buyer Email\"\n\"usage.progress\" = \"Progress\"\n", "b")
                .unwrap();
        assert_eq!(config.import.columns["email"], "Buyer Email");
        assert_eq!(config.import.columns["usage.progress"], "Progress");
        assert!(Config::parse("[import]\npreset = \"stripe\"\n", "b").is_err());
    }

    #[test]
    fn unknown_key_names_line_and_column() {
        let err = Config::parse("locale = \"en\"\n[sla]\nagent_reminder_minute = 5\n", "bot.toml").unwrap_err();
        assert_eq!(err.location, ":3:1");
        assert!(err.message.contains("agent_reminder_minute"), "{}", err.message);
    }

    #[test]
    fn out_of_range_timings_name_line_and_column() {
        for (value, ok) in
            [("0", false), ("1", true), ("366", true), ("367", false), ("-3", false), ("4000000000", false)]
        {
            let text = format!("[sla]\nagent_reminder_minutes = 30\nfollowup_days = {value}\n");
            match Config::parse(&text, "bot.toml") {
                Ok(config) => assert!(ok, "{value} accepted: {:?}", config.sla),
                Err(err) => {
                    assert!(!ok, "{value} refused: {}", err.message);
                    assert_eq!(err.location, ":3:17", "{value}");
                    assert!(err.message.contains("use 1 to 366"), "{}", err.message);
                }
            }
        }
    }
}
