//! Chat adapters: each maps its platform's events onto `Inbound` and delivers `Outbound`.
//!
//! Adding a platform is one folder here that implements [`crate::runner::ChatPlatform`] and
//! one line in [`configured`]; the runner delivers its outbox rows and runs the due jobs.

pub mod console;
pub mod discord;
pub mod jsonl;
pub mod slack;

use crate::app::{App, CliError};
use crate::runner::{ChatPlatform, Health};
use std::sync::Arc;

/// Connects every chat platform that `refund-bot.toml` configures (token checks first, so a
/// bad token stops the start before anything runs). Empty when none is configured.
pub async fn configured(app: &Arc<App>, health: &Arc<Health>) -> Result<Vec<Arc<dyn ChatPlatform>>, CliError> {
    let mut platforms: Vec<Arc<dyn ChatPlatform>> = Vec::new();
    if let Some(config) = &app.loaded.config.discord {
        platforms.push(discord::Discord::connect(app.clone(), config.clone(), health.clone()).await?);
    }
    if let Some(config) = &app.loaded.config.slack {
        platforms.push(slack::Slack::connect(app.clone(), config.clone(), health.clone()).await?);
    }
    Ok(platforms)
}

/// Whether the staff platform keeps a thread per case (CONTRACTS section 4): the local chats
/// have `thread:<case>` views, Discord a public thread started from the case's card, Slack the
/// replies under the card (`thread_ts`; a card posted inside a backlog summary's thread is
/// moved out to the channel first, as Slack threads do not nest). Every platform does today;
/// a new one that cannot answers false here, and its case posts stay in the agents' channel.
pub fn keeps_case_threads(staff: crate::domain::Platform) -> bool {
    match staff {
        crate::domain::Platform::Local | crate::domain::Platform::Discord | crate::domain::Platform::Slack => true,
    }
}

/// Splits text at line ends (or hard at the limit) into pieces of at most `limit` characters,
/// for platforms that cap a message or a block.
pub fn split_text(text: &str, limit: usize) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut current = String::new();
    for line in text.split_inclusive('\n') {
        let mut line = line;
        while current.chars().count() + line.chars().count() > limit {
            if !current.is_empty() {
                pieces.push(std::mem::take(&mut current));
                continue;
            }
            let cut = line.char_indices().nth(limit).map_or(line.len(), |(i, _)| i);
            pieces.push(line[..cut].to_string());
            line = &line[cut..];
        }
        current.push_str(line);
    }
    if !current.is_empty() || pieces.is_empty() {
        pieces.push(current);
    }
    pieces
}
