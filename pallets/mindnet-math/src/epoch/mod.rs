//! The steps of one epoch, each a pure function over sparse rows (MECHANISM.md steps 1–13).
//!
//! Vectors are indexed by uid (`0..n`). Sparse rows are `(column uid, value)` lists sorted
//! by column. Every function accepts any input: out-of-range uids are ignored, zero
//! divisors give zero, sums saturate.
//!
//! The steps live in one module each by role, and are all re-exported here:
//!
//! * `vectors`: the steps over whole vectors (1, 2, 4, 6, 7, 11, 12, 13);
//! * `rows`: reading one row, its products `x_ij = W_ij s_i` (steps 3 and 4) and its
//!   previous bonds, as a streaming (multi-block) epoch folds them row by row;
//! * `first_pass`: the column sums of the first pass over the rows ([`FirstPass`]);
//! * `bonds`: steps 8 and 9 row by row, and as per-column multipliers
//!   ([`second_pass_scales`]);
//! * `second_pass`: each row's `B'_i·` and dividend ([`SecondPass`]);
//! * `column_table`: the second pass's columns packed ([`ColumnTable`]);
//! * `transitive`: the transitive ranking's passes ([`TransitivePass`]).

use crate::Fixed;
use alloc::vec::Vec;

mod bonds;
mod column_table;
mod first_pass;
mod rows;
mod second_pass;
mod transitive;
mod vectors;

pub use bonds::{
    bond_delta_row, divisors, mix_bond_row, new_bond_columns, normalize_bond_row,
    second_pass_scales,
};
pub use column_table::{Column, ColumnTable};
pub use first_pass::{add_columns, FirstPass};
pub use rows::{
    merge_duplicates, previous_bond_row, previous_bonds, weighted_entries, weighted_row,
    weighted_rows, Registrations, RowScale,
};
pub use second_pass::SecondPass;
pub use transitive::{
    epsilon, flow_entries, transitive_absorbed, transitive_done, Ranking, TransitivePass,
    DEFAULT_ITERATIONS, EPSILON,
};
pub use vectors::{
    active_mask, active_stake, apportion, consensus, emission_shares, incentive, loss, ranks,
};

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
