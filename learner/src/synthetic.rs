//! Synthetic peers with known usefulness: a test bed for the market.
//!
//! Peer `j` knows the text: asked for a window, it answers, with probability `p_j`, the
//! code of the byte that most often follows that window in the text (the truth), and
//! otherwise the code of a uniformly random byte (noise of the same form, so nothing but
//! its usefulness tells it apart). A byte's code is a fixed ±0.5 vector of the
//! representation's width, the same for every peer, derived from the byte by a hash. With
//! `p_j` spread over [0, 1], the market's ranking can be compared with the truth.
//!
//! [`serve`] runs many such peers from one process (`mindnet-learner peers`), each with
//! its own hotkey and axon, registered and announced on chain, plus adversaries.

use crate::data::Rng;
use std::collections::HashMap;

/// The most frequent next byte of every window of `context` bytes of a text.
#[derive(Clone, Debug)]
pub struct Oracle {
    context: usize,
    next: HashMap<Vec<u8>, u8>,
}

impl Oracle {
    /// Learns `text`'s windows of `context` bytes.
    pub fn new(text: &[u8], context: usize) -> Self {
        let mut counts: HashMap<&[u8], [u32; 256]> = HashMap::new();
        for w in text.windows(context + 1) {
            counts.entry(&w[..context]).or_insert([0; 256])[usize::from(w[context])] += 1;
        }
        let next = counts
            .into_iter()
            .map(|(k, c)| {
                let best = (0..=255u8)
                    .max_by_key(|b| (c[usize::from(*b)], std::cmp::Reverse(*b)))
                    .unwrap_or(0);
                (k.to_vec(), best)
            })
            .collect();
        Oracle { context, next }
    }

    /// The byte that most often follows `window` (None: a window the text never has).
    pub fn truth(&self, window: &[u8]) -> Option<u8> {
        self.next.get(window).copied()
    }

    /// The answer of a peer that tells the truth with probability `p`, for `rows` windows.
    pub fn answer(&self, tokens: &[u8], rows: usize, p: f64, width: usize, rng: &mut Rng) -> Vec<f32> {
        let mut out = Vec::with_capacity(rows * width);
        for r in 0..rows {
            let window = tokens.get(r * self.context..(r + 1) * self.context).unwrap_or(&[]);
            let honest = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p;
            let byte = match self.truth(window) {
                Some(t) if honest => t,
                _ => rng.below(256) as u8,
            };
            out.extend(code(byte, width));
        }
        out
    }
}

/// The fixed ±0.5 code of `byte`, `width` values.
pub fn code(byte: u8, width: usize) -> Vec<f32> {
    (0..width)
        .map(|i| {
            let mut h = Rng::new(u64::from(byte) << 16 | i as u64);
            if h.next_u64() & 1 == 1 {
                0.5
            } else {
                -0.5
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oracle_knows_the_next_byte_and_peers_tell_it_at_their_rate() {
        let text = b"abcabcabd".repeat(10);
        let o = Oracle::new(&text, 2);
        assert_eq!(o.truth(b"ab"), Some(b'c'), "c follows ab 2 times in 3");
        assert_eq!(o.truth(b"zz"), None);
        let tokens = b"ab".repeat(1000);
        let mut rng = Rng::new(1);
        let right = |p: f64, rng: &mut Rng| {
            let a = o.answer(&tokens, 1000, p, 8, rng);
            a.chunks(8).filter(|c| *c == code(b'c', 8).as_slice()).count()
        };
        assert_eq!(right(1.0, &mut rng), 1000);
        let half = right(0.5, &mut rng);
        assert!((450..560).contains(&half), "{half}");
        assert!(right(0.0, &mut rng) < 20);
        assert!(code(1, 16) != code(2, 16));
        assert!(code(7, 16).iter().all(|v| v.abs() == 0.5));
    }
}
