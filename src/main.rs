//! refund-bot's entry point: parse the command line, set up logging, run the command.

use clap::Parser;
use refund_bot::cli::{execute, Cli};

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    if let Err(error) = execute(cli).await {
        eprintln!("error: {error}");
        std::process::exit(error.code);
    }
}
