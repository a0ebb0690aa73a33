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

impl<'a> SecondPass<'a> {
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
        second_pass_row(self, self.alpha, w, s_i, previous)
    }

    /// The same inputs packed into one 64-byte [`Column`] per uid, for many rows in a
    /// row: [`ColumnTable::row`] then reads one cache line per entry where
    /// [`Self::row`] reads four (one from each vector). Costs one pass over the columns.
    pub fn table(self) -> ColumnTable<'a> {
        let n = self.raw_rank.len();
        let columns = (0..n).map(|j| Column::new(&self, j)).collect();
        ColumnTable {
            pass: self,
            columns,
        }
    }
}

/// Where the second pass reads its columns: the vectors of [`SecondPass`], or their
/// packed [`ColumnTable`].
trait SecondPassColumns {
    /// Column `j`, read once for every use the row makes of it.
    fn column(&self, j: usize) -> impl SecondPassColumn;
}

/// What the second pass reads of one column. Each method gives what the vectors of
/// [`SecondPass`] give, including for a column beyond them.
trait SecondPassColumn {
    /// `ΔB_ij = x / r_j` for `x = W_ij s_i`; `None` when `r` has no such column.
    fn delta(&self, x: Fixed) -> Option<Fixed>;
    /// Whether the column of the previous bonds had any bond.
    fn had_bonds(&self) -> bool;
    /// `mixed / Σ_k mixed_kj`, or `mixed` when there is no such sum.
    fn normalize(&self, mixed: Fixed) -> Fixed;
    /// `I_j`, zero beyond the vector.
    fn incentive(&self) -> Fixed;
}

/// Column `j` of a [`SecondPass`]'s vectors.
#[derive(Clone, Copy)]
struct VectorColumn<'p, 'a> {
    pass: &'p SecondPass<'a>,
    j: usize,
}

impl SecondPassColumns for SecondPass<'_> {
    #[inline]
    fn column(&self, j: usize) -> impl SecondPassColumn {
        VectorColumn { pass: self, j }
    }
}

impl SecondPassColumn for VectorColumn<'_, '_> {
    #[inline]
    fn delta(&self, x: Fixed) -> Option<Fixed> {
        Some(self.pass.raw_rank.get(self.j)?.div(x))
    }
    #[inline]
    fn had_bonds(&self) -> bool {
        self.pass
            .old_bond_columns
            .get(self.j)
            .is_some_and(|c| *c > Fixed::from_num(0))
    }
    #[inline]
    fn normalize(&self, mixed: Fixed) -> Fixed {
        match self.pass.new_bond_columns.get(self.j) {
            Some(c) => c.div(mixed),
            None => mixed,
        }
    }
    #[inline]
    fn incentive(&self) -> Fixed {
        self.pass
            .incentive
            .get(self.j)
            .copied()
            .unwrap_or(Fixed::from_num(0))
    }
}

/// One column of the second pass's inputs in one cache line: `r_j` and the mixed bonds'
/// column sum as divisors, `I_j`, and whether the column had bonds.
///
/// Every value the epoch produces there is at most one, so 64 bits hold it; a value
/// that does not fit (one is `2⁶⁴` in [`Fixed`]) is flagged and read from the vectors.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C, align(64))]
pub struct Column {
    rank_reciprocal: u128,
    sum_reciprocal: u128,
    rank: u64,
    sum: u64,
    incentive: u64,
    flags: u64,
}

impl Column {
    const HAD_BONDS: u64 = 1;
    /// `r_j` does not fit 64 bits: divide through the vector.
    const WIDE_RANK: u64 = 1 << 1;
    /// The column sum is exactly one: dividing by it leaves a value as it is.
    const SUM_IS_ONE: u64 = 1 << 2;
    /// The column sum does not fit 64 bits (and is not one): divide through the vector.
    const WIDE_SUM: u64 = 1 << 3;
    /// `I_j` does not fit 64 bits: read the vector.
    const WIDE_INCENTIVE: u64 = 1 << 4;

    fn new(pass: &SecondPass<'_>, j: usize) -> Self {
        // A column beyond a vector divides by one (see `VectorColumn::normalize`); `table`
        // makes one column per `r_j`, so only the sums can be shorter.
        let one = || Divisor::new(ONE);
        let rank = pass.raw_rank.get(j).copied().unwrap_or_else(one);
        let sum = pass.new_bond_columns.get(j).copied().unwrap_or_else(one);
        let narrow = |value: Fixed, wide: u64| match u64::try_from(value.to_bits()) {
            Ok(bits) => (bits, 0),
            Err(_) => (0, wide),
        };
        let (rank_bits, wide_rank) = narrow(rank.value(), Self::WIDE_RANK);
        let (sum_bits, wide_sum) = if sum.value() == ONE {
            (0, Self::SUM_IS_ONE)
        } else {
            narrow(sum.value(), Self::WIDE_SUM)
        };
        let vectors = VectorColumn { pass, j };
        let (incentive, wide_incentive) = narrow(vectors.incentive(), Self::WIDE_INCENTIVE);
        let had_bonds = if vectors.had_bonds() {
            Self::HAD_BONDS
        } else {
            0
        };
        Self {
            rank_reciprocal: rank.reciprocal(),
            sum_reciprocal: sum.reciprocal(),
            rank: rank_bits,
            sum: sum_bits,
            incentive,
            flags: had_bonds | wide_rank | wide_sum | wide_incentive,
        }
    }

    fn has(&self, flag: u64) -> bool {
        self.flags & flag != 0
    }
}

/// A [`SecondPass`] with its columns packed ([`SecondPass::table`]).
#[derive(Clone, Debug)]
pub struct ColumnTable<'a> {
    pass: SecondPass<'a>,
    columns: Vec<Column>,
}

impl ColumnTable<'_> {
    /// [`SecondPass::row`], bit for bit.
    pub fn row(
        &self,
        w: &[(u16, Fixed)],
        s_i: Fixed,
        previous: &[(u16, Fixed)],
    ) -> (crate::StoredBondRow, Fixed) {
        second_pass_row(self, self.pass.alpha, w, s_i, previous)
    }
}

/// Column `j` of a [`ColumnTable`]: packed, with the vectors for what does not fit.
#[derive(Clone, Copy)]
struct TableColumn<'p, 'a> {
    packed: Option<&'p Column>,
    vectors: VectorColumn<'p, 'a>,
}

impl SecondPassColumns for ColumnTable<'_> {
    #[inline]
    fn column(&self, j: usize) -> impl SecondPassColumn {
        TableColumn {
            packed: self.columns.get(j),
            vectors: VectorColumn {
                pass: &self.pass,
                j,
            },
        }
    }
}

impl SecondPassColumn for TableColumn<'_, '_> {
    #[inline]
    fn delta(&self, x: Fixed) -> Option<Fixed> {
        match self.packed {
            Some(c) if !c.has(Column::WIDE_RANK) => {
                let rank = Fixed::from_bits(c.rank.into());
                Some(Divisor::from_parts(rank, c.rank_reciprocal).div(x))
            }
            _ => self.vectors.delta(x),
        }
    }
    #[inline]
    fn had_bonds(&self) -> bool {
        match self.packed {
            Some(c) => c.has(Column::HAD_BONDS),
            None => self.vectors.had_bonds(),
        }
    }
    #[inline]
    fn normalize(&self, mixed: Fixed) -> Fixed {
        match self.packed {
            Some(c) if c.has(Column::SUM_IS_ONE) => mixed,
            Some(c) if !c.has(Column::WIDE_SUM) => {
                let sum = Fixed::from_bits(c.sum.into());
                Divisor::from_parts(sum, c.sum_reciprocal).div(mixed)
            }
            _ => self.vectors.normalize(mixed),
        }
    }
    #[inline]
    fn incentive(&self) -> Fixed {
        match self.packed {
            Some(c) if !c.has(Column::WIDE_INCENTIVE) => Fixed::from_bits(c.incentive.into()),
            _ => self.vectors.incentive(),
        }
    }
}

/// The second pass over one row (see [`SecondPass::row`]): the weights' bond deltas
/// merged by column with the previous bonds, each column mixed, normalised, added to
/// the dividend and quantised.
#[inline]
fn second_pass_row<C: SecondPassColumns>(
    columns: &C,
    alpha: Fixed,
    w: &[(u16, Fixed)],
    s_i: Fixed,
    previous: &[(u16, Fixed)],
) -> (crate::StoredBondRow, Fixed) {
    let zero = Fixed::from_num(0);
    let alpha = alpha.min(ONE);
    let mut row = BondRowBuilder {
        alpha,
        keep: sub(ONE, alpha),
        stored: Vec::with_capacity(previous.len().max(w.len())),
        dividend: zero,
    };
    // A merge by column (as `by_column`): previous bonds before the delta of a higher
    // column go first on their own; a bond and a delta of the same column go together.
    let mut p = 0usize;
    for (j, w_ij) in w {
        let column = columns.column(usize::from(*j));
        let d_ij = match column.delta(mul(*w_ij, s_i)) {
            Some(d) if d > zero => d,
            _ => continue,
        };
        let mut b_ij = zero;
        while let Some((k, b_ik)) = previous.get(p) {
            if k > j {
                break;
            }
            p = p.saturating_add(1);
            if k == j {
                b_ij = *b_ik;
                break;
            }
            row.add(*k, &columns.column(usize::from(*k)), *b_ik, zero);
        }
        row.add(*j, &column, b_ij, d_ij);
    }
    for (k, b_ik) in previous.get(p..).unwrap_or(&[]) {
        row.add(*k, &columns.column(usize::from(*k)), *b_ik, zero);
    }
    (crate::bound_bond_row(row.stored), row.dividend)
}

/// A row of `B'` and its dividend, built column by column.
struct BondRowBuilder {
    alpha: Fixed,
    keep: Fixed,
    stored: crate::StoredBondRow,
    dividend: Fixed,
}

impl BondRowBuilder {
    /// Column `j`: its previous bond `b_ij` and delta `d_ij` mixed (step 9), normalised by
    /// the column's sum, added to the dividend (step 10) and stored quantised.
    #[inline(always)]
    fn add(&mut self, j: u16, column: &impl SecondPassColumn, b_ij: Fixed, d_ij: Fixed) {
        let zero = Fixed::from_num(0);
        let mixed = if column.had_bonds() {
            add(mul(self.keep, b_ij), mul(self.alpha, d_ij))
        } else {
            d_ij
        };
        if mixed == zero {
            return;
        }
        let b = column.normalize(mixed);
        self.dividend = add(self.dividend, mul(b, column.incentive()));
        let q = crate::quantize_bond(b);
        if q > 0 {
            self.stored.push((j, q));
        }
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
