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
        /// A customer's message relayed into the case's staff thread while the case is live.
        RelayedIn => "relayed_in",
        /// An agent's message from the thread relayed to the customer.
        RelayedOut => "relayed_out",
        /// An agent's internal note in the thread (`[live] note_prefix`): never sent.
        Note => "note",
        /// The case went live: an agent took it over, or the bot handed the conversation to people.
        TakenOver => "taken_over",
        /// An agent gave the conversation back to the bot.
        HandedBack => "handed_back",
        /// A delivery the customer's platform refused for good (they closed their DMs).
        RelayFailed => "relay_failed",
        /// A message in a case's thread that was not relayed (not an agent, case not live).
        NotRelayed => "not_relayed",
        /// The customer started another request while this case waits.
        NewRequest => "new_request",
        /// An outbound action given up on after its last attempt.
        DeadLetter => "dead_letter",
        /// The customer's personal data was erased (on request or after the retention period).
        Erased => "erased",
        /// The case joined a spike incident, or the incident was decided for it.
        Incident => "incident",
    }
}
