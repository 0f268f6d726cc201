//! `refund-bot customer forget EMAIL`: one erasure in one transaction, told in a line.

use super::{busy_words, forget, Cause, ForgetError, Person};
use crate::app::{self, CliError};
use crate::domain::Email;
use crate::store::StoreError;
use chrono::Utc;
use std::path::Path;

/// `refund-bot customer forget EMAIL`.
pub async fn forget_command(config: Option<&Path>, email: &str) -> Result<(), CliError> {
    let email = Email::parse(email).ok_or_else(|| CliError::input(format!("`{email}` is not an email address")))?;
    let loaded = app::load_config(config)?;
    let store = app::open_store(&loaded).await?;
    let runtime = |e: StoreError| CliError::runtime(e.into());
    let mut tx = store.begin().await.map_err(runtime)?;
    let person = Person::of_email(&mut tx, &email).await.map_err(runtime)?;
    match forget(&mut tx, &person, Cause::Request, "cli", Utc::now()).await {
        Ok(Some(erased)) => {
            tx.commit().await.map_err(runtime)?;
            let ids: Vec<String> = erased.cases.iter().map(ToString::to_string).collect();
            let cases = match ids.len() {
                0 => "no case".to_string(),
                1 => format!("1 closed case ({})", ids[0]),
                n => format!("{n} closed cases ({})", ids.join(", ")),
            };
            println!(
                "erasure {}: the personal data of {cases} and {} other stored value(s) erased; refunds and counts kept",
                erased.id, erased.scrubbed
            );
            Ok(())
        }
        Ok(None) => {
            println!("nothing is stored about that email: nothing to erase");
            Ok(())
        }
        Err(ForgetError::Busy(busy)) => Err(CliError::input(busy_words(&busy))),
        Err(ForgetError::Store(error)) => Err(runtime(error)),
    }
}
