//! The JSON-lines adapter (docs/jsonl.md): inbound events on stdin, outbound actions on
//! stdout, `done` after each line is committed and the work due at the adapter's time has run,
//! `error` for a line that cannot be read. An inbound line may carry an `"id"`: a line with an id
//! seen before is not handled again, so a script can resend its unacknowledged lines after a crash.

use crate::domain::{Address, ChatUserId, Platform};
use crate::events::Inbound;
use crate::runner::{self, AdapterClock};
use crate::workflow::Engine;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use std::io::Write;
use tokio::io::{AsyncBufRead, AsyncBufReadExt};

/// Runs until the input ends or `shutdown` resolves; a line being handled is finished first.
pub async fn run<R, W>(
    engine: &Engine,
    start: Option<DateTime<Utc>>,
    input: R,
    mut output: W,
    shutdown: impl std::future::Future<Output = ()>,
) -> anyhow::Result<()>
where
    R: AsyncBufRead + Unpin,
    W: Write,
{
    let mut shutdown = std::pin::pin!(shutdown);
    let mut clock = AdapterClock::new(start);
    // Work due at start-up, and actions committed by an earlier run that stopped before
    // printing them, go out first.
    if let Err(error) = run_due(engine, clock.now(), &mut output).await {
        tracing::error!(error = %format!("{error:#}"), "running the work due at start-up failed");
    }
    // Lines as bytes: a line that is not UTF-8 is an unreadable line, not the end of the input.
    let mut lines = input.split(b'\n');
    let mut seq: u64 = 0;
    loop {
        let line = tokio::select! {
            line = lines.next_segment() => line?,
            _ = &mut shutdown => None::<Vec<u8>>,
        };
        let Some(mut line) = line else { break };
        seq += 1;
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        let parsed = String::from_utf8(line).map_err(|e| format!("not UTF-8: {e}")).and_then(|l| parse_line(&l));
        let (event_id, event) = match parsed {
            Ok(parsed) => parsed,
            Err(error) => {
                write_line(&mut output, &json!({"kind": "error", "seq": seq, "error": error}))?;
                continue;
            }
        };
        let handled = match (&event_id, &event) {
            (_, Inbound::Tick { advance_secs }) => {
                if let Err(error) = clock.advance(*advance_secs) {
                    write_line(&mut output, &json!({"kind": "error", "seq": seq, "error": error}))?;
                    continue;
                }
                Ok(())
            }
            (Some(id), _) => {
                engine.handle_once(Platform::Local, &format!("jsonl:{id}"), &event, clock.now()).await.map(|_| ())
            }
            (None, _) => engine.handle(&event, clock.now()).await,
        };
        if let Err(error) = handled {
            tracing::error!(seq, error = %error, "handling an inbound line failed");
            let message = "internal error while handling this line; nothing was changed (see the log)";
            write_line(&mut output, &json!({"kind": "error", "seq": seq, "error": message}))?;
            continue;
        }
        if let Err(error) = run_due(engine, clock.now(), &mut output).await {
            // The line itself is committed; what failed is retried at the next line.
            tracing::error!(seq, error = %format!("{error:#}"), "running the work due failed");
            let message = "internal error while running the work due now; it is retried at the next line (see the log)";
            write_line(&mut output, &json!({"kind": "error", "seq": seq, "error": message}))?;
            continue;
        }
        write_line(&mut output, &json!({"kind": "done", "seq": seq}))?;
    }
    Ok(())
}

/// The jobs due at `now`, then every due action printed as a line.
async fn run_due<W: Write>(engine: &Engine, now: DateTime<Utc>, output: &mut W) -> anyhow::Result<()> {
    runner::run_due(engine, now, |action| {
        let written =
            serde_json::to_value(action.shown()).map_err(anyhow::Error::from).and_then(|v| write_line(output, &v));
        async move { written }
    })
    .await?;
    Ok(())
}

/// Reads one line and its optional `id`; the error says what is wrong in words a script
/// author can act on.
fn parse_line(line: &str) -> Result<(Option<String>, Inbound), String> {
    if line.trim().is_empty() {
        return Err("empty line: expected one JSON object".into());
    }
    let mut value: Value = serde_json::from_str(line).map_err(|e| format!("not JSON: {e}"))?;
    let id = match value.as_object_mut().and_then(|o| o.remove("id")) {
        None => None,
        Some(Value::String(id)) if !id.is_empty() => Some(id),
        Some(other) => return Err(format!("`id` must be a non-empty string, not {other}")),
    };
    let event = serde_json::from_value::<Inbound>(value).map_err(|e| format!("not a valid inbound event: {e}"))?;
    if let Some(user) = event.user() {
        check_user(user)?;
    }
    if let Inbound::Message { to: Some(to), .. } = &event {
        if !matches!(Address::parse(to), Some(Address::Thread(_))) {
            return Err(format!(
                "`to` \"{to}\" is not a case's thread: write thread:<case id>, or leave it out for a direct message"
            ));
        }
    }
    Ok((id, event))
}

/// The longest user id a line may carry (platform ids are far shorter).
const MAX_USER_CHARS: usize = 128;

/// A user id is a name for one person: not empty, not huge, no control characters, and not
/// another platform's (`discord:` and `slack:` qualify those users inside the bot).
fn check_user(user: &str) -> Result<(), String> {
    if user.trim().is_empty() {
        return Err("`user` is empty: say who acts".into());
    }
    if user.chars().count() > MAX_USER_CHARS {
        return Err(format!("`user` is longer than {MAX_USER_CHARS} characters"));
    }
    if user.chars().any(char::is_control) {
        return Err("`user` holds a control character".into());
    }
    if ChatUserId::parse(user).platform() != Platform::Local {
        return Err(format!("`user` \"{user}\" starts with a platform's prefix; local user ids cannot"));
    }
    Ok(())
}

fn write_line<W: Write>(output: &mut W, value: &Value) -> anyhow::Result<()> {
    serde_json::to_writer(&mut *output, value)?;
    output.write_all(b"\n")?;
    output.flush()?;
    Ok(())
}
