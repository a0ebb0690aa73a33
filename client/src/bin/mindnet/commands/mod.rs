//! What each command does: one module a command, each with its `exec`.

mod axon;
mod balance;
mod completions;
mod dashboard;
mod network;
mod neurons;
mod overview;
mod register;
mod stake;
mod take;
mod transfer;
mod wallet;
mod weights;

use crate::cli::{Cli, Command};
use crate::ctx::Ctx;
use crate::output::Output;
use mindnet_client::Result;

/// Runs the command.
pub async fn run(cli: Cli) -> Result<Output> {
    let ctx = Ctx::new(cli.global)?;
    match cli.command {
        Command::Wallet(c) => wallet::exec(&ctx, c),
        Command::Balance(a) => balance::exec(&ctx, a).await,
        Command::Transfer(a) => transfer::exec(&ctx, a).await,
        Command::Register(a) => register::exec(&ctx, a).await,
        Command::Stake(c) => stake::exec(&ctx, c).await,
        Command::Weights(c) => weights::exec(&ctx, c).await,
        Command::Take(c) => take::exec(&ctx, c).await,
        Command::Axon(c) => axon::exec(&ctx, c).await,
        Command::Neurons(a) => neurons::exec(&ctx, a).await,
        Command::Overview(a) => overview::exec(&ctx, a).await,
        Command::Network(c) => network::exec(&ctx, c).await,
        Command::Dashboard(a) => dashboard::exec(&ctx, a).await,
        Command::Completions { shell } => Ok(completions::exec(shell)),
    }
}
