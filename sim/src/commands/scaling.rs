//! `mindnet-sim scaling`: seed 000's Figure 6, ρ at one ratio α/τ as the number of
//! participants grows.

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

/// Figure 6's flags.
#[derive(Debug, ClapArgs)]
pub struct Args {
    /// Network sizes, comma-separated.
    #[arg(long, value_delimiter = ',', default_values_t = [4, 8, 16, 32])]
    ns: Vec<usize>,
    /// The ratio α/τ.
    #[arg(long, allow_negative_numbers = true, default_value_t = 25.0)]
    ratio: f64,
    /// Networks to draw per size (seeds first-seed, first-seed + 1, …).
    #[arg(long, default_value_t = 20)]
    seeds: u64,
    /// The first seed.
    #[arg(long, default_value_t = 0)]
    first_seed: u64,
    /// Networks to run at once (the results do not depend on it).
    #[arg(long, default_value_t = 1)]
    jobs: usize,
    /// The folder for scaling.csv (mean ρ per n) and scaling-trials.csv.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Where to draw the figure [default: DIR/scaling.svg].
    #[arg(long, value_name = "FILE.svg")]
    figure: Option<PathBuf>,
    #[command(flatten)]
    model: ModelArgs,
}

/// Runs the experiment and writes its tables and figure.
pub fn exec(args: Args) -> Result<(), Failure> {
    let model = args.model.config()?;
    if args.ns.len() < 2 {
        return Err(Failure::usage(
            "--ns needs at least two sizes to show a trend: give e.g. 4,8,16,32",
        ));
    }
    let mut ns = Vec::with_capacity(args.ns.len());
    for &n in &args.ns {
        ns.push(network_size("--ns", n)?);
    }
    let settings = TrialsSettings {
        ns,
        ratios: vec![positive("--ratio", args.ratio, "e.g. 25")?],
        seeds: seed_count(args.seeds)?,
        first_seed: args.first_seed,
        model,
        jobs: args.jobs.max(1),
    };
    create_dir(&args.out)?;
    let report = run_trials(&settings, &mut |trials| {
        if let Some(t) = trials.first() {
            eprintln!("n = {} seed {} done ({} steps)", t.n, t.seed, t.steps);
        }
    });
    write_file(&args.out, "scaling.csv", &report.summary_csv())?;
    write_file(&args.out, "scaling-trials.csv", &report.trials_csv())?;
    let figure = args
        .figure
        .clone()
        .unwrap_or_else(|| args.out.join("scaling.svg"));
    draw(&figure, |path| figures::scaling(&report, path))?;
    print!("{}", report.summary_csv());
    Ok(())
}
