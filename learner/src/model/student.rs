//! The distilled student (seed 000 §2.8): what it is, how it learns from the gate's
//! combination of the peers' answers, and how it stands in for peers that do not answer.

use super::{batch_tensors, ModelConfig, Routed, Trainer};
use crate::data::{Batch, VOCAB};
use burn::module::Module;
use burn::nn::{Embedding, EmbeddingConfig, Linear, LinearConfig};
use burn::optim::{GradientsParams, Optimizer};
use burn::tensor::activation::{log_softmax, relu};
use burn::tensor::backend::{AutodiffBackend, Backend};
use burn::tensor::{ElementConversion, Int, Tensor, TensorData};

/// Hidden width of the distilled student.
pub const STUDENT_HIDDEN: usize = 64;
/// Distillation steps before the student stands in for peers that do not answer.
pub const STUDENT_READY: u64 = 200;

/// The distilled student (seed 000 §2.8): from the token window alone, it predicts the
/// gate's combination of the peers' normalised representations (a vector of width `H`,
/// not bounded: a softmax-weighted sum of unit-RMS vectors), so it can stand in for the
/// network when the peers do not answer. It is a byte MLP like the encoder, smaller, with
/// a linear output.
#[derive(Module, Debug)]
pub struct Student<B: Backend> {
    embed: Embedding<B>,
    hidden: Linear<B>,
    out: Linear<B>,
}

impl<B: Backend> Student<B> {
    /// A freshly initialised student.
    pub fn new(config: &ModelConfig, device: &B::Device) -> Self {
        Self {
            embed: EmbeddingConfig::new(VOCAB, config.embed).init(device),
            hidden: LinearConfig::new(config.context * config.embed, STUDENT_HIDDEN).init(device),
            out: LinearConfig::new(STUDENT_HIDDEN, config.width).init(device),
        }
    }

    /// Its stand-in for the combination `[B, H]` of token windows `[B, K]`.
    pub fn forward(&self, tokens: Tensor<B, 2, Int>) -> Tensor<B, 2> {
        let [rows, context] = tokens.dims();
        let e = self.embed.forward(tokens);
        let [_, _, width] = e.dims();
        self.out.forward(relu(
            self.hidden.forward(e.reshape([rows, context * width])),
        ))
    }
}

impl<B: AutodiffBackend> Trainer<B> {
    /// One distillation step of the student (seed 000 eq. 11) on the rows where the gate's
    /// combination came from peers that answered (not probes): the KL divergence from the
    /// head's prediction with the peers' combination to its prediction with the student's,
    /// plus the squared error between the two combinations (which keeps the student a good
    /// stand-in as the head moves). Only the student learns from it. Returns the loss
    /// (None: no such rows).
    pub(super) fn distil(
        &mut self,
        batch: &Batch,
        routed: &Routed,
        local: Tensor<B, 2>,
    ) -> Option<f64> {
        let rows_mask = routed.distil_rows();
        let n = rows_mask.iter().filter(|v| **v > 0.0).count();
        if n == 0 {
            return None;
        }
        let c = self.config;
        let device = &self.device;
        let rows = routed.rows;
        let (tokens, _) = batch_tensors::<B>(batch, c.context, device);
        let (reps, columns, mask) = routed.tensors::<B>(c.width, device);
        let (teacher, _) = self.head.combine(local.clone(), reps, columns, mask);
        let teacher = teacher.detach();
        let target = log_softmax(self.head.predict(local.clone(), teacher.clone()), 1).detach();
        let student = self.student.forward(tokens);
        let predicted = log_softmax(self.head.predict(local, student.clone()), 1);
        let kl = (target.clone().exp() * (target - predicted))
            .sum_dim(1)
            .reshape([rows]);
        let mse = (student - teacher).square().mean_dim(1).reshape([rows]);
        let weights: Tensor<B, 1> = Tensor::from_data(TensorData::new(rows_mask, [rows]), device);
        let loss = ((kl + mse) * weights).sum() / n as f64;
        let value: f64 = loss.clone().into_scalar().elem();
        let grads = GradientsParams::from_grads(loss.backward(), &self.student);
        self.student = self.student_opt.step(self.lr, self.student.clone(), grads);
        self.student_steps += 1;
        Some(value)
    }

    /// Whether the student has learnt enough to stand in for peers that do not answer.
    pub fn student_ready(&self) -> bool {
        self.student_steps >= STUDENT_READY
    }

    /// The student's stand-in for the rows `routed` marks, as [`Head::forward`] takes it.
    pub(super) fn stand_in<C: Backend>(
        student: &Student<C>,
        routed: &Routed,
        tokens: Tensor<C, 2, Int>,
        device: &C::Device,
    ) -> Option<(Tensor<C, 2>, Tensor<C, 2>)> {
        let rows = routed.stand_in_rows()?;
        let n = rows.len();
        let mask = Tensor::from_data(TensorData::new(rows, [n, 1]), device);
        Some((student.forward(tokens).detach(), mask))
    }
}
