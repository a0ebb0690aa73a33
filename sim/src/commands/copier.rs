//! `mindnet-sim copier`: what a weight copier earns against honest validators, with and
//! without commit-reveal ([`mindnet_sim::copier`]).

use super::{create_dir, draw, write_file, Failure};
use clap::{Args as ClapArgs, ValueEnum};
use mindnet_sim::copier::{self, Market, Strategy, TableRow};
use std::path::PathBuf;

/// What the copier copies.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum Copies {
    /// The stake-weighted mean of the honest rows it can read.
    Weights,
    /// The last epoch's rank vector it saw.
    Consensus,
}

/// The copier experiment's flags.
#[derive(Debug, ClapArgs)]
#[command(after_help = "Examples:\n  mindnet-sim copier --out /tmp/copier\n  \
                        mindnet-sim copier --out /tmp/copier --reveal-delay 2 --seeds 8\n  \
                        mindnet-sim copier --out /tmp/c --miners 6 --honest 3 --shares 0.142857 --no-static --drifts 0.1 --epochs 16 --warmup 6")]
pub struct Args {
    /// The copier's stake shares to run, comma-separated, each in (0, 1).
    #[arg(long, value_delimiter = ',', default_values_t = [0.05, 0.1, 0.2, 0.3])]
    shares: Vec<f64>,
    /// Per-epoch quality drifts to run besides static quality, comma-separated.
    #[arg(long, value_delimiter = ',', default_values_t = [0.02, 0.1])]
    drifts: Vec<f64>,
    /// Leave out the static-quality runs (only the drifts).
    #[arg(long)]
    no_static: bool,
    /// Miners.
    #[arg(long, default_value_t = Market::MINERS as u32, value_parser = clap::value_parser!(u32).range(1..=1000))]
    miners: u32,
    /// Honest validators (stake in the ratio k, k − 1, …, 1).
    #[arg(long, default_value_t = Market::HONEST as u32, value_parser = clap::value_parser!(u32).range(1..=100))]
    honest: u32,
    /// Epochs left out of G at the start [default: a quarter of --epochs, at most 100].
    #[arg(long)]
    warmup: Option<u32>,
    /// The reveal delay (epochs) of the commit-reveal runs.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=16))]
    reveal_delay: u32,
    /// What the copier copies.
    #[arg(long, value_enum, default_value_t = Copies::Weights)]
    copies: Copies,
    /// Epochs per run.
    #[arg(long, default_value_t = Market::EPOCHS as u32, value_parser = clap::value_parser!(u32).range(2..))]
    epochs: u32,
    /// Markets per scenario (seeds first-seed, first-seed + 1, …).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u64).range(1..=1000))]
    seeds: u64,
    /// The first seed.
    #[arg(long, default_value_t = 0)]
    first_seed: u64,
    /// The folder for copier.csv and the figures copier-off.svg and copier-on.svg.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
}

/// Runs every scenario with commit-reveal off and on, and the control (a validator that
/// weights every miner alike), and writes the table and figures.
pub fn exec(args: Args) -> Result<(), Failure> {
    for &s in &args.shares {
        if !(s > 0.0 && s < 1.0) {
            return Err(Failure::usage(format!(
                "--shares {s} is not a stake share: give fractions in (0, 1), e.g. 0.05,0.3"
            )));
        }
    }
    for &d in &args.drifts {
        if !(d > 0.0 && d <= 1.0) {
            return Err(Failure::usage(format!(
                "--drifts {d} is not a drift: give per-epoch steps in (0, 1], e.g. 0.02,0.1"
            )));
        }
    }
    let strategy = match args.copies {
        Copies::Weights => Strategy::Weights,
        Copies::Consensus => Strategy::Consensus,
    };
    let epochs = args.epochs as usize;
    let warmup = match args.warmup {
        Some(w) if w >= args.epochs => {
            return Err(Failure::usage(format!(
                "--warmup {w} leaves no epoch to measure: give fewer than --epochs {}",
                args.epochs
            )))
        }
        Some(w) => w as usize,
        None => (epochs / 4).min(Market::WARMUP),
    };
    let base = Market {
        miners: args.miners as usize,
        honest: args.honest as usize,
        copier_share: 0.1,
        drift: 0.0,
        noise: Market::NOISE,
        reveal_delay: 0,
        strategy,
        epochs,
        warmup,
        seed: 0,
    };
    create_dir(&args.out)?;
    let statics = if args.no_static { None } else { Some(0.0) };
    let qualities: Vec<f64> = statics
        .into_iter()
        .chain(args.drifts.iter().copied())
        .collect();
    if qualities.is_empty() {
        return Err(Failure::usage(
            "--no-static with no --drifts leaves nothing to run: give e.g. --drifts 0.1",
        ));
    }
    let mut rows: Vec<TableRow> = Vec::new();
    for (strategy, delays) in [
        (strategy, vec![0, args.reveal_delay]),
        (Strategy::Uniform, vec![0]),
    ] {
        for &drift in &qualities {
            for &share in &args.shares {
                for &reveal_delay in &delays {
                    let market = Market {
                        copier_share: share,
                        drift,
                        reveal_delay,
                        strategy,
                        ..base.clone()
                    };
                    let row = copier::table_row(&market, args.seeds, args.first_seed);
                    eprintln!(
                        "{} {} copier {share}: delay {reveal_delay}, G = {:.3}",
                        strategy.name(),
                        row.quality,
                        row.g
                    );
                    rows.push(row);
                }
            }
        }
    }
    let csv = copier::table_csv(&rows);
    write_file(&args.out, "copier.csv", &csv)?;
    for (name, on) in [("copier-off.svg", false), ("copier-on.svg", true)] {
        let picked: Vec<&TableRow> = rows
            .iter()
            .filter(|r| r.strategy == strategy && (r.reveal_delay > 0) == on)
            .filter(|r| r.share == args.shares[0] || r.share == args.shares[args.shares.len() - 1])
            .collect();
        let title = if on {
            format!(
                "Copier G per epoch, commit-reveal on (delay {})",
                args.reveal_delay
            )
        } else {
            "Copier G per epoch, commit-reveal off".to_string()
        };
        let path = args.out.join(name);
        draw(&path, |p| copier::plot(&picked, &title, 20, p))?;
    }
    print!("{csv}");
    Ok(())
}
