//! Every pallet's `Config` for the runtime.

use crate::*;
use frame_support::{
    derive_impl,
    dispatch::DispatchClass,
    parameter_types,
    traits::{ConstBool, ConstU128, ConstU32, ConstU64, ConstU8, VariantCountOf},
    weights::{
        constants::{ParityDbWeight, WEIGHT_REF_TIME_PER_NANOS, WEIGHT_REF_TIME_PER_SECOND},
        ConstantMultiplier, Weight, WeightToFeeCoefficient, WeightToFeeCoefficients,
        WeightToFeePolynomial,
    },
};
use pallet_transaction_payment::{FungibleAdapter, Multiplier, TargetedFeeAdjustment};
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_runtime::{traits::Bounded, FixedPointNumber, Perbill, Perquintill};

/// The share of each block's weight and length that normal transactions may use; the rest
/// is kept for operational ones.
pub const NORMAL_DISPATCH_RATIO: Perbill = Perbill::from_percent(75);
/// Two seconds of compute in a six-second block (proof size is unlimited on a solochain).
pub const MAXIMUM_BLOCK_WEIGHT: Weight =
    Weight::from_parts(2u64 * WEIGHT_REF_TIME_PER_SECOND, u64::MAX);
/// 5 MiB blocks.
pub const MAX_BLOCK_LENGTH: u32 = 5 * 1024 * 1024;

/// The length fee in base units per byte, chosen so that a normal-class block filled with
/// bytes costs what one filled with weight costs.
///
/// [`WeightToFee`] charges one base unit per nanosecond of ref time, so a full normal-class
/// block of weight costs `NORMAL_DISPATCH_RATIO × MAXIMUM_BLOCK_WEIGHT` in ns (1.5 MIND);
/// a full normal-class block of bytes is `NORMAL_DISPATCH_RATIO × MAX_BLOCK_LENGTH` bytes.
/// The ratio cancels: 2 × 10⁹ ns / 5 MiB ≈ 381 base units (3.8 × 10⁻⁷ MIND) per byte.
/// (At one base unit per byte, filling blocks with large extrinsics cost a 381st of filling
/// them with compute.) `runtime/tests/fees.rs` checks the two stay within 1 % of each other.
pub const TRANSACTION_BYTE_FEE: Balance = (MAXIMUM_BLOCK_WEIGHT.ref_time()
    / WEIGHT_REF_TIME_PER_NANOS) as Balance
    / MAX_BLOCK_LENGTH as Balance;

parameter_types! {
    pub const BlockHashCount: BlockNumber = 2400;
    pub const Version: RuntimeVersion = VERSION;
    /// Two seconds of compute in a six-second block.
    pub RuntimeBlockWeights: frame_system::limits::BlockWeights =
        frame_system::limits::BlockWeights::with_sensible_defaults(
            MAXIMUM_BLOCK_WEIGHT,
            NORMAL_DISPATCH_RATIO,
        );
    /// 5 MiB blocks, 75 % of them for normal transactions.
    pub RuntimeBlockLength: frame_system::limits::BlockLength =
        frame_system::limits::BlockLength::builder()
            .max_length(MAX_BLOCK_LENGTH)
            .modify_max_length_for_class(DispatchClass::Normal, |max| {
                *max = NORMAL_DISPATCH_RATIO * MAX_BLOCK_LENGTH
            })
            .build();
    /// Mindnet's own address prefix, see [`SS58_PREFIX`].
    pub const SS58Prefix: u16 = SS58_PREFIX;
}

#[derive_impl(frame_system::config_preludes::SolochainDefaultConfig)]
impl frame_system::Config for Runtime {
    /// Every call but `session.purgeKeys`: keys are purged with `validatorSet.purgeKeys`,
    /// which refuses to let the last keyed validators go (an empty authority set would
    /// stop the chain for good).
    type BaseCallFilter = PurgeThroughValidatorSet;
    type Block = Block;
    type BlockWeights = RuntimeBlockWeights;
    type BlockLength = RuntimeBlockLength;
    type AccountId = AccountId;
    type Nonce = Nonce;
    type Hash = Hash;
    type BlockHashCount = BlockHashCount;
    /// The node stores state in ParityDB.
    type DbWeight = ParityDbWeight;
    type Version = Version;
    type AccountData = pallet_balances::AccountData<Balance>;
    type SS58Prefix = SS58Prefix;
    type MaxConsumers = ConstU32<16>;
    /// Substrate's benchmarked weights of `frame_system`'s calls and of its transaction
    /// extensions (nonce, weight, era, … checks), not the zero weights of `()`.
    type SystemWeightInfo = crate::weights::frame_system::WeightInfo<Runtime>;
    type ExtensionsWeightInfo = frame_system::SubstrateExtensionsWeight<Runtime>;
    /// Stepped (multi-block) migrations: while one runs, blocks carry only inherents.
    type MultiBlockMigrator = MultiBlockMigrations;
}

parameter_types! {
    /// What stepped migrations may use of each block: half of it, beside the epoch's
    /// budget (`EpochBudget`, 10 % by default) and the mandatory inherents.
    pub MbmServiceWeight: Weight = Perbill::from_percent(50) * MAXIMUM_BLOCK_WEIGHT;
}

impl pallet_migrations::Config for Runtime {
    type RuntimeEvent = RuntimeEvent;
    /// The stepped migrations of this runtime upgrade, in order. Only change this list in
    /// an upgrade after the last list has completed (`MultiBlockMigrations::cursor` is
    /// `None`).
    #[cfg(not(feature = "runtime-benchmarks"))]
    type Migrations = (pallet_mindnet::migrations::v5::IndexColdkeys<Runtime>,);
    #[cfg(feature = "runtime-benchmarks")]
    type Migrations = pallet_migrations::mock_helpers::MockedMigrations;
    /// The largest cursor: `(netuid, hotkey, coldkey)` is 66 bytes.
    type CursorMaxLen = ConstU32<256>;
    type IdentifierMaxLen = ConstU32<64>;
    type MigrationStatusHandler = ();
    /// A migration that fails stops the chain from taking transactions until governance
    /// (sudo) repairs it: safer than running on half-migrated state.
    type FailedMigrationHandler = frame_support::migrations::FreezeChainOnFailedMigration;
    type MaxServiceWeight = MbmServiceWeight;
    /// Substrate's benchmarked weights of `pallet-migrations`.
    type WeightInfo = pallet_migrations::weights::SubstrateWeight<Runtime>;
}

impl pallet_aura::Config for Runtime {
    type AuthorityId = AuraId;
    /// A validator disabled for an offence authors no valid block.
    type DisabledValidators = Session;
    type MaxAuthorities = ConstU32<MAX_VALIDATORS>;
    type AllowMultipleBlocksPerSlot = ConstBool<false>;
    type SlotDuration = pallet_aura::MinimumPeriodTimesTwo<Runtime>;
}

impl pallet_grandpa::Config for Runtime {
    type RuntimeEvent = RuntimeEvent;
    /// Assembled from pallet-grandpa's benchmarks (see `weights/pallet_grandpa.rs`).
    type WeightInfo = crate::weights::pallet_grandpa::WeightInfo<Runtime>;
    type MaxAuthorities = ConstU32<MAX_VALIDATORS>;
    type MaxNominators = ConstU32<0>;
    /// As many authority sets as sessions are kept in the history: an equivocation in an
    /// older set can no longer be proven.
    type MaxSetIdSessionEntries = ConstU64<{ HISTORY_DEPTH as u64 }>;
    /// A proof that a GRANDPA key belonged to a validator in a session.
    type KeyOwnerProof = sp_session::MembershipProof;
    /// Equivocations are checked and reported to `pallet-offences`; the validator set
    /// disables and removes the offender.
    type EquivocationReportSystem =
        pallet_grandpa::EquivocationReportSystem<Self, Offences, Historical, ReportLongevity>;
}

/// The runtime's call filter: everything except `session.purgeKeys`, whose checked form is
/// `validatorSet.purgeKeys`.
pub struct PurgeThroughValidatorSet;
impl frame_support::traits::Contains<RuntimeCall> for PurgeThroughValidatorSet {
    fn contains(call: &RuntimeCall) -> bool {
        !matches!(
            call,
            RuntimeCall::Session(pallet_session::Call::purge_keys { .. })
        )
    }
}

/// Sessions whose validator roots stay on chain (`pallet_session::historical`), and so how
/// far back an equivocation can be proven: 128 sessions (2 h 8 min on the 10-block dev and
/// local sessions, 21 h on the testnet's 100-block ones).
pub const HISTORY_DEPTH: u32 = 128;

parameter_types! {
    /// How long an unsigned equivocation report may wait in a node's pool: a day of blocks.
    pub const ReportLongevity: u64 = 24 * 60 * 60 * 1000 / MILLISECS_PER_BLOCK;
}

impl pallet_authorship::Config for Runtime {
    /// The author is the validator at the index of the Aura slot's author.
    type FindAuthor = pallet_session::FindAccountFromAuthorIndex<Self, Aura>;
    type EventHandler = ();
}

impl pallet_offences::Config for Runtime {
    type RuntimeEvent = RuntimeEvent;
    type IdentificationTuple = pallet_session::historical::IdentificationTuple<Self>;
    /// The validator set disables the offender and removes it at the next session.
    type OnOffenceHandler = ValidatorSet;
}

impl pallet_session::historical::Config for Runtime {
    type RuntimeEvent = RuntimeEvent;
    /// No stake backs a validator: its account identifies it.
    type FullIdentification = ();
    type FullIdentificationOf = pallet_validator_set::offences::Identified;
}

/// Unsigned transactions the runtime makes itself (an equivocation report submitted by a
/// node's GRANDPA voter).
impl<C> frame_system::offchain::CreateTransactionBase<C> for Runtime
where
    RuntimeCall: From<C>,
{
    type Extrinsic = UncheckedExtrinsic;
    type RuntimeCall = RuntimeCall;
}

impl<C> frame_system::offchain::CreateBare<C> for Runtime
where
    RuntimeCall: From<C>,
{
    fn create_bare(call: RuntimeCall) -> UncheckedExtrinsic {
        UncheckedExtrinsic::new_bare(call)
    }
}

impl pallet_timestamp::Config for Runtime {
    type Moment = u64;
    type OnTimestampSet = Aura;
    type MinimumPeriod = ConstU64<{ SLOT_DURATION / 2 }>;
    type WeightInfo = crate::weights::pallet_timestamp::WeightInfo<Runtime>;
}

impl pallet_balances::Config for Runtime {
    type MaxLocks = ConstU32<50>;
    type MaxReserves = ();
    type ReserveIdentifier = [u8; 8];
    type Balance = Balance;
    type RuntimeEvent = RuntimeEvent;
    type DustRemoval = ();
    type ExistentialDeposit = ConstU128<EXISTENTIAL_DEPOSIT>;
    type AccountStore = System;
    type WeightInfo = pallet_balances::weights::SubstrateWeight<Runtime>;
    type FreezeIdentifier = RuntimeFreezeReason;
    type MaxFreezes = VariantCountOf<RuntimeFreezeReason>;
    type RuntimeHoldReason = RuntimeHoldReason;
    type RuntimeFreezeReason = RuntimeFreezeReason;
    type DoneSlashHandler = ();
}

parameter_types! {
    /// The fee multiplier rises after blocks whose normal class is fuller than this and falls
    /// after emptier ones (Polkadot's and Kusama's values, as are the next three).
    pub const TargetBlockFullness: Perquintill = Perquintill::from_percent(25);
    /// How fast it moves: full blocks for a day (14 400 blocks) multiply the weight fee by
    /// about 2.2, empty blocks for a day by about 0.76.
    pub AdjustmentVariable: Multiplier = Multiplier::saturating_from_rational(75, 1_000_000);
    /// The floor: weight fees fall to no less than a tenth of their unadjusted value. The
    /// pallet's integrity test (run in `runtime/tests/fees.rs`) checks that the multiplier
    /// can rise again from it.
    pub MinimumMultiplier: Multiplier = Multiplier::saturating_from_rational(1, 10u128);
    /// No ceiling.
    pub MaximumMultiplier: Multiplier = Bounded::max_value();
}

/// One base unit per nanosecond of ref-time (10⁻⁹ MIND per ns): a weight-set or stake
/// transaction costs about a thousandth of a MIND.
pub struct WeightToFee;
impl WeightToFeePolynomial for WeightToFee {
    type Balance = Balance;
    fn polynomial() -> WeightToFeeCoefficients<Balance> {
        let mut polynomial = WeightToFeeCoefficients::new();
        polynomial.push(WeightToFeeCoefficient {
            coeff_integer: 0,
            coeff_frac: Perbill::from_rational(1u32, 1_000u32),
            negative: false,
            degree: 1,
        });
        polynomial
    }
}

impl pallet_transaction_payment::Config for Runtime {
    type RuntimeEvent = RuntimeEvent;
    type OnChargeTransaction = FungibleAdapter<Balances, ()>;
    type OperationalFeeMultiplier = ConstU8<5>;
    type WeightToFee = WeightToFee;
    /// [`TRANSACTION_BYTE_FEE`] base units per byte.
    type LengthToFee = ConstantMultiplier<Balance, ConstU128<TRANSACTION_BYTE_FEE>>;
    /// Fees rise with load: the weight fee is scaled by a multiplier that follows how full
    /// blocks are (Polkadot's slow-adjusting fee update).
    type FeeMultiplierUpdate = TargetedFeeAdjustment<
        Runtime,
        TargetBlockFullness,
        AdjustmentVariable,
        MinimumMultiplier,
        MaximumMultiplier,
    >;
    type WeightInfo = pallet_transaction_payment::weights::SubstrateWeight<Runtime>;
}

impl pallet_sudo::Config for Runtime {
    type RuntimeEvent = RuntimeEvent;
    type RuntimeCall = RuntimeCall;
    type WeightInfo = pallet_sudo::weights::SubstrateWeight<Runtime>;
}

/// The most validators (Aura and GRANDPA authorities) the chain has at once.
pub const MAX_VALIDATORS: u32 = 32;

parameter_types! {
    /// Held from an account while it has session keys registered (their storage), and
    /// released by `session.purgeKeys`.
    pub const SessionKeyDeposit: Balance = TOKEN;
}

/// Sessions end every [`pallet_validator_set::SessionLength`] blocks (set at genesis: 10
/// on the `dev` and `local` specs).
type Sessions = pallet_session::PeriodicSessions<
    pallet_validator_set::SessionPeriod<Runtime>,
    frame_support::traits::ConstU32<0>,
>;

impl pallet_session::Config for Runtime {
    type RuntimeEvent = RuntimeEvent;
    /// A validator is identified by its account.
    type ValidatorId = AccountId;
    type ValidatorIdOf = sp_runtime::traits::ConvertInto;
    /// The validator set rotates sessions, and charges what a rotation costs.
    type ShouldEndSession = pallet_validator_set::RotatedByValidatorSet;
    type NextSessionRotation = Sessions;
    /// The validator set, with each planned set's root noted for key-ownership proofs.
    type SessionManager = pallet_session::historical::NoteHistoricalRoot<Self, ValidatorSet>;
    type SessionHandler =
        <opaque::SessionKeys as sp_runtime::traits::OpaqueKeys>::KeyTypeIdProviders;
    type Keys = opaque::SessionKeys;
    /// A reported offender is disabled until the set changes, at most a third of the set
    /// at once (more would stop finality).
    type DisablingStrategy = pallet_session::disabling::UpToLimitDisablingStrategy;
    /// Substrate's reference-hardware weights: the session pallet's benchmarks need a
    /// staking pallet (`pallet-session-benchmarking`), which Mindnet does not have.
    type WeightInfo = pallet_session::weights::SubstrateWeight<Runtime>;
    type Currency = Balances;
    type KeyDeposit = SessionKeyDeposit;
}

impl pallet_validator_set::Config for Runtime {
    type RuntimeEvent = RuntimeEvent;
    type AddRemoveOrigin = frame_system::EnsureRoot<AccountId>;
    type ValidatorRegistration = Session;
    type MaxValidators = ConstU32<MAX_VALIDATORS>;
    type MinValidators = ConstU32<1>;
    type HistoryDepth = ConstU32<HISTORY_DEPTH>;
    type WeightInfo = pallet_validator_set::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
    pub const MaxNetworks: u16 = 32;
    pub const MaxNeurons: u32 = 65_536;
    pub const MaxWeightsPerRow: u32 = 256;
}

parameter_types! {
    /// The stake account ([`pallet_mindnet::Pallet::stake_account`]) derives from it.
    pub const MindnetPalletId: frame_support::PalletId = frame_support::PalletId(*b"mindnet/");
}

/// Hotkeys for the mindnet benchmarks: sr25519 keys made in the benchmark's keystore, so
/// that `register` verifies a real consent signature.
#[cfg(feature = "runtime-benchmarks")]
pub struct MindnetBenchmarkHelper;
#[cfg(feature = "runtime-benchmarks")]
impl pallet_mindnet::BenchmarkHelper<AccountId, Signature> for MindnetBenchmarkHelper {
    fn hotkey_consent(index: u32, payload: &[u8]) -> (AccountId, Signature) {
        const KEY_TYPE: sp_core::crypto::KeyTypeId = sp_core::crypto::KeyTypeId(*b"mnbh");
        let seed = alloc::format!("//mindnet-benchmark-hotkey-{index}").into_bytes();
        let public = sp_io::crypto::sr25519_generate(KEY_TYPE, Some(seed));
        let signature = sp_io::crypto::sr25519_sign(KEY_TYPE, &public, payload)
            .expect("the key was just generated in the benchmark's keystore");
        (AccountId::from(public), Signature::Sr25519(signature))
    }
}

impl pallet_mindnet::Config for Runtime {
    type Currency = Balances;
    type Signature = Signature;
    type PalletId = MindnetPalletId;
    #[cfg(feature = "runtime-benchmarks")]
    type BenchmarkHelper = MindnetBenchmarkHelper;
    type WeightInfo = pallet_mindnet::weights::SubstrateWeight<Runtime>;
    type MaxNetworks = MaxNetworks;
    type MaxNeurons = MaxNeurons;
    type MaxWeightsPerRow = MaxWeightsPerRow;
}
