//! The pallet's storage: networks and their parameters, neurons, the running epoch, and
//! stake.
//!
//! A [`pallet_section`]: the items below are declared inside the pallet module (see
//! `#[import_section(storage::storage)]` in the crate root), so their names, prefixes and
//! metadata are those of `pallet_mindnet::pallet`.

use frame_support::pallet_macros::pallet_section;

/// The storage items of the pallet, imported into it by `#[import_section]`.
#[pallet_section]
mod storage {
    // ---- storage: networks and their parameters -------------------------------------

    /// Networks that exist.
    #[pallet::storage]
    pub type NetworksAdded<T> = StorageMap<_, Twox64Concat, u16, (), OptionQuery>;

    /// How many networks exist.
    #[pallet::storage]
    pub type TotalNetworks<T> = StorageValue<_, u16, ValueQuery>;

    #[pallet::type_value]
    pub fn DefaultTempo() -> u16 {
        100
    }
    /// Blocks between epochs: the epoch runs at every block that is a multiple of it.
    #[pallet::storage]
    pub type Tempo<T> = StorageMap<_, Twox64Concat, u16, u16, ValueQuery, DefaultTempo>;

    #[pallet::type_value]
    pub fn DefaultRho() -> u32 {
        10
    }
    /// `ρ`, the steepness of the consensus sigmoid.
    #[pallet::storage]
    pub type Rho<T> = StorageMap<_, Twox64Concat, u16, u32, ValueQuery, DefaultRho>;

    #[pallet::type_value]
    pub fn DefaultHalf() -> Perbill {
        Perbill::from_percent(50)
    }
    /// `κ`, the trust at which consensus is ½.
    #[pallet::storage]
    pub type Kappa<T> = StorageMap<_, Twox64Concat, u16, Perbill, ValueQuery, DefaultHalf>;

    #[pallet::type_value]
    pub fn DefaultAlpha() -> Perbill {
        Perbill::from_percent(10)
    }
    /// `α`, the rate at which bonds move toward this epoch's bond deltas.
    #[pallet::storage]
    pub type BondsMovingAverage<T> =
        StorageMap<_, Twox64Concat, u16, Perbill, ValueQuery, DefaultAlpha>;

    /// `δ`, the share of emission paid as dividends (the rest is incentive).
    #[pallet::storage]
    pub type DividendShare<T> = StorageMap<_, Twox64Concat, u16, Perbill, ValueQuery, DefaultHalf>;

    #[pallet::type_value]
    pub fn DefaultActivityCutoff() -> u64 {
        5000
    }
    /// Blocks after its last `set_weights` during which a neuron's stake counts.
    #[pallet::storage]
    pub type ActivityCutoff<T> =
        StorageMap<_, Twox64Concat, u16, u64, ValueQuery, DefaultActivityCutoff>;

    /// Whether self-weights `W_ii` are dropped.
    #[pallet::storage]
    pub type MaskSelfWeight<T> = StorageMap<_, Twox64Concat, u16, bool, ValueQuery>;

    /// How the network ranks: by direct weights (step 4) or by the stake the weight graph
    /// absorbs (MECHANISM.md "Transitive ranking").
    #[pallet::storage]
    pub type NetworkRanking<T> = StorageMap<_, Twox64Concat, u16, RankingMode, ValueQuery>;

    #[pallet::type_value]
    pub fn DefaultTransitiveIterations() -> u8 {
        mindnet_math::epoch::DEFAULT_ITERATIONS
    }
    /// Whether weights are committed as a hash and revealed `RevealDelay` epochs later
    /// (`set_weights` is refused while it is set).
    #[pallet::storage]
    pub type CommitReveal<T> = StorageMap<_, Twox64Concat, u16, bool, ValueQuery>;

    #[pallet::type_value]
    pub fn DefaultRevealDelay() -> u16 {
        1
    }
    /// Epochs between a weight commit and the epoch in which it must be revealed.
    #[pallet::storage]
    pub type RevealDelay<T> = StorageMap<_, Twox64Concat, u16, u16, ValueQuery, DefaultRevealDelay>;

    /// A hotkey's unexpired weight commits on a network, oldest first.
    #[pallet::storage]
    pub type WeightCommits<T: Config> = StorageDoubleMap<
        _,
        Twox64Concat,
        u16,
        Blake2_128Concat,
        T::AccountId,
        BoundedVec<WeightCommit, ConstU32<{ commit_reveal::MAX_WEIGHT_COMMITS }>>,
        ValueQuery,
    >;

    /// The transitive ranking's most passes over the weight rows.
    #[pallet::storage]
    pub type TransitiveIterations<T> =
        StorageMap<_, Twox64Concat, u16, u8, ValueQuery, DefaultTransitiveIterations>;

    #[pallet::type_value]
    pub fn DefaultBlockEmission() -> u64 {
        1_000_000_000
    }
    /// Base units minted per block; an epoch mints `BlockEmission` times the blocks since
    /// the network's previous epoch.
    #[pallet::storage]
    pub type BlockEmission<T> =
        StorageMap<_, Twox64Concat, u16, u64, ValueQuery, DefaultBlockEmission>;

    #[pallet::type_value]
    pub fn DefaultLossMargin() -> Perbill {
        Perbill::from_percent(5)
    }
    /// The loss peg lowers `MinAllowedWeights` when `L < −LossMargin`.
    #[pallet::storage]
    pub type LossMargin<T> =
        StorageMap<_, Twox64Concat, u16, Perbill, ValueQuery, DefaultLossMargin>;

    #[pallet::type_value]
    pub fn DefaultMinAllowedWeights() -> u16 {
        1
    }
    /// The fewest entries a weight row may have (moved by the loss peg).
    #[pallet::storage]
    pub type MinAllowedWeights<T> =
        StorageMap<_, Twox64Concat, u16, u16, ValueQuery, DefaultMinAllowedWeights>;

    #[pallet::type_value]
    pub fn DefaultMaxWeightsPerRow<T: Config>() -> u16 {
        u16::try_from(T::MaxWeightsPerRow::get()).unwrap_or(u16::MAX)
    }
    /// The most entries a weight row may have.
    #[pallet::storage]
    pub type MaxWeightsPerRow<T: Config> =
        StorageMap<_, Twox64Concat, u16, u16, ValueQuery, DefaultMaxWeightsPerRow<T>>;

    #[pallet::type_value]
    pub fn DefaultMaxAllowedUids<T: Config>() -> u32 {
        T::MaxNeurons::get()
    }
    /// The most neurons the network holds before registrations replace neurons.
    #[pallet::storage]
    pub type MaxAllowedUids<T: Config> =
        StorageMap<_, Twox64Concat, u16, u32, ValueQuery, DefaultMaxAllowedUids<T>>;

    #[pallet::type_value]
    pub fn DefaultImmunityPeriod() -> u64 {
        100
    }
    /// Blocks after registration during which a neuron cannot be replaced.
    #[pallet::storage]
    pub type ImmunityPeriod<T> =
        StorageMap<_, Twox64Concat, u16, u64, ValueQuery, DefaultImmunityPeriod>;

    /// The lowest `version_key` that `set_weights` accepts.
    #[pallet::storage]
    pub type WeightsVersionKey<T> = StorageMap<_, Twox64Concat, u16, u64, ValueQuery>;

    #[pallet::type_value]
    pub fn DefaultWeightsSetRateLimit() -> u64 {
        1
    }
    /// Blocks a neuron must wait after registering or setting weights before it sets them
    /// again.
    #[pallet::storage]
    pub type WeightsSetRateLimit<T> =
        StorageMap<_, Twox64Concat, u16, u64, ValueQuery, DefaultWeightsSetRateLimit>;

    #[pallet::type_value]
    pub fn DefaultRegistrationFee<T: Config>() -> BalanceOf<T> {
        BalanceOf::<T>::unique_saturated_from(1_000_000_000u64)
    }
    /// Balance burned by `register` (the sybil cost).
    #[pallet::storage]
    pub type RegistrationFee<T: Config> =
        StorageMap<_, Twox64Concat, u16, BalanceOf<T>, ValueQuery, DefaultRegistrationFee<T>>;

    /// Whether step 14 (adaptive τ) adjusts `BlockEmission` after each epoch.
    #[pallet::storage]
    pub type AdaptiveEmission<T> = StorageMap<_, Twox64Concat, u16, bool, ValueQuery>;

    /// The self-weight share that adaptive τ steers toward.
    #[pallet::storage]
    pub type SparsityTarget<T> = StorageMap<_, Twox64Concat, u16, Perbill, ValueQuery, DefaultHalf>;

    #[pallet::type_value]
    pub fn DefaultEmissionAdjustment() -> Perbill {
        Perbill::from_percent(1)
    }
    /// `γ`: adaptive τ multiplies `BlockEmission` by `1 ± γ`.
    #[pallet::storage]
    pub type EmissionAdjustment<T> =
        StorageMap<_, Twox64Concat, u16, Perbill, ValueQuery, DefaultEmissionAdjustment>;

    #[pallet::type_value]
    pub fn DefaultMinBlockEmission() -> u64 {
        100_000_000
    }
    /// The lowest `BlockEmission` adaptive τ sets.
    #[pallet::storage]
    pub type MinBlockEmission<T> =
        StorageMap<_, Twox64Concat, u16, u64, ValueQuery, DefaultMinBlockEmission>;

    #[pallet::type_value]
    pub fn DefaultMaxBlockEmission() -> u64 {
        10_000_000_000
    }
    /// The highest `BlockEmission` adaptive τ sets.
    #[pallet::storage]
    pub type MaxBlockEmission<T> =
        StorageMap<_, Twox64Concat, u16, u64, ValueQuery, DefaultMaxBlockEmission>;

    #[pallet::type_value]
    pub fn DefaultMinStake<T: Config>() -> BalanceOf<T> {
        BalanceOf::<T>::unique_saturated_from(1_000_000_000u64)
    }
    /// The least stake a coldkey may hold behind a hotkey on this network (a position is
    /// either empty or at least this much).
    #[pallet::storage]
    pub type MinStake<T: Config> =
        StorageMap<_, Twox64Concat, u16, BalanceOf<T>, ValueQuery, DefaultMinStake<T>>;

    #[pallet::type_value]
    pub fn DefaultMaxTake() -> Perbill {
        Perbill::from_percent(18)
    }
    /// The most a hotkey's owner takes of its emission on this network before the rest is
    /// shared by its stakers ([`Take`] is capped by it).
    #[pallet::storage]
    pub type MaxTake<T> = StorageMap<_, Twox64Concat, u16, Perbill, ValueQuery, DefaultMaxTake>;

    #[pallet::type_value]
    pub fn DefaultMaxWeightChange() -> u32 {
        MAX_WEIGHT_CHANGE_LIMIT
    }
    /// The largest L1 distance, in parts per billion, between a neuron's stored normalised
    /// weight row and the one a `set_weights` submits (seed 000's bounded `ΔW_i`). The
    /// default, 2 (2,000,000,000), bounds nothing.
    #[pallet::storage]
    pub type MaxWeightChange<T> =
        StorageMap<_, Twox64Concat, u16, u32, ValueQuery, DefaultMaxWeightChange>;

    /// Whether `serve_axon` accepts loopback, private and other non-routable addresses.
    /// Set at genesis: true on development chains only.
    #[pallet::storage]
    pub type AllowNonRoutableAxons<T> = StorageValue<_, bool, ValueQuery>;

    // ---- storage: neurons ---------------------------------------------------------

    /// How many uids the network has handed out (uids are `0..NeuronCount`).
    #[pallet::storage]
    pub type NeuronCount<T> = StorageMap<_, Twox64Concat, u16, u32, ValueQuery>;

    /// The hotkey holding `(netuid, uid)`.
    #[pallet::storage]
    pub type Keys<T: Config> =
        StorageDoubleMap<_, Twox64Concat, u16, Twox64Concat, u16, T::AccountId, OptionQuery>;

    /// The uid of a hotkey on a network.
    #[pallet::storage]
    pub type Uids<T: Config> =
        StorageDoubleMap<_, Twox64Concat, u16, Blake2_128Concat, T::AccountId, u16, OptionQuery>;

    /// The coldkey that owns a hotkey: set by its first registration, released when the
    /// hotkey holds no uid on any network and no stake.
    #[pallet::storage]
    pub type Owner<T: Config> =
        StorageMap<_, Blake2_128Concat, T::AccountId, T::AccountId, OptionQuery>;

    /// On how many networks a hotkey holds a uid.
    #[pallet::storage]
    pub type HotkeyNetworks<T: Config> =
        StorageMap<_, Blake2_128Concat, T::AccountId, u16, ValueQuery>;

    /// How many epoch credits a hotkey is still owed for uids it lost while an epoch ran:
    /// it held the uid when the epoch started, so the epoch credits it. Until they are paid
    /// the hotkey keeps its owner, so that its stakers leaving cannot release it first.
    #[pallet::storage]
    pub type PendingCredits<T: Config> =
        StorageMap<_, Blake2_128Concat, T::AccountId, u32, ValueQuery>;

    /// The share of its emission a hotkey's owner takes before its stakers share the rest
    /// (capped by the network's [`MaxTake`]).
    #[pallet::storage]
    pub type Take<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, Perbill, ValueQuery>;

    /// Block at which the uid's current hotkey registered.
    #[pallet::storage]
    pub type RegisteredAt<T> =
        StorageDoubleMap<_, Twox64Concat, u16, Twox64Concat, u16, u64, ValueQuery>;

    /// Block of the uid's last `set_weights`; absent until the uid's current hotkey sets
    /// weights (a neuron that has not voted is not active).
    #[pallet::storage]
    pub type LastUpdate<T> =
        StorageDoubleMap<_, Twox64Concat, u16, Twox64Concat, u16, u64, ValueQuery>;

    /// The uid's weight row: `(uid, value)` sorted by uid.
    #[pallet::storage]
    pub type Weights<T: Config> = StorageDoubleMap<
        _,
        Twox64Concat,
        u16,
        Twox64Concat,
        u16,
        BoundedVec<(u16, u16), T::MaxWeightsPerRow>,
        ValueQuery,
    >;

    /// The bonds `B_i·` after the last epoch, [`epoch::BOND_PAGE`] rows per page: row `i`
    /// is entry `i % BOND_PAGE` of page `i / BOND_PAGE` (a page may stop short; missing
    /// rows are empty). A row is `(uid, U32F32 bits)` sorted by uid, each column of the
    /// network's bond matrix summing to one, at most [`mindnet_math::MAX_BONDS_PER_ROW`]
    /// entries. Read a row with [`Pallet::bond_row`]. The epoch reads and writes a page
    /// once for its rows, instead of a key per row.
    #[pallet::storage]
    pub type Bonds<T: Config> = StorageDoubleMap<
        _,
        Twox64Concat,
        u16,
        Twox64Concat,
        u16,
        BoundedVec<epoch::BondRow, ConstU32<{ epoch::BOND_PAGE }>>,
        ValueQuery,
    >;

    /// Where a hotkey's learner serves on a network.
    #[pallet::storage]
    pub type Axons<T: Config> = StorageDoubleMap<
        _,
        Twox64Concat,
        u16,
        Blake2_128Concat,
        T::AccountId,
        AxonInfo,
        OptionQuery,
    >;

    /// The results of the network's last epoch, [`epoch::PAGE_SIZE`] uids per page:
    /// uid `u` is entry `u % PAGE_SIZE` of page `u / PAGE_SIZE` (read them with
    /// [`Pallet::neuron_result`] or `MindnetApi.neurons`).
    #[pallet::storage]
    pub type NeuronResults<T> = StorageDoubleMap<
        _,
        Twox64Concat,
        u16,
        Twox64Concat,
        u32,
        BoundedVec<NeuronResult, ConstU32<{ epoch::PAGE_SIZE }>>,
        ValueQuery,
    >;

    /// The network's running epoch: its phase, cursor and parameters.
    #[pallet::storage]
    pub type RunningEpochs<T> = StorageMap<_, Twox64Concat, u16, EpochRun, OptionQuery>;

    /// The running epoch's transitive ranking, when its network ranks transitively: its
    /// passes and the stake in flight. Kept beside [`RunningEpochs`] so that an epoch
    /// stored before transitive ranking existed reads as it was written.
    #[pallet::storage]
    pub type RunningTransitive<T> = StorageMap<_, Twox64Concat, u16, TransitiveRun, OptionQuery>;

    /// The O(n) vectors of the network's running epoch.
    #[pallet::storage]
    pub type EpochVectors<T: Config> = StorageDoubleMap<
        _,
        Twox64Concat,
        u16,
        Twox64Concat,
        VectorKind,
        BoundedVec<u128, T::MaxNeurons>,
        ValueQuery,
    >;

    /// A uid's inputs as they stood when the running epoch started, copied by the first
    /// call that changed them while the epoch still needed them.
    #[pallet::storage]
    pub type EpochSnapshots<T: Config> = StorageDoubleMap<
        _,
        Twox64Concat,
        u16,
        Twox64Concat,
        u16,
        NeuronSnapshot<T::AccountId, T::MaxWeightsPerRow>,
        OptionQuery,
    >;

    /// Which uids of the network's running epoch have a copy in [`EpochSnapshots`],
    /// [`epoch::COPIED_PAGE`] uids per page: uid `u` is bit `u % 64` of word
    /// `(u % COPIED_PAGE) / 64` of page `u / COPIED_PAGE`. The epoch reads a page instead
    /// of looking up a copy per uid; the pages are removed when the epoch completes.
    #[pallet::storage]
    pub type EpochCopied<T> = StorageDoubleMap<
        _,
        Twox64Concat,
        u16,
        Twox64Concat,
        u16,
        BoundedVec<u64, ConstU32<{ epoch::COPIED_PAGE / 64 }>>,
        ValueQuery,
    >;

    /// An epoch fell due while the previous one was still running: it starts as soon as
    /// that one completes.
    #[pallet::storage]
    pub type EpochDeferred<T> = StorageMap<_, Twox64Concat, u16, bool, ValueQuery>;

    #[pallet::type_value]
    pub fn DefaultEpochBudget() -> Perbill {
        Perbill::from_percent(10)
    }
    /// The share of a block's maximum weight that all running epochs together may use.
    #[pallet::storage]
    pub type EpochBudget<T> = StorageValue<_, Perbill, ValueQuery, DefaultEpochBudget>;

    /// The order in which `register` replaces the network's neurons (lowest emission of
    /// the last epoch first), [`epoch::PAGE_SIZE`] uids per page.
    #[pallet::storage]
    pub type ReplacementOrder<T> = StorageDoubleMap<
        _,
        Twox64Concat,
        u16,
        Twox64Concat,
        u32,
        BoundedVec<u16, ConstU32<{ epoch::PAGE_SIZE }>>,
        ValueQuery,
    >;

    /// The start block of the epoch that recorded [`ReplacementOrder`]: a uid registered
    /// since has changed hands, and its place in the order is skipped.
    #[pallet::storage]
    pub type ReplacementOrderFrom<T> = StorageMap<_, Twox64Concat, u16, u64, ValueQuery>;

    /// Pages of [`ReplacementOrder`].
    #[pallet::storage]
    pub type ReplacementPages<T> = StorageMap<_, Twox64Concat, u16, u32, ValueQuery>;

    /// The next entry of [`ReplacementOrder`] to use.
    #[pallet::storage]
    pub type ReplacementHead<T> = StorageMap<_, Twox64Concat, u16, u32, ValueQuery>;

    /// The loss `L` of the network's last epoch.
    #[pallet::storage]
    pub type Loss<T> = StorageMap<_, Twox64Concat, u16, FixedI64, ValueQuery>;

    /// Block at which the network's last epoch started (its creation block before the
    /// first): the next epoch mints `BlockEmission` for every block since.
    #[pallet::storage]
    pub type LastEpochBlock<T> = StorageMap<_, Twox64Concat, u16, u64, OptionQuery>;

    /// How many epochs the network has run: the index of the stake period now running.
    #[pallet::storage]
    pub type EpochIndex<T> = StorageMap<_, Twox64Concat, u16, u64, ValueQuery>;

    // ---- storage: stake -----------------------------------------------------------

    /// The stake behind a hotkey on a network: its value, the shares its stakers hold,
    /// and the part of it that counts in the running epoch.
    #[pallet::storage]
    pub type StakePools<T: Config> = StorageDoubleMap<
        _,
        Twox64Concat,
        u16,
        Blake2_128Concat,
        T::AccountId,
        StakePool<BalanceOf<T>>,
        OptionQuery,
    >;

    /// `coldkey`'s position in `(netuid, hotkey)`'s pool. Its stake is
    /// `shares × pool.value / pool.shares` plus what is joining ([`Pallet::stake_of`]).
    #[pallet::storage]
    pub type StakePositions<T: Config> = StorageNMap<
        _,
        (
            NMapKey<Twox64Concat, u16>,
            NMapKey<Blake2_128Concat, T::AccountId>,
            NMapKey<Blake2_128Concat, T::AccountId>,
        ),
        StakePosition<BalanceOf<T>>,
        OptionQuery,
    >;

    /// The pools `coldkey` holds a position in, as `(coldkey, netuid, hotkey)`: an index of
    /// [`StakePositions`] by coldkey, so that a coldkey's stake is found by a prefix read
    /// instead of a scan of every position. Written with each position; built for positions
    /// older than it by the stepped migration `migrations::v5::IndexColdkeys`.
    #[pallet::storage]
    pub type ColdkeyPositions<T: Config> = StorageNMap<
        _,
        (
            NMapKey<Blake2_128Concat, T::AccountId>,
            NMapKey<Twox64Concat, u16>,
            NMapKey<Blake2_128Concat, T::AccountId>,
        ),
        (),
        OptionQuery,
    >;

    /// The shares that the stake which joined `(netuid, hotkey)`'s pool in a period bought,
    /// kept until every position of that period has claimed its part.
    #[pallet::storage]
    pub type JoinRates<T: Config> = StorageNMap<
        _,
        (
            NMapKey<Twox64Concat, u16>,
            NMapKey<Blake2_128Concat, T::AccountId>,
            NMapKey<Twox64Concat, u64>,
        ),
        JoinRate<BalanceOf<T>>,
        OptionQuery,
    >;

    /// On how many networks a hotkey has a pool with stake.
    #[pallet::storage]
    pub type HotkeyPools<T: Config> =
        StorageMap<_, Blake2_128Concat, T::AccountId, u16, ValueQuery>;

    /// All stake on the chain: the stake account's balance above its existential deposit.
    #[pallet::storage]
    pub type TotalStake<T: Config> = StorageValue<_, BalanceOf<T>, ValueQuery>;
}
