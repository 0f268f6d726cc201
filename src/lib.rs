//! refund-bot: a refund assistant for sellers of digital products. The engine knows refunds;
//! the chat adapters know their platforms.

/// Start-up shared by every command: config, database, policy, replies, engine.
pub mod app;
/// `case list` and `case show`.
pub mod case_view;
/// Chat adapters: JSON lines, the terminal console.
pub mod chat;
/// The command line.
pub mod cli;
/// `refund-bot.toml`.
pub mod config;
/// The weekly digest to managers and its chart.
pub mod digest;
/// Pure value types: ids, money, orders, codes.
pub mod domain;
/// Inbound events and outbound actions.
pub mod events;
/// The HTTP endpoint: Stripe webhooks.
pub mod http;
/// The customer conversation as a pure state machine.
pub mod intake;
/// The customer's language, from their words or their platform.
pub mod language;
/// `ledger export`: the refunds executed, for the accountant.
pub mod ledger;
/// Health, metrics and policy reload.
pub mod ops;
/// Order files (.jsonl, .csv).
pub mod orders_file;
/// Payment processors (Stripe).
pub mod payments;
/// The refund policy: parsing and the pure verdict.
pub mod policy;
/// Forgetting customers: `customer forget` and `[retention] days`.
pub mod privacy;
/// Handlebars reply templates.
pub mod replies;
/// `report`: outcomes, reasons, refunds and trends over a period.
pub mod report;
/// Due jobs and outbox delivery for every platform, and shutdown.
pub mod runner;
/// The database.
pub mod store;
/// `refund-bot understand`: the reading of each message as JSON.
pub mod understand;
/// What the bot reads from customer messages: reason, orders, emails, flags, language, questions.
pub mod understanding;
/// The case lifecycle.
pub mod workflow;
