//! The second pass over the rows: each row's new bonds `B'_i·`, stored, and its dividend
//! before normalisation (steps 8, 9 and 10), with the columns read from vectors or from
//! a packed [`ColumnTable`](super::ColumnTable).

use crate::fixed::{add, mul, Scale};
use crate::Fixed;
use alloc::vec::Vec;

/// What the second pass over the rows reads besides the row itself: the multipliers of
/// [`second_pass_scales`](super::second_pass_scales) and `I`.
#[derive(Clone, Copy, Debug)]
pub struct SecondPass<'a> {
    /// `γ_j`: `B'_ij` per unit of `x_ij`.
    pub delta_scale: &'a [Scale],
    /// `β_j`: `B'_ij` per unit of `B_ij`.
    pub bond_scale: &'a [Scale],
    /// `I_j`.
    pub incentive: &'a [Fixed],
}

impl SecondPass<'_> {
    /// Steps 8, 9 and 10 for row `i` in one merge of its products `x_ij = W_ij s_i`
    /// ([`weighted_entries`](super::weighted_entries)) with its previous bonds
    /// ([`previous_bonds`](super::previous_bonds)): `B'_i·` as stored
    /// ([`crate::store_bond_row`]) and the row's dividend before normalisation,
    /// `Σ_j B'_ij I_j`.
    ///
    /// `B'_ij = β_j B_ij + γ_j x_ij` ([`second_pass_scales`](super::second_pass_scales)):
    /// what [`bond_delta_row`](super::bond_delta_row), [`mix_bond_row`](super::mix_bond_row)
    /// and [`normalize_bond_row`](super::normalize_bond_row) compute one after another,
    /// within a few units in the last place, with two products an entry and no division.
    pub fn row(
        &self,
        x: impl IntoIterator<Item = (u16, Fixed)>,
        previous: impl IntoIterator<Item = (u16, Fixed)>,
    ) -> (crate::StoredBondRow, Fixed) {
        second_pass_row(self, x, previous)
    }
}

/// Where the second pass reads its columns: the vectors of [`SecondPass`], or their
/// packed [`ColumnTable`](super::ColumnTable).
pub(super) trait SecondPassColumns {
    /// Column `j`, read once for every use the row makes of it.
    fn column(&self, j: usize) -> impl SecondPassColumn;
}

/// What the second pass reads of one column. Each method gives what the vectors of
/// [`SecondPass`] give, including for a column beyond them (zero).
pub(super) trait SecondPassColumn {
    /// `γ_j`.
    fn delta(&self) -> Scale;
    /// `β_j`.
    fn bond(&self) -> Scale;
    /// `b I_j`.
    fn dividend(&self, b: Fixed) -> Fixed;
}

/// Column `j` of a [`SecondPass`]'s vectors.
#[derive(Clone, Copy)]
pub(super) struct VectorColumn<'p, 'a> {
    pub(super) pass: &'p SecondPass<'a>,
    pub(super) j: usize,
}

impl SecondPassColumns for SecondPass<'_> {
    #[inline]
    fn column(&self, j: usize) -> impl SecondPassColumn {
        VectorColumn { pass: self, j }
    }
}

impl VectorColumn<'_, '_> {
    /// `I_j`.
    pub(super) fn incentive(&self) -> Fixed {
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

/// The second pass over one row (see [`SecondPass::row`]): the products merged by column
/// with the previous bonds, each column's `B'_ij` added to the dividend and quantised.
#[inline]
pub(super) fn second_pass_row<C: SecondPassColumns>(
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
