//! refund-bot's entry point: parse the command line, set up logging, run the command.

use clap::Parser;
use refund_bot::cli::{execute, Cli, LogFormat};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn,refund_bot=info".into());
    let logs = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match cli.log_format {
        LogFormat::Json => logs.json().init(),
        LogFormat::Text => logs.init(),
    }
    if let Err(error) = execute(cli).await {
        eprintln!("error: {error}");
        std::process::exit(error.code);
    }
}
