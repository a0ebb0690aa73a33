//! `mindnet-sim --scenario FILE.json [--epochs N] [--plot OUT.svg]`: runs the chain's epoch
//! on a scenario and prints every epoch's results as JSON on stdout.

use clap::Parser;
use std::{path::PathBuf, process::ExitCode};

/// Runs the Mindnet epoch (the chain's own fixed-point code) on a scenario file.
#[derive(Debug, Parser)]
#[command(name = "mindnet-sim", version)]
struct Args {
    /// The scenario: params, block and neurons (see the crate docs for the format).
    #[arg(long, value_name = "FILE.json")]
    scenario: PathBuf,
    /// How many epochs to run.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    epochs: u32,
    /// Also draw each neuron's (or group's) share of stake over the epochs as an SVG.
    #[arg(long, value_name = "OUT.svg")]
    plot: Option<PathBuf>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let text = match std::fs::read_to_string(&args.scenario) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("mindnet-sim: cannot read {}: {e}", args.scenario.display());
            return ExitCode::from(2);
        }
    };
    let scenario = match mindnet_sim::Scenario::from_json(&text) {
        Ok(s) => s,
        Err(e) => {
            eprintln!(
                "mindnet-sim: invalid scenario {}: {e}",
                args.scenario.display()
            );
            return ExitCode::from(2);
        }
    };
    let report = mindnet_sim::run(&scenario, args.epochs as usize);
    if let Some(path) = &args.plot {
        if let Err(e) = mindnet_sim::plot(&scenario, &report, path) {
            eprintln!("mindnet-sim: cannot draw {}: {e}", path.display());
            return ExitCode::from(1);
        }
    }
    let stdout = std::io::stdout().lock();
    if let Err(e) = serde_json::to_writer(std::io::BufWriter::new(stdout), &report) {
        eprintln!("mindnet-sim: cannot write the report: {e}");
        return ExitCode::from(1);
    }
    println!();
    ExitCode::SUCCESS
}
