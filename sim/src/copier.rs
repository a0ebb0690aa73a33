//! # A copier you can measure (issue 27)
//!
//! A weight copier never evaluates anyone: it submits weights it has seen on chain. This
//! module runs honest validators and one copier over many epochs through the chain's own
//! epoch ([`mindnet_math::epoch()`]) and measures what copying earns, as the copier's
//! dividend yield relative to the median honest validator's:
//!
//! `G = (D_c / S_c) / median_i (D_i / S_i)`
//!
//! ## The market
//!
//! - `miners` miners with quality `q_j` drawn uniformly from `[0.1, 1]`. With `drift > 0`
//!   each quality takes a random-walk step `drift · N(0, 1)` per epoch, reflected into
//!   `[0, 1]`; with `drift = 0` it never changes.
//! - `honest` validators with stake in the ratio `honest, honest − 1, …, 1`, together
//!   holding `1 − copier_share` of the stake. Each epoch each measures every miner as
//!   `max(0, q_j + noise · N(0, 1))` and sets that row (largest value 65,535).
//! - One copier holding `copier_share`. Its [`Strategy`] decides what it copies.
//! - Stake is held fixed (emission is not compounded), so the shares stay those of the
//!   scenario and yields are comparable across epochs.
//!
//! ## Commit-reveal
//!
//! With `reveal_delay = d` epochs, a row committed in epoch window `e` is revealed, and
//! counts, from epoch `e + d`; nobody can read it before. The honest rows that count at
//! epoch `t` are their measurements of epoch `t − d`. The copier, at epoch `t`, sees only
//! rows revealed by then, commits its copy, and that copy counts from `t + d`: its row at
//! `t` is what was public at `t − d`. Without commit-reveal (`d = 0`) the copier sees the
//! honest rows of the current epoch before the epoch runs (it submits last in the tempo).
//!
//! ## Honest validators' dividends
//!
//! [`run`] also runs the same market (the same qualities and the same honest measurements)
//! with the copier's stake held by one more honest validator: `honest_change` is the
//! honest validators' total dividends with the copier against that counterfactual.

use crate::seed::rng::SplitMix64;
use mindnet_math::{epoch, EpochInput, EpochParams, Fixed, NeuronState, StoredBondRow};

/// What the copier copies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// The stake-weighted mean of the honest rows it can read (the strongest copier).
    Weights,
    /// The rank vector `R` of the last epoch it saw (what any block explorer shows).
    Consensus,
    /// Neither evaluates nor copies: the same weight on every miner.
    Uniform,
}

impl Strategy {
    /// The name used on the command line and in the tables.
    pub fn name(self) -> &'static str {
        match self {
            Strategy::Weights => "weights",
            Strategy::Consensus => "consensus",
            Strategy::Uniform => "uniform",
        }
    }
}

/// One market.
#[derive(Clone, Debug, PartialEq)]
pub struct Market {
    /// Miners (weighted by validators, never weighting).
    pub miners: usize,
    /// Honest validators.
    pub honest: usize,
    /// The copier's share of all stake, in `(0, 1)`.
    pub copier_share: f64,
    /// Per-epoch random-walk step of each miner's quality (0: static).
    pub drift: f64,
    /// Standard deviation of an honest measurement.
    pub noise: f64,
    /// Epochs between a commit and its reveal (0: commit-reveal off).
    pub reveal_delay: u32,
    /// What the copier copies.
    pub strategy: Strategy,
    /// Epochs to run.
    pub epochs: usize,
    /// Epochs left out of the totals at the start (bonds take ~1/α epochs to form).
    pub warmup: usize,
    /// The random seed (qualities and measurements).
    pub seed: u64,
}

impl Market {
    /// The defaults used by `mindnet-sim copier`.
    pub const MINERS: usize = 16;
    /// Honest validators by default.
    pub const HONEST: usize = 4;
    /// Default measurement noise.
    pub const NOISE: f64 = 0.1;
    /// Default epochs.
    pub const EPOCHS: usize = 400;
    /// Default warm-up.
    pub const WARMUP: usize = 100;
}

/// What one market run measured.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// `G` over the measured epochs (summed dividends over stake).
    pub g: f64,
    /// `G` in each epoch (warm-up included).
    pub g_per_epoch: Vec<f64>,
    /// The honest validators' total dividends with the copier, relative to the same market
    /// with the copier's stake honest instead: `with / without − 1`.
    pub honest_change: f64,
}

/// The epoch's base units per run (any positive value; yields are ratios).
const EMISSION: u64 = 1_000_000_000_000;
/// Blocks per epoch in the simulation.
const TEMPO: u64 = 100;

/// Normalises `values` to a `u16` weight row over `uids`, largest entry 65,535; zeros
/// dropped.
fn to_row(values: &[f64], first_uid: usize) -> Vec<(u16, u16)> {
    let max = values.iter().copied().fold(0.0f64, f64::max);
    if max <= 0.0 {
        return Vec::new();
    }
    values
        .iter()
        .enumerate()
        .filter_map(|(k, v)| {
            let w = (v / max * 65535.0).round();
            (w >= 1.0).then(|| ((first_uid + k) as u16, w.min(65535.0) as u16))
        })
        .collect()
}

/// A row as fractions summing to 1, indexed by miner.
fn fractions(row: &[(u16, u16)], first_uid: usize, miners: usize) -> Vec<f64> {
    let mut out = vec![0.0; miners];
    let sum: f64 = row.iter().map(|(_, v)| f64::from(*v)).sum();
    if sum > 0.0 {
        for (j, v) in row {
            if let Some(x) = out.get_mut(usize::from(*j).wrapping_sub(first_uid)) {
                *x = f64::from(*v) / sum;
            }
        }
    }
    out
}

/// The mean of `rows` (each as fractions over `miners` miners from `first_uid`), row `i`
/// weighted by `stake[i]`, as a weight row.
fn stake_weighted_mean(
    rows: &[Vec<(u16, u16)>],
    stake: &[f64],
    first_uid: usize,
    miners: usize,
) -> Vec<(u16, u16)> {
    let mut mean = vec![0.0; miners];
    for (row, s) in rows.iter().zip(stake) {
        for (k, f) in fractions(row, first_uid, miners).into_iter().enumerate() {
            mean[k] += s * f;
        }
    }
    to_row(&mean, first_uid)
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    match n {
        0 => 0.0,
        _ if n % 2 == 1 => values[n / 2],
        _ => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

/// Per epoch: the dividends `D_i` of every validator.
struct Run {
    dividends: Vec<Vec<f64>>,
    stake: Vec<f64>,
}

/// Runs the market; `copier` false gives the copier's stake to an honest validator that
/// measures like the others.
fn simulate(m: &Market, copier: bool) -> Run {
    let validators = m.honest + 1;
    let c = m.honest; // the copier's uid
    let first_miner = validators;
    let n = validators + m.miners;
    // Stake: honest in the ratio honest, honest − 1, …, 1; the copier its share.
    let units: f64 = (1..=m.honest).map(|k| k as f64).sum();
    let total: f64 = 1e12;
    let mut stake: Vec<f64> = (0..m.honest)
        .map(|i| (1.0 - m.copier_share) * total * (m.honest - i) as f64 / units)
        .collect();
    stake.push(m.copier_share * total);
    stake.extend(std::iter::repeat_n(0.0, m.miners));
    let mut quality_rng = SplitMix64::with_stream(m.seed, 1);
    let mut quality: Vec<f64> = (0..m.miners)
        .map(|_| quality_rng.uniform_in(0.1, 1.0))
        .collect();
    // One measurement stream per validator, shared by both runs.
    let mut noise: Vec<SplitMix64> = (0..validators)
        .map(|i| SplitMix64::with_stream(m.seed, 100 + i as u64))
        .collect();
    let d = m.reveal_delay as usize;
    // measured[t][i]: validator i's measured row in epoch window t.
    let mut measured: Vec<Vec<Vec<(u16, u16)>>> = Vec::with_capacity(m.epochs);
    // ranks[t]: R of epoch t.
    let mut ranks: Vec<Vec<f64>> = Vec::with_capacity(m.epochs);
    let mut bonds: Vec<StoredBondRow> = vec![Vec::new(); n];
    let params = EpochParams::default();
    let mut out = Run {
        dividends: Vec::with_capacity(m.epochs),
        stake: stake[..validators].to_vec(),
    };
    for t in 0..m.epochs {
        let mut rows: Vec<Vec<(u16, u16)>> = (0..validators)
            .map(|i| {
                let values: Vec<f64> = quality
                    .iter()
                    .map(|q| (q + m.noise * noise[i].normal()).max(0.0))
                    .collect();
                to_row(&values, first_miner)
            })
            .collect();
        // What the copier read when it committed, for its row in force at t.
        if copier {
            rows[c] = if t < d {
                Vec::new()
            } else {
                let seen = t - d;
                match m.strategy {
                    Strategy::Weights => {
                        // The honest rows in force at `seen`: measured at `seen − d`, which
                        // without commit-reveal are this epoch's (not yet recorded).
                        let source = if d == 0 {
                            Some(&rows)
                        } else {
                            seen.checked_sub(d).and_then(|k| measured.get(k))
                        };
                        source
                            .map(|r| {
                                stake_weighted_mean(&r[..m.honest], &stake, first_miner, m.miners)
                            })
                            .unwrap_or_default()
                    }
                    Strategy::Uniform => to_row(&vec![1.0; m.miners], first_miner),
                    Strategy::Consensus => match seen.checked_sub(1).and_then(|k| ranks.get(k)) {
                        Some(r) => to_row(&r[first_miner..], first_miner),
                        None => Vec::new(),
                    },
                }
            };
        }
        measured.push(rows.clone());
        // The rows in force at t: measurements of t − d (the copier's as built above).
        let mut in_force: Vec<Vec<(u16, u16)>> = match t.checked_sub(d) {
            Some(k) => measured[k].clone(),
            None => vec![Vec::new(); validators],
        };
        if copier {
            in_force[c] = rows[c].clone();
        }
        in_force.extend(std::iter::repeat_n(Vec::new(), m.miners));
        let block = (t as u64 + 1) * TEMPO;
        let neurons: Vec<NeuronState> = stake
            .iter()
            .map(|s| NeuronState {
                stake: *s as u128,
                last_update: block - 1,
                registered_at: 0,
            })
            .collect();
        let result = epoch(
            &params,
            &EpochInput {
                block,
                emission: EMISSION,
                neurons: &neurons,
                weights: &in_force,
                bonds: &bonds,
                bonds_cover_registrations_up_to: block,
            },
        );
        bonds = result.bonds;
        ranks.push(result.rank.iter().map(|x| x.to_num::<f64>()).collect());
        out.dividends.push(
            result.dividends[..validators]
                .iter()
                .map(|x: &Fixed| x.to_num::<f64>())
                .collect(),
        );
        if m.drift > 0.0 {
            for q in quality.iter_mut() {
                let mut x = *q + m.drift * quality_rng.normal();
                // Reflect into [0, 1].
                x = x.abs();
                if x > 1.0 {
                    x = 2.0 - x;
                }
                *q = x.clamp(0.0, 1.0);
            }
        }
    }
    out
}

/// `G` from dividends summed over `epochs`.
fn g_of(run: &Run, honest: usize, epochs: std::ops::Range<usize>) -> f64 {
    let yield_of = |i: usize| {
        let d: f64 = run.dividends[epochs.clone()].iter().map(|e| e[i]).sum();
        d / run.stake[i]
    };
    let mut honest_yields: Vec<f64> = (0..honest).map(yield_of).collect();
    let m = median(&mut honest_yields);
    if m > 0.0 {
        yield_of(honest) / m
    } else {
        0.0
    }
}

/// Runs `market` with the copier and without it (its stake honest), and measures.
pub fn run(market: &Market) -> Outcome {
    let with = simulate(market, true);
    let without = simulate(market, false);
    let measured = market.warmup.min(market.epochs)..market.epochs;
    let g = g_of(&with, market.honest, measured.clone());
    let g_per_epoch = (0..market.epochs)
        .map(|t| g_of(&with, market.honest, t..t + 1))
        .collect();
    let honest_total = |r: &Run| -> f64 {
        r.dividends[measured.clone()]
            .iter()
            .map(|e| e[..market.honest].iter().sum::<f64>())
            .sum()
    };
    let base = honest_total(&without);
    let honest_change = if base > 0.0 {
        honest_total(&with) / base - 1.0
    } else {
        0.0
    };
    Outcome {
        g,
        g_per_epoch,
        honest_change,
    }
}

/// One row of the table: a scenario, run with and without commit-reveal over several seeds.
#[derive(Clone, Debug, PartialEq)]
pub struct TableRow {
    /// `static` or `drift D`.
    pub quality: String,
    /// The copier's stake share.
    pub share: f64,
    /// What it copies.
    pub strategy: Strategy,
    /// The reveal delay in epochs (0: commit-reveal off).
    pub reveal_delay: u32,
    /// Mean `G` over the seeds.
    pub g: f64,
    /// Lowest and highest `G` over the seeds.
    pub g_range: (f64, f64),
    /// Mean honest-dividend change over the seeds.
    pub honest_change: f64,
    /// `G` per epoch, mean over the seeds.
    pub g_per_epoch: Vec<f64>,
}

/// Runs `market` for `seeds` seeds from `first_seed` and summarises.
pub fn table_row(market: &Market, seeds: u64, first_seed: u64) -> TableRow {
    let outcomes: Vec<Outcome> = (first_seed..first_seed + seeds.max(1))
        .map(|seed| {
            run(&Market {
                seed,
                ..market.clone()
            })
        })
        .collect();
    let k = outcomes.len() as f64;
    let g = outcomes.iter().map(|o| o.g).sum::<f64>() / k;
    let lo = outcomes.iter().map(|o| o.g).fold(f64::INFINITY, f64::min);
    let hi = outcomes
        .iter()
        .map(|o| o.g)
        .fold(f64::NEG_INFINITY, f64::max);
    let g_per_epoch = (0..market.epochs)
        .map(|t| outcomes.iter().map(|o| o.g_per_epoch[t]).sum::<f64>() / k)
        .collect();
    TableRow {
        quality: if market.drift > 0.0 {
            format!("drift {}", market.drift)
        } else {
            "static".into()
        },
        share: market.copier_share,
        strategy: market.strategy,
        reveal_delay: market.reveal_delay,
        g,
        g_range: (lo, hi),
        honest_change: outcomes.iter().map(|o| o.honest_change).sum::<f64>() / k,
        g_per_epoch,
    }
}

/// The table as CSV.
pub fn table_csv(rows: &[TableRow]) -> String {
    let mut out = String::from(
        "quality,copier_share,strategy,reveal_delay,g_mean,g_min,g_max,honest_dividend_change\n",
    );
    for r in rows {
        out += &format!(
            "{},{},{},{},{:.4},{:.4},{:.4},{:.4}\n",
            r.quality,
            r.share,
            r.strategy.name(),
            r.reveal_delay,
            r.g,
            r.g_range.0,
            r.g_range.1,
            r.honest_change
        );
    }
    out
}

/// `G` per epoch (a moving mean over `window` epochs) for `rows`, one line each.
pub fn plot(
    rows: &[&TableRow],
    title: &str,
    window: usize,
    path: &std::path::Path,
) -> Result<(), Box<dyn std::error::Error>> {
    use plotters::prelude::*;
    let epochs = rows
        .iter()
        .map(|r| r.g_per_epoch.len())
        .max()
        .unwrap_or(1)
        .max(2);
    let smooth = |v: &[f64]| -> Vec<(usize, f64)> {
        (window.max(1)..=v.len())
            .map(|end| {
                let w = &v[end - window.max(1)..end];
                (end, w.iter().sum::<f64>() / w.len() as f64)
            })
            .collect()
    };
    let lines: Vec<(String, Vec<(usize, f64)>)> = rows
        .iter()
        .map(|r| {
            (
                format!(
                    "{} {}, copier {:.0} %",
                    r.strategy.name(),
                    r.quality,
                    r.share * 100.0
                ),
                smooth(&r.g_per_epoch),
            )
        })
        .collect();
    let (lo, hi) = lines
        .iter()
        .flat_map(|(_, v)| v.iter().map(|p| p.1))
        .fold((0.7f64, 1.1f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let root = SVGBackend::new(path, (960, 600)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 20))
        .margin(16)
        .x_label_area_size(40)
        .y_label_area_size(56)
        .build_cartesian_2d(1usize..epochs, lo - 0.02..hi + 0.02)?;
    chart
        .configure_mesh()
        .x_desc("epoch")
        .y_desc(format!("G (mean of {window} epochs)"))
        .draw()?;
    for (y, label) in [(1.0, "G = 1"), (0.82, "G = 0.82 (1 − take)")] {
        chart
            .draw_series(LineSeries::new(
                [(1, y), (epochs, y)],
                BLACK.mix(0.5).stroke_width(1),
            ))?
            .label(label)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], BLACK.mix(0.5)));
    }
    for (k, (label, points)) in lines.into_iter().enumerate() {
        let color = Palette99::pick(k).to_rgba();
        chart
            .draw_series(LineSeries::new(points, color.stroke_width(2)))?
            .label(label)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
            });
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn market(share: f64, drift: f64, delay: u32) -> Market {
        Market {
            miners: 8,
            honest: 3,
            copier_share: share,
            drift,
            noise: Market::NOISE,
            reveal_delay: delay,
            strategy: Strategy::Weights,
            epochs: 120,
            warmup: 40,
            seed: 7,
        }
    }

    #[test]
    fn a_copier_without_commit_reveal_earns_like_the_honest() {
        let out = run(&market(0.2, 0.0, 0));
        assert!((0.95..1.1).contains(&out.g), "G = {}", out.g);
    }

    #[test]
    fn a_lagged_copier_is_not_priced_out_by_the_epoch() {
        // The finding docs/copier.md reports: commit-reveal delays the copier, and Mindnet's
        // dividends do not charge for the delay (drifting quality, G stays above 0.82).
        let out = run(&market(0.1, 0.05, 1));
        assert!(out.g > 0.95, "G = {}", out.g);
        assert!(out.honest_change.abs() < 0.02, "{}", out.honest_change);
    }

    #[test]
    fn a_validator_that_weights_every_miner_alike_is_paid_like_an_evaluator() {
        let out = run(&Market {
            strategy: Strategy::Uniform,
            ..market(0.1, 0.05, 0)
        });
        assert!(out.g > 1.0, "G = {}", out.g);
    }

    #[test]
    fn the_table_covers_its_seeds_and_writes_one_line_per_row() {
        let row = table_row(&market(0.05, 0.0, 1), 2, 0);
        assert!(row.g_range.0 <= row.g && row.g <= row.g_range.1);
        assert_eq!(row.g_per_epoch.len(), 120);
        let csv = table_csv(&[row]);
        assert_eq!(csv.lines().count(), 2);
        assert!(csv
            .lines()
            .nth(1)
            .unwrap()
            .starts_with("static,0.05,weights,1,"));
    }

    #[test]
    fn the_same_seed_gives_the_same_outcome() {
        assert_eq!(run(&market(0.1, 0.05, 1)), run(&market(0.1, 0.05, 1)));
    }
}
