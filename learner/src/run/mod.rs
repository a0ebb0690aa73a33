//! The learner's two loops.
//!
//! - **Training** (a plain thread, since tensor work blocks; [`train`]): sample a batch, let
//!   the gate choose each example's top-k peers among every peer with an axon
//!   ([`crate::route`]), ask each chosen peer for its representation of its examples
//!   (concurrently, under a deadline; a failed peer is masked out and backs off), take a step
//!   that also applies the gradients callers sent, score each peer that answered (and decay
//!   each that did not), send each the gradient at its representation, and now and then
//!   evaluate, refresh the served encoder and checkpoint.
//! - **Chain** (async; [`chain`]): every few seconds read the metagraph and the counted
//!   stake through `mindnet-client` (who may call the axon and send it gradients, whom to
//!   ask, the stakes), announce the axon with `serve_axon` when the chain does not have it,
//!   and every `weights_every` blocks submit the scores of the peers with enough evidence as
//!   weights, respecting `min_allowed_weights`, `max_weights_per_row` and the rate limit. A
//!   failed transaction backs off exponentially (a misconfigured learner never drains its
//!   hotkey); a lost node is reconnected with backoff; training goes on meanwhile.
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
use crate::score::{Hotkey, Scores};
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
    /// How peers are chosen and scored.
    pub market: Market,
    /// The network, when not alone.
    pub network: Option<NetworkOptions>,
    /// The student stands in for every peer (`alone --offline`).
    pub offline: bool,
}

/// Which measurement the weights are set from.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum ScoreMode {
    /// Seed 004's second-order Fisher estimate, every batch.
    Fisher,
    /// The real loss change of zeroing each peer's input, every `ablation_every` batches.
    Ablation,
}

/// How a learner chooses and scores its peers.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Market {
    /// Peers explored per batch (round-robin over every eligible peer).
    pub explore: usize,
    /// The gate noise's standard deviation when choosing.
    pub gate_noise: f32,
    /// The importance loss's weight.
    pub balance: f64,
    /// What the weights are set from.
    pub score: ScoreMode,
    /// Batches between two ablation measurements (0: never; with `score` ablation, at
    /// least every batch).
    pub ablation_every: u64,
    /// Batches a peer must have been scored on before it is weighted.
    pub min_evidence: u64,
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
    /// The axon's limits.
    pub limits: axon::Limits,
    /// Competitive connectivity's temperature (None: every caller served fully).
    pub temperature: Option<f64>,
    /// Where commits awaiting their reveal are kept (the wallet folder's `.commits/`), so a
    /// restarted learner still reveals them.
    pub commits: mindnet_client::commits::CommitStore,
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
    /// Fisher scores by uid.
    pub scores: HashMap<u16, f64>,
    /// Ablation scores by uid (when measured).
    pub ablation_scores: HashMap<u16, f64>,
    /// Batches of evidence by uid.
    pub evidence: HashMap<u16, u64>,
    /// Bytes sent to and received from peers per training step, on average.
    pub peer_bytes_per_step: f64,
    /// Bytes sent to peers per training step, on average (requests and gradients).
    pub peer_bytes_out_per_step: f64,
    /// The last weights set, by uid.
    pub weights: HashMap<u16, u16>,
    /// The block the last weights were set in (about).
    pub weights_block: Option<u64>,
    /// This learner's uid.
    pub uid: Option<u16>,
    /// The student's distillation steps in all.
    pub student_steps: u64,
    /// The validation loss with the student standing in for every peer (None: no student
    /// trained).
    pub student_validation_loss: Option<f64>,
    /// The validation loss with nothing in the peers' place.
    pub unaided_validation_loss: f64,
}

/// What the loops share.
struct Shared {
    /// Every peer serving an axon (not this learner), and a generation bumped on change.
    peers: RwLock<(u64, Vec<Peer>)>,
    /// The uid of every registered hotkey.
    registered: RwLock<HashMap<Hotkey, u16>>,
    /// This learner's uid and counted stake.
    own: RwLock<Option<(u16, u128)>>,
    /// Fisher scores (every batch).
    scores: Mutex<Scores>,
    /// Ablation scores (every `ablation_every` batches).
    ablation: Mutex<Scores>,
    mode: ScoreMode,
    stop: AtomicBool,
    /// Why the learner must stop (a misconfiguration found on chain).
    fatal: Mutex<Option<String>>,
}

impl Shared {
    fn new(scores: Scores, mode: ScoreMode) -> Self {
        Shared {
            peers: RwLock::new((0, Vec::new())),
            registered: RwLock::new(HashMap::new()),
            own: RwLock::new(None),
            ablation: Mutex::new(Scores::new(scores.rate)),
            scores: Mutex::new(scores),
            mode,
            stop: AtomicBool::new(false),
            fatal: Mutex::new(None),
        }
    }

    /// The peers serving axons and their generation.
    fn peers(&self) -> (u64, Vec<Peer>) {
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

    /// Stops the learner with `why`.
    fn fail(&self, why: String) {
        if let Ok(mut f) = self.fatal.lock() {
            f.get_or_insert(why);
        }
        self.stop.store(true, Ordering::SeqCst);
    }

    /// A copy of the Fisher scores.
    fn scores(&self) -> Scores {
        self.scores.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// A copy of the ablation scores.
    fn ablation(&self) -> Scores {
        self.ablation.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// A copy of the scores the weights are set from.
    fn weighting(&self) -> Scores {
        match self.mode {
            ScoreMode::Fisher => self.scores(),
            ScoreMode::Ablation => self.ablation(),
        }
    }

    /// The uid of every registered hotkey, as the chain loop last read them.
    fn registered(&self) -> HashMap<Hotkey, u16> {
        self.registered
            .read()
            .map(|r| r.clone())
            .unwrap_or_default()
    }

    /// `scores` by uid, for the registered hotkeys.
    fn by_uid<T>(&self, scores: &Scores, f: impl Fn(&crate::score::Score) -> T) -> HashMap<u16, T> {
        let reg = self.registered();
        scores
            .iter()
            .filter_map(|(h, s)| Some((*reg.get(h)?, f(s))))
            .collect()
    }
}

/// Trains, alone or in a network, until `steps` or Ctrl-C; returns the summary.
pub fn run<B: AutodiffBackend>(opts: Options, device: B::Device) -> Result<Summary> {
    let corpus = Corpus::load(opts.data.as_deref(), opts.shard, opts.model.context)?;
    let (trainer, step, scores, columns) = train::resume::<B>(&opts, device)?;
    let shared = Arc::new(Shared::new(scores, opts.market.score));
    let metrics = Arc::new(Metrics::default());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::internal(format!("cannot start the async runtime: {e}")))?;
    shutdown::on_signal(&rt, shared.clone());
    if let Some(n) = &opts.network {
        rt.block_on(chain::check_announce(n))?;
    }
    let (grad_tx, grad_rx) = tokio::sync::mpsc::channel::<RemoteGrad>(64);
    let net = match &opts.network {
        Some(n) => Some(peers::Network::start(
            &rt, n, &opts, &trainer, grad_tx, &shared, &metrics,
        )?),
        None => None,
    };
    let peers = peers::Peers::new(&rt, &shared, &metrics, net.as_ref(), opts.model);
    let summary =
        train::TrainLoop::new(&opts, corpus, trainer, step, columns, grad_rx, peers).run();
    rt.shutdown_timeout(Duration::from_secs(2));
    if let Some(why) = shared.fatal.lock().ok().and_then(|f| f.clone()) {
        return Err(Error::usage(why));
    }
    summary
}

/// Serves `trainer`'s current encoder from `axon` (a snapshot without autodiff).
pub fn set_represent<B: AutodiffBackend>(axon: &Axon, trainer: &Trainer<B>) {
    let encoder = Arc::new(Mutex::new(trainer.serving_encoder()));
    let context = trainer.config.context;
    let f: axon::Represent = Arc::new(move |_caller: &[u8; 32], tokens: &[u8], rows: usize| {
        encoder
            .lock()
            .map(|e| model::represent(&*e, tokens, rows, context))
            .unwrap_or_default()
    });
    if let Ok(mut r) = axon.represent.write() {
        *r = Some(f);
    }
}
