//! Pure value types shared by every layer: typed ids, money, orders and the reason/resolution codes.

pub mod codes;
pub mod ids;
pub mod money;
pub mod order;

pub use codes::{Reason, Resolution};
pub use ids::{ButtonId, CaseId, ChatUserId, MessageId, OrderId};
pub use money::{Currency, Money, MoneyError};
pub use order::{Email, Order};
