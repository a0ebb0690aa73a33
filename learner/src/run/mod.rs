//! The learner's two loops.
//!
//! - **Training** (a plain thread, since tensor work blocks): sample a batch, ask the peers
//!   for their representations (concurrently, under a deadline; a failed peer is absent),
//!   take a step that also applies the gradients callers sent, score each peer, send each
//!   peer the gradient at its representation, and now and then evaluate, refresh the served
//!   encoder and checkpoint.
//! - **Chain** (async): every few seconds read the metagraph through `mindnet-client`
//!   (who may call the axon, whom to query, the stakes), announce the axon with
//!   `serve_axon` when the chain does not have it, and every `weights_every` blocks submit
//!   the scores as weights, respecting `min_allowed_weights`, `max_weights_per_row` and the
//!   rate limit. A lost node is reconnected with backoff; training goes on meanwhile.

use crate::axon::{self, Axon, Caller, ServeMode};
use crate::checkpoint::{self, Meta};
use crate::data::{self, Corpus, Rng, Shard};
use crate::dendrite::{Dendrite, Peer};
use crate::error::{Error, ErrorKind, Result};
use crate::metrics::Metrics;
use crate::model::{self, ModelConfig, RemoteGrad, Trainer};
use crate::score::{contribution, Scores};
use burn::tensor::backend::AutodiffBackend;
use mindnet_client::keys::{ss58_decode, Key};
use mindnet_client::{Client, Wait};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

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
    let mut trainer = Trainer::<B>::new(opts.model, opts.lr, opts.seed, device);
    let mut step = 0u64;
    let mut scores = Scores::new(opts.score_rate);
    if let Some(path) = opts.checkpoint.as_ref().filter(|p| p.exists()) {
        let (tensors, meta) = checkpoint::load(path)?;
        if meta.config != opts.model {
            return Err(Error::usage(format!(
                "the checkpoint {} is of another model ({:?}); move it away or use its sizes",
                path.display(),
                meta.config
            )));
        }
        trainer.load_tensors(tensors).map_err(Error::usage)?;
        step = meta.step;
        scores = meta.scores;
        tracing::info!(step, path = %path.display(), "resumed from the checkpoint");
    }
    let shared = Arc::new(Shared {
        peers: RwLock::new(vec![None; opts.model.slots]),
        own: RwLock::new(None),
        scores: Mutex::new(scores),
        stop: AtomicBool::new(false),
    });
    let metrics = Arc::new(Metrics::default());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::internal(format!("cannot start the async runtime: {e}")))?;
    {
        let shared = shared.clone();
        rt.spawn(async move {
            // Ctrl-C (SIGINT) or, from a service manager, SIGTERM.
            let term = async {
                #[cfg(unix)]
                if let Ok(mut t) =
                    tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                {
                    t.recv().await;
                    return;
                }
                std::future::pending::<()>().await
            };
            tokio::select! {
                r = tokio::signal::ctrl_c() => if r.is_err() { return },
                _ = term => {}
            }
            tracing::info!("stopping: finishing the step, checkpointing and printing the summary");
            shared.stop.store(true, Ordering::SeqCst);
        });
    }
    let (grad_tx, mut grad_rx) = tokio::sync::mpsc::channel::<RemoteGrad>(64);
    let mut net = None;
    if let Some(n) = &opts.network {
        let axon = Arc::new(Axon::new(
            n.key.public(),
            opts.model,
            n.serve,
            grad_tx,
            metrics.clone(),
            opts.seed,
        ));
        set_represent(&axon, &trainer);
        let listener = rt
            .block_on(tokio::net::TcpListener::bind(n.bind))
            .map_err(|e| {
                Error::usage(format!(
                    "cannot listen on {}: {e}; choose another --port",
                    n.bind
                ))
            })?;
        tracing::info!(addr = %n.bind, serve = ?n.serve, "axon listening");
        let app = axon::router(axon.clone());
        rt.spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!("the axon stopped: {e}");
            }
        });
        rt.spawn(chain_loop(
            n.clone(),
            shared.clone(),
            axon.clone(),
            metrics.clone(),
        ));
        net = Some((axon, Arc::new(Dendrite::new(n.key.clone(), n.peer_timeout))));
    }

    let c = opts.model;
    let valid = data::validation(&corpus.valid, opts.eval_batches, opts.batch, c.context);
    let mut rng = Rng::new(opts.seed.wrapping_add(step));
    let mut curve = Vec::new();
    let started = Instant::now();
    let first_step = step;
    let mut window = (Instant::now(), 0u64);
    let query = |tokens: &[u8], rows: usize| -> (Vec<Option<Peer>>, Vec<Option<Vec<f32>>>) {
        let slots = shared.peers.read().map(|p| p.clone()).unwrap_or_default();
        let Some((_, dendrite)) = &net else {
            return (slots, vec![None; c.slots]);
        };
        let present: Vec<Peer> = slots.iter().flatten().cloned().collect();
        let answers = rt.block_on(dendrite.forward_all(&present, tokens, rows, c.context, c.width));
        let mut reps = vec![None; c.slots];
        let mut it = answers.into_iter();
        for (slot, p) in slots.iter().enumerate() {
            if p.is_some() {
                reps[slot] = it.next().flatten();
            }
        }
        metrics.update(|m| {
            m.peer_queries += present.len() as u64;
            m.peer_answers += reps.iter().flatten().count() as u64;
        });
        (slots, reps)
    };
    let evaluate = |trainer: &Trainer<B>| -> f64 {
        let mut total = 0.0;
        for b in &valid {
            let (_, reps) = query(&b.tokens, b.rows);
            total += trainer.evaluate(b, &reps);
        }
        total / valid.len().max(1) as f64
    };
    let own_hotkey = opts.network.as_ref().map(|n| {
        mindnet_client::keys::ss58_encode(&n.key.public(), mindnet_client::keys::SS58_PREFIX)
    });
    if let Some(n) = opts.network.as_ref().filter(|n| n.min_peers > 0) {
        let mut waited = Instant::now();
        loop {
            let have = shared
                .peers
                .read()
                .map(|p| p.iter().flatten().count())
                .unwrap_or(0);
            if have >= n.min_peers || shared.stop.load(Ordering::SeqCst) {
                break;
            }
            if waited.elapsed() > Duration::from_secs(10) {
                tracing::info!(
                    have,
                    want = n.min_peers,
                    "waiting for peers to announce their axons"
                );
                waited = Instant::now();
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }
    let mut valid_loss = evaluate(&trainer);
    curve.push((step, valid_loss));
    loop {
        if shared.stop.load(Ordering::SeqCst) || opts.steps.is_some_and(|s| step >= s) {
            break;
        }
        let batch = data::sample(&corpus.train, opts.batch, c.context, &mut rng);
        let (slots, reps) = query(&batch.tokens, batch.rows);
        let mut remote = Vec::new();
        while remote.len() < 16 {
            match grad_rx.try_recv() {
                Ok(g) => remote.push(g),
                Err(_) => break,
            }
        }
        let own = shared.own.read().ok().and_then(|o| *o);
        let self_weight = own.map(|(_, stake)| stake.max(1) as f64).unwrap_or(1.0);
        let report = trainer.step(&batch, &reps, &remote, self_weight);
        step += 1;

        // Score the peers (and the learner itself) by eq. 9.
        if let (true, Ok(mut scores)) = (opts.network.is_some(), shared.scores.lock()) {
            for (slot, peer) in slots.iter().enumerate() {
                if let (Some(p), Some(rep), Some(g)) = (peer, &reps[slot], &report.peer_grads[slot])
                {
                    let delta = contribution(rep, g, batch.rows, c.width);
                    let hk = mindnet_client::keys::ss58_encode(
                        &p.hotkey,
                        mindnet_client::keys::SS58_PREFIX,
                    );
                    scores.record(p.uid, &hk, delta);
                }
            }
            if let (Some((uid, _)), Some(hk)) = (own, &own_hotkey) {
                let delta = contribution(&report.local, &report.local_grad, batch.rows, c.width);
                scores.record(uid, hk, delta);
            }
        }
        // Send each answering peer the gradient at its representation (eq. 3 upstream).
        if let Some((_, dendrite)) = &net {
            for (slot, peer) in slots.iter().enumerate() {
                if let (Some(p), Some(g)) = (peer, &report.peer_grads[slot]) {
                    let (d, p, g, t) =
                        (dendrite.clone(), p.clone(), g.clone(), batch.tokens.clone());
                    let rows = batch.rows;
                    rt.spawn(async move {
                        if let Err(e) = d.backward(&p, &t, g, rows, c.context, c.width).await {
                            tracing::debug!(uid = p.uid, "backward failed: {e}");
                        }
                    });
                }
            }
        }
        window.1 += batch.rows as u64;
        metrics.update(|m| {
            m.steps = step;
            m.tokens += batch.rows as u64;
            m.train_loss = report.loss;
        });
        if let Some((axon, _)) = &net {
            if step.is_multiple_of(10) {
                set_represent(axon, &trainer);
            }
        }
        if step.is_multiple_of(opts.eval_every) || opts.steps == Some(step) {
            valid_loss = evaluate(&trainer);
            curve.push((step, valid_loss));
            let rate = window.1 as f64 / window.0.elapsed().as_secs_f64().max(1e-9);
            window = (Instant::now(), 0);
            let answered = reps.iter().flatten().count();
            metrics.update(|m| {
                m.valid_loss = Some(valid_loss);
                m.tokens_per_second = rate;
            });
            tracing::info!(
                step,
                train_loss = format!("{:.4}", report.loss),
                validation_loss = format!("{valid_loss:.4}"),
                tokens_per_second = format!("{rate:.0}"),
                peers = format!("{answered}/{}", slots.iter().flatten().count()),
                "progress"
            );
            if let Ok(s) = shared.scores.lock() {
                let by_uid: std::collections::BTreeMap<u16, (String, f64)> = s
                    .iter()
                    .map(|(u, sc)| (u, (sc.hotkey.clone(), sc.value)))
                    .collect();
                metrics.update(|m| m.scores = by_uid);
            }
        }
        if let Some(path) = &opts.checkpoint {
            if step.is_multiple_of(opts.checkpoint_every) {
                save(path, &trainer, step, &shared)?;
            }
        }
    }
    if let Some(path) = &opts.checkpoint {
        save(path, &trainer, step, &shared)?;
    }
    let elapsed = started.elapsed().as_secs_f64().max(1e-9);
    let snap = metrics.snapshot();
    let summary = Summary {
        steps: step,
        validation_loss: valid_loss,
        validation_step: curve.last().map(|(s, _)| *s).unwrap_or(step),
        curve,
        tokens_per_second: (step - first_step) as f64 * opts.batch as f64 / elapsed,
        scores: shared
            .scores
            .lock()
            .map(|s| s.iter().map(|(u, sc)| (u, sc.value)).collect())
            .unwrap_or_default(),
        weights: snap.weights.into_iter().collect(),
        weights_block: snap.weights_block,
        uid: shared.own.read().ok().and_then(|o| o.map(|(u, _)| u)),
    };
    rt.shutdown_timeout(Duration::from_secs(2));
    Ok(summary)
}

fn save<B: AutodiffBackend>(
    path: &std::path::Path,
    trainer: &Trainer<B>,
    step: u64,
    shared: &Shared,
) -> Result<()> {
    let scores = shared.scores.lock().map(|s| s.clone()).unwrap_or_default();
    checkpoint::save(
        path,
        &trainer.tensors(),
        &Meta {
            step,
            config: trainer.config,
            scores,
        },
    )
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

/// Reconnects to the node for as long as the learner runs.
async fn chain_loop(
    n: NetworkOptions,
    shared: Arc<Shared>,
    axon: Arc<Axon>,
    metrics: Arc<Metrics>,
) {
    let mut backoff = Duration::from_secs(1);
    let mut next_weights = 0u64;
    loop {
        match Client::connect(&n.url, n.chain_timeout).await {
            Ok(client) => {
                tracing::info!(url = %n.url, "connected to the node");
                backoff = Duration::from_secs(1);
                let e = follow(&client, &n, &shared, &axon, &metrics, &mut next_weights).await;
                tracing::warn!("lost the node ({e}); reconnecting");
            }
            Err(e) => tracing::warn!(
                "cannot reach the node: {e}; retrying in {} s",
                backoff.as_secs()
            ),
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(30));
    }
}

/// Follows the chain until the connection fails (returns that error).
async fn follow(
    client: &Client,
    n: &NetworkOptions,
    shared: &Shared,
    axon: &Axon,
    metrics: &Metrics,
    next_weights: &mut u64,
) -> Error {
    let me = n.key.account_id();
    let my_addr = std::net::SocketAddr::new(n.announce, n.bind.port()).to_string();
    let mut warned_unregistered = false;
    loop {
        let result: Result<()> = async {
            let best = client.best_number().await?;
            let neurons = client.neurons(n.netuid).await?;
            let mut own = None;
            let mut callers = HashMap::new();
            let mut peers = Vec::new();
            for x in &neurons {
                let Ok(hotkey) = ss58_decode(&x.hotkey) else { continue };
                if hotkey == me.0 {
                    own = Some(x);
                }
                callers.insert(hotkey, Caller { uid: x.uid, stake: x.stake });
                if let Some(addr) = &x.axon {
                    peers.push(Peer { uid: x.uid, hotkey, addr: addr.clone() });
                }
            }
            let own_uid = own.map(|x| x.uid);
            if let Ok(mut c) = axon.callers.write() {
                *c = callers;
            }
            if let Ok(mut p) = shared.peers.write() {
                *p = assign_slots(peers, axon.config.slots, own_uid);
            }
            if let Ok(mut s) = shared.scores.lock() {
                s.retain_current(|uid| neurons.iter().find(|x| x.uid == uid).map(|x| x.hotkey.clone()));
            }
            if let Ok(mut o) = shared.own.write() {
                *o = own.map(|x| (x.uid, x.stake));
            }
            metrics.update(|m| m.uid = own_uid);
            let Some(own) = own else {
                if !warned_unregistered {
                    tracing::warn!(
                        netuid = n.netuid,
                        "this hotkey is not registered on the network: register it (`mindnet register`); training alone meanwhile"
                    );
                    warned_unregistered = true;
                }
                return Ok(());
            };
            warned_unregistered = false;
            if own.axon.as_deref() != Some(my_addr.as_str()) {
                let (bits, ip_type) = mindnet_client::chain::axon_ip(n.announce);
                let call = mindnet_client::runtime::tx()
                    .mindnet()
                    .serve_axon(n.netuid, bits, n.bind.port(), ip_type, 0);
                client.submit("serve_axon", &call, &n.key, Wait::Inclusion, &mut |_| {}).await?;
                tracing::info!(addr = %my_addr, "announced the axon on chain");
            }
            if best >= *next_weights {
                set_weights(client, n, shared, metrics, own.uid, best, next_weights).await?;
            }
            Ok(())
        }
        .await;
        match result {
            Err(e) if e.kind == ErrorKind::Connection => return e,
            Err(e) => tracing::warn!("{e}"),
            Ok(()) => {}
        }
        tokio::time::sleep(Duration::from_secs(3)).await;
    }
}

async fn set_weights(
    client: &Client,
    n: &NetworkOptions,
    shared: &Shared,
    metrics: &Metrics,
    own_uid: u16,
    best: u64,
    next_weights: &mut u64,
) -> Result<()> {
    let policy = client.weight_policy(n.netuid, own_uid).await?;
    if !policy.allows(best) {
        *next_weights = policy.allowed_from().saturating_sub(1);
        return Ok(());
    }
    let max = usize::from(policy.rules.max_weights_per_row);
    let row = shared
        .scores
        .lock()
        .map(|s| s.row(own_uid, max, 0.01))
        .unwrap_or_default();
    // Not enough peers scored yet for the network's minimum: wait for more batches.
    let others = row.iter().filter(|(u, _)| *u != own_uid).count();
    let needed = usize::from(policy.rules.min_others());
    if row.is_empty() || others < needed {
        tracing::info!(
            scored = others,
            needed,
            "not enough peers scored to set weights yet"
        );
        return Ok(());
    }
    let (uids, values) = mindnet_client::weights::to_chain_row(&row, &policy.rules)?;
    let call = mindnet_client::runtime::tx().mindnet().set_weights(
        n.netuid,
        uids.clone(),
        values.clone(),
        policy.version_key,
    );
    let inc = client
        .submit("set_weights", &call, &n.key, Wait::Inclusion, &mut |_| {})
        .await?;
    *next_weights = best + n.weights_every;
    let set: std::collections::BTreeMap<u16, u16> =
        uids.iter().copied().zip(values.iter().copied()).collect();
    tracing::info!(block = %inc.block, weights = ?set, "set weights");
    metrics.update(|m| {
        m.weights = set;
        m.weights_block = Some(best + 1);
    });
    Ok(())
}
