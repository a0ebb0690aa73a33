//! `mindnet-node`: the Mindnet validator node (Aura block production, GRANDPA finality).
// `sc_cli::Error` and `sc_service::Error` are the SDK's own (large) error types, which
// every command and service function must return.
#![allow(clippy::result_large_err)]

mod chain_spec;
mod cli;
mod command;
mod rpc;
mod service;

fn main() -> sc_cli::Result<()> {
    command::run()
}
