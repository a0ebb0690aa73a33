//! A small causal transformer encoder over bytes, a drop-in alternative to the MLP
//! [`Encoder`](crate::model::Encoder): the same `forward(tokens [rows, context]) →
//! representation [rows, width]` in `[-1, 1]`.
//!
//! ```text
//! tokens [R, K] ─ byte embedding ─┐
//!                                 + ─ K causal pre-norm blocks ─ LayerNorm ─ last position [R, D]
//! positions 0..K ─ pos. embedding ┘                                 ─ Linear(D → H) ─ tanh ─ [R, H]
//! ```
//!
//! - The blocks are burn's [`nn::transformer::TransformerEncoder`] (self-attention and a
//!   position-wise feed-forward, pre-norm) with an autoregressive mask
//!   ([`generate_autoregressive_mask`]): position `i` attends to positions `0..=i` only, so
//!   the last position's hidden state summarises the whole window, left to right.
//! - Positions are a learned [`Embedding`] over `context` slots.
//! - Every row of a batch is computed independently of the others (attention and layer norms
//!   work within a row).
//!
//! [`nn::transformer::TransformerEncoder`]: burn::nn::transformer::TransformerEncoder

use crate::data::VOCAB;
use burn::module::Module;
use burn::nn::attention::generate_autoregressive_mask;
use burn::nn::transformer::{
    TransformerEncoder as Blocks, TransformerEncoderConfig, TransformerEncoderInput,
};
use burn::nn::{Embedding, EmbeddingConfig, LayerNorm, LayerNormConfig, Linear, LinearConfig};
use burn::tensor::activation::tanh;
use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor};
use serde::{Deserialize, Serialize};

/// The transformer's sizes (the representation's width and the context are the model's,
/// given to [`TransformerEncoder::new`]).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct TransformerConfig {
    /// Hidden width of every position (`d_model`); a multiple of `heads`.
    pub d_model: usize,
    /// Attention heads per block.
    pub heads: usize,
    /// Transformer blocks.
    pub layers: usize,
    /// Width of the position-wise feed-forward layer.
    pub d_ff: usize,
    /// Dropout rate inside the blocks (only applied on an autodiff backend).
    pub dropout: f64,
}

impl Default for TransformerConfig {
    /// A tiny transformer that trains in seconds on a CPU: 2 blocks of width 64, 4 heads.
    fn default() -> Self {
        Self {
            d_model: 64,
            heads: 4,
            layers: 2,
            d_ff: 128,
            dropout: 0.0,
        }
    }
}

/// A causal transformer from byte windows `[rows, context]` to representations
/// `[rows, width]` in `[-1, 1]`.
#[derive(Module, Debug)]
pub struct TransformerEncoder<B: Backend> {
    /// Byte embeddings `[256, d_model]`.
    embed: Embedding<B>,
    /// Learned position embeddings `[context, d_model]`.
    position: Embedding<B>,
    /// The causal transformer blocks.
    blocks: Blocks<B>,
    /// The final layer norm (the blocks are pre-norm).
    norm: LayerNorm<B>,
    /// The last position's hidden state to the representation.
    out: Linear<B>,
}

impl<B: Backend> TransformerEncoder<B> {
    /// A freshly initialised encoder for windows of `context` bytes and representations of
    /// `width`.
    pub fn new(cfg: &TransformerConfig, context: usize, width: usize, device: &B::Device) -> Self {
        Self {
            embed: EmbeddingConfig::new(VOCAB, cfg.d_model).init(device),
            position: EmbeddingConfig::new(context.max(1), cfg.d_model).init(device),
            blocks: TransformerEncoderConfig::new(cfg.d_model, cfg.d_ff, cfg.heads, cfg.layers)
                .with_dropout(cfg.dropout)
                .with_norm_first(true)
                .init(device),
            norm: LayerNormConfig::new(cfg.d_model).init(device),
            out: LinearConfig::new(cfg.d_model, width).init(device),
        }
    }

    /// The number of positions the encoder has embeddings for.
    pub fn context(&self) -> usize {
        self.position.weight.shape()[0]
    }

    /// The representation's width.
    pub fn width(&self) -> usize {
        self.out.weight.shape()[1]
    }

    /// Representations `[rows, width]` of token windows `[rows, context]` (bytes).
    ///
    /// A window longer than the encoder's context is cut to its last `context` bytes; a
    /// shorter one uses the first positions. An empty window gives zeros.
    pub fn forward(&self, tokens: Tensor<B, 2, Int>) -> Tensor<B, 2> {
        let device = tokens.device();
        let [rows, given] = tokens.dims();
        let context = given.min(self.context());
        if rows == 0 || context == 0 {
            return Tensor::zeros([rows, self.width()], &device);
        }
        let tokens = tokens.slice([0..rows, given - context..given]);
        let d_model = self.position.weight.shape()[1];
        // [1, context, d_model], broadcast over the rows.
        let positions = self
            .position
            .weight
            .val()
            .slice([0..context, 0..d_model])
            .unsqueeze::<3>();
        let x = self.embed.forward(tokens) + positions;
        let mask = generate_autoregressive_mask::<B>(rows, context, &device);
        let h = self
            .blocks
            .forward(TransformerEncoderInput::new(x).mask_attn(mask));
        let last = h
            .slice([0..rows, context - 1..context, 0..d_model])
            .reshape([rows, d_model]);
        tanh(self.out.forward(self.norm.forward(last)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{cross_entropy, tokens_tensor};
    use burn::module::AutodiffModule;
    use burn::optim::{AdamConfig, GradientsParams, Optimizer};
    use burn::tensor::{ElementConversion, TensorData};

    type Cpu = burn::backend::Flex;
    type Train = burn::backend::Autodiff<Cpu>;

    fn values<Bk: Backend, const D: usize>(t: Tensor<Bk, D>) -> Vec<f32> {
        t.into_data().convert::<f32>().to_vec::<f32>().unwrap()
    }

    fn windows(text: &[u8], rows: usize, context: usize, offset: usize) -> (Vec<u8>, Vec<i32>) {
        let mut tokens = Vec::with_capacity(rows * context);
        let mut targets = Vec::with_capacity(rows);
        for r in 0..rows {
            let start = (offset + r * 7) % (text.len() - context - 1);
            tokens.extend_from_slice(&text[start..start + context]);
            targets.push(i32::from(text[start + context]));
        }
        (tokens, targets)
    }

    #[test]
    fn shape_and_range_for_context_64() {
        let device = Default::default();
        Cpu::seed(&device, 1);
        let enc = TransformerEncoder::<Cpu>::new(&TransformerConfig::default(), 64, 32, &device);
        assert_eq!((enc.context(), enc.width()), (64, 32));
        let text: Vec<u8> = (0..=255u8).cycle().take(64 * 3).collect();
        let out = enc.forward(tokens_tensor::<Cpu>(&text, 3, 64, &device));
        assert_eq!(out.dims(), [3, 32]);
        let v = values(out);
        assert!(v.iter().all(|x| x.is_finite() && (-1.0..=1.0).contains(x)));
        // Not a constant: different windows give different representations.
        assert!(v[..32]
            .iter()
            .zip(&v[32..64])
            .any(|(a, b)| (a - b).abs() > 1e-4));
    }

    #[test]
    fn longer_windows_are_cut_to_the_context() {
        let device = Default::default();
        let enc = TransformerEncoder::<Cpu>::new(&TransformerConfig::default(), 8, 16, &device);
        let text: Vec<u8> = b"abcdefghijkl".to_vec();
        let long = enc.forward(tokens_tensor::<Cpu>(&text, 1, 12, &device));
        let short = enc.forward(tokens_tensor::<Cpu>(&text[4..], 1, 8, &device));
        for (a, b) in values(long).iter().zip(values(short)) {
            assert!((a - b).abs() < 1e-5);
        }
        let empty = enc.forward(Tensor::<Cpu, 2, Int>::zeros([2, 0], &device));
        assert_eq!(values(empty), vec![0.0; 32]);
    }

    #[test]
    fn rows_are_independent() {
        let device = Default::default();
        Cpu::seed(&device, 2);
        let context = 16;
        let enc =
            TransformerEncoder::<Cpu>::new(&TransformerConfig::default(), context, 24, &device);
        let text = crate::data::BUNDLED.as_bytes();
        let (a, _) = windows(text, 4, context, 100);
        let (mut b, _) = windows(text, 4, context, 5000);
        // Row 2 is the same in both batches; every other row differs.
        b[2 * context..3 * context].copy_from_slice(&a[2 * context..3 * context]);
        let ra = values(enc.forward(tokens_tensor::<Cpu>(&a, 4, context, &device)));
        let rb = values(enc.forward(tokens_tensor::<Cpu>(&b, 4, context, &device)));
        let alone = values(enc.forward(tokens_tensor::<Cpu>(
            &a[2 * context..3 * context],
            1,
            context,
            &device,
        )));
        for i in 0..24 {
            assert!((ra[2 * 24 + i] - rb[2 * 24 + i]).abs() < 1e-5);
            assert!((ra[2 * 24 + i] - alone[i]).abs() < 1e-5);
        }
        assert!((0..24).any(|i| (ra[i] - rb[i]).abs() > 1e-4));
    }

    /// The encoder with a linear readout to next-byte logits.
    #[derive(Module, Debug)]
    struct Lm<B: Backend> {
        enc: TransformerEncoder<B>,
        readout: Linear<B>,
    }

    #[test]
    fn learns_next_bytes() {
        let device = Default::default();
        Train::seed(&device, 3);
        let (context, rows) = (16, 32);
        let mut lm = Lm::<Train> {
            enc: TransformerEncoder::new(&TransformerConfig::default(), context, 32, &device),
            readout: LinearConfig::new(32, VOCAB).init(&device),
        };
        let mut opt = AdamConfig::new().init::<Train, Lm<Train>>();
        let text = b"the quick brown fox jumps over the lazy dog. ".repeat(20);
        let mut losses = Vec::new();
        for step in 0..30 {
            let (tokens, targets) = windows(&text, rows, context, step * 13);
            let logits = lm.readout.forward(
                lm.enc
                    .forward(tokens_tensor::<Train>(&tokens, rows, context, &device)),
            );
            let targets = Tensor::from_data(TensorData::new(targets, [rows]), &device);
            let loss = cross_entropy(logits, targets);
            losses.push(loss.clone().into_scalar().elem::<f64>());
            let grads = GradientsParams::from_grads(loss.backward(), &lm);
            lm = opt.step(3e-3, lm, grads);
        }
        let first = losses[..3].iter().sum::<f64>() / 3.0;
        let last = losses[27..].iter().sum::<f64>() / 3.0;
        assert!(
            last < 0.6 * first,
            "the loss went from {first:.3} to {last:.3}: {losses:?}"
        );
        // The trained encoder still serves from the inner backend.
        let served = lm.enc.valid();
        let (tokens, _) = windows(&text, 2, context, 0);
        assert_eq!(
            served
                .forward(tokens_tensor::<Cpu>(&tokens, 2, context, &device))
                .dims(),
            [2, 32]
        );
    }
}
