//! The model: a byte-level next-token predictor split where peers meet.
//!
//! ```text
//! tokens [B, K] ─ Encoder ─ local representation d₀ [B, H] ─────────────────────────┐
//!                              │ gate: Linear(H → P) logits [B, P] (P gate columns)   │
//!                              └─ noisy top-k per example ([`crate::route`])          │
//! the k peers' answers d_j [B, k, H] ─ RMS-normalised ─ × softmax(top-k logits) ─ Σ ─ concat ─ Head ─ logits [B, 256]
//! ```
//!
//! - **Encoder** (what a learner serves to its peers): byte embeddings of the last `K`
//!   tokens, concatenated, through a hidden layer to a `tanh` representation of width `H`,
//!   so every value is in [-1, 1], the range the wire protocol fixes ([`crate::wire`]).
//! - **Head** (private): the gate gives each of `P` peers (gate columns, keyed by hotkey)
//!   a logit per example; the `k` chosen peers' representations are each normalised to unit
//!   RMS (so no peer weighs more by answering louder) and combined with the softmax of
//!   their logits and a null choice of logit 0 (seed 000 §2.7's sparse gating; the null
//!   choice lets the gate turn down a peer alone on its row); an MLP maps the local and the combined
//!   representation to next-token logits. A peer that did not answer is masked out of the
//!   softmax. Shazeer et al.'s importance loss (the squared coefficient of variation of the
//!   gate's total weight per eligible peer, weighted by `balance`) keeps the gate from
//!   collapsing onto a few peers.
//!
//! - **Student** ([`student`]): a small model distilled from the gate's combination, standing
//!   in for peers that do not answer; [`state`] is what a checkpoint holds of a trainer.
//!
//! The training step ([`Trainer::step`]) runs two backward passes: one through the head,
//! whose leaves are the local and peer representations (their gradients score the peers,
//! [`crate::score`]), and one through the encoder with the gradients it was given, by the
//! head and by callers of its axon, combined as seed 004 eq. 3 weighs them. A step whose
//! update would leave a parameter non-finite is undone (model and optimiser state).

use crate::data::{Batch, VOCAB};
use crate::transformer::{TransformerConfig, TransformerEncoder};
use burn::module::{AutodiffModule, Module, ModuleVisitor, Param};
use burn::nn::{Embedding, EmbeddingConfig, Initializer, Linear, LinearConfig};
use burn::optim::{AdamConfig, GradientsParams, Optimizer};
use burn::tensor::activation::{log_softmax, relu, softmax, tanh};
use burn::tensor::backend::{AutodiffBackend, Backend};
use burn::tensor::{ElementConversion, Int, Tensor, TensorData};
use serde::{Deserialize, Serialize};

/// The model's sizes. Peers must agree on `context` and `width` to exchange
/// representations; the axon refuses requests of another shape.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelConfig {
    /// The encoder.
    pub kind: ModelKind,
    /// The transformer's sizes (with `kind` transformer).
    pub transformer: TransformerConfig,
    /// Tokens of context (K).
    pub context: usize,
    /// Byte-embedding width.
    pub embed: usize,
    /// Encoder hidden width.
    pub hidden: usize,
    /// Representation width (H): what peers exchange.
    pub width: usize,
    /// Peers asked per example (k).
    pub topk: usize,
    /// Gate columns (P): the most peers a learner tracks at once.
    pub max_peers: usize,
    /// Head hidden width.
    pub head_hidden: usize,
}

impl Default for ModelConfig {
    fn default() -> Self {
        Self {
            kind: ModelKind::Mlp,
            transformer: TransformerConfig::default(),
            context: 8,
            embed: 16,
            hidden: 96,
            width: 32,
            topk: 4,
            max_peers: 1024,
            head_hidden: 128,
        }
    }
}

/// Which encoder a learner trains and serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum, Default)]
#[serde(rename_all = "lowercase")]
pub enum ModelKind {
    /// Byte embeddings of the window, concatenated, through an MLP (fast on a CPU).
    #[default]
    Mlp,
    /// A small causal transformer ([`crate::transformer`]).
    Transformer,
}

/// The part of the model a learner serves: either encoder, with the same interface.
#[derive(Module, Debug)]
pub enum Encoder<B: Backend> {
    /// The byte MLP.
    Mlp(MlpEncoder<B>),
    /// The causal transformer.
    Transformer(TransformerEncoder<B>),
}

/// The byte MLP encoder.
#[derive(Module, Debug)]
pub struct MlpEncoder<B: Backend> {
    embed: Embedding<B>,
    hidden: Linear<B>,
    out: Linear<B>,
}

/// The private part: the gate over peers and the next-token predictor.
#[derive(Module, Debug)]
pub struct Head<B: Backend> {
    gate: Linear<B>,
    hidden: Linear<B>,
    out: Linear<B>,
}

impl<B: Backend> Encoder<B> {
    /// A freshly initialised encoder of `config.kind`.
    pub fn new(config: &ModelConfig, device: &B::Device) -> Self {
        match config.kind {
            ModelKind::Mlp => Encoder::Mlp(MlpEncoder::new(config, device)),
            ModelKind::Transformer => Encoder::Transformer(TransformerEncoder::new(
                &config.transformer,
                config.context,
                config.width,
                device,
            )),
        }
    }

    /// Representations `[B, H]` of token windows `[B, K]`, each value in [-1, 1].
    pub fn forward(&self, tokens: Tensor<B, 2, Int>) -> Tensor<B, 2> {
        match self {
            Encoder::Mlp(e) => e.forward(tokens),
            Encoder::Transformer(e) => e.forward(tokens),
        }
    }
}

impl<B: Backend> MlpEncoder<B> {
    /// A freshly initialised encoder.
    pub fn new(config: &ModelConfig, device: &B::Device) -> Self {
        Self {
            embed: EmbeddingConfig::new(VOCAB, config.embed).init(device),
            hidden: LinearConfig::new(config.context * config.embed, config.hidden).init(device),
            out: LinearConfig::new(config.hidden, config.width).init(device),
        }
    }

    /// Representations `[B, H]` of token windows `[B, K]`.
    pub fn forward(&self, tokens: Tensor<B, 2, Int>) -> Tensor<B, 2> {
        let [rows, context] = tokens.dims();
        let e = self.embed.forward(tokens);
        let [_, _, width] = e.dims();
        let flat = e.reshape([rows, context * width]);
        tanh(self.out.forward(relu(self.hidden.forward(flat))))
    }
}

/// The RMS below which a peer's input is treated as zero when normalising.
const RMS_EPS: f32 = 1e-6;
/// What an absent peer's logit becomes before the softmax.
const MASKED: f64 = -1e4;

impl<B: Backend> Head<B> {
    /// A freshly initialised head; the gate starts at zero (every peer equal).
    pub fn new(config: &ModelConfig, device: &B::Device) -> Self {
        Self {
            gate: LinearConfig::new(config.width, config.max_peers)
                .with_initializer(Initializer::Zeros)
                .init(device),
            hidden: LinearConfig::new(2 * config.width, config.head_hidden).init(device),
            out: LinearConfig::new(config.head_hidden, VOCAB).init(device),
        }
    }

    /// The gate's logits `[B, P]` for every peer column.
    pub fn gate_logits(&self, local: Tensor<B, 2>) -> Tensor<B, 2> {
        self.gate.forward(local)
    }

    /// Next-token logits `[B, 256]` and the gate's weights `[B, k]`, from the local
    /// representation `[B, H]`, the chosen peers' normalised representations `[B, k, H]`
    /// ([`Routed::normalize`]), their gate columns `[B, k]` and whether each answered
    /// (`mask`, 1 or 0, `[B, k]`); with `stand_in` (the student's combination `[B, H]` and
    /// a `[B, 1]` row mask), the student's combination is added on the rows it marks
    /// (rows where no chosen peer answered).
    pub fn forward(
        &self,
        local: Tensor<B, 2>,
        peers: Tensor<B, 3>,
        columns: Tensor<B, 2, Int>,
        mask: Tensor<B, 2>,
        stand_in: Option<(Tensor<B, 2>, Tensor<B, 2>)>,
    ) -> (Tensor<B, 2>, Tensor<B, 2>) {
        let (mut combined, weights) = self.combine(local.clone(), peers, columns, mask);
        if let Some((student, rows)) = stand_in {
            combined = combined + student * rows;
        }
        (self.predict(local, combined), weights)
    }

    /// The gate's combination `[B, H]` of the chosen peers' answers and its weights `[B, k]`
    /// (see [`Head::forward`]).
    pub fn combine(
        &self,
        local: Tensor<B, 2>,
        peers: Tensor<B, 3>,
        columns: Tensor<B, 2, Int>,
        mask: Tensor<B, 2>,
    ) -> (Tensor<B, 2>, Tensor<B, 2>) {
        let [rows, _, width] = peers.dims();
        let chosen = self.gate.forward(local.clone()).gather(1, columns);
        let masked = chosen + (mask.clone() - 1.0) * (-MASKED);
        // A null choice with logit 0 joins the softmax, so the gate can turn a peer down
        // even when it is alone on its row (a probe): its weight is e^l / (1 + Σ e^l).
        let k = masked.dims()[1];
        let with_null = Tensor::cat(vec![masked, Tensor::zeros([rows, 1], &local.device())], 1);
        let weights = softmax(with_null, 1).slice([0..rows, 0..k]) * mask;
        let combined = (peers * weights.clone().unsqueeze_dim::<3>(2))
            .sum_dim(1)
            .reshape([rows, width]);
        (combined, weights)
    }

    /// Next-token logits `[B, 256]` from the local representation and a combination.
    pub fn predict(&self, local: Tensor<B, 2>, combined: Tensor<B, 2>) -> Tensor<B, 2> {
        let joined = Tensor::cat(vec![local, combined], 1);
        self.out.forward(relu(self.hidden.forward(joined)))
    }

    /// Zeroes the gate of `columns` (given to new peers); each parameter keeps its id.
    pub fn reset_columns(&mut self, columns: &[usize]) {
        let [_, cap] = self.gate.weight.val().dims();
        let cols: Vec<usize> = columns.iter().copied().filter(|c| *c < cap).collect();
        if cols.is_empty() {
            return;
        }
        self.gate.weight = self.gate.weight.clone().map(|t| zero_columns(t, &cols));
        if let Some(b) = self.gate.bias.take() {
            self.gate.bias = Some(b.map(|t: Tensor<B, 1>| {
                let [n] = t.dims();
                zero_columns(t.reshape([1, n]), &cols).reshape([n])
            }));
        }
    }
}

/// `t` (`[rows, cols]`) with `columns` set to zero, as a new leaf tensor.
fn zero_columns<B: Backend>(t: Tensor<B, 2>, columns: &[usize]) -> Tensor<B, 2> {
    let [rows, cols] = t.dims();
    let device = t.device();
    let mut values = to_vec(t);
    for r in 0..rows {
        for &c in columns {
            if let Some(v) = values.get_mut(r * cols + c) {
                *v = 0.0;
            }
        }
    }
    // A new leaf, tracked for training (a parameter's tensor must be).
    Tensor::from_data(TensorData::new(values, [rows, cols]), &device).require_grad()
}

/// Each row's cross-entropy `[B]` of `logits [B, V]` against `targets [B]`.
pub fn row_losses<B: Backend>(logits: Tensor<B, 2>, targets: Tensor<B, 1, Int>) -> Tensor<B, 1> {
    let [rows, _] = logits.dims();
    log_softmax(logits, 1)
        .gather(1, targets.reshape([rows, 1]))
        .reshape([rows])
        .neg()
}

/// Mean cross-entropy of `logits [B, V]` against `targets [B]`.
pub fn cross_entropy<B: Backend>(logits: Tensor<B, 2>, targets: Tensor<B, 1, Int>) -> Tensor<B, 1> {
    row_losses(logits, targets).mean()
}

/// Token windows as an `Int` tensor `[rows, context]`.
pub fn tokens_tensor<B: Backend>(
    tokens: &[u8],
    rows: usize,
    context: usize,
    device: &B::Device,
) -> Tensor<B, 2, Int> {
    let ints: Vec<i32> = tokens.iter().map(|t| i32::from(*t)).collect();
    Tensor::from_data(TensorData::new(ints, [rows, context]), device)
}

/// A batch's token windows `[rows, context]` and next tokens `[rows]` as tensors.
fn batch_tensors<B: Backend>(
    batch: &Batch,
    context: usize,
    device: &B::Device,
) -> (Tensor<B, 2, Int>, Tensor<B, 1, Int>) {
    let targets: Vec<i32> = batch.targets.iter().map(|t| i32::from(*t)).collect();
    (
        tokens_tensor::<B>(&batch.tokens, batch.rows, context, device),
        Tensor::from_data(TensorData::new(targets, [batch.rows]), device),
    )
}

/// The peers' answers for one batch, as the head takes them: `rows × k` positions (row
/// `r`'s `s`-th choice at `r × k + s`), each with its gate column, whether it answered, and
/// its representation (zeros when it did not).
#[derive(Clone, Debug, PartialEq)]
pub struct Routed {
    /// Rows.
    pub rows: usize,
    /// Choices per row.
    pub k: usize,
    /// The gate column of each position (0 where nobody was asked: masked anyway).
    pub columns: Vec<i32>,
    /// 1 where the position's peer answered, else 0.
    pub mask: Vec<f32>,
    /// `rows × k × width` representations (normalised once [`Routed::normalize`] ran).
    pub reps: Vec<f32>,
    /// Each position's RMS before normalising (1 before [`Routed::normalize`]).
    pub rms: Vec<f32>,
    /// The gate columns eligible this batch (the importance loss spreads weight over them).
    pub eligible: Vec<usize>,
    /// Whether each row is a probe (one peer alone on it): the student does not learn
    /// from those rows, whose combination is not the gate's.
    pub probe_rows: Vec<bool>,
    /// Whether the student stands in on rows where no chosen peer answered.
    pub stand_in: bool,
}

impl Routed {
    /// Nobody asked (a learner alone, or no peers yet).
    pub fn alone(rows: usize, k: usize, width: usize) -> Self {
        Routed {
            rows,
            k,
            columns: vec![0; rows * k],
            mask: vec![0.0; rows * k],
            reps: vec![0.0; rows * k * width],
            rms: vec![1.0; rows * k],
            eligible: Vec::new(),
            probe_rows: vec![false; rows],
            stand_in: false,
        }
    }

    /// Whether any chosen peer of row `r` answered.
    fn answered(&self, r: usize) -> bool {
        self.mask
            .get(r * self.k..(r + 1) * self.k)
            .is_some_and(|m| m.iter().any(|v| *v > 0.0))
    }

    /// The `[rows]` mask of the rows the student stands in on (no chosen peer answered),
    /// if it stands in on any.
    pub fn stand_in_rows(&self) -> Option<Vec<f32>> {
        if !self.stand_in {
            return None;
        }
        let rows: Vec<f32> = (0..self.rows)
            .map(|r| if self.answered(r) { 0.0 } else { 1.0 })
            .collect();
        rows.iter().any(|v| *v > 0.0).then_some(rows)
    }

    /// The `[rows]` mask of the rows the student learns from: some chosen peer answered,
    /// and the row is not a probe.
    pub fn distil_rows(&self) -> Vec<f32> {
        (0..self.rows)
            .map(|r| {
                let probe = self.probe_rows.get(r).copied().unwrap_or(false);
                if self.answered(r) && !probe {
                    1.0
                } else {
                    0.0
                }
            })
            .collect()
    }

    /// Scales each position's representation to unit RMS, so that no peer weighs more by
    /// answering louder (a zero answer stays zero). The head, the scores and the
    /// ablations all see the normalised inputs: removing a peer is zeroing its normalised
    /// input, whose first-order effect the Fisher score measures (the normalisation is
    /// scale-invariant, so along the raw input that term would vanish).
    pub fn normalize(&mut self, width: usize) {
        for (p, rep) in self.reps.chunks_mut(width).enumerate() {
            let ms = rep.iter().map(|v| v * v).sum::<f32>() / width as f32;
            let rms = (ms + RMS_EPS).sqrt();
            for v in rep.iter_mut() {
                *v /= rms;
            }
            if let Some(r) = self.rms.get_mut(p) {
                *r = rms;
            }
        }
    }

    /// The gradient at the raw representation of position `pos` from the gradient `g` at
    /// its normalised one: `(g − d̂ (d̂·g) / H) / rms` (the normalisation's Jacobian).
    pub fn raw_grad(&self, pos: usize, g: &[f32], width: usize) -> Vec<f32> {
        let Some(d) = self.reps.get(pos * width..(pos + 1) * width) else {
            return Vec::new();
        };
        let rms = self.rms.get(pos).copied().unwrap_or(1.0);
        let dot: f32 = d.iter().zip(g).map(|(a, b)| a * b).sum::<f32>() / width as f32;
        d.iter()
            .zip(g)
            .map(|(dh, gi)| (gi - dh * dot) / rms)
            .collect()
    }

    /// The same answers with the positions `zeroed` set to zero (an ablation).
    pub fn without(&self, zeroed: &[usize], width: usize) -> Self {
        let mut out = self.clone();
        for &p in zeroed {
            if let Some(rep) = out.reps.get_mut(p * width..(p + 1) * width) {
                rep.fill(0.0);
            }
        }
        out
    }

    fn tensors<B: Backend>(
        &self,
        width: usize,
        device: &B::Device,
    ) -> (Tensor<B, 3>, Tensor<B, 2, Int>, Tensor<B, 2>) {
        let (rows, k) = (self.rows, self.k);
        (
            Tensor::from_data(TensorData::new(self.reps.clone(), [rows, k, width]), device),
            Tensor::from_data(TensorData::new(self.columns.clone(), [rows, k]), device),
            Tensor::from_data(TensorData::new(self.mask.clone(), [rows, k]), device),
        )
    }
}

fn to_vec<B: Backend, const D: usize>(t: Tensor<B, D>) -> Vec<f32> {
    t.into_data()
        .convert::<f32>()
        .to_vec::<f32>()
        .unwrap_or_default()
}

/// A gradient a caller sent for this learner's representation of `tokens`.
#[derive(Clone, Debug)]
pub struct RemoteGrad {
    /// The caller's token windows, `rows × context`.
    pub tokens: Vec<u8>,
    /// The caller's gradient of its batch-mean loss at the representation, `rows × width`.
    pub grad: Vec<f32>,
    /// Rows.
    pub rows: usize,
    /// The caller's weight in the combined step (its counted stake).
    pub weight: f64,
}

/// What one training step measured.
#[derive(Clone, Debug)]
pub struct StepReport {
    /// The batch's mean loss.
    pub loss: f64,
    /// The gradient of the batch-mean loss at each position's representation (`rows × k ×
    /// width`, like [`Routed::reps`]).
    pub peer_grads: Vec<f32>,
    /// The local representation and the gradient at it (for the self-contribution).
    pub local: Vec<f32>,
    /// The gradient at the local representation.
    pub local_grad: Vec<f32>,
    /// Whether the update was undone because it left a parameter non-finite.
    pub undone: bool,
    /// The student's distillation loss this step (None: no row to learn from).
    pub distillation: Option<f64>,
}

/// What the head's backward pass leaves for the rest of the step.
struct HeadPass<B: AutodiffBackend> {
    grads: B::Gradients,
    local: Tensor<B, 2>,
    local_grad: Option<Tensor<B::InnerBackend, 2>>,
    report: StepReport,
}

/// Whether every parameter of a module is finite.
pub fn finite<B: Backend, M: Module<B>>(module: &M) -> bool {
    struct Check(bool);
    impl<B: Backend> ModuleVisitor<B> for Check {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
            if self.0 {
                let t = param.val();
                let bad: bool = t.clone().is_nan().any().into_scalar().elem::<bool>()
                    || t.is_inf().any().into_scalar().elem::<bool>();
                self.0 = !bad;
            }
        }
    }
    let mut check = Check(true);
    module.visit(&mut check);
    check.0
}

type Adam<M, B> = burn::optim::adaptor::OptimizerAdaptor<burn::optim::Adam, M, B>;

/// The model and its optimisers on an autodiff backend.
pub struct Trainer<B: AutodiffBackend> {
    /// Sizes.
    pub config: ModelConfig,
    /// The served part.
    pub encoder: Encoder<B>,
    /// The private part.
    pub head: Head<B>,
    encoder_opt: Adam<Encoder<B>, B>,
    head_opt: Adam<Head<B>, B>,
    /// The distilled student (private, like the head).
    pub student: Student<B>,
    student_opt: Adam<Student<B>, B>,
    /// Distillation steps taken (the student stands in from [`STUDENT_READY`] on).
    pub student_steps: u64,
    /// The learning rate.
    pub lr: f64,
    /// The importance loss's weight.
    pub balance: f64,
    /// The device.
    pub device: B::Device,
}

impl<B: AutodiffBackend> Trainer<B> {
    /// A new model, initialised from `seed`.
    pub fn new(config: ModelConfig, lr: f64, seed: u64, device: B::Device) -> Self {
        B::seed(&device, seed);
        Self {
            config,
            encoder: Encoder::new(&config, &device),
            head: Head::new(&config, &device),
            encoder_opt: AdamConfig::new().init(),
            head_opt: AdamConfig::new().init(),
            student: Student::new(&config, &device),
            student_opt: AdamConfig::new().init(),
            student_steps: 0,
            lr,
            balance: 0.001,
            device,
        }
    }

    /// The gate's logits `rows × P` for `batch` (no training): what the router chooses from.
    pub fn gate_logits(&self, batch: &Batch) -> Vec<f32> {
        let c = self.config;
        let (tokens, _) = batch_tensors::<B::InnerBackend>(batch, c.context, &self.device);
        let encoder = self.encoder.valid();
        let head = self.head.valid();
        to_vec(head.gate_logits(encoder.forward(tokens)))
    }

    /// Zeroes the gate of `columns` (given to new peers).
    pub fn reset_gate(&mut self, columns: &[usize]) {
        self.head.reset_columns(columns);
    }

    /// One step on `batch` with the chosen peers' answers and the gradients callers sent
    /// since the last step.
    ///
    /// The encoder's step is seed 004 eq. 3: the gradient from the learner's own loss
    /// (weight `self_weight`) and each caller's (its `weight`), averaged by those weights.
    /// If the update leaves any parameter non-finite, the model and the optimisers' state
    /// are put back as they were and the report says so.
    pub fn step(
        &mut self,
        batch: &Batch,
        routed: &Routed,
        remote: &[RemoteGrad],
        self_weight: f64,
    ) -> StepReport {
        let c = self.config;
        let width = c.width;
        let saved = (
            self.encoder.clone(),
            self.head.clone(),
            self.encoder_opt.clone(),
            self.head_opt.clone(),
        );
        let saved_student = (
            self.student.clone(),
            self.student_opt.clone(),
            self.student_steps,
        );
        let pass = self.head_pass(batch, routed, true);
        let head_grads = GradientsParams::from_grads(pass.grads, &self.head);
        self.head = self.head_opt.step(self.lr, self.head.clone(), head_grads);
        let (local, local_grad, mut report) = (pass.local, pass.local_grad, pass.report);
        report.distillation = self.distil(batch, routed, local.clone().detach());
        // Pass 2: the encoder, with the gradients it was given (eq. 3).
        let total_weight = self_weight + remote.iter().map(|r| r.weight).sum::<f64>();
        let mut surrogate = None;
        if let Some(g) = local_grad {
            let term = (local * Tensor::from_inner(g)).sum() * (self_weight / total_weight);
            surrogate = Some(term);
        }
        for r in remote {
            let t = tokens_tensor::<B>(&r.tokens, r.rows, c.context, &self.device);
            let rep = self.encoder.forward(t);
            let g: Tensor<B, 2> = Tensor::from_data(
                TensorData::new(r.grad.clone(), [r.rows, width]),
                &self.device,
            );
            let term = (rep * g).sum() * (r.weight / total_weight);
            surrogate = Some(match surrogate {
                Some(s) => s + term,
                None => term,
            });
        }
        if let Some(s) = surrogate {
            let grads = s.backward();
            let enc_grads = GradientsParams::from_grads(grads, &self.encoder);
            self.encoder = self
                .encoder_opt
                .step(self.lr, self.encoder.clone(), enc_grads);
        }
        if !(report.loss.is_finite()
            && finite(&self.encoder)
            && finite(&self.head)
            && finite(&self.student))
        {
            (self.encoder, self.head, self.encoder_opt, self.head_opt) = saved;
            (self.student, self.student_opt, self.student_steps) = saved_student;
            report.undone = true;
        }
        report
    }

    /// The loss on `batch` and its gradients at the representations, without training
    /// (what [`crate::score::contribution`] takes).
    pub fn input_gradients(&self, batch: &Batch, routed: &Routed) -> StepReport {
        self.head_pass(batch, routed, false).report
    }

    /// Pass 1: the head, with the local and peer representations as leaves (and, when
    /// `training`, the importance loss).
    fn head_pass(&self, batch: &Batch, routed: &Routed, training: bool) -> HeadPass<B> {
        let c = self.config;
        let (tokens, targets) = batch_tensors::<B>(batch, c.context, &self.device);
        let local = self.encoder.forward(tokens.clone());
        let local_leaf = local.clone().detach().require_grad();
        let (reps, columns, mask) = routed.tensors::<B>(c.width, &self.device);
        let peers_leaf = reps.require_grad();
        let stand_in = Self::stand_in(&self.student, routed, tokens, &self.device);
        let (logits, weights) = self.head.forward(
            local_leaf.clone(),
            peers_leaf.clone(),
            columns,
            mask,
            stand_in,
        );
        let ce = cross_entropy(logits, targets);
        let loss_value: f64 = ce.clone().into_scalar().elem();
        let loss = match self.importance(routed, weights) {
            Some(cv2) if training && self.balance > 0.0 => ce + cv2 * self.balance,
            _ => ce,
        };
        let grads = loss.backward();
        let local_grad = local_leaf.grad(&grads);
        let report = StepReport {
            loss: loss_value,
            peer_grads: peers_leaf.grad(&grads).map(to_vec).unwrap_or_default(),
            local: to_vec(local.clone().inner()),
            local_grad: local_grad.clone().map(to_vec).unwrap_or_default(),
            undone: false,
            distillation: None,
        };
        HeadPass {
            grads,
            local,
            local_grad,
            report,
        }
    }

    /// The squared coefficient of variation of the gate's total weight per eligible peer
    /// over the batch (Shazeer et al.'s importance loss), if two or more are eligible.
    fn importance(&self, routed: &Routed, weights: Tensor<B, 2>) -> Option<Tensor<B, 1>> {
        let n = routed.eligible.len();
        if n < 2 {
            return None;
        }
        let positions = routed.rows * routed.k;
        // One-hot `[positions, n]`: which eligible peer each position is.
        let mut onehot = vec![0.0f32; positions * n];
        for (p, col) in routed.columns.iter().enumerate() {
            if let Some(j) = routed.eligible.iter().position(|e| *e as i32 == *col) {
                onehot[p * n + j] = routed.mask[p];
            }
        }
        let onehot: Tensor<B, 2> =
            Tensor::from_data(TensorData::new(onehot, [positions, n]), &self.device);
        let importance = weights.reshape([1, positions]).matmul(onehot); // [1, n]
        let mean = importance.clone().mean();
        let var = (importance - mean.clone().reshape([1, 1])).square().mean();
        Some(var / (mean.square() + 1e-9))
    }

    /// Each row's loss on `batch` with the given answers (no training).
    pub fn row_losses(&self, batch: &Batch, routed: &Routed) -> Vec<f64> {
        self.ablations(batch, routed, &[]).0
    }

    /// Each row's loss on `batch` with the given answers, and with each group of
    /// positions in `zeroed` zeroed in turn (the encoder runs once; no training).
    pub fn ablations(
        &self,
        batch: &Batch,
        routed: &Routed,
        zeroed: &[Vec<usize>],
    ) -> (Vec<f64>, Vec<Vec<f64>>) {
        let c = self.config;
        let device = &self.device;
        let (tokens, targets) = batch_tensors::<B::InnerBackend>(batch, c.context, device);
        let local = self.encoder.valid().forward(tokens.clone());
        let head = self.head.valid();
        let student = self.student.valid();
        let losses = |r: &Routed| -> Vec<f64> {
            let (reps, columns, mask) = r.tensors::<B::InnerBackend>(c.width, device);
            let stand_in = Self::stand_in(&student, r, tokens.clone(), device);
            let (logits, _) = head.forward(local.clone(), reps, columns, mask, stand_in);
            to_vec(row_losses(logits, targets.clone()))
                .into_iter()
                .map(f64::from)
                .collect()
        };
        let with = losses(routed);
        let without = zeroed
            .iter()
            .map(|z| losses(&routed.without(z, c.width)))
            .collect();
        (with, without)
    }

    /// The encoder without autodiff, to serve from.
    pub fn serving_encoder(&self) -> Encoder<B::InnerBackend> {
        self.encoder.valid()
    }

    /// The mean loss on `batch` with the given answers (no training).
    pub fn evaluate(&self, batch: &Batch, routed: &Routed) -> f64 {
        let losses = self.row_losses(batch, routed);
        losses.iter().sum::<f64>() / losses.len().max(1) as f64
    }
}

/// Representations `rows × width` of `tokens` (`rows × context`), as served.
pub fn represent<B: Backend>(
    encoder: &Encoder<B>,
    tokens: &[u8],
    rows: usize,
    context: usize,
) -> Vec<f32> {
    let device = encoder.devices().into_iter().next().unwrap_or_default();
    to_vec(encoder.forward(tokens_tensor::<B>(tokens, rows, context, &device)))
}

mod state;
mod student;
pub use state::{NamedTensors, TrainerState};
pub use student::{Student, STUDENT_HIDDEN, STUDENT_READY};
