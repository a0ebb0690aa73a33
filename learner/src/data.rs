//! Text, shards and batches.
//!
//! The tokenizer is byte-level: every byte is a token (vocabulary 256), so any UTF-8 text
//! works and nothing has to be learnt or shipped beside the model. A corpus is split in
//! two: the last [`VALIDATION_FRACTION`] is the validation text every learner shares (so
//! that losses compare), and the rest is cut into `n` contiguous shards of which a learner
//! trains on one (so that different peers hold different data).

use crate::error::{Error, Result};
use std::path::Path;

/// Tokens in the vocabulary (bytes).
pub const VOCAB: usize = 256;
/// The share of the corpus, at its end, kept for validation.
pub const VALIDATION_FRACTION: f64 = 0.05;

/// The text that ships with the learner: Shakespeare's plays as collected in
/// "tinyshakespeare" (public domain).
pub const BUNDLED: &str = include_str!("../data/shakespeare.txt");

/// A learner's data: its training shard and the shared validation text.
#[derive(Clone, Debug)]
pub struct Corpus {
    /// The training shard.
    pub train: Vec<u8>,
    /// The validation text (the same for every shard).
    pub valid: Vec<u8>,
}

/// Which shard of `count` a learner trains on (`index` from 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// This learner's shard.
    pub index: usize,
    /// How many shards the training text is cut into.
    pub count: usize,
}

impl std::str::FromStr for Shard {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let bad = || {
            Error::usage(format!(
                "--shard {s:?} is not a shard: write INDEX/COUNT with INDEX below COUNT, e.g. 0/4"
            ))
        };
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let index: usize = i.trim().parse().map_err(|_| bad())?;
        let count: usize = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Self { index, count })
    }
}

impl Corpus {
    /// Splits `text` into the validation tail and `shard` of the rest.
    pub fn from_text(text: &[u8], shard: Shard, context: usize) -> Result<Self> {
        let valid_len = ((text.len() as f64) * VALIDATION_FRACTION) as usize;
        let train_all = &text[..text.len() - valid_len];
        let per = train_all.len() / shard.count;
        let train = train_all[shard.index * per..(shard.index + 1) * per].to_vec();
        let valid = text[text.len() - valid_len..].to_vec();
        // Each part needs at least a few windows of context + 1 bytes.
        let need = (context + 1) * 8;
        if train.len() < need || valid.len() < need {
            return Err(Error::usage(format!(
                "the text is too short: {} bytes give a shard of {} bytes and {} for validation, and each needs at least {need}; use a longer --data file or fewer shards",
                text.len(),
                train.len(),
                valid.len()
            )));
        }
        Ok(Self { train, valid })
    }

    /// The bundled text, or the file at `path`.
    pub fn load(path: Option<&Path>, shard: Shard, context: usize) -> Result<Self> {
        match path {
            None => Self::from_text(BUNDLED.as_bytes(), shard, context),
            Some(p) => {
                let text = std::fs::read(p).map_err(|e| {
                    Error::usage(format!("cannot read the data file {}: {e}", p.display()))
                })?;
                Self::from_text(&text, shard, context)
            }
        }
    }
}

/// A batch: `rows` windows of `context` tokens, row-major, and the token after each.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Batch {
    /// `rows × context` input tokens.
    pub tokens: Vec<u8>,
    /// The next token of each row.
    pub targets: Vec<u8>,
    /// Rows in the batch.
    pub rows: usize,
    /// Tokens per row.
    pub context: usize,
}

/// SplitMix64: a small, fast, seedable generator (batches and noise must be reproducible
/// from a seed, and nothing here needs cryptographic randomness).
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// Uniform in [-1, 1).
    pub fn symmetric(&mut self) -> f32 {
        ((self.next_u64() >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
    }
}

/// `rows` random windows of `text`.
pub fn sample(text: &[u8], rows: usize, context: usize, rng: &mut Rng) -> Batch {
    let span = text.len() - context;
    let mut tokens = Vec::with_capacity(rows * context);
    let mut targets = Vec::with_capacity(rows);
    for _ in 0..rows {
        let start = rng.below(span);
        tokens.extend_from_slice(&text[start..start + context]);
        targets.push(text[start + context]);
    }
    Batch {
        tokens,
        targets,
        rows,
        context,
    }
}

/// The validation batches: `count` batches at fixed positions spread over `text`, the same
/// for every learner with the same text and sizes.
pub fn validation(text: &[u8], count: usize, rows: usize, context: usize) -> Vec<Batch> {
    let mut rng = Rng::new(0x05EE_D0F7_A11D);
    (0..count)
        .map(|_| sample(text, rows, context, &mut rng))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_are_disjoint_and_validation_is_shared() {
        let text: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
        let a = Corpus::from_text(&text, "0/2".parse().unwrap(), 8).unwrap();
        let b = Corpus::from_text(&text, "1/2".parse().unwrap(), 8).unwrap();
        assert_eq!(a.valid, b.valid);
        assert_eq!(a.valid.len(), 500);
        assert_eq!(a.train.len(), 4_750);
        assert_eq!(&text[..4_750], &a.train[..]);
        assert_eq!(&text[4_750..9_500], &b.train[..]);
    }

    #[test]
    fn bad_shards_and_short_texts_are_refused() {
        for bad in ["", "1", "2/2", "a/3", "0/0", "1/-1"] {
            let err = bad.parse::<Shard>().unwrap_err().to_string();
            assert!(err.contains("INDEX/COUNT"), "{bad}: {err}");
        }
        let err = Corpus::from_text(b"short text", Shard { index: 0, count: 1 }, 8)
            .unwrap_err()
            .to_string();
        assert!(err.contains("too short"), "{err}");
    }

    #[test]
    fn batches_are_windows_and_reproducible() {
        let text: Vec<u8> = (0..1_000u32).map(|i| (i % 200) as u8).collect();
        let b = sample(&text, 4, 5, &mut Rng::new(7));
        assert_eq!(b, sample(&text, 4, 5, &mut Rng::new(7)));
        for r in 0..4 {
            let row = &b.tokens[r * 5..(r + 1) * 5];
            // Consecutive bytes of the text (which counts up modulo 200).
            for w in row.windows(2) {
                assert_eq!((u32::from(w[0]) + 1) % 200, u32::from(w[1]));
            }
            assert_eq!((u32::from(row[4]) + 1) % 200, u32::from(b.targets[r]));
        }
        assert_eq!(validation(&text, 3, 4, 5), validation(&text, 3, 4, 5));
    }
}
