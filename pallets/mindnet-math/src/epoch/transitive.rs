//! Transitive ranking (MECHANISM.md "Transitive ranking", seed 004's Algorithm 1): the
//! stake that the weight graph absorbs, replacing the direct ranks `r` in steps 4, 7
//! and 13 when a network's `ranking` is `transitive`.
//!
//! Stake enters at the voters (`x⁰ = s`); in each pass every neuron `j` keeps its
//! self-weight's share of what reached it (`N_j += W_jj x_j`) and passes the rest along
//! its off-diagonal weights (`x'_k += W_jk x_j`). The passes stop when less than
//! [`EPSILON`] is still in flight or after `transitive_iterations`; what is still in
//! flight then is dropped.
//!
//! Each pass is one streaming pass over the rows in ascending uid order
//! ([`TransitivePass::add_row`]), so a multi-block epoch runs it as further row passes and
//! gets bit-identical results: every sum is an exact fixed-point addition.

use super::{weighted_entries, NeuronState, Registrations};
use crate::fixed::{add, ratio_u128};
use crate::Fixed;
use alloc::{vec, vec::Vec};

/// A network's ranking mode.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Ranking {
    /// Step 4 as written: `r_j = Σ_i W_ij s_i`.
    #[default]
    Direct,
    /// The stake the weight graph absorbs.
    Transitive,
}

/// The default number of passes (`transitive_iterations`).
pub const DEFAULT_ITERATIONS: u8 = 8;

/// `ε`: the passes stop when less than this much stake (10⁻⁹) is still in flight.
pub const EPSILON: Fixed = Fixed::from_bits(18_446_744_073);

/// `ε` as MECHANISM.md writes it, for tests: `10⁻⁹` rounded down to the fixed point.
pub fn epsilon() -> Fixed {
    ratio_u128(1, 1_000_000_000)
}

/// One pass's sums: what each neuron absorbed so far (`N`), and the stake passed on
/// (`x^{t+1}`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransitivePass {
    /// `N`, accumulated over the passes so far.
    pub absorbed: Vec<Fixed>,
    /// `x^{t+1}`, accumulated over this pass's rows.
    pub next: Vec<Fixed>,
    /// `Σ x^{t+1}` so far: what the pass's rows passed on (each entry added once, so it
    /// equals the sum of `next`).
    pub in_flight: Fixed,
}

impl TransitivePass {
    /// The first pass over `n` neurons, nothing absorbed yet.
    pub fn new(n: usize) -> Self {
        let zero = Fixed::from_num(0);
        Self {
            absorbed: vec![zero; n],
            next: vec![zero; n],
            in_flight: zero,
        }
    }

    /// Adds row `j`: its entries `(k, W_jk x_j)` ([`flow_entries`]).
    pub fn add_row(&mut self, j: usize, entries: impl IntoIterator<Item = (u16, Fixed)>) {
        for (k, y) in entries {
            let k = usize::from(k);
            if k == j {
                if let Some(sum) = self.absorbed.get_mut(j) {
                    *sum = add(*sum, y);
                }
            } else if let Some(sum) = self.next.get_mut(k) {
                *sum = add(*sum, y);
                self.in_flight = add(self.in_flight, y);
            }
        }
    }
}

/// Row `j`'s entries `(k, W_jk x_j)` for a pass: step 3's row with the diagonal always
/// kept (the mask applies to direct ranking only), scaled by the stake `x_j` that reached
/// `j` in this pass (within two units in the last place below the exact product, as
/// [`weighted_entries`]).
pub fn flow_entries<'a>(
    j: usize,
    row: &'a [(u16, u16)],
    last_update_j: u64,
    registrations: &Registrations<'a>,
    x_j: Fixed,
) -> impl Iterator<Item = (u16, Fixed)> + Clone + 'a {
    weighted_entries(j, row, last_update_j, registrations, false, x_j)
}

/// Whether the passes stop once `completed` passes have run, the last of which passed on
/// `in_flight` ([`TransitivePass::in_flight`]): less than [`EPSILON`] in flight, or
/// `iterations` passes run.
pub fn transitive_done(in_flight: Fixed, completed: u8, iterations: u8) -> bool {
    in_flight < EPSILON || completed >= iterations
}

/// The whole transitive ranking in one call: `N` (unnormalised; `R = N / Σ N` is
/// [`ranks`](super::ranks)) from the active stake `s` and the weight rows.
pub fn transitive_absorbed<R: AsRef<[(u16, u16)]>>(
    neurons: &[NeuronState],
    weights: &[R],
    stake: &[Fixed],
    iterations: u8,
) -> Vec<Fixed> {
    let n = neurons.len();
    let registered_at: Vec<u64> = neurons.iter().map(|x| x.registered_at).collect();
    let registrations = Registrations::new(&registered_at);
    let zero = Fixed::from_num(0);
    let mut pass = TransitivePass::new(n);
    let mut x: Vec<Fixed> = (0..n)
        .map(|j| stake.get(j).copied().unwrap_or(zero))
        .collect();
    let mut completed = 0u8;
    while completed < iterations {
        for (j, neuron) in neurons.iter().enumerate() {
            let row = weights.get(j).map(|r| r.as_ref()).unwrap_or(&[]);
            let x_j = x.get(j).copied().unwrap_or(zero);
            pass.add_row(
                j,
                flow_entries(j, row, neuron.last_update, &registrations, x_j),
            );
        }
        completed = completed.saturating_add(1);
        if transitive_done(pass.in_flight, completed, iterations) {
            break;
        }
        x = core::mem::replace(&mut pass.next, vec![zero; n]);
        pass.in_flight = zero;
    }
    pass.absorbed
}
