//! # Mindnet runtime
//!
//! The runtime of the Mindnet chain: frame-system, timestamp, Aura block production,
//! GRANDPA finality with equivocation reports (authorship, offences and the session
//! pallet's historical roots), sessions over a validator set that root changes
//! ([`pallet_validator_set`]), balances (token `MIND`, 9 decimals), transaction payment,
//! sudo and the [`pallet_mindnet`] intelligence market.
//!
//! Layout: this file declares the types, the version and the pallets; `configs/` holds
//! every pallet's `Config`, `apis.rs` the runtime APIs, `genesis_config_presets.rs` the
//! `development` and `local_testnet` presets that chain specs are built from, and
//! `benchmarks.rs` the benchmarked pallets.

#![cfg_attr(not(feature = "std"), no_std)]
// `construct_runtime`'s expansion is large; the recursion limit is the usual one.
#![recursion_limit = "256"]

#[cfg(feature = "std")]
include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));

extern crate alloc;

use alloc::vec::Vec;

pub mod apis;
#[cfg(feature = "runtime-benchmarks")]
mod benchmarks;
pub mod configs;
pub mod genesis_config_presets;
pub mod weights;

use sp_runtime::{
    generic, impl_opaque_keys,
    traits::{BlakeTwo256, IdentifyAccount, Verify},
    MultiAddress, MultiSignature,
};
use sp_version::RuntimeVersion;

pub use frame_system::Call as SystemCall;
pub use pallet_balances::Call as BalancesCall;
pub use pallet_mindnet;
#[cfg(any(feature = "std", test))]
pub use sp_runtime::BuildStorage;

/// A block number.
pub type BlockNumber = u32;
/// A transaction signature.
pub type Signature = MultiSignature;
/// An account: the public key of the signature scheme.
pub type AccountId = <<Signature as Verify>::Signer as IdentifyAccount>::AccountId;
/// A balance in base units (10⁻⁹ MIND).
pub type Balance = u128;
/// A transaction index.
pub type Nonce = u32;
/// A block or state hash.
pub type Hash = sp_core::H256;

/// One MIND in base units.
pub const TOKEN: Balance = 1_000_000_000;
/// The token's decimals, symbol and name (the chain properties say the same).
pub const TOKEN_DECIMALS: u32 = 9;
/// The token's symbol.
pub const TOKEN_SYMBOL: &str = "MIND";
/// The smallest balance an account can hold: 0.001 MIND.
pub const EXISTENTIAL_DEPOSIT: Balance = TOKEN / 1_000;
/// Mindnet's SS58 address prefix (`System::SS58Prefix` and the chain specs' `ss58Format`).
///
/// 7734 has no entry in the SS58 registry (<https://github.com/paritytech/ss58-registry>,
/// checked against `ss58-registry` 1.51.0), so Mindnet addresses cannot be mistaken for
/// another chain's, unlike the generic Substrate prefix 42. It is Mindnet's until someone
/// registers it for another network; registering it for Mindnet is the way to keep it so.
pub const SS58_PREFIX: u16 = 7734;

/// Target block time. Blocks come at most this often.
pub const MILLISECS_PER_BLOCK: u64 = 6000;
/// Aura's slot length; it cannot change once the chain runs.
pub const SLOT_DURATION: u64 = MILLISECS_PER_BLOCK;

/// Types the node needs without knowing the runtime's extrinsic format.
pub mod opaque {
    use super::*;
    pub use sp_runtime::OpaqueExtrinsic as UncheckedExtrinsic;

    /// Opaque block header.
    pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
    /// Opaque block.
    pub type Block = generic::Block<Header, UncheckedExtrinsic>;

    impl_opaque_keys! {
        /// A validator's session keys.
        pub struct SessionKeys {
            pub aura: Aura,
            pub grandpa: Grandpa,
        }
    }
}

/// The runtime's version.
#[sp_version::runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
    spec_name: alloc::borrow::Cow::Borrowed("mindnet"),
    impl_name: alloc::borrow::Cow::Borrowed("mindnet"),
    authoring_version: 1,
    spec_version: 104,
    impl_version: 1,
    apis: apis::RUNTIME_API_VERSIONS,
    transaction_version: 1,
    system_version: 1,
};

/// The address format.
pub type Address = MultiAddress<AccountId, ()>;
/// Block header.
pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
/// Block.
pub type Block = generic::Block<Header, UncheckedExtrinsic>;
/// The transaction extensions every signed transaction carries.
pub type TxExtension = (
    frame_system::CheckNonZeroSender<Runtime>,
    frame_system::CheckSpecVersion<Runtime>,
    frame_system::CheckTxVersion<Runtime>,
    frame_system::CheckGenesis<Runtime>,
    frame_system::CheckEra<Runtime>,
    frame_system::CheckNonce<Runtime>,
    frame_system::CheckWeight<Runtime>,
    pallet_transaction_payment::ChargeTransactionPayment<Runtime>,
);
/// An extrinsic as the runtime decodes it.
pub type UncheckedExtrinsic =
    generic::UncheckedExtrinsic<Address, RuntimeCall, Signature, TxExtension>;
/// The payload that is signed.
pub type SignedPayload = generic::SignedPayload<RuntimeCall, TxExtension>;
/// Single-block storage migrations run on upgrade (none: anything per neuron or per stake
/// position is a stepped migration of `pallet-migrations`, see `configs`).
type Migrations = ();
/// Dispatches blocks to the pallets.
pub type Executive = frame_executive::Executive<
    Runtime,
    Block,
    frame_system::ChainContext<Runtime>,
    Runtime,
    AllPalletsWithSystem,
    Migrations,
>;

#[frame_support::runtime]
mod runtime {
    #[runtime::runtime]
    #[runtime::derive(
        RuntimeCall,
        RuntimeEvent,
        RuntimeError,
        RuntimeOrigin,
        RuntimeFreezeReason,
        RuntimeHoldReason,
        RuntimeSlashReason,
        RuntimeLockId,
        RuntimeTask,
        RuntimeViewFunction
    )]
    pub struct Runtime;

    #[runtime::pallet_index(0)]
    pub type System = frame_system;
    #[runtime::pallet_index(1)]
    pub type Timestamp = pallet_timestamp;
    #[runtime::pallet_index(4)]
    pub type Balances = pallet_balances;
    // The block's author is found before the session rotates in this block (the author
    // was chosen from the set the block was built on).
    #[runtime::pallet_index(11)]
    pub type Authorship = pallet_authorship;
    // The validator set and the session pallet come before Aura and GRANDPA: at genesis
    // the session pallet reads the set and hands its keys to both.
    #[runtime::pallet_index(8)]
    pub type ValidatorSet = pallet_validator_set;
    #[runtime::pallet_index(9)]
    pub type Session = pallet_session;
    #[runtime::pallet_index(2)]
    pub type Aura = pallet_aura;
    #[runtime::pallet_index(3)]
    pub type Grandpa = pallet_grandpa;
    #[runtime::pallet_index(5)]
    pub type TransactionPayment = pallet_transaction_payment;
    #[runtime::pallet_index(6)]
    pub type Sudo = pallet_sudo;
    #[runtime::pallet_index(7)]
    pub type Mindnet = pallet_mindnet;
    #[runtime::pallet_index(10)]
    pub type MultiBlockMigrations = pallet_migrations;
    // Offences (GRANDPA equivocations) and the past sessions' validator roots that prove
    // who was a validator when.
    #[runtime::pallet_index(12)]
    pub type Offences = pallet_offences;
    #[runtime::pallet_index(13)]
    pub type Historical = pallet_session::historical;
}
