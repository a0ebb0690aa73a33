//! The chain's own ranking of a converged network: the weights as the chain stores them,
//! through [`mindnet_math::epoch()`], the very function the pallet runs.

use super::model::Matrix;
use mindnet_math::{epoch, EpochInput, EpochParams, NeuronState, StoredBondRow};

/// Stake in base units per unit of model stake (`s_i = 1` → 1 MIND).
const BASE_UNITS: f64 = 1e9;

/// The block the epoch runs at; every neuron set its weights at block 1 and registered at 0.
const BLOCK: u64 = 1;

/// A row of `W` as `set_weights` sends it (the `mindnet` CLI's `to_chain_row`): the largest
/// entry scaled to 65535, every entry rounded to nearest, zeros left out.
pub fn quantise_row(row: &[f64]) -> Vec<(u16, u16)> {
    let max = row.iter().copied().fold(0.0_f64, f64::max);
    if max <= 0.0 {
        return Vec::new();
    }
    row.iter()
        .enumerate()
        .filter_map(|(j, w)| {
            let uid = u16::try_from(j).ok()?;
            let value = ((w / max) * 65535.0).round().clamp(0.0, 65535.0) as u16;
            (value > 0).then_some((uid, value))
        })
        .collect()
}

/// The incentive `I` (MECHANISM.md step 7: rank times sigmoid consensus, normalised) of
/// one epoch with default parameters, stake `stake` and weights `w` quantised by
/// [`quantise_row`]. Every neuron is active and no bonds exist yet (incentive does not
/// depend on bonds).
pub fn incentive(stake: &[f64], w: &Matrix) -> Vec<f64> {
    let neurons: Vec<NeuronState> = stake
        .iter()
        .map(|s| NeuronState {
            stake: (s * BASE_UNITS).round().max(0.0) as u128,
            last_update: BLOCK,
            registered_at: 0,
        })
        .collect();
    let weights: Vec<Vec<(u16, u16)>> = (0..w.size()).map(|i| quantise_row(w.row(i))).collect();
    let out = epoch(
        &EpochParams::default(),
        &EpochInput {
            block: BLOCK,
            emission: 1_000_000_000,
            neurons: &neurons,
            weights: &weights,
            bonds: &[] as &[StoredBondRow],
            bonds_cover_registrations_up_to: 0,
        },
    );
    out.incentive.iter().map(|x| x.to_num::<f64>()).collect()
}
