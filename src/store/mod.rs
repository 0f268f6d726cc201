//! The database: one `Store` over SQLite or PostgreSQL (chosen by the URL scheme), and `Tx`,
//! the unit of work in which a state change and the outbound actions it causes commit together.

mod answers;
mod cases;
mod decisions;
mod digest;
mod erasure;
mod incidents;
mod jobs;
mod messages;
mod orders;
mod platform;
mod records;
mod refunds;
mod scrub;
mod stats;
mod threads;
mod time;
mod went_back;

pub use cases::{FeedbackRow, RefundRow, TimelineEvent};
pub use digest::RequestFact;
pub use erasure::{Busy, PersonCase, ERASED};
pub use incidents::{IncidentCase, IncidentRecord, IncidentState};
pub use jobs::Job;
pub use messages::{DeadLetter, EditButtons, NewMessage};
pub use records::{
    ButtonRecord, DraftRecord, DraftStatus, EscalationRecord, EscalationStatus, MessageRecord, OutboxRecord,
};
pub use refunds::{NewProcessorRefund, PendingRefund};
pub use scrub::{replace_all, Needle, TextColumn};
pub use threads::{LiveCustomer, OpenPrompt, Refused};
pub use time::{from_ts, ts};
pub use went_back::RefundWentBack;

use crate::domain::Platform;
use anyhow::Context as _;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::MigrateDatabase as _;
use sqlx::{Any, AnyPool, Executor as _, Transaction};
use std::str::FromStr;

/// Storage errors, normalised across backends.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found: {0}")]
    NotFound(String),
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("corrupt row: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// A code in a row that this version does not know is a corrupt row, named with its value.
impl From<crate::domain::code::UnknownCode> for StoreError {
    fn from(unknown: crate::domain::code::UnknownCode) -> StoreError {
        StoreError::Corrupt(unknown.to_string())
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Which SQL dialect the pool speaks; the few statements that differ branch on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// The platform that delivers staff posts (`[staff] platform`); customers' messages go to
    /// the platform each customer wrote on.
    staff: Platform,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

impl Store {
    /// Opens (creating if needed) the database at `url` and applies the migrations.
    pub async fn connect(url: &str) -> anyhow::Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            anyhow::bail!("database_url `{}` must start with sqlite:// or postgres://", redact(url));
        };
        if backend == Backend::Postgres && !Any::database_exists(url).await.unwrap_or(true) {
            // A fresh database for a new seller or a test, like SQLite's mode=rwc.
            Any::create_database(url).await.with_context(|| format!("cannot create the database `{}`", redact(url)))?;
        }
        let url = if backend == Backend::Sqlite && !url.contains("mode=") {
            let sep = if url.contains('?') { '&' } else { '?' };
            format!("{url}{sep}mode=rwc")
        } else {
            url.to_string()
        };
        let options =
            AnyConnectOptions::from_str(&url).with_context(|| format!("bad database_url `{}`", redact(&url)))?;
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 4 } else { 10 })
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers run beside the writer; busy_timeout makes a second
                        // writer wait instead of failing at once.
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;",
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .with_context(|| format!("cannot open the database `{}`", redact(&url)))?;
        let store = Store { pool, backend, staff: Platform::Local };
        store.migrate().await?;
        Ok(store)
    }

    pub async fn migrate(&self) -> anyhow::Result<()> {
        let migrations = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrations.run(&self.pool).await.context("applying database migrations")?;
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Routes staff posts written from now on to `platform`.
    pub fn with_staff_platform(mut self, platform: Platform) -> Store {
        self.staff = platform;
        self
    }

    pub async fn begin(&self) -> StoreResult<Tx<'static>> {
        // SQLite: take the write lock up front. A deferred transaction that reads and then
        // writes fails at once with "database is locked" (no busy wait) when another writer
        // committed in between, as the Discord adapter's concurrent handlers and drains do.
        let tx = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        };
        Ok(Tx { tx, backend: self.backend, staff: self.staff })
    }

    /// A round trip to the database, for health checks.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map(|_| ())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Hides the password of a database URL before it reaches a message or a log.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..scheme_end + 3], user, &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// One transaction. Everything the engine does for one inbound event happens inside one.
pub struct Tx<'c> {
    tx: Transaction<'c, Any>,
    backend: Backend,
    staff: Platform,
}

impl Tx<'_> {
    pub async fn commit(self) -> StoreResult<()> {
        self.tx.commit().await?;
        Ok(())
    }

    fn conn(&mut self) -> &mut sqlx::AnyConnection {
        &mut self.tx
    }

    /// Row locks for PostgreSQL, where replicas run side by side; SQLite has one writer anyway.
    fn lock_rows(&self, clause: &'static str) -> &'static str {
        match self.backend {
            Backend::Postgres => clause,
            Backend::Sqlite => "",
        }
    }
}

fn conflict_or(err: sqlx::Error, what: &str) -> StoreError {
    match &err {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(what.to_string()),
        _ => StoreError::Db(err),
    }
}

impl Tx<'_> {
    /// The raw connection, for read-only reports (metrics) that need ad-hoc queries.
    pub fn connection(&mut self) -> &mut sqlx::AnyConnection {
        self.conn()
    }
}
