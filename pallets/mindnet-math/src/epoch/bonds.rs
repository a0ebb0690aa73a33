//! Steps 8 and 9 for the bonds: row by row as MECHANISM.md states them (`ΔB`, the
//! moving average, the column normalisation) and as two multipliers per column.

use super::SparseRow;
use crate::fixed::{add, mul, sub, Divisor, Scale, ONE};
use crate::Fixed;
use alloc::vec::Vec;

/// Every value of a vector prepared as a [`Divisor`] (one 128-bit division each).
pub fn divisors(values: &[Fixed]) -> Vec<Divisor> {
    values.iter().map(|v| Divisor::new(*v)).collect()
}

/// Step 8 for one row: `ΔB_ij = x_ij / r_j` with `x_ij = W_ij s_i`
/// ([`weighted_row`](super::weighted_row)), zero entries dropped. `raw_rank` is `r`
/// prepared by [`divisors`].
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
/// `x_ij = W_ij s_i` ([`weighted_entries`](super::weighted_entries)), returned as `(γ, β)`.
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
