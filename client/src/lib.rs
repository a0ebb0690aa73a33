//! `mindnet-client`: a typed Rust client for Mindnet nodes, shared by the `mindnet` command
//! line and the learner.
//!
//! - [`chain::Client`] connects to a node (every request and wait has a deadline), reads the
//!   metagraph through the runtime's `MindnetApi` (from storage where a runtime lacks it),
//!   and signs, submits and watches transactions, decoding a failure to
//!   `Pallet.Variant — doc line`.
//! - [`keys`] makes sr25519 keys exactly as Polkadot.js and `subkey` do, and reads and writes
//!   Polkadot.js JSON keystores; [`wallet`] lays them out on disk.
//! - [`runtime`] is the chain's typed API, generated at build time from
//!   `client/metadata/mindnet.scale`; `runtime/tests/metadata.rs` fails when that file is not
//!   the runtime's current metadata, and `scripts/metadata.sh` regenerates it.

pub mod amount;
pub mod chain;
pub mod error;
pub mod keys;
pub mod wallet;
pub mod weights;

pub use chain::{Client, Included, Neuron, Wait, WeightPolicy};
pub use error::{Error, ErrorKind, Result};
pub use keys::{Key, Keystore};
/// The subxt this crate is built on, and the account id type its calls take.
pub use subxt::{self, utils::AccountId32};

/// The chain's calls, events, errors, storage, constants and runtime APIs, generated from
/// `metadata/mindnet.scale` (regenerate with `scripts/metadata.sh`).
#[subxt::subxt(
    runtime_metadata_path = "metadata/mindnet.scale",
    derive_for_all_types = "Clone"
)]
pub mod runtime {}

// The macro above reads the metadata without telling cargo, so a regenerated file would
// not rebuild this crate; reading it here records it as one of the crate's inputs.
const _: &[u8] = include_bytes!("../metadata/mindnet.scale");
