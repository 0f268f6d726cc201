//! Sample values of every reply: `Replies::load` renders them all to check the templates, so
//! each branch a template can take (true/false, empty/non-empty lists) has a sample here.

use super::Reply;

fn s(text: &str) -> String {
    text.to_string()
}

fn lines(items: &[&str]) -> Vec<String> {
    items.iter().map(|i| i.to_string()).collect()
}

impl Reply {
    /// At least one realistic value of every variant, and one per branch of its template.
    pub fn samples() -> Vec<Reply> {
        let rules_full = lines(&[
            "Purchased 6 days ago, within the 30-day refund window.",
            "Course progress is 12%, within the 30% allowed for a full refund.",
        ]);
        let rules_partial = lines(&[
            "Purchased 10 days ago, within the 30-day refund window.",
            "Course progress is 45%: above 30%, so a 50% refund applies (up to 60%).",
        ]);
        let rules_denied = lines(&["Purchased 41 days ago, outside the 14-day refund window for ebooks."]);
        let customer_text = s("The video player freezes at lesson 4 on every browser I tried. \
            I already emailed @everyone on the support list, nobody answered.\nTried Chrome and Firefox.");
        vec![
            Reply::Greeting { restarted: false },
            Reply::Greeting { restarted: true },
            Reply::AskEmail { order_id: s("ORD-1001") },
            Reply::AskOrderId { email: s("alice@example.com") },
            Reply::OrderNotFound { attempts_left: 2 },
            Reply::OrderNotFound { attempts_left: 1 },
            Reply::OrderNotFound { attempts_left: 0 },
            Reply::HandedToHuman {},
            Reply::ChooseOrder { email: s("alice@example.com") },
            Reply::AlreadyOpen { case_id: 12, order_id: s("ORD-1001") },
            Reply::AskReason { product: s("Web Design Course") },
            Reply::ReasonUnclear {},
            Reply::AskDetails { reason_label: s("Something doesn't work") },
            Reply::OfferSupport { product: s("Web Design Course") },
            Reply::AskResolution {},
            Reply::Summary {
                order_id: s("ORD-1001"),
                product: s("Web Design Course"),
                amount_paid: s("$49.00"),
                reason_label: s("Something doesn't work"),
                details: customer_text.clone(),
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
            Reply::SupportHandoff { product: s("Web Design Course") },
            Reply::AlternativeChosen { resolution_label: s("Store credit") },
            Reply::CaseInReview { case_id: 12, status: s("with our team for review") },
            Reply::ButtonExpired {},
            Reply::ButtonNotYours {},
            Reply::FeedbackRequest { product: s("Web Design Course"), case_id: 12 },
            Reply::FeedbackCommentAsk { score: 4 },
            Reply::FeedbackCommentAsk { score: 2 },
            Reply::FeedbackThanks { score: 5 },
            Reply::FeedbackThanks { score: 1 },
            Reply::RefundIssued {
                amount: s("$49.00"),
                method: s("your original payment method"),
                timeline: s("5–10 business days"),
                partial: false,
            },
            Reply::RefundIssued {
                amount: s("$24.50"),
                method: s("your original payment method"),
                timeline: s("5–10 business days"),
                partial: true,
            },
            Reply::Approved {
                product: s("Web Design Course"),
                order_id: s("ORD-1001"),
                amount: s("$49.00"),
                rules: rules_full.clone(),
            },
            Reply::ApprovedPartial {
                product: s("Web Design Course"),
                order_id: s("ORD-1001"),
                amount: s("$24.50"),
                amount_paid: s("$49.00"),
                percent: 50,
                rules: rules_partial,
            },
            Reply::Denied {
                product: s("Pricing Playbook (ebook)"),
                order_id: s("ORD-1002"),
                rules: rules_denied.clone(),
                alternatives: lines(&["Store credit", "Help from our support team"]),
            },
            Reply::Denied {
                product: s("Pricing Playbook (ebook)"),
                order_id: s("ORD-1002"),
                rules: rules_denied.clone(),
                alternatives: vec![],
            },
            Reply::ExceptionApproved {
                product: s("Pricing Playbook (ebook)"),
                order_id: s("ORD-1002"),
                amount: s("$19.00"),
                partial: false,
            },
            Reply::ExceptionApproved {
                product: s("Web Design Course"),
                order_id: s("ORD-1001"),
                amount: s("$24.50"),
                partial: true,
            },
            Reply::ExceptionDenied {
                product: s("Pricing Playbook (ebook)"),
                order_id: s("ORD-1002"),
                alternatives: lines(&["Store credit"]),
            },
            Reply::ExceptionDenied {
                product: s("Pricing Playbook (ebook)"),
                order_id: s("ORD-1002"),
                alternatives: vec![],
            },
            Reply::AlternativeConfirmed { product: s("Pricing Playbook (ebook)"), resolution_label: s("Store credit") },
            Reply::AgentDraft {
                case_id: 12,
                heading: s("Refund request: draft ready"),
                customer: s("cust-1"),
                order_id: s("ORD-1001"),
                product: s("Web Design Course"),
                amount_paid: s("$49.00"),
                reason_label: s("Something doesn't work"),
                details: customer_text.clone(),
                resolution_label: s("Refund"),
                verdict_label: s("Full refund"),
                verdict_amount: s("$49.00"),
                rules: rules_full.clone(),
                flags: lines(&["chargeback_risk"]),
                draft: s("Thanks for your patience. Your refund of **$49.00** is approved.\nIt goes back to your original payment method."),
            },
            Reply::AgentDraft {
                case_id: 13,
                heading: s("Refund request: draft ready"),
                customer: s("cust-2"),
                order_id: s("ORD-1002"),
                product: s("Pricing Playbook (ebook)"),
                amount_paid: s("$19.00"),
                reason_label: s("Changed my mind"),
                details: s(""),
                resolution_label: s("Refund"),
                verdict_label: s("Not eligible"),
                verdict_amount: s(""),
                rules: rules_denied.clone(),
                flags: vec![],
                draft: s("Thank you for reaching out about Pricing Playbook."),
            },
            Reply::AgentHandoff { case_id: 14, customer: s("cust-3"), attempts: 3 },
            Reply::AgentReminder { case_id: 12, waiting: s("2 hours") },
            Reply::AgentMarkRefunded {
                case_id: 12,
                amount: s("$49.00"),
                order_id: s("ORD-1001"),
                approved_by: s("agent-1"),
            },
            Reply::AgentSupportRequest {
                case_id: 15,
                customer: s("cust-4"),
                product: s("Web Design Course"),
                details: customer_text.clone(),
            },
            Reply::AgentAlert {
                case_id: 12,
                customer: s("cust-1"),
                kind: s("chargeback_risk"),
                excerpt: s("If this isn't fixed today I'll open a dispute with my bank. <@123> @here"),
            },
            Reply::AgentAlert {
                case_id: 16,
                customer: s("cust-5"),
                kind: s("abusive"),
                excerpt: s("you are all useless"),
            },
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
                product: s("Web Design Course"),
                amount_paid: s("$49.00"),
                verdict_amount: s("$24.50"),
                reason_label: s("Something doesn't work"),
                details: s(""),
                rules: rules_full,
                flags: vec![],
            },
            Reply::ManagerReminder { case_id: 17, waiting: s("4 hours") },
            Reply::DraftDecided {
                case_id: 12,
                action: s("approved"),
                actor: s("agent-1"),
                text: s("Your refund of **$49.00** is approved."),
            },
            Reply::DraftDecided {
                case_id: 12,
                action: s("edited"),
                actor: s("agent-2"),
                text: s("Your refund of **$49.00** is approved. Sorry again about lesson 4."),
            },
            Reply::DraftDecided { case_id: 13, action: s("rejected"), actor: s("agent-1"), text: s("") },
            Reply::EscalationDecided { case_id: 17, approved: true, actor: s("manager-1") },
            Reply::EscalationDecided { case_id: 17, approved: false, actor: s("manager-1") },
        ]
    }
}
