//! `mindnet-sim adaptive`: seed 000's Figure 5, inflation τ starting at zero and steered
//! by the sparsity of `W` toward a target.

use super::{
    create_dir, draw,
    model_args::{network_size, non_negative, positive, ModelArgs},
    write_file, Failure,
};
use clap::Args as ClapArgs;
use mindnet_sim::seed::{
    experiments::{adaptive, AdaptiveSettings},
    figures,
};
use std::path::PathBuf;

/// Figure 5's flags.
#[derive(Debug, ClapArgs)]
pub struct Args {
    /// Participants.
    #[arg(long, default_value_t = 16)]
    n: usize,
    /// The sparsities (Σ s_i w_ii / Σ s_i w_ij) to hold, comma-separated, each in (0, 1).
    #[arg(long, allow_negative_numbers = true, value_delimiter = ',', default_values_t = [AdaptiveSettings::TARGET])]
    targets: Vec<f64>,
    /// γ, the controller's integral gain: each step τ ← max(0, τ + γ e + κ Δe), where
    /// e = target − sparsity.
    #[arg(long, allow_negative_numbers = true, default_value_t = AdaptiveSettings::GAIN)]
    gain: f64,
    /// κ, the controller's proportional gain (damping; 0 for a pure integral controller).
    #[arg(long, allow_negative_numbers = true, default_value_t = AdaptiveSettings::PROPORTIONAL)]
    proportional: f64,
    /// α, the price of a unit of loss.
    #[arg(long, allow_negative_numbers = true, default_value_t = AdaptiveSettings::ALPHA)]
    alpha: f64,
    /// Steps per run [default: 2000 × n].
    #[arg(long)]
    steps: Option<usize>,
    /// Record a point of the first seed's runs every this many steps.
    #[arg(long, default_value_t = 100)]
    every: usize,
    /// Networks to draw (seeds first-seed, first-seed + 1, …).
    #[arg(long, default_value_t = 1)]
    seeds: u64,
    /// The first seed (its runs are drawn in the figure).
    #[arg(long, default_value_t = 0)]
    first_seed: u64,
    /// Networks to run at once (the results do not depend on it).
    #[arg(long, default_value_t = 1)]
    jobs: usize,
    /// The folder for adaptive.csv (the first seed's runs over steps), adaptive-final.csv
    /// (every run's end) and adaptive-summary.csv (mean per target).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Where to draw the figure [default: DIR/adaptive.svg].
    #[arg(long, value_name = "FILE.svg")]
    figure: Option<PathBuf>,
    #[command(flatten)]
    model: ModelArgs,
}

/// Runs the experiment and writes its tables and figure.
pub fn exec(args: Args) -> Result<(), Failure> {
    let model = args.model.config()?;
    let n = network_size("--n", args.n)?;
    if args.targets.is_empty() {
        return Err(Failure::usage(
            "--targets is empty: give at least one sparsity target, e.g. 0.25",
        ));
    }
    for &target in &args.targets {
        if !(target > 0.0 && target < 1.0) {
            return Err(Failure::usage(format!(
                "--targets {target} is not a sparsity the controller can hold: give values \
                 strictly between 0 and 1, e.g. 0.25"
            )));
        }
    }
    let steps = args
        .steps
        .unwrap_or_else(|| AdaptiveSettings::STEPS_PER_PEER.saturating_mul(n));
    if steps == 0 || args.every == 0 || args.seeds == 0 {
        return Err(Failure::usage(
            "--steps, --every and --seeds must be at least 1: give e.g. --steps 32000 --every 100",
        ));
    }
    let settings = AdaptiveSettings {
        n,
        targets: args.targets.clone(),
        seeds: args.seeds,
        first_seed: args.first_seed,
        gain: positive("--gain", args.gain, "e.g. 0.0003")?,
        proportional: non_negative("--proportional", args.proportional)?,
        alpha: positive("--alpha", args.alpha, "e.g. 1")?,
        steps,
        every: args.every,
        model,
        jobs: args.jobs.max(1),
    };
    create_dir(&args.out)?;
    let mut done = 0;
    let report = adaptive(&settings, &mut |seed| {
        done += 1;
        eprintln!("network {done}/{} (seed {seed}) done", settings.seeds);
    });
    write_file(&args.out, "adaptive.csv", &report.trajectory_csv())?;
    write_file(&args.out, "adaptive-final.csv", &report.finals_csv())?;
    write_file(&args.out, "adaptive-summary.csv", &report.summary_csv())?;
    let figure = args
        .figure
        .clone()
        .unwrap_or_else(|| args.out.join("adaptive.svg"));
    draw(&figure, |path| figures::adaptive(&report, path))?;
    print!("{}", report.summary_csv());
    Ok(())
}
