//! Screening a customer's message before it is read as an answer: chargeback and legal talk
//! alert the agents once per case; insults aimed at staff are strikes, the third closes.

use super::engine::EngineError;
use super::turn::{Post, Turn};
use crate::domain::case::{Case, CaseState, Flag, Outcome};
use crate::domain::timeline::EventKind;
use crate::domain::{Address, Purpose};
use crate::replies::Reply;
use crate::understanding::{Reading, Signal};

const STRIKES_TO_CLOSE: u32 = 3;

impl Turn<'_> {
    /// Abuse, chargeback and legal checks. Returns true when the message was an insult and has
    /// been answered with a boundary (it is not read as an answer).
    pub(super) async fn screen(&mut self, case: &mut Case, text: &str, reading: &Reading) -> Result<bool, EngineError> {
        let user = case.customer.to_string();
        for (signal, flag) in [(Signal::ChargebackRisk, Flag::ChargebackRisk), (Signal::LegalThreat, Flag::LegalThreat)]
        {
            // Each flag alerts the agents once per case.
            if reading.has(signal) && case.flag(flag) {
                self.event(case.id, "bot", EventKind::Flagged, flag.code()).await?;
                let alert = Reply::AgentAlert {
                    case_id: case.id.0,
                    customer: user.clone(),
                    kind: flag.code().into(),
                    excerpt: excerpt(text),
                };
                self.post(case.id, alert, Post::to(Address::Agents, Purpose::Alert)).await?;
            }
        }
        if !reading.has(Signal::Abusive) {
            return Ok(false);
        }
        case.strikes += 1;
        self.event(case.id, "bot", EventKind::Strike, &format!("abusive language, strike {}", case.strikes)).await?;
        if case.strikes < STRIKES_TO_CLOSE {
            let reply = Reply::Boundary { strikes_left: STRIKES_TO_CLOSE - case.strikes - 1 };
            self.tell(case, reply, None, vec![]).await?;
            return Ok(true);
        }
        case.flag(Flag::Abusive);
        self.tell(case, Reply::ClosedAbusive {}, None, vec![]).await?;
        let alert = Reply::AgentAlert {
            case_id: case.id.0,
            customer: user,
            kind: Flag::Abusive.code().into(),
            excerpt: excerpt(text),
        };
        self.post(case.id, alert, Post::to(Address::Agents, Purpose::Alert)).await?;
        if case.state == CaseState::Intake {
            case.close(Outcome::Cancelled);
        }
        self.event(case.id, "bot", EventKind::Closed, "conversation closed after the third strike").await?;
        Ok(true)
    }
}

/// The start of a flagged message, for the alert to agents.
fn excerpt(text: &str) -> String {
    let cut: String = text.chars().take(300).collect();
    if cut.len() < text.len() {
        format!("{cut}…")
    } else {
        cut
    }
}
