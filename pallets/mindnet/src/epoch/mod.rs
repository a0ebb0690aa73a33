//! The multi-block epoch: a phase/cursor state machine that evaluates MECHANISM.md's steps
//! in bounded steps across blocks, under a per-block budget.
//!
//! ## How it runs
//!
//! At a tempo boundary (`now % tempo == 0`, in `on_initialize`) the network's epoch
//! **starts**: it records its parameters, the neuron count `n` and the emission `E` for
//! every block since the previous epoch started, in [`RunningEpochs`]. In this and the
//! following blocks it **advances** through its phases, each a streaming pass over the
//! uids in ascending order, until the per-block [`EpochBudget`] (shared by every running
//! epoch) is spent:
//!
//! | phase | unit | reads | computes |
//! | --- | --- | --- | --- |
//! | `Gather` | uid | hotkey, stake, last update, registration | `S_i`, `last_update_i`, `registered_at_i` |
//! | `Stake` | network | the gathered vectors | `a_i`, `s_i` |
//! | `FirstPass` | row | weights, previous bonds (a page of 16 rows at a time) | `r_j`, `T_j`, old bond column sums, self-weight sums |
//! | `Consensus` | uid | `T_j` | `C_j` |
//! | `Transitive` | row, per pass | weights (a row at a time), `s` or the stake in flight | `N_j` and the stake passed on; up to `transitive_iterations` passes (only under transitive ranking) |
//! | `Rank` | network | `r` (or `N`), `C`, old bond column sums | `R`, `I`, `L`; the second pass's two multipliers per column (`γ_j`, `β_j`: the new bonds' column sums in closed form, `α` and `r_j` folded in) |
//! | `SecondPass` | row | weights, previous bonds | `B'_i·` (written a page at a time), `Σ_j B'_ij I_j` |
//! | `Emission` | network | `D`, `I` | `D`, `e`, minted amounts |
//! | `Credit` | uid | the uid's hotkey | stake pools credited, results pages written |
//! | `Order` | network | the minted amounts, registration blocks | the replacement order (lowest emission first, among uids held since the boundary and past immunity); the epoch completes |
//!
//! Each whole-network step (`Stake`, `Rank`, `Emission`, `Order`) has its own benchmarked
//! weight, as have the per-uid and per-row units.
//!
//! The O(n) vectors between steps live in [`EpochVectors`] (one key per vector), loaded
//! when a phase needs them. A block pays for the vectors of each phase it runs, as that
//! phase starts: a load for each vector the phase reads, a load and a save for each it
//! writes ([`EpochPhase::vectors`]); the pallet's tests fail if a phase touches another. The second
//! pass reads two multipliers per column ([`mindnet_math::fixed::Scale`]), so each entry of
//! `B'` is two 64×64-bit products and no division. Weight rows are streamed one key at a time, so no block holds
//! more than a row of weights. Bonds are stored [`BOND_PAGE`] rows per key: a pass loads a
//! page when it reaches the page's first row (charged as `epoch_bond_page`, read and
//! write, before the row; the second pass pays for a full page, since its new rows may
//! hold more bonds than the old ones), and the second pass writes it back when it leaves the page or
//! the block ends: a read and a write per 16 rows instead of per row. Each unit's worst-case weight is checked against the
//! meter before it runs, and its actual weight consumed; so no block spends more than
//! the budget on epochs, whatever the network's size.
//!
//! ## Consistency
//!
//! Calls that arrive while an epoch runs are accepted and count from the next epoch: the
//! first call in the epoch that changes what the epoch still has to read of a uid (its
//! weights, last update, stake, hotkey or registration) copies the uid's inputs as they
//! stood at the boundary into [`EpochSnapshots`] (copy on write) and sets the uid's bit in
//! [`EpochCopied`]; the epoch reads that bitmap once per block (a read per 4,096 uids,
//! charged to each phase that uses it), reads the copy where the bit is set and the live storage otherwise, and drops
//! the copy when it is done with the uid. The bitmap goes when the epoch completes. Parameters are read once,
//! at the start. Every step is the math crate's, called in ascending uid order, so the
//! result is bit-identical to [`mindnet_math::epoch`] on the boundary's state.
//!
//! ## Overrun
//!
//! If an epoch is still running at the network's next boundary, the next epoch is
//! deferred ([`EpochDeferred`]) and starts in the block after the running one completes.
//! Its emission is `BlockEmission` for every block since the previous epoch *started*, so
//! every elapsed block is minted exactly once, however late an epoch runs.
//!
//! ## Layout
//!
//! The types the runtime's metadata names (`pallet_mindnet::epoch::…`: [`EpochPhase`],
//! [`VectorKind`], [`EpochRun`], [`NeuronSnapshot`], [`NeuronResult`], [`EpochStatus`])
//! are defined here, since a type's metadata path is the module that defines it; the rest
//! lives in submodules by role:
//!
//! | module | holds |
//! | --- | --- |
//! | `driver` | starting epochs at their boundaries (or deferring them) and advancing them within the budget: the phase loop |
//! | `units` | the units of work: a uid of `Gather` or `Consensus`, a row of either pass, the whole-network steps |
//! | `credit` | crediting a range of uids their emission and writing their results |
//! | `weight` | what each unit, phase and block costs against the budget |
//! | `vectors` | `Vectors`, the block's cache of the epoch's O(n) vectors, and what each phase pays for |
//! | `bonds` | the page of bonds a pass holds, and a uid's stored bond row |
//! | `snapshot` | copy on write of a uid's inputs while the epoch still needs them |
//! | `results` | completing an epoch (the loss peg, adaptive τ, its events), the stored results, the epoch's status |
//! | `replacement` | the replacement order an epoch records and `register` takes from |
//! | `paging` | page sizes and positions, and bitmaps over uids |

mod bonds;
mod credit;
mod driver;
mod paging;
mod replacement;
mod results;
mod snapshot;
mod units;
mod vectors;
mod weight;

#[cfg(any(feature = "try-runtime", test))]
pub(crate) use paging::{bit_set, copied_position};
pub use paging::{BondRow, BOND_PAGE, COPIED_PAGE, PAGE_SIZE};
pub use replacement::REPLACEMENT_SCAN;
#[cfg(test)]
pub(crate) use results::loss_to_fixed_i64;
pub(crate) use vectors::Vectors;

use crate::*;
use frame_support::pallet_prelude::*;
use mindnet_math::Fixed;

/// Where a running epoch stands: see the module documentation for what each does.
#[derive(
    Encode,
    Decode,
    DecodeWithMemTracking,
    TypeInfo,
    MaxEncodedLen,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Debug,
)]
pub enum EpochPhase {
    /// Reading each uid's stake, last update and registration.
    Gather,
    /// Normalising the active stake.
    Stake,
    /// First pass over the rows: ranks, trust, old bond columns.
    FirstPass,
    /// The consensus sigmoid of each uid.
    Consensus,
    /// Ranks, incentive and loss; the second pass's scales.
    Rank,
    /// Second pass over the rows: new bonds written, dividends.
    SecondPass,
    /// Dividends, emission shares and the minted amounts.
    Emission,
    /// Crediting each uid's emission and writing its results.
    Credit,
    /// Recording the replacement order (uids held since the boundary and past immunity,
    /// lowest emission first); the epoch completes.
    Order,
    /// The transitive ranking's passes over the rows (skipped under direct ranking). Last
    /// in the enum so that the phases stored before it existed decode as they were; it
    /// runs after `Consensus` ([`Self::ALL`]).
    Transitive,
}

impl EpochPhase {
    /// Every phase, in the order the epoch runs them: [`Self::next`] follows this list, the
    /// one place that says which phase follows which.
    pub const ALL: [EpochPhase; 10] = [
        Self::Gather,
        Self::Stake,
        Self::FirstPass,
        Self::Consensus,
        Self::Transitive,
        Self::Rank,
        Self::SecondPass,
        Self::Emission,
        Self::Credit,
        Self::Order,
    ];

    /// The phase after this one ([`Self::ALL`]'s order); `None` after the last.
    pub fn next(self) -> Option<Self> {
        let at = Self::ALL.iter().position(|phase| *phase == self)?;
        Self::ALL.get(at.saturating_add(1)).copied()
    }
}

/// The O(n) vectors a running epoch keeps between blocks, one storage key each.
#[derive(
    Encode,
    Decode,
    DecodeWithMemTracking,
    TypeInfo,
    MaxEncodedLen,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Debug,
)]
pub enum VectorKind {
    /// `S_i` (base units) after `Gather`; `s_i` (fixed-point bits) after `Stake`.
    Stake,
    /// `last_update_i` (0 when the uid never set weights).
    LastUpdate,
    /// `registered_at_i`.
    RegisteredAt,
    /// `r_j`.
    RawRank,
    /// `γ_j`, the second pass's `B'_ij` per unit of `W_ij s_i`
    /// ([`mindnet_math::epoch::second_pass_scales`], as
    /// [`Scale::to_bits`](mindnet_math::fixed::Scale::to_bits)).
    DeltaScale,
    /// `T_j`.
    Trust,
    /// Column sums of the previous bonds.
    OldBondColumns,
    /// `C_j`.
    Consensus,
    /// `R_j`.
    Rank,
    /// `I_j`.
    Incentive,
    /// `β_j`, the second pass's `B'_ij` per unit of `B_ij` (as
    /// [`Scale::to_bits`](mindnet_math::fixed::Scale::to_bits)).
    BondScale,
    /// `Σ_j B'_ij I_j`, then `D_i`.
    Dividends,
    /// Base units minted to each uid.
    Emission,
    /// `N`, the stake each uid absorbed (transitive ranking).
    Absorbed,
    /// The stake in flight written by even passes (`x¹`, `x³`, …; transitive ranking).
    FlowEven,
    /// The stake in flight written by odd passes (`x²`, `x⁴`, …).
    FlowOdd,
}

impl VectorKind {
    /// How many kinds there are: what an epoch's completion removes at most.
    pub const COUNT: u32 = 16;
}

/// A running epoch's transitive ranking ([`RunningTransitive`]).
#[derive(
    Encode,
    Decode,
    DecodeWithMemTracking,
    TypeInfo,
    MaxEncodedLen,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Debug,
    Default,
)]
pub struct TransitiveRun {
    /// The most passes (`transitive_iterations` at the boundary).
    pub iterations: u8,
    /// The pass now running, from 0.
    pub pass: u8,
    /// `Σ x^{t+1}` so far in this pass (fixed-point bits): the stake passed on.
    pub in_flight: u128,
}

/// Everything about a running epoch that is not an O(n) vector.
#[derive(
    Encode,
    Decode,
    DecodeWithMemTracking,
    TypeInfo,
    MaxEncodedLen,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Debug,
)]
pub struct EpochRun {
    /// The boundary block the epoch started at: its inputs are the state before it.
    pub started_at: u64,
    /// Blocks since the previous epoch started, each minted once.
    pub blocks: u64,
    /// `E` in base units.
    pub emission: u64,
    /// Neurons at the start (`n`); uids registered later wait for the next epoch.
    pub neurons: u32,
    /// The last registration block the stored bonds know about.
    pub cover: u64,
    /// The epoch's parameters as fixed-point bits: `ρ`, `κ`, `α`, `δ`.
    pub rho: u128,
    /// `κ`.
    pub kappa: u128,
    /// `α`.
    pub alpha: u128,
    /// `δ`.
    pub delta: u128,
    /// Blocks after its last `set_weights` that a neuron stays active.
    pub activity_cutoff: u64,
    /// Whether self-weights are dropped.
    pub mask_self_weight: bool,
    /// The phase now running.
    pub phase: EpochPhase,
    /// The next uid (or row) of the phase.
    pub cursor: u32,
    /// `Σ_i W_ii s_i` (fixed-point bits).
    pub own: u128,
    /// `Σ_ij W_ij s_i` (fixed-point bits).
    pub all: u128,
    /// `L` (fixed-point bits).
    pub loss: i128,
    /// Whether any active stake was found.
    pub any_stake: bool,
    /// `Σ` of the minted amounts the math assigned.
    pub minted: u64,
    /// What has been credited so far.
    pub credited: u64,
    /// Blocks in which the epoch advanced.
    pub steps: u32,
}

impl EpochRun {
    /// Whether the epoch has yet to read `uid`'s inputs (its last read is in `Credit`).
    pub fn needs(&self, uid: u16) -> bool {
        let uid = u32::from(uid);
        uid < self.neurons
            && match self.phase {
                EpochPhase::Credit => self.cursor <= uid,
                EpochPhase::Order => false,
                _ => true,
            }
    }

    /// The epoch's parameters, as the math takes them.
    pub(crate) fn params(&self) -> mindnet_math::EpochParams {
        mindnet_math::EpochParams {
            rho: Fixed::from_bits(self.rho),
            kappa: Fixed::from_bits(self.kappa),
            alpha: Fixed::from_bits(self.alpha),
            delta: Fixed::from_bits(self.delta),
            activity_cutoff: self.activity_cutoff,
            mask_self_weight: self.mask_self_weight,
            // The ranking is [`RunningTransitive`]'s, read by the phases that use it.
            ..Default::default()
        }
    }

    /// Moves to the next phase ([`EpochPhase::next`]), at its first uid; false, and nothing
    /// changed, after the last phase.
    pub(crate) fn next_phase(&mut self) -> bool {
        let Some(next) = self.phase.next() else {
            return false;
        };
        self.phase = next;
        self.cursor = 0;
        true
    }
}

/// A uid's epoch inputs as they stood at the boundary, kept while the epoch still needs
/// them after a call changed them.
#[derive(
    Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen, Clone, PartialEq, Eq, Debug,
)]
#[scale_info(skip_type_params(MaxRow))]
pub struct NeuronSnapshot<AccountId, MaxRow: Get<u32>> {
    /// The uid's hotkey.
    pub hotkey: Option<AccountId>,
    /// Its stake that counted (base units).
    pub stake: u128,
    /// Its last `set_weights`, if any.
    pub last_update: Option<u64>,
    /// Its registration block.
    pub registered_at: u64,
    /// Its weight row.
    pub weights: BoundedVec<(u16, u16), MaxRow>,
    /// Its owner's take, as it stood at the boundary.
    pub take: Perbill,
}

/// One neuron's results of its network's last epoch, as stored in [`NeuronResults`].
#[derive(
    Encode,
    Decode,
    DecodeWithMemTracking,
    TypeInfo,
    MaxEncodedLen,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Debug,
    Default,
)]
pub struct NeuronResult {
    /// `R_j`.
    pub rank: Perbill,
    /// `T_j`.
    pub trust: Perbill,
    /// `C_j`.
    pub consensus: Perbill,
    /// `I_j`.
    pub incentive: Perbill,
    /// `D_i`.
    pub dividends: Perbill,
    /// Base units minted to the neuron.
    pub emission: u64,
}

/// What a network's epoch is doing, for wallets and dashboards.
#[derive(Encode, Decode, DecodeWithMemTracking, TypeInfo, Clone, PartialEq, Eq, Debug, Default)]
pub struct EpochStatus {
    /// The running epoch's phase, start block, cursor and neuron count, if one runs.
    pub running: Option<(EpochPhase, u64, u32, u32)>,
    /// Whether an epoch is waiting for the running one to complete.
    pub deferred: bool,
    /// The block the last epoch started at.
    pub last_epoch_block: Option<u64>,
    /// Epochs completed.
    pub epochs: u64,
    /// The network's tempo.
    pub tempo: u16,
}
