//! The second pass's inputs packed per column: `γ_j`, `β_j` and `I_j` of one column in 32
//! bytes ([`Column`]), read in one place per entry ([`ColumnTable`]).

use super::second_pass::{
    second_pass_row, SecondPass, SecondPassColumn, SecondPassColumns, VectorColumn,
};
use crate::fixed::{mul, Scale};
use crate::Fixed;
use alloc::vec::Vec;

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

impl<'a> SecondPass<'a> {
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
