//! The three experiments of seed 000 §3.3 (Figures 4–6) as tables.

use super::{
    chain,
    model::{self, Balance, Descender, ModelConfig, Network},
    stats::{spearman, MeanCi},
};
use serde::Serialize;
use std::fmt::Write as _;

/// One competitive descent on one drawn network at one ratio.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Trial {
    /// Participants.
    pub n: usize,
    /// The network's seed.
    pub seed: u64,
    /// `α/τ`.
    pub ratio: f64,
    /// Spearman ρ of the competitive ranking `R*` (eq. 4) against the idealised `R` (eq. 2).
    pub rho_competitive: f64,
    /// Spearman ρ of the chain's incentive `I` (MECHANISM.md step 7) against `R`.
    pub rho_chain: f64,
    /// `Σ s_i w_ii / Σ s_i w_ij` at the end.
    pub sparsity: f64,
    /// Steps taken.
    pub steps: usize,
    /// Whether the projected gradient fell below `ε` before the step limit.
    pub converged: bool,
    /// The projected gradient's largest entry at the last step.
    pub residual: f64,
}

/// One peer of one trial, for the scatter plots.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Peer {
    /// `α/τ`.
    pub ratio: f64,
    /// The peer's uid.
    pub uid: usize,
    /// `R_j` (eq. 2).
    pub ideal: f64,
    /// `R*_j` (eq. 4).
    pub competitive: f64,
    /// `I_j`, the chain's incentive.
    pub chain: f64,
}

/// Mean ρ over seeds for one `(n, α/τ)`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Summary {
    /// Participants.
    pub n: usize,
    /// `α/τ`.
    pub ratio: f64,
    /// ρ of `R*` against `R`.
    pub competitive: MeanCi,
    /// ρ of the chain's incentive against `R`.
    pub chain: MeanCi,
    /// Sparsity at the end.
    pub sparsity: MeanCi,
    /// Trials that converged (of `competitive.count`).
    pub converged: usize,
}

/// What a set of trials found.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TrialsReport {
    /// Every trial, by `n`, then seed, then ratio.
    pub trials: Vec<Trial>,
    /// One row per `(n, α/τ)`, in the order asked.
    pub summary: Vec<Summary>,
    /// Every peer of the first seed's network at the first `n`, per ratio.
    pub peers: Vec<Peer>,
}

/// What to run: every ratio on every seed's network at every size.
#[derive(Clone, Debug, PartialEq)]
pub struct TrialsSettings {
    /// Network sizes.
    pub ns: Vec<usize>,
    /// Ratios `α/τ`.
    pub ratios: Vec<f64>,
    /// Seeds `first_seed .. first_seed + seeds`.
    pub seeds: u64,
    /// The first seed.
    pub first_seed: u64,
    /// The model.
    pub model: ModelConfig,
    /// Threads to run seeds on (results do not depend on it).
    pub jobs: usize,
}

/// Runs one network at every ratio; returns its trials and, per ratio, its peers.
pub fn run_network(
    n: usize,
    seed: u64,
    ratios: &[f64],
    config: &ModelConfig,
) -> (Vec<Trial>, Vec<Peer>) {
    let net = Network::draw(n, seed, config);
    let ideal = net.ideal_ranking();
    let mut trials = Vec::with_capacity(ratios.len());
    let mut peers = Vec::new();
    for &ratio in ratios {
        let out = model::descend(&net, Balance::ratio(ratio), config);
        let competitive = model::competitive_ranking(&out.weights);
        let incentive = chain::incentive(&net.stake, &out.weights);
        trials.push(Trial {
            n,
            seed,
            ratio,
            rho_competitive: spearman(&competitive, &ideal),
            rho_chain: spearman(&incentive, &ideal),
            sparsity: model::sparsity(&net.stake, &out.weights),
            steps: out.steps,
            converged: out.converged,
            residual: out.residual,
        });
        for uid in 0..n {
            peers.push(Peer {
                ratio,
                uid,
                ideal: ideal[uid],
                competitive: competitive[uid],
                chain: incentive[uid],
            });
        }
    }
    (trials, peers)
}

/// Runs every `(n, seed)` network at every ratio, `jobs` seeds at a time, calling
/// `progress` (from the calling thread) after each network.
pub fn run_trials(settings: &TrialsSettings, progress: &mut dyn FnMut(&[Trial])) -> TrialsReport {
    let mut trials = Vec::new();
    let mut peers = Vec::new();
    let jobs = settings.jobs.max(1);
    for (k, &n) in settings.ns.iter().enumerate() {
        let seeds: Vec<u64> = (0..settings.seeds)
            .map(|s| settings.first_seed.wrapping_add(s))
            .collect();
        for batch in seeds.chunks(jobs) {
            let results: Vec<(Vec<Trial>, Vec<Peer>)> = std::thread::scope(|scope| {
                let handles: Vec<_> = batch
                    .iter()
                    .map(|&seed| {
                        scope.spawn(move || run_network(n, seed, &settings.ratios, &settings.model))
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                    .collect()
            });
            for (seed, (t, p)) in batch.iter().zip(results) {
                progress(&t);
                trials.extend(t);
                if k == 0 && *seed == settings.first_seed {
                    peers = p;
                }
            }
        }
    }
    let mut summary = Vec::new();
    for &n in &settings.ns {
        for &ratio in &settings.ratios {
            let of = |f: fn(&Trial) -> f64| -> MeanCi {
                let v: Vec<f64> = trials
                    .iter()
                    .filter(|t| t.n == n && t.ratio == ratio)
                    .map(f)
                    .collect();
                MeanCi::of(&v)
            };
            summary.push(Summary {
                n,
                ratio,
                competitive: of(|t| t.rho_competitive),
                chain: of(|t| t.rho_chain),
                sparsity: of(|t| t.sparsity),
                converged: trials
                    .iter()
                    .filter(|t| t.n == n && t.ratio == ratio && t.converged)
                    .count(),
            });
        }
    }
    TrialsReport {
        trials,
        summary,
        peers,
    }
}

impl TrialsReport {
    /// The per-trial table as CSV.
    pub fn trials_csv(&self) -> String {
        let mut out = String::from(
            "n,seed,ratio,rho_competitive,rho_chain,sparsity,steps,converged,residual\n",
        );
        for t in &self.trials {
            let _ = writeln!(
                out,
                "{},{},{},{:.6},{:.6},{:.6},{},{},{:.3e}",
                t.n,
                t.seed,
                t.ratio,
                t.rho_competitive,
                t.rho_chain,
                t.sparsity,
                t.steps,
                t.converged,
                t.residual
            );
        }
        out
    }

    /// The summary (mean ρ and 95 % interval per `(n, α/τ)`) as CSV.
    pub fn summary_csv(&self) -> String {
        let mut out = String::from(
            "n,ratio,seeds,rho_competitive,ci95_competitive,rho_chain,ci95_chain,sparsity,converged\n",
        );
        for s in &self.summary {
            let _ = writeln!(
                out,
                "{},{},{},{:.4},{:.4},{:.4},{:.4},{:.4},{}",
                s.n,
                s.ratio,
                s.competitive.count,
                s.competitive.mean,
                s.competitive.ci95,
                s.chain.mean,
                s.chain.ci95,
                s.sparsity.mean,
                s.converged
            );
        }
        out
    }

    /// The first network's peers as CSV.
    pub fn peers_csv(&self) -> String {
        let mut out = String::from("ratio,uid,ideal,competitive,chain\n");
        for p in &self.peers {
            let _ = writeln!(
                out,
                "{},{},{:.9e},{:.9e},{:.9e}",
                p.ratio, p.uid, p.ideal, p.competitive, p.chain
            );
        }
        out
    }
}

/// Seed 000's adaptive τ (Figure 5): inflation starts at zero and a controller moves it
/// to hold the sparsity at a target.
#[derive(Clone, Debug, PartialEq)]
pub struct AdaptiveSettings {
    /// Participants.
    pub n: usize,
    /// The sparsities to hold, one run per target and seed.
    pub targets: Vec<f64>,
    /// Seeds `first_seed .. first_seed + seeds`.
    pub seeds: u64,
    /// The first seed: its runs are recorded step by step for the figure.
    pub first_seed: u64,
    /// `γ`, the controller's integral gain (see [`adaptive_run`]).
    pub gain: f64,
    /// `κ`, the controller's proportional gain (see [`adaptive_run`]).
    pub proportional: f64,
    /// `α`, the price of a unit of loss (Figure 5 uses 1).
    pub alpha: f64,
    /// Steps per run (all of them: the controller keeps working after convergence).
    pub steps: usize,
    /// Record a point of the first seed's runs every this many steps.
    pub every: usize,
    /// The model.
    pub model: ModelConfig,
    /// Threads to run seeds on (results do not depend on it).
    pub jobs: usize,
}

impl AdaptiveSettings {
    /// Default sparsity target (see the docs for why).
    pub const TARGET: f64 = 0.25;
    /// Default integral gain `γ`.
    pub const GAIN: f64 = 3e-4;
    /// Default proportional gain `κ`.
    pub const PROPORTIONAL: f64 = 2.0;
    /// Default `α`.
    pub const ALPHA: f64 = 1.0;
    /// Default steps per participant (the controller settles more slowly than a descent at
    /// fixed τ, so twice seed 000's `1000 × n`).
    pub const STEPS_PER_PEER: usize = 2000;
}

/// One recorded step of an adaptive run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AdaptivePoint {
    /// The sparsity target.
    pub target: f64,
    /// The network's seed.
    pub seed: u64,
    /// The step.
    pub step: usize,
    /// `τ` during the step.
    pub tau: f64,
    /// Sparsity after the step.
    pub sparsity: f64,
    /// ρ of `R*` against `R` after the step.
    pub rho_competitive: f64,
    /// ρ of the chain's incentive against `R` after the step.
    pub rho_chain: f64,
}

/// Where the adaptive runs ended, per target.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AdaptiveSummary {
    /// The sparsity target.
    pub target: f64,
    /// The final sparsity.
    pub sparsity: MeanCi,
    /// The final `τ`.
    pub tau: MeanCi,
    /// The final ρ of `R*` against `R`.
    pub competitive: MeanCi,
    /// The final ρ of the chain's incentive against `R`.
    pub chain: MeanCi,
}

/// What the adaptive runs found.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AdaptiveReport {
    /// The first seed's runs, a point every `every` steps, target after target.
    pub trajectory: Vec<AdaptivePoint>,
    /// The last point of every run, by seed, then target.
    pub finals: Vec<AdaptivePoint>,
    /// One row per target.
    pub summary: Vec<AdaptiveSummary>,
}

/// One adaptive run on `net`: τ starts at 0 and after every step moves by a PI controller
/// in velocity form on the error `e = target − sparsity`:
/// `τ ← max(0, τ + γ e_t + κ (e_t − e_{t−1}))`. The integral term raises inflation while the
/// network is less sparse than the target; the proportional term (a change in `e`) damps
/// the loop, which otherwise swings around the target for tens of thousands of steps
/// because the weights answer a change in τ only slowly. Records a point every `every`
/// steps (`None`: only the last).
pub fn adaptive_run(
    net: &Network,
    seed: u64,
    target: f64,
    settings: &AdaptiveSettings,
    every: Option<usize>,
) -> Vec<AdaptivePoint> {
    let ideal = net.ideal_ranking();
    let mut descender = Descender::new(net.initial.clone());
    let mut tau: f64 = 0.0;
    let record = |step: usize, tau: f64, w: &model::Matrix| AdaptivePoint {
        target,
        seed,
        step,
        tau,
        sparsity: model::sparsity(&net.stake, w),
        rho_competitive: spearman(&model::competitive_ranking(w), &ideal),
        rho_chain: spearman(&chain::incentive(&net.stake, w), &ideal),
    };
    let mut points = Vec::new();
    if every.is_some() {
        points.push(record(0, tau, &descender.weights));
    }
    let mut error = target - model::sparsity(&net.stake, &descender.weights);
    for step in 1..=settings.steps {
        let balance = Balance {
            loss: settings.alpha,
            rank: tau,
        };
        descender.step(net, balance, settings.model.learning_rate);
        let last = step == settings.steps;
        if last || every.is_some_and(|k| step % k.max(1) == 0) {
            points.push(record(step, tau, &descender.weights));
        }
        let next = target - model::sparsity(&net.stake, &descender.weights);
        tau = (tau + settings.gain * next + settings.proportional * (next - error)).max(0.0);
        error = next;
    }
    points
}

/// Runs every target on every seed's network, `jobs` seeds at a time, calling `progress`
/// after each network.
pub fn adaptive(settings: &AdaptiveSettings, progress: &mut dyn FnMut(u64)) -> AdaptiveReport {
    let seeds: Vec<u64> = (0..settings.seeds)
        .map(|s| settings.first_seed.wrapping_add(s))
        .collect();
    let mut trajectory = Vec::new();
    let mut finals = Vec::new();
    for batch in seeds.chunks(settings.jobs.max(1)) {
        let results: Vec<Vec<Vec<AdaptivePoint>>> = std::thread::scope(|scope| {
            let handles: Vec<_> = batch
                .iter()
                .map(|&seed| {
                    scope.spawn(move || {
                        let net = Network::draw(settings.n, seed, &settings.model);
                        let every = (seed == settings.first_seed).then_some(settings.every);
                        settings
                            .targets
                            .iter()
                            .map(|&target| adaptive_run(&net, seed, target, settings, every))
                            .collect()
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect()
        });
        for (&seed, runs) in batch.iter().zip(results) {
            for run in runs {
                if let Some(last) = run.last() {
                    finals.push(last.clone());
                }
                if seed == settings.first_seed {
                    trajectory.extend(run);
                }
            }
            progress(seed);
        }
    }
    let summary = settings
        .targets
        .iter()
        .map(|&target| {
            let of = |f: fn(&AdaptivePoint) -> f64| -> MeanCi {
                let v: Vec<f64> = finals
                    .iter()
                    .filter(|p| p.target == target)
                    .map(f)
                    .collect();
                MeanCi::of(&v)
            };
            AdaptiveSummary {
                target,
                sparsity: of(|p| p.sparsity),
                tau: of(|p| p.tau),
                competitive: of(|p| p.rho_competitive),
                chain: of(|p| p.rho_chain),
            }
        })
        .collect();
    AdaptiveReport {
        trajectory,
        finals,
        summary,
    }
}

fn points_csv(points: &[AdaptivePoint]) -> String {
    let mut out = String::from("target,seed,step,tau,sparsity,rho_competitive,rho_chain\n");
    for p in points {
        let _ = writeln!(
            out,
            "{},{},{},{:.6},{:.6},{:.6},{:.6}",
            p.target, p.seed, p.step, p.tau, p.sparsity, p.rho_competitive, p.rho_chain
        );
    }
    out
}

impl AdaptiveReport {
    /// The first seed's runs step by step, as CSV.
    pub fn trajectory_csv(&self) -> String {
        points_csv(&self.trajectory)
    }

    /// The last point of every run, as CSV.
    pub fn finals_csv(&self) -> String {
        points_csv(&self.finals)
    }

    /// Mean and 95 % interval of the final values per target, as CSV.
    pub fn summary_csv(&self) -> String {
        let mut out = String::from(
            "target,seeds,sparsity,ci95_sparsity,tau,ci95_tau,rho_competitive,ci95_competitive,rho_chain,ci95_chain\n",
        );
        for s in &self.summary {
            let _ = writeln!(
                out,
                "{},{},{:.4},{:.4},{:.4},{:.4},{:.4},{:.4},{:.4},{:.4}",
                s.target,
                s.sparsity.count,
                s.sparsity.mean,
                s.sparsity.ci95,
                s.tau.mean,
                s.tau.ci95,
                s.competitive.mean,
                s.competitive.ci95,
                s.chain.mean,
                s.chain.ci95
            );
        }
        out
    }
}
