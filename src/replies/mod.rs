//! Every message the bot writes, as typed values rendered through strict handlebars templates.
//!
//! The engine builds a [`Reply`] (one variant per message, its fields are the template's
//! variables) and [`Replies::render`] turns it into chat text. English templates are built in,
//! and so are the shipped translations (`replies/<locale>/`, checked against English at start);
//! a folder can override any of them per locale. Loading renders every sample, so a template
//! that names a variable its reply does not have is refused at start-up, not in front of a
//! customer. Here the replies and their errors; `catalog.rs` loads and renders them.

mod catalog;
pub mod check;
mod helpers;
pub mod labels;
mod samples;
pub mod snippets;

pub use catalog::{Replies, LABELS_FILE};
pub use check::check_folder;
pub use helpers::neutralise_mentions;

use serde::{Deserialize, Serialize};

/// Declares `Reply` and the built-in template table from one list, so a variant, its template
/// name and its `replies/en/<name>.hbs` file can never drift apart (a missing file fails the build).
macro_rules! replies {
    ($( $(#[$doc:meta])* $variant:ident => $name:literal { $($field:ident : $ty:ty),* $(,)? } )*) => {
        /// One message of the bot. Serialized (internally tagged, `"template": "<name>"`) it is
        /// the data its template sees.
        #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(tag = "template", rename_all = "snake_case")]
        pub enum Reply {
            $( $(#[$doc])* $variant { $($field: $ty),* }, )*
        }

        impl Reply {
            /// The template's name: the variant in snake_case, e.g. `AskEmail` -> `ask_email`.
            pub fn template_name(&self) -> &'static str {
                match self { $( Reply::$variant { .. } => $name, )* }
            }
        }

        /// (name, English source) of every template, in declaration order.
        const BUILTIN_EN: &[(&str, &str)] = &[
            $( ($name, include_str!(concat!("../../replies/en/", $name, ".hbs"))), )*
        ];
    };
}

replies! {
    // Customer-facing, during the intake.
    Greeting => "greeting" { restarted: bool }
    AskEmail => "ask_email" { order_id: String }
    AskOrderId => "ask_order_id" { email: String }
    OrderNotFound => "order_not_found" { attempts_left: u32 }
    /// Only the order id (or only the email) was sent again: what is still missing and why.
    /// Exactly one of the two is empty: the one still missing.
    StillMissing => "still_missing" { order_id: String, email: String }
    OrderCheckUnavailable => "order_check_unavailable" {}
    HandedToHuman => "handed_to_human" {}
    ChooseOrder => "choose_order" { email: String }
    /// A message named several orders (`order_ids`, comma separated): which one is this about?
    WhichOrder => "which_order" { order_ids: String }
    AlreadyOpen => "already_open" { case_id: i64, order_id: String }
    AskReason => "ask_reason" { product: String }
    ReasonUnclear => "reason_unclear" {}
    /// The reason read from the customer's first message, to confirm rather than ask.
    ConfirmReason => "confirm_reason" { reason_label: String, product: String }
    /// A question answered without opening a case; `topic` is `refund_policy`, `refund_time`,
    /// `store_credit`, `cancel_subscription` or `refund_status` (no refund found). The policy's
    /// window and usage rule are those of `product` (empty: the default rules).
    AnswerQuestion => "answer_question" {
        topic: String, product: String, window_days: u32, usage_metric: String, usage_full_max: String,
        has_partial: bool,
    }
    /// An answer from the seller's knowledge base (`kb/*.md`).
    AnswerKb => "answer_kb" { question: String, answer: String }
    /// Where a refunded customer's money is; `sent` when the refund went out, else approved.
    RefundWhereabouts => "refund_whereabouts" { amount: String, date: String, method: String, sent: bool }
    /// After "That answered it".
    AnswerThanks => "answer_thanks" {}
    AskDetails => "ask_details" { reason_label: String }
    OfferSupport => "offer_support" { product: String }
    AskResolution => "ask_resolution" {}
    Summary => "summary" {
        order_id: String, product: String, amount_paid: String, reason_label: String,
        details: String, resolution_label: String,
    }
    Submitted => "submitted" { case_id: i64, reply_within: String }
    EscalatedAck => "escalated_ack" { case_id: i64, reply_within: String }
    Cancelled => "cancelled" {}
    NotUnderstood => "not_understood" { hint: String }
    LongMessage => "long_message" { kept_chars: usize }
    /// `strikes_left == 0` means the next strike closes the conversation; no count is shown.
    Boundary => "boundary" { strikes_left: u32 }
    ClosedAbusive => "closed_abusive" {}
    IdleClosed => "idle_closed" {}
    SupportHandoff => "support_handoff" { product: String }
    AlternativeChosen => "alternative_chosen" { resolution_label: String }
    /// `status` is plain words, e.g. "with our team for review".
    CaseInReview => "case_in_review" { case_id: i64, status: String }
    ButtonExpired => "button_expired" {}
    ButtonNotYours => "button_not_yours" {}
    /// A button id the bot never gave out.
    ButtonUnknown => "button_unknown" {}
    /// The answer in the channel where `/refund` or the panel's button was used.
    DmStarted => "dm_started" {}
    /// The persistent post with the "Request a refund" button.
    RefundPanel => "refund_panel" {}
    FeedbackRequest => "feedback_request" { product: String, case_id: i64 }
    FeedbackCommentAsk => "feedback_comment_ask" { score: u8 }
    FeedbackThanks => "feedback_thanks" { score: u8 }
    RefundIssued => "refund_issued" { amount: String, method: String, timeline: String, partial: bool }

    // Refusals (`workflow::refusal::Refusal`): told to the person whose action was not carried out.
    NotAnAgent => "not_an_agent" {}
    EditWithoutText => "edit_without_text" {}
    /// `action` is the button's action code, `purpose` what its message is for (e.g. `draft`).
    ActionDoesNothing => "action_does_nothing" { action: String, purpose: String }
    DraftAlreadyHandled => "draft_already_handled" {}
    /// `spent` counts what was refunded already and what is still in progress.
    RefundWouldOverdraw => "refund_would_overdraw" {
        amount: String, order_id: String, amount_paid: String, spent: String,
    }
    NoApprovedRefund => "no_approved_refund" {}
    RefundAlreadyRecorded => "refund_already_recorded" {}
    NotAManager => "not_a_manager" {}
    EscalationAlreadyDecided => "escalation_already_decided" { case_id: i64, decided_by: String }
    IncidentAlreadyDecided => "incident_already_decided" { incident_id: i64, decided_by: String }
    /// *Take over* on a case an agent already holds.
    AlreadyLive => "already_live" { case_id: i64, agent: String }
    /// *Hand back* on a case the bot already answers.
    NotLive => "not_live" { case_id: i64 }
    /// *Close* while a manager decides or money is on its way; `status` in plain words.
    CannotCloseYet => "cannot_close_yet" { case_id: i64, status: String }
    /// To someone who wrote in a case's thread but is not an agent: nothing was relayed.
    ThreadNotAnAgent => "thread_not_an_agent" {}
    /// To an agent who wrote in the thread of a case that is not live: nothing was relayed.
    ThreadNotLive => "thread_not_live" { case_id: i64 }

    // Live conversations: people talking to the customer from the case's thread.
    /// The status line of a case's card; `agent` is empty while a hand-off waits for one.
    CardStatus => "card_status" { status: String, live: bool, agent: String }
    /// A customer's message, relayed into the thread (quoted; never pings).
    LiveRelayIn => "live_relay_in" { customer: String, text: String }
    /// An agent's message, relayed to the customer, signed with `agent` unless `anonymous`.
    LiveRelayOut => "live_relay_out" { agent: String, anonymous: bool, text: String }
    /// In the thread: an agent took the case over.
    LiveStarted => "live_started" { case_id: i64, agent: String, note_prefix: String }
    /// To the customer: a person joins.
    LiveJoining => "live_joining" { agent: String, anonymous: bool }
    /// To the customer: the bot answers again.
    LiveHandedBack => "live_handed_back" {}
    /// To the customer: the conversation is over; their next message starts a new request.
    LiveClosed => "live_closed" { case_id: i64 }
    /// In the thread: handed back (`closed` false) or closed by `actor`.
    LiveEnded => "live_ended" { case_id: i64, actor: String, closed: bool }
    /// In the thread: the customer waits for an answer.
    LiveReminder => "live_reminder" { case_id: i64, waiting: String }
    /// In the thread: the customer's platform refused a message (`error` as it said).
    LiveRelayFailed => "live_relay_failed" { case_id: i64, customer: String, error: String, text: String }
    /// In the thread: an agent's `{{name}}` names no snippet; `available` are the ones there are.
    SnippetUnknown => "snippet_unknown" { name: String, available: Vec<String> }

    // Verdict drafts: an agent approves them before the customer sees them.
    Approved => "approved" { product: String, order_id: String, amount: String, rules: Vec<String> }
    ApprovedPartial => "approved_partial" {
        product: String, order_id: String, amount: String, amount_paid: String, percent: u32,
        rules: Vec<String>,
    }
    Denied => "denied" { product: String, order_id: String, rules: Vec<String>, alternatives: Vec<String> }
    ExceptionApproved => "exception_approved" { product: String, order_id: String, amount: String, partial: bool }
    ExceptionDenied => "exception_denied" { product: String, order_id: String, alternatives: Vec<String> }
    AlternativeConfirmed => "alternative_confirmed" { product: String, resolution_label: String }

    // Staff-facing: the agents' and managers' channels.
    AgentDraft => "agent_draft" {
        case_id: i64, heading: String, customer: String, order_id: String, product: String,
        amount_paid: String, reason_label: String, details: String, resolution_label: String,
        verdict_label: String, verdict_amount: String, rules: Vec<String>, flags: Vec<String>,
        draft: String,
    }
    /// `why` is `no_match` (after `attempts` pairs), `unclear` or `records_down`.
    AgentHandoff => "agent_handoff" { case_id: i64, customer: String, why: String, attempts: u32 }
    AgentReminder => "agent_reminder" { case_id: i64, waiting: String }
    AgentMarkRefunded => "agent_mark_refunded" { case_id: i64, amount: String, order_id: String, approved_by: String }
    AgentRefundSent => "agent_refund_sent" { case_id: i64, amount: String, order_id: String, approved_by: String }
    /// `target` is the charge or payment intent; `why` is Stripe's answer, shown as it came;
    /// `can_mark_refunded` when the post carries *Mark refunded* (not on a disputed charge).
    AgentRefundFailed => "agent_refund_failed" {
        case_id: i64, amount: String, order_id: String, target: String, why: String, can_mark_refunded: bool,
    }
    /// `live` when the conversation went live with the request (support chosen in the intake).
    AgentSupportRequest => "agent_support_request" {
        case_id: i64, customer: String, product: String, details: String, live: bool,
    }
    /// `kind` is `chargeback_risk`, `legal_threat` or `abusive`.
    AgentAlert => "agent_alert" { case_id: i64, customer: String, kind: String, excerpt: String }
    AgentRejected => "agent_rejected" { case_id: i64, actor: String }
    ManagerEscalation => "manager_escalation" {
        case_id: i64, customer: String, order_id: String, product: String, amount_paid: String,
        verdict_amount: String, reason_label: String, details: String, rules: Vec<String>,
        flags: Vec<String>,
    }
    ManagerReminder => "manager_reminder" { case_id: i64, waiting: String }
    /// The evidence a dispute needs: usage, the policy shown to the customer, their words.
    /// `rules` is empty when no policy was shown (the dispute came first); `due_by` may be empty.
    ManagerDispute => "manager_dispute" {
        case_id: i64, dispute_id: String, reason: String, order_id: String, product: String,
        amount_paid: String, purchased_on: String, charge_id: String, due_by: String, usage: String,
        rules: Vec<String>, policy_hash: String, transcript: Vec<String>,
    }
    /// `lost` means the bank returned `amount` to the customer.
    ManagerDisputeClosed => "manager_dispute_closed" {
        case_id: i64, dispute_id: String, status: String, lost: bool, amount: String,
    }
    /// A dispute on a charge that no order names, so no case holds it.
    ManagerDisputeUnknownCharge => "manager_dispute_unknown_charge" {
        dispute_id: String, reason: String, charge_id: String,
    }
    /// A reloaded policy file that does not load; `error` (file, line, column) is shown as it came.
    ManagerPolicyRefused => "manager_policy_refused" { error: String }
    /// One post for a surge of staff posts on a platform that paces a channel (Slack): the
    /// posts follow in its thread. `count` is how many were waiting when it was posted.
    StaffBacklog => "staff_backlog" { count: i64 }
    /// Where a case's card was, in a backlog summary's thread, once the case needed a thread of
    /// its own (Slack threads do not nest): the card was posted again in the channel.
    StaffCardMoved => "staff_card_moved" { case_id: i64 }
    /// The bot lacks `permission` (its name on the platform, e.g. "Embed Links") in a channel.
    /// `channel` is `agents`, `managers` or `other`; `effect` is what the bot does meanwhile:
    /// `plain_text`, `no_reactions`, `reactions_stay` or `not_posted`.
    ManagerPermissionMissing => "manager_permission_missing" {
        permission: String, channel: String, channel_id: String, effect: String,
    }
    /// A spike of requests: one post, one ping, one decision for all its cases. `reason_label`
    /// is empty when the incident covers every reason; `usual` is the usual count in as long;
    /// each of `cases` is one line: case, customer, reason and the customer's words.
    ManagerIncident => "manager_incident" {
        incident_id: i64, product: String, reason_label: String, window_hours: u32, count: usize,
        usual: String, cases: Vec<String>,
    }
    /// The weekly digest: figures and codes the template words (`refunded`/`kept` empty: none,
    /// `feedback_average` empty: no answers), `chart` the attached file's name.
    ManagerDigest => "manager_digest" {
        since: String, until: String, requests: usize, outcomes: Vec<crate::digest::OutcomeCount>,
        refunded: String, kept: String, reasons: Vec<crate::digest::TrendLine>,
        products: Vec<crate::digest::TrendLine>, first_answer: crate::digest::Span,
        resolution: crate::digest::Span, sla_breaches: usize, feedback_average: String,
        feedback_answers: usize, comments: Vec<String>, chart: String,
    }
    /// A later request joined an open incident (no ping).
    ManagerIncidentJoined => "manager_incident_joined" { incident_id: i64, case_id: i64, count: usize }
    /// The incident's post once decided.
    ManagerIncidentDecided => "manager_incident_decided" {
        incident_id: i64, product: String, count: usize, approved: bool, actor: String, bulk_send: bool,
    }
    /// The agents' post with one button approving every draft of an approved incident.
    AgentIncidentDrafts => "agent_incident_drafts" { incident_id: i64, product: String, actor: String, count: usize }
    /// That post once used; `skipped` drafts were refused one by one (already handled, overdraw).
    AgentIncidentDraftsDone => "agent_incident_drafts_done" {
        incident_id: i64, actor: String, approved: usize, skipped: usize,
    }
    /// `action` is `approved`, `rejected` or `edited`; `text` is what was sent (may be empty).
    DraftDecided => "draft_decided" { case_id: i64, action: String, actor: String, text: String }
    EscalationDecided => "escalation_decided" { case_id: i64, approved: bool, actor: String }
    /// The *Mark refunded* post once the refund is recorded.
    RefundRecorded => "refund_recorded" { case_id: i64, amount: String, actor: String }
    /// The last line of a staff post about a customer who writes another language than the
    /// seller's; `language` is its English name (translated by the labels).
    LanguageNote => "language_note" { language: String }
}

impl Reply {
    /// Every template name, in declaration order (also the built-in file names without `.hbs`).
    pub fn template_names() -> Vec<&'static str> {
        BUILTIN_EN.iter().map(|(name, _)| *name).collect()
    }
}

/// Why the templates could not be loaded or a reply could not be rendered. Every variant names
/// the template file, so a broken override is found without reading the code.
#[derive(Debug, thiserror::Error)]
pub enum RepliesError {
    #[error("{file}{}: {message}", position(*line, *column))]
    Template { file: String, line: Option<usize>, column: Option<usize>, message: String },
    #[error("{file}{}: cannot render: {message}", position(*line, *column))]
    Render { file: String, line: Option<usize>, column: Option<usize>, message: String },
    #[error("{file}: cannot read: {source}")]
    Io { file: String, source: std::io::Error },
    #[error("{file}: no reply is named {name:?} (template files are named after replies, e.g. ask_email.hbs)")]
    UnknownTemplate { file: String, name: String },
    #[error("locale {locale:?}: {message}")]
    Locale { locale: String, message: String },
    /// A shipped translation that does not match English (a template missing, or with other
    /// variables), or a labels file that does not read.
    #[error("{file}: {message}")]
    Translation { file: String, message: String },
}

fn position(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!(":{l}:{c}"),
        (Some(l), None) => format!(":{l}"),
        _ => String::new(),
    }
}
