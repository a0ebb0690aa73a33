//! The learner's side of its peers: the axon that serves its encoder to them and the
//! dendrite that asks them for theirs and sends them their gradients.

use super::{chain, set_represent, NetworkOptions, Options, Shared};
use crate::axon::{self, Axon};
use crate::data::Batch;
use crate::dendrite::Dendrite;
use crate::error::{Error, Result};
use crate::metrics::Metrics;
use crate::model::{ModelConfig, RemoteGrad, Routed, Trainer};
use crate::route::{Router, Routing};
use burn::tensor::backend::AutodiffBackend;
use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
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
        let axon = Arc::new(
            Axon::new(
                n.key.public(),
                n.netuid,
                opts.model,
                n.serve,
                grads,
                metrics.clone(),
                opts.seed,
            )
            .with_limits(n.limits),
        );
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
            opts.market.min_evidence,
        ));
        Ok(Network {
            axon,
            dendrite: Arc::new(Dendrite::new(n.key.clone(), n.netuid, n.peer_timeout)),
        })
    }
}

/// What asking the chosen peers gave: their answers as the head takes them, and for each
/// column asked, its positions and whether it answered.
pub(super) struct Asked {
    /// The answers.
    pub routed: Routed,
    /// Each column asked: its positions (`row × k + slot`) and whether it answered.
    pub outcomes: BTreeMap<usize, (Vec<usize>, bool)>,
    /// Whether each position is a probe (its peer alone on its row).
    pub probe: Vec<bool>,
}

impl Asked {
    /// The token windows of the rows of `positions` (`row × k + slot`), concatenated.
    pub fn windows(batch: &Batch, positions: &[usize], k: usize) -> Vec<u8> {
        let context = batch.context;
        let mut tokens = Vec::with_capacity(positions.len() * context);
        for p in positions {
            let r = p / k;
            tokens.extend_from_slice(&batch.tokens[r * context..(r + 1) * context]);
        }
        tokens
    }

    /// The probe positions among `positions`.
    pub fn probes(&self, positions: &[usize]) -> Vec<usize> {
        positions
            .iter()
            .copied()
            .filter(|p| self.probe.get(*p).copied().unwrap_or(false))
            .collect()
    }

    /// The rows of `values` (each `width` wide) at `positions`, concatenated.
    pub fn gather(values: &[f32], positions: &[usize], width: usize) -> Vec<f32> {
        let mut out = Vec::with_capacity(positions.len() * width);
        for &p in positions {
            if let Some(v) = values.get(p * width..(p + 1) * width) {
                out.extend_from_slice(v);
            }
        }
        out
    }
}

/// The peers as the training loop sees them: those the chain loop found, asked through the
/// dendrite (alone: nobody).
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

    /// Whether the learner is in a network.
    pub fn networked(&self) -> bool {
        self.net.is_some()
    }

    /// Blocks until `min_peers` peers serve axons on chain, or a signal stops the learner.
    pub fn wait_for(&self, min_peers: usize) {
        let mut waited = Instant::now();
        loop {
            let have = self.shared.peers().1.len();
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

    /// Asks each column `routing` chose for its representation of its rows of `batch`
    /// (concurrently, under the deadline).
    pub fn ask(&self, batch: &Batch, routing: &Routing, router: &Router) -> Asked {
        let c = self.config;
        let (k, width, context) = (routing.k, c.width, c.context);
        let mut routed = Routed::alone(batch.rows, k, width);
        for (p, col) in routing.choice.iter().enumerate() {
            routed.columns[p] = col.map_or(0, |c| c as i32);
        }
        routed.probe_rows = (0..batch.rows)
            .map(|r| routing.probe.get(r * k).copied().unwrap_or(false))
            .collect();
        let mut outcomes = BTreeMap::new();
        let Some(net) = self.net else {
            return Asked {
                routed,
                outcomes,
                probe: routing.probe.clone(),
            };
        };
        let mut asks = Vec::new();
        let mut asked = Vec::new();
        for (col, positions) in routing.by_column() {
            let Some(peer) = router.peer(col) else {
                continue;
            };
            let tokens = Asked::windows(batch, &positions, k);
            asks.push((peer.clone(), tokens, positions.len()));
            asked.push((col, positions));
        }
        let answers = self
            .rt
            .block_on(net.dendrite.forward_all(&asks, context, width));
        let (out1, in1) = net.traffic();
        let mut answered = 0;
        for ((col, positions), answer) in asked.into_iter().zip(answers) {
            let ok = answer.is_some();
            if let Some(rep) = answer {
                answered += 1;
                for (i, &p) in positions.iter().enumerate() {
                    routed.reps[p * width..(p + 1) * width]
                        .copy_from_slice(&rep[i * width..(i + 1) * width]);
                    routed.mask[p] = 1.0;
                }
            }
            outcomes.insert(col, (positions, ok));
        }
        routed.normalize(width);
        let probe = routing.probe.clone();
        self.metrics.update(|m| {
            m.peer_queries += asks.len() as u64;
            m.peer_answers += answered;
            m.peer_bytes_out = out1;
            m.peer_bytes_in = in1;
        });
        Asked {
            routed,
            outcomes,
            probe,
        }
    }

    /// Sends each peer that answered the gradient at its representations (eq. 3
    /// upstream), in the background.
    pub fn send_grads(&self, asked: &Asked, grads: &[f32], batch: &Batch, router: &Router) {
        let Some(net) = self.net else { return };
        let c = self.config;
        let (k, width, context) = (asked.routed.k, c.width, c.context);
        for (col, (positions, ok)) in &asked.outcomes {
            let Some(peer) = router.peer(*col).filter(|_| *ok) else {
                continue;
            };
            let mut g = Vec::with_capacity(positions.len() * width);
            for &p in positions {
                if let Some(at) = grads.get(p * width..(p + 1) * width) {
                    g.extend(asked.routed.raw_grad(p, at, width));
                }
            }
            if g.len() != positions.len() * width {
                continue;
            }
            let tokens = Asked::windows(batch, positions, k);
            let (d, p, rows) = (net.dendrite.clone(), peer.clone(), positions.len());
            self.rt.spawn(async move {
                if let Err(e) = d.backward(&p, &tokens, g, rows, context, width).await {
                    tracing::debug!(uid = p.uid, "backward failed: {e}");
                }
            });
        }
    }

    /// Serves `trainer`'s current encoder from the axon, if any.
    pub fn serve<B: AutodiffBackend>(&self, trainer: &Trainer<B>) {
        if let Some(net) = self.net {
            set_represent(&net.axon, trainer);
        }
    }
}

impl Network {
    /// Bytes the dendrite has sent and received in all (gradients included).
    fn traffic(&self) -> (u64, u64) {
        (
            self.dendrite.bytes_out.load(Ordering::Relaxed),
            self.dendrite.bytes_in.load(Ordering::Relaxed),
        )
    }
}
