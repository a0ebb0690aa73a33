//! The steps of one epoch, each a pure function over sparse rows (MECHANISM.md steps 1–13).
//!
//! Vectors are indexed by uid (`0..n`). Sparse rows are `(column uid, value)` lists sorted
//! by column. Every function accepts any input: out-of-range uids are ignored, zero
//! divisors give zero, sums saturate.

use crate::fixed::{add, mul, ratio_u128, sub, Divisor, HALF, ONE};
use crate::{Fixed, SignedFixed};
use alloc::{vec, vec::Vec};

/// A sparse row of fixed-point values: `(column uid, value)`, sorted by column.
pub type SparseRow = Vec<(u16, Fixed)>;

/// What the epoch needs to know about one neuron, read when the epoch starts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NeuronState {
    /// `S_i`: stake behind the neuron's hotkey, in base units.
    pub stake: u128,
    /// Block of the neuron's last `set_weights`.
    pub last_update: u64,
    /// Block at which the neuron's hotkey took this uid.
    pub registered_at: u64,
}

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

/// Step 3. `W_ij = v_ij / Σ_k v_ik`, then the entries that do not count are dropped:
/// `j ≥ n`, `j` registered in or after the block in which `i` last set weights (a vote
/// cast in the block of a replacement may have been meant for the uid's previous holder,
/// so it is not credited to the new one), the diagonal when
/// `mask_self_weight`, and zero values. Rows are returned sorted by column.
///
/// Normalisation uses the row as submitted, so a dropped vote's share is not handed to
/// the remaining entries. A uid listed twice (which the pallet never stores) counts once,
/// with the sum of its values.
pub fn normalized_weights<R: AsRef<[(u16, u16)]>>(
    weights: &[R],
    neurons: &[NeuronState],
    mask_self_weight: bool,
) -> Vec<SparseRow> {
    let registered_at: Vec<u64> = neurons.iter().map(|x| x.registered_at).collect();
    neurons
        .iter()
        .enumerate()
        .map(|(i, neuron)| {
            let row = weights.get(i).map(|r| r.as_ref()).unwrap_or(&[]);
            normalized_row(i, row, neuron.last_update, &registered_at, mask_self_weight)
        })
        .collect()
}

/// Sorts a sparse row by column and merges entries of the same column with `add`.
pub fn merge_duplicates<T: Copy>(mut row: Vec<(u16, T)>, add: impl Fn(T, T) -> T) -> Vec<(u16, T)> {
    row.sort_by_key(|(j, _)| *j);
    let mut out: Vec<(u16, T)> = Vec::with_capacity(row.len());
    for (j, v) in row {
        match out.last_mut() {
            Some((last, acc)) if *last == j => *acc = add(*acc, v),
            _ => out.push((j, v)),
        }
    }
    out
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

// ---- row-level steps: what a streaming (multi-block) epoch folds row by row ---------

/// Whether a sparse row's columns are strictly ascending (sorted, no uid twice): what
/// the pallet stores, and what lets a row be processed without sorting or merging.
fn strictly_ascending<T>(row: &[(u16, T)]) -> bool {
    row.iter().zip(row.iter().skip(1)).all(|(a, b)| a.0 < b.0)
}

/// Step 3 for row `i`: `W_i·`, with the entries that do not count dropped (see
/// [`normalized_weights`]). `registered_at[j]` is uid `j`'s registration block; its length
/// is the neuron count `n`.
pub fn normalized_row(
    i: usize,
    row: &[(u16, u16)],
    last_update_i: u64,
    registered_at: &[u64],
    mask_self_weight: bool,
) -> SparseRow {
    let total: u128 = row.iter().map(|(_, v)| u128::from(*v)).sum();
    let counts = |j: u16, v: u16| {
        let j = usize::from(j);
        v > 0
            && registered_at.get(j).is_some_and(|r| *r < last_update_i)
            && !(mask_self_weight && j == i)
    };
    // One reciprocal for the row: each entry is then `ratio_u128(v, total)` bit for bit.
    let whole = u64::try_from(total)
        .ok()
        .map(|t| Divisor::new(Fixed::from_bits(u128::from(t))));
    let share = |v: u128| match &whole {
        Some(whole) => whole.div(Fixed::from_bits(v.min(total))),
        None => ratio_u128(v, total),
    };
    if strictly_ascending(row) {
        // Nothing to merge: one pass, one allocation.
        let mut out = Vec::with_capacity(row.len());
        for (j, v) in row {
            if counts(*j, *v) {
                out.push((*j, share(u128::from(*v))));
            }
        }
        return out;
    }
    let kept: Vec<(u16, u128)> = row
        .iter()
        .filter(|(j, v)| counts(*j, *v))
        .map(|(j, v)| (*j, u128::from(*v)))
        .collect();
    merge_duplicates(kept, |a, b| a.saturating_add(b))
        .into_iter()
        .map(|(j, v)| (j, share(v)))
        .collect()
}

/// The stored bonds of row `i` as [`Fixed`], sorted and merged, with the bonds of uids
/// registered after `cover` (held by another neuron when they were formed) dropped.
pub fn previous_bond_row(
    i: usize,
    row: &[(u16, u64)],
    registered_at: &[u64],
    cover: u64,
) -> SparseRow {
    let current = |uid: usize| registered_at.get(uid).is_some_and(|r| *r <= cover);
    if !current(i) {
        return Vec::new();
    }
    let kept = row
        .iter()
        .filter(|(j, q)| *q > 0 && current(usize::from(*j)))
        .map(|(j, q)| (*j, crate::dequantize_bond(*q)));
    if strictly_ascending(row) {
        return kept.collect();
    }
    merge_duplicates(kept.collect(), add)
}

/// The column sums of the first pass over the rows, accumulated in ascending row order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FirstPass {
    /// `r_j = Σ_i W_ij s_i` (steps 4 and 8).
    pub raw_rank: Vec<Fixed>,
    /// `T_j = Σ_i [W_ij > 0] s_i` (step 5).
    pub trust: Vec<Fixed>,
    /// Column sums of the previous bonds (step 9: which columns were all zero).
    pub old_bond_columns: Vec<Fixed>,
    /// `Σ_i W_ii s_i` (step 14).
    pub own: Fixed,
    /// `Σ_ij W_ij s_i` (step 14).
    pub all: Fixed,
}

impl FirstPass {
    /// Empty sums over `n` columns.
    pub fn new(n: usize) -> Self {
        let zero = Fixed::from_num(0);
        Self {
            raw_rank: vec![zero; n],
            trust: vec![zero; n],
            old_bond_columns: vec![zero; n],
            own: zero,
            all: zero,
        }
    }

    /// Adds row `i`: its weights `w`, its active stake `s_i` and its previous bonds.
    pub fn add_row(
        &mut self,
        i: usize,
        w: &[(u16, Fixed)],
        s_i: Fixed,
        previous_bonds: &[(u16, Fixed)],
    ) {
        let zero = Fixed::from_num(0);
        for (j, w_ij) in w {
            let v = mul(*w_ij, s_i);
            if let Some(r_j) = self.raw_rank.get_mut(usize::from(*j)) {
                *r_j = add(*r_j, v);
            }
            if *w_ij > zero {
                if let Some(t_j) = self.trust.get_mut(usize::from(*j)) {
                    *t_j = add(*t_j, s_i);
                }
            }
            self.all = add(self.all, v);
            if usize::from(*j) == i {
                self.own = add(self.own, v);
            }
        }
        add_columns(&mut self.old_bond_columns, previous_bonds);
    }
}

/// Adds a sparse row into column sums.
pub fn add_columns(sums: &mut [Fixed], row: &[(u16, Fixed)]) {
    for (j, v) in row {
        if let Some(c) = sums.get_mut(usize::from(*j)) {
            *c = add(*c, *v);
        }
    }
}

/// Every value of a vector prepared as a [`Divisor`] (one 128-bit division each).
pub fn divisors(values: &[Fixed]) -> Vec<Divisor> {
    values.iter().map(|v| Divisor::new(*v)).collect()
}

/// Step 8 for one row: `ΔB_ij = W_ij s_i / r_j`, zero entries dropped. `raw_rank` is `r`
/// prepared by [`divisors`].
pub fn bond_delta_row(w: &[(u16, Fixed)], s_i: Fixed, raw_rank: &[Divisor]) -> SparseRow {
    w.iter()
        .filter_map(|(j, w_ij)| {
            let r_j = raw_rank.get(usize::from(*j))?;
            let v = r_j.div(mul(*w_ij, s_i));
            (v > Fixed::from_num(0)).then_some((*j, v))
        })
        .collect()
}

/// Two sparse rows sorted by column walked together: `(column, a_j, b_j)` for every
/// column in either, `zero` on the side that lacks it.
fn by_column<T: Copy>(
    a: impl Iterator<Item = (u16, T)>,
    b: impl Iterator<Item = (u16, T)>,
    zero: T,
) -> impl Iterator<Item = (u16, T, T)> {
    let (mut a, mut b) = (a.peekable(), b.peekable());
    core::iter::from_fn(move || match (a.peek().copied(), b.peek().copied()) {
        (None, None) => None,
        (Some((ja, va)), Some((jb, vb))) if ja == jb => {
            a.next();
            b.next();
            Some((ja, va, vb))
        }
        (Some((ja, va)), Some((jb, _))) if ja < jb => {
            a.next();
            Some((ja, va, zero))
        }
        (Some((ja, va)), None) => {
            a.next();
            Some((ja, va, zero))
        }
        (_, Some((jb, vb))) => {
            b.next();
            Some((jb, zero, vb))
        }
    })
}

/// Step 9's moving average for one row, before column normalisation:
/// `(1 − α) B_ij + α ΔB_ij` where column `j` of `B` had any bond, `ΔB_ij` where it had none.
pub fn mix_bond_row(
    previous: &[(u16, Fixed)],
    delta: &[(u16, Fixed)],
    old_bond_columns: &[Fixed],
    alpha: Fixed,
) -> SparseRow {
    let zero = Fixed::from_num(0);
    let alpha = alpha.min(ONE);
    let keep = sub(ONE, alpha);
    let has_old = |j: u16| {
        old_bond_columns
            .get(usize::from(j))
            .is_some_and(|c| *c > zero)
    };
    let mut out = Vec::with_capacity(previous.len().max(delta.len()));
    for (j, b_ij, d_ij) in by_column(previous.iter().copied(), delta.iter().copied(), zero) {
        let v = if has_old(j) {
            add(mul(keep, b_ij), mul(alpha, d_ij))
        } else {
            d_ij
        };
        if v > zero {
            out.push((j, v));
        }
    }
    out
}

/// Step 9's column sums of the mixed bonds, `Σ_i mixed_ij`, from the first pass alone:
/// `(1 − α) Σ_i B_ij + α Σ_i ΔB_ij` where column `j` had bonds, `Σ_i ΔB_ij` where it had
/// none, with `Σ_i ΔB_ij = 1` when `r_j > 0` (step 8 normalises each column of `ΔB` by
/// `r_j`, the sum of the very products it divides) and `0` otherwise.
///
/// Summing the mixed rows themselves would take another pass over every row. The
/// closed form differs from that sum only by the truncation of each term: at most one
/// unit in the last place (`2⁻⁶⁴`) per bond in the column, so a column of `n` bonds
/// sums to one within `n · 2⁻⁶⁴` after normalisation, as [`crate::fixed::normalize`]'s
/// vectors do.
pub fn new_bond_columns(
    old_bond_columns: &[Fixed],
    raw_rank: &[Fixed],
    alpha: Fixed,
) -> Vec<Fixed> {
    let zero = Fixed::from_num(0);
    let alpha = alpha.min(ONE);
    let keep = sub(ONE, alpha);
    old_bond_columns
        .iter()
        .zip(raw_rank)
        .map(|(old, r)| {
            let delta = if *r > zero { ONE } else { zero };
            if *old > zero {
                add(mul(keep, *old), mul(alpha, delta))
            } else {
                delta
            }
        })
        .collect()
}

/// Step 9's column normalisation for one mixed row: `B'_ij = mixed_ij / Σ_k mixed_kj`,
/// with the column sums of [`new_bond_columns`] prepared by [`divisors`].
pub fn normalize_bond_row(mixed: SparseRow, new_bond_columns: &[Divisor]) -> SparseRow {
    let one = Divisor::new(ONE);
    mixed
        .into_iter()
        .map(|(j, v)| {
            let c = new_bond_columns.get(usize::from(j)).unwrap_or(&one);
            (j, c.div(v))
        })
        .collect()
}

/// What the second pass over the rows reads besides the row itself: `r` and the new
/// bonds' column sums prepared by [`divisors`], the old bonds' column sums, `I` and `α`.
#[derive(Clone, Copy, Debug)]
pub struct SecondPass<'a> {
    /// `r_j`, as divisors.
    pub raw_rank: &'a [Divisor],
    /// Column sums of the previous bonds (from [`FirstPass`]).
    pub old_bond_columns: &'a [Fixed],
    /// Column sums of the mixed bonds ([`new_bond_columns`]), as divisors.
    pub new_bond_columns: &'a [Divisor],
    /// `I_j`.
    pub incentive: &'a [Fixed],
    /// `α`.
    pub alpha: Fixed,
}

impl SecondPass<'_> {
    /// Steps 8, 9 and 10 for row `i` in one merge of its weights `w` with its previous
    /// bonds: `B'_i·` as stored ([`crate::store_bond_row`]) and the row's dividend before
    /// normalisation, `Σ_j B'_ij I_j`.
    ///
    /// Bit for bit what [`bond_delta_row`], [`mix_bond_row`], [`normalize_bond_row`],
    /// [`dividend_of_row`] and [`crate::store_bond_row`] compute one after another, without
    /// their intermediate rows.
    pub fn row(
        &self,
        w: &[(u16, Fixed)],
        s_i: Fixed,
        previous: &[(u16, Fixed)],
    ) -> (crate::StoredBondRow, Fixed) {
        let zero = Fixed::from_num(0);
        let alpha = self.alpha.min(ONE);
        let keep = sub(ONE, alpha);
        let deltas = w.iter().filter_map(|(j, w_ij)| {
            let r_j = self.raw_rank.get(usize::from(*j))?;
            let v = r_j.div(mul(*w_ij, s_i));
            (v > zero).then_some((*j, v))
        });
        let mut stored = Vec::with_capacity(previous.len().max(w.len()));
        let mut dividend = zero;
        for (j, b_ij, d_ij) in by_column(previous.iter().copied(), deltas, zero) {
            let column = usize::from(j);
            let had_bonds = self.old_bond_columns.get(column).is_some_and(|c| *c > zero);
            let mixed = if had_bonds {
                add(mul(keep, b_ij), mul(alpha, d_ij))
            } else {
                d_ij
            };
            if mixed == zero {
                continue;
            }
            // A column without a sum divides by one, which leaves the value as it is.
            let b = match self.new_bond_columns.get(column) {
                Some(c) => c.div(mixed),
                None => mixed,
            };
            let i_j = self.incentive.get(column).copied().unwrap_or(zero);
            dividend = add(dividend, mul(b, i_j));
            let q = crate::quantize_bond(b);
            if q > 0 {
                stored.push((j, q));
            }
        }
        (crate::bound_bond_row(stored), dividend)
    }
}

/// Step 10 for one row, before normalisation: `Σ_j B'_ij I_j`.
pub fn dividend_of_row(bonds: &[(u16, Fixed)], incentive: &[Fixed]) -> Fixed {
    bonds.iter().fold(Fixed::from_num(0), |acc, (j, b)| {
        let i_j = incentive
            .get(usize::from(*j))
            .copied()
            .unwrap_or(Fixed::from_num(0));
        add(acc, mul(*b, i_j))
    })
}
