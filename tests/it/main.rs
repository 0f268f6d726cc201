//! The one integration test binary; a module per flow.

mod support;

mod adapter;
mod bad_input;
mod cli;
mod console;
pub mod crash;
mod deploy;
mod digest;
mod discord;
mod flows;
mod incidents;
mod intake;
mod jobs;
mod languages;
mod ledger;
mod live;
mod managers;
mod ops;
mod orders_file;
mod outbox;
mod platforms;
mod policy;
mod privacy;
mod props;
mod replicas;
mod replies;
mod report;
mod slack;
mod snippets;
mod stripe;
mod understand;
mod understood;
