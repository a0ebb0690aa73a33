//! What the epoch's work weighs: the per-block budget, the vectors each phase loads, each
//! unit of work (a uid, a row, a page of bonds, a whole-network step) at its actual size
//! and at its worst, and how many units still fit a meter.

use super::{paging::pages, EpochPhase, BOND_PAGE, COPIED_PAGE, PAGE_SIZE};
use crate::*;
use frame_support::{pallet_prelude::*, traits::Defensive, weights::WeightMeter};

impl<T: Config> Pallet<T> {
    /// The weight a block may spend on epochs: `EpochBudget` of the block's maximum, but
    /// never less than one step of an epoch on a network of `MaxNeurons` neurons needs
    /// ([`Self::epoch_step_floor`]).
    ///
    /// `set_epoch_budget` refuses a budget below that floor, but a runtime upgrade can raise
    /// the benchmarked weights under a budget stored before it: without the floor, epochs
    /// of the largest networks would stop advancing until root acted.
    pub fn epoch_budget() -> Weight {
        Self::budget_weight(EpochBudget::<T>::get()).max(Self::epoch_step_floor())
    }

    /// What one step of an epoch on a network of `MaxNeurons` neurons needs (its block's
    /// overhead and vectors, and its largest unit of work), at most the largest budget root
    /// may set (half a block).
    pub fn epoch_step_floor() -> Weight {
        Self::largest_step().min(Self::budget_weight(MAX_EPOCH_BUDGET))
    }

    /// One step of an epoch on a network of `MaxNeurons` neurons: its block's overhead and
    /// vectors, and its largest unit of work.
    fn largest_step() -> Weight {
        let n = T::MaxNeurons::get();
        Self::epoch_block_max(n).saturating_add(Self::epoch_unit_max(n))
    }

    fn budget_weight(share: Perbill) -> Weight {
        let max = T::BlockWeights::get().max_block;
        Weight::from_parts(
            share.mul_floor(max.ref_time()),
            share.mul_floor(max.proof_size()),
        )
    }

    /// Whether `budget` of a block fits loading the vectors of a network of `MaxNeurons`
    /// neurons and its largest unit of work.
    pub fn budget_fits_largest_network(budget: Perbill) -> bool {
        Self::largest_step().all_lte(Self::budget_weight(budget))
    }

    /// Loading (and, for those it writes, saving) the vectors `phase` uses, over `n`
    /// neurons.
    pub(crate) fn phase_vectors_weight(phase: EpochPhase, n: u32) -> Weight {
        let (read, written, caches) = phase.vectors();
        // A phase reads and writes at most a few vectors.
        let count = |x: usize| u64::try_from(x).defensive_unwrap_or(u64::MAX);
        // A cache is charged as a vector written: it converts a whole vector, as a save
        // encodes one.
        let writes = count(written.len()).saturating_add(u64::from(caches));
        // The phases that read copies read the bitmap of which uids have one, a read per
        // page.
        let copied = match phase {
            EpochPhase::Gather
            | EpochPhase::FirstPass
            | EpochPhase::Transitive
            | EpochPhase::SecondPass
            | EpochPhase::Credit => T::DbWeight::get().reads(pages(n, COPIED_PAGE)),
            _ => Weight::zero(),
        };
        T::WeightInfo::epoch_vector_read(n)
            .saturating_mul(count(read.len()))
            .saturating_add(T::WeightInfo::epoch_vector_write(n).saturating_mul(writes))
            .saturating_add(copied)
    }

    /// The most a block that advances an epoch over `n` neurons spends besides its units of
    /// work: the block's own reads and writes, and the vectors of its most costly phase.
    pub fn epoch_block_max(n: u32) -> Weight {
        EpochPhase::ALL
            .iter()
            .map(|phase| Self::phase_vectors_weight(*phase, n))
            .fold(Weight::zero(), |a, b| a.max(b))
            .saturating_add(Self::epoch_block_overhead())
    }

    /// A block's own reads and writes when it advances an epoch (`epoch_block`), with the
    /// read and write of [`RunningTransitive`].
    pub(super) fn epoch_block_overhead() -> Weight {
        T::WeightInfo::epoch_block().saturating_add(T::DbWeight::get().reads_writes(1, 1))
    }

    /// The weight of one row of a pass with `w` weight entries and `b` stored bonds.
    ///
    /// A row of the transitive ranking is charged as a first-pass row with no bonds: it
    /// reads the same row (and its copy) and scales the same entries, and adds each to
    /// one column sum where the first pass adds to two.
    pub(super) fn row_weight(phase: EpochPhase, w: u32, b: u32) -> Weight {
        match phase {
            EpochPhase::FirstPass => T::WeightInfo::epoch_first_row(w, b),
            EpochPhase::Transitive => T::WeightInfo::epoch_first_row(w, 0),
            _ => T::WeightInfo::epoch_second_row(w, b),
        }
    }

    /// The worst-case weight of one row of `phase`'s pass.
    pub(super) fn row_max(phase: EpochPhase) -> Weight {
        Self::row_weight(
            phase,
            T::MaxWeightsPerRow::get(),
            mindnet_math::MAX_BONDS_PER_ROW as u32,
        )
    }

    /// The worst-case weight of one row of either pass.
    pub fn epoch_row_max() -> Weight {
        Self::row_max(EpochPhase::FirstPass).max(Self::row_max(EpochPhase::SecondPass))
    }

    /// Loading a bond page holding `entries` bonds and writing it back (what the first
    /// pass pays for a page it only reads; the second pays
    /// [`Self::rewritten_bond_page_weight`]).
    pub(super) fn bond_page_weight(entries: usize) -> Weight {
        // A page holds at most `BOND_PAGE` rows of `MAX_BONDS_PER_ROW` (and callers count
        // no more), so a row's share fits a `u32`.
        let per_row = entries.div_ceil(BOND_PAGE as usize);
        T::WeightInfo::epoch_bond_page(u32::try_from(per_row).defensive_unwrap_or(u32::MAX))
    }

    /// Loading a bond page of `entries` bonds and writing back its new rows (what the
    /// second pass pays). A new row holds at most the bonds its old row held plus one per
    /// weight entry (`MaxWeightsPerRow`), and at most `MAX_BONDS_PER_ROW`: so the page
    /// written holds at most `entries + 16 · MaxWeightsPerRow` bonds, and never more than
    /// a full page.
    pub(super) fn rewritten_bond_page_weight(entries: usize) -> Weight {
        let rows = BOND_PAGE as usize;
        let grown =
            entries.saturating_add(rows.saturating_mul(T::MaxWeightsPerRow::get() as usize));
        Self::bond_page_weight(grown.min(rows.saturating_mul(mindnet_math::MAX_BONDS_PER_ROW)))
    }

    /// The most a bond page costs: every row full.
    pub(super) fn bond_page_max() -> Weight {
        T::WeightInfo::epoch_bond_page(mindnet_math::MAX_BONDS_PER_ROW as u32)
    }

    /// The largest unit of epoch work on a network of `n` neurons: a block that advances
    /// an epoch has at least this much budget left after loading the epoch's vectors.
    pub fn epoch_unit_max(n: u32) -> Weight {
        EpochPhase::ALL
            .iter()
            .map(|phase| Self::phase_unit_max(*phase, n))
            .fold(Weight::zero(), |a, b| a.max(b))
    }

    /// The largest unit of `phase`'s work on a network of `n` neurons.
    pub fn phase_unit_max(phase: EpochPhase, n: u32) -> Weight {
        use EpochPhase as P;
        match phase {
            P::Gather => Self::gather_weight(1),
            P::FirstPass | P::SecondPass => {
                Self::row_max(phase).saturating_add(Self::bond_page_max())
            }
            P::Consensus => T::WeightInfo::epoch_consensus(),
            P::Transitive => Self::row_max(phase),
            P::Credit => Self::credit_worst(1),
            P::Stake | P::Rank | P::Emission | P::Order => Self::whole_network_weight(phase, n),
        }
    }

    /// The weight of gathering the inputs of `k` uids (at most a page's worth).
    pub(super) fn gather_weight(k: usize) -> Weight {
        T::WeightInfo::epoch_gather(u32::try_from(k).defensive_unwrap_or(u32::MAX))
    }

    /// The weight of crediting `k` uids of one results page, `copied` of which had their
    /// inputs copied or merged joining stake into their pool: each uid at the slope of its
    /// kind's benchmark (`epoch_credit`, `epoch_credit_copied`), with the larger of their
    /// fixed parts once. Linear in `copied`, so at most the larger of all plain and all
    /// copied.
    pub(super) fn credit_weight(k: usize, copied: usize) -> Weight {
        // `k` is at most a results page's worth of uids.
        let count = |x: usize| u32::try_from(x).defensive_unwrap_or(u32::MAX);
        let copied = copied.min(k);
        let (plain_base, copied_base) = (
            T::WeightInfo::epoch_credit(0),
            T::WeightInfo::epoch_credit_copied(0),
        );
        T::WeightInfo::epoch_credit(count(k.saturating_sub(copied)))
            .saturating_add(T::WeightInfo::epoch_credit_copied(count(copied)))
            .saturating_sub(plain_base.min(copied_base))
    }

    /// The most crediting `k` uids can cost: linear in how many were copied, so no mix
    /// costs more than all plain or all copied.
    pub(super) fn credit_worst(k: usize) -> Weight {
        Self::credit_weight(k, k).max(Self::credit_weight(k, 0))
    }

    /// The most units, up to `room`, whose weight `weight(k)` the meter can still take.
    pub(super) fn units_that_fit(
        room: usize,
        meter: &WeightMeter,
        weight: impl Fn(usize) -> Weight,
    ) -> usize {
        let mut k = 0usize;
        while k < room && meter.can_consume(weight(k.saturating_add(1))) {
            k = k.saturating_add(1);
        }
        k
    }

    /// `Order` over `n` neurons: the benchmark's weight, plus a read and a write for each
    /// page of the replacement order written and each old page removed (a regression over
    /// `n` rounds one write per 256 neurons down to nothing), and a write for each page
    /// of [`EpochCopied`] removed.
    fn order_weight(n: u32) -> Weight {
        let order = pages(n, PAGE_SIZE);
        // The benchmark removes the direct ranking's 13 vectors; the transitive ranking's 3
        // and [`RunningTransitive`] are added here.
        let writes = order
            .saturating_mul(2)
            .saturating_add(pages(n, COPIED_PAGE))
            .saturating_add(4);
        T::WeightInfo::epoch_order(n).saturating_add(T::DbWeight::get().reads_writes(order, writes))
    }

    /// The weight of a whole-network step (`Order` includes the epoch's completion).
    pub(super) fn whole_network_weight(phase: EpochPhase, n: u32) -> Weight {
        match phase {
            EpochPhase::Stake => T::WeightInfo::epoch_stake(n),
            EpochPhase::Rank => T::WeightInfo::epoch_rank(n),
            EpochPhase::Emission => T::WeightInfo::epoch_emission(n),
            _ => Self::order_weight(n),
        }
    }
}
