//! The verdict for a refund request: the six rules of docs/configuration.md#verdict-rules in order, each
//! checked rule leaving a line in the trace that an agent can paste to a customer.

use super::{AutoApprove, Policy, Rules};
use crate::domain::verdict::RuleId;
use crate::domain::{Money, Order, Reason, Verdict, VerdictOutcome};
use chrono::{DateTime, Duration, Utc};

pub struct RefundRequest {
    pub reason: Reason,
    /// The time of the customer's first message of this request.
    pub requested_at: DateTime<Utc>,
}

/// What the verdict needs beyond the order.
#[derive(Debug, Default)]
pub struct History {
    /// Other orders of the same purchase email.
    pub same_email_orders: Vec<Order>,
    /// Succeeded refunds this bot recorded for that email.
    pub refunds_at: Vec<DateTime<Utc>>,
}

/// A verdict under construction.
struct Trace<'a> {
    policy: &'a Policy,
    rules: &'a Rules,
    lines: Vec<String>,
    repeat_refunder: bool,
}

impl Trace<'_> {
    fn finish(self, outcome: VerdictOutcome, amount: Money, percent: Option<u32>, rule: RuleId) -> Verdict {
        let alternatives = if outcome == VerdictOutcome::NotEligible && rule != RuleId::AlreadyRefunded {
            self.rules.alternatives.clone()
        } else {
            Vec::new()
        };
        Verdict {
            outcome,
            amount_minor: amount.minor(),
            currency: amount.currency(),
            percent,
            rule,
            rules: self.lines,
            alternatives,
            repeat_refunder: self.repeat_refunder,
            policy_hash: self.policy.hash().to_string(),
        }
    }

    fn say(&mut self, line: String) {
        self.lines.push(line);
    }
}

pub fn evaluate(policy: &Policy, order: &Order, request: &RefundRequest, history: &History) -> Verdict {
    let rules = policy.rules_for(&order.sku);
    let mut trace = Trace { policy, rules, lines: Vec::new(), repeat_refunder: false };
    let unrefunded = order.unrefunded();
    let zero = Money::zero(order.amount.currency());

    // Rule 1: nothing left to refund.
    if unrefunded.is_zero() {
        trace.say(format!("Order {} was already refunded in full ({}).", order.order_id, order.amount));
        return trace.finish(VerdictOutcome::NotEligible, zero, None, RuleId::AlreadyRefunded);
    }
    if !order.refunded.is_zero() {
        trace.say(format!(
            "{} of the {} paid was already refunded; {} is left.",
            order.refunded, order.amount, unrefunded
        ));
    }

    // Rule 2: a confirmed duplicate is refunded in full; else rules 3 and 4 decide.
    let decided = match duplicate_of(rules, order, request, history, &mut trace) {
        true => (unrefunded, None, RuleId::DuplicatePurchase),
        false => match window_and_usage(rules, order, request, &mut trace) {
            Ok(decided) => decided,
            Err(rule) => return outside_policy(trace, rules, request.reason, unrefunded, zero, rule),
        },
    };
    let (amount, percent, rule) = decided;
    let outcome = if percent.is_some() { VerdictOutcome::PartialRefund } else { VerdictOutcome::FullRefund };

    // Rule 5: repeat refunders go to a manager.
    if let Some(max) = rules.max_refunds_per_customer {
        // A lookback longer than the calendar reaches back counts every refund.
        let since = request
            .requested_at
            .checked_sub_signed(Duration::days(i64::from(rules.lookback_days)))
            .unwrap_or(DateTime::<Utc>::MIN_UTC);
        let count = history.refunds_at.iter().filter(|at| **at >= since && **at <= request.requested_at).count();
        if count >= max as usize {
            trace.repeat_refunder = true;
            trace.say(format!(
                "This email already had {count} refund(s) in the last {} days (limit {max}), so a manager reviews it.",
                rules.lookback_days
            ));
            return trace.finish(VerdictOutcome::ManagerReview, amount, percent, RuleId::RepeatRefunder);
        }
        trace.say(format!(
            "{count} earlier refund(s) for this email in the last {} days (limit {max}).",
            rules.lookback_days
        ));
    }

    // Rule 6: large amounts need a manager.
    if let AutoApprove::PerCurrency(limits) = &rules.auto_approve_max {
        match limits.get(&amount.currency()) {
            Some(limit) if amount.minor() <= limit.minor() => {
                trace.say(format!("{amount} is within the {limit} that can be approved without a manager."));
            }
            Some(limit) => {
                trace.say(format!(
                    "{amount} is above the {limit} that can be approved without a manager, so a manager reviews it."
                ));
                return trace.finish(VerdictOutcome::ManagerReview, amount, percent, RuleId::AutoApproveMax);
            }
            None => {
                trace.say(format!("Refunds in {} always need a manager's approval.", amount.currency()));
                return trace.finish(VerdictOutcome::ManagerReview, amount, percent, RuleId::AutoApproveMax);
            }
        }
    }
    trace.finish(outcome, amount, percent, rule)
}

/// Rule 2's check: another purchase of the same sku by the same email close enough in time.
fn duplicate_of(rules: &Rules, order: &Order, request: &RefundRequest, history: &History, trace: &mut Trace) -> bool {
    if request.reason != Reason::DuplicatePurchase {
        return false;
    }
    let window = Duration::days(i64::from(rules.duplicate_window_days));
    let twin = history.same_email_orders.iter().find(|other| {
        other.order_id != order.order_id
            && other.sku == order.sku
            && other.email == order.email
            // An already refunded twin cannot make this order a duplicate: otherwise each of
            // two purchases could be refunded in turn as the other's duplicate.
            && !other.unrefunded().is_zero()
            && (other.purchased_at - order.purchased_at).abs() <= window
    });
    match twin {
        Some(other) => {
            trace.say(format!(
                "Duplicate confirmed: order {} bought the same product within {} days, so this one is refunded in full.",
                other.order_id, rules.duplicate_window_days
            ));
            true
        }
        None => {
            trace.say(format!(
                "No other purchase of {} with this email within {} days, so it is not treated as a duplicate.",
                order.product, rules.duplicate_window_days
            ));
            false
        }
    }
}

/// Rules 3 and 4: `Ok((amount, percent, rule))` inside the policy, `Err(rule)` outside it.
fn window_and_usage(
    rules: &Rules,
    order: &Order,
    request: &RefundRequest,
    trace: &mut Trace,
) -> Result<(Money, Option<u32>, RuleId), RuleId> {
    let elapsed = request.requested_at - order.purchased_at;
    let window = Duration::days(i64::from(rules.window_days));
    let days = elapsed.num_days().max(0);
    if elapsed >= window {
        trace
            .say(format!("Requested {days} days after purchase, outside the {}-day refund window.", rules.window_days));
        return Err(RuleId::Window);
    }
    trace.say(format!("Requested {days} days after purchase, within the {}-day refund window.", rules.window_days));
    let unrefunded = order.unrefunded();
    let Some(metric) = &rules.usage_metric else {
        return Ok((unrefunded, None, RuleId::FullRefund));
    };
    let usage = order.usage_of(metric);
    let used = usage_words(metric, usage);
    if usage <= rules.usage_full_refund_max {
        trace.say(format!(
            "{used}, within the {} that still allows a full refund.",
            limit_words(metric, rules.usage_full_refund_max)
        ));
        return Ok((unrefunded, None, RuleId::FullRefund));
    }
    match rules.partial.iter().find(|tier| usage <= tier.usage_max) {
        Some(tier) => {
            let amount = order.amount.percent(tier.percent).min(unrefunded);
            trace.say(format!(
                "{used}, more than {} but within {}, so {}% of the price ({amount}) is refunded.",
                limit_words(metric, rules.usage_full_refund_max),
                limit_words(metric, tier.usage_max),
                tier.percent
            ));
            Ok((amount, Some(tier.percent), RuleId::PartialRefund))
        }
        None => {
            let top = rules.partial.last().map_or(rules.usage_full_refund_max, |t| t.usage_max);
            trace.say(format!("{used}, more than the {} the refund policy covers.", limit_words(metric, top)));
            Err(RuleId::Usage)
        }
    }
}

/// Rule 3's answer: a manager for reasons reviewed case by case, else a no with alternatives.
fn outside_policy(
    mut trace: Trace,
    rules: &Rules,
    reason: Reason,
    unrefunded: Money,
    zero: Money,
    rule: RuleId,
) -> Verdict {
    if rules.escalate_reasons.contains(&reason) {
        trace.say(format!("“{}” is a reason we review case by case, so a manager decides.", reason.label()));
        return trace.finish(VerdictOutcome::ManagerReview, unrefunded, None, rule);
    }
    let offers: Vec<String> = rules.alternatives.iter().map(|a| a.label().to_lowercase()).collect();
    if offers.is_empty() {
        trace.say("This is outside the refund policy, so no refund is due.".to_string());
    } else {
        trace.say(format!("This is outside the refund policy; we can offer {} instead.", offers.join(" or ")));
    }
    trace.finish(VerdictOutcome::NotEligible, zero, None, rule)
}

fn number(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{}", value as i64)
    } else {
        format!("{value}")
    }
}

/// "Course progress is 45%", "Downloaded 2 times", or "progress_points is 7".
fn usage_words(metric: &str, value: f64) -> String {
    match metric {
        "progress_percent" => format!("Course progress is {}%", number(value)),
        "downloads" => format!("Downloaded {} time(s)", number(value)),
        other => format!("Usage ({other}) is {}", number(value)),
    }
}

fn limit_words(metric: &str, value: f64) -> String {
    match metric {
        "progress_percent" => format!("{}% progress", number(value)),
        "downloads" => format!("{} download(s)", number(value)),
        other => format!("{} {other}", number(value)),
    }
}
