//! A case's card: its first post in the agents' channel, edited to show where the case stands
//! (a status line from `card_status`) and to carry the live controls that fit (take over; or
//! hand back and close).

use super::engine::EngineError;
use super::turn::{Turn, TAKE_OVER};
use crate::domain::case::{Case, CaseState, Outcome};
use crate::domain::{AgentAction, ButtonAction, CaseThread};
use crate::replies::Reply;

/// The labels of the buttons that end a live conversation.
pub(super) const HAND_BACK: &str = "Hand back to the bot";
pub(super) const CLOSE: &str = "Close";

/// Where a case stands, in staff's words.
fn staff_status(case: &Case) -> String {
    match (case.state, case.outcome) {
        (CaseState::Intake, _) => "talking with the bot".into(),
        (CaseState::AwaitingAgent, _) => "waiting for an agent".into(),
        (CaseState::AwaitingManager, _) => "waiting for a manager's decision".into(),
        (CaseState::AwaitingRefund, _) => "refund approved, being issued".into(),
        (CaseState::AwaitingCustomer, _) => "waiting for the customer's choice".into(),
        (CaseState::AwaitingFeedback | CaseState::FeedbackComment, Outcome::PartiallyRefunded) => {
            "partially refunded".into()
        }
        (CaseState::AwaitingFeedback | CaseState::FeedbackComment, _) => "refunded".into(),
        (CaseState::Closed, outcome) => format!("closed ({})", outcome.code().replace('_', " ")),
    }
}

/// The live controls a case's card and thread offer: none once it is closed; *hand back* and
/// *close* while live (and *take over* while a hand-off waits for an agent); else *take over*.
pub(super) fn live_controls(case: &Case, thread: &CaseThread) -> Vec<(ButtonAction, String)> {
    let take_over = (AgentAction::TakeOver.into(), TAKE_OVER.to_string());
    let hand_back = (AgentAction::HandBack.into(), HAND_BACK.to_string());
    let close = (AgentAction::Close.into(), CLOSE.to_string());
    let mut controls = match (case.state, thread.is_live(), thread.agent.is_some()) {
        (CaseState::Closed, _, _) => vec![],
        (_, true, true) => vec![hand_back, close],
        (_, true, false) => vec![take_over, hand_back, close],
        (_, false, _) => vec![take_over],
    };
    if !can_close(case) {
        controls.retain(|(action, _)| *action != ButtonAction::Agent(AgentAction::Close));
    }
    controls
}

/// Whether staff may close the case now: not while a manager decides or money is on its way
/// (that would leave a decision or a refund without its case).
pub(super) fn can_close(case: &Case) -> bool {
    !matches!(case.state, CaseState::AwaitingManager | CaseState::AwaitingRefund | CaseState::Closed)
}

impl Turn<'_> {
    /// Edits the cards of the cases this turn touched where their status changed, or the flow
    /// rewrote them (a settled draft) and the status line or the controls went with it.
    pub(super) async fn refresh_cards(&mut self) -> Result<(), EngineError> {
        if !self.engine.settings.case_threads {
            return Ok(());
        }
        for case_id in std::mem::take(&mut self.touched) {
            let Some(mut thread) = self.tx.thread_of(case_id).await? else { continue };
            let (Some(case), Some(card)) =
                (self.tx.load_case(case_id).await?, self.tx.find_message(thread.card).await?)
            else {
                continue;
            };
            let status = self.render(&Reply::CardStatus {
                status: staff_status(&case),
                live: thread.is_live(),
                agent: thread.agent_name.clone().or_else(|| thread.agent.clone()).unwrap_or_default(),
            })?;
            let base = match &thread.card_status {
                Some(old) => card.text.strip_suffix(&format!("\n\n{old}")).unwrap_or(&card.text).to_string(),
                None => card.text.clone(),
            };
            let text = format!("{base}\n\n{status}");
            let fresh = self.fresh_cards.contains(&card.id);
            let controls = live_controls(&case, &thread);
            // An inactive card with controls to show was edited by the flow (a settled draft).
            let buttons_right = card.active || controls.is_empty();
            if text == card.text && buttons_right && !fresh {
                continue;
            }
            let keep_flow = case.state != CaseState::Closed;
            self.tx.edit_card(card.id, &text, controls, keep_flow, fresh, self.now).await?;
            thread.card_status = Some(status);
            self.tx.save_thread(&thread).await?;
        }
        Ok(())
    }
}
