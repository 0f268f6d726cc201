//! Snippets in a live conversation: an agent's `{{name}}` becomes that canned reply, rendered
//! with the case's variables in the customer's language, before the message is relayed. An
//! unknown name relays nothing; the agent is told in the thread which snippets there are.

use super::engine::EngineError;
use super::staff::{REFUND_METHOD, REFUND_TIMELINE};
use super::turn::{Post, Turn};
use crate::domain::case::{Case, Decision};
use crate::domain::timeline::EventKind;
use crate::domain::{Address, Money, Purpose};
use crate::replies::snippets::{markers, SnippetVars};
use crate::replies::Reply;

impl Turn<'_> {
    /// `text` (written by `user`, signed `agent`) with its snippets expanded, or `None` when it
    /// names one there is not (then the agent has been told, and the timeline says so).
    pub(super) async fn with_snippets(
        &mut self,
        case: &Case,
        user: &str,
        agent: &str,
        text: &str,
    ) -> Result<Option<String>, EngineError> {
        if markers(text).is_empty() {
            return Ok(Some(text.to_string()));
        }
        let vars = self.snippet_vars(case, agent).await?;
        let language = case.language.map(|d| d.language);
        match self.engine.replies.expand_snippets(language, text, &vars)? {
            Ok(expanded) => Ok(Some(expanded)),
            Err(unknown) => {
                let detail = format!("no snippet is called {}: nothing relayed", unknown.name);
                self.event(case.id, user, EventKind::NotRelayed, &detail).await?;
                let reply = Reply::SnippetUnknown { name: unknown.name, available: unknown.available };
                self.post(case.id, reply, Post::to(Address::Thread(case.id), Purpose::Notice)).await?;
                Ok(None)
            }
        }
    }

    /// What a snippet may say about the case; what it does not know yet stays empty.
    async fn snippet_vars(&mut self, case: &Case, agent: &str) -> Result<SnippetVars, EngineError> {
        let order = match case.order_id {
            Some(_) => Some(self.load_order(case).await?),
            None => None,
        };
        let refund_amount = match &case.decision {
            Some(Decision::Refund { amount_minor, currency, .. }) => {
                Money::from_minor(*amount_minor, *currency).to_string()
            }
            _ => String::new(),
        };
        Ok(SnippetVars {
            case_id: case.id.0,
            order_id: order.as_ref().map(|o| o.order_id.to_string()).unwrap_or_default(),
            product: order.as_ref().map(|o| o.product.clone()).unwrap_or_default(),
            amount_paid: order.as_ref().map(|o| o.amount.to_string()).unwrap_or_default(),
            refund_amount,
            refund_method: REFUND_METHOD.into(),
            refund_timeline: REFUND_TIMELINE.into(),
            status: case.state.status_words().into(),
            agent: agent.into(),
        })
    }
}
