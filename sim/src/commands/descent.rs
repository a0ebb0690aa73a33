//! `mindnet-sim descent`: seed 000's Figure 4, ρ between the competitive and the idealised
//! ranking for each ratio α/τ, over many drawn networks.

use super::{
    create_dir, draw,
    model_args::{network_size, positive, seed_count, ModelArgs},
    write_file, Failure,
};
use clap::Args as ClapArgs;
use mindnet_sim::seed::{
    experiments::{run_trials, TrialsSettings},
    figures,
};
use std::path::PathBuf;

/// Figure 4's flags.
#[derive(Debug, ClapArgs)]
pub struct Args {
    /// Participants.
    #[arg(long, default_value_t = 16)]
    n: usize,
    /// The ratios α/τ, comma-separated.
    #[arg(long, allow_negative_numbers = true, value_delimiter = ',', default_values_t = [1.0, 10.0, 25.0, 50.0])]
    ratios: Vec<f64>,
    /// Networks to draw (seeds first-seed, first-seed + 1, …).
    #[arg(long, default_value_t = 20)]
    seeds: u64,
    /// The first seed.
    #[arg(long, default_value_t = 0)]
    first_seed: u64,
    /// Networks to run at once (the results do not depend on it).
    #[arg(long, default_value_t = 1)]
    jobs: usize,
    /// The folder for descent.csv (mean ρ per ratio), descent-trials.csv and
    /// descent-peers.csv.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Where to draw the figure [default: DIR/descent.svg].
    #[arg(long, value_name = "FILE.svg")]
    figure: Option<PathBuf>,
    #[command(flatten)]
    model: ModelArgs,
}

/// Runs the experiment and writes its tables and figure.
pub fn exec(args: Args) -> Result<(), Failure> {
    let model = args.model.config()?;
    let n = network_size("--n", args.n)?;
    if args.ratios.is_empty() {
        return Err(Failure::usage(
            "--ratios is empty: give at least one ratio α/τ, e.g. 1,10,25,50",
        ));
    }
    for &ratio in &args.ratios {
        positive("--ratios", ratio, "e.g. 1,10,25,50")?;
    }
    let settings = TrialsSettings {
        ns: vec![n],
        ratios: args.ratios.clone(),
        seeds: seed_count(args.seeds)?,
        first_seed: args.first_seed,
        model,
        jobs: args.jobs.max(1),
    };
    create_dir(&args.out)?;
    let mut done = 0;
    let report = run_trials(&settings, &mut |trials| {
        done += 1;
        if let Some(t) = trials.first() {
            eprintln!("network {done}/{} (seed {}) done", settings.seeds, t.seed);
        }
    });
    write_file(&args.out, "descent.csv", &report.summary_csv())?;
    write_file(&args.out, "descent-trials.csv", &report.trials_csv())?;
    write_file(&args.out, "descent-peers.csv", &report.peers_csv())?;
    let figure = args
        .figure
        .clone()
        .unwrap_or_else(|| args.out.join("descent.svg"));
    draw(&figure, |path| figures::descent(&report, path))?;
    print!("{}", report.summary_csv());
    Ok(())
}
