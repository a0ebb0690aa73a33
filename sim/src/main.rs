//! `mindnet-sim`: the chain's epoch on a scenario file, and seed 000's experiments.
//!
//! ```text
//! mindnet-sim --scenario FILE.json [--epochs N] [--plot OUT.svg]
//! mindnet-sim descent  --n 16 --ratios 1,10,25,50 --seeds 20 --out DIR
//! mindnet-sim scaling  --ns 4,8,16,32 --ratio 25 --seeds 20 --out DIR
//! mindnet-sim adaptive --n 16 --target 0.5 --out DIR
//! ```
//!
//! Exit codes: 0 success; 1 an output could not be written; 2 bad arguments or input (the
//! message says what is wrong and how to fix it).

mod commands;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = commands::Cli::parse();
    match commands::exec(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("mindnet-sim: {}", failure.message);
            ExitCode::from(failure.code)
        }
    }
}
