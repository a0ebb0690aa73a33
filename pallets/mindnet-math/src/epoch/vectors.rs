//! The steps over whole vectors: active stake (1, 2), rank, consensus and incentive
//! (4, 6, 7), emission shares and their exact apportionment (11, 12), and the loss (13).

use super::NeuronState;
use crate::fixed::{add, mul, ratio_u128, sub, HALF, ONE};
use crate::{Fixed, SignedFixed};
use alloc::{vec, vec::Vec};

/// Step 1. `a_i = 1` iff `block − last_update_i ≤ activity_cutoff`.
pub fn active_mask(block: u64, activity_cutoff: u64, neurons: &[NeuronState]) -> Vec<bool> {
    neurons
        .iter()
        .map(|n| block.saturating_sub(n.last_update) <= activity_cutoff)
        .collect()
}

/// Step 2. `s_i = a_i S_i / Σ_k a_k S_k`; all zero when no active stake.
pub fn active_stake(neurons: &[NeuronState], active: &[bool]) -> Vec<Fixed> {
    let stake_of = |i: usize, n: &NeuronState| {
        if active.get(i).copied().unwrap_or(false) {
            n.stake
        } else {
            0
        }
    };
    // Σ S may not fit u128: scale every stake down by the fewest bits that make it fit
    // (at most 16 for 65,535 neurons), which costs at most 2⁻¹¹¹ of relative precision.
    let total_after = |shift: u32| {
        neurons.iter().enumerate().try_fold(0u128, |acc, (i, n)| {
            acc.checked_add(stake_of(i, n).checked_shr(shift).unwrap_or(0))
        })
    };
    let (shift, total) = (0u32..=127)
        .find_map(|shift| total_after(shift).map(|t| (shift, t)))
        .unwrap_or((127, 0));
    neurons
        .iter()
        .enumerate()
        .map(|(i, n)| ratio_u128(stake_of(i, n).checked_shr(shift).unwrap_or(0), total))
        .collect()
}

/// Step 4. `R = r / Σ r` from the unnormalised rank `r`.
pub fn ranks(raw_rank: &[Fixed]) -> Vec<Fixed> {
    let mut ranks = raw_rank.to_vec();
    crate::fixed::normalize(&mut ranks);
    ranks
}

/// Step 6. `C_j = σ(ρ (T_j − κ))`.
pub fn consensus(trust: &[Fixed], rho: Fixed, kappa: Fixed) -> Vec<Fixed> {
    trust
        .iter()
        .map(|t| crate::fixed::sigmoid(crate::fixed::steepness_times_offset(rho, *t, kappa)))
        .collect()
}

/// Step 7. `I_j = R_j C_j / Σ_k R_k C_k`.
pub fn incentive(rank: &[Fixed], consensus: &[Fixed]) -> Vec<Fixed> {
    let mut i: Vec<Fixed> = rank
        .iter()
        .zip(consensus)
        .map(|(r, c)| mul(*r, *c))
        .collect();
    crate::fixed::normalize(&mut i);
    i
}

/// Step 11. `e_i = (1 − δ) I_i + δ D_i`.
pub fn emission_shares(incentive: &[Fixed], dividends: &[Fixed], delta: Fixed) -> Vec<Fixed> {
    let delta = delta.min(ONE);
    let keep = sub(ONE, delta);
    incentive
        .iter()
        .zip(dividends)
        .map(|(i, d)| add(mul(keep, *i), mul(delta, *d)))
        .collect()
}

/// Step 12. Splits `E` base units in proportion to `shares`: `floor(E e_i)` each, then the
/// remainder one unit at a time to the largest fractional parts (ties to the lower uid).
///
/// The result always sums to exactly `E`, or is all zero when every share is zero. The
/// shares are used relative to their own sum (which is one up to rounding), so the
/// arithmetic is exact integer arithmetic throughout.
pub fn apportion(emission: u64, shares: &[Fixed]) -> Vec<u64> {
    let total_bits = shares
        .iter()
        .fold(0u128, |acc, e| acc.saturating_add(e.to_bits()));
    // Scale the shares down until their sum fits in 63 bits: then E·e'_i < 2¹²⁷.
    let shift = (128u32.saturating_sub(total_bits.leading_zeros())).saturating_sub(63);
    let scaled: Vec<u128> = shares.iter().map(|e| e.to_bits() >> shift).collect();
    let total: u128 = scaled.iter().fold(0u128, |acc, e| acc.saturating_add(*e));
    if total == 0 {
        return vec![0; shares.len()];
    }
    let e = u128::from(emission);
    let mut amounts = Vec::with_capacity(shares.len());
    let mut remainders = Vec::with_capacity(shares.len());
    let mut given: u128 = 0;
    for (uid, part) in scaled.iter().enumerate() {
        let product = e.saturating_mul(*part);
        let amount = product.checked_div(total).unwrap_or(0);
        given = given.saturating_add(amount);
        amounts.push(u64::try_from(amount).unwrap_or(u64::MAX));
        remainders.push((product.checked_rem(total).unwrap_or(0), uid));
    }
    let leftover = usize::try_from(e.saturating_sub(given)).unwrap_or(usize::MAX);
    // Largest remainder first, lower uid first among equals: a strict order, so the
    // `leftover` first are one set, whose own order does not matter.
    let order = |a: &(u128, usize), b: &(u128, usize)| b.0.cmp(&a.0).then(a.1.cmp(&b.1));
    if leftover > 0 && leftover < remainders.len() {
        remainders.select_nth_unstable_by(leftover, order);
    }
    for (_, uid) in remainders.into_iter().take(leftover) {
        if let Some(a) = amounts.get_mut(uid) {
            *a = a.saturating_add(1);
        }
    }
    amounts
}

/// Step 13. `L = −Σ_j R_j (C_j − ½)`.
pub fn loss(rank: &[Fixed], consensus: &[Fixed]) -> SignedFixed {
    let (mut untrusted, mut trusted) = (Fixed::from_num(0), Fixed::from_num(0));
    for (r, c) in rank.iter().zip(consensus) {
        if *c < HALF {
            untrusted = add(untrusted, mul(*r, sub(HALF, *c)));
        } else {
            trusted = add(trusted, mul(*r, sub(*c, HALF)));
        }
    }
    // Both are at most ½, so they fit the signed type exactly.
    let as_signed = |v: Fixed| SignedFixed::from_bits(i128::try_from(v.to_bits()).unwrap_or(0));
    as_signed(untrusted).saturating_sub(as_signed(trusted))
}
