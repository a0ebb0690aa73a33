//! `mindnet-node`: the Mindnet validator node (Aura block production, GRANDPA finality).

mod chain_spec;
mod cli;
mod command;
mod rpc;
mod service;

fn main() -> sc_cli::Result<()> {
    command::run()
}
