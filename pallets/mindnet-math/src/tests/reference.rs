//! MECHANISM.md steps 1–11 and 13 in plain f64, dense, written from the text: what the
//! fixed-point epoch is checked against.

use super::f;
use crate::{EpochParams, NeuronState};

/// What [`reference`] computes.
pub(super) struct Reference {
    pub(super) rank: Vec<f64>,
    pub(super) trust: Vec<f64>,
    pub(super) consensus: Vec<f64>,
    pub(super) incentive: Vec<f64>,
    pub(super) dividends: Vec<f64>,
    pub(super) shares: Vec<f64>,
    pub(super) loss: f64,
    pub(super) bonds: Vec<Vec<f64>>,
}

/// MECHANISM.md steps 1–11 and 13 in plain f64, dense, written from the text; `bonds` are
/// the previous epoch's (dense rows, or none).
pub(super) fn reference(
    params: &EpochParams,
    block: u64,
    neurons: &[NeuronState],
    weights: &[Vec<(u16, u16)>],
    bonds: &[Vec<f64>],
) -> Reference {
    let n = neurons.len();
    let (rho, kappa, alpha, delta) = (
        f(params.rho),
        f(params.kappa),
        f(params.alpha),
        f(params.delta),
    );
    let s = active_stake(params, block, neurons);
    let w = weight_matrix(params, neurons, weights);
    let r: Vec<f64> = (0..n)
        .map(|j| (0..n).map(|i| w[i][j] * s[i]).sum())
        .collect();
    let rank = match params.ranking {
        crate::epoch::Ranking::Direct => normalized(&r),
        crate::epoch::Ranking::Transitive => normalized(&absorbed(
            &weight_matrix(
                &EpochParams {
                    mask_self_weight: false,
                    ..*params
                },
                neurons,
                weights,
            ),
            &s,
            params.transitive_iterations,
        )),
    };
    let trust: Vec<f64> = (0..n)
        .map(|j| (0..n).filter(|i| w[*i][j] > 0.0).map(|i| s[i]).sum())
        .collect();
    let consensus: Vec<f64> = trust
        .iter()
        .map(|t| 1.0 / (1.0 + (-(rho * (t - kappa))).exp()))
        .collect();
    let rc: Vec<f64> = rank.iter().zip(&consensus).map(|(a, b)| a * b).collect();
    let incentive = normalized(&rc);
    let b = new_bonds(alpha, &w, &s, &r, bonds);
    let d: Vec<f64> = (0..n)
        .map(|i| (0..n).map(|j| b[i][j] * incentive[j]).sum())
        .collect();
    let dividends = normalized(&d);
    let shares = incentive
        .iter()
        .zip(&dividends)
        .map(|(i, d)| (1.0 - delta) * i + delta * d)
        .collect();
    let loss = -rank
        .iter()
        .zip(&consensus)
        .map(|(r, c)| r * (c - 0.5))
        .sum::<f64>();
    Reference {
        rank,
        trust,
        consensus,
        incentive,
        dividends,
        shares,
        loss,
        bonds: b,
    }
}

/// The transitive ranking's `N` (MECHANISM.md "Transitive ranking"), dense: stake enters
/// at the voters, each keeps its self-weight's share and passes the rest on, until less
/// than 10⁻⁹ is in flight or after `iterations` passes.
fn absorbed(w: &[Vec<f64>], s: &[f64], iterations: u8) -> Vec<f64> {
    let n = s.len();
    let mut x = s.to_vec();
    let mut kept = vec![0.0; n];
    for _ in 0..iterations {
        let mut next = vec![0.0; n];
        for j in 0..n {
            kept[j] += w[j][j] * x[j];
            for k in (0..n).filter(|k| *k != j) {
                next[k] += x[j] * w[j][k];
            }
        }
        if next.iter().sum::<f64>() < 1e-9 {
            break;
        }
        x = next;
    }
    kept
}

/// `v / Σ v`, or all zero when the sum is not positive.
fn normalized(v: &[f64]) -> Vec<f64> {
    let sum: f64 = v.iter().sum();
    v.iter()
        .map(|x| if sum > 0.0 { x / sum } else { 0.0 })
        .collect()
}

/// Steps 1 and 2: `s_i = a_i S_i / Σ_k a_k S_k`.
fn active_stake(params: &EpochParams, block: u64, neurons: &[NeuronState]) -> Vec<f64> {
    let active: Vec<f64> = neurons
        .iter()
        .map(|x| {
            if block.saturating_sub(x.last_update) <= params.activity_cutoff {
                1.0
            } else {
                0.0
            }
        })
        .collect();
    let total: f64 = neurons
        .iter()
        .zip(&active)
        .map(|(x, a)| a * x.stake as f64)
        .sum();
    neurons
        .iter()
        .zip(&active)
        .map(|(x, a)| {
            if total > 0.0 {
                a * x.stake as f64 / total
            } else {
                0.0
            }
        })
        .collect()
}

/// Step 3: the dense `W`, each row normalised as submitted, the votes that do not count
/// dropped.
fn weight_matrix(
    params: &EpochParams,
    neurons: &[NeuronState],
    weights: &[Vec<(u16, u16)>],
) -> Vec<Vec<f64>> {
    let n = neurons.len();
    let mut w = vec![vec![0.0; n]; n];
    for i in 0..n {
        let row = &weights[i];
        let sum: f64 = row.iter().map(|(_, v)| *v as f64).sum();
        for (j, v) in row {
            let j = *j as usize;
            if j >= n || sum == 0.0 || neurons[j].registered_at >= neurons[i].last_update {
                continue;
            }
            if params.mask_self_weight && i == j {
                continue;
            }
            w[i][j] += *v as f64 / sum;
        }
    }
    w
}

/// Steps 8 and 9: `ΔB = W s / r` mixed with the previous bonds where a column had any,
/// then each column normalised.
fn new_bonds(
    alpha: f64,
    w: &[Vec<f64>],
    s: &[f64],
    r: &[f64],
    bonds: &[Vec<f64>],
) -> Vec<Vec<f64>> {
    let n = w.len();
    let mut b = vec![vec![0.0; n]; n];
    for j in 0..n {
        let old: f64 = (0..n).map(|i| bonds.get(i).map_or(0.0, |row| row[j])).sum();
        for i in 0..n {
            let d = if r[j] > 0.0 {
                w[i][j] * s[i] / r[j]
            } else {
                0.0
            };
            let prev = bonds.get(i).map_or(0.0, |row| row[j]);
            b[i][j] = if old > 0.0 {
                (1.0 - alpha) * prev + alpha * d
            } else {
                d
            };
        }
        let col: f64 = (0..n).map(|i| b[i][j]).sum();
        for row in b.iter_mut() {
            if col > 0.0 {
                row[j] /= col;
            }
        }
    }
    b
}
