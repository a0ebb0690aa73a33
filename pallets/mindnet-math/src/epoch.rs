//! The steps of one epoch, each a pure function over sparse rows (MECHANISM.md steps 1–13).
//!
//! Vectors are indexed by uid (`0..n`). Sparse rows are `(column uid, value)` lists sorted
//! by column. Every function accepts any input: out-of-range uids are ignored, zero
//! divisors give zero, sums saturate.

use crate::fixed::{add, mul, ratio_u128, sub, Divisor, Scale, HALF, ONE};
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

/// Steps 3 and 4's products `x_ij = W_ij s_i` for every row (see [`weighted_entries`]),
/// with `s` the active stake of step 2.
pub fn weighted_rows<R: AsRef<[(u16, u16)]>>(
    weights: &[R],
    neurons: &[NeuronState],
    stake: &[Fixed],
    mask_self_weight: bool,
) -> Vec<SparseRow> {
    let registered_at: Vec<u64> = neurons.iter().map(|x| x.registered_at).collect();
    let registrations = Registrations::new(&registered_at);
    neurons
        .iter()
        .enumerate()
        .map(|(i, neuron)| {
            let row = weights.get(i).map(|r| r.as_ref()).unwrap_or(&[]);
            let s_i = stake.get(i).copied().unwrap_or(Fixed::from_num(0));
            weighted_entries(
                i,
                row,
                neuron.last_update,
                &registrations,
                mask_self_weight,
                s_i,
            )
            .collect()
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

/// Every uid's registration block (`registered_at[j]`; its length is the neuron count
/// `n`), with a bound on the newest of them.
///
/// Step 3 drops a vote for a uid registered in or after the block in which its voter last
/// set weights. A voter that last set weights after the newest registration has no such
/// vote, so its row is not checked entry by entry.
#[derive(Clone, Copy, Debug)]
pub struct Registrations<'a> {
    at: &'a [u64],
    /// At least every entry of `at`.
    newest: u64,
}

impl<'a> Registrations<'a> {
    /// The registrations `at`, with their newest found (one walk).
    pub fn new(at: &'a [u64]) -> Self {
        Self {
            at,
            newest: at.iter().copied().max().unwrap_or(0),
        }
    }

    /// The registrations `at`, every vote checked against them (no walk).
    pub fn checking_each(at: &'a [u64]) -> Self {
        Self {
            at,
            newest: u64::MAX,
        }
    }

    /// Whether a vote of a neuron that last set weights at `last_update` counts for `j`.
    #[inline]
    fn current(&self, j: usize, last_update: u64) -> bool {
        self.at.get(j).is_some_and(|r| *r < last_update)
    }
}

/// Steps 3 and 4 for row `i`: `x_ij = W_ij s_i` for every entry of `W_i·` that counts,
/// sorted by column (see [`weighted_entries`]).
pub fn weighted_row(
    i: usize,
    row: &[(u16, u16)],
    last_update_i: u64,
    registrations: &Registrations<'_>,
    mask_self_weight: bool,
    s_i: Fixed,
) -> SparseRow {
    weighted_entries(i, row, last_update_i, registrations, mask_self_weight, s_i).collect()
}

/// Steps 3 and 4 for row `i`, computed as they are read: `(j, x_ij = W_ij s_i)` for every
/// entry of `W_i·` that counts, by ascending column.
///
/// `W_ij = v_ij / Σ_k v_ik` (step 3), with the entries that do not count dropped: `j ≥ n`,
/// `j` registered in or after the block in which `i` last set weights (a vote cast in the
/// block of a replacement may have been meant for the uid's previous holder, so it is not
/// credited to the new one), the diagonal when `mask_self_weight`, and zero values.
/// Normalisation uses the row as submitted, so a dropped vote's share is not handed to the
/// remaining entries. A uid listed twice (which the pallet never stores) counts once, with
/// the sum of its values.
///
/// Every entry is a `W_ij > 0`, even where `x_ij` is zero (no stake): trust counts it.
/// `W_ij` itself is never formed: the row's stake is scaled once by its sum
/// ([`RowScale`]), and each entry is then one multiply, within two units in the last place
/// (`2⁻⁶³`) below the exact product and never above it. A row stored as the pallet stores
/// it (strictly ascending) is read in place; any other is sorted and merged first.
pub fn weighted_entries<'a>(
    i: usize,
    row: &'a [(u16, u16)],
    last_update_i: u64,
    registrations: &Registrations<'a>,
    mask_self_weight: bool,
    s_i: Fixed,
) -> impl Iterator<Item = (u16, Fixed)> + Clone + 'a {
    // The row's sum and whether its columns are strictly ascending, in one walk.
    let (mut total, mut ascending, mut last) = (0u128, true, None::<u16>);
    for (j, v) in row {
        total = total.saturating_add(u128::from(*v));
        ascending &= last.is_none_or(|l| l < *j);
        last = Some(*j);
    }
    let scale = RowScale::new(total, s_i);
    let registrations = *registrations;
    let check_registrations = last_update_i <= registrations.newest;
    // Whether a non-zero vote for `j` counts.
    let counts = move |j: usize| {
        let current = if check_registrations {
            registrations.current(j, last_update_i)
        } else {
            j < registrations.at.len()
        };
        current && !(mask_self_weight && j == i)
    };
    let (f, k) = scale.factor.unwrap_or((0, 0));
    let read = move |j: u16, v: u16| {
        // v < 2¹⁶ and f ≤ 2⁶⁵ (see `RowScale`): the product fits.
        (v > 0 && counts(usize::from(j)))
            .then(|| Fixed::from_bits(u128::from(v).wrapping_mul(f) >> k))
    };
    if ascending && scale.factor.is_some() {
        return RowEntries::in_place(row, read);
    }
    let kept: Vec<(u16, u128)> = row
        .iter()
        .filter(|(j, v)| *v > 0 && counts(usize::from(*j)))
        .map(|(j, v)| (*j, u128::from(*v)))
        .collect();
    let merged = merge_duplicates(kept, |a, b| a.saturating_add(b))
        .into_iter()
        .map(|(j, v)| (j, scale.of(v)))
        .collect();
    RowEntries::merged(merged, read)
}

/// A sparse row as a step reads it: a stored row (strictly ascending) read in place, each
/// entry turned into its value or skipped by `read`; or a row that had to be sorted and
/// merged first, with its entries computed up front. Serves [`weighted_entries`] and
/// [`previous_bonds`].
#[derive(Clone, Debug)]
struct RowEntries<'a, S, F> {
    /// The stored row, still to be read.
    row: core::slice::Iter<'a, (u16, S)>,
    /// The entries of a row that was merged.
    merged: Option<alloc::vec::IntoIter<(u16, Fixed)>>,
    read: F,
}

impl<'a, S, F> RowEntries<'a, S, F> {
    fn in_place(row: &'a [(u16, S)], read: F) -> Self {
        Self {
            row: row.iter(),
            merged: None,
            read,
        }
    }

    fn merged(entries: SparseRow, read: F) -> Self {
        Self {
            row: [].iter(),
            merged: Some(entries.into_iter()),
            read,
        }
    }
}

impl<S: Copy, F: FnMut(u16, S) -> Option<Fixed>> Iterator for RowEntries<'_, S, F> {
    type Item = (u16, Fixed);

    #[inline]
    fn next(&mut self) -> Option<(u16, Fixed)> {
        if let Some(merged) = &mut self.merged {
            return merged.next();
        }
        loop {
            let (j, v) = *self.row.next()?;
            if let Some(value) = (self.read)(j, v) {
                return Some((j, value));
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match &self.merged {
            Some(merged) => merged.size_hint(),
            None => (0, Some(self.row.len())),
        }
    }
}

/// A weight row's stake per unit of weight: `x = v s_i / Σv` as one multiply and a shift.
///
/// With `k` the bit length of the row's sum `t` (so `2^(k−1) ≤ t < 2^k`), the factor is
/// `f = ⌊s_i 2^k / t⌋ ≤ 2 s_i` and `x = ⌊v f / 2^k⌋`. The factor is short of `s_i 2^k / t`
/// by less than one, which costs `x` less than `v / 2^k < 1` unit; the floor costs at most
/// one more. So `x` is at most two units (`2⁻⁶⁴` each) below `v s_i / t`, never above it,
/// and a row's products never sum to more than `s_i`.
///
/// A row whose sum needs more than 48 bits (over 2³² maximal `u16` votes), or a stake
/// above one, takes the exact `ratio_u128(v, t) · s_i` instead.
#[derive(Clone, Copy, Debug)]
pub struct RowScale {
    total: u128,
    s_i: Fixed,
    /// `(f, k)`, when the row is within range.
    factor: Option<(u128, u32)>,
}

impl RowScale {
    /// The scale of a row summing to `total` whose voter holds `s_i`.
    pub fn new(total: u128, s_i: Fixed) -> Self {
        let k = 128u32.saturating_sub(total.leading_zeros());
        let s = s_i.to_bits();
        let factor = if k <= 48 && s <= ONE.to_bits() {
            // s ≤ 2⁶⁴ and k ≤ 48: the shift fits 113 bits.
            (s << k).checked_div(total).map(|f| (f, k))
        } else {
            None
        };
        Self { total, s_i, factor }
    }

    /// `x = v s_i / total` for `v ≤ total`.
    #[inline]
    pub fn of(&self, v: u128) -> Fixed {
        match self.factor {
            // v ≤ total < 2⁴⁸ and f ≤ 2⁶⁵: the product fits 113 bits.
            Some((f, k)) if v <= self.total => Fixed::from_bits(v.wrapping_mul(f) >> k),
            _ => mul(ratio_u128(v, self.total), self.s_i),
        }
    }
}

/// The stored bonds of row `i` as [`Fixed`], sorted and merged, with the bonds of uids
/// registered after `cover` (held by another neuron when they were formed) dropped.
pub fn previous_bond_row(
    i: usize,
    row: &[(u16, u64)],
    registrations: &Registrations<'_>,
    cover: u64,
) -> SparseRow {
    previous_bonds(i, row, registrations, cover).collect()
}

/// [`previous_bond_row`] computed as it is read. A row stored as the pallet stores it
/// (strictly ascending) is read in place; any other is sorted and merged first.
pub fn previous_bonds<'a>(
    i: usize,
    row: &'a [(u16, u64)],
    registrations: &Registrations<'a>,
    cover: u64,
) -> impl Iterator<Item = (u16, Fixed)> + Clone + 'a {
    let registrations = *registrations;
    // Bonds that cover every registration are all current: only the uids are checked.
    let every = cover >= registrations.newest;
    // Whether uid `j` has been held by the same neuron since `cover`.
    let current = move |j: usize| match registrations.at.get(j) {
        Some(r) => every || *r <= cover,
        None => false,
    };
    let read =
        move |j: u16, q: u64| (q > 0 && current(usize::from(j))).then(|| crate::dequantize_bond(q));
    if !current(i) {
        return RowEntries::in_place(&[], read);
    }
    if strictly_ascending(row) {
        return RowEntries::in_place(row, read);
    }
    let kept: SparseRow = row
        .iter()
        .filter_map(|(j, q)| read(*j, *q).map(|b| (*j, b)))
        .collect();
    RowEntries::merged(merge_duplicates(kept, add), read)
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

    /// Adds row `i`: its products `x_ij = W_ij s_i` ([`weighted_row`]), its active stake
    /// `s_i` and its previous bonds.
    pub fn add_row(
        &mut self,
        i: usize,
        x: impl IntoIterator<Item = (u16, Fixed)>,
        s_i: Fixed,
        previous_bonds: impl IntoIterator<Item = (u16, Fixed)>,
    ) {
        // Saturating additions on the bits: what `add` computes, in fewer instructions.
        let (mut own, mut all) = (0u128, 0u128);
        let s_i = s_i.to_bits();
        for (j, x_ij) in x {
            let (j, x_ij) = (usize::from(j), x_ij.to_bits());
            if let Some(r_j) = self.raw_rank.get_mut(j) {
                *r_j = Fixed::from_bits(r_j.to_bits().saturating_add(x_ij));
            }
            // Every entry of a weighted row is a `W_ij > 0`.
            if let Some(t_j) = self.trust.get_mut(j) {
                *t_j = Fixed::from_bits(t_j.to_bits().saturating_add(s_i));
            }
            all = all.saturating_add(x_ij);
            if j == i {
                own = own.saturating_add(x_ij);
            }
        }
        self.all = add(self.all, Fixed::from_bits(all));
        self.own = add(self.own, Fixed::from_bits(own));
        add_columns(&mut self.old_bond_columns, previous_bonds);
    }

    /// The first pass over rows `0..n` in ascending order, bit for bit what
    /// [`Self::add_row`] gives row after row; `row(i)` yields row `i`'s products, `s_i` and
    /// previous bonds, and may be called twice for a row.
    ///
    /// For a whole epoch in one call: while no sum reaches one, `r_j` and `T_j` fit 64 bits,
    /// so they are added side by side in 16 bytes a column, half the memory that two
    /// 128-bit vectors take, which the per-entry additions reach at random. A sum that
    /// wrapped is seen in the totals (every wrap takes `2⁶⁴` from the column sums' total),
    /// and then, or for a stake or product of one or more, the rows are added again at
    /// full width. That happens only when one voter holds all the active stake or every
    /// voter votes for one column.
    pub fn of_rows<X, P>(n: usize, mut row: impl FnMut(usize) -> (X, Fixed, P)) -> Self
    where
        X: IntoIterator<Item = (u16, Fixed)>,
        P: IntoIterator<Item = (u16, Fixed)>,
    {
        if let Some(first) = Self::narrow(n, &mut row) {
            return first;
        }
        let mut first = Self::new(n);
        for i in 0..n {
            let (x, s_i, previous) = row(i);
            first.add_row(i, x, s_i, previous);
        }
        first
    }

    /// [`Self::of_rows`] with 64-bit column sums, or `None` where they do not hold it.
    fn narrow<X, P>(n: usize, row: &mut impl FnMut(usize) -> (X, Fixed, P)) -> Option<Self>
    where
        X: IntoIterator<Item = (u16, Fixed)>,
        P: IntoIterator<Item = (u16, Fixed)>,
    {
        let zero = Fixed::from_num(0);
        let mut columns = vec![[0u64; 2]; n];
        let mut old_bond_columns = vec![zero; n];
        // Σ_ij x_ij (all entries, and those of the diagonal), and what the column sums
        // must total: Σ x_ij and Σ s_i over the entries in range.
        let (mut all, mut own, mut ranked, mut trusted) = (0u128, 0u128, 0u128, 0u128);
        for i in 0..n {
            let (x, s_i, previous) = row(i);
            let s_i = u64::try_from(s_i.to_bits()).ok()?;
            for (j, x_ij) in x {
                let x_ij = u64::try_from(x_ij.to_bits()).ok()?;
                let wide = u128::from(x_ij);
                if let Some([r_j, t_j]) = columns.get_mut(usize::from(j)) {
                    *r_j = r_j.wrapping_add(x_ij);
                    *t_j = t_j.wrapping_add(s_i);
                    ranked = ranked.saturating_add(wide);
                    trusted = trusted.saturating_add(u128::from(s_i));
                }
                all = all.saturating_add(wide);
                if usize::from(j) == i {
                    own = own.saturating_add(wide);
                }
            }
            add_columns(&mut old_bond_columns, previous);
        }
        let total = |k: usize| {
            columns.iter().fold(0u128, |acc, c| {
                acc.saturating_add(u128::from(c.get(k).copied().unwrap_or(0)))
            })
        };
        if total(0) != ranked || total(1) != trusted {
            return None;
        }
        let column = |k: usize| -> Vec<Fixed> {
            columns
                .iter()
                .map(|c| Fixed::from_bits(u128::from(c.get(k).copied().unwrap_or(0))))
                .collect()
        };
        Some(Self {
            raw_rank: column(0),
            trust: column(1),
            old_bond_columns,
            own: Fixed::from_bits(own),
            all: Fixed::from_bits(all),
        })
    }
}

/// Adds a sparse row into column sums.
pub fn add_columns(sums: &mut [Fixed], row: impl IntoIterator<Item = (u16, Fixed)>) {
    for (j, v) in row {
        if let Some(c) = sums.get_mut(usize::from(j)) {
            *c = add(*c, v);
        }
    }
}

/// Every value of a vector prepared as a [`Divisor`] (one 128-bit division each).
pub fn divisors(values: &[Fixed]) -> Vec<Divisor> {
    values.iter().map(|v| Divisor::new(*v)).collect()
}

/// Step 8 for one row: `ΔB_ij = x_ij / r_j` with `x_ij = W_ij s_i` ([`weighted_row`]),
/// zero entries dropped. `raw_rank` is `r` prepared by [`divisors`].
pub fn bond_delta_row(x: &[(u16, Fixed)], raw_rank: &[Divisor]) -> SparseRow {
    x.iter()
        .filter_map(|(j, x_ij)| {
            let r_j = raw_rank.get(usize::from(*j))?;
            let v = r_j.div(*x_ij);
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
    old_bond_columns
        .iter()
        .zip(raw_rank)
        .map(|(old, r)| new_bond_column(*old, *r, alpha))
        .collect()
}

/// One column of [`new_bond_columns`]: `old` the column's previous bonds' sum, `r` its
/// `r_j`.
fn new_bond_column(old: Fixed, r: Fixed, alpha: Fixed) -> Fixed {
    let zero = Fixed::from_num(0);
    let alpha = alpha.min(ONE);
    let delta = if r > zero { ONE } else { zero };
    if old > zero {
        add(mul(sub(ONE, alpha), old), mul(alpha, delta))
    } else {
        delta
    }
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

/// Steps 8 and 9 as two multipliers per column: `B'_ij = β_j B_ij + γ_j x_ij`, with
/// `x_ij = W_ij s_i` ([`weighted_entries`]), returned as `(γ, β)`.
///
/// With `C_j` the mixed bonds' column sum ([`new_bond_columns`]), a column that had
/// bonds mixes `((1 − α) B_ij + α x_ij / r_j) / C_j`, so `β_j = (1 − α) / C_j` and
/// `γ_j = (α / (1 − α)) β_j / r_j`; a column that had none takes `ΔB_ij / C_j = x_ij /
/// r_j` (`C_j` is one there), so `β_j = 0` and `γ_j = 1 / r_j`. A column nobody voted
/// for (`r_j = 0`, so every `x_ij` is zero) has `γ_j = 0`. Each multiplier is held to 64
/// significant bits ([`Scale`]), and a column costs two 128-bit divisions, as many as
/// preparing `r_j` and `C_j` as divisors did.
pub fn second_pass_scales(
    raw_rank: &[Fixed],
    old_bond_columns: &[Fixed],
    alpha: Fixed,
) -> (Vec<Scale>, Vec<Scale>) {
    let zero = Fixed::from_num(0);
    let alpha = alpha.min(ONE);
    let keep = sub(ONE, alpha);
    let mixing = Scale::ratio(alpha, keep);
    raw_rank
        .iter()
        .zip(old_bond_columns.iter().chain(core::iter::repeat(&zero)))
        .map(|(r, old)| {
            let per_rank = Scale::ratio(ONE, *r);
            if *old == zero {
                return (per_rank, Scale::ZERO);
            }
            let c = new_bond_column(*old, *r, alpha);
            let bond = Scale::ratio(keep, c);
            // α / C_j: through β_j, or (α = 1: nothing is kept) directly.
            let share = if keep > zero {
                mixing.then(&bond)
            } else {
                Scale::ratio(alpha, c)
            };
            (share.then(&per_rank), bond)
        })
        .unzip()
}

/// What the second pass over the rows reads besides the row itself: the multipliers of
/// [`second_pass_scales`] and `I`.
#[derive(Clone, Copy, Debug)]
pub struct SecondPass<'a> {
    /// `γ_j`: `B'_ij` per unit of `x_ij`.
    pub delta_scale: &'a [Scale],
    /// `β_j`: `B'_ij` per unit of `B_ij`.
    pub bond_scale: &'a [Scale],
    /// `I_j`.
    pub incentive: &'a [Fixed],
}

impl<'a> SecondPass<'a> {
    /// Steps 8, 9 and 10 for row `i` in one merge of its products `x_ij = W_ij s_i`
    /// ([`weighted_entries`]) with its previous bonds ([`previous_bonds`]): `B'_i·` as
    /// stored ([`crate::store_bond_row`]) and the row's dividend before normalisation,
    /// `Σ_j B'_ij I_j`.
    ///
    /// `B'_ij = β_j B_ij + γ_j x_ij` ([`second_pass_scales`]): what [`bond_delta_row`],
    /// [`mix_bond_row`] and [`normalize_bond_row`] compute one after another, within a few
    /// units in the last place, with two products an entry and no division.
    pub fn row(
        &self,
        x: impl IntoIterator<Item = (u16, Fixed)>,
        previous: impl IntoIterator<Item = (u16, Fixed)>,
    ) -> (crate::StoredBondRow, Fixed) {
        second_pass_row(self, x, previous)
    }

    /// The same inputs packed into one 32-byte [`Column`] per uid, for many rows in a
    /// row: [`ColumnTable::row`] then reads one place per entry where [`Self::row`]
    /// reads three (one from each vector). Costs one pass over the columns.
    pub fn table(self) -> ColumnTable<'a> {
        let n = self.delta_scale.len().max(self.bond_scale.len());
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
/// [`SecondPass`] give, including for a column beyond them (zero).
trait SecondPassColumn {
    /// `γ_j`.
    fn delta(&self) -> Scale;
    /// `β_j`.
    fn bond(&self) -> Scale;
    /// `b I_j`.
    fn dividend(&self, b: Fixed) -> Fixed;
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

impl VectorColumn<'_, '_> {
    fn incentive(&self) -> Fixed {
        self.pass
            .incentive
            .get(self.j)
            .copied()
            .unwrap_or(Fixed::from_num(0))
    }
}

impl SecondPassColumn for VectorColumn<'_, '_> {
    #[inline]
    fn delta(&self) -> Scale {
        self.pass
            .delta_scale
            .get(self.j)
            .copied()
            .unwrap_or_default()
    }
    #[inline]
    fn bond(&self) -> Scale {
        self.pass
            .bond_scale
            .get(self.j)
            .copied()
            .unwrap_or_default()
    }
    #[inline]
    fn dividend(&self, b: Fixed) -> Fixed {
        mul(b, self.incentive())
    }
}

/// One column of the second pass's inputs in 32 bytes: `γ_j` and `β_j` as [`Scale`]s and
/// `I_j`'s bits (a column whose `I_j` is one or more, which its bits would not fit, reads
/// the vector), the three 64-bit words together and the two shifts after them, so that
/// two columns share a cache line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C, align(32))]
pub struct Column {
    /// The mantissas of `γ_j` and `β_j`, then the bits of `I_j`.
    m: [u64; 3],
    /// The shifts of `γ_j` and `β_j`.
    e: [u8; 2],
    /// `I_j ≥ 1`: its bits do not fit.
    wide: bool,
}

impl Column {
    fn new(pass: &SecondPass<'_>, j: usize) -> Self {
        let vectors = VectorColumn { pass, j };
        let (delta, bond) = (vectors.delta(), vectors.bond());
        let incentive = u64::try_from(vectors.incentive().to_bits());
        Self {
            m: [delta.m, bond.m, incentive.unwrap_or(0)],
            e: [delta.e, bond.e],
            wide: incentive.is_err(),
        }
    }

    /// Scale `k` of the two.
    #[inline(always)]
    fn scale(&self, k: usize) -> Scale {
        match (self.m.get(k), self.e.get(k)) {
            (Some(m), Some(e)) => Scale { m: *m, e: *e },
            _ => Scale::ZERO,
        }
    }

    /// `b I_j`, for an `I_j` below one (its bits fit 64, so [`mul`] takes its native
    /// 64 × 64-bit product whenever `b` is below one too).
    #[inline(always)]
    fn dividend(&self, b: Fixed) -> Fixed {
        let incentive = self.m.get(2).copied().unwrap_or(0);
        mul(b, Fixed::from_bits(u128::from(incentive)))
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
        x: impl IntoIterator<Item = (u16, Fixed)>,
        previous: impl IntoIterator<Item = (u16, Fixed)>,
    ) -> (crate::StoredBondRow, Fixed) {
        second_pass_row(self, x, previous)
    }
}

/// Column `j` of a [`ColumnTable`]: packed, or the vectors for a column beyond the table
/// or one whose `I_j` the table cannot hold exactly.
#[derive(Clone, Copy)]
enum TableColumn<'p, 'a> {
    Packed(&'p Column),
    Vectors(VectorColumn<'p, 'a>),
}

impl SecondPassColumns for ColumnTable<'_> {
    #[inline]
    fn column(&self, j: usize) -> impl SecondPassColumn {
        match self.columns.get(j) {
            Some(c) if !c.wide => TableColumn::Packed(c),
            _ => TableColumn::Vectors(VectorColumn {
                pass: &self.pass,
                j,
            }),
        }
    }
}

impl SecondPassColumn for TableColumn<'_, '_> {
    #[inline(always)]
    fn delta(&self) -> Scale {
        match self {
            Self::Packed(c) => c.scale(0),
            Self::Vectors(v) => v.delta(),
        }
    }
    #[inline(always)]
    fn bond(&self) -> Scale {
        match self {
            Self::Packed(c) => c.scale(1),
            Self::Vectors(v) => v.bond(),
        }
    }
    #[inline(always)]
    fn dividend(&self, b: Fixed) -> Fixed {
        match self {
            Self::Packed(c) => c.dividend(b),
            Self::Vectors(v) => v.dividend(b),
        }
    }
}

/// The second pass over one row (see [`SecondPass::row`]): the products merged by column
/// with the previous bonds, each column's `B'_ij` added to the dividend and quantised.
#[inline]
fn second_pass_row<C: SecondPassColumns>(
    columns: &C,
    x: impl IntoIterator<Item = (u16, Fixed)>,
    previous: impl IntoIterator<Item = (u16, Fixed)>,
) -> (crate::StoredBondRow, Fixed) {
    let zero = Fixed::from_num(0);
    let (x, mut previous) = (x.into_iter(), previous.into_iter());
    let capacity = |hint: (usize, Option<usize>)| hint.1.unwrap_or(hint.0);
    let mut row = BondRowBuilder {
        stored: Vec::with_capacity(capacity(previous.size_hint()).max(capacity(x.size_hint()))),
        dividend: zero,
    };
    // A merge by column: previous bonds below the column of the next product go first on
    // their own; a bond and a product of the same column go together.
    let mut bond = previous.next();
    for (j, x_ij) in x {
        while let Some((k, b_ik)) = bond {
            if k >= j {
                break;
            }
            row.add_bond(k, &columns.column(usize::from(k)), b_ik);
            bond = previous.next();
        }
        let column = columns.column(usize::from(j));
        match bond {
            Some((k, b_ij)) if k == j => {
                bond = previous.next();
                row.add(j, column.bond().apply(b_ij), &column, x_ij);
            }
            _ => row.add(j, zero, &column, x_ij),
        }
    }
    while let Some((k, b_ik)) = bond {
        row.add_bond(k, &columns.column(usize::from(k)), b_ik);
        bond = previous.next();
    }
    (crate::bound_bond_row(row.stored), row.dividend)
}

/// A row of `B'` and its dividend, built column by column.
struct BondRowBuilder {
    stored: crate::StoredBondRow,
    dividend: Fixed,
}

impl BondRowBuilder {
    /// Column `j` with a product: `B'_ij = β_j b_ij + γ_j x_ij` (steps 8 and 9) from
    /// `kept = β_j b_ij` (zero without a bond), added to the dividend (step 10) and stored
    /// quantised.
    #[inline(always)]
    fn add(&mut self, j: u16, kept: Fixed, column: &impl SecondPassColumn, x_ij: Fixed) {
        self.push(j, column, add(kept, column.delta().apply(x_ij)));
    }

    /// Column `j` with a bond and no product: `B'_ij = β_j b_ij`.
    #[inline(always)]
    fn add_bond(&mut self, j: u16, column: &impl SecondPassColumn, b_ij: Fixed) {
        self.push(j, column, column.bond().apply(b_ij));
    }

    /// `B'_ij = b`, added to the dividend and stored quantised.
    #[inline(always)]
    fn push(&mut self, j: u16, column: &impl SecondPassColumn, b: Fixed) {
        if b == Fixed::from_num(0) {
            return;
        }
        self.dividend = add(self.dividend, column.dividend(b));
        let q = crate::quantize_bond(b);
        if q > 0 {
            self.stored.push((j, q));
        }
    }
}
