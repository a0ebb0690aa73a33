//! The first pass over the rows: the column sums `r_j`, `T_j` and the previous bonds'
//! column sums, and the self-weight sums (steps 4, 5, 9 and 14).

use crate::fixed::add;
use crate::Fixed;
use alloc::{vec, vec::Vec};

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

    /// Adds row `i`: its products `x_ij = W_ij s_i` ([`weighted_row`](super::weighted_row)),
    /// its active stake `s_i` and its previous bonds.
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
