//! The one integration test binary; a module per flow.

mod support;

mod adapter;
mod bad_input;
mod cli;
mod console;
mod crash;
mod discord;
mod flows;
mod intake;
mod jobs;
mod ops;
mod orders_file;
mod outbox;
mod policy;
mod replicas;
mod replies;
mod report;
mod stripe;
