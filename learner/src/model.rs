//! The model: a byte-level next-token predictor split where peers meet.
//!
//! ```text
//! tokens [B, K] ─ Encoder ─ local representation d₀ [B, H] ──────────────┐
//!                                   │ gate: σ(Linear(H → P)) [B, P]       │
//! peers' representations d₁…d_P [B, P, H] ─ × gate ──────────── concat ─ Head ─ logits [B, 256]
//! ```
//!
//! - **Encoder** (what a learner serves to its peers): byte embeddings of the last `K`
//!   tokens, concatenated, through a hidden layer to a `tanh` representation of width `H`.
//! - **Head** (private): a learned gating over `P` peer slots (seed 000's "gating
//!   function": how much to listen to each peer, per example), then an MLP from the local
//!   and gated peer representations to next-token logits. A missing peer is a zero input.
//!
//! The training step ([`Trainer::step`]) runs two backward passes: one through the head,
//! whose leaves are the local and peer representations (their gradients score the peers,
//! [`crate::score`]), and one through the encoder with the gradients it was given, by the
//! head and by callers of its axon, combined as seed 004 eq. 3 weighs them.

use crate::data::{Batch, VOCAB};
use burn::module::{AutodiffModule, Module, Param};
use burn::nn::{Embedding, EmbeddingConfig, Linear, LinearConfig};
use burn::optim::{AdamConfig, GradientsParams, Optimizer};
use burn::tensor::activation::{log_softmax, relu, sigmoid, tanh};
use burn::tensor::backend::{AutodiffBackend, Backend};
use burn::tensor::{ElementConversion, Int, Tensor, TensorData};
use serde::{Deserialize, Serialize};

/// The model's sizes. Peers must agree on `context` and `width` to exchange
/// representations; the axon refuses requests of another shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelConfig {
    /// Tokens of context (K).
    pub context: usize,
    /// Byte-embedding width.
    pub embed: usize,
    /// Encoder hidden width.
    pub hidden: usize,
    /// Representation width (H): what peers exchange.
    pub width: usize,
    /// Peer slots in the head (P).
    pub slots: usize,
    /// Head hidden width.
    pub head_hidden: usize,
}

impl Default for ModelConfig {
    fn default() -> Self {
        Self {
            context: 8,
            embed: 16,
            hidden: 96,
            width: 32,
            slots: 8,
            head_hidden: 128,
        }
    }
}

/// The part of the model a learner serves.
#[derive(Module, Debug)]
pub struct Encoder<B: Backend> {
    embed: Embedding<B>,
    hidden: Linear<B>,
    out: Linear<B>,
}

/// The private part: gating over peers and the next-token predictor.
#[derive(Module, Debug)]
pub struct Head<B: Backend> {
    gate: Linear<B>,
    hidden: Linear<B>,
    out: Linear<B>,
}

impl<B: Backend> Encoder<B> {
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

impl<B: Backend> Head<B> {
    /// A freshly initialised head.
    pub fn new(config: &ModelConfig, device: &B::Device) -> Self {
        Self {
            gate: LinearConfig::new(config.width, config.slots).init(device),
            hidden: LinearConfig::new((config.slots + 1) * config.width, config.head_hidden)
                .init(device),
            out: LinearConfig::new(config.head_hidden, VOCAB).init(device),
        }
    }

    /// Next-token logits `[B, 256]` from the local representation `[B, H]` and the peers'
    /// `[B, P, H]`.
    pub fn forward(&self, local: Tensor<B, 2>, peers: Tensor<B, 3>) -> Tensor<B, 2> {
        let [rows, slots, width] = peers.dims();
        let gate = sigmoid(self.gate.forward(local.clone()));
        let gated = (peers * gate.unsqueeze_dim::<3>(2)).reshape([rows, slots * width]);
        let joined = Tensor::cat(vec![local, gated], 1);
        self.out.forward(relu(self.hidden.forward(joined)))
    }
}

/// Mean cross-entropy of `logits [B, V]` against `targets [B]`.
pub fn cross_entropy<B: Backend>(logits: Tensor<B, 2>, targets: Tensor<B, 1, Int>) -> Tensor<B, 1> {
    let [rows, _] = logits.dims();
    let picked = log_softmax(logits, 1).gather(1, targets.reshape([rows, 1]));
    picked.mean().neg()
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

/// Peer representations as `[rows, slots, width]`; a missing peer is zeros.
pub fn peers_tensor<B: Backend>(
    peers: &[Option<Vec<f32>>],
    rows: usize,
    slots: usize,
    width: usize,
    device: &B::Device,
) -> Tensor<B, 3> {
    let mut data = vec![0.0f32; rows * slots * width];
    for (slot, rep) in peers.iter().enumerate().take(slots) {
        if let Some(rep) = rep {
            for r in 0..rows {
                let dst = (r * slots + slot) * width;
                data[dst..dst + width].copy_from_slice(&rep[r * width..(r + 1) * width]);
            }
        }
    }
    Tensor::from_data(TensorData::new(data, [rows, slots, width]), device)
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
    /// The caller's weight in the combined step (its stake).
    pub weight: f64,
}

/// What one training step measured.
#[derive(Clone, Debug)]
pub struct StepReport {
    /// The batch's mean loss.
    pub loss: f64,
    /// The gradient of the batch-mean loss at each present peer's representation
    /// (`rows × width`), by slot.
    pub peer_grads: Vec<Option<Vec<f32>>>,
    /// The local representation and the gradient at it (for the self-contribution).
    pub local: Vec<f32>,
    /// The gradient at the local representation.
    pub local_grad: Vec<f32>,
}

/// What the head's backward pass leaves for the rest of the step.
struct HeadPass<B: AutodiffBackend> {
    grads: B::Gradients,
    local: Tensor<B, 2>,
    local_grad: Option<Tensor<B::InnerBackend, 2>>,
    report: StepReport,
}

/// The model and its optimisers on an autodiff backend.
pub struct Trainer<B: AutodiffBackend> {
    /// Sizes.
    pub config: ModelConfig,
    /// The served part.
    pub encoder: Encoder<B>,
    /// The private part.
    pub head: Head<B>,
    encoder_opt: burn::optim::adaptor::OptimizerAdaptor<burn::optim::Adam, Encoder<B>, B>,
    head_opt: burn::optim::adaptor::OptimizerAdaptor<burn::optim::Adam, Head<B>, B>,
    /// The learning rate.
    pub lr: f64,
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
            lr,
            device,
        }
    }

    /// One step on `batch` with the peers' representations (by slot; `None`: absent) and
    /// the gradients callers sent since the last step.
    ///
    /// The encoder's step is seed 004 eq. 3: the gradient from the learner's own loss
    /// (weight `self_weight`) and each caller's (its `weight`), averaged by those weights.
    pub fn step(
        &mut self,
        batch: &Batch,
        peers: &[Option<Vec<f32>>],
        remote: &[RemoteGrad],
        self_weight: f64,
    ) -> StepReport {
        let c = self.config;
        let width = c.width;
        let pass = self.head_pass(batch, peers);
        let head_grads = GradientsParams::from_grads(pass.grads, &self.head);
        self.head = self.head_opt.step(self.lr, self.head.clone(), head_grads);
        let (local, local_grad, report) = (pass.local, pass.local_grad, pass.report);
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
        report
    }

    /// The loss on `batch` and its gradients at the representations, without training
    /// (what [`crate::score::contribution`] takes).
    pub fn input_gradients(&self, batch: &Batch, peers: &[Option<Vec<f32>>]) -> StepReport {
        self.head_pass(batch, peers).report
    }

    /// Pass 1: the head, with the local and peer representations as leaves.
    fn head_pass(&self, batch: &Batch, peers: &[Option<Vec<f32>>]) -> HeadPass<B> {
        let c = self.config;
        let rows = batch.rows;
        let width = c.width;
        let (tokens, targets) = batch_tensors::<B>(batch, c.context, &self.device);
        let local = self.encoder.forward(tokens);
        let local_leaf = local.clone().detach().require_grad();
        let peers_leaf =
            peers_tensor::<B>(peers, rows, c.slots, c.width, &self.device).require_grad();
        let loss = cross_entropy(
            self.head.forward(local_leaf.clone(), peers_leaf.clone()),
            targets,
        );
        let loss_value: f64 = loss.clone().into_scalar().elem();
        let grads = loss.backward();
        let local_grad = local_leaf.grad(&grads);
        let peers_grad = peers_leaf.grad(&grads).map(to_vec);
        let peer_grads = peers
            .iter()
            .enumerate()
            .take(c.slots)
            .map(|(slot, rep)| {
                let all = peers_grad.as_ref()?;
                rep.as_ref()?;
                let mut g = vec![0.0f32; rows * width];
                for r in 0..rows {
                    let src = (r * c.slots + slot) * width;
                    g[r * width..(r + 1) * width].copy_from_slice(&all[src..src + width]);
                }
                Some(g)
            })
            .collect();
        let report = StepReport {
            loss: loss_value,
            peer_grads,
            local: to_vec(local.clone().inner()),
            local_grad: local_grad.clone().map(to_vec).unwrap_or_default(),
        };
        HeadPass {
            grads,
            local,
            local_grad,
            report,
        }
    }

    /// The encoder without autodiff, to serve from.
    pub fn serving_encoder(&self) -> Encoder<B::InnerBackend> {
        self.encoder.valid()
    }

    /// The mean loss on `batch` with the given peer representations (no training).
    pub fn evaluate(&self, batch: &Batch, peers: &[Option<Vec<f32>>]) -> f64 {
        evaluate(
            &self.encoder.valid(),
            &self.head.valid(),
            &self.config,
            batch,
            peers,
        )
    }
}

/// The mean loss of `encoder` + `head` on `batch`.
pub fn evaluate<B: Backend>(
    encoder: &Encoder<B>,
    head: &Head<B>,
    config: &ModelConfig,
    batch: &Batch,
    peers: &[Option<Vec<f32>>],
) -> f64 {
    let device = encoder.devices().into_iter().next().unwrap_or_default();
    let (tokens, targets) = batch_tensors::<B>(batch, config.context, &device);
    let local = encoder.forward(tokens);
    let p = peers_tensor::<B>(peers, batch.rows, config.slots, config.width, &device);
    cross_entropy(head.forward(local, p), targets)
        .into_scalar()
        .elem()
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

/// Named parameters, for checkpoints: `(name, shape, values)`.
pub type NamedTensors = Vec<(String, Vec<usize>, Vec<f32>)>;

fn push_linear<B: Backend>(out: &mut NamedTensors, name: &str, l: &Linear<B>) {
    let w = l.weight.val();
    out.push((format!("{name}.weight"), w.dims().to_vec(), to_vec(w)));
    if let Some(b) = &l.bias {
        let b = b.val();
        out.push((format!("{name}.bias"), b.dims().to_vec(), to_vec(b)));
    }
}

fn take<B: Backend, const D: usize>(
    map: &mut std::collections::BTreeMap<String, (Vec<usize>, Vec<f32>)>,
    name: &str,
    like: &Tensor<B, D>,
    device: &B::Device,
) -> Result<Param<Tensor<B, D>>, String> {
    let (shape, values) = map
        .remove(name)
        .ok_or_else(|| format!("the checkpoint has no tensor {name}"))?;
    if shape != like.dims().to_vec() {
        return Err(format!(
            "the checkpoint's {name} has shape {shape:?} but this model's is {:?} (another --context or model size?)",
            like.dims()
        ));
    }
    Ok(Param::from_tensor(Tensor::from_data(
        TensorData::new(values, shape),
        device,
    )))
}

fn load_linear<B: Backend>(
    map: &mut std::collections::BTreeMap<String, (Vec<usize>, Vec<f32>)>,
    name: &str,
    l: &mut Linear<B>,
    device: &B::Device,
) -> Result<(), String> {
    l.weight = take(map, &format!("{name}.weight"), &l.weight.val(), device)?;
    if let Some(b) = &l.bias {
        let like = b.val();
        l.bias = Some(take(map, &format!("{name}.bias"), &like, device)?);
    }
    Ok(())
}

impl<B: AutodiffBackend> Trainer<B> {
    /// Every parameter, named.
    pub fn tensors(&self) -> NamedTensors {
        let mut out = Vec::new();
        let w = self.encoder.embed.weight.val();
        out.push(("encoder.embed.weight".into(), w.dims().to_vec(), to_vec(w)));
        push_linear(&mut out, "encoder.hidden", &self.encoder.hidden);
        push_linear(&mut out, "encoder.out", &self.encoder.out);
        push_linear(&mut out, "head.gate", &self.head.gate);
        push_linear(&mut out, "head.hidden", &self.head.hidden);
        push_linear(&mut out, "head.out", &self.head.out);
        out
    }

    /// Replaces every parameter with the named tensors (the optimisers start afresh).
    pub fn load_tensors(&mut self, tensors: NamedTensors) -> Result<(), String> {
        let mut map: std::collections::BTreeMap<_, _> =
            tensors.into_iter().map(|(n, s, v)| (n, (s, v))).collect();
        let d = self.device.clone();
        let mut enc = self.encoder.clone();
        let like = enc.embed.weight.val();
        enc.embed.weight = take(&mut map, "encoder.embed.weight", &like, &d)?;
        load_linear(&mut map, "encoder.hidden", &mut enc.hidden, &d)?;
        load_linear(&mut map, "encoder.out", &mut enc.out, &d)?;
        let mut head = self.head.clone();
        load_linear(&mut map, "head.gate", &mut head.gate, &d)?;
        load_linear(&mut map, "head.hidden", &mut head.hidden, &d)?;
        load_linear(&mut map, "head.out", &mut head.out, &d)?;
        if let Some(extra) = map.keys().next() {
            return Err(format!("the checkpoint has an unknown tensor {extra}"));
        }
        self.encoder = enc;
        self.head = head;
        self.encoder_opt = AdamConfig::new().init();
        self.head_opt = AdamConfig::new().init();
        Ok(())
    }
}
