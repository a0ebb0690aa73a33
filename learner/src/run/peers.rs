//! The learner's side of its peers: the axon that serves its encoder to them and the
//! dendrite that asks them for theirs and sends them their gradients.

use super::{chain, set_represent, NetworkOptions, Options, Shared};
use crate::axon::{self, Axon};
use crate::data::Batch;
use crate::dendrite::{Dendrite, Peer};
use crate::error::{Error, Result};
use crate::metrics::Metrics;
use crate::model::{ModelConfig, RemoteGrad, Trainer};
use burn::tensor::backend::AutodiffBackend;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::runtime::Runtime;
use tokio::sync::mpsc::Sender;

/// A learner in a network: its axon and its dendrite.
pub(super) struct Network {
    /// Serves the encoder; answers only the hotkeys the chain loop lets call.
    pub axon: Arc<Axon>,
    /// Queries the peers.
    pub dendrite: Arc<Dendrite>,
}

impl Network {
    /// Serves `trainer`'s encoder from an axon listening on `n.bind` (its callers' gradients
    /// go to `grads`), and starts the chain loop that keeps the axon's callers and the peers
    /// current.
    pub fn start<B: AutodiffBackend>(
        rt: &Runtime,
        n: &NetworkOptions,
        opts: &Options,
        trainer: &Trainer<B>,
        grads: Sender<RemoteGrad>,
        shared: &Arc<Shared>,
        metrics: &Arc<Metrics>,
    ) -> Result<Network> {
        let axon = Arc::new(Axon::new(
            n.key.public(),
            opts.model,
            n.serve,
            grads,
            metrics.clone(),
            opts.seed,
        ));
        set_represent(&axon, trainer);
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
        rt.spawn(chain::chain_loop(
            n.clone(),
            shared.clone(),
            axon.clone(),
            metrics.clone(),
        ));
        Ok(Network {
            axon,
            dendrite: Arc::new(Dendrite::new(n.key.clone(), n.peer_timeout)),
        })
    }
}

/// The peers as the training loop sees them: the slots the chain loop fills, asked through
/// the dendrite (alone: every slot empty).
pub(super) struct Peers<'a> {
    rt: &'a Runtime,
    /// What the loops share.
    pub shared: &'a Shared,
    /// The learner's metrics.
    pub metrics: &'a Metrics,
    net: Option<&'a Network>,
    config: ModelConfig,
}

impl<'a> Peers<'a> {
    pub fn new(
        rt: &'a Runtime,
        shared: &'a Shared,
        metrics: &'a Metrics,
        net: Option<&'a Network>,
        config: ModelConfig,
    ) -> Self {
        Peers {
            rt,
            shared,
            metrics,
            net,
            config,
        }
    }

    /// Blocks until `min_peers` peers serve axons on chain, or a signal stops the learner.
    pub fn wait_for(&self, min_peers: usize) {
        let mut waited = Instant::now();
        loop {
            let have = self
                .shared
                .peers
                .read()
                .map(|p| p.iter().flatten().count())
                .unwrap_or(0);
            if have >= min_peers || self.shared.stopping() {
                break;
            }
            if waited.elapsed() > Duration::from_secs(10) {
                tracing::info!(
                    have,
                    want = min_peers,
                    "waiting for peers to announce their axons"
                );
                waited = Instant::now();
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Asks every peer in a slot for its representation of `tokens` (concurrently, under the
    /// deadline): the slots asked, and by slot the answers (None: empty, failed or late).
    pub fn query(&self, tokens: &[u8], rows: usize) -> (Vec<Option<Peer>>, Vec<Option<Vec<f32>>>) {
        let c = self.config;
        let slots = self.shared.peers();
        let Some(net) = self.net else {
            return (slots, vec![None; c.slots]);
        };
        let present: Vec<Peer> = slots.iter().flatten().cloned().collect();
        let answers = self.rt.block_on(
            net.dendrite
                .forward_all(&present, tokens, rows, c.context, c.width),
        );
        let mut reps = vec![None; c.slots];
        let mut it = answers.into_iter();
        for (slot, p) in slots.iter().enumerate() {
            if p.is_some() {
                reps[slot] = it.next().flatten();
            }
        }
        self.metrics.update(|m| {
            m.peer_queries += present.len() as u64;
            m.peer_answers += reps.iter().flatten().count() as u64;
        });
        (slots, reps)
    }

    /// Sends each answering peer the gradient at its representation of `batch` (eq. 3
    /// upstream), in the background.
    pub fn send_grads(&self, slots: &[Option<Peer>], grads: &[Option<Vec<f32>>], batch: &Batch) {
        let Some(net) = self.net else { return };
        let c = self.config;
        for (slot, peer) in slots.iter().enumerate() {
            if let (Some(p), Some(g)) = (peer, &grads[slot]) {
                let (d, p, g, t) = (
                    net.dendrite.clone(),
                    p.clone(),
                    g.clone(),
                    batch.tokens.clone(),
                );
                let rows = batch.rows;
                self.rt.spawn(async move {
                    if let Err(e) = d.backward(&p, &t, g, rows, c.context, c.width).await {
                        tracing::debug!(uid = p.uid, "backward failed: {e}");
                    }
                });
            }
        }
    }

    /// Serves `trainer`'s current encoder from the axon, if any.
    pub fn serve<B: AutodiffBackend>(&self, trainer: &Trainer<B>) {
        if let Some(net) = self.net {
            set_represent(&net.axon, trainer);
        }
    }
}
