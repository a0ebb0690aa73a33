//! # mindnet-sim
//!
//! Runs the chain's epoch ([`mindnet_math::epoch()`], the very function the pallet calls) on
//! a scenario file, for as many epochs as asked, and reports every epoch's vectors.
//!
//! ## Scenario format
//!
//! ```json
//! {"params": {"rho": 10, "kappa": 0.5, "alpha": 0.1, "delta": 0.5, "activity_cutoff": 5000,
//!             "mask_self_weight": false, "emission": 100000000000, "tempo": 100},
//!  "block": 0,
//!  "neurons": [{"stake": 1000, "last_update": 1, "registered_at": 0,
//!               "weights": [[1, 65535], [2, 100]], "group": "honest"}]}
//! ```
//!
//! Two optional params choose the ranking (MECHANISM.md "Transitive ranking"):
//! `"ranking": "direct"` (the default) or `"transitive"`, and `"transitive_iterations"`
//! (passes, default 8).
//!
//! `emission` is the epoch's `E` in base units; `weights` are `[uid, u16 value]` pairs;
//! `group` is optional (it labels the plot). Between epochs the simulator credits each
//! neuron's emission to its stake, carries the bonds forward, advances `block` by
//! `tempo` and treats every neuron's weights as re-submitted at the new block.
//!
//! The scenario runner is a host tool: floating point appears only to read decimals from the
//! scenario and to print fractions; every epoch is computed in the chain's fixed point.
//!
//! ## Seed 000's experiments
//!
//! [`seed`] reproduces the competitive-descent experiments of seed 000 (Figures 4–6) in
//! `f64`, and ranks their outcome with the chain's epoch as well; the binary runs them as
//! the subcommands `descent`, `scaling` and `adaptive`.

pub mod copier;
pub mod seed;

use mindnet_math::{
    epoch, epoch::Ranking, EpochInput, EpochParams, Fixed, NeuronState, StoredBondRow,
};
use serde::Serialize;
use serde_json::Value;
use std::fmt;

/// A scenario, validated.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// The epoch parameters.
    pub params: EpochParams,
    /// `E`, base units minted per epoch.
    pub emission: u64,
    /// Blocks between epochs.
    pub tempo: u64,
    /// The block of the first epoch.
    pub block: u64,
    /// Neuron `i` at index `i`.
    pub neurons: Vec<NeuronState>,
    /// Weight row `i`.
    pub weights: Vec<Vec<(u16, u16)>>,
    /// Optional group label per neuron.
    pub groups: Vec<Option<String>>,
}

/// A scenario that cannot be run, with the path of the offending field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError {
    /// Where: `params.kappa`, `neurons[3].weights[1][0]`, …
    pub field: String,
    /// What is wrong and what is expected.
    pub problem: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.problem)
    }
}

impl std::error::Error for ScenarioError {}

fn err(field: impl Into<String>, problem: impl Into<String>) -> ScenarioError {
    ScenarioError {
        field: field.into(),
        problem: problem.into(),
    }
}

fn field<'a>(obj: &'a Value, key: &str, path: &str) -> Result<&'a Value, ScenarioError> {
    obj.get(key).ok_or_else(|| err(path, "missing (required)"))
}

fn uint(v: &Value, path: &str) -> Result<u64, ScenarioError> {
    v.as_u64()
        .ok_or_else(|| err(path, format!("expected a non-negative integer, got {v}")))
}

fn decimal(v: &Value, path: &str, lo: f64, hi: f64) -> Result<f64, ScenarioError> {
    let x = v
        .as_f64()
        .ok_or_else(|| err(path, format!("expected a number, got {v}")))?;
    if !(lo..=hi).contains(&x) {
        return Err(err(
            path,
            format!("expected a number in [{lo}, {hi}], got {x}"),
        ));
    }
    Ok(x)
}

impl Scenario {
    /// Parses and validates a scenario from JSON text.
    pub fn from_json(text: &str) -> Result<Self, ScenarioError> {
        let root: Value = serde_json::from_str(text)
            .map_err(|e| err("(file)", format!("not valid JSON: {e}")))?;
        let params = field(&root, "params", "params")?;
        let p = |k: &str| field(params, k, &format!("params.{k}"));
        let fixed = |x: f64| Fixed::from_num(x);
        let epoch_params = EpochParams {
            rho: fixed(decimal(p("rho")?, "params.rho", 0.0, 1e6)?),
            kappa: fixed(decimal(p("kappa")?, "params.kappa", 0.0, 1.0)?),
            alpha: fixed(decimal(p("alpha")?, "params.alpha", 0.0, 1.0)?),
            delta: fixed(decimal(p("delta")?, "params.delta", 0.0, 1.0)?),
            activity_cutoff: uint(p("activity_cutoff")?, "params.activity_cutoff")?,
            mask_self_weight: p("mask_self_weight")?
                .as_bool()
                .ok_or_else(|| err("params.mask_self_weight", "expected true or false"))?,
            ranking: match params.get("ranking") {
                None => Ranking::Direct,
                Some(v) => match v.as_str() {
                    Some("direct") => Ranking::Direct,
                    Some("transitive") => Ranking::Transitive,
                    _ => {
                        return Err(err(
                            "params.ranking",
                            format!("expected \"direct\" or \"transitive\", got {v}"),
                        ))
                    }
                },
            },
            transitive_iterations: match params.get("transitive_iterations") {
                None => mindnet_math::epoch::DEFAULT_ITERATIONS,
                Some(v) => {
                    let k = uint(v, "params.transitive_iterations")?;
                    u8::try_from(k).ok().filter(|k| *k >= 1).ok_or_else(|| {
                        err(
                            "params.transitive_iterations",
                            format!("expected 1 to 255 passes, got {k}"),
                        )
                    })?
                }
            },
        };
        let emission = uint(p("emission")?, "params.emission")?;
        let tempo = uint(p("tempo")?, "params.tempo")?;
        if tempo == 0 {
            return Err(err("params.tempo", "must be at least 1"));
        }
        let block = uint(field(&root, "block", "block")?, "block")?;
        let list = field(&root, "neurons", "neurons")?
            .as_array()
            .ok_or_else(|| err("neurons", "expected an array of neurons"))?;
        if list.is_empty() || list.len() > usize::from(u16::MAX) {
            return Err(err(
                "neurons",
                format!("expected 1 to 65535 neurons, got {}", list.len()),
            ));
        }
        let n = list.len();
        let mut neurons = Vec::with_capacity(n);
        let mut weights = Vec::with_capacity(n);
        let mut groups = Vec::with_capacity(n);
        for (i, x) in list.iter().enumerate() {
            let at = |k: &str| format!("neurons[{i}].{k}");
            let stake = uint(field(x, "stake", &at("stake"))?, &at("stake"))?;
            let last_update = uint(
                field(x, "last_update", &at("last_update"))?,
                &at("last_update"),
            )?;
            let registered_at = uint(
                field(x, "registered_at", &at("registered_at"))?,
                &at("registered_at"),
            )?;
            let pairs = field(x, "weights", &at("weights"))?
                .as_array()
                .ok_or_else(|| err(at("weights"), "expected an array of [uid, value] pairs"))?;
            let mut row = Vec::with_capacity(pairs.len());
            for (k, pair) in pairs.iter().enumerate() {
                let here = format!("neurons[{i}].weights[{k}]");
                let pair = pair
                    .as_array()
                    .filter(|a| a.len() == 2)
                    .ok_or_else(|| err(&here, format!("expected [uid, value], got {pair}")))?;
                let uid = uint(&pair[0], &format!("{here}[0]"))?;
                if uid >= n as u64 {
                    return Err(err(
                        format!("{here}[0]"),
                        format!(
                            "uid {uid} out of range: there are {n} neurons (uids 0..{})",
                            n - 1
                        ),
                    ));
                }
                let value = uint(&pair[1], &format!("{here}[1]"))?;
                let value = u16::try_from(value).map_err(|_| {
                    err(
                        format!("{here}[1]"),
                        format!("weight {value} does not fit u16 (0..=65535)"),
                    )
                })?;
                if row.iter().any(|(j, _)| u64::from(*j) == uid) {
                    return Err(err(
                        format!("{here}[0]"),
                        format!("uid {uid} appears twice in the row"),
                    ));
                }
                row.push((uid as u16, value));
            }
            row.sort_unstable_by_key(|(j, _)| *j);
            let group = match x.get("group") {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => Some(s.clone()),
                Some(other) => {
                    return Err(err(at("group"), format!("expected a string, got {other}")))
                }
            };
            neurons.push(NeuronState {
                stake: u128::from(stake),
                last_update,
                registered_at,
            });
            weights.push(row);
            groups.push(group);
        }
        Ok(Scenario {
            params: epoch_params,
            emission,
            tempo,
            block,
            neurons,
            weights,
            groups,
        })
    }
}

/// One epoch's results, as printed.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct EpochReport {
    /// `R`.
    pub rank: Vec<f64>,
    /// `T`.
    pub trust: Vec<f64>,
    /// `C`.
    pub consensus: Vec<f64>,
    /// `I`.
    pub incentive: Vec<f64>,
    /// `D`.
    pub dividends: Vec<f64>,
    /// Base units minted to each neuron.
    pub emission: Vec<u64>,
    /// Stake after this epoch's emission is credited.
    pub stake: Vec<u128>,
    /// `L`.
    pub loss: f64,
}

/// The simulator's whole output.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Report {
    /// One entry per epoch.
    pub epochs: Vec<EpochReport>,
}

fn decimals(v: &[Fixed]) -> Vec<f64> {
    v.iter().map(|x| x.to_num::<f64>()).collect()
}

/// Runs `epochs` epochs of `scenario`.
pub fn run(scenario: &Scenario, epochs: usize) -> Report {
    let mut neurons = scenario.neurons.clone();
    let mut bonds: Vec<StoredBondRow> = vec![Vec::new(); neurons.len()];
    let mut block = scenario.block;
    let mut bonds_cover = block;
    let mut out = Vec::with_capacity(epochs);
    for _ in 0..epochs {
        let result = epoch(
            &scenario.params,
            &EpochInput {
                block,
                emission: scenario.emission,
                neurons: &neurons,
                weights: &scenario.weights,
                bonds: &bonds,
                bonds_cover_registrations_up_to: bonds_cover,
            },
        );
        for (n, e) in neurons.iter_mut().zip(&result.emission) {
            n.stake = n.stake.saturating_add(u128::from(*e));
        }
        out.push(EpochReport {
            rank: decimals(&result.rank),
            trust: decimals(&result.trust),
            consensus: decimals(&result.consensus),
            incentive: decimals(&result.incentive),
            dividends: decimals(&result.dividends),
            emission: result.emission.clone(),
            stake: neurons.iter().map(|n| n.stake).collect(),
            loss: result.loss.to_num::<f64>(),
        });
        bonds = result.bonds;
        bonds_cover = block;
        block = block.saturating_add(scenario.tempo);
        for n in neurons.iter_mut() {
            n.last_update = block;
        }
    }
    Report { epochs: out }
}

/// Share of total stake per series (a group label, or `uid N`) after each epoch.
pub fn stake_shares(scenario: &Scenario, report: &Report) -> Vec<(String, Vec<f64>)> {
    let mut labels: Vec<String> = Vec::new();
    let label_of: Vec<usize> = scenario
        .groups
        .iter()
        .enumerate()
        .map(|(uid, g)| {
            let name = g.clone().unwrap_or_else(|| format!("uid {uid}"));
            match labels.iter().position(|l| *l == name) {
                Some(k) => k,
                None => {
                    labels.push(name);
                    labels.len() - 1
                }
            }
        })
        .collect();
    let mut series: Vec<(String, Vec<f64>)> = labels.into_iter().map(|l| (l, Vec::new())).collect();
    for epoch in &report.epochs {
        let total: f64 = epoch.stake.iter().map(|s| *s as f64).sum();
        let mut sums = vec![0.0; series.len()];
        for (uid, s) in epoch.stake.iter().enumerate() {
            sums[label_of[uid]] += *s as f64;
        }
        for (k, (_, values)) in series.iter_mut().enumerate() {
            values.push(if total > 0.0 { sums[k] / total } else { 0.0 });
        }
    }
    series
}

/// Draws [`stake_shares`] over epochs as an SVG line chart.
pub fn plot(
    scenario: &Scenario,
    report: &Report,
    path: &std::path::Path,
) -> Result<(), Box<dyn std::error::Error>> {
    use plotters::prelude::*;
    let series = stake_shares(scenario, report);
    let epochs = report.epochs.len().max(1);
    let root = SVGBackend::new(path, (900, 560)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption("Share of total stake per epoch", ("sans-serif", 22))
        .margin(16)
        .x_label_area_size(40)
        .y_label_area_size(56)
        .build_cartesian_2d(1usize..epochs, 0f64..1f64)?;
    chart
        .configure_mesh()
        .x_desc("epoch")
        .y_desc("stake share")
        .draw()?;
    for (k, (label, values)) in series.iter().enumerate() {
        let color = Palette99::pick(k).to_rgba();
        chart
            .draw_series(LineSeries::new(
                values.iter().enumerate().map(|(e, v)| (e + 1, *v)),
                color.stroke_width(2),
            ))?
            .label(label.clone())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
            });
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}
