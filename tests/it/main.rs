//! The one integration test binary; a module per flow.

mod support;

mod adapter;
mod bad_input;
mod cli;
mod crash;
mod flows;
mod intake;
mod outbox;
mod replicas;
mod replies;
