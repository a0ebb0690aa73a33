//! Unit and property tests of the epoch against a float64 evaluation of MECHANISM.md.
//!
//! The shared helpers are here; the tests are grouped by topic: the whole epoch on small
//! networks (`whole_epoch`), against the f64 reference (`float64`, with `reference`), the
//! emission steps (`emission`), the passes over the rows (`passes`), transitive ranking
//! (`transitive`) and the fixed-point arithmetic (`fixed`).

use crate::{epoch, EpochInput, EpochOutput, EpochParams, Fixed, NeuronState, StoredBondRow};

mod emission;
mod fixed;
mod float64;
mod passes;
mod reference;
mod transitive;
mod whole_epoch;

fn f(x: Fixed) -> f64 {
    x.to_num::<f64>()
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

fn neurons_with(stakes: &[u128]) -> Vec<NeuronState> {
    stakes
        .iter()
        .map(|s| NeuronState {
            stake: *s,
            last_update: 1,
            registered_at: 0,
        })
        .collect()
}

fn run(
    params: &EpochParams,
    neurons: &[NeuronState],
    weights: &[Vec<(u16, u16)>],
    bonds: &[StoredBondRow],
    emission: u64,
) -> EpochOutput {
    epoch(
        params,
        &EpochInput {
            block: 0,
            emission,
            neurons,
            weights,
            bonds,
            bonds_cover_registrations_up_to: 0,
        },
    )
}

const NO_BONDS: &[StoredBondRow] = &[];
