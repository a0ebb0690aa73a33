//! `mindnet-learner`: train, serve, score peers, set weights.
//!
//! ```text
//! mindnet-learner run   --url ws://127.0.0.1:9944 --suri //Alice//learner --netuid 0 --port 8091
//! mindnet-learner alone --steps 600          # the same model and data without a network
//! mindnet-learner peers --owner-suri //Alice --count 64 --adversaries noise,dead
//! ```
//!
//! Every option can also come from a TOML file (`--config learner.toml`, keys as the long
//! flags with `_` for `-`); a flag on the command line wins over the file (see
//! [`mindnet_learner::config`]).

use clap::{Parser, Subcommand};
use mindnet_learner::config::{self, BedArgs, RunArgs, TrainArgs};
use mindnet_learner::device;
use mindnet_learner::error::{Error, Result};
use std::path::Path;

#[derive(Parser, Debug)]
#[command(
    name = "mindnet-learner",
    version,
    about = "The Mindnet peer: trains a language model, serves it to peers, scores them and sets weights"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Join a network: serve the axon, query peers, train, set weights.
    Run(Box<RunArgs>),
    /// Train the same model on the same data with no peers (a baseline and a benchmark).
    Alone(Box<TrainArgs>),
    /// Serve a test bed: synthetic peers of known usefulness (peer j tells the next byte
    /// with probability j / (count − 1)) and adversaries, each registered with its own
    /// hotkey and axon, until Ctrl-C.
    Peers(Box<BedArgs>),
}

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("MINDNET_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    if let Err(e) = learn(Cli::parse().command) {
        eprintln!("error: {}", e.message);
        std::process::exit(e.exit_code());
    }
}

/// Resolves the options, trains, and prints the summary.
fn learn(command: Command) -> Result<()> {
    let resolved = match command {
        Command::Peers(b) => return mindnet_learner::synthetic::bed::run(b.resolve()?),
        Command::Alone(a) => config::alone(*a)?,
        Command::Run(r) => {
            let resolved = r.resolve()?;
            if let Some(n) = &resolved.options.network {
                tracing::info!(hotkey = %n.key.address(), netuid = n.netuid, "learner starting");
            }
            resolved
        }
    };
    let summary = device::train(resolved.options, resolved.device)?;
    print_summary(&summary, resolved.summary.as_deref())
}

/// The summary as JSON on stdout, and in `path` when given.
fn print_summary(summary: &mindnet_learner::run::Summary, path: Option<&Path>) -> Result<()> {
    let json = serde_json::to_string_pretty(summary)
        .map_err(|e| Error::internal(format!("summary: {e}")))?;
    println!("{json}");
    if let Some(p) = path {
        std::fs::write(p, &json)
            .map_err(|e| Error::usage(format!("cannot write the summary {}: {e}", p.display())))?;
    }
    Ok(())
}
