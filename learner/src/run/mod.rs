//! The learner's two loops.
//!
//! - **Training** (a plain thread, since tensor work blocks; [`train`]): sample a batch, ask
//!   the peers for their representations (concurrently, under a deadline; a failed peer is
//!   absent), take a step that also applies the gradients callers sent, score each peer,
//!   send each peer the gradient at its representation, and now and then evaluate, refresh
//!   the served encoder and checkpoint.
//! - **Chain** (async; [`chain`]): every few seconds read the metagraph through
//!   `mindnet-client` (who may call the axon, whom to query, the stakes), announce the axon
//!   with `serve_axon` when the chain does not have it, and every `weights_every` blocks
//!   submit the scores as weights, respecting `min_allowed_weights`, `max_weights_per_row`
//!   and the rate limit. A lost node is reconnected with backoff; training goes on
//!   meanwhile.
//!
//! [`peers`] serves the axon and queries the peers; [`shutdown`] turns Ctrl-C and SIGTERM
//! into a stop after the current step.

mod chain;
mod peers;
mod shutdown;
mod train;

use crate::axon::{self, Axon, ServeMode};
use crate::data::{Corpus, Shard};
use crate::dendrite::Peer;
use crate::error::{Error, Result};
use crate::metrics::Metrics;
use crate::model::{self, ModelConfig, RemoteGrad, Trainer};
use crate::score::Scores;
use burn::tensor::backend::AutodiffBackend;
use mindnet_client::keys::Key;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

/// How a learner runs.
#[derive(Clone, Debug)]
pub struct Options {
    /// The text (None: the bundled Shakespeare).
    pub data: Option<PathBuf>,
    /// This learner's shard.
    pub shard: Shard,
    /// Model sizes.
    pub model: ModelConfig,
    /// Rows per batch.
    pub batch: usize,
    /// Adam's learning rate.
    pub lr: f64,
    /// Stop after this many steps in all (None: run until interrupted).
    pub steps: Option<u64>,
    /// Evaluate every this many steps.
    pub eval_every: u64,
    /// Validation batches per evaluation.
    pub eval_batches: usize,
    /// Checkpoint file (None: none).
    pub checkpoint: Option<PathBuf>,
    /// Checkpoint every this many steps.
    pub checkpoint_every: u64,
    /// Seed for initialisation and batches.
    pub seed: u64,
    /// The score's moving-average rate.
    pub score_rate: f64,
    /// The network, when not alone.
    pub network: Option<NetworkOptions>,
}

/// How a learner joins a network.
#[derive(Clone, Debug)]
pub struct NetworkOptions {
    /// The node's WebSocket URL.
    pub url: String,
    /// The network.
    pub netuid: u16,
    /// The hotkey (signs requests, `serve_axon` and `set_weights`).
    pub key: Key,
    /// The address the axon listens on.
    pub bind: std::net::SocketAddr,
    /// The IP announced on chain.
    pub announce: std::net::IpAddr,
    /// What the axon answers.
    pub serve: ServeMode,
    /// Blocks between two weight submissions.
    pub weights_every: u64,
    /// One peer query's deadline.
    pub peer_timeout: Duration,
    /// One chain request's deadline.
    pub chain_timeout: Duration,
    /// Peers with axons on chain to wait for before training (0: start at once).
    pub min_peers: usize,
}

/// What a run ends with (printed as JSON).
#[derive(Clone, Debug, serde::Serialize)]
pub struct Summary {
    /// Steps taken in all.
    pub steps: u64,
    /// The last validation loss (with peers, at `validation_step`).
    pub validation_loss: f64,
    /// The step it was measured at.
    pub validation_step: u64,
    /// Validation losses along the way: (step, loss).
    pub curve: Vec<(u64, f64)>,
    /// Training tokens per second (this run).
    pub tokens_per_second: f64,
    /// Scores by uid.
    pub scores: HashMap<u16, f64>,
    /// The last weights set, by uid.
    pub weights: HashMap<u16, u16>,
    /// The block the last weights were set in (about).
    pub weights_block: Option<u64>,
    /// This learner's uid.
    pub uid: Option<u16>,
}

/// What the loops share.
struct Shared {
    /// Peers to query, by slot.
    peers: RwLock<Vec<Option<Peer>>>,
    /// This learner's uid and stake.
    own: RwLock<Option<(u16, u128)>>,
    scores: Mutex<Scores>,
    stop: AtomicBool,
}

impl Shared {
    fn new(slots: usize, scores: Scores) -> Self {
        Shared {
            peers: RwLock::new(vec![None; slots]),
            own: RwLock::new(None),
            scores: Mutex::new(scores),
            stop: AtomicBool::new(false),
        }
    }

    /// The peers by slot, as the chain loop last assigned them.
    fn peers(&self) -> Vec<Option<Peer>> {
        self.peers.read().map(|p| p.clone()).unwrap_or_default()
    }

    /// This learner's uid and stake, once registered.
    fn own(&self) -> Option<(u16, u128)> {
        self.own.read().ok().and_then(|o| *o)
    }

    /// Whether a signal asked the learner to stop.
    fn stopping(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// A copy of the scores.
    fn scores(&self) -> Scores {
        self.scores.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

/// Assigns peers to the head's slots: slot `uid % slots`, the lower uid on a collision, so
/// that a peer keeps its slot (and what the head learnt of it) while the network changes.
pub fn assign_slots(peers: Vec<Peer>, slots: usize, own_uid: Option<u16>) -> Vec<Option<Peer>> {
    let mut out: Vec<Option<Peer>> = vec![None; slots];
    let mut sorted = peers;
    sorted.sort_by_key(|p| p.uid);
    for p in sorted {
        if Some(p.uid) == own_uid {
            continue;
        }
        let s = usize::from(p.uid) % slots;
        if out[s].is_none() {
            out[s] = Some(p);
        }
    }
    out
}

/// Trains, alone or in a network, until `steps` or Ctrl-C; returns the summary.
pub fn run<B: AutodiffBackend>(opts: Options, device: B::Device) -> Result<Summary> {
    let corpus = Corpus::load(opts.data.as_deref(), opts.shard, opts.model.context)?;
    let (trainer, step, scores) = train::resume::<B>(&opts, device)?;
    let shared = Arc::new(Shared::new(opts.model.slots, scores));
    let metrics = Arc::new(Metrics::default());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::internal(format!("cannot start the async runtime: {e}")))?;
    shutdown::on_signal(&rt, shared.clone());
    let (grad_tx, grad_rx) = tokio::sync::mpsc::channel::<RemoteGrad>(64);
    let net = match &opts.network {
        Some(n) => Some(peers::Network::start(
            &rt, n, &opts, &trainer, grad_tx, &shared, &metrics,
        )?),
        None => None,
    };
    let peers = peers::Peers::new(&rt, &shared, &metrics, net.as_ref(), opts.model);
    let summary = train::TrainLoop::new(&opts, corpus, trainer, step, grad_rx, peers).run()?;
    rt.shutdown_timeout(Duration::from_secs(2));
    Ok(summary)
}

/// Serves `trainer`'s current encoder from `axon` (a snapshot without autodiff).
pub fn set_represent<B: AutodiffBackend>(axon: &Axon, trainer: &Trainer<B>) {
    let encoder = Arc::new(Mutex::new(trainer.serving_encoder()));
    let context = trainer.config.context;
    let f: axon::Represent = Arc::new(move |tokens: &[u8], rows: usize| {
        encoder
            .lock()
            .map(|e| model::represent(&*e, tokens, rows, context))
            .unwrap_or_default()
    });
    if let Ok(mut r) = axon.represent.write() {
        *r = Some(f);
    }
}
