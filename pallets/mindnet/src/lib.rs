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
//!   registers a hotkey owns it, and only with the hotkey's consent: a signature by the
//!   hotkey over [`Pallet::registration_payload`] (genesis hash, network, coldkey,
//!   deadline) wrapped as `<Bytes>payload</Bytes>` ([`mindnet_math::consent`]). Registration burns the network's fee. A full network replaces neurons in
//!   the order its last epoch recorded ([`ReplacementOrder`]: lowest emission first, among
//!   those past immunity then), so `register` costs the same at 10 neurons as at 65,536.
//!   A hotkey with no uid and no stake left is released (its owner entry removed).
//! * **Stake** is per network: a coldkey stakes behind `(netuid, hotkey)`, and only that
//!   network counts it. The balance moves into one pallet account
//!   ([`Pallet::stake_account`]); each `(netuid, hotkey)` is a share pool
//!   ([`StakePool`]). Stake counts at its lowest over an epoch: what is added during an
//!   epoch waits as *joining* stake and neither counts nor earns until the next one; what
//!   is removed stops counting at once. A position is zero or at least `MinStake`.
//! * **Weights** are a neuron's sparse ranking of other uids (`u16` values). At least
//!   `MinAllowedWeights` non-zero entries for other uids; a row may move at most
//!   `MaxWeightChange` (L1, normalised) from the stored one.
//! * The **epoch** starts at every block that is a multiple of the network's tempo and
//!   runs across the following blocks, never spending more than [`EpochBudget`] of a
//!   block (see [`epoch`](mod@epoch) for its phases, consistency and overrun rules). It
//!   computes MECHANISM.md steps 1–14 with the pure [`mindnet_math`] crate's row-level
//!   steps over the state at its boundary, bit-identical to [`mindnet_math::epoch`], and
//!   mints `BlockEmission` for every block since the previous epoch started. A neuron
//!   that has not set weights since it registered is not active. A hotkey's emission
//!   goes to its pool: the owner's take (capped by `MaxTake`) buys the owner shares, the
//!   rest raises every share's value. Credits run in storage layers: one that fails
//!   mints nothing and is reported. Results are stored in pages ([`NeuronResults`]).
//!
//! ## Terminology
//!
//! * *hotkey*: the account a neuron signs `set_weights` and `serve_axon` with.
//! * *coldkey*: the account that owns a hotkey or stakes behind one.
//! * *period*: the blocks between two epochs of a network ([`EpochIndex`] counts them).
//! * *emission*: base units minted to a neuron in an epoch, credited to its hotkey's pool.
//! * *fractions* (rank, trust, consensus, incentive, dividends, κ, α, δ, …) are stored as
//!   [`Perbill`]; the loss `L` as a signed [`FixedI64`].
//!
//! ## Interface
//!
//! Signed by a coldkey: [`Pallet::register`], [`Pallet::add_stake`],
//! [`Pallet::remove_stake`], [`Pallet::remove_all_stake`], [`Pallet::set_take`] (owner). Signed by a hotkey:
//! [`Pallet::set_weights`], [`Pallet::serve_axon`]. Root: [`Pallet::create_network`],
//! [`Pallet::set_parameter`], [`Pallet::set_epoch_budget`]. Runtime API:
//! [`runtime_api::MindnetApi`] (stake, consent payload, the metagraph whole and in pages,
//! epoch status).
//!
//! ## Usage
//!
//! ```text
//! payload = api.call.mindnetApi.registrationPayload(0, coldkey, deadline)
//! api.tx.mindnet.register(0, hotkey, deadline,
//!     { Sr25519: hotkey.sign(u8aWrapBytes(payload)) })                             // coldkey signs
//! api.tx.mindnet.addStake(0, hotkey, 10_000_000_000n)                              // coldkey signs
//! api.tx.mindnet.setWeights(0, [1, 2], [65535, 32768], 0)                          // hotkey signs
//! api.call.mindnetApi.stakeOf(0, hotkey, coldkey)
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

/// Which axon addresses peers can reach (shared with the clients, in `mindnet-math`).
pub use mindnet_math::axon;
#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
pub mod commit_reveal;
pub mod epoch;
mod genesis_scale;
pub mod migrations;
mod network;
mod neurons;
pub mod runtime_api;
mod staking;
mod storage;
mod try_state;
pub mod weights;

#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

pub use commit_reveal::{commit_hash, WeightCommit, MAX_REVEAL_DELAY, MAX_WEIGHT_COMMITS};
pub use epoch::{
    EpochPhase, EpochRun, EpochStatus, NeuronResult, NeuronSnapshot, TransitiveRun, VectorKind,
};
pub use network::{NetworkParameter, RankingMode, MAX_TRANSITIVE_ITERATIONS};
pub use weights::WeightInfo;

use frame_support::{pallet_macros::import_section, traits::fungible};
use sp_arithmetic::{FixedI64, Perbill};

/// The target of the pallet's log messages.
pub(crate) const LOG_TARGET: &str = "runtime::mindnet";

/// The balance type of the pallet's currency.
pub type BalanceOf<T> =
    <<T as Config>::Currency as fungible::Inspect<<T as frame_system::Config>::AccountId>>::Balance;

// The stored types below stay at the crate root: their paths in the metadata
// (`pallet_mindnet::AxonInfo`, `pallet_mindnet::StakePool`, …) name the module they are
// defined in, and clients generate their types from those paths.

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

/// The largest share of a block root may give epochs (`set_epoch_budget`).
pub const MAX_EPOCH_BUDGET: Perbill = Perbill::from_percent(50);

/// `MaxWeightChange` that bounds nothing: two normalised rows are at most 2 apart in L1.
pub const MAX_WEIGHT_CHANGE_LIMIT: u32 = 2_000_000_000;

/// The stake behind one hotkey on one network, shared by its stakers.
///
/// Stakers hold shares; emission raises `value` without touching any staker's entry, so
/// crediting a neuron costs a constant number of writes however many stake on it.
/// `counted`/`counted_epoch` record the lowest value of the period now running (stake
/// counts at its minimum over an epoch): when `counted_epoch` is older than the
/// network's [`EpochIndex`], nothing changed this period and all of `value` counts.
///
/// Stake added during period `p` waits in `joining`: it neither counts nor earns in the
/// epoch that ends `p`, and buys shares at the price just after that epoch (the first time
/// the pool is touched afterwards; see [`JoinRates`]).
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
pub struct StakePool<Balance> {
    /// What the pool's stakers can withdraw in all.
    pub value: Balance,
    /// Shares issued (the sum of [`StakeShares`] of the pool).
    pub shares: u128,
    /// The pool's lowest value during period `counted_epoch`.
    pub counted: Balance,
    /// The period (`EpochIndex`) `counted` belongs to.
    pub counted_epoch: u64,
    /// Stake added during period `joining_epoch`, not yet turned into shares.
    pub joining: Balance,
    /// The period in which `joining` was added.
    pub joining_epoch: u64,
    /// How many positions hold a part of `joining`.
    pub joining_stakers: u32,
    /// Shares the owner's take bought, not yet moved into the owner's position.
    pub owner_shares: u128,
}

/// A coldkey's stake behind a hotkey on a network.
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
pub struct StakePosition<Balance> {
    /// Shares of the pool.
    pub shares: u128,
    /// Stake added during period `joining_epoch`, waiting to buy shares.
    pub joining: Balance,
    /// The period in which `joining` was added.
    pub joining_epoch: u64,
}

/// What the stake that joined a pool in one period bought when it was merged, and what is
/// left of it for the positions that have not yet claimed their shares.
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
pub struct JoinRate<Balance> {
    /// Shares not yet claimed.
    pub shares: u128,
    /// Joining stake not yet claimed.
    pub value: Balance,
    /// Positions that have not yet claimed.
    pub stakers: u32,
}

/// Makes a hotkey and its registration consent in benchmarks, where the runtime's
/// signature scheme needs real keys.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AccountId, Signature> {
    /// A new hotkey (distinct for each `index`) and its signature over `payload`.
    fn hotkey_consent(index: u32, payload: &[u8]) -> (AccountId, Signature);
}

#[import_section(storage::storage)]
#[frame_support::pallet]
pub mod pallet {
    use super::*;
    use frame_support::{dispatch::DispatchResultWithPostInfo, pallet_prelude::*, PalletId};
    use frame_system::pallet_prelude::*;
    use sp_runtime::traits::{IdentifyAccount, UniqueSaturatedFrom, Verify, Zero};

    /// The in-code storage version.
    const STORAGE_VERSION: StorageVersion = StorageVersion::new(5);

    #[pallet::pallet]
    #[pallet::storage_version(STORAGE_VERSION)]
    pub struct Pallet<T>(_);

    #[pallet::config]
    pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
        /// The token that is staked, burned on registration and minted as emission.
        type Currency: fungible::Mutate<Self::AccountId>;
        /// Weights of this pallet's calls and of the epoch.
        type WeightInfo: WeightInfo;
        /// The most networks that can exist.
        #[pallet::constant]
        type MaxNetworks: Get<u16>;
        /// The signature with which a hotkey consents to being registered by a coldkey.
        type Signature: Verify<Signer: IdentifyAccount<AccountId = Self::AccountId>> + Parameter;
        /// Derives the account that holds every network's stake (see [`Pallet::stake_account`]).
        #[pallet::constant]
        type PalletId: Get<PalletId>;
        /// Makes hotkeys and their consent signatures for the benchmarks.
        #[cfg(feature = "runtime-benchmarks")]
        type BenchmarkHelper: BenchmarkHelper<Self::AccountId, Self::Signature>;
        /// The most neurons (uids) a network can hold; `MaxAllowedUids` is at most this.
        #[pallet::constant]
        type MaxNeurons: Get<u32>;
        /// The most entries one weight row can have; `MaxWeightsPerRow` is at most this.
        #[pallet::constant]
        type MaxWeightsPerRow: Get<u32>;
    }

    // ---- storage: in `storage.rs`, imported above by `#[import_section]` ------------

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
        /// Stake was added behind a hotkey on a network (it counts from the next epoch on).
        StakeAdded {
            netuid: u16,
            coldkey: T::AccountId,
            hotkey: T::AccountId,
            amount: BalanceOf<T>,
        },
        /// Stake was removed from behind a hotkey and paid to the coldkey.
        StakeRemoved {
            netuid: u16,
            coldkey: T::AccountId,
            hotkey: T::AccountId,
            amount: BalanceOf<T>,
        },
        /// A hotkey's owner set its take.
        TakeSet { hotkey: T::AccountId, take: Perbill },
        /// A hotkey with no uid and no stake left was released by its owner.
        HotkeyReleased {
            hotkey: T::AccountId,
            coldkey: T::AccountId,
        },
        /// A neuron set its weights.
        WeightsSet { netuid: u16, uid: u16, count: u32 },
        /// A neuron committed to a weight row, to be revealed in epoch `reveal_epoch` (the
        /// network's epoch count then).
        WeightsCommitted {
            netuid: u16,
            uid: u16,
            hash: [u8; 32],
            reveal_epoch: u64,
        },
        /// A neuron revealed the weight row it committed to in block `committed_at`; the
        /// row is stored as cast in that block.
        WeightsRevealed {
            netuid: u16,
            uid: u16,
            count: u32,
            committed_at: u64,
        },
        /// A neuron served its axon.
        AxonServed {
            netuid: u16,
            hotkey: T::AccountId,
            axon: AxonInfo,
        },
        /// An epoch started at `block`, from the state before it.
        EpochStarted { netuid: u16, block: u64 },
        /// Root set the share of each block that epochs may use.
        EpochBudgetSet { budget: Perbill },
        /// An epoch ran over the `blocks` since the previous one: `emission` base units were
        /// minted and credited, `loss` is `L`.
        EpochCompleted {
            netuid: u16,
            emission: u64,
            loss: FixedI64,
            blocks: u64,
        },
        /// Crediting a neuron's emission failed; nothing of it was minted.
        EmissionCreditFailed { netuid: u16, uid: u16, amount: u64 },
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
        /// The hotkey's consent has expired: its deadline block has passed.
        ConsentExpired,
        /// The signature is not the hotkey's over this registration's consent payload
        /// ([`Pallet::registration_payload`]) wrapped as `<Bytes>payload</Bytes>`.
        InvalidConsentSignature,
        /// The signer does not own the hotkey.
        NotHotkeyOwner,
        /// The stake left or added would be below the network's `MinStake`: stake at least
        /// that much, or remove all of it.
        BelowMinStake,
        /// The amount is too small to buy a single share of the pool.
        AmountTooSmall,
        /// The stake account cannot pay this withdrawal (the coldkey would be left below the
        /// existential deposit).
        WithdrawalFailed,
        /// The new row differs from the stored one by more than `MaxWeightChange` (L1
        /// distance of the normalised rows).
        WeightChangeTooLarge,
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
        /// Fewer non-zero entries for other uids than the network's `MinAllowedWeights`.
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
        /// The IP address is not a valid address of its type (zero, broadcast, or an IPv4
        /// address above 32 bits).
        InvalidIpAddress,
        /// The IP address is loopback, private, link-local, multicast or reserved: not
        /// reachable by peers (accepted only where `AllowNonRoutableAxons` is set).
        NonRoutableAddress,
        /// Port 0 cannot be served.
        InvalidPort,
        /// An arithmetic operation would overflow.
        Overflow,
        /// The epoch budget would not fit one step of an epoch on a network of
        /// `MaxNeurons` neurons, so such an epoch could never advance.
        EpochBudgetTooSmall,
        /// The network takes weights by commit and reveal: use `commit_weights`, then
        /// `reveal_weights`.
        CommitRevealEnabled,
        /// The network takes weights with `set_weights`; it has no commit-reveal.
        CommitRevealDisabled,
        /// The hotkey already holds `MAX_WEIGHT_COMMITS` unexpired commits on the network.
        TooManyCommits,
        /// The hotkey already committed this hash.
        DuplicateCommit,
        /// No commit of the hotkey matches the revealed row, version key and salt.
        NoMatchingCommit,
        /// The commit can be revealed only once `RevealDelay` epochs have completed since it.
        RevealTooEarly,
        /// The commit's reveal window (the epoch `RevealDelay` after it) has passed.
        CommitExpired,
    }

    // ---- genesis --------------------------------------------------------------------

    #[pallet::genesis_config]
    #[derive(frame_support::DefaultNoBound)]
    pub struct GenesisConfig<T: Config> {
        /// Networks created at genesis with their tempo: `(netuid, tempo)`.
        pub networks: alloc::vec::Vec<(u16, u16)>,
        /// Whether axons may serve on loopback and private addresses (development chains).
        pub allow_non_routable_axons: bool,
        /// Networks filled at genesis with generated neurons, for watching epochs at
        /// size: `(netuid, neurons, weights per row, seed)` (see
        /// [`Pallet::populate_generated_network`]).
        pub scale_networks: alloc::vec::Vec<(u16, u32, u32, u64)>,
        /// Networks (of `networks`) that take weights by commit and reveal from genesis.
        pub commit_reveal_networks: alloc::vec::Vec<u16>,
        #[serde(skip)]
        pub _phantom: core::marker::PhantomData<T>,
    }

    #[pallet::genesis_build]
    impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
        fn build(&self) {
            Pallet::<T>::create_stake_account();
            AllowNonRoutableAxons::<T>::put(self.allow_non_routable_axons);
            for (netuid, tempo) in &self.networks {
                Pallet::<T>::do_create_network(*netuid).expect("genesis networks are valid");
                Tempo::<T>::insert(netuid, (*tempo).max(1));
            }
            for netuid in &self.commit_reveal_networks {
                assert!(
                    Pallet::<T>::network_exists(*netuid),
                    "a commit-reveal network at genesis is one of the genesis networks"
                );
                CommitReveal::<T>::insert(netuid, true);
            }
            for (netuid, neurons, row, seed) in &self.scale_networks {
                Pallet::<T>::populate_generated_network(*netuid, *neurons, *row, *seed)
                    .expect("genesis scale networks are valid");
            }
        }
    }

    // ---- calls ----------------------------------------------------------------------

    #[pallet::call]
    impl<T: Config> Pallet<T> {
        /// Registers `hotkey` on network `netuid`, signed by the coldkey that will own it.
        ///
        /// The hotkey consents with `signature`: its signature over
        /// [`Pallet::registration_payload`]`(netuid, coldkey, deadline)` wrapped as
        /// `<Bytes>payload</Bytes>` ([`mindnet_math::consent::wrap`]), valid up to block
        /// `deadline`, so nobody who sees the call in the pool can register the hotkey
        /// under another coldkey. Burns the network's `RegistrationFee`. On a full network
        /// the next neuron of the order the last epoch recorded ([`ReplacementOrder`]) that
        /// is past its immunity period is replaced; the weight charged up front covers
        /// reading `REPLACEMENT_SCAN` entries of that order, and the unused part is refunded.
        #[pallet::call_index(0)]
        #[pallet::weight(T::WeightInfo::register(epoch::REPLACEMENT_SCAN))]
        pub fn register(
            origin: OriginFor<T>,
            netuid: u16,
            hotkey: T::AccountId,
            deadline: u64,
            signature: T::Signature,
        ) -> DispatchResultWithPostInfo {
            let coldkey = ensure_signed(origin)?;
            let scanned = Self::do_register(coldkey, netuid, hotkey, deadline, &signature)?;
            Ok(Some(T::WeightInfo::register(scanned.max(1))).into())
        }

        /// Moves `amount` of the signing coldkey's balance into `hotkey`'s stake pool on
        /// `netuid` (the hotkey must hold a uid there). It counts from the network's next
        /// epoch on: stake counts at its lowest over an epoch.
        #[pallet::call_index(1)]
        #[pallet::weight(T::WeightInfo::add_stake())]
        pub fn add_stake(
            origin: OriginFor<T>,
            netuid: u16,
            hotkey: T::AccountId,
            amount: BalanceOf<T>,
        ) -> DispatchResult {
            let coldkey = ensure_signed(origin)?;
            Self::do_add_stake(coldkey, netuid, hotkey, amount)
        }

        /// Pays `amount` of the signing coldkey's stake behind `hotkey` on `netuid` back to
        /// it. What remains must be zero or at least the network's `MinStake`.
        #[pallet::call_index(2)]
        #[pallet::weight(T::WeightInfo::remove_stake())]
        pub fn remove_stake(
            origin: OriginFor<T>,
            netuid: u16,
            hotkey: T::AccountId,
            amount: BalanceOf<T>,
        ) -> DispatchResult {
            let coldkey = ensure_signed(origin)?;
            Self::do_remove_stake(coldkey, netuid, hotkey, amount)
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

        /// Commits the signing hotkey to a weight row on `netuid` (a network with
        /// commit-reveal): `hash` is [`commit_reveal::commit_hash`] of the row, the
        /// version key and a secret salt. Reveal it with `reveal_weights`.
        #[pallet::call_index(10)]
        #[pallet::weight(T::WeightInfo::commit_weights())]
        pub fn commit_weights(origin: OriginFor<T>, netuid: u16, hash: [u8; 32]) -> DispatchResult {
            let hotkey = ensure_signed(origin)?;
            Self::do_commit_weights(hotkey, netuid, hash)
        }

        /// Reveals a committed weight row in its window (`RevealDelay` epochs after the
        /// commit) and stores it as `set_weights` would.
        #[pallet::call_index(11)]
        #[pallet::weight(T::WeightInfo::reveal_weights(uids.len() as u32))]
        pub fn reveal_weights(
            origin: OriginFor<T>,
            netuid: u16,
            uids: alloc::vec::Vec<u16>,
            values: alloc::vec::Vec<u16>,
            version_key: u64,
            salt: [u8; 32],
        ) -> DispatchResult {
            let hotkey = ensure_signed(origin)?;
            Self::do_reveal_weights(hotkey, netuid, uids, values, version_key, salt)
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

        /// Sets the share of `hotkey`'s emission that its owner (the signer) takes before
        /// its stakers share the rest; each network caps it at its `MaxTake`.
        #[pallet::call_index(7)]
        #[pallet::weight(T::WeightInfo::set_take())]
        pub fn set_take(
            origin: OriginFor<T>,
            hotkey: T::AccountId,
            take: Perbill,
        ) -> DispatchResult {
            let coldkey = ensure_signed(origin)?;
            ensure!(
                Owner::<T>::get(&hotkey) == Some(coldkey),
                Error::<T>::NotHotkeyOwner
            );
            // Epochs running now credit with the take as it stood when they started.
            Self::preserve_hotkey_everywhere(&hotkey);
            Take::<T>::insert(&hotkey, take);
            Self::deposit_event(Event::TakeSet { hotkey, take });
            Ok(())
        }

        /// Pays all of the signing coldkey's stake behind `hotkey` on `netuid` back to it,
        /// however much it has grown by the block the call lands in (stake grows every
        /// epoch, so an amount read before signing is always stale). The same work as
        /// `remove_stake` of the whole position, plus releasing the pool when it empties.
        #[pallet::call_index(9)]
        #[pallet::weight(T::WeightInfo::remove_all_stake())]
        pub fn remove_all_stake(
            origin: OriginFor<T>,
            netuid: u16,
            hotkey: T::AccountId,
        ) -> DispatchResult {
            let coldkey = ensure_signed(origin)?;
            let owned = Self::stake_of(netuid, &hotkey, &coldkey);
            ensure!(!owned.is_zero(), Error::<T>::NotEnoughStake);
            Self::do_remove_stake(coldkey, netuid, hotkey, owned)
        }

        /// Sets the share of every block's maximum weight that running epochs may use
        /// together: at most 50 %, and enough for one step of the largest network an epoch
        /// can run on (`MaxNeurons`). Root only.
        #[pallet::call_index(8)]
        #[pallet::weight(T::WeightInfo::set_parameter())]
        pub fn set_epoch_budget(origin: OriginFor<T>, budget: Perbill) -> DispatchResult {
            ensure_root(origin)?;
            ensure!(budget <= MAX_EPOCH_BUDGET, Error::<T>::ParameterOutOfRange);
            ensure!(
                Self::budget_fits_largest_network(budget),
                Error::<T>::EpochBudgetTooSmall
            );
            EpochBudget::<T>::put(budget);
            Self::deposit_event(Event::EpochBudgetSet { budget });
            Ok(())
        }
    }

    // ---- hooks ----------------------------------------------------------------------

    #[pallet::hooks]
    impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
        fn on_initialize(now: BlockNumberFor<T>) -> Weight {
            Self::on_block(now)
        }

        fn integrity_test() {
            assert!(
                Pallet::<T>::budget_fits_largest_network(DefaultEpochBudget::get()),
                "the default epoch budget must fit one step of the largest network"
            );
            assert!(
                T::MaxNeurons::get() >= 1,
                "a network must hold at least one neuron"
            );
            assert!(
                T::MaxNeurons::get() <= u32::from(u16::MAX) + 1,
                "uids are u16"
            );
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
