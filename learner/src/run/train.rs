//! The training loop: batches, peers' representations, steps, scores, evaluations and
//! checkpoints, until `--steps` or a signal.

use super::peers::Peers;
use super::{Options, Shared, Summary};
use crate::checkpoint::{self, Meta};
use crate::data::{self, Batch, Corpus, Rng};
use crate::dendrite::Peer;
use crate::error::{Error, Result};
use crate::metrics::Metrics;
use crate::model::{RemoteGrad, StepReport, Trainer};
use crate::score::{contribution, Scores};
use burn::tensor::backend::AutodiffBackend;
use mindnet_client::keys::{ss58_encode, SS58_PREFIX};
use std::path::Path;
use std::time::Instant;
use tokio::sync::mpsc::Receiver;

/// The most gradients from callers applied in one step.
const REMOTE_PER_STEP: usize = 16;
/// Steps between two refreshes of the served encoder.
const SERVE_EVERY: u64 = 10;

/// A new trainer, or the one in `opts.checkpoint` when that exists: the trainer, its step
/// and its scores.
pub(super) fn resume<B: AutodiffBackend>(
    opts: &Options,
    device: B::Device,
) -> Result<(Trainer<B>, u64, Scores)> {
    let mut trainer = Trainer::<B>::new(opts.model, opts.lr, opts.seed, device);
    let Some(path) = opts.checkpoint.as_ref().filter(|p| p.exists()) else {
        return Ok((trainer, 0, Scores::new(opts.score_rate)));
    };
    let (tensors, meta) = checkpoint::load(path)?;
    if meta.config != opts.model {
        return Err(Error::usage(format!(
            "the checkpoint {} is of another model ({:?}); move it away or use its sizes",
            path.display(),
            meta.config
        )));
    }
    trainer.load_tensors(tensors).map_err(Error::usage)?;
    tracing::info!(step = meta.step, path = %path.display(), "resumed from the checkpoint");
    Ok((trainer, meta.step, meta.scores))
}

/// Saves `trainer` at `step` with the current scores.
fn save<B: AutodiffBackend>(
    path: &Path,
    trainer: &Trainer<B>,
    step: u64,
    shared: &Shared,
) -> Result<()> {
    let scores = shared.scores();
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

/// The training loop's state.
pub(super) struct TrainLoop<'a, B: AutodiffBackend> {
    opts: &'a Options,
    trainer: Trainer<B>,
    /// Steps taken in all (a resumed run counts on from the checkpoint's).
    step: u64,
    /// The step this run started at.
    first_step: u64,
    /// The training text.
    text: Vec<u8>,
    /// The validation batches.
    valid: Vec<Batch>,
    rng: Rng,
    peers: Peers<'a>,
    shared: &'a Shared,
    metrics: &'a Metrics,
    /// Gradients that callers sent to the axon.
    grads: Receiver<RemoteGrad>,
    /// This learner's hotkey, SS58 (in a network).
    own_hotkey: Option<String>,
    /// Validation losses: (step, loss).
    curve: Vec<(u64, f64)>,
    valid_loss: f64,
    started: Instant,
    /// Since the last evaluation: when it began and the rows trained on.
    window: (Instant, u64),
}

impl<'a, B: AutodiffBackend> TrainLoop<'a, B> {
    /// The loop of `trainer` at `step`, training on `corpus` and asking `peers`.
    pub fn new(
        opts: &'a Options,
        corpus: Corpus,
        trainer: Trainer<B>,
        step: u64,
        grads: Receiver<RemoteGrad>,
        peers: Peers<'a>,
    ) -> Self {
        let c = opts.model;
        TrainLoop {
            valid: data::validation(&corpus.valid, opts.eval_batches, opts.batch, c.context),
            rng: Rng::new(opts.seed.wrapping_add(step)),
            curve: Vec::new(),
            started: Instant::now(),
            first_step: step,
            window: (Instant::now(), 0),
            own_hotkey: opts
                .network
                .as_ref()
                .map(|n| ss58_encode(&n.key.public(), SS58_PREFIX)),
            text: corpus.train,
            valid_loss: 0.0,
            shared: peers.shared,
            metrics: peers.metrics,
            opts,
            trainer,
            step,
            grads,
            peers,
        }
    }

    /// Waits for `--min-peers`, evaluates, then steps until done; returns the summary.
    pub fn run(mut self) -> Result<Summary> {
        if let Some(n) = self.opts.network.as_ref().filter(|n| n.min_peers > 0) {
            self.peers.wait_for(n.min_peers);
        }
        self.valid_loss = self.evaluate();
        self.curve.push((self.step, self.valid_loss));
        while !self.done() {
            let c = self.opts.model;
            let batch = data::sample(&self.text, self.opts.batch, c.context, &mut self.rng);
            let (slots, reps) = self.peers.query(&batch.tokens, batch.rows);
            let remote = self.remote_grads();
            let own = self.shared.own();
            let self_weight = own.map(|(_, stake)| stake.max(1) as f64).unwrap_or(1.0);
            let report = self.trainer.step(&batch, &reps, &remote, self_weight);
            self.step += 1;
            self.score(&slots, &reps, &report, own.map(|(uid, _)| uid), batch.rows);
            self.peers.send_grads(&slots, &report.peer_grads, &batch);
            self.count(batch.rows, report.loss);
            if self.step.is_multiple_of(SERVE_EVERY) {
                self.peers.serve(&self.trainer);
            }
            if self.step.is_multiple_of(self.opts.eval_every) || self.opts.steps == Some(self.step)
            {
                self.progress(report.loss, &slots, &reps);
            }
            self.checkpoint_if_due()?;
        }
        self.finish()
    }

    /// Whether a signal stopped the learner or it took its steps.
    fn done(&self) -> bool {
        self.shared.stopping() || self.opts.steps.is_some_and(|s| self.step >= s)
    }

    /// The gradients callers sent since the last step, at most [`REMOTE_PER_STEP`].
    fn remote_grads(&mut self) -> Vec<RemoteGrad> {
        let mut remote = Vec::new();
        while remote.len() < REMOTE_PER_STEP {
            match self.grads.try_recv() {
                Ok(g) => remote.push(g),
                Err(_) => break,
            }
        }
        remote
    }

    /// Scores the peers (and the learner itself, as `own_uid`) by eq. 9: how much each
    /// representation lowered the loss.
    fn score(
        &self,
        slots: &[Option<Peer>],
        reps: &[Option<Vec<f32>>],
        report: &StepReport,
        own_uid: Option<u16>,
        rows: usize,
    ) {
        let width = self.opts.model.width;
        let (true, Ok(mut scores)) = (self.opts.network.is_some(), self.shared.scores.lock())
        else {
            return;
        };
        for (slot, peer) in slots.iter().enumerate() {
            if let (Some(p), Some(rep), Some(g)) = (peer, &reps[slot], &report.peer_grads[slot]) {
                let delta = contribution(rep, g, rows, width);
                scores.record(p.uid, &ss58_encode(&p.hotkey, SS58_PREFIX), delta);
            }
        }
        if let (Some(uid), Some(hk)) = (own_uid, &self.own_hotkey) {
            let delta = contribution(&report.local, &report.local_grad, rows, width);
            scores.record(uid, hk, delta);
        }
    }

    /// Counts a step of `rows` rows with training loss `loss`.
    fn count(&mut self, rows: usize, loss: f64) {
        self.window.1 += rows as u64;
        let step = self.step;
        self.metrics.update(|m| {
            m.steps = step;
            m.tokens += rows as u64;
            m.train_loss = loss;
        });
    }

    /// The mean validation loss, with the peers' representations of each batch.
    fn evaluate(&self) -> f64 {
        let mut total = 0.0;
        for b in &self.valid {
            let (_, reps) = self.peers.query(&b.tokens, b.rows);
            total += self.trainer.evaluate(b, &reps);
        }
        total / self.valid.len().max(1) as f64
    }

    /// Evaluates, and logs and publishes the progress since the last evaluation.
    fn progress(&mut self, train_loss: f64, slots: &[Option<Peer>], reps: &[Option<Vec<f32>>]) {
        let valid_loss = self.evaluate();
        self.valid_loss = valid_loss;
        self.curve.push((self.step, valid_loss));
        let rate = self.window.1 as f64 / self.window.0.elapsed().as_secs_f64().max(1e-9);
        self.window = (Instant::now(), 0);
        let answered = reps.iter().flatten().count();
        self.metrics.update(|m| {
            m.valid_loss = Some(valid_loss);
            m.tokens_per_second = rate;
        });
        tracing::info!(
            step = self.step,
            train_loss = format!("{train_loss:.4}"),
            validation_loss = format!("{valid_loss:.4}"),
            tokens_per_second = format!("{rate:.0}"),
            peers = format!("{answered}/{}", slots.iter().flatten().count()),
            "progress"
        );
        if let Ok(s) = self.shared.scores.lock() {
            let by_uid: std::collections::BTreeMap<u16, (String, f64)> = s
                .iter()
                .map(|(u, sc)| (u, (sc.hotkey.clone(), sc.value)))
                .collect();
            self.metrics.update(|m| m.scores = by_uid);
        }
    }

    /// Checkpoints every `--checkpoint-every` steps.
    fn checkpoint_if_due(&self) -> Result<()> {
        match &self.opts.checkpoint {
            Some(path) if self.step.is_multiple_of(self.opts.checkpoint_every) => {
                save(path, &self.trainer, self.step, self.shared)
            }
            _ => Ok(()),
        }
    }

    /// The last checkpoint, and the summary.
    fn finish(self) -> Result<Summary> {
        if let Some(path) = &self.opts.checkpoint {
            save(path, &self.trainer, self.step, self.shared)?;
        }
        let elapsed = self.started.elapsed().as_secs_f64().max(1e-9);
        let snap = self.metrics.snapshot();
        let step = self.step;
        Ok(Summary {
            steps: step,
            validation_loss: self.valid_loss,
            validation_step: self.curve.last().map(|(s, _)| *s).unwrap_or(step),
            tokens_per_second: (step - self.first_step) as f64 * self.opts.batch as f64 / elapsed,
            curve: self.curve,
            scores: self
                .shared
                .scores
                .lock()
                .map(|s| s.iter().map(|(u, sc)| (u, sc.value)).collect())
                .unwrap_or_default(),
            weights: snap.weights.into_iter().collect(),
            weights_block: snap.weights_block,
            uid: self.shared.own().map(|(u, _)| u),
        })
    }
}
