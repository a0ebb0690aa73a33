//! The epoch's O(n) vectors in a block: [`Vectors`] loads each from [`EpochVectors`] once,
//! as fixed-point bits, and saves those written at the end of the block; and what each
//! phase reads and writes of them, which is what it pays for.

use super::{
    paging::{bit_set, pages},
    BondRow, EpochPhase, TransitiveRun, VectorKind, COPIED_PAGE,
};
use crate::*;
use alloc::{collections::BTreeMap, vec::Vec};
use frame_support::{traits::Defensive, BoundedVec};
use mindnet_math::{fixed::Scale, Fixed};

impl EpochPhase {
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
            Self::Transitive => (
                &[K::Stake, K::LastUpdate, K::RegisteredAt],
                &[K::Absorbed, K::FlowEven, K::FlowOdd],
                1,
            ),
            Self::Rank => (
                &[K::Consensus, K::OldBondColumns, K::RawRank, K::Absorbed],
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

/// The vectors a block's work loaded (each decoded once per block, as fixed-point bits),
/// written back at the end of the block if changed. Access is O(1) after the first load.
pub(crate) struct Vectors {
    pub(super) netuid: u16,
    pub(super) n: usize,
    loaded: BTreeMap<VectorKind, (Vec<Fixed>, bool)>,
    registered: Option<Vec<u64>>,
    /// The second pass's `(γ, β)`, decoded once per block.
    scales: Option<(Vec<Scale>, Vec<Scale>)>,
    /// One bit per uid: whether its inputs were copied ([`EpochCopied`]), read whole on
    /// first use (charged with the vectors of each phase that reads copies).
    copied: Option<Vec<u64>>,
    /// The bond page a pass is on: the pass, the page's index and rows, and whether a row
    /// changed (then it is written when the pass leaves the page or the block ends).
    pub(super) bonds: Option<(EpochPhase, u16, Vec<BondRow>, bool)>,
    /// The phases whose vectors the block has paid for; `None`: not metered (benchmarks).
    charged: Option<Vec<EpochPhase>>,
    /// [`RunningTransitive`], read on first use (`None` before), and whether it changed
    /// (then it is written at the end of the block). Its read and write are part of the
    /// block's overhead.
    transitive: Option<Option<TransitiveRun>>,
    transitive_changed: bool,
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
            transitive: None,
            transitive_changed: false,
        }
    }

    /// The running epoch's transitive ranking, or `None` under direct ranking.
    pub(crate) fn transitive<T: Config>(&mut self) -> Option<TransitiveRun> {
        let netuid = self.netuid;
        *self
            .transitive
            .get_or_insert_with(|| RunningTransitive::<T>::get(netuid))
    }

    /// Records the transitive ranking's progress, written at the end of the block.
    pub(super) fn set_transitive(&mut self, run: TransitiveRun) {
        self.transitive = Some(Some(run));
        self.transitive_changed = true;
    }

    /// Whether `uid`'s inputs were copied into [`EpochSnapshots`] (the epoch reads the copy
    /// then, and the live storage otherwise).
    pub(crate) fn is_copied<T: Config>(&mut self, uid: u16) -> bool {
        let (netuid, n) = (self.netuid, self.n);
        let bits = self.copied.get_or_insert_with(|| {
            let words = (COPIED_PAGE / 64) as usize;
            // `n` is an epoch's neuron count, a `u32`; a page of at most 65,536 uids is a
            // `u16`.
            let count = pages(u32::try_from(n).defensive_unwrap_or(u32::MAX), COPIED_PAGE);
            let mut bits = Vec::new();
            for page in 0..count {
                let mut words_of_page = EpochCopied::<T>::get(
                    netuid,
                    u16::try_from(page).defensive_unwrap_or(u16::MAX),
                )
                .into_inner();
                words_of_page.resize(words, 0);
                bits.extend(words_of_page);
            }
            bits
        });
        bit_set(bits, usize::from(uid))
    }

    /// Vectors whose use is paid for phase by phase ([`Self::charge`]).
    pub(crate) fn metered(mut self) -> Self {
        self.charged = Some(Vec::new());
        self
    }

    /// Whether the block has paid for `phase`'s vectors (always, when not metered).
    pub(super) fn is_charged(&self, phase: EpochPhase) -> bool {
        self.charged.as_ref().is_none_or(|c| c.contains(&phase))
    }

    /// Records that the block paid for `phase`'s vectors, and that `phase` runs now.
    pub(super) fn charge(&mut self, phase: EpochPhase) {
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

    /// A vector already loaded by [`Self::get`], borrowed shared (every caller loads it
    /// first: empty, defensively, if it was not).
    pub(super) fn loaded(&self, kind: VectorKind) -> &[Fixed] {
        self.loaded
            .get(&kind)
            .map(|(v, _)| v.as_slice())
            .defensive_unwrap_or_default()
    }

    /// Entry `i` of a vector: every caller's `i` is a uid of the epoch (`i < n`, a loaded
    /// vector's length), so the zero past its end cannot happen.
    pub(super) fn at<T: Config>(&mut self, kind: VectorKind, i: usize) -> Fixed {
        self.get::<T>(kind)
            .get(i)
            .copied()
            .defensive_unwrap_or_default()
    }

    /// Entry `i` of a vector of integers (each written by [`int_bits`] from a `u64`, so it
    /// fits one).
    pub(super) fn int<T: Config>(&mut self, kind: VectorKind, i: usize) -> u64 {
        u64::try_from(self.at::<T>(kind, i).to_bits()).defensive_unwrap_or(u64::MAX)
    }

    /// Write access: the vector is saved at the end of the block.
    pub(crate) fn get_mut<T: Config>(&mut self, kind: VectorKind) -> &mut Vec<Fixed> {
        #[cfg(test)]
        self.check_paid(kind, true);
        let entry = self.load::<T>(kind);
        entry.1 = true;
        &mut entry.0
    }

    pub(super) fn set<T: Config>(&mut self, kind: VectorKind, i: usize, value: Fixed) {
        if let Some(slot) = self.get_mut::<T>(kind).get_mut(i) {
            *slot = value;
        }
    }

    /// Moves a vector out (O(1)); give it back with [`Self::put`].
    pub(super) fn take<T: Config>(&mut self, kind: VectorKind) -> Vec<Fixed> {
        core::mem::take(self.get_mut::<T>(kind))
    }

    pub(super) fn put<T: Config>(&mut self, kind: VectorKind, v: Vec<Fixed>) {
        *self.get_mut::<T>(kind) = v;
    }

    /// `registered_at` of every uid, as the row steps take it, moved out (O(1) after the
    /// first call of the block); give it back with [`Self::put_registered`]. Each was
    /// written by [`int_bits`] from a `u64`.
    pub(super) fn take_registered<T: Config>(&mut self) -> Vec<u64> {
        match self.registered.take() {
            Some(r) => r,
            None => self
                .get::<T>(VectorKind::RegisteredAt)
                .iter()
                .map(|b| u64::try_from(b.to_bits()).defensive_unwrap_or(u64::MAX))
                .collect(),
        }
    }

    pub(super) fn put_registered(&mut self, r: Vec<u64>) {
        self.registered = Some(r);
    }

    /// The second pass's scales `(γ, β)`, moved out (O(1) after the first call of the
    /// block); give them back with [`Self::put_scales`].
    pub(super) fn take_scales<T: Config>(&mut self) -> (Vec<Scale>, Vec<Scale>) {
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

    pub(super) fn put_scales(&mut self, scales: (Vec<Scale>, Vec<Scale>)) {
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
        if let (true, Some(Some(run))) = (self.transitive_changed, self.transitive) {
            RunningTransitive::<T>::insert(self.netuid, run);
        }
        for (kind, (v, dirty)) in self.loaded {
            if dirty {
                let bits: Vec<u128> = v.into_iter().map(|x| x.to_bits()).collect();
                EpochVectors::<T>::insert(self.netuid, kind, BoundedVec::truncate_from(bits));
            }
        }
    }
}

/// An integer held in a vector of fixed-point bits.
pub(super) fn int_bits(v: u64) -> Fixed {
    Fixed::from_bits(u128::from(v))
}
