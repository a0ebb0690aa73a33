//! # Mindnet
//!
//! A peer-to-peer intelligence market: machine-learning peers ("neurons") register on a
//! network, stake, rank each other by setting weights, and every `tempo` blocks the
//! chain turns stake and weights into trust, sigmoid consensus, incentive, bonds,
//! dividends and newly minted stake.
//!
//! ## Overview
//!
//! * A **network** (`netuid: u16`) holds up to `MaxAllowedUids` neurons and its own
//!   parameters. Network 0 is created at genesis; root creates more.
//! * A **neuron** is a hotkey registered on a network under a uid. The coldkey that
//!   registers a hotkey owns it; registration burns the network's registration fee. A full
//!   network replaces its neuron with the lowest last emission that is past immunity.
//! * **Stake** is balance held (pallet-balances holds, reason [`HoldReason::Staked`]) on
//!   the staking coldkey, accounted per `(hotkey, coldkey)`. It is never created or lost
//!   by staking; the epoch mints new stake to the hotkey's owner.
//! * **Weights** are a neuron's sparse ranking of other uids (`u16` values).
//! * The **epoch** runs at every block that is a multiple of the network's tempo and
//!   computes MECHANISM.md steps 1–14 with the pure [`mindnet_math`] crate.
//!
//! ## Terminology
//!
//! * *hotkey*: the account a neuron signs `set_weights` and `serve_axon` with.
//! * *coldkey*: the account that owns a hotkey and holds its stake.
//! * *emission*: base units minted to a neuron in an epoch, credited to its hotkey's
//!   stake under its owner coldkey.
//! * *fractions* (rank, trust, consensus, incentive, dividends, κ, α, δ, …) are stored as
//!   [`Perbill`]; the loss `L` as a signed [`FixedI64`].
//!
//! ## Interface
//!
//! Signed by a coldkey: [`Pallet::register`], [`Pallet::add_stake`],
//! [`Pallet::remove_stake`]. Signed by a hotkey: [`Pallet::set_weights`],
//! [`Pallet::serve_axon`]. Root: [`Pallet::create_network`], [`Pallet::set_parameter`].
//!
//! ## Usage
//!
//! ```text
//! api.tx.mindnet.register(0, hotkey)                          // coldkey signs
//! api.tx.mindnet.addStake(hotkey, 10_000_000_000n)            // coldkey signs
//! api.tx.mindnet.setWeights(0, [1, 2], [65535, 32768], 0)     // hotkey signs
//! api.query.mindnet.totalHotkeyStake(hotkey)
//! ```

#![cfg_attr(not(feature = "std"), no_std)]
#![cfg_attr(
    not(test),
    deny(
        clippy::arithmetic_side_effects,
        clippy::indexing_slicing,
        clippy::unwrap_used
    )
)]

extern crate alloc;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod epoch;
mod network;
mod neurons;
mod staking;
pub mod weights;

#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

pub use network::NetworkParameter;
pub use weights::WeightInfo;

use frame_support::traits::fungible;
use sp_arithmetic::{FixedI64, Perbill};

/// The balance type of the pallet's currency.
pub type BalanceOf<T> =
    <<T as Config>::Currency as fungible::Inspect<<T as frame_system::Config>::AccountId>>::Balance;

/// Where a neuron's learner can be reached.
#[derive(
    codec::Encode,
    codec::Decode,
    codec::DecodeWithMemTracking,
    codec::MaxEncodedLen,
    scale_info::TypeInfo,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Debug,
    Default,
)]
pub struct AxonInfo {
    /// Block at which the axon was last served.
    pub block: u64,
    /// IPv4 (in the low 32 bits) or IPv6 address.
    pub ip: u128,
    /// TCP port.
    pub port: u16,
    /// 4 or 6.
    pub ip_type: u8,
    /// Application protocol identifier chosen by the learner.
    pub protocol: u8,
}

#[frame_support::pallet]
pub mod pallet {
    use super::*;
    use frame_support::{pallet_prelude::*, traits::fungible::MutateHold};
    use frame_system::pallet_prelude::*;
    use sp_runtime::traits::UniqueSaturatedFrom;

    /// The in-code storage version.
    const STORAGE_VERSION: StorageVersion = StorageVersion::new(1);

    #[pallet::pallet]
    #[pallet::storage_version(STORAGE_VERSION)]
    pub struct Pallet<T>(_);

    /// Why the pallet holds balance.
    #[pallet::composite_enum]
    pub enum HoldReason {
        /// Stake behind a hotkey.
        #[codec(index = 0)]
        Staked,
    }

    #[pallet::config]
    pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
        /// The token that is staked, burned on registration and minted as emission.
        type Currency: fungible::Mutate<Self::AccountId>
            + MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;
        /// The overarching hold reason.
        type RuntimeHoldReason: From<HoldReason>;
        /// Weights of this pallet's calls and of the epoch.
        type WeightInfo: WeightInfo;
        /// The most networks that can exist.
        #[pallet::constant]
        type MaxNetworks: Get<u16>;
        /// The most neurons (uids) a network can hold; `MaxAllowedUids` is at most this.
        #[pallet::constant]
        type MaxNeurons: Get<u32>;
        /// The most entries one weight row can have; `MaxWeightsPerRow` is at most this.
        #[pallet::constant]
        type MaxWeightsPerRow: Get<u32>;
    }

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

    #[pallet::type_value]
    pub fn DefaultBlockEmission() -> u64 {
        1_000_000_000
    }
    /// Base units minted per block; an epoch mints `BlockEmission × Tempo`.
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
    pub fn DefaultMaxAllowedUids<T: Config>() -> u16 {
        u16::try_from(T::MaxNeurons::get()).unwrap_or(u16::MAX)
    }
    /// The most neurons the network holds before registrations replace neurons.
    #[pallet::storage]
    pub type MaxAllowedUids<T: Config> =
        StorageMap<_, Twox64Concat, u16, u16, ValueQuery, DefaultMaxAllowedUids<T>>;

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

    // ---- storage: neurons ---------------------------------------------------------

    /// How many uids the network has handed out (uids are `0..NeuronCount`).
    #[pallet::storage]
    pub type NeuronCount<T> = StorageMap<_, Twox64Concat, u16, u16, ValueQuery>;

    /// The hotkey holding `(netuid, uid)`.
    #[pallet::storage]
    pub type Keys<T: Config> =
        StorageDoubleMap<_, Twox64Concat, u16, Twox64Concat, u16, T::AccountId, OptionQuery>;

    /// The uid of a hotkey on a network.
    #[pallet::storage]
    pub type Uids<T: Config> =
        StorageDoubleMap<_, Twox64Concat, u16, Blake2_128Concat, T::AccountId, u16, OptionQuery>;

    /// The coldkey that owns a hotkey (set by its first registration, permanent).
    #[pallet::storage]
    pub type Owner<T: Config> =
        StorageMap<_, Blake2_128Concat, T::AccountId, T::AccountId, OptionQuery>;

    /// How many hotkeys a coldkey owns.
    #[pallet::storage]
    pub type OwnedHotkeys<T: Config> =
        StorageMap<_, Blake2_128Concat, T::AccountId, u32, ValueQuery>;

    /// Block at which the uid's current hotkey registered.
    #[pallet::storage]
    pub type RegisteredAt<T> =
        StorageDoubleMap<_, Twox64Concat, u16, Twox64Concat, u16, u64, ValueQuery>;

    /// Block of the uid's last `set_weights` (or of its registration).
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

    /// The uid's bonds `B_i·` after the last epoch: `(uid, U32F32 bits)`, each column
    /// of the network's bond matrix summing to one.
    #[pallet::storage]
    pub type Bonds<T: Config> = StorageDoubleMap<
        _,
        Twox64Concat,
        u16,
        Twox64Concat,
        u16,
        BoundedVec<(u16, u64), T::MaxNeurons>,
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

    /// `R_j` of the last epoch.
    #[pallet::storage]
    pub type Rank<T> =
        StorageDoubleMap<_, Twox64Concat, u16, Twox64Concat, u16, Perbill, ValueQuery>;
    /// `T_j` of the last epoch.
    #[pallet::storage]
    pub type Trust<T> =
        StorageDoubleMap<_, Twox64Concat, u16, Twox64Concat, u16, Perbill, ValueQuery>;
    /// `C_j` of the last epoch.
    #[pallet::storage]
    pub type Consensus<T> =
        StorageDoubleMap<_, Twox64Concat, u16, Twox64Concat, u16, Perbill, ValueQuery>;
    /// `I_j` of the last epoch.
    #[pallet::storage]
    pub type Incentive<T> =
        StorageDoubleMap<_, Twox64Concat, u16, Twox64Concat, u16, Perbill, ValueQuery>;
    /// `D_i` of the last epoch.
    #[pallet::storage]
    pub type Dividends<T> =
        StorageDoubleMap<_, Twox64Concat, u16, Twox64Concat, u16, Perbill, ValueQuery>;
    /// Base units minted to the uid in the last epoch.
    #[pallet::storage]
    pub type Emission<T> =
        StorageDoubleMap<_, Twox64Concat, u16, Twox64Concat, u16, u64, ValueQuery>;

    /// The loss `L` of the network's last epoch.
    #[pallet::storage]
    pub type Loss<T> = StorageMap<_, Twox64Concat, u16, FixedI64, ValueQuery>;

    /// Block of the network's last epoch.
    #[pallet::storage]
    pub type LastEpochBlock<T> = StorageMap<_, Twox64Concat, u16, u64, OptionQuery>;

    // ---- storage: stake -----------------------------------------------------------

    /// Stake that `coldkey` holds behind `hotkey`.
    #[pallet::storage]
    pub type Stake<T: Config> = StorageDoubleMap<
        _,
        Blake2_128Concat,
        T::AccountId,
        Blake2_128Concat,
        T::AccountId,
        BalanceOf<T>,
        ValueQuery,
    >;

    /// All stake behind a hotkey: `S_i` of its neurons.
    #[pallet::storage]
    pub type TotalHotkeyStake<T: Config> =
        StorageMap<_, Blake2_128Concat, T::AccountId, BalanceOf<T>, ValueQuery>;

    /// All stake on the chain.
    #[pallet::storage]
    pub type TotalStake<T: Config> = StorageValue<_, BalanceOf<T>, ValueQuery>;

    // ---- events ---------------------------------------------------------------------

    #[pallet::event]
    #[pallet::generate_deposit(pub(super) fn deposit_event)]
    pub enum Event<T: Config> {
        /// A network was created.
        NetworkCreated { netuid: u16 },
        /// Root changed a network parameter.
        ParameterSet {
            netuid: u16,
            parameter: NetworkParameter<BalanceOf<T>>,
        },
        /// A hotkey registered on a network; `replaced` is the hotkey it displaced.
        NeuronRegistered {
            netuid: u16,
            uid: u16,
            hotkey: T::AccountId,
            coldkey: T::AccountId,
            fee: BalanceOf<T>,
            replaced: Option<T::AccountId>,
        },
        /// Stake was added behind a hotkey.
        StakeAdded {
            coldkey: T::AccountId,
            hotkey: T::AccountId,
            amount: BalanceOf<T>,
        },
        /// Stake was removed from behind a hotkey and returned to the coldkey.
        StakeRemoved {
            coldkey: T::AccountId,
            hotkey: T::AccountId,
            amount: BalanceOf<T>,
        },
        /// A neuron set its weights.
        WeightsSet { netuid: u16, uid: u16, count: u32 },
        /// A neuron served its axon.
        AxonServed {
            netuid: u16,
            hotkey: T::AccountId,
            axon: AxonInfo,
        },
        /// An epoch ran: `emission` base units minted, `loss` is `L`.
        EpochCompleted {
            netuid: u16,
            emission: u64,
            loss: FixedI64,
        },
        /// An epoch found no active stake (or no weight that counted) and minted nothing.
        EpochSkipped { netuid: u16, reason: SkipReason },
        /// The loss peg moved `MinAllowedWeights`.
        MinAllowedWeightsAdjusted {
            netuid: u16,
            min_allowed_weights: u16,
        },
        /// Adaptive τ moved `BlockEmission`.
        BlockEmissionAdjusted { netuid: u16, block_emission: u64 },
    }

    /// Why an epoch minted nothing.
    #[derive(
        Encode,
        Decode,
        DecodeWithMemTracking,
        Clone,
        Copy,
        PartialEq,
        Eq,
        Debug,
        TypeInfo,
        MaxEncodedLen,
    )]
    pub enum SkipReason {
        /// No active neuron had stake.
        NoActiveStake,
        /// Stake was active but no weight counted, so nothing ranked.
        NoRanks,
    }

    // ---- errors ---------------------------------------------------------------------

    #[pallet::error]
    pub enum Error<T> {
        /// No network with this netuid exists.
        NetworkDoesNotExist,
        /// A network with this netuid already exists.
        NetworkAlreadyExists,
        /// `MaxNetworks` networks exist already.
        TooManyNetworks,
        /// The parameter's value is outside its allowed range (see [`NetworkParameter`]).
        ParameterOutOfRange,
        /// The hotkey already has a uid on this network.
        HotkeyAlreadyRegistered,
        /// The hotkey is owned by another coldkey.
        NonAssociatedColdkey,
        /// The network is full and every neuron is still in its immunity period.
        NoNeuronToReplace,
        /// The coldkey cannot pay the registration fee and keep its account alive.
        CannotPayRegistrationFee,
        /// The hotkey has no owner: register it first.
        HotkeyNotRegistered,
        /// Amounts must be greater than zero.
        ZeroAmount,
        /// The coldkey's free balance cannot cover the stake.
        InsufficientBalance,
        /// The coldkey has less stake behind the hotkey than asked to remove.
        NotEnoughStake,
        /// The signer's hotkey has no uid on this network.
        NotRegistered,
        /// `uids` and `values` have different lengths.
        WeightVecLengthMismatch,
        /// A uid appears more than once in `uids`.
        DuplicateUids,
        /// A uid is not below the network's neuron count.
        UidOutOfRange,
        /// Fewer entries than the network's `MinAllowedWeights`.
        TooFewWeights,
        /// More entries than the network's `MaxWeightsPerRow`.
        TooManyWeights,
        /// Every value is zero.
        AllWeightsZero,
        /// `version_key` is below the network's `WeightsVersionKey`.
        IncorrectWeightVersionKey,
        /// Weights were set too recently (`WeightsSetRateLimit`).
        SettingWeightsTooFast,
        /// The IP type is neither 4 nor 6.
        InvalidIpType,
        /// The IP address is not a routable address of its type.
        InvalidIpAddress,
        /// Port 0 cannot be served.
        InvalidPort,
        /// An arithmetic operation would overflow.
        Overflow,
    }

    // ---- genesis --------------------------------------------------------------------

    #[pallet::genesis_config]
    #[derive(frame_support::DefaultNoBound)]
    pub struct GenesisConfig<T: Config> {
        /// Networks created at genesis with their tempo: `(netuid, tempo)`.
        pub networks: alloc::vec::Vec<(u16, u16)>,
        #[serde(skip)]
        pub _phantom: core::marker::PhantomData<T>,
    }

    #[pallet::genesis_build]
    impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
        fn build(&self) {
            for (netuid, tempo) in &self.networks {
                Pallet::<T>::do_create_network(*netuid).expect("genesis networks are valid");
                Tempo::<T>::insert(netuid, (*tempo).max(1));
            }
        }
    }

    // ---- calls ----------------------------------------------------------------------

    #[pallet::call]
    impl<T: Config> Pallet<T> {
        /// Registers `hotkey` on network `netuid`, signed by the coldkey that will own it.
        /// Burns the network's `RegistrationFee`. On a full network the neuron with the
        /// lowest last emission that is past its immunity period is replaced (charged for
        /// the largest network, whose every uid that scan reads).
        #[pallet::call_index(0)]
        #[pallet::weight(T::WeightInfo::register(T::MaxNeurons::get()))]
        pub fn register(origin: OriginFor<T>, netuid: u16, hotkey: T::AccountId) -> DispatchResult {
            let coldkey = ensure_signed(origin)?;
            Self::do_register(coldkey, netuid, hotkey)
        }

        /// Holds `amount` of the signing coldkey's balance as stake behind `hotkey`.
        #[pallet::call_index(1)]
        #[pallet::weight(T::WeightInfo::add_stake())]
        pub fn add_stake(
            origin: OriginFor<T>,
            hotkey: T::AccountId,
            amount: BalanceOf<T>,
        ) -> DispatchResult {
            let coldkey = ensure_signed(origin)?;
            Self::do_add_stake(coldkey, hotkey, amount)
        }

        /// Releases `amount` of the signing coldkey's stake behind `hotkey`.
        #[pallet::call_index(2)]
        #[pallet::weight(T::WeightInfo::remove_stake())]
        pub fn remove_stake(
            origin: OriginFor<T>,
            hotkey: T::AccountId,
            amount: BalanceOf<T>,
        ) -> DispatchResult {
            let coldkey = ensure_signed(origin)?;
            Self::do_remove_stake(coldkey, hotkey, amount)
        }

        /// Sets the signing hotkey's weight row on `netuid`: `values[k]` for `uids[k]`.
        #[pallet::call_index(3)]
        #[pallet::weight(T::WeightInfo::set_weights(uids.len() as u32))]
        pub fn set_weights(
            origin: OriginFor<T>,
            netuid: u16,
            uids: alloc::vec::Vec<u16>,
            values: alloc::vec::Vec<u16>,
            version_key: u64,
        ) -> DispatchResult {
            let hotkey = ensure_signed(origin)?;
            Self::do_set_weights(hotkey, netuid, uids, values, version_key)
        }

        /// Announces where the signing hotkey's learner serves on `netuid`.
        #[pallet::call_index(4)]
        #[pallet::weight(T::WeightInfo::serve_axon())]
        pub fn serve_axon(
            origin: OriginFor<T>,
            netuid: u16,
            ip: u128,
            port: u16,
            ip_type: u8,
            protocol: u8,
        ) -> DispatchResult {
            let hotkey = ensure_signed(origin)?;
            Self::do_serve_axon(hotkey, netuid, ip, port, ip_type, protocol)
        }

        /// Creates network `netuid` with default parameters. Root only.
        #[pallet::call_index(5)]
        #[pallet::weight(T::WeightInfo::create_network())]
        pub fn create_network(origin: OriginFor<T>, netuid: u16) -> DispatchResult {
            ensure_root(origin)?;
            Self::do_create_network(netuid)
        }

        /// Sets one parameter of network `netuid`. Root only.
        #[pallet::call_index(6)]
        #[pallet::weight(T::WeightInfo::set_parameter())]
        pub fn set_parameter(
            origin: OriginFor<T>,
            netuid: u16,
            parameter: NetworkParameter<BalanceOf<T>>,
        ) -> DispatchResult {
            ensure_root(origin)?;
            Self::do_set_parameter(netuid, parameter)
        }
    }

    // ---- hooks ----------------------------------------------------------------------

    #[pallet::hooks]
    impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
        fn on_initialize(now: BlockNumberFor<T>) -> Weight {
            Self::run_due_epochs(now)
        }

        fn integrity_test() {
            assert!(
                T::MaxNeurons::get() >= 1,
                "a network must hold at least one neuron"
            );
            assert!(T::MaxNeurons::get() <= u32::from(u16::MAX), "uids are u16");
            assert!(
                T::MaxWeightsPerRow::get() >= 1,
                "a weight row must hold an entry"
            );
            assert!(T::MaxNetworks::get() >= 1, "network 0 must fit");
        }

        #[cfg(feature = "try-runtime")]
        fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
            Self::do_try_state()
        }
    }
}
