//! `mindnet-learner`: the off-chain Mindnet peer.
//!
//! A learner trains a small byte-level language model on its shard of text, serves its
//! encoder's representations to its peers over a signed HTTP API (the axon), queries the
//! peers it finds on chain for theirs (the dendrite), measures how much each peer lowers its
//! own loss (seed 004's Fisher-information contribution score), and submits those
//! measurements as weights with `set_weights`.
//!
//! - [`data`]: the bundled text, shards, batches.
//! - [`model`]: encoder (served), gated head (private), the two-pass training step.
//! - [`transformer`]: a small causal transformer encoder with the MLP encoder's interface.
//! - [`params`]: named parameters of any module, and Adam's state, for checkpoints.
//! - [`route`]: which peers to ask: noisy top-k over every peer, exploration, backoff.
//! - [`synthetic`]: peers with known usefulness (a test bed for the market).
//! - [`score`]: contribution scores (Fisher and ablation), their moving averages and the
//!   weight row.
//! - [`wire`], [`axon`], [`dendrite`]: safetensors over signed HTTP.
//! - [`connectivity`]: seed 000 eq. 7, how much of its representation the axon serves each
//!   caller.
//! - [`run`]: the training loop and the chain loop (through `mindnet-client`).
//! - [`checkpoint`], [`metrics`]: safetensors checkpoints and Prometheus metrics.
//! - [`config`], [`device`]: the options (flags, config file, defaults) and the backend.
//!
//! Framework: [burn](https://burn.dev) 0.21 with its pure-Rust `flex` CPU backend and
//! `autodiff`; `--features cuda` adds burn's CUDA backend (cubecl, kernels compiled at run
//! time with NVRTC, so building needs no CUDA toolkit).

pub mod axon;
pub mod checkpoint;
pub mod config;
pub mod connectivity;
pub mod data;
pub mod dendrite;
pub mod device;
pub mod metrics;
pub mod model;
pub mod params;
pub mod route;
pub mod run;
pub mod score;
pub mod synthetic;
pub mod transformer;
pub mod wire;

/// Errors in words with exit codes, shared with the `mindnet` CLI.
pub mod error {
    pub use mindnet_client::{Error, ErrorKind, Result};
}

/// The CPU backend.
pub type Cpu = burn::backend::Flex;
/// The CPU backend with autodiff (training).
pub type CpuTrain = burn::backend::Autodiff<Cpu>;
/// The CUDA backend with autodiff (training).
#[cfg(feature = "cuda")]
pub type CudaTrain = burn::backend::Autodiff<burn::backend::Cuda>;
