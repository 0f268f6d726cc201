//! The command line (docs/cli.md).

use crate::app::{self, CliError};
use crate::domain::{OrderId, Platform, Reason};
use crate::policy::{self, History, Policy, RefundRequest};
use chrono::{DateTime, Utc};
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(name = "refund-bot", version, about = "A refund assistant for sellers of digital products")]
pub struct Cli {
    /// The config file (default ./refund-bot.toml).
    #[arg(long, global = true, env = "REFUND_BOT_CONFIG")]
    pub config: Option<PathBuf>,
    /// Log lines as human-readable text (default) or as JSON objects.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the bot on every chat platform configured.
    Run,
    /// The local chat in a terminal: play customer, agent and manager.
    Console,
    /// The machine chat adapter: JSON lines on stdin and stdout.
    Jsonl {
        /// Start the clock here (RFC 3339); it then moves only by `tick` events.
        #[arg(long, value_parser = parse_time)]
        clock: Option<DateTime<Utc>>,
    },
    /// Check or explain the refund policy.
    Policy {
        #[command(subcommand)]
        command: PolicyCommand,
    },
    /// Import orders.
    Orders {
        #[command(subcommand)]
        command: OrdersCommand,
    },
    /// List and show cases.
    Case {
        #[command(subcommand)]
        command: CaseCommand,
    },
    /// Cases by outcome and reason, money refunded, flags, feedback, week by week.
    Report {
        /// Start of the period (RFC 3339); defaults to `--days` before `--until`.
        #[arg(long, value_parser = parse_time)]
        since: Option<DateTime<Utc>>,
        /// End of the period, excluded (RFC 3339); defaults to now.
        #[arg(long, value_parser = parse_time)]
        until: Option<DateTime<Utc>>,
        #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=36_600))]
        days: u32,
        /// Same as `--format json`.
        #[arg(long)]
        json: bool,
        /// `text`, `json`, or `csv`: one row per week and reason (requests, refunds, amount).
        #[arg(long, value_enum)]
        format: Option<crate::report::Format>,
        /// Also write the digest's chart (refunds by reason, the 8 weeks up to `--until`) as PNG.
        #[arg(long, value_name = "FILE")]
        chart: Option<PathBuf>,
    },
    /// The ledger of refunds that went back, for the accountant.
    Ledger {
        #[command(subcommand)]
        command: LedgerCommand,
    },
    /// A customer's personal data.
    Customer {
        #[command(subcommand)]
        command: CustomerCommand,
    },
    /// Apply the database migrations.
    Migrate,
    /// What the bot reads from customer messages (one a line, or JSON lines with a "text"
    /// field; stdin without FILE): one JSON object per message.
    Understand { file: Option<PathBuf> },
    /// Check a running bot: GET /healthz on `[http] listen`; exit 0 on 200, 1 otherwise.
    Health {
        /// The URL to check instead of `[http] listen`'s /healthz.
        #[arg(long)]
        url: Option<String>,
        /// Give up after this many seconds.
        #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u64).range(1..=300))]
        timeout: u64,
    },
    /// Discord helpers.
    Discord {
        #[command(subcommand)]
        command: DiscordCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum DiscordCommand {
    /// Post the persistent "Request a refund" button to a channel.
    PostPanel { channel_id: String },
}

#[derive(Debug, Subcommand)]
pub enum LedgerCommand {
    /// One row per executed refund (date, order, customer email, product, amount, processor
    /// and its refund id, case, who approved), then the totals per currency.
    Export {
        /// From this time on (RFC 3339); default: the first refund.
        #[arg(long, value_parser = parse_time)]
        since: Option<DateTime<Utc>>,
        /// Up to this time, excluded (RFC 3339); default: now.
        #[arg(long, value_parser = parse_time)]
        until: Option<DateTime<Utc>>,
        #[arg(long, value_enum, default_value = "csv")]
        format: crate::ledger::Format,
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum CustomerCommand {
    /// Erase a customer's personal data (emails, message texts, platform user ids) from their
    /// closed cases, keeping amounts and counts; refused while one of their cases is open.
    Forget { email: String },
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Validate a policy file.
    Check { file: PathBuf },
    /// The verdict and the rule trace for an order.
    Explain {
        order_id: String,
        #[arg(long, value_parser = parse_time)]
        at: Option<DateTime<Utc>>,
        #[arg(long, default_value = "changed_mind")]
        reason: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum OrdersCommand {
    /// Upsert orders from a .jsonl or .csv file, or a sales platform's CSV export.
    Import {
        file: PathBuf,
        /// Read a platform's CSV export as it comes.
        #[arg(long, value_enum)]
        preset: Option<crate::orders_file::Preset>,
        /// Which column holds which field, as order_id="Order ID",email="Buyer Email"; over
        /// the preset and [import.columns]. Can be given more than once.
        #[arg(long, value_name = "FIELD=COLUMN,...")]
        columns: Vec<String>,
        /// Check the file and print what would be imported, the rows skipped and the first
        /// problems; store nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum CaseCommand {
    /// Cases, oldest first.
    List {
        #[arg(long)]
        state: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// One case with its verdict and timeline.
    Show {
        id: i64,
        #[arg(long)]
        json: bool,
    },
}

fn parse_time(raw: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(raw)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("`{raw}` is not an RFC 3339 time such as 2026-11-23T12:00:00Z ({e})"))
}

/// The Stripe webhook endpoint, when processor `stripe` and `STRIPE_WEBHOOK_SECRET` are set.
pub async fn execute(cli: Cli) -> Result<(), CliError> {
    let config = cli.config.as_deref();
    match cli.command {
        Command::Run => run(config).await,
        Command::Discord { command: DiscordCommand::PostPanel { channel_id } } => {
            let loaded = app::load_config(config)?;
            let discord = loaded
                .config
                .discord
                .clone()
                .ok_or_else(|| CliError::input("refund-bot.toml has no [discord] section"))?;
            let text =
                app::load_replies(&loaded)?.render(&crate::replies::Reply::RefundPanel {}).map_err(CliError::input)?;
            crate::chat::discord::post_panel(&discord, &channel_id, &text).await
        }
        Command::Console => {
            let app = app::open(config, Platform::Local, true).await?;
            crate::chat::console::run(&app).await.map_err(CliError::runtime)
        }
        Command::Jsonl { clock } => {
            // Listening before start-up, so a signal while the templates load is a clean stop too.
            let shutdown = crate::runner::Shutdown::on_signal();
            let app = std::sync::Arc::new(app::open(config, Platform::Local, false).await?);
            if let Some(http) = app.loaded.config.http.clone() {
                crate::ops::serve(&http.listen, app.engine.clone(), app.metrics.clone(), Default::default())
                    .await
                    .map_err(CliError::runtime)?;
            }
            if let Some(path) = app.policy_path() {
                tokio::spawn(crate::ops::watch_policy(app.engine.clone(), path, std::time::Duration::from_secs(1)));
            }
            let stdin = tokio::io::BufReader::new(tokio::io::stdin());
            let result = crate::chat::jsonl::run(&app.engine, clock, stdin, std::io::stdout(), shutdown.wait()).await;
            app.engine.store().close().await;
            result.map_err(CliError::runtime)
        }
        Command::Policy { command: PolicyCommand::Check { file } } => {
            let policy = Policy::load(&file).map_err(CliError::input)?;
            println!("{}: ok (policy {})", file.display(), &policy.hash()[..12]);
            Ok(())
        }
        Command::Policy { command: PolicyCommand::Explain { order_id, at, reason } } => {
            explain(config, &order_id, at, &reason).await
        }
        Command::Orders { command: OrdersCommand::Import { file, preset, columns, dry_run } } => {
            import_orders(config, &file, preset, &columns, dry_run).await
        }
        Command::Case { command: CaseCommand::List { state, json } } => {
            crate::case_view::list_command(config, state.as_deref(), json).await
        }
        Command::Case { command: CaseCommand::Show { id, json } } => {
            crate::case_view::show_command(config, crate::domain::CaseId(id), json).await
        }
        Command::Report { since, until, days, json, format, chart } => {
            let format = match (format, json) {
                (Some(format), _) => format,
                (None, true) => crate::report::Format::Json,
                (None, false) => crate::report::Format::Text,
            };
            crate::report::report_command(config, since, until, days, format, chart.as_deref()).await
        }
        Command::Health { url, timeout } => health(config, url, timeout).await,
        Command::Ledger { command: LedgerCommand::Export { since, until, format, output } } => {
            crate::ledger::export_command(config, since, until, format, output.as_deref()).await
        }
        Command::Customer { command: CustomerCommand::Forget { email } } => {
            crate::privacy::forget_command(config, &email).await
        }
        Command::Understand { file } => crate::understand::command(config, file.as_deref()),
        Command::Migrate => {
            let loaded = app::load_config(config)?;
            app::open_store(&loaded).await?;
            println!("database is up to date");
            Ok(())
        }
    }
}

/// `run`: every configured chat platform in one process, with the runner delivering for all
/// of them, `/healthz` and `/metrics`, and policy reload.
async fn run(config: Option<&std::path::Path>) -> Result<(), CliError> {
    let loaded = app::load_config(config)?;
    if loaded.config.discord.is_none() && loaded.config.slack.is_none() {
        return Err(CliError::input(
            "no chat platform is configured: add a [discord] or [slack] section to refund-bot.toml (see README, \
             \"Run it on Discord\" and \"Run it on Slack\"), or try `refund-bot console` to play with the bot locally",
        ));
    }
    let staff = app::staff_platform(&loaded.config)?;
    if loaded.config.discord.is_some() {
        crate::chat::discord::token()?;
    }
    if let Some(slack) = &loaded.config.slack {
        crate::chat::slack::Tokens::from_env(slack.mode)?;
    }
    let app = std::sync::Arc::new(app::open(config, staff, false).await?);
    let health = std::sync::Arc::new(crate::runner::Health::default());
    let listen = loaded.config.http.clone().unwrap_or_default().listen;
    crate::ops::serve(&listen, app.engine.clone(), app.metrics.clone(), health.clone())
        .await
        .map_err(CliError::input)?;
    if let Some(path) = app.policy_path() {
        tokio::spawn(crate::ops::watch_policy(app.engine.clone(), path, std::time::Duration::from_secs(2)));
    }
    let platforms = crate::chat::configured(&app, &health).await?;
    let shutdown = crate::runner::Shutdown::on_signal();
    crate::runner::serve(app.engine.clone(), platforms, shutdown).await.map_err(CliError::runtime)
}

/// `health`: exits 0 or 1 only (a Docker health check must not exit 2), the reason on stderr.
async fn health(config: Option<&std::path::Path>, url: Option<String>, timeout: u64) -> Result<(), CliError> {
    let unhealthy = |message: String| CliError { code: 1, message };
    let url = match url {
        Some(url) => url,
        None => {
            let loaded = app::load_config(config).map_err(|e| unhealthy(e.message))?;
            crate::ops::probe::healthz_url(&loaded.config.http.clone().unwrap_or_default().listen)
        }
    };
    let status = crate::ops::probe::check(&url, std::time::Duration::from_secs(timeout)).await.map_err(unhealthy)?;
    println!("{status}");
    Ok(())
}

/// `orders import`: the whole file is read and checked first; only a file without a problem is
/// stored, in one transaction. `--dry-run` stops after the check and prints what it found.
async fn import_orders(
    config: Option<&std::path::Path>,
    file: &std::path::Path,
    preset: Option<crate::orders_file::Preset>,
    columns: &[String],
    dry_run: bool,
) -> Result<(), CliError> {
    use crate::orders_file::{check_field, parse_column_spec, read_orders, ImportOptions};
    let loaded = app::load_config(config)?;
    let mut mapping = std::collections::BTreeMap::new();
    for (field, column) in &loaded.config.import.columns {
        check_field(field).map_err(|e| {
            let file = config.map_or_else(|| "refund-bot.toml".into(), |p| p.display().to_string());
            CliError::input(format!("{file}: [import.columns]: {e}"))
        })?;
        mapping.insert(field.clone(), column.clone());
    }
    for spec in columns {
        let pairs = parse_column_spec(spec).map_err(|e| CliError::input(format!("--columns: {e}")))?;
        mapping.extend(pairs);
    }
    let options = ImportOptions { timezone: loaded.config.timezone.0, now: Utc::now(), columns: mapping, preset };
    let read = read_orders(file, &options).map_err(CliError::input)?;
    if dry_run {
        print!("{}", read.report(&file.display().to_string(), 5));
        println!("dry run: nothing was stored");
        return match read.problem_count {
            0 => Ok(()),
            n => Err(CliError::input(format!("{}: {n} problem(s), see above", file.display()))),
        };
    }
    let (count, skipped) = (read.problem_count, read.skipped.clone());
    let orders = read.into_result().map_err(|first| match count {
        1 => CliError::input(first),
        n => CliError::input(format!("{first} (and {} more problems: `--dry-run` lists them)", n - 1)),
    })?;
    let store = app::open_store(&loaded).await?;
    let mut tx = store.begin().await.map_err(|e| CliError::runtime(e.into()))?;
    tx.upsert_orders(&orders, Utc::now()).await.map_err(|e| CliError::runtime(e.into()))?;
    tx.commit().await.map_err(|e| CliError::runtime(e.into()))?;
    println!("imported {} orders from {}", orders.len(), file.display());
    if !skipped.is_empty() {
        let lines: Vec<String> = skipped.iter().take(5).map(|(line, why)| format!("line {line} ({why})")).collect();
        let more = if skipped.len() > 5 { format!(", and {} more", skipped.len() - 5) } else { String::new() };
        let rows = if skipped.len() == 1 {
            "1 row that is no order".into()
        } else {
            format!("{} rows that are no orders", skipped.len())
        };
        println!("skipped {rows}: {}{more}", lines.join(", "));
    }
    Ok(())
}

async fn explain(
    config: Option<&std::path::Path>,
    order_id: &str,
    at: Option<DateTime<Utc>>,
    reason: &str,
) -> Result<(), CliError> {
    let loaded = app::load_config(config)?;
    let policy = app::load_policy(&loaded, &mut Vec::new())?;
    let reason = Reason::parse(reason).ok_or_else(|| {
        let codes: Vec<&str> = Reason::ALL.iter().map(|r| r.code()).collect();
        CliError::input(format!("--reason `{reason}` is not one of {}", codes.join(", ")))
    })?;
    let id = OrderId::parse(order_id).ok_or_else(|| CliError::input(format!("`{order_id}` is not an order id")))?;
    let store = app::open_store(&loaded).await?;
    let mut tx = store.begin().await.map_err(|e| CliError::runtime(e.into()))?;
    let order = tx.find_order(&id).await.map_err(|e| CliError::runtime(e.into()))?.ok_or_else(|| {
        CliError::input(format!("order {id} is not in the database (import it with `refund-bot orders import`)"))
    })?;
    let same_email_orders = tx
        .orders_by_email(&order.email)
        .await
        .map_err(|e| CliError::runtime(e.into()))?
        .into_iter()
        .filter(|o| o.order_id != order.order_id)
        .collect();
    let refunds_at = tx.refund_times_for_email(&order.email).await.map_err(|e| CliError::runtime(e.into()))?;
    let request = RefundRequest { reason, requested_at: at.unwrap_or_else(Utc::now) };
    let verdict = policy::evaluate(&policy, &order, &request, &History { same_email_orders, refunds_at });
    println!("{} ({}, {} paid) — reason {}", order.order_id, order.product, order.amount, reason);
    println!("verdict: {:?} {} (rule {})", verdict.outcome, verdict.amount(), verdict.rule);
    for line in &verdict.rules {
        println!("  - {line}");
    }
    Ok(())
}
