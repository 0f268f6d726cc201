//! Pure value types shared by every layer: typed ids, money, orders and the reason/resolution codes.

pub mod address;
pub mod button;
pub mod case;
pub mod code;
pub mod codes;
pub mod conversation;
pub mod ids;
pub mod job;
pub mod live;
pub mod message;
pub mod money;
pub mod order;
pub mod timeline;
pub mod verdict;

pub use address::{Address, ChatUserId, Platform};
pub use button::{AgentAction, ButtonAction, ButtonStyle, Choice, ManagerAction, Score};
pub use case::{Case, CaseState, Decision, Outcome};
pub use codes::{Reason, Resolution};
pub use conversation::{Intake, OrderBrief, Said};
pub use ids::{ButtonId, CaseId, DraftId, EscalationId, IncidentId, MessageId, OrderId};
pub use job::JobKind;
pub use live::{CaseThread, LiveState};
pub use message::{Purpose, PurposeKind};
pub use money::{Currency, Money, MoneyError};
pub use order::{Email, Order};
pub use verdict::{Verdict, VerdictOutcome};
