//! Cases the reporting tests (ledger, report, digest, metrics) share: refunds paid by hand and
//! a denial, made through the bot as staff and customers would.

use super::{button, one_to, one_to_agents, request, Chat};
use serde_json::Value;

/// An agent approves the refund `draft` and records it paid by hand (*Mark refunded*); returns
/// what the marking caused.
pub fn approve_and_mark_refunded(bot: &mut impl Chat, draft: &Value) -> Vec<Value> {
    let out = bot.click("agent-1", &button(draft, "approve"));
    let mark = one_to_agents(&out).clone();
    bot.click("agent-1", &button(&mark, "mark_refunded"))
}

/// On the bot's clock (Monday 2026-11-23 12:00): alice's accidental purchase (ORD-1001, $49.00)
/// refunded by hand and carol's change of mind (ORD-1003) denied; three days later alice rates
/// the refund `score` out of 5. Returns the feedback question's answer.
pub fn a_refund_and_a_denial(bot: &mut impl Chat, score: u8) -> Vec<Value> {
    let draft = request(bot, "cust-1", "ORD-1001", "alice@example.com", "accidental_purchase", "refund");
    approve_and_mark_refunded(bot, &draft);
    let denied = request(bot, "cust-3", "ORD-1003", "carol@example.com", "changed_mind", "refund");
    bot.click("agent-1", &button(&denied, "approve"));
    let out = bot.tick(3 * 86400);
    let ask = one_to(&out, "dm:cust-1").clone();
    bot.click("cust-1", &button(&ask, &format!("feedback:{score}")))
}
