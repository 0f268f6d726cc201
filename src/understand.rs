//! `refund-bot understand [FILE]`: what the bot reads from customers' messages, one JSON object
//! per message, for sellers tuning their order patterns and knowledge base, and for the eval.

use crate::app::{self, CliError};
use crate::kb::KnowledgeBase;
use crate::policy::Policy;
use crate::replies::Replies;
use crate::understanding::{Reading, Understanding};
use serde_json::{json, Value};
use std::io::{BufRead, Write};
use std::path::Path;

/// Reads messages from `file` (stdin without one): a line of JSON with a `text` field, or the
/// line itself. Prints one object per message, with the line's `id` when it has one.
pub fn command(config: Option<&Path>, file: Option<&Path>) -> Result<(), CliError> {
    let loaded = app::load_config(config)?;
    let understanding = app::understanding(&loaded)?;
    let kb = app::knowledge_base(&loaded)?;
    let policy = app::load_policy(&loaded, &mut Vec::new())?;
    let replies = app::load_replies(&loaded)?;
    let answers = Answers { kb: &kb, policy: &policy, replies: &replies };
    let input: Box<dyn BufRead> = match file {
        Some(path) => Box::new(std::io::BufReader::new(
            std::fs::File::open(path).map_err(|e| CliError::input(format!("{}: {e}", path.display())))?,
        )),
        None => Box::new(std::io::stdin().lock()),
    };
    let mut out = std::io::stdout().lock();
    let name = file.map_or_else(|| "stdin".to_string(), |p| p.display().to_string());
    for (number, line) in input.lines().enumerate() {
        let line = line.map_err(|e| CliError::input(format!("{name} line {}: {e}", number + 1)))?;
        if line.trim().is_empty() {
            continue;
        }
        let (id, text) = message(&line).map_err(|e| CliError::input(format!("{name} line {}: {e}", number + 1)))?;
        let mut object = describe(&understanding, &answers, &text);
        if let Some(id) = id {
            object["id"] = id;
        }
        writeln!(out, "{object}").map_err(|e| CliError::runtime(e.into()))?;
    }
    Ok(())
}

/// A JSON line's `id` and `text`, or a plain line as the text.
fn message(line: &str) -> Result<(Option<Value>, String), String> {
    if !line.trim_start().starts_with('{') {
        return Ok((None, line.to_string()));
    }
    let value: Value = serde_json::from_str(line).map_err(|e| format!("not JSON: {e}"))?;
    let text = value.get("text").and_then(Value::as_str).ok_or("a JSON line needs a \"text\" string")?;
    Ok((value.get("id").cloned(), text.to_string()))
}

/// What a question is answered from.
pub struct Answers<'a> {
    pub kb: &'a KnowledgeBase,
    pub policy: &'a Policy,
    pub replies: &'a Replies,
}

/// The reading as printed; `question` is the answer the bot would give, in the seller's locale.
pub fn describe(understanding: &Understanding, answers: &Answers<'_>, text: &str) -> Value {
    let reading: Reading = understanding.read(text);
    let question = crate::kb::reply_to(text, &reading, answers.kb, answers.policy, None)
        .and_then(|reply| answers.replies.render(&reply).ok());
    json!({
        "reason": reading.reason,
        // Two decimals: a confidence is a rough measure, not a precise one.
        "confidence": (f64::from(reading.confidence) * 100.0).round() / 100.0,
        "alternatives": reading.alternatives,
        "resolution": reading.resolution,
        "order_ids": reading.order_ids,
        "order_suffix": reading.order_suffix,
        "emails": reading.emails,
        "flags": reading.flags,
        "language": reading.language,
        // `default`: the words told no language, so the seller's `locale` was assumed.
        "language_source": reading.language_source.map_or("default", |s| s.code()),
        "topic": reading.topic,
        "question": question,
    })
}
