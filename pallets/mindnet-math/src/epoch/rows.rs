//! Reading one row: the products `x_ij = W_ij s_i` of a weight row (steps 3 and 4) and
//! the previous bonds of a stored bond row, each as it is read, in ascending column order.

use super::{NeuronState, SparseRow};
use crate::fixed::{add, mul, ratio_u128, ONE};
use crate::Fixed;
use alloc::vec::Vec;

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
