//! The training loop: batches, the gate's choice of peers, their representations, steps,
//! scores, evaluations and checkpoints, until `--steps` or a signal.

use super::peers::{Asked, Peers};
use super::{Options, ScoreMode, Shared, Summary};
use crate::checkpoint::{self, Meta};
use crate::data::{self, Batch, Corpus, Rng};
use crate::error::{Error, Result};
use crate::metrics::Metrics;
use crate::model::{RemoteGrad, Routed, StepReport, Trainer};
use crate::route::{Router, Routing};
use crate::score::{ablation, contribution, Hotkey, Scores};
use burn::tensor::backend::AutodiffBackend;
use std::path::Path;
use std::time::Instant;
use tokio::sync::mpsc::Receiver;

/// The most gradients from callers applied in one step.
const REMOTE_PER_STEP: usize = 16;
/// Steps between two refreshes of the served encoder.
const SERVE_EVERY: u64 = 10;

/// What resuming gives: the trainer, its step, its scores and its gate columns' owners.
pub(super) type Resumed<B> = (Trainer<B>, u64, Scores, Vec<(usize, Hotkey)>);

/// A new trainer, or the one in `opts.checkpoint` when that exists.
pub(super) fn resume<B: AutodiffBackend>(opts: &Options, device: B::Device) -> Result<Resumed<B>> {
    let mut trainer = Trainer::<B>::new(opts.model, opts.lr, opts.seed, device);
    trainer.balance = opts.market.balance;
    let Some(path) = opts.checkpoint.as_ref().filter(|p| p.exists()) else {
        return Ok((trainer, 0, Scores::new(opts.score_rate), Vec::new()));
    };
    let (state, meta) = checkpoint::load(path)?;
    if meta.config != opts.model {
        return Err(Error::usage(format!(
            "the checkpoint {} is of another model ({:?}); move it away or use its sizes",
            path.display(),
            meta.config
        )));
    }
    trainer.load_state(state).map_err(Error::usage)?;
    if opts.offline && !trainer.student_ready() {
        return Err(Error::usage(format!(
            "the checkpoint {} has a student distilled on {} steps, fewer than the {} --offline needs: train it on a network longer",
            path.display(),
            trainer.student_steps,
            crate::model::STUDENT_READY
        )));
    }
    tracing::info!(step = meta.step, path = %path.display(), "resumed from the checkpoint");
    Ok((trainer, meta.step, meta.scores, meta.columns))
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
    /// The gate's noise and exploration.
    route_rng: Rng,
    router: Router,
    /// The generation of the peer list the router has.
    generation: u64,
    peers: Peers<'a>,
    shared: &'a Shared,
    metrics: &'a Metrics,
    /// Gradients that callers sent to the axon.
    grads: Receiver<RemoteGrad>,
    /// This learner's hotkey (in a network).
    own_hotkey: Option<Hotkey>,
    /// Validation losses: (step, loss).
    curve: Vec<(u64, f64)>,
    valid_loss: f64,
    started: Instant,
    /// Since the last evaluation: when it began and the rows trained on.
    window: (Instant, u64),
}

impl<'a, B: AutodiffBackend> TrainLoop<'a, B> {
    /// The loop of `trainer` at `step`, training on `corpus` and asking `peers`; `columns`
    /// are the gate columns' owners from a checkpoint.
    pub fn new(
        opts: &'a Options,
        corpus: Corpus,
        trainer: Trainer<B>,
        step: u64,
        columns: Vec<(usize, Hotkey)>,
        grads: Receiver<RemoteGrad>,
        peers: Peers<'a>,
    ) -> Self {
        let c = opts.model;
        let mut router = Router::new(
            c.max_peers,
            c.topk,
            opts.market.explore,
            opts.market.gate_noise,
        );
        router.restore(&columns);
        TrainLoop {
            valid: data::validation(&corpus.valid, opts.eval_batches, opts.batch, c.context),
            rng: Rng::new(opts.seed.wrapping_add(step)),
            route_rng: Rng::new(opts.seed.wrapping_mul(31).wrapping_add(step) ^ 0x6A7E),
            router,
            generation: u64::MAX,
            curve: Vec::new(),
            started: Instant::now(),
            first_step: step,
            window: (Instant::now(), 0),
            own_hotkey: opts.network.as_ref().map(|n| n.key.public()),
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
            let report = self.step_once();
            if self.step.is_multiple_of(SERVE_EVERY) {
                self.peers.serve(&self.trainer);
            }
            if self.step.is_multiple_of(self.opts.eval_every) || self.opts.steps == Some(self.step)
            {
                self.progress(report.loss);
            }
            self.checkpoint_if_due()?;
        }
        self.finish()
    }

    /// One batch: choose, ask, (ablate), step, score, send gradients.
    fn step_once(&mut self) -> StepReport {
        let c = self.opts.model;
        let batch = data::sample(&self.text, self.opts.batch, c.context, &mut self.rng);
        self.sync_peers();
        let routing = self.route(&batch, true);
        let mut asked = self.peers.ask(&batch, &routing, &self.router);
        asked.routed.eligible = self.router.eligible(self.step);
        asked.routed.stand_in = self.stand_in();
        if self.ablation_due() {
            self.ablate(&batch, &asked);
        }
        let remote = self.remote_grads();
        let own = self.shared.own();
        let self_weight = own.map(|(_, stake)| stake.max(1) as f64).unwrap_or(1.0);
        let report = self
            .trainer
            .step(&batch, &asked.routed, &remote, self_weight);
        if report.undone {
            tracing::warn!(
                step = self.step,
                "a step's update was not finite and was undone"
            );
            self.metrics.update(|m| m.undone_steps += 1);
        }
        self.score(&asked, &report, batch.rows);
        self.peers
            .send_grads(&asked, &report.peer_grads, &batch, &self.router);
        self.step += 1;
        self.count(batch.rows, report.loss);
        report
    }

    /// Gives the router the peers the chain loop last found (resetting the gate of
    /// columns given to new hotkeys).
    fn sync_peers(&mut self) {
        let (generation, peers) = self.shared.peers();
        if generation == self.generation {
            return;
        }
        self.generation = generation;
        let (fresh, full) = self.router.sync(&peers);
        self.trainer.reset_gate(&fresh);
        if full > 0 {
            tracing::warn!(
                left_out = full,
                max_peers = self.router.capacity(),
                "more peers serve axons than this learner has gate columns for: raise --max-peers"
            );
        }
    }

    /// The gate's choice of peers for `batch` (with noise and exploration when training).
    fn route(&mut self, batch: &Batch, training: bool) -> Routing {
        let k = self.opts.model.topk;
        if !self.peers.networked() || self.router.eligible(self.step).is_empty() {
            return Routing::none(batch.rows, k);
        }
        let logits = self.trainer.gate_logits(batch);
        self.router.route(
            &logits,
            batch.rows,
            self.step,
            &mut self.route_rng,
            training,
        )
    }

    /// Whether this step measures the ablation scores.
    fn ablation_due(&self) -> bool {
        let m = self.opts.market;
        let every = match m.score {
            ScoreMode::Ablation => m.ablation_every.max(1),
            ScoreMode::Fisher => m.ablation_every,
        };
        every > 0 && self.peers.networked() && self.step.is_multiple_of(every)
    }

    /// Measures, for each peer that answered a probe, the real loss change of zeroing its
    /// input on its probe rows (before the step, as the Fisher score is).
    fn ablate(&self, batch: &Batch, asked: &Asked) {
        let k = asked.routed.k;
        let probed: Vec<(Hotkey, Vec<usize>)> = asked
            .outcomes
            .iter()
            .filter(|(_, (_, ok))| *ok)
            .filter_map(|(col, (positions, _))| {
                let probes = asked.probes(positions);
                let hotkey = self.router.column(*col)?.hotkey;
                (!probes.is_empty()).then_some((hotkey, probes))
            })
            .collect();
        if probed.is_empty() {
            return;
        }
        let groups: Vec<Vec<usize>> = probed.iter().map(|(_, p)| p.clone()).collect();
        let (with, without) = self.trainer.ablations(batch, &asked.routed, &groups);
        let Ok(mut scores) = self.shared.ablation.lock() else {
            return;
        };
        for ((hotkey, positions), without) in probed.iter().zip(without) {
            let rows: Vec<usize> = positions.iter().map(|p| p / k).collect();
            let pick = |v: &[f64]| rows.iter().map(|r| v[*r]).collect::<Vec<_>>();
            scores.record(*hotkey, ablation(&pick(&without), &pick(&with)));
        }
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

    /// Scores each peer probed by eq. 9 on its probe rows (a peer asked that did not answer
    /// loses score and backs off), and the learner itself on every row.
    fn score(&mut self, asked: &Asked, report: &StepReport, rows: usize) {
        let width = self.opts.model.width;
        let Some(own) = self.own_hotkey else { return };
        let (Ok(mut scores), Ok(mut abl)) =
            (self.shared.scores.lock(), self.shared.ablation.lock())
        else {
            return;
        };
        for (col, (positions, ok)) in &asked.outcomes {
            let Some(hotkey) = self.router.column(*col).map(|c| c.hotkey) else {
                continue;
            };
            if *ok {
                self.router.answered(*col);
                let probes = asked.probes(positions);
                if !probes.is_empty() {
                    let d = Asked::gather(&asked.routed.reps, &probes, width);
                    let g = Asked::gather(&report.peer_grads, &probes, width);
                    scores.record(hotkey, contribution(&d, &g, rows, width));
                }
            } else {
                self.router.failed(*col, self.step);
                scores.fail(hotkey);
                abl.fail(hotkey);
            }
        }
        let own_delta = contribution(&report.local, &report.local_grad, rows, width);
        scores.record(own, own_delta);
        abl.record(own, own_delta);
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

    /// The mean validation loss, each batch with the peers the gate chooses (no noise, no
    /// exploration).
    fn evaluate(&mut self) -> f64 {
        let mut total = 0.0;
        let valid = std::mem::take(&mut self.valid);
        for b in &valid {
            self.sync_peers();
            let routing = self.route(b, false);
            let mut asked = self.peers.ask(b, &routing, &self.router);
            asked.routed.stand_in = self.stand_in();
            total += self.trainer.evaluate(b, &asked.routed);
        }
        self.valid = valid;
        total / self.valid.len().max(1) as f64
    }

    /// Whether the student stands in for peers that do not answer: with `--offline`, and
    /// in a network once it has learnt enough.
    fn stand_in(&self) -> bool {
        self.opts.offline || (self.peers.networked() && self.trainer.student_ready())
    }

    /// The validation loss with no peer at all: with the student standing in for every
    /// one (`student`), or with nothing in their place.
    fn evaluate_without_peers(&self, student: bool) -> f64 {
        let c = self.opts.model;
        let total: f64 = self
            .valid
            .iter()
            .map(|b| {
                let mut routed = Routed::alone(b.rows, c.topk, c.width);
                routed.stand_in = student;
                self.trainer.evaluate(b, &routed)
            })
            .sum();
        total / self.valid.len().max(1) as f64
    }

    /// Evaluates, and logs and publishes the progress since the last evaluation.
    fn progress(&mut self, train_loss: f64) {
        let valid_loss = self.evaluate();
        self.valid_loss = valid_loss;
        self.curve.push((self.step, valid_loss));
        let rate = self.window.1 as f64 / self.window.0.elapsed().as_secs_f64().max(1e-9);
        self.window = (Instant::now(), 0);
        self.metrics.update(|m| {
            m.valid_loss = Some(valid_loss);
            m.tokens_per_second = rate;
        });
        let snap = self.metrics.snapshot();
        tracing::info!(
            step = self.step,
            train_loss = format!("{train_loss:.4}"),
            validation_loss = format!("{valid_loss:.4}"),
            tokens_per_second = format!("{rate:.0}"),
            peers = self.router.serving().count(),
            answered = format!("{}/{}", snap.peer_answers, snap.peer_queries),
            "progress"
        );
        let scores = self.shared.weighting();
        let reg = self.shared.registered();
        let by_uid = scores
            .iter()
            .filter_map(|(h, s)| {
                let hk = mindnet_client::keys::ss58_encode(h, mindnet_client::keys::SS58_PREFIX);
                Some((*reg.get(h)?, (hk, s.value)))
            })
            .collect();
        self.metrics.update(|m| m.scores = by_uid);
    }

    /// Checkpoints every `--checkpoint-every` steps.
    fn checkpoint_if_due(&self) -> Result<()> {
        match &self.opts.checkpoint {
            Some(path) if self.step.is_multiple_of(self.opts.checkpoint_every) => self.save(path),
            _ => Ok(()),
        }
    }

    /// Saves the trainer with the scores and the gate columns' owners.
    fn save(&self, path: &Path) -> Result<()> {
        checkpoint::save(
            path,
            &self.trainer.state(),
            &Meta {
                step: self.step,
                config: self.trainer.config,
                scores: self.shared.scores(),
                columns: self.router.table(),
            },
        )
    }

    /// The last checkpoint, and the summary.
    fn finish(self) -> Result<Summary> {
        if let Some(path) = &self.opts.checkpoint {
            self.save(path)?;
        }
        let elapsed = self.started.elapsed().as_secs_f64().max(1e-9);
        let snap = self.metrics.snapshot();
        let step = self.step;
        let ran = (step - self.first_step).max(1) as f64;
        let fisher = self.shared.scores();
        let abl = self.shared.ablation();
        let student_steps = self.trainer.student_steps;
        let student_validation_loss =
            (student_steps > 0).then(|| self.evaluate_without_peers(true));
        let unaided_validation_loss = self.evaluate_without_peers(false);
        Ok(Summary {
            student_steps,
            student_validation_loss,
            unaided_validation_loss,
            steps: step,
            validation_loss: self.valid_loss,
            validation_step: self.curve.last().map(|(s, _)| *s).unwrap_or(step),
            tokens_per_second: (step - self.first_step) as f64 * self.opts.batch as f64 / elapsed,
            curve: self.curve,
            scores: self.shared.by_uid(&fisher, |s| s.value),
            ablation_scores: self.shared.by_uid(&abl, |s| s.value),
            evidence: self.shared.by_uid(&fisher, |s| s.batches),
            peer_bytes_per_step: (snap.peer_bytes_out + snap.peer_bytes_in) as f64 / ran,
            peer_bytes_out_per_step: snap.peer_bytes_out as f64 / ran,
            weights: snap.weights.into_iter().collect(),
            weights_block: snap.weights_block,
            uid: self.shared.own().map(|(u, _)| u),
        })
    }
}
