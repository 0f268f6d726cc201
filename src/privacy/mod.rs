//! Forgetting a customer: `customer forget EMAIL` on request, and `[retention] days` for
//! customers whose last case ended longer ago. Personal data (emails, message texts, platform
//! user ids) goes; amounts, reasons, outcomes and counts stay, so reports add up as before.
//! Store work only: the engine's retention job uses it; the command is in `command.rs`.

mod command;

pub use command::forget_command;

use crate::domain::timeline::EventKind;
use crate::domain::{CaseId, ChatUserId, Email};
use crate::store::{Busy, Needle, PersonCase, StoreError, Tx};
use chrono::{DateTime, Utc};

/// Why an erasure ran, as its record says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// `customer forget`.
    Request,
    /// `[retention] days`.
    Retention,
}

impl Cause {
    pub fn code(self) -> &'static str {
        match self {
            Cause::Request => "request",
            Cause::Retention => "retention",
        }
    }
}

/// Who is forgotten: their emails and the chat users who proved or used them.
#[derive(Debug, Clone, Default)]
pub struct Person {
    pub emails: Vec<String>,
    pub users: Vec<ChatUserId>,
}

/// A finished erasure.
#[derive(Debug, Clone)]
pub struct Erased {
    /// The erasure's number in `erasures`.
    pub id: i64,
    pub cases: Vec<CaseId>,
    /// Values rewritten by the scrub of every text column.
    pub scrubbed: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum ForgetError {
    /// Cases that still need the customer's data, each with why.
    #[error("{}", busy_words(.0))]
    Busy(Vec<(CaseId, Busy)>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub(crate) fn busy_words(cases: &[(CaseId, Busy)]) -> String {
    let each: Vec<String> = cases
        .iter()
        .map(|(id, why)| match why {
            Busy::Open { state } => format!("case {id} is still open ({})", state.replace('_', " ")),
            Busy::RefundPending => format!("case {id} has a refund still with the processor"),
            Busy::Undelivered => format!("case {id} has messages still waiting to be delivered"),
        })
        .collect();
    format!("{}: nothing was erased; try again once it is closed", each.join("; "))
}

impl Person {
    /// The person behind an email: the users who proved it or wrote about it.
    pub async fn of_email(tx: &mut Tx<'_>, email: &Email) -> Result<Person, StoreError> {
        let users = tx.users_of_email(email.as_str()).await?;
        Ok(Person {
            emails: vec![email.as_str().to_string()],
            users: users.iter().map(|u| ChatUserId::parse(u)).collect(),
        })
    }

    /// The person behind a chat user: their emails, and the other users of those emails.
    pub async fn of_user(tx: &mut Tx<'_>, user: &str) -> Result<Person, StoreError> {
        let emails = tx.emails_of_user(user).await?;
        let mut users = vec![user.to_string()];
        for email in &emails {
            users.extend(tx.users_of_email(email).await?);
        }
        users.sort();
        users.dedup();
        Ok(Person { emails, users: users.iter().map(|u| ChatUserId::parse(u)).collect() })
    }

    /// What the scrub looks for: each email, each user as written, and a platform's bare id
    /// (mentions and platform tables carry it without the prefix).
    fn needles(&self, erasure: i64) -> Vec<Needle> {
        let (user, email) = pseudonyms(erasure);
        let mut needles: Vec<Needle> =
            self.emails.iter().map(|e| Needle { find: e.clone(), replace: email.clone() }).collect();
        for id in &self.users {
            needles.push(Needle { find: id.to_string(), replace: user.clone() });
        }
        // Bare ids after the qualified ones, so `discord:123` becomes one pseudonym, not two.
        for id in self.users.iter().filter(|id| id.to_string() != id.platform_id()) {
            needles.push(Needle { find: id.platform_id().to_string(), replace: user.clone() });
        }
        needles
    }
}

/// The stand-ins for an erased user and email: they still parse, name nobody, and tell a
/// reader which erasure made them.
pub fn pseudonyms(erasure: i64) -> (String, String) {
    (format!("erased:{erasure}"), format!("erased-{erasure}@erased.invalid"))
}

/// Erases everything stored about `person` inside `tx`, or refuses naming the cases that are
/// not finished. `Ok(None)`: nothing was stored about them.
pub async fn forget(
    tx: &mut Tx<'_>,
    person: &Person,
    cause: Cause,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<Option<Erased>, ForgetError> {
    let written: Vec<String> = person.users.iter().map(ToString::to_string).collect();
    let cases: Vec<PersonCase> =
        tx.cases_of_person(&person.emails, &written).await?.into_iter().filter(|c| !c.erased).collect();
    let mut busy = Vec::new();
    for case in &cases {
        if let Some(why) = tx.erasure_blocker(case).await? {
            busy.push((case.id, why));
        }
    }
    if !busy.is_empty() {
        return Err(ForgetError::Busy(busy));
    }
    let ids: Vec<CaseId> = cases.iter().map(|c| c.id).collect();
    let erasure = tx.record_erasure(actor, cause.code(), &ids, now).await?;
    let (user, email) = pseudonyms(erasure);
    for case in &ids {
        tx.erase_case(*case, &user, now).await?;
        let detail = format!("personal data erased ({}, erasure {erasure})", cause.code());
        tx.add_event(*case, now, actor, EventKind::Erased, &detail).await?;
    }
    let identities = tx.erase_identities(&person.emails, &person.users, &email).await?;
    let scrubbed = identities + tx.scrub_everywhere(&person.needles(erasure)).await?;
    if ids.is_empty() && scrubbed == 0 {
        // Nothing was there: the caller drops the transaction and with it the erasure record.
        return Ok(None);
    }
    Ok(Some(Erased { id: erasure, cases: ids, scrubbed }))
}

/// One pass of `[retention] days`: forgets up to `limit` customers whose every case ended and
/// whose latest case was last touched before `cutoff`. Returns the erasures made; a customer
/// whose case still waits for a delivery or a processor is left for the next pass.
pub async fn sweep(
    tx: &mut Tx<'_>,
    cutoff: DateTime<Utc>,
    limit: i64,
    now: DateTime<Utc>,
) -> Result<Vec<Erased>, StoreError> {
    let mut done = Vec::new();
    for user in tx.customers_past_retention(cutoff, limit).await? {
        let person = Person::of_user(tx, &user).await?;
        let written: Vec<String> = person.users.iter().map(ToString::to_string).collect();
        // Another user of the same email may have a recent case: then the person is kept.
        let cases = tx.cases_of_person(&person.emails, &written).await?;
        if cases.iter().any(|c| !c.erased && (c.outcome == "open" || c.updated_at >= cutoff)) {
            continue;
        }
        match forget(tx, &person, Cause::Retention, "retention", now).await {
            Ok(Some(erased)) => done.push(erased),
            Ok(None) | Err(ForgetError::Busy(_)) => {}
            Err(ForgetError::Store(error)) => return Err(error),
        }
    }
    Ok(done)
}
