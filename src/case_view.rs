//! `case list` and `case show`: a readable timeline, or JSON (docs/case-json.md).

use crate::app::{self, CliError};
use crate::domain::case::Case;
use crate::domain::CaseId;
use crate::store::{Store, Tx};
use serde_json::{json, Value};
use std::path::Path;

/// `case list [--state S] [--json]`.
pub async fn list_command(config: Option<&Path>, state: Option<&str>, json: bool) -> Result<(), CliError> {
    let store = app::open_store(&app::load_config(config)?).await?;
    list(&store, state, json).await
}

/// `case show ID [--json]`.
pub async fn show_command(config: Option<&Path>, id: CaseId, json: bool) -> Result<(), CliError> {
    let store = app::open_store(&app::load_config(config)?).await?;
    show(&store, id, json).await
}

fn runtime(e: impl Into<anyhow::Error>) -> CliError {
    CliError::runtime(e.into())
}

fn summary(case: &Case) -> Value {
    json!({
        "id": case.id.0,
        "customer": &case.customer.to_string(),
        "order_id": case.order_id.as_ref().map(|o| o.as_str()),
        "state": case.state.code(),
        "outcome": case.outcome.code(),
        "opened_at": crate::store::ts(case.opened_at),
    })
}

async fn list(store: &Store, state: Option<&str>, as_json: bool) -> Result<(), CliError> {
    let mut tx = store.begin().await.map_err(runtime)?;
    let cases = tx.list_cases(state).await.map_err(runtime)?;
    if as_json {
        let all: Vec<Value> = cases.iter().map(summary).collect();
        println!("{}", serde_json::to_string_pretty(&all).map_err(runtime)?);
        return Ok(());
    }
    if cases.is_empty() {
        println!("no cases");
    }
    for case in &cases {
        let order = case.order_id.as_ref().map_or("-", |o| o.as_str());
        println!(
            "#{:<5} {:<18} {:<12} {:<18} {}",
            case.id,
            case.state.code(),
            case.outcome.code(),
            order,
            case.customer
        );
    }
    Ok(())
}

/// The whole case as JSON: summary, verdict, refunds, feedback, flags and timeline.
pub async fn case_json(tx: &mut Tx<'_>, case: &Case) -> Result<Value, CliError> {
    let mut value = summary(case);
    let extra = json!({
        "reason": case.reason.map(|r| r.code()),
        "details": case.details,
        "resolution": case.resolution.map(|r| r.code()),
        "verdict": case.verdict,
        "policy_hash": case.policy_hash,
        "decision": case.decision,
        "refunds": tx.refunds_of_case(case.id).await.map_err(runtime)?,
        "feedback": tx.feedback_of(case.id).await.map_err(runtime)?,
        "flags": case.flags,
        "language": case.language.map(|d| d.language.code()),
        "language_source": case.language.map(|d| d.source.code()),
        "events": tx.timeline(case.id).await.map_err(runtime)?,
        "dead_letters": tx.dead_letters(case.id).await.map_err(runtime)?,
    });
    if let (Value::Object(base), Value::Object(more)) = (&mut value, extra) {
        base.extend(more);
    }
    Ok(value)
}

async fn show(store: &Store, id: CaseId, as_json: bool) -> Result<(), CliError> {
    let mut tx = store.begin().await.map_err(runtime)?;
    let case =
        tx.load_case(id).await.map_err(runtime)?.ok_or_else(|| CliError::input(format!("there is no case {id}")))?;
    let value = case_json(&mut tx, &case).await?;
    if as_json {
        println!("{}", serde_json::to_string_pretty(&value).map_err(runtime)?);
        return Ok(());
    }
    println!("Case #{} — {} ({})", case.id, case.state.code(), case.outcome.code());
    println!("customer: {}   order: {}", case.customer, case.order_id.as_ref().map_or("-", |o| o.as_str()));
    if let Some(reason) = case.reason {
        println!("reason:   {}", reason.label());
    }
    if let Some(language) = case.language {
        println!("language: {} ({})", language.language.name(), language.source.code());
    }
    if !case.flags.is_empty() {
        println!("flags:    {}", case.flags.iter().map(|f| f.code()).collect::<Vec<_>>().join(", "));
    }
    if let Some(verdict) = &case.verdict {
        println!("verdict:  {:?}, {} (rule {})", verdict.outcome, verdict.amount(), verdict.rule);
        for line in &verdict.rules {
            println!("          - {line}");
        }
    }
    println!("timeline:");
    for event in tx.timeline(case.id).await.map_err(runtime)? {
        println!("  {}  {:<12} {:<18} {}", event.at, event.actor, event.kind, event.detail);
    }
    Ok(())
}
