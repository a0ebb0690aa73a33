//! `mindnet-sim --scenario FILE.json [--epochs N] [--plot OUT.svg]`: runs the chain's epoch
//! on a scenario and prints every epoch's results as JSON on stdout.

use super::Failure;
use clap::Parser;
use std::path::PathBuf;

/// The scenario runner's flags (used when no subcommand is given).
#[derive(Debug, Parser)]
pub struct Args {
    /// The scenario: params, block and neurons (see the crate docs for the format).
    #[arg(long, value_name = "FILE.json", required = true)]
    scenario: Option<PathBuf>,
    /// How many epochs to run.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    epochs: u32,
    /// Also draw each neuron's (or group's) share of stake over the epochs as an SVG.
    #[arg(long, value_name = "OUT.svg")]
    plot: Option<PathBuf>,
}

/// Runs the scenario and prints its report.
pub fn exec(args: Args) -> Result<(), Failure> {
    let Some(path) = args.scenario else {
        return Err(Failure::usage(
            "no scenario given: pass --scenario FILE.json, or a subcommand (see --help)",
        ));
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| Failure::usage(format!("cannot read {}: {e}", path.display())))?;
    let scenario = mindnet_sim::Scenario::from_json(&text)
        .map_err(|e| Failure::usage(format!("invalid scenario {}: {e}", path.display())))?;
    let report = mindnet_sim::run(&scenario, args.epochs as usize);
    if let Some(plot) = &args.plot {
        mindnet_sim::plot(&scenario, &report, plot).map_err(|e| Failure {
            code: 1,
            message: format!("cannot draw {}: {e}", plot.display()),
        })?;
    }
    let stdout = std::io::stdout().lock();
    serde_json::to_writer(std::io::BufWriter::new(stdout), &report).map_err(|e| Failure {
        code: 1,
        message: format!("cannot write the report: {e}"),
    })?;
    println!();
    Ok(())
}
