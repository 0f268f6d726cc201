//! refund-bot: a refund assistant for sellers of digital products. The engine knows refunds;
//! the chat adapters know their platforms.

pub mod domain;
