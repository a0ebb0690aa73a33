//! `mindnet-client`: a typed Rust client for Mindnet nodes, shared by the `mindnet` command
//! line and the learner.
//!
//! - [`client::Client`] connects to a node (every request and wait has a deadline), reads
//!   the chain ([`client::query`]) and the metagraph through the runtime's `MindnetApi`
//!   (from storage where a runtime lacks it, [`client::metagraph`]), and signs, submits and
//!   watches transactions ([`client::tx`], the calls in [`client::calls`]), decoding a
//!   failure to `Pallet.Variant — doc line`.
//! - [`keys`] makes sr25519 keys exactly as Polkadot.js and `subkey` do, and reads and writes
//!   Polkadot.js JSON keystores; [`wallet`] lays them out on disk.
//! - [`commits`] commits and reveals weight rows on commit-reveal networks, keeping each
//!   commit's salt on disk until it is revealed.
//! - [`params`] names the network parameters and parses their values; [`weights`] parses
//!   and scales weight rows; [`amount`] reads and writes MIND.
//! - [`runtime`] is the chain's typed API, generated at build time from
//!   `client/metadata/mindnet.scale`; `runtime/tests/metadata.rs` fails when that file is not
//!   the runtime's current metadata, and `scripts/gen/metadata.sh` regenerates it.
//!
//! Features: `cli` (default) builds the `mindnet` binary; `prompt` (part of `cli`) lets
//! [`wallet::password`] ask on the terminal. A program that only talks to the chain (the
//! learner) takes `default-features = false`, plus `prompt` if it asks for passwords.

pub mod amount;
pub mod client;
pub mod commits;
pub mod config;
pub mod error;
pub mod keys;
pub mod params;
pub mod wallet;
pub mod weights;

pub use client::{
    Client, EpochProgress, Included, Neuron, Pending, RunningEpoch, Summary, Wait, WeightPolicy,
    EPOCH_PHASES,
};
pub use error::{Error, ErrorKind, Result};
pub use keys::{Key, Keystore};
/// The subxt this crate is built on, and the account id type its calls take.
pub use subxt::{self, utils::AccountId32};

/// The chain's calls, events, errors, storage, constants and runtime APIs, generated from
/// `metadata/mindnet.scale` (regenerate with `scripts/gen/metadata.sh`).
#[subxt::subxt(
    runtime_metadata_path = "metadata/mindnet.scale",
    derive_for_all_types = "Clone"
)]
pub mod runtime {}

// The macro above reads the metadata without telling cargo, so a regenerated file would
// not rebuild this crate; reading it here records it as one of the crate's inputs.
const _: &[u8] = include_bytes!("../metadata/mindnet.scale");
