//! Pure value types shared by every layer: typed ids, money, orders and the reason/resolution codes.

pub mod address;
pub mod codes;
pub mod ids;
pub mod money;
pub mod order;

pub use address::{Address, ChatUserId, Platform};
pub use codes::{Reason, Resolution};
pub use ids::{ButtonId, CaseId, MessageId, OrderId};
pub use money::{Currency, Money, MoneyError};
pub use order::{Email, Order};
