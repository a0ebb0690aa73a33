//! # Mindnet math
//!
//! The epoch of `MECHANISM.md` in pure, deterministic fixed point: no storage, no
//! `Config`, no floating point. The pallet reads storage into [`EpochInput`], calls
//! [`epoch`], and writes [`EpochOutput`] back; the simulator and the benchmarks call the
//! same function, so all three compute bit-identical results.
//!
//! ## Overview
//!
//! [`epoch`] runs steps 1–13 in order, composed of the public row-level steps in
//! [`epoch`](mod@epoch). A multi-block evaluation (the pallet's) calls the same steps,
//! row by row in ascending uid order, and so computes bit-identical results:
//!
//! | step | function | computes |
//! | --- | --- | --- |
//! | 1 | [`epoch::active_mask`] | `a_i` |
//! | 2 | [`epoch::active_stake`] | `s_i = a_i S_i / Σ a_k S_k` |
//! | 3 | [`epoch::weighted_entries`] | `x_ij = W_ij s_i` (one multiply per entry, [`epoch::RowScale`]) |
//! | 4, 5, 9, 14 | [`epoch::FirstPass`] (pass 1 over rows) | `r_j`, `T_j`, old bond column sums, self-weight sums |
//! | 6 | [`epoch::consensus`] | `C_j = σ(ρ (T_j − κ))` |
//! | 4, 7, 13 | [`rank_incentive_loss`] | `R`, `I`, `L` |
//! | 8, 9 | [`epoch::second_pass_scales`] | per column `γ_j = α / (C_j r_j)` (or `1 / r_j`) and `β_j = (1 − α) / C_j`, with `C_j` the mixed bonds' column sums in closed form ([`epoch::new_bond_columns`]) |
//! | 8, 9, 10 | [`epoch::SecondPass::row`] (pass 2; `B'_ij = β_j B_ij + γ_j x_ij`, what [`epoch::bond_delta_row`], [`epoch::mix_bond_row`] and [`epoch::normalize_bond_row`] compute, in two products), or [`epoch::ColumnTable::row`] with the columns packed | `B'_i·` as stored, `Σ_j B'_ij I_j` |
//! | 10–12 | [`dividends_and_emission`] | `D`, `e`, minted base units summing to exactly `E` |
//! | 13 | [`next_min_allowed_weights`] | the loss peg |
//! | 14 | [`adapt_block_emission`] | adaptive τ |
//!
//! ## Terminology
//!
//! * [`Fixed`] is `U64F64`: 64 integer and 64 fractional bits, used for every value in
//!   `[0, 1]` and every sum of them.
//! * [`SignedFixed`] is `I64F64`, used for `ρ (T − κ)` and the loss `L`.
//! * Bonds are stored between epochs as `u64` in `U32F32` bits ([`quantize_bond`]):
//!   `1.0` is `2³²`, so storage costs at most `2⁻³³` per entry.
//!
//! ## Precision and speed
//!
//! The per-entry work of an epoch (16.7 M entries at 65,536 × 256, twice) has no
//! division: a row's stake is scaled by its sum once ([`epoch::RowScale`]) and each
//! `x_ij = W_ij s_i` is one multiply; each bond of `B'` is two products with per-column
//! multipliers ([`fixed::Scale`], 64 significant bits). Every such value is within
//! `2⁻⁶²` of itself (relative) plus a few units of `2⁻⁶⁴` of the exact one, and never
//! above it, far inside MECHANISM.md's `10⁻⁶`; the vectors normalised once per epoch
//! (`s`, `R`, `I`, `D`) use exact quotients ([`fixed::Divisor`]).

#![cfg_attr(not(feature = "std"), no_std)]
#![cfg_attr(
    not(test),
    deny(
        clippy::arithmetic_side_effects,
        clippy::indexing_slicing,
        clippy::unwrap_used,
        clippy::float_arithmetic
    )
)]

extern crate alloc;

pub mod axon;
pub mod consent;
pub mod epoch;
pub mod fixed;

use alloc::vec::Vec;
pub use epoch::{NeuronState, SparseRow};

/// Unsigned fixed point, 64.64 bits.
pub type Fixed = substrate_fixed::types::U64F64;
/// Signed fixed point, 64.64 bits.
pub type SignedFixed = substrate_fixed::types::I64F64;

/// A bond row as stored between epochs: `(column uid, U32F32 bits)`.
pub type StoredBondRow = Vec<(u16, u64)>;

/// The per-network parameters that shape one epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EpochParams {
    /// `ρ`, the steepness of the consensus sigmoid (default 10).
    pub rho: Fixed,
    /// `κ`, the trust at the sigmoid's inflection (default ½).
    pub kappa: Fixed,
    /// `α`, the bond moving-average rate (default 0.1).
    pub alpha: Fixed,
    /// `δ`, the dividends' share of emission (default ½).
    pub delta: Fixed,
    /// Blocks after its last `set_weights` that a neuron stays active (default 5000).
    pub activity_cutoff: u64,
    /// Drop self-weights `W_ii` (default false).
    pub mask_self_weight: bool,
    /// Direct or transitive ranking (default direct).
    pub ranking: epoch::Ranking,
    /// Passes of the transitive ranking (default 8).
    pub transitive_iterations: u8,
}

impl Default for EpochParams {
    fn default() -> Self {
        Self {
            rho: Fixed::from_num(10),
            kappa: fixed::HALF,
            alpha: fixed::ratio_u128(1, 10),
            delta: fixed::HALF,
            activity_cutoff: 5000,
            mask_self_weight: false,
            ranking: epoch::Ranking::Direct,
            transitive_iterations: epoch::DEFAULT_ITERATIONS,
        }
    }
}

/// Everything one epoch reads, as it stood when the epoch started.
#[derive(Clone, Debug)]
pub struct EpochInput<'a, W, B> {
    /// The block the epoch runs at (`now`).
    pub block: u64,
    /// The epoch's emission `E` in base units.
    pub emission: u64,
    /// Neuron `i` at index `i`.
    pub neurons: &'a [NeuronState],
    /// Weight row `i`: `(uid, u16 value)` pairs.
    pub weights: &'a [W],
    /// The stored bonds `B` of the previous epoch, row `i` held by neuron `i`.
    pub bonds: &'a [B],
    /// The last registration block that the stored bonds know about: a bond on (or of)
    /// a neuron registered after it belonged to the uid's previous holder and is dropped.
    pub bonds_cover_registrations_up_to: u64,
}

/// Everything one epoch produces. Vectors are indexed by uid.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EpochOutput {
    /// `a_i`.
    pub active: Vec<bool>,
    /// `s_i`, normalised active stake.
    pub stake: Vec<Fixed>,
    /// `R_j`.
    pub rank: Vec<Fixed>,
    /// `T_j`.
    pub trust: Vec<Fixed>,
    /// `C_j`.
    pub consensus: Vec<Fixed>,
    /// `I_j`.
    pub incentive: Vec<Fixed>,
    /// `D_i`.
    pub dividends: Vec<Fixed>,
    /// `e_i`.
    pub emission_shares: Vec<Fixed>,
    /// Base units minted to each neuron; sums to `E`, or to zero when nothing is minted.
    pub emission: Vec<u64>,
    /// `B'` as stored for the next epoch (see [`store_bond_row`]); the dividends use the
    /// unquantised values.
    pub bonds: Vec<StoredBondRow>,
    /// `L`.
    pub loss: SignedFixed,
    /// Stake-weighted self-weight share (step 14's input).
    pub sparsity: Fixed,
    /// `Σ emission`: `E`, or zero when no stake was active or no weight counted.
    pub minted: u64,
}

/// The most bonds a stored row keeps: four full weight rows' worth.
///
/// A validator's new bonds are non-zero only where its current weight row is (at most
/// `MaxWeightsPerRow`, 256 on the runtime); a bond it no longer refreshes shrinks by
/// `1 − α` every epoch and quantises to zero by itself (after about 217 epochs at
/// α = 0.1). A row is full only when its validator has moved its weight to more than
/// three rows' worth of new uids within that time; then its smallest bonds (the oldest,
/// all below the row's 1,024th largest) are dropped first, and their columns are
/// re-normalised among the bonds that remain at the next epoch.
pub const MAX_BONDS_PER_ROW: usize = 1024;

/// One row of `B'` as stored: each bond quantised (see [`quantize_bond`]), zeros dropped,
/// and at most [`MAX_BONDS_PER_ROW`] entries kept (the largest; the lower uid among
/// equals), sorted by uid.
pub fn store_bond_row(row: &[(u16, Fixed)]) -> StoredBondRow {
    bound_bond_row(
        row.iter()
            .map(|(j, b)| (*j, quantize_bond(*b)))
            .filter(|(_, q)| *q > 0)
            .collect(),
    )
}

/// A quantised row (sorted by uid, no zeros) cut to its [`MAX_BONDS_PER_ROW`] largest
/// entries (the lower uid among equals), sorted by uid.
pub(crate) fn bound_bond_row(mut stored: StoredBondRow) -> StoredBondRow {
    if stored.len() > MAX_BONDS_PER_ROW {
        stored.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        stored.truncate(MAX_BONDS_PER_ROW);
        stored.sort_unstable_by_key(|(j, _)| *j);
    }
    stored
}

/// A stored bond back to [`Fixed`].
pub fn dequantize_bond(q: u64) -> Fixed {
    Fixed::from_bits(u128::from(q) << 32)
}

/// A bond value in `[0, 1]` as `U32F32` bits, rounded to nearest.
#[inline]
pub fn quantize_bond(b: Fixed) -> u64 {
    let bits = b.min(fixed::ONE).to_bits();
    let rounded = bits.saturating_add(1u128 << 31) >> 32;
    u64::try_from(rounded).unwrap_or(u64::MAX)
}

/// Steps 4, 6, 7 and 13's `L` from the first pass's sums: `(R, C, I, L)`. `C` may be
/// computed in chunks with [`epoch::consensus`] and passed in.
pub fn rank_incentive_loss(
    raw_rank: &[Fixed],
    consensus: &[Fixed],
) -> (Vec<Fixed>, Vec<Fixed>, SignedFixed) {
    let rank = epoch::ranks(raw_rank);
    let incentive = epoch::incentive(&rank, consensus);
    let loss = epoch::loss(&rank, consensus);
    (rank, incentive, loss)
}

/// Steps 10 (normalisation), 11 and 12: from the unnormalised dividends `Σ_j B'_ij I_j`
/// to `(D, e, minted per neuron)`.
pub fn dividends_and_emission(
    mut dividends: Vec<Fixed>,
    incentive: &[Fixed],
    delta: Fixed,
    emission: u64,
) -> (Vec<Fixed>, Vec<Fixed>, Vec<u64>) {
    fixed::normalize(&mut dividends);
    let shares = epoch::emission_shares(incentive, &dividends, delta);
    let minted = epoch::apportion(emission, &shares);
    (dividends, shares, minted)
}

/// Runs MECHANISM.md steps 1–13 (and 14's measure) on one network, in one call.
///
/// It is composed of the row-level steps of [`epoch`](mod@epoch) in the order a streaming
/// evaluation folds them (a first pass over the rows for the column sums, a second for
/// the bonds and dividends), so a multi-block evaluation that calls the same steps in
/// ascending row order gets bit-identical results.
///
/// Being one call, it may hold what a multi-block evaluation cannot: the first pass's
/// column sums in 64 bits while they fit ([`epoch::FirstPass::of_rows`]), and the second
/// pass's columns packed 32 bytes each ([`epoch::SecondPass::table`]). That changes no
/// bit of the result.
pub fn epoch<W, B>(params: &EpochParams, input: &EpochInput<'_, W, B>) -> EpochOutput
where
    W: AsRef<[(u16, u16)]>,
    B: AsRef<[(u16, u64)]>,
{
    let neurons = input.neurons;
    let n = neurons.len();
    let registered_at: Vec<u64> = neurons.iter().map(|x| x.registered_at).collect();
    let active = epoch::active_mask(input.block, params.activity_cutoff, neurons);
    let stake = epoch::active_stake(neurons, &active);
    let zero = Fixed::from_num(0);
    let s = |i: usize| stake.get(i).copied().unwrap_or(zero);
    let weights = |i: usize| input.weights.get(i).map(|r| r.as_ref()).unwrap_or(&[]);
    let registrations = epoch::Registrations::new(&registered_at);
    let weighted = |i: usize, neuron: &NeuronState| {
        epoch::weighted_entries(
            i,
            weights(i),
            neuron.last_update,
            &registrations,
            params.mask_self_weight,
            s(i),
        )
    };
    // Previous bonds are read again from the input in each pass, as the pallet does.
    let previous = |i: usize| {
        let bonds = input.bonds.get(i).map(|r| r.as_ref()).unwrap_or(&[]);
        epoch::previous_bonds(
            i,
            bonds,
            &registrations,
            input.bonds_cover_registrations_up_to,
        )
    };

    let first = epoch::FirstPass::of_rows(n, |i| {
        let neuron = neurons.get(i).copied().unwrap_or_default();
        (weighted(i, &neuron), s(i), previous(i))
    });
    let consensus = epoch::consensus(&first.trust, params.rho, params.kappa);
    // Transitive ranking replaces `r` in steps 4, 7 and 13 only: the bonds stay direct.
    let absorbed = match params.ranking {
        epoch::Ranking::Direct => None,
        epoch::Ranking::Transitive => Some(epoch::transitive_absorbed(
            neurons,
            input.weights,
            &stake,
            params.transitive_iterations,
        )),
    };
    let ranked = absorbed.as_deref().unwrap_or(&first.raw_rank);
    let (rank, incentive, loss) = rank_incentive_loss(ranked, &consensus);

    let (delta_scale, bond_scale) =
        epoch::second_pass_scales(&first.raw_rank, &first.old_bond_columns, params.alpha);
    let second = epoch::SecondPass {
        delta_scale: &delta_scale,
        bond_scale: &bond_scale,
        incentive: &incentive,
    }
    .table();
    let (bonds, raw_dividends): (Vec<StoredBondRow>, Vec<Fixed>) = neurons
        .iter()
        .enumerate()
        .map(|(i, neuron)| second.row(weighted(i, neuron), previous(i)))
        .unzip();
    let (dividends, emission_shares, emission) =
        dividends_and_emission(raw_dividends, &incentive, params.delta, input.emission);
    let minted = emission.iter().fold(0u64, |acc, e| acc.saturating_add(*e));
    EpochOutput {
        active,
        stake,
        rank,
        trust: first.trust,
        consensus,
        incentive,
        dividends,
        emission_shares,
        emission,
        bonds,
        loss,
        sparsity: fixed::div_or_zero(first.own, first.all),
        minted,
    }
}

/// The loss peg of step 13: `min_allowed_weights` rises by one when `L > 0` (up to
/// `max_weights_per_row`), falls by one when `L < −loss_margin` (down to one), and
/// otherwise stays.
pub fn next_min_allowed_weights(
    current: u16,
    loss: SignedFixed,
    loss_margin: Fixed,
    max_weights_per_row: u16,
) -> u16 {
    let margin = SignedFixed::from_bits(i128::try_from(loss_margin.to_bits()).unwrap_or(i128::MAX));
    let ceiling = max_weights_per_row.max(1);
    if loss > SignedFixed::from_num(0) {
        current.saturating_add(1).min(ceiling)
    } else if loss < margin.saturating_neg() {
        current.saturating_sub(1).max(1)
    } else {
        current.clamp(1, ceiling)
    }
}

/// Step 14, adaptive τ: the block emission falls by the factor `1 − γ` when `sparsity`
/// is above its target, rises by `1 + γ` when below, and is kept within
/// `[min_emission, max_emission]`.
pub fn adapt_block_emission(
    current: u64,
    sparsity: Fixed,
    sparsity_target: Fixed,
    gamma: Fixed,
    min_emission: u64,
    max_emission: u64,
) -> u64 {
    let gamma = gamma.min(fixed::ONE);
    let factor = if sparsity > sparsity_target {
        fixed::sub(fixed::ONE, gamma)
    } else if sparsity < sparsity_target {
        fixed::add(fixed::ONE, gamma)
    } else {
        fixed::ONE
    };
    // Rounded to the nearest base unit, so that γ given in parts per billion is exact.
    let next = fixed::add(fixed::mul(Fixed::from_num(current), factor), fixed::HALF)
        .saturating_to_num::<u64>();
    next.clamp(
        min_emission.min(max_emission),
        max_emission.max(min_emission),
    )
}

/// Whether the L1 distance between two weight rows, each normalised to sum one, is at
/// most `max_ppb` parts per billion (MECHANISM.md's `max_weight_change`; seed 000's
/// bounded `ΔW_i`). Rows are `(uid, value)` sorted by uid with unique uids; a row summing
/// to zero is the zero vector. Exact integer arithmetic: `Σ_j |a_j B − b_j A| ≤ max ·
/// A · B / 10⁹` with `A`, `B` the row sums.
pub fn row_change_within(old: &[(u16, u16)], new: &[(u16, u16)], max_ppb: u32) -> bool {
    let sum = |row: &[(u16, u16)]| -> u128 { row.iter().map(|(_, v)| u128::from(*v)).sum() };
    let (a_sum, b_sum) = (sum(old), sum(new));
    // |a_j/A − b_j/B| · A · B, with a zero row counted as the zero vector.
    let term = |a: u16, b: u16| -> u128 {
        let x = u128::from(a).saturating_mul(b_sum);
        let y = u128::from(b).saturating_mul(a_sum);
        x.abs_diff(y)
    };
    let (mut i, mut k) = (0usize, 0usize);
    let mut distance: u128 = 0;
    loop {
        let entry = match (old.get(i), new.get(k)) {
            (Some(&(ja, a)), Some(&(jb, b))) if ja == jb => {
                i = i.saturating_add(1);
                k = k.saturating_add(1);
                term(a, b)
            }
            (Some(&(ja, a)), Some(&(jb, _))) if ja < jb => {
                i = i.saturating_add(1);
                term(a, 0)
            }
            (Some(&(_, a)), None) => {
                i = i.saturating_add(1);
                term(a, 0)
            }
            (_, Some(&(_, b))) => {
                k = k.saturating_add(1);
                term(0, b)
            }
            (None, None) => break,
        };
        distance = distance.saturating_add(entry);
    }
    let scale = match (a_sum, b_sum) {
        // One row is zero: the distance is 1 (or 0 when both are).
        (0, 0) => return true,
        (0, _) | (_, 0) => return 1_000_000_000 <= u128::from(max_ppb),
        (a, b) => a.saturating_mul(b),
    };
    distance.saturating_mul(1_000_000_000) <= u128::from(max_ppb).saturating_mul(scale)
}

#[cfg(test)]
mod tests;
