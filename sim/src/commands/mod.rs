//! The command line: the scenario runner (no subcommand) and one module per experiment.

mod adaptive;
mod copier;
mod descent;
mod model_args;
mod scaling;
mod scenario;

use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};

/// Runs the Mindnet epoch (the chain's own fixed-point code) on a scenario file, or one of
/// seed 000's experiments (see the subcommands).
#[derive(Debug, Parser)]
#[command(
    name = "mindnet-sim",
    version,
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true
)]
pub struct Cli {
    #[command(flatten)]
    scenario: scenario::Args,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Figure 4: Spearman ρ between the competitive and the idealised ranking per α/τ.
    Descent(descent::Args),
    /// Figure 6: Spearman ρ at one α/τ as the number of participants grows.
    Scaling(scaling::Args),
    /// Figure 5: inflation τ from zero, steered to hold the sparsity at a target.
    Adaptive(adaptive::Args),
    /// A weight copier's dividend yield G against honest validators, commit-reveal off and on.
    Copier(copier::Args),
}

/// Why a command failed: the message is printed once, after `mindnet-sim: `.
#[derive(Debug)]
pub struct Failure {
    /// The exit code: 1 for an output that could not be written, 2 for bad input.
    pub code: u8,
    /// One sentence: what is wrong and how to fix it.
    pub message: String,
}

impl Failure {
    /// Bad arguments or input (exit code 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Self {
            code: 2,
            message: message.into(),
        }
    }

    /// An output that could not be written (exit code 1).
    pub fn output(path: &Path, error: impl std::fmt::Display) -> Self {
        Self {
            code: 1,
            message: format!("cannot write {}: {error}", path.display()),
        }
    }
}

/// Runs what the command line asks for.
pub fn exec(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        None => scenario::exec(cli.scenario),
        Some(Command::Descent(args)) => descent::exec(args),
        Some(Command::Scaling(args)) => scaling::exec(args),
        Some(Command::Adaptive(args)) => adaptive::exec(args),
        Some(Command::Copier(args)) => copier::exec(args),
    }
}

/// Creates `dir` (and its parents) for the outputs.
fn create_dir(dir: &Path) -> Result<(), Failure> {
    std::fs::create_dir_all(dir).map_err(|e| Failure::output(dir, e))
}

/// Writes `text` to `dir/name`, reporting the path on stderr.
fn write_file(dir: &Path, name: &str, text: &str) -> Result<PathBuf, Failure> {
    let path = dir.join(name);
    std::fs::write(&path, text).map_err(|e| Failure::output(&path, e))?;
    eprintln!("wrote {}", path.display());
    Ok(path)
}

/// Draws a figure to `path` (its folder created first), reporting the path on stderr.
fn draw(
    path: &Path,
    figure: impl FnOnce(&Path) -> Result<(), Box<dyn std::error::Error>>,
) -> Result<(), Failure> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        create_dir(parent)?;
    }
    figure(path).map_err(|e| Failure::output(path, e))?;
    eprintln!("wrote {}", path.display());
    Ok(())
}
