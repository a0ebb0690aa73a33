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
//! | `Rank` | network | `r`, `C`, old bond column sums | `R`, `I`, `L`; the second pass's two multipliers per column (`γ_j`, `β_j`: the new bonds' column sums in closed form, `α` and `r_j` folded in) |
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

use crate::{network::fixed_to_perbill, network::perbill_to_fixed, *};
use alloc::{collections::BTreeMap, vec::Vec};
use frame_support::{
    pallet_prelude::*, storage::with_storage_layer, traits::fungible::Mutate, weights::WeightMeter,
    BoundedVec,
};
use frame_system::pallet_prelude::BlockNumberFor;
use mindnet_math::{epoch as steps, fixed::Scale, Fixed, NeuronState, SignedFixed};
use sp_arithmetic::FixedPointNumber;
use sp_runtime::traits::{UniqueSaturatedFrom, UniqueSaturatedInto};

/// Uids per page of [`NeuronResults`] and [`ReplacementOrder`].
pub const PAGE_SIZE: u32 = 256;

/// Rows per page of [`Bonds`]: a pass reads (and the second pass writes) one key per 16
/// rows. A full page is 16 rows of [`mindnet_math::MAX_BONDS_PER_ROW`] entries, 160 KiB.
pub const BOND_PAGE: u32 = 16;

/// Uids per page of [`EpochCopied`] (a page is 64 words of 64 bits).
pub const COPIED_PAGE: u32 = 4096;

/// One uid's stored bonds: `(uid, U32F32 bits)`, sorted by uid.
pub type BondRow = BoundedVec<(u16, u64), ConstU32<{ mindnet_math::MAX_BONDS_PER_ROW as u32 }>>;

/// The pages of a bitmap over `n` uids, `per_page` uids each.
fn pages(n: u32, per_page: u32) -> u64 {
    u64::from(n.div_ceil(per_page))
}

/// The page of `uid` in pages of `per_page` uids, and its slot in the page.
fn position(uid: u16, per_page: u32) -> (u16, usize) {
    let uid = u32::from(uid);
    (
        u16::try_from(uid.checked_div(per_page).unwrap_or(0)).unwrap_or(u16::MAX),
        usize::try_from(uid.checked_rem(per_page).unwrap_or(0)).unwrap_or(0),
    )
}

/// Where `uid`'s bit is in [`EpochCopied`]: the page, and the bit's index in the page.
pub(crate) fn copied_position(uid: u16) -> (u16, usize) {
    position(uid, COPIED_PAGE)
}

/// Row `i`'s page of [`Bonds`] and its slot in the page.
fn bond_position(i: usize) -> (u16, usize) {
    position(u16::try_from(i).unwrap_or(u16::MAX), BOND_PAGE)
}

/// Bit `i` of a bitmap held in 64-bit words (unset past its end).
pub(crate) fn bit_set(words: &[u64], i: usize) -> bool {
    words.get(i / 64).is_some_and(|w| (w >> (i % 64)) & 1 == 1)
}

/// Sets bit `i` of a bitmap held in 64-bit words, growing it as needed.
fn set_bit(words: &mut Vec<u64>, i: usize) {
    let word = i / 64;
    if words.len() <= word {
        words.resize(word.saturating_add(1), 0);
    }
    if let Some(w) = words.get_mut(word) {
        *w |= 1u64 << (i % 64);
    }
}

/// The page of [`NeuronResults`] that holds `uid`, and its slot in the page.
fn page_of(uid: u16) -> (u32, usize) {
    let (page, slot) = position(uid, PAGE_SIZE);
    (u32::from(page), slot)
}

/// `L` as a [`FixedI64`] (nine decimal places), truncated toward zero.
pub(crate) fn loss_to_fixed_i64(loss: SignedFixed) -> FixedI64 {
    let scaled = loss.saturating_mul(SignedFixed::from_num(FixedI64::DIV));
    FixedI64::from_inner(scaled.saturating_to_num::<i64>())
}

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
}

impl EpochPhase {
    /// Every phase, in order.
    pub const ALL: [EpochPhase; 9] = [
        Self::Gather,
        Self::Stake,
        Self::FirstPass,
        Self::Consensus,
        Self::Rank,
        Self::SecondPass,
        Self::Emission,
        Self::Credit,
        Self::Order,
    ];

    /// What the phase does with the epoch's vectors: those it only reads, those it writes
    /// (loaded, changed and saved at the end of the block), and how many per-block caches
    /// it builds from them. A block pays for the vectors of each phase it runs, and
    /// nothing else; tests check that a phase touches no other.
    pub(crate) fn vectors(self) -> (&'static [VectorKind], &'static [VectorKind], u32) {
        use VectorKind as K;
        match self {
            Self::Gather => (&[], &[K::Stake, K::LastUpdate, K::RegisteredAt], 0),
            Self::Stake => (&[K::LastUpdate], &[K::Stake], 0),
            Self::FirstPass => (
                &[K::Stake, K::LastUpdate, K::RegisteredAt],
                &[K::RawRank, K::Trust, K::OldBondColumns],
                1,
            ),
            Self::Consensus => (&[K::Trust], &[K::Consensus], 0),
            Self::Rank => (
                &[K::Consensus, K::OldBondColumns, K::RawRank],
                &[K::Rank, K::Incentive, K::DeltaScale, K::BondScale],
                0,
            ),
            Self::SecondPass => (
                &[
                    K::Stake,
                    K::LastUpdate,
                    K::RegisteredAt,
                    K::DeltaScale,
                    K::BondScale,
                    K::Incentive,
                ],
                &[K::Dividends],
                2,
            ),
            Self::Emission => (&[K::Incentive], &[K::Dividends, K::Emission], 0),
            Self::Credit => (
                &[
                    K::Emission,
                    K::Rank,
                    K::Trust,
                    K::Consensus,
                    K::Incentive,
                    K::Dividends,
                ],
                &[],
                0,
            ),
            Self::Order => (&[K::RegisteredAt, K::Emission], &[], 0),
        }
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
    /// ([`mindnet_math::epoch::second_pass_scales`], as [`Scale::to_bits`]).
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
    /// `β_j`, the second pass's `B'_ij` per unit of `B_ij` (as [`Scale::to_bits`]).
    BondScale,
    /// `Σ_j B'_ij I_j`, then `D_i`.
    Dividends,
    /// Base units minted to each uid.
    Emission,
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

    fn params(&self) -> mindnet_math::EpochParams {
        mindnet_math::EpochParams {
            rho: Fixed::from_bits(self.rho),
            kappa: Fixed::from_bits(self.kappa),
            alpha: Fixed::from_bits(self.alpha),
            delta: Fixed::from_bits(self.delta),
            activity_cutoff: self.activity_cutoff,
            mask_self_weight: self.mask_self_weight,
        }
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

impl<AccountId, MaxRow: Get<u32>> NeuronSnapshot<AccountId, MaxRow> {
    /// The hotkey the epoch owes this uid's credit to although another registration has
    /// taken the uid since the copy (it may be the same hotkey, registered again): counted
    /// in [`PendingCredits`] until the credit is paid.
    pub(crate) fn owed_after_replacement<T: Config>(
        &self,
        netuid: u16,
        uid: u16,
    ) -> Option<&AccountId> {
        let replaced = RegisteredAt::<T>::get(netuid, uid) != self.registered_at;
        self.hotkey.as_ref().filter(|_| replaced)
    }
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

/// The vectors a block's work loaded (each decoded once per block, as fixed-point bits),
/// written back at the end of the block if changed. Access is O(1) after the first load.
pub(crate) struct Vectors {
    netuid: u16,
    n: usize,
    loaded: BTreeMap<VectorKind, (Vec<Fixed>, bool)>,
    registered: Option<Vec<u64>>,
    /// The second pass's `(γ, β)`, decoded once per block.
    scales: Option<(Vec<Scale>, Vec<Scale>)>,
    /// One bit per uid: whether its inputs were copied ([`EpochCopied`]), read whole on
    /// first use (charged with the vectors of each phase that reads copies).
    copied: Option<Vec<u64>>,
    /// The bond page a pass is on: the pass, the page's index and rows, and whether a row
    /// changed (then it is written when the pass leaves the page or the block ends).
    bonds: Option<(EpochPhase, u16, Vec<BondRow>, bool)>,
    /// The phases whose vectors the block has paid for; `None`: not metered (benchmarks).
    charged: Option<Vec<EpochPhase>>,
}

impl Vectors {
    pub(crate) fn new(netuid: u16, n: usize) -> Self {
        Self {
            netuid,
            n,
            loaded: BTreeMap::new(),
            registered: None,
            scales: None,
            copied: None,
            bonds: None,
            charged: None,
        }
    }

    /// Whether `uid`'s inputs were copied into [`EpochSnapshots`] (the epoch reads the copy
    /// then, and the live storage otherwise).
    pub(crate) fn is_copied<T: Config>(&mut self, uid: u16) -> bool {
        let (netuid, n) = (self.netuid, self.n);
        let bits = self.copied.get_or_insert_with(|| {
            let words = (COPIED_PAGE / 64) as usize;
            let count = pages(u32::try_from(n).unwrap_or(u32::MAX), COPIED_PAGE);
            let mut bits = Vec::new();
            for page in 0..count {
                let mut words_of_page =
                    EpochCopied::<T>::get(netuid, u16::try_from(page).unwrap_or(u16::MAX))
                        .into_inner();
                words_of_page.resize(words, 0);
                bits.extend(words_of_page);
            }
            bits
        });
        bit_set(bits, usize::from(uid))
    }

    /// Whether row `i`'s bond page is loaded for `phase`'s pass.
    pub(crate) fn has_bond_page(&self, phase: EpochPhase, i: usize) -> bool {
        self.bonds
            .as_ref()
            .is_some_and(|(pass, page, _, _)| *pass == phase && *page == bond_position(i).0)
    }

    /// Loads row `i`'s bond page for `phase`'s pass, writing the page loaded before if a
    /// row of it changed; returns how many bond entries the page holds.
    pub(crate) fn load_bond_page<T: Config>(&mut self, phase: EpochPhase, i: usize) -> usize {
        self.flush_bonds::<T>();
        let page = bond_position(i).0;
        let rows = Bonds::<T>::get(self.netuid, page).into_inner();
        let entries = rows.iter().map(|r| r.len()).sum();
        self.bonds = Some((phase, page, rows, false));
        entries
    }

    /// Writes the loaded bond page if a row of it changed (an empty page is removed).
    fn flush_bonds<T: Config>(&mut self) {
        if let Some((_, page, mut rows, true)) = self.bonds.take() {
            while rows.last().is_some_and(|r| r.is_empty()) {
                rows.pop();
            }
            if rows.is_empty() {
                Bonds::<T>::remove(self.netuid, page);
            } else {
                Bonds::<T>::insert(self.netuid, page, BoundedVec::truncate_from(rows));
            }
        }
    }

    /// Row `i`'s stored bonds, from the loaded page (empty if row `i` is not on it).
    pub(crate) fn bond_row(&self, i: usize) -> &[(u16, u64)] {
        let (page_of_row, slot) = bond_position(i);
        self.bonds
            .as_ref()
            .filter(|(_, page, _, _)| *page == page_of_row)
            .and_then(|(_, _, rows, _)| rows.get(slot))
            .map(|r| r.as_slice())
            .unwrap_or(&[])
    }

    /// Replaces row `i`'s bonds on the loaded page (nothing if row `i` is not on it).
    fn set_bond_row(&mut self, i: usize, row: Vec<(u16, u64)>) {
        let (page_of_row, slot) = bond_position(i);
        let Some((_, page, rows, dirty)) = self.bonds.as_mut() else {
            return;
        };
        if *page != page_of_row {
            return;
        }
        if rows
            .get(slot)
            .map_or(row.is_empty(), |r| r.as_slice() == row.as_slice())
        {
            return;
        }
        if rows.len() <= slot {
            rows.resize(slot.saturating_add(1), BondRow::default());
        }
        if let Some(r) = rows.get_mut(slot) {
            *r = BoundedVec::truncate_from(row);
            *dirty = true;
        }
    }

    /// Marks the loaded bond page changed (benchmarks: the cost of writing it).
    #[cfg(feature = "runtime-benchmarks")]
    pub(crate) fn touch_bond_page(&mut self) {
        if let Some((_, _, _, dirty)) = self.bonds.as_mut() {
            *dirty = true;
        }
    }

    /// Vectors whose use is paid for phase by phase ([`Self::charge`]).
    pub(crate) fn metered(mut self) -> Self {
        self.charged = Some(Vec::new());
        self
    }

    /// Whether the block has paid for `phase`'s vectors (always, when not metered).
    fn is_charged(&self, phase: EpochPhase) -> bool {
        self.charged.as_ref().is_none_or(|c| c.contains(&phase))
    }

    /// Records that the block paid for `phase`'s vectors, and that `phase` runs now.
    fn charge(&mut self, phase: EpochPhase) {
        if let Some(c) = self.charged.as_mut() {
            c.push(phase);
        }
    }

    /// Tests: in a metered block, the phase running (the last one charged) touches only
    /// the vectors it pays for, whatever earlier phases of the block loaded.
    #[cfg(test)]
    fn check_paid(&self, kind: VectorKind, write: bool) {
        if let Some(phase) = self.charged.as_ref().and_then(|c| c.last()) {
            let (read, written, _) = phase.vectors();
            let paid = written.contains(&kind) || (!write && read.contains(&kind));
            assert!(
                paid,
                "{phase:?} used {kind:?} (write: {write}), which it does not pay for"
            );
        }
    }

    fn load<T: Config>(&mut self, kind: VectorKind) -> &mut (Vec<Fixed>, bool) {
        #[cfg(test)]
        self.check_paid(kind, false);
        let (netuid, n) = (self.netuid, self.n);
        self.loaded.entry(kind).or_insert_with(|| {
            let mut v: Vec<Fixed> = EpochVectors::<T>::get(netuid, kind)
                .into_iter()
                .map(Fixed::from_bits)
                .collect();
            v.resize(n, Fixed::from_num(0));
            (v, false)
        })
    }

    /// Read access.
    pub(crate) fn get<T: Config>(&mut self, kind: VectorKind) -> &[Fixed] {
        &self.load::<T>(kind).0
    }

    /// A vector already loaded by [`Self::get`] (empty if it was not), borrowed shared.
    fn loaded(&self, kind: VectorKind) -> &[Fixed] {
        self.loaded
            .get(&kind)
            .map(|(v, _)| v.as_slice())
            .unwrap_or(&[])
    }

    /// Entry `i` of a vector (zero past its end).
    fn at<T: Config>(&mut self, kind: VectorKind, i: usize) -> Fixed {
        self.get::<T>(kind).get(i).copied().unwrap_or_default()
    }

    /// Entry `i` of a vector of integers.
    fn int<T: Config>(&mut self, kind: VectorKind, i: usize) -> u64 {
        u64::try_from(self.at::<T>(kind, i).to_bits()).unwrap_or(u64::MAX)
    }

    /// Write access: the vector is saved at the end of the block.
    pub(crate) fn get_mut<T: Config>(&mut self, kind: VectorKind) -> &mut Vec<Fixed> {
        #[cfg(test)]
        self.check_paid(kind, true);
        let entry = self.load::<T>(kind);
        entry.1 = true;
        &mut entry.0
    }

    fn set<T: Config>(&mut self, kind: VectorKind, i: usize, value: Fixed) {
        if let Some(slot) = self.get_mut::<T>(kind).get_mut(i) {
            *slot = value;
        }
    }

    /// Moves a vector out (O(1)); give it back with [`Self::put`].
    fn take<T: Config>(&mut self, kind: VectorKind) -> Vec<Fixed> {
        core::mem::take(self.get_mut::<T>(kind))
    }

    fn put<T: Config>(&mut self, kind: VectorKind, v: Vec<Fixed>) {
        *self.get_mut::<T>(kind) = v;
    }

    /// `registered_at` of every uid, as the row steps take it, moved out (O(1) after the
    /// first call of the block); give it back with [`Self::put_registered`].
    fn take_registered<T: Config>(&mut self) -> Vec<u64> {
        match self.registered.take() {
            Some(r) => r,
            None => self
                .get::<T>(VectorKind::RegisteredAt)
                .iter()
                .map(|b| u64::try_from(b.to_bits()).unwrap_or(u64::MAX))
                .collect(),
        }
    }

    fn put_registered(&mut self, r: Vec<u64>) {
        self.registered = Some(r);
    }

    /// The second pass's scales `(γ, β)`, moved out (O(1) after the first call of the
    /// block); give them back with [`Self::put_scales`].
    fn take_scales<T: Config>(&mut self) -> (Vec<Scale>, Vec<Scale>) {
        if let Some(scales) = self.scales.take() {
            return scales;
        }
        let mut decode = |kind: VectorKind| -> Vec<Scale> {
            self.get::<T>(kind)
                .iter()
                .map(|x| Scale::from_bits(x.to_bits()))
                .collect()
        };
        (
            decode(VectorKind::DeltaScale),
            decode(VectorKind::BondScale),
        )
    }

    fn put_scales(&mut self, scales: (Vec<Scale>, Vec<Scale>)) {
        self.scales = Some(scales);
    }

    /// Builds the per-block caches the second pass uses (what its first row pays): for
    /// the benchmark of a block's overhead.
    #[cfg(feature = "runtime-benchmarks")]
    pub(crate) fn warm_caches<T: Config>(&mut self) {
        let _ = self.is_copied::<T>(0);
        let registered = self.take_registered::<T>();
        self.put_registered(registered);
        let scales = self.take_scales::<T>();
        self.put_scales(scales);
    }

    pub(crate) fn save<T: Config>(mut self) {
        self.flush_bonds::<T>();
        for (kind, (v, dirty)) in self.loaded {
            if dirty {
                let bits: Vec<u128> = v.into_iter().map(|x| x.to_bits()).collect();
                EpochVectors::<T>::insert(self.netuid, kind, BoundedVec::truncate_from(bits));
            }
        }
    }
}

/// An integer held in a vector of fixed-point bits.
fn int_bits(v: u64) -> Fixed {
    Fixed::from_bits(u128::from(v))
}

/// The inputs of one uid that the epoch reads.
struct Inputs<AccountId> {
    hotkey: Option<AccountId>,
    stake: u128,
    last_update: Option<u64>,
    registered_at: u64,
}

impl<T: Config> Pallet<T> {
    /// Uid `uid`'s stored bonds `B_uid·` on `netuid` (sorted by uid; empty if none).
    pub fn bond_row(netuid: u16, uid: u16) -> Vec<(u16, u64)> {
        let (page, slot) = bond_position(usize::from(uid));
        Bonds::<T>::get(netuid, page)
            .into_iter()
            .nth(slot)
            .map(BoundedVec::into_inner)
            .unwrap_or_default()
    }

    /// The weight a block may spend on epochs: `EpochBudget` of the block's maximum.
    pub fn epoch_budget() -> Weight {
        Self::budget_weight(EpochBudget::<T>::get())
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
        let limit = Self::budget_weight(budget);
        let n = T::MaxNeurons::get();
        Self::epoch_block_max(n)
            .saturating_add(Self::epoch_unit_max(n))
            .all_lte(limit)
    }

    /// Loading (and, for those it writes, saving) the vectors `phase` uses, over `n`
    /// neurons.
    pub(crate) fn phase_vectors_weight(phase: EpochPhase, n: u32) -> Weight {
        let (read, written, caches) = phase.vectors();
        let count = |x: usize| u64::try_from(x).unwrap_or(u64::MAX);
        // A cache is charged as a vector written: it converts a whole vector, as a save
        // encodes one.
        let writes = count(written.len()).saturating_add(u64::from(caches));
        // The phases that read copies read the bitmap of which uids have one, a read per
        // page.
        let copied = match phase {
            EpochPhase::Gather
            | EpochPhase::FirstPass
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
            .saturating_add(T::WeightInfo::epoch_block())
    }

    /// The weight of one row of a pass with `w` weight entries and `b` stored bonds.
    fn row_weight(phase: EpochPhase, w: u32, b: u32) -> Weight {
        match phase {
            EpochPhase::FirstPass => T::WeightInfo::epoch_first_row(w, b),
            _ => T::WeightInfo::epoch_second_row(w, b),
        }
    }

    /// The worst-case weight of one row of `phase`'s pass.
    fn row_max(phase: EpochPhase) -> Weight {
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
    fn bond_page_weight(entries: usize) -> Weight {
        let per_row = entries.div_ceil(BOND_PAGE as usize);
        T::WeightInfo::epoch_bond_page(u32::try_from(per_row).unwrap_or(u32::MAX))
    }

    /// Loading a bond page of `entries` bonds and writing back its new rows (what the
    /// second pass pays). A new row holds at most the bonds its old row held plus one per
    /// weight entry (`MaxWeightsPerRow`), and at most `MAX_BONDS_PER_ROW`: so the page
    /// written holds at most `entries + 16 · MaxWeightsPerRow` bonds, and never more than
    /// a full page.
    fn rewritten_bond_page_weight(entries: usize) -> Weight {
        let rows = BOND_PAGE as usize;
        let grown =
            entries.saturating_add(rows.saturating_mul(T::MaxWeightsPerRow::get() as usize));
        Self::bond_page_weight(grown.min(rows.saturating_mul(mindnet_math::MAX_BONDS_PER_ROW)))
    }

    /// The most a bond page costs: every row full.
    fn bond_page_max() -> Weight {
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
            P::Credit => Self::credit_worst(1),
            P::Stake | P::Rank | P::Emission | P::Order => Self::whole_network_weight(phase, n),
        }
    }

    /// The weight of gathering the inputs of `k` uids.
    fn gather_weight(k: usize) -> Weight {
        T::WeightInfo::epoch_gather(u32::try_from(k).unwrap_or(u32::MAX))
    }

    /// The weight of crediting `k` uids of one results page, `copied` of which had their
    /// inputs copied or merged joining stake into their pool: each uid at the slope of its
    /// kind's benchmark (`epoch_credit`, `epoch_credit_copied`), with the larger of their
    /// fixed parts once. Linear in `copied`, so at most the larger of all plain and all
    /// copied.
    fn credit_weight(k: usize, copied: usize) -> Weight {
        let count = |x: usize| u32::try_from(x).unwrap_or(u32::MAX);
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
    fn credit_worst(k: usize) -> Weight {
        Self::credit_weight(k, k).max(Self::credit_weight(k, 0))
    }

    /// The most units, up to `room`, whose weight `weight(k)` the meter can still take.
    fn units_that_fit(room: usize, meter: &WeightMeter, weight: impl Fn(usize) -> Weight) -> usize {
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
        let writes = order
            .saturating_mul(2)
            .saturating_add(pages(n, COPIED_PAGE));
        T::WeightInfo::epoch_order(n).saturating_add(T::DbWeight::get().reads_writes(order, writes))
    }

    /// The weight of a whole-network step (`Order` includes the epoch's completion).
    fn whole_network_weight(phase: EpochPhase, n: u32) -> Weight {
        match phase {
            EpochPhase::Stake => T::WeightInfo::epoch_stake(n),
            EpochPhase::Rank => T::WeightInfo::epoch_rank(n),
            EpochPhase::Emission => T::WeightInfo::epoch_emission(n),
            _ => Self::order_weight(n),
        }
    }

    /// Starts the epochs that are due at `now` and advances running epochs within the
    /// budget; returns the weight used.
    pub(crate) fn on_block(now: BlockNumberFor<T>) -> Weight {
        let now: u64 = now.unique_saturated_into();
        let db = T::DbWeight::get();
        let mut weight = db.reads(2);
        if now == 0 {
            return weight;
        }
        let mut running: Vec<u16> = Vec::new();
        for netuid in NetworksAdded::<T>::iter_keys() {
            weight = weight.saturating_add(db.reads(3));
            let tempo = u64::from(Tempo::<T>::get(netuid).max(1));
            let is_running = RunningEpochs::<T>::contains_key(netuid);
            let due = now.is_multiple_of(tempo) || EpochDeferred::<T>::get(netuid);
            if due && is_running {
                if !EpochDeferred::<T>::get(netuid) {
                    EpochDeferred::<T>::insert(netuid, true);
                    weight = weight.saturating_add(db.writes(1));
                    log::info!(target: "runtime::mindnet", "network {netuid}: epoch at block {now} deferred, the previous one is still running");
                }
            } else if due {
                Self::start_epoch(netuid, now);
                weight = weight.saturating_add(T::WeightInfo::epoch_start());
            }
            if due || is_running {
                running.push(netuid);
            }
        }
        // Whichever network goes first may take the whole budget: rotate who goes first,
        // so that no network's epoch waits on another's.
        let len = running.len().max(1);
        let first = usize::try_from(now)
            .unwrap_or(0)
            .checked_rem(len)
            .unwrap_or(0);
        running.rotate_left(first);
        let mut meter = WeightMeter::with_limit(Self::epoch_budget());
        for netuid in running {
            Self::advance_epoch(netuid, now, &mut meter);
        }
        weight.saturating_add(meter.consumed())
    }

    /// Records the start of `netuid`'s epoch at block `now`.
    pub(crate) fn start_epoch(netuid: u16, now: u64) {
        let previous = LastEpochBlock::<T>::get(netuid);
        let blocks = now.saturating_sub(previous.unwrap_or(0));
        let emission = BlockEmission::<T>::get(netuid).saturating_mul(blocks);
        let params = Self::epoch_params(netuid);
        let run = EpochRun {
            started_at: now,
            blocks,
            emission,
            neurons: NeuronCount::<T>::get(netuid),
            // The epoch runs in `on_initialize`, before the block's registrations: the
            // stored bonds know registrations up to the block before the last start.
            cover: previous.map(|b| b.saturating_sub(1)).unwrap_or(0),
            rho: params.rho.to_bits(),
            kappa: params.kappa.to_bits(),
            alpha: params.alpha.to_bits(),
            delta: params.delta.to_bits(),
            activity_cutoff: params.activity_cutoff,
            mask_self_weight: params.mask_self_weight,
            phase: EpochPhase::Gather,
            cursor: 0,
            own: 0,
            all: 0,
            loss: 0,
            any_stake: false,
            minted: 0,
            credited: 0,
            steps: 0,
        };
        RunningEpochs::<T>::insert(netuid, run);
        EpochDeferred::<T>::remove(netuid);
        LastEpochBlock::<T>::insert(netuid, now);
        Self::deposit_event(Event::EpochStarted { netuid, block: now });
    }

    /// Whether `netuid`'s running epoch has yet to read `uid`'s inputs.
    pub(crate) fn epoch_needs(netuid: u16, uid: u16) -> bool {
        RunningEpochs::<T>::get(netuid).is_some_and(|run| run.needs(uid))
    }

    /// Copies `uid`'s epoch inputs as they stand now, if a running epoch still needs them
    /// and no copy exists yet. Every call that changes a uid's weights, last update,
    /// stake, hotkey or registration calls this first.
    pub(crate) fn preserve_for_epoch(netuid: u16, uid: u16) {
        if !Self::epoch_needs(netuid, uid) {
            return;
        }
        let (page, bit) = copied_position(uid);
        let mut words = EpochCopied::<T>::get(netuid, page).into_inner();
        if bit_set(&words, bit) {
            return;
        }
        set_bit(&mut words, bit);
        EpochCopied::<T>::insert(netuid, page, BoundedVec::truncate_from(words));
        let inputs = Self::live_inputs(netuid, uid);
        let take = inputs
            .hotkey
            .as_ref()
            .map(Take::<T>::get)
            .unwrap_or_default();
        EpochSnapshots::<T>::insert(
            netuid,
            uid,
            NeuronSnapshot {
                hotkey: inputs.hotkey,
                stake: inputs.stake,
                last_update: inputs.last_update,
                registered_at: inputs.registered_at,
                weights: Weights::<T>::get(netuid, uid),
                take,
            },
        );
    }

    /// [`Self::preserve_for_epoch`] for the uids `hotkey` holds on every network (before its
    /// take changes).
    pub(crate) fn preserve_hotkey_everywhere(hotkey: &T::AccountId) {
        for netuid in NetworksAdded::<T>::iter_keys() {
            Self::preserve_hotkey_for_epoch(netuid, hotkey);
        }
    }

    /// [`Self::preserve_for_epoch`] for the uid `hotkey` holds on `netuid`, if any.
    pub(crate) fn preserve_hotkey_for_epoch(netuid: u16, hotkey: &T::AccountId) {
        if RunningEpochs::<T>::contains_key(netuid) {
            if let Some(uid) = Uids::<T>::get(netuid, hotkey) {
                Self::preserve_for_epoch(netuid, uid);
            }
        }
    }

    /// A uid's inputs as they stand in storage.
    fn live_inputs(netuid: u16, uid: u16) -> Inputs<T::AccountId> {
        let hotkey = Keys::<T>::get(netuid, uid);
        // A neuron that has not set weights since it registered is not active: its stake
        // does not count (MECHANISM.md step 1).
        let last_update = LastUpdate::<T>::try_get(netuid, uid).ok();
        let stake: u128 = match (&hotkey, last_update) {
            (Some(h), Some(_)) => StakePools::<T>::get(netuid, h)
                .map(|pool| Self::counted_stake(netuid, &pool).unique_saturated_into())
                .unwrap_or(0),
            _ => 0,
        };
        Inputs {
            hotkey,
            stake,
            last_update,
            registered_at: RegisteredAt::<T>::get(netuid, uid),
        }
    }

    /// The copy of `uid`'s inputs, read only where the epoch's bitmap says one exists
    /// (`copied`, from [`Vectors::is_copied`]).
    fn epoch_copy(
        netuid: u16,
        uid: u16,
        copied: bool,
    ) -> Option<NeuronSnapshot<T::AccountId, T::MaxWeightsPerRow>> {
        copied
            .then(|| EpochSnapshots::<T>::get(netuid, uid))
            .flatten()
    }

    /// A uid's inputs as the running epoch sees them (`copied`: whether it has a copy).
    fn epoch_inputs(netuid: u16, uid: u16, copied: bool) -> Inputs<T::AccountId> {
        match Self::epoch_copy(netuid, uid, copied) {
            Some(s) => Inputs {
                hotkey: s.hotkey,
                stake: s.stake,
                last_update: s.last_update,
                registered_at: s.registered_at,
            },
            None => Self::live_inputs(netuid, uid),
        }
    }

    /// A uid's weight row as the running epoch sees it (`copied`: whether it has a copy).
    fn epoch_weights(
        netuid: u16,
        uid: u16,
        copied: bool,
    ) -> BoundedVec<(u16, u16), T::MaxWeightsPerRow> {
        match Self::epoch_copy(netuid, uid, copied) {
            Some(s) => s.weights,
            None => Weights::<T>::get(netuid, uid),
        }
    }

    /// Advances `netuid`'s running epoch as far as `meter` allows.
    pub(crate) fn advance_epoch(netuid: u16, now: u64, meter: &mut WeightMeter) {
        let Some(mut run) = RunningEpochs::<T>::get(netuid) else {
            return;
        };
        // The block's own reads and writes and the vectors of the phase it resumes; then at
        // least that phase's largest unit of work, so that an epoch that starts a block
        // always makes progress in it. Each further phase pays for its vectors as it starts.
        let overhead = T::WeightInfo::epoch_block();
        let first = Self::phase_vectors_weight(run.phase, run.neurons);
        let needed = overhead
            .saturating_add(first)
            .saturating_add(Self::phase_unit_max(run.phase, run.neurons));
        if !meter.can_consume(needed) {
            return;
        }
        meter.consume(overhead);
        let before = (run.phase, run.cursor);
        let mut vectors = Vectors::new(netuid, usize::try_from(run.neurons).unwrap_or(0)).metered();
        let completed = Self::run_phases(netuid, now, &mut run, &mut vectors, meter);
        vectors.save::<T>();
        run.steps = run.steps.saturating_add(1);
        if completed {
            Self::complete_epoch(netuid, &run);
        } else {
            log::info!(
                target: "runtime::mindnet",
                "network {netuid}: epoch of block {} at {:?} {}/{} (from {:?} {}), block {now}",
                run.started_at, run.phase, run.cursor, run.neurons, before.0, before.1,
            );
            RunningEpochs::<T>::insert(netuid, run);
        }
    }

    /// Runs units of work until the meter or the epoch runs out; true when it completed.
    pub(crate) fn run_phases(
        netuid: u16,
        now: u64,
        run: &mut EpochRun,
        v: &mut Vectors,
        meter: &mut WeightMeter,
    ) -> bool {
        use EpochPhase as P;
        let n = usize::try_from(run.neurons).unwrap_or(0);
        loop {
            if !v.is_charged(run.phase) {
                let vectors = Self::phase_vectors_weight(run.phase, run.neurons);
                if meter.try_consume(vectors).is_err() {
                    return false;
                }
                v.charge(run.phase);
            }
            let cursor = usize::try_from(run.cursor).unwrap_or(usize::MAX);
            let at_end = cursor >= n;
            match run.phase {
                P::Gather if at_end => Self::next_phase(run, P::Stake),
                P::Gather => {
                    // As many uids as the meter allows, up to a page's worth (what
                    // `epoch_gather(k)` was measured on).
                    let room = n.saturating_sub(cursor).min(PAGE_SIZE as usize);
                    let k = Self::units_that_fit(room, meter, Self::gather_weight);
                    if k == 0 {
                        return false;
                    }
                    meter.consume(Self::gather_weight(k));
                    let end = cursor.saturating_add(k);
                    for i in cursor..end {
                        Self::gather_unit(netuid, v, i);
                    }
                    run.cursor = u32::try_from(end).unwrap_or(u32::MAX);
                }
                P::FirstPass if at_end => Self::next_phase(run, P::Consensus),
                P::SecondPass if at_end => Self::next_phase(run, P::Emission),
                P::FirstPass | P::SecondPass => {
                    // A row, and the page of bonds it is on if the pass has yet to load it.
                    let phase = run.phase;
                    let needs_page = !v.has_bond_page(phase, cursor);
                    let page = if needs_page {
                        Self::bond_page_max()
                    } else {
                        Weight::zero()
                    };
                    if !meter.can_consume(Self::row_max(phase).saturating_add(page)) {
                        return false;
                    }
                    if needs_page {
                        let entries = v.load_bond_page::<T>(phase, cursor);
                        meter.consume(match phase {
                            P::SecondPass => Self::rewritten_bond_page_weight(entries),
                            _ => Self::bond_page_weight(entries),
                        });
                    }
                    let (entries, bonds) = Self::row_unit(netuid, run, v, cursor);
                    meter.consume(Self::row_weight(phase, entries, bonds));
                    run.cursor = run.cursor.saturating_add(1);
                }
                P::Consensus if at_end => Self::next_phase(run, P::Rank),
                P::Consensus => {
                    if meter.try_consume(T::WeightInfo::epoch_consensus()).is_err() {
                        return false;
                    }
                    Self::consensus_unit(run, v, cursor);
                    run.cursor = run.cursor.saturating_add(1);
                }
                P::Order if at_end => return true,
                P::Stake | P::Rank | P::Emission | P::Order => {
                    let weight = Self::whole_network_weight(run.phase, run.neurons);
                    if meter.try_consume(weight).is_err() {
                        return false;
                    }
                    Self::vector_unit(netuid, now, run, v);
                }
                P::Credit if at_end => Self::next_phase(run, P::Order),
                P::Credit => {
                    // As many uids as the meter allows at their worst, up to the end of
                    // the cursor's results page (what `epoch_credit` was measured on);
                    // then what they cost.
                    let page = PAGE_SIZE as usize;
                    let page_end = cursor
                        .checked_div(page)
                        .unwrap_or(0)
                        .saturating_add(1)
                        .saturating_mul(page)
                        .min(n);
                    let room = page_end.saturating_sub(cursor);
                    let k = Self::units_that_fit(room, meter, Self::credit_worst);
                    if k == 0 {
                        return false;
                    }
                    let end = cursor.saturating_add(k);
                    let copied = Self::credit_range(netuid, run, v, cursor, end);
                    meter.consume(Self::credit_weight(k, copied));
                    run.cursor = u32::try_from(end).unwrap_or(u32::MAX);
                }
            }
        }
    }

    fn next_phase(run: &mut EpochRun, phase: EpochPhase) {
        run.phase = phase;
        run.cursor = 0;
    }

    /// `Gather` for uid `i`: its stake (zero if it never voted), last update and
    /// registration, as the epoch sees them.
    pub(crate) fn gather_unit(netuid: u16, v: &mut Vectors, i: usize) {
        use VectorKind as K;
        let uid = u16::try_from(i).unwrap_or(u16::MAX);
        let copied = v.is_copied::<T>(uid);
        let inputs = Self::epoch_inputs(netuid, uid, copied);
        let stake = if inputs.last_update.is_some() {
            inputs.stake
        } else {
            0
        };
        v.set::<T>(K::Stake, i, Fixed::from_bits(stake));
        v.set::<T>(K::LastUpdate, i, int_bits(inputs.last_update.unwrap_or(0)));
        v.set::<T>(K::RegisteredAt, i, int_bits(inputs.registered_at));
    }

    /// `Consensus` for uid `i`.
    pub(crate) fn consensus_unit(run: &EpochRun, v: &mut Vectors, i: usize) {
        let params = run.params();
        let t = v.at::<T>(VectorKind::Trust, i);
        let c = steps::consensus(&[t], params.rho, params.kappa);
        v.set::<T>(
            VectorKind::Consensus,
            i,
            c.first().copied().unwrap_or_default(),
        );
    }

    /// The whole-network steps `Stake`, `Rank`, `Emission` and `Order`; each moves to the
    /// next phase (`Order` leaves its cursor at the end: the epoch is complete).
    pub(crate) fn vector_unit(netuid: u16, now: u64, run: &mut EpochRun, v: &mut Vectors) {
        use VectorKind as K;
        let params = run.params();
        match run.phase {
            EpochPhase::Stake => {
                let neurons: Vec<NeuronState> = v
                    .get::<T>(K::Stake)
                    .iter()
                    .map(|s| NeuronState {
                        stake: s.to_bits(),
                        ..Default::default()
                    })
                    .collect::<Vec<_>>()
                    .into_iter()
                    .zip(v.get::<T>(K::LastUpdate).iter())
                    .map(|(mut x, u)| {
                        x.last_update = u64::try_from(u.to_bits()).unwrap_or(u64::MAX);
                        x
                    })
                    .collect();
                let active = steps::active_mask(run.started_at, params.activity_cutoff, &neurons);
                let s = steps::active_stake(&neurons, &active);
                run.any_stake = s.iter().any(|x| *x > Fixed::from_num(0));
                v.put::<T>(K::Stake, s);
                Self::next_phase(run, EpochPhase::FirstPass);
            }
            EpochPhase::Rank => {
                // Read only: loaded, then borrowed together without marking them for saving.
                for kind in [K::Consensus, K::RawRank, K::OldBondColumns] {
                    v.get::<T>(kind);
                }
                let (raw_rank, consensus) = (v.loaded(K::RawRank), v.loaded(K::Consensus));
                let (rank, incentive, loss) =
                    mindnet_math::rank_incentive_loss(raw_rank, consensus);
                let (delta, bond) =
                    steps::second_pass_scales(raw_rank, v.loaded(K::OldBondColumns), params.alpha);
                let bits = |scales: Vec<Scale>| -> Vec<Fixed> {
                    scales
                        .iter()
                        .map(|s| Fixed::from_bits(s.to_bits()))
                        .collect()
                };
                v.put::<T>(K::Rank, rank);
                v.put::<T>(K::Incentive, incentive);
                v.put::<T>(K::DeltaScale, bits(delta));
                v.put::<T>(K::BondScale, bits(bond));
                run.loss = loss.to_bits();
                Self::next_phase(run, EpochPhase::SecondPass);
            }
            EpochPhase::Order => {
                // Replaceable: held by the hotkey that held it at the boundary (registered
                // before the epoch started; `take_replacement` checks that it still is)
                // and past its immunity period now.
                let immunity = ImmunityPeriod::<T>::get(netuid);
                let replaceable: Vec<bool> = (0..v.n)
                    .map(|i| {
                        let registered = v.int::<T>(K::RegisteredAt, i);
                        registered < run.started_at && now.saturating_sub(registered) >= immunity
                    })
                    .collect();
                let minted: Vec<u64> = (0..v.n).map(|i| v.int::<T>(K::Emission, i)).collect();
                Self::record_replacement_order(netuid, run.started_at, &minted, &replaceable);
                run.phase = EpochPhase::Order;
                run.cursor = run.neurons;
            }
            _ => {
                let raw = v.take::<T>(K::Dividends);
                let (dividends, _, minted) = mindnet_math::dividends_and_emission(
                    raw,
                    v.get::<T>(K::Incentive),
                    params.delta,
                    run.emission,
                );
                v.put::<T>(K::Dividends, dividends);
                v.put::<T>(K::Emission, minted.iter().map(|m| int_bits(*m)).collect());
                run.minted = minted.iter().fold(0u64, |a, m| a.saturating_add(*m));
                Self::next_phase(run, EpochPhase::Credit);
            }
        }
    }

    /// One row of a pass; returns the row's weight entries and bonds (what it cost).
    pub(crate) fn row_unit(
        netuid: u16,
        run: &mut EpochRun,
        v: &mut Vectors,
        i: usize,
    ) -> (u32, u32) {
        use VectorKind as K;
        let uid = u16::try_from(i).unwrap_or(u16::MAX);
        let params = run.params();
        let last_update = v.int::<T>(K::LastUpdate, i);
        let s_i = v.at::<T>(K::Stake, i);
        let copied = v.is_copied::<T>(uid);
        let row = Self::epoch_weights(netuid, uid, copied);
        let registered = v.take_registered::<T>();
        let stored_bonds = v.bond_row(i);
        let cost = (
            u32::try_from(row.len()).unwrap_or(u32::MAX),
            u32::try_from(stored_bonds.len()).unwrap_or(u32::MAX),
        );
        let registrations = steps::Registrations::checking_each(&registered);
        let x = steps::weighted_row(
            i,
            &row,
            last_update,
            &registrations,
            params.mask_self_weight,
            s_i,
        );
        let previous = steps::previous_bond_row(i, stored_bonds, &registrations, run.cover);
        v.put_registered(registered);
        match run.phase {
            EpochPhase::FirstPass => {
                let mut first = steps::FirstPass {
                    raw_rank: v.take::<T>(K::RawRank),
                    trust: v.take::<T>(K::Trust),
                    old_bond_columns: v.take::<T>(K::OldBondColumns),
                    own: Fixed::from_bits(run.own),
                    all: Fixed::from_bits(run.all),
                };
                first.add_row(i, x.iter().copied(), s_i, previous.iter().copied());
                v.put::<T>(K::RawRank, first.raw_rank);
                v.put::<T>(K::Trust, first.trust);
                v.put::<T>(K::OldBondColumns, first.old_bond_columns);
                run.own = first.own.to_bits();
                run.all = first.all.to_bits();
            }
            _ => {
                let scales = v.take_scales::<T>();
                // Read only: loaded, then borrowed without marking it for saving.
                v.get::<T>(K::Incentive);
                let (stored, d) = steps::SecondPass {
                    delta_scale: &scales.0,
                    bond_scale: &scales.1,
                    incentive: v.loaded(K::Incentive),
                }
                .row(x.iter().copied(), previous.iter().copied());
                v.put_scales(scales);
                v.set::<T>(K::Dividends, i, d);
                v.set_bond_row(i, stored);
            }
        }
        cost
    }

    /// Credits uids `start..end` their emission (atomically: if minting the range's total
    /// fails, none of it is credited) and writes their results pages. Returns how many of
    /// the uids had a copy of their inputs or merged joining stake (what they cost).
    pub(crate) fn credit_range(
        netuid: u16,
        run: &mut EpochRun,
        v: &mut Vectors,
        start: usize,
        end: usize,
    ) -> usize {
        use VectorKind as K;
        let mut holders: Vec<(u16, Option<T::AccountId>, bool, u64)> = Vec::new();
        let mut takes: Vec<Option<Perbill>> = Vec::new();
        // Whether each uid cost more: a copy removed, or joining stake merged.
        let mut costly: Vec<bool> = Vec::new();
        for i in start..end {
            let uid = u16::try_from(i).unwrap_or(u16::MAX);
            // Read and removed only where one exists (the bitmap says): a removal is a write.
            let snapshot = Self::epoch_copy(netuid, uid, v.is_copied::<T>(uid));
            costly.push(snapshot.is_some());
            let (hotkey, still_held, take) = match snapshot {
                Some(s) => {
                    EpochSnapshots::<T>::remove(netuid, uid);
                    let held =
                        s.hotkey.is_some() && s.owed_after_replacement::<T>(netuid, uid).is_none();
                    (s.hotkey, held, Some(s.take))
                }
                None => (Keys::<T>::get(netuid, uid), true, None),
            };
            holders.push((uid, hotkey, still_held, v.int::<T>(K::Emission, i)));
            takes.push(take);
        }
        // Per holder: credited, or failed (reported, and shown as no emission).
        let mut credited = alloc::vec![false; holders.len()];
        let mut failed = alloc::vec![false; holders.len()];
        let outcome = with_storage_layer(|| -> DispatchResult {
            let mut total: u64 = 0;
            let flags = credited
                .iter_mut()
                .zip(failed.iter_mut())
                .zip(costly.iter_mut());
            for (((uid, hotkey, _, amount), take), ((credited, failed), costly)) in
                holders.iter().zip(&takes).zip(flags)
            {
                if *amount == 0 {
                    continue;
                }
                let result = match hotkey {
                    Some(h) => with_storage_layer(|| Self::credit_pool(netuid, h, *amount, *take)),
                    None => Err(Error::<T>::NotRegistered.into()),
                };
                match result {
                    Ok(merged) => {
                        *costly |= merged;
                        *credited = true;
                        total = total.saturating_add(*amount);
                    }
                    Err(e) => {
                        log::error!(target: "runtime::mindnet", "emission to uid {uid} failed: {e:?}");
                        *failed = true;
                    }
                }
            }
            Self::mint_stake(total)
        });
        if outcome.is_err() {
            log::error!(target: "runtime::mindnet", "minting the emission of uids {start}..{end} failed");
            for (credited, failed) in credited.iter_mut().zip(failed.iter_mut()) {
                *failed |= *credited;
                *credited = false;
            }
        }
        // A hotkey replaced during the epoch was kept until its credit: its credit is paid
        // (or failed), so release it now if it holds no uid, no stake and no other credit.
        for (_, hotkey, still_held, _) in &holders {
            if let (false, Some(h)) = (still_held, hotkey) {
                PendingCredits::<T>::mutate_exists(h, |n| {
                    *n = n.and_then(|n| n.checked_sub(1)).filter(|n| *n > 0)
                });
                Self::release_if_unused(h);
            }
        }
        for ((uid, _, _, amount), _) in holders.iter().zip(&failed).filter(|(_, f)| **f) {
            Self::deposit_event(Event::EmissionCreditFailed {
                netuid,
                uid: *uid,
                amount: *amount,
            });
        }
        // Results pages: one read and one write per page touched.
        let mut page_index = u32::MAX;
        let mut page: Vec<NeuronResult> = Vec::new();
        for (((uid, _, still_held, amount), credited), failed) in
            holders.into_iter().zip(credited).zip(failed)
        {
            let i = usize::from(uid);
            if credited {
                run.credited = run.credited.saturating_add(amount);
            }
            let (p, slot) = page_of(uid);
            if p != page_index {
                if page_index != u32::MAX {
                    NeuronResults::<T>::insert(
                        netuid,
                        page_index,
                        BoundedVec::truncate_from(core::mem::take(&mut page)),
                    );
                }
                page_index = p;
                page = NeuronResults::<T>::get(netuid, p).into_inner();
            }
            if !still_held {
                continue;
            }
            if page.len() <= slot {
                page.resize(slot.saturating_add(1), NeuronResult::default());
            }
            let emission = if failed { 0 } else { amount };
            let frac = |v: &mut Vectors, kind| fixed_to_perbill(v.at::<T>(kind, i));
            let result = NeuronResult {
                rank: frac(v, K::Rank),
                trust: frac(v, K::Trust),
                consensus: frac(v, K::Consensus),
                incentive: frac(v, K::Incentive),
                dividends: frac(v, K::Dividends),
                emission,
            };
            if let Some(s) = page.get_mut(slot) {
                *s = result;
            }
        }
        if page_index != u32::MAX {
            NeuronResults::<T>::insert(netuid, page_index, BoundedVec::truncate_from(page));
        }
        costly.iter().filter(|c| **c).count()
    }

    /// Mints `amount` into the stake account and adds it to `TotalStake`.
    fn mint_stake(amount: u64) -> DispatchResult {
        if amount == 0 {
            return Ok(());
        }
        let amount = BalanceOf::<T>::unique_saturated_from(amount);
        T::Currency::mint_into(&Self::stake_account(), amount)?;
        TotalStake::<T>::try_mutate(|t| {
            *t = t.checked_add(&amount).ok_or(Error::<T>::Overflow)?;
            Ok::<_, DispatchError>(())
        })
    }

    /// Records the order in which `register` replaces `netuid`'s neurons: lowest emission
    /// first (lower uid among equals), among the uids found replaceable.
    fn record_replacement_order(
        netuid: u16,
        started_at: u64,
        minted: &[u64],
        replaceable: &[bool],
    ) {
        let mut order: Vec<(u64, u16)> = minted
            .iter()
            .zip(replaceable)
            .enumerate()
            .filter(|(_, (_, r))| **r)
            .filter_map(|(uid, (m, _))| Some((*m, u16::try_from(uid).ok()?)))
            .collect();
        order.sort_unstable();
        ReplacementOrderFrom::<T>::insert(netuid, started_at);
        let old_pages = ReplacementPages::<T>::get(netuid);
        let pages: Vec<BoundedVec<u16, ConstU32<PAGE_SIZE>>> = order
            .chunks(PAGE_SIZE as usize)
            .map(|c| BoundedVec::truncate_from(c.iter().map(|(_, uid)| *uid).collect()))
            .collect();
        let count = u32::try_from(pages.len()).unwrap_or(u32::MAX);
        for (p, page) in pages.into_iter().enumerate() {
            ReplacementOrder::<T>::insert(netuid, u32::try_from(p).unwrap_or(u32::MAX), page);
        }
        for p in count..old_pages {
            ReplacementOrder::<T>::remove(netuid, p);
        }
        ReplacementPages::<T>::insert(netuid, count);
        ReplacementHead::<T>::insert(netuid, 0);
    }

    /// Finishes an epoch: the loss peg, adaptive τ, events, and the run's storage removed.
    pub(crate) fn complete_epoch(netuid: u16, run: &EpochRun) {
        let loss_bits = SignedFixed::from_bits(run.loss);
        let loss = loss_to_fixed_i64(loss_bits);
        Loss::<T>::insert(netuid, loss);
        EpochIndex::<T>::mutate(netuid, |e| *e = e.saturating_add(1));
        let sparsity =
            mindnet_math::fixed::div_or_zero(Fixed::from_bits(run.own), Fixed::from_bits(run.all));
        Self::adjust_after_epoch(netuid, loss_bits, sparsity);
        let _ = EpochVectors::<T>::clear_prefix(netuid, 16, None);
        let _ =
            EpochCopied::<T>::clear_prefix(netuid, u32::from(u16::MAX).div_ceil(COPIED_PAGE), None);
        RunningEpochs::<T>::remove(netuid);
        if run.minted == 0 {
            let reason = if run.any_stake {
                SkipReason::NoRanks
            } else {
                SkipReason::NoActiveStake
            };
            Self::deposit_event(Event::EpochSkipped { netuid, reason });
        }
        log::info!(
            target: "runtime::mindnet",
            "network {netuid}: epoch of block {} completed in {} blocks, {} of {} base units credited",
            run.started_at, run.steps, run.credited, run.emission,
        );
        Self::deposit_event(Event::EpochCompleted {
            netuid,
            emission: run.credited,
            loss,
            blocks: run.blocks,
        });
    }

    /// The loss peg (step 13) and adaptive τ (step 14).
    fn adjust_after_epoch(netuid: u16, loss: SignedFixed, sparsity: Fixed) {
        let current = MinAllowedWeights::<T>::get(netuid);
        let next = mindnet_math::next_min_allowed_weights(
            current,
            loss,
            perbill_to_fixed(LossMargin::<T>::get(netuid)),
            MaxWeightsPerRow::<T>::get(netuid),
        );
        if next != current {
            MinAllowedWeights::<T>::insert(netuid, next);
            Self::deposit_event(Event::MinAllowedWeightsAdjusted {
                netuid,
                min_allowed_weights: next,
            });
        }
        if AdaptiveEmission::<T>::get(netuid) {
            let current = BlockEmission::<T>::get(netuid);
            let next = mindnet_math::adapt_block_emission(
                current,
                sparsity,
                perbill_to_fixed(SparsityTarget::<T>::get(netuid)),
                perbill_to_fixed(EmissionAdjustment::<T>::get(netuid)),
                MinBlockEmission::<T>::get(netuid),
                MaxBlockEmission::<T>::get(netuid),
            );
            if next != current {
                BlockEmission::<T>::insert(netuid, next);
                Self::deposit_event(Event::BlockEmissionAdjusted {
                    netuid,
                    block_emission: next,
                });
            }
        }
    }

    /// The results of `uid`'s last epoch on `netuid`.
    pub fn neuron_result(netuid: u16, uid: u16) -> NeuronResult {
        let (page, slot) = page_of(uid);
        NeuronResults::<T>::get(netuid, page)
            .get(slot)
            .copied()
            .unwrap_or_default()
    }

    /// Resets `uid`'s results (a new neuron took it).
    pub(crate) fn clear_result(netuid: u16, uid: u16) {
        let (p, slot) = page_of(uid);
        NeuronResults::<T>::mutate(netuid, p, |page| {
            if let Some(slot) = page.get_mut(slot) {
                *slot = NeuronResult::default();
            }
        });
    }

    /// What `netuid`'s epoch is doing.
    pub fn epoch_status(netuid: u16) -> EpochStatus {
        EpochStatus {
            running: RunningEpochs::<T>::get(netuid)
                .map(|r| (r.phase, r.started_at, r.cursor, r.neurons)),
            deferred: EpochDeferred::<T>::get(netuid),
            last_epoch_block: LastEpochBlock::<T>::get(netuid),
            epochs: EpochIndex::<T>::get(netuid),
            tempo: Tempo::<T>::get(netuid),
        }
    }

    /// Takes the next uid to replace on a full `netuid`, in the order the last epoch
    /// recorded, passing over (and dropping) at most `REPLACEMENT_SCAN` uids that are
    /// immune now. Returns the uid and how many entries were read.
    pub(crate) fn take_replacement(netuid: u16, now: u64) -> (Option<u16>, u32) {
        let immunity = ImmunityPeriod::<T>::get(netuid);
        // A uid registered after the epoch that recorded the order started has changed
        // hands since: its place in the order was its previous holder's.
        let recorded = ReplacementOrderFrom::<T>::get(netuid);
        let pages = ReplacementPages::<T>::get(netuid);
        let mut head = ReplacementHead::<T>::get(netuid);
        let mut read = 0u32;
        let mut page_index = u32::MAX;
        let mut page: BoundedVec<u16, ConstU32<PAGE_SIZE>> = BoundedVec::new();
        let found = loop {
            if read >= REPLACEMENT_SCAN || head / PAGE_SIZE >= pages {
                break None;
            }
            if head / PAGE_SIZE != page_index {
                page_index = head / PAGE_SIZE;
                page = ReplacementOrder::<T>::get(netuid, page_index);
            }
            let Some(uid) = page.get((head % PAGE_SIZE) as usize).copied() else {
                break None;
            };
            head = head.saturating_add(1);
            read = read.saturating_add(1);
            let registered = RegisteredAt::<T>::get(netuid, uid);
            if registered < recorded && now.saturating_sub(registered) >= immunity {
                break Some(uid);
            }
        };
        ReplacementHead::<T>::insert(netuid, head);
        (found, read)
    }
}

/// The most entries of the replacement order one `register` reads.
pub const REPLACEMENT_SCAN: u32 = 16;
