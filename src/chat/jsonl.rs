//! The JSON-lines adapter (CONTRACTS section 4): inbound events on stdin, outbound actions on
//! stdout, `done` after each line is committed, `error` for a line that cannot be read.

use super::{drain_outbox, AdapterClock};
use crate::events::Inbound;
use crate::workflow::Engine;
use chrono::{DateTime, Utc};
use serde_json::json;
use std::io::Write;
use tokio::io::{AsyncBufRead, AsyncBufReadExt};

pub async fn run<R, W>(
    engine: &Engine,
    start: Option<DateTime<Utc>>,
    input: R,
    mut output: W,
) -> anyhow::Result<()>
where
    R: AsyncBufRead + Unpin,
    W: Write,
{
    let mut clock = AdapterClock::new(start);
    // Actions committed by an earlier run that crashed before printing them go out first.
    drain_outbox(engine.store(), clock.now(), |action| {
        write_line(&mut output, &serde_json::to_value(action)?)
    })
    .await?;
    let mut lines = input.lines();
    let mut seq: u64 = 0;
    while let Some(line) = lines.next_line().await? {
        seq += 1;
        let event = match parse_line(&line) {
            Ok(event) => event,
            Err(error) => {
                write_line(
                    &mut output,
                    &json!({"kind": "error", "seq": seq, "error": error}),
                )?;
                continue;
            }
        };
        if let Inbound::Tick { advance_secs } = event {
            clock.advance(advance_secs);
        }
        let now = clock.now();
        if let Err(error) = engine.handle(&event, now).await {
            tracing::error!(seq, error = %error, "handling an inbound line failed");
            let message =
                "internal error while handling this line; nothing was changed (see the log)";
            write_line(
                &mut output,
                &json!({"kind": "error", "seq": seq, "error": message}),
            )?;
            continue;
        }
        drain_outbox(engine.store(), now, |action| {
            write_line(&mut output, &serde_json::to_value(action)?)
        })
        .await?;
        write_line(&mut output, &json!({"kind": "done", "seq": seq}))?;
    }
    Ok(())
}

/// Reads one line; the error says what is wrong in words a script author can act on.
fn parse_line(line: &str) -> Result<Inbound, String> {
    if line.trim().is_empty() {
        return Err("empty line: expected one JSON object".into());
    }
    serde_json::from_str::<Inbound>(line).map_err(|e| format!("not a valid inbound event: {e}"))
}

fn write_line<W: Write>(output: &mut W, value: &serde_json::Value) -> anyhow::Result<()> {
    serde_json::to_writer(&mut *output, value)?;
    output.write_all(b"\n")?;
    output.flush()?;
    Ok(())
}
