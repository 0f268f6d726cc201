//! Samples of what customers are told: the intake, answers, live conversations, feedback,
//! refunds.

use super::*;

/// A question answered from the policy of no product in particular (`topic` picks the text).
fn general_question(topic: &str, window_days: u32) -> Reply {
    Reply::AnswerQuestion {
        topic: s(topic),
        product: s(""),
        window_days,
        usage_metric: s(""),
        usage_full_max: s("0"),
        has_partial: false,
    }
}

fn refund_whereabouts(sent: bool) -> Reply {
    Reply::RefundWhereabouts { amount: s("$49.00"), date: s("2026-11-23"), method: s(ORIGINAL_METHOD), sent }
}

fn refund_issued(amount: &str, partial: bool) -> Reply {
    Reply::RefundIssued { amount: s(amount), method: s(ORIGINAL_METHOD), timeline: s("5–10 business days"), partial }
}

pub(super) fn samples() -> Vec<Reply> {
    vec![
        Reply::Greeting { restarted: false },
        Reply::Greeting { restarted: true },
        Reply::AskEmail { order_id: s("ORD-1001") },
        Reply::AskOrderId { email: s("alice@example.com") },
        Reply::OrderCheckUnavailable {},
        Reply::OrderNotFound { attempts_left: 2 },
        Reply::OrderNotFound { attempts_left: 1 },
        Reply::OrderNotFound { attempts_left: 0 },
        Reply::StillMissing { order_id: s("ORD-1001"), email: s("") },
        Reply::StillMissing { order_id: s(""), email: s("alice@example.com") },
        Reply::HandedToHuman {},
        Reply::ChooseOrder { email: s("alice@example.com") },
        Reply::WhichOrder { order_ids: s("ORD-1001, ORD-1005") },
        Reply::AlreadyOpen { case_id: 12, order_id: s("ORD-1001") },
        Reply::AskReason { product: s(COURSE) },
        Reply::ConfirmReason { reason_label: s("I was charged twice"), product: s(COURSE) },
        Reply::AnswerQuestion {
            topic: s("refund_policy"),
            product: s(COURSE),
            window_days: 30,
            usage_metric: s("progress_percent"),
            usage_full_max: s("30"),
            has_partial: true,
        },
        general_question("refund_policy", 14),
        general_question("refund_time", 30),
        general_question("store_credit", 30),
        general_question("cancel_subscription", 30),
        general_question("refund_status", 30),
        Reply::AnswerKb { question: s("Do you sell gift cards?"), answer: s("Yes: in the shop, under *Gifts*.") },
        refund_whereabouts(true),
        refund_whereabouts(false),
        Reply::AnswerThanks {},
        Reply::ReasonUnclear {},
        Reply::AskDetails { reason_label: s("Something doesn't work") },
        Reply::OfferSupport { product: s(COURSE) },
        Reply::AskResolution {},
        Reply::Summary {
            order_id: s("ORD-1001"),
            product: s(COURSE),
            amount_paid: s("$49.00"),
            reason_label: s("Something doesn't work"),
            details: customer_text(),
            resolution_label: s("Refund"),
        },
        Reply::Submitted { case_id: 12, reply_within: s("an hour") },
        Reply::EscalatedAck { case_id: 12, reply_within: s("one business day") },
        Reply::Cancelled {},
        Reply::NotUnderstood { hint: s("Pick a reason with the buttons above.") },
        Reply::LongMessage { kept_chars: 4210 },
        Reply::Boundary { strikes_left: 1 },
        Reply::Boundary { strikes_left: 0 },
        Reply::ClosedAbusive {},
        Reply::IdleClosed {},
        Reply::SupportHandoff { product: s(COURSE) },
        Reply::AlternativeChosen { resolution_label: s("Store credit") },
        Reply::CaseInReview { case_id: 12, status: s("with our team for review") },
        Reply::AlreadyLive { case_id: 12, agent: s("Mia") },
        Reply::NotLive { case_id: 12 },
        Reply::CannotCloseYet { case_id: 12, status: s("your refund is approved and being issued") },
        Reply::ThreadNotAnAgent {},
        Reply::ThreadNotLive { case_id: 12 },
        Reply::SnippetUnknown { name: s("refund_tiemline"), available: lines(&["hello", "refund_timeline"]) },
        Reply::CardStatus { status: s("waiting for an agent"), live: false, agent: s("") },
        Reply::CardStatus { status: s("waiting for an agent"), live: true, agent: s("") },
        Reply::CardStatus { status: s("waiting for an agent"), live: true, agent: s("Mia") },
        Reply::LiveRelayIn { customer: s("cust-1"), text: customer_text() },
        Reply::LiveRelayOut { agent: s("Mia"), anonymous: false, text: s(SCREENSHOT) },
        Reply::LiveRelayOut { agent: s("Mia"), anonymous: true, text: s(SCREENSHOT) },
        Reply::LiveStarted { case_id: 12, agent: s("Mia"), note_prefix: s("!note") },
        Reply::LiveJoining { agent: s("Mia"), anonymous: false },
        Reply::LiveJoining { agent: s("Mia"), anonymous: true },
        Reply::LiveHandedBack {},
        Reply::LiveClosed { case_id: 12 },
        Reply::LiveEnded { case_id: 12, actor: s("Mia"), closed: false },
        Reply::LiveEnded { case_id: 12, actor: s("Mia"), closed: true },
        Reply::LiveReminder { case_id: 12, waiting: s("an hour") },
        Reply::LiveRelayFailed {
            case_id: 12,
            customer: s("discord:42"),
            error: s("50007 Cannot send messages to this user"),
            text: s(SCREENSHOT),
        },
        Reply::ButtonExpired {},
        Reply::ButtonNotYours {},
        Reply::ButtonUnknown {},
        Reply::DmStarted {},
        Reply::RefundPanel {},
        Reply::FeedbackRequest { product: s(COURSE), case_id: 12 },
        Reply::FeedbackCommentAsk { score: 4 },
        Reply::FeedbackCommentAsk { score: 2 },
        Reply::FeedbackThanks { score: 5 },
        Reply::FeedbackThanks { score: 1 },
        refund_issued("$49.00", false),
        refund_issued("$24.50", true),
    ]
}
