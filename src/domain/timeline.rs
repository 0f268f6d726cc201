//! What a line of a case's timeline records (docs/case-json.md, events).

use super::code::codes;

codes! {
    /// The kind of a timeline event, as `case show` prints it.
    pub enum EventKind ("event kind") {
        /// The case was opened, by a customer's first message or a Stripe dispute.
        Opened => "opened",
        /// A customer's message, word for word.
        Message => "message",
        /// A button was clicked.
        Clicked => "clicked",
        OrderProven => "order_proven",
        OrderNotMatched => "order_not_matched",
        OrderCheckFailed => "order_check_failed",
        DuplicateRequest => "duplicate_request",
        /// The customer confirmed the request's reason and resolution.
        Confirmed => "confirmed",
        Verdict => "verdict",
        Draft => "draft",
        Escalated => "escalated",
        Approved => "approved",
        Edited => "edited",
        Rejected => "rejected",
        ExceptionApproved => "exception_approved",
        ExceptionDenied => "exception_denied",
        Refunded => "refunded",
        RefundStarted => "refund_started",
        RefundPending => "refund_pending",
        RefundRetry => "refund_retry",
        RefundFailed => "refund_failed",
        HandedOff => "handed_off",
        Alternative => "alternative",
        Cancelled => "cancelled",
        Closed => "closed",
        Reminder => "reminder",
        Followup => "followup",
        Feedback => "feedback",
        FeedbackComment => "feedback_comment",
        Strike => "strike",
        Flagged => "flagged",
        Refused => "refused",
        Dispute => "dispute",
        DisputeClosed => "dispute_closed",
        /// An outbound action given up on after its last attempt.
        DeadLetter => "dead_letter",
        /// The customer's personal data was erased (on request or after the retention period).
        Erased => "erased",
        /// The case joined a spike incident, or the incident was decided for it.
        Incident => "incident",
    }
}
