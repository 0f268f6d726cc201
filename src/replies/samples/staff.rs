//! Samples of what staff see: refusals of their actions, verdict drafts (the text an agent
//! approves for the customer), the agents' and managers' posts.

use super::*;
use crate::digest::{OutcomeCount, Span, TrendLine};

fn denied(alternatives: &[&str]) -> Reply {
    Reply::Denied {
        product: s(EBOOK),
        order_id: s("ORD-1002"),
        rules: rules_denied(),
        alternatives: lines(alternatives),
    }
}

fn exception_approved(product: &str, order_id: &str, amount: &str, partial: bool) -> Reply {
    Reply::ExceptionApproved { product: s(product), order_id: s(order_id), amount: s(amount), partial }
}

fn exception_denied(alternatives: &[&str]) -> Reply {
    Reply::ExceptionDenied { product: s(EBOOK), order_id: s("ORD-1002"), alternatives: lines(alternatives) }
}

fn refund_failed(case_id: i64, why: &str, can_mark_refunded: bool) -> Reply {
    Reply::AgentRefundFailed {
        case_id,
        amount: s("$49.00"),
        order_id: s("ORD-1001"),
        target: s("ch_3N2b3C"),
        why: s(why),
        can_mark_refunded,
    }
}

fn support_request(details: String, live: bool) -> Reply {
    Reply::AgentSupportRequest { case_id: 15, customer: s("cust-4"), product: s(COURSE), details, live }
}

fn alert(case_id: i64, customer: &str, kind: &str, excerpt: &str) -> Reply {
    Reply::AgentAlert { case_id, customer: s(customer), kind: s(kind), excerpt: s(excerpt) }
}

fn dispute_closed(case_id: i64, dispute_id: &str, lost: bool, amount: &str) -> Reply {
    let status = s(if lost { "lost" } else { "won" });
    Reply::ManagerDisputeClosed { case_id, dispute_id: s(dispute_id), status, lost, amount: s(amount) }
}

fn permission_missing(permission: &str, channel: &str, channel_id: &str, effect: &str) -> Reply {
    Reply::ManagerPermissionMissing {
        permission: s(permission),
        channel: s(channel),
        channel_id: s(channel_id),
        effect: s(effect),
    }
}

fn draft_decided(case_id: i64, action: &str, actor: &str, text: &str) -> Reply {
    Reply::DraftDecided { case_id, action: s(action), actor: s(actor), text: s(text) }
}

fn incident_decided(approved: bool, bulk_send: bool) -> Reply {
    Reply::ManagerIncidentDecided {
        incident_id: 3,
        product: s(COURSE),
        count: 7,
        approved,
        actor: s("manager-1"),
        bulk_send,
    }
}

pub(super) fn samples() -> Vec<Reply> {
    vec![
        Reply::NotAnAgent {},
        Reply::EditWithoutText {},
        Reply::ActionDoesNothing { action: s("mark_refunded"), purpose: s("draft") },
        Reply::DraftAlreadyHandled {},
        Reply::RefundWouldOverdraw {
            amount: s("$49.00"),
            order_id: s("ORD-1001"),
            amount_paid: s("$49.00"),
            spent: s("$10.00"),
        },
        Reply::NoApprovedRefund {},
        Reply::RefundAlreadyRecorded {},
        Reply::NotAManager {},
        Reply::EscalationAlreadyDecided { case_id: 17, decided_by: s("manager-1") },
        Reply::Approved { product: s(COURSE), order_id: s("ORD-1001"), amount: s("$49.00"), rules: rules_full() },
        Reply::ApprovedPartial {
            product: s(COURSE),
            order_id: s("ORD-1001"),
            amount: s("$24.50"),
            amount_paid: s("$49.00"),
            percent: 50,
            rules: lines(&[
                "Purchased 10 days ago, within the 30-day refund window.",
                "Course progress is 45%: above 30%, so a 50% refund applies (up to 60%).",
            ]),
        },
        denied(&["Store credit", "Help from our support team"]),
        denied(&[]),
        exception_approved(EBOOK, "ORD-1002", "$19.00", false),
        exception_approved(COURSE, "ORD-1001", "$24.50", true),
        exception_denied(&["Store credit"]),
        exception_denied(&[]),
        Reply::AlternativeConfirmed { product: s(EBOOK), resolution_label: s("Store credit") },
        Reply::AgentDraft {
            case_id: 12,
            heading: s("Refund request: draft ready"),
            customer: s("cust-1"),
            order_id: s("ORD-1001"),
            product: s(COURSE),
            amount_paid: s("$49.00"),
            reason_label: s("Something doesn't work"),
            details: customer_text(),
            resolution_label: s("Refund"),
            verdict_label: s("Full refund"),
            verdict_amount: s("$49.00"),
            rules: rules_full(),
            flags: lines(&["chargeback_risk"]),
            draft: s("Thanks for your patience. Your refund of **$49.00** is approved.\nIt goes back to your original payment method."),
        },
        Reply::AgentDraft {
            case_id: 13,
            heading: s("Refund request: draft ready"),
            customer: s("cust-2"),
            order_id: s("ORD-1002"),
            product: s(EBOOK),
            amount_paid: s("$19.00"),
            reason_label: s("Changed my mind"),
            details: s(""),
            resolution_label: s("Refund"),
            verdict_label: s("Not eligible"),
            verdict_amount: s(""),
            rules: rules_denied(),
            flags: vec![],
            draft: s("Thank you for reaching out about Pricing Playbook."),
        },
        Reply::AgentHandoff { case_id: 14, customer: s("cust-3"), why: s("no_match"), attempts: 3 },
        Reply::AgentHandoff { case_id: 15, customer: s("cust-4"), why: s("unclear"), attempts: 0 },
        Reply::AgentHandoff { case_id: 16, customer: s("cust-5"), why: s("records_down"), attempts: 0 },
        Reply::AgentHandoff { case_id: 17, customer: s("cust-6"), why: s("still_missing"), attempts: 0 },
        Reply::AgentReminder { case_id: 12, waiting: s("2 hours") },
        Reply::AgentMarkRefunded {
            case_id: 12,
            amount: s("$49.00"),
            order_id: s("ORD-1001"),
            approved_by: s("agent-1"),
        },
        Reply::AgentRefundSent { case_id: 12, amount: s("$49.00"), order_id: s("ORD-1001"), approved_by: s("agent-1") },
        refund_failed(12, "Stripe refund re_3N2b3C failed (expired_or_canceled_card)", true),
        refund_failed(19, "Stripe refused (400): charge_disputed: Charge ch_3N2b3C has been charged back.", false),
        support_request(customer_text(), true),
        support_request(s(""), false),
        alert(12, "cust-1", "chargeback_risk", "If this isn't fixed today I'll open a dispute with my bank. <@123> @here"),
        alert(16, "cust-5", "abusive", "you are all useless"),
        alert(18, "cust-7", "legal_threat", "My lawyer will hear about this."),
        Reply::AgentRejected { case_id: 12, actor: s("agent-1") },
        Reply::ManagerEscalation {
            case_id: 17,
            customer: s("cust-6"),
            order_id: s("ORD-1003"),
            product: s("Pro Templates Bundle"),
            amount_paid: s("$149.00"),
            verdict_amount: s("$149.00"),
            reason_label: s("Not as described"),
            details: s("The bundle was sold as Figma templates but only has PNG files."),
            rules: lines(&[
                "Purchased 35 days ago, outside the 30-day refund window.",
                "Reason \"not as described\" is reviewed by a manager.",
            ]),
            flags: lines(&["repeat_refunder"]),
        },
        Reply::ManagerEscalation {
            case_id: 18,
            customer: s("cust-7"),
            order_id: s("ORD-1004"),
            product: s(COURSE),
            amount_paid: s("$49.00"),
            verdict_amount: s("$24.50"),
            reason_label: s("Something doesn't work"),
            details: s(""),
            rules: rules_full(),
            flags: vec![],
        },
        Reply::ManagerReminder { case_id: 17, waiting: s("4 hours") },
        Reply::ManagerDispute {
            case_id: 19,
            dispute_id: s("dp_1N2b3C"),
            reason: s("fraudulent"),
            order_id: s("ORD-1001"),
            product: s(COURSE),
            amount_paid: s("$49.00"),
            purchased_on: s("2026-11-10"),
            charge_id: s("ch_3N2b3C"),
            due_by: s("2026-12-04"),
            usage: s("progress_percent 12"),
            rules: lines(&["Purchased 13 days ago, within the 30-day refund window."]),
            policy_hash: s("3f9a2c"),
            transcript: lines(&["I want my money back", "I'll dispute it with my bank @everyone"]),
        },
        Reply::ManagerDispute {
            case_id: 20,
            dispute_id: s("dp_2"),
            reason: s("product_not_received"),
            order_id: s("CH_3N2B3D"),
            product: s("Stripe payment"),
            amount_paid: s("$29.00"),
            purchased_on: s("2026-11-01"),
            charge_id: s("ch_3N2b3D"),
            due_by: s(""),
            usage: s(""),
            rules: vec![],
            policy_hash: s(""),
            transcript: vec![],
        },
        dispute_closed(19, "dp_1N2b3C", false, "$49.00"),
        dispute_closed(20, "dp_2", true, "$29.00"),
        Reply::ManagerDisputeUnknownCharge {
            dispute_id: s("dp_3"),
            reason: s("fraudulent"),
            charge_id: s("ch_3N2b3E"),
        },
        Reply::ManagerPolicyRefused {
            error: s("policy.toml:3:1: unknown field `window_dayz`, expected one of `window_days`, `usage`"),
        },
        Reply::StaffBacklog { count: 12 },
        Reply::StaffCardMoved { case_id: 7 },
        permission_missing("Embed Links", "agents", "920000000000000001", "plain_text"),
        permission_missing("Add Reactions", "managers", "920000000000000002", "no_reactions"),
        permission_missing("Manage Messages", "other", "920000000000000003", "reactions_stay"),
        permission_missing("Send Messages", "agents", "920000000000000001", "not_posted"),
        draft_decided(12, "approved", "agent-1", "Your refund of **$49.00** is approved."),
        draft_decided(12, "edited", "agent-2", "Your refund of **$49.00** is approved. Sorry again about lesson 4."),
        draft_decided(13, "rejected", "agent-1", ""),
        Reply::EscalationDecided { case_id: 17, approved: true, actor: s("manager-1") },
        Reply::EscalationDecided { case_id: 17, approved: false, actor: s("manager-1") },
        Reply::RefundRecorded { case_id: 12, amount: s("$49.00"), actor: s("agent-1") },
        Reply::LanguageNote { language: s("Spanish") },
        Reply::IncidentAlreadyDecided { incident_id: 3, decided_by: s("manager-1") },
        Reply::ManagerDigest {
            since: s("2026-11-16"),
            until: s("2026-11-22"),
            requests: 14,
            outcomes: [
                ("refunded", 8),
                ("partially_refunded", 1),
                ("denied", 2),
                ("alternative", 1),
                ("cancelled", 1),
                ("open", 1),
            ]
            .iter()
            .map(|(outcome, count)| OutcomeCount { outcome: s(outcome), count: *count })
            .collect(),
            refunded: s("$412.00"),
            kept: s("$49.00"),
            reasons: vec![
                TrendLine { label: s("Something doesn't work"), count: 8, change: s("+220") },
                TrendLine { label: s("I changed my mind"), count: 3, change: s("") },
            ],
            products: vec![TrendLine { label: s(COURSE), count: 9, change: s("+125") }],
            first_answer: Span { amount: s("42"), unit: s("minutes") },
            resolution: Span { amount: s("3.5"), unit: s("hours") },
            sla_breaches: 1,
            feedback_average: s("4.2"),
            feedback_answers: 6,
            comments: lines(&["2/5: the refund took three days and nobody told me why"]),
            chart: s("refunds-by-reason-2026-11-16.png"),
        },
        Reply::ManagerDigest {
            since: s("2026-11-16"),
            until: s("2026-11-22"),
            requests: 0,
            outcomes: vec![],
            refunded: s(""),
            kept: s(""),
            reasons: vec![],
            products: vec![],
            first_answer: Span::default(),
            resolution: Span { amount: s("2.1"), unit: s("days") },
            sla_breaches: 0,
            feedback_average: s(""),
            feedback_answers: 0,
            comments: vec![],
            chart: s("refunds-by-reason-2026-11-16.png"),
        },
        Reply::ManagerIncident {
            incident_id: 3,
            product: s(COURSE),
            reason_label: s("Something doesn't work"),
            window_hours: 24,
            count: 6,
            usual: s("0.4"),
            cases: lines(&[
                "#21 · cust-3 · Something doesn't work: module 3 video is broken",
                "#22 · cust-9 · Something doesn't work: the video of module 3 stops at 0:10",
            ]),
        },
        Reply::ManagerIncident {
            incident_id: 4,
            product: s("Rust for Sellers (ebook)"),
            reason_label: s(""),
            window_hours: 12,
            count: 5,
            usual: s("0"),
            cases: vec![],
        },
        Reply::ManagerIncidentJoined { incident_id: 3, case_id: 27, count: 7 },
        incident_decided(true, false),
        incident_decided(true, true),
        incident_decided(false, false),
        Reply::AgentIncidentDrafts { incident_id: 3, product: s(COURSE), actor: s("manager-1"), count: 7 },
        Reply::AgentIncidentDraftsDone { incident_id: 3, actor: s("agent-1"), approved: 7, skipped: 0 },
        Reply::AgentIncidentDraftsDone { incident_id: 3, actor: s("agent-1"), approved: 5, skipped: 2 },
    ]
}
