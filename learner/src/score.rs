//! Contribution scores: how much a learner's loss would rise if a peer's input were removed.
//!
//! Seed 004, eq. 6–9. For an input `d` (a peer's representation of each example, `rows ×
//! width`), removing the peer is the change `Δd = −d`. To second order,
//!
//! ```text
//! ΔL ≈ gᵀ·Δd + ½ Δdᵀ·H·Δd            (6)
//! g_x = ∂ℓ(x)/∂d_x                    (7)  the gradient of example x's loss at its input
//! H ≈ E_X[g_x ∘ g_x]                  (8)  the diagonal empirical Fisher information
//! ```
//!
//! and over the M examples X a peer answered (the loss being the mean over the batch's N
//! examples, of which the peer was routed M),
//!
//! ```text
//! ΔL ≈ (1/M) Σ_x [ −g_x·d_x + ½ Σ_k d_xk² H_k ],   H_k = (1/M) Σ_x g_xk²     (9)
//! ```
//!
//! `ΔL > 0` means the learner does worse without the peer on the examples it is used for.
//! The gradients the training step's backward pass already has are those of the *batch
//! mean* loss, `∂L/∂d_x = g_x / N`, so [`contribution`] takes those and scales them back.
//!
//! Scores are kept by hotkey (never by uid or slot: a uid that changes hands starts again)
//! and smoothed with a moving average ([`Scores`]) because one batch is a noisy estimate. A
//! peer's score persists while the gate does not select it; a peer that was asked and did
//! not answer (or answered out of range, or late) is scored zero for that batch, so its
//! score decays. [`ablation`] measures the same quantity exactly, by zeroing the input.

use std::collections::BTreeMap;

/// A hotkey's public key.
pub type Hotkey = [u8; 32];

/// The share of its score a peer loses each time it is asked and does not answer: a
/// failing peer is asked at most every 64 batches ([`crate::route`]), so its score must
/// fall fast per failure (to a tenth in 8 failures).
pub const FAIL_DECAY: f64 = 0.25;

/// ΔL of removing an input on the `m` rows it was used for, from the input `d` and the
/// gradient of the batch's **mean** loss at it (`grad_of_mean`, the same shape), both `m ×
/// width` row-major; `batch_rows` is the batch's N (eq. 9).
pub fn contribution(d: &[f32], grad_of_mean: &[f32], batch_rows: usize, width: usize) -> f64 {
    let m = d.len().checked_div(width).unwrap_or(0);
    if m == 0 || grad_of_mean.len() != d.len() {
        return 0.0;
    }
    let n = batch_rows as f64;
    let mf = m as f64;
    // Per-example gradients g_x = N · ∂L/∂d_x.
    let g = |i: usize| f64::from(grad_of_mean[i]) * n;
    // Diagonal Fisher information H_k = (1/M) Σ_x g_xk².
    let mut fisher = vec![0.0f64; width];
    for x in 0..m {
        for (k, h) in fisher.iter_mut().enumerate() {
            let gi = g(x * width + k);
            *h += gi * gi / mf;
        }
    }
    let mut total = 0.0;
    for x in 0..m {
        for (k, h) in fisher.iter().enumerate() {
            let i = x * width + k;
            let di = f64::from(d[i]);
            total += -g(i) * di + 0.5 * di * di * h;
        }
    }
    total / mf
}

/// The exact ΔL of removing an input: the mean over the rows it was used for of each row's
/// loss with the input zeroed minus its loss with it.
pub fn ablation(without: &[f64], with: &[f64]) -> f64 {
    if without.is_empty() || without.len() != with.len() {
        return 0.0;
    }
    let sum: f64 = without.iter().zip(with).map(|(a, b)| a - b).sum();
    sum / without.len() as f64
}

/// A peer's smoothed score.
#[derive(Clone, Debug, PartialEq)]
pub struct Score {
    /// The moving average of ΔL.
    pub value: f64,
    /// Batches scored (answers and failures).
    pub batches: u64,
    /// Failures since its last answer.
    pub failures: u32,
}

/// Moving averages of contribution scores by hotkey.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Scores {
    by_hotkey: BTreeMap<Hotkey, Score>,
    /// The averaging rate: each batch moves the average this fraction of the way.
    pub rate: f64,
}

impl Scores {
    /// Empty scores averaged at `rate` (0 < rate ≤ 1).
    pub fn new(rate: f64) -> Self {
        Self {
            by_hotkey: BTreeMap::new(),
            rate,
        }
    }

    /// `hotkey`'s score, a new one at zero if it has none.
    fn entry(&mut self, hotkey: Hotkey) -> &mut Score {
        self.by_hotkey.entry(hotkey).or_insert(Score {
            value: 0.0,
            batches: 0,
            failures: 0,
        })
    }

    fn update(&mut self, hotkey: Hotkey, delta: f64) -> &mut Score {
        let rate = self.rate;
        let entry = self.entry(hotkey);
        // The first batches average over what has been seen (no bias toward 0).
        let r = rate.max(1.0 / (entry.batches as f64 + 1.0));
        entry.value += r * (delta - entry.value);
        entry.batches += 1;
        entry
    }

    /// Adds one batch's ΔL for `hotkey`.
    pub fn record(&mut self, hotkey: Hotkey, delta: f64) {
        if delta.is_finite() {
            self.update(hotkey, delta).failures = 0;
        }
    }

    /// `hotkey` was asked and gave no usable answer: its score loses [`FAIL_DECAY`] of its
    /// value (a batch of evidence that it does not help).
    pub fn fail(&mut self, hotkey: Hotkey) {
        let s = self.entry(hotkey);
        s.value *= 1.0 - FAIL_DECAY;
        s.batches += 1;
        s.failures = s.failures.saturating_add(1);
    }

    /// Drops hotkeys for which `registered` is false.
    pub fn retain(&mut self, registered: impl Fn(&Hotkey) -> bool) {
        self.by_hotkey.retain(|h, _| registered(h));
    }

    /// The scores by hotkey.
    pub fn iter(&self) -> impl Iterator<Item = (&Hotkey, &Score)> {
        self.by_hotkey.iter()
    }

    /// The score of `hotkey`, if any.
    pub fn get(&self, hotkey: &Hotkey) -> Option<&Score> {
        self.by_hotkey.get(hotkey)
    }

    /// Restores a score (from a checkpoint).
    pub fn insert(&mut self, hotkey: Hotkey, score: Score) {
        self.by_hotkey.insert(hotkey, score);
    }

    /// How many hotkeys other than `own` have at least `min_batches` batches of evidence.
    pub fn settled(&self, own: &Hotkey, min_batches: u64) -> usize {
        self.by_hotkey
            .iter()
            .filter(|(h, s)| *h != own && s.batches >= min_batches)
            .count()
    }

    /// The weight row to set, by uid, from the hotkeys with at least `min_batches` batches
    /// of evidence that `uid_of` finds registered: those whose score is positive (at most
    /// `max_entries`, the best), each weighted by its score plus a floor of `floor` × the
    /// best; when fewer than `min_others` help, the best of the rest are added at the floor
    /// so that the row meets the network's `min_allowed_weights`. A peer that does not help
    /// otherwise gets no weight at all (so the chain's consensus, which counts the stake
    /// that weights a peer, does not count this learner's). `own`'s entry is the
    /// self-weight and is always kept (when registered).
    #[allow(clippy::too_many_arguments)]
    pub fn row(
        &self,
        own: &Hotkey,
        uid_of: impl Fn(&Hotkey) -> Option<u16>,
        max_entries: usize,
        floor: f64,
        min_batches: u64,
        min_others: usize,
    ) -> Vec<(u16, f64)> {
        let mut ranked: Vec<(bool, u16, f64)> = self
            .by_hotkey
            .iter()
            .filter(|(h, s)| *h == own || s.batches >= min_batches)
            .filter_map(|(h, s)| Some((h == own, uid_of(h)?, s.value)))
            .collect();
        ranked.sort_by(|a, b| b.0.cmp(&a.0).then(b.2.total_cmp(&a.2)).then(a.1.cmp(&b.1)));
        let mut others = 0;
        ranked.retain(|(mine, _, v)| {
            let keep = *mine || *v > 0.0 || others < min_others;
            if keep && !*mine {
                others += 1;
            }
            keep
        });
        ranked.truncate(max_entries);
        let best = ranked
            .iter()
            .map(|(_, _, v)| v.max(0.0))
            .fold(0.0, f64::max);
        let base = if best > 0.0 { best * floor } else { 1.0 };
        ranked
            .into_iter()
            .map(|(_, u, v)| (u, v.max(0.0) + base))
            .collect()
    }
}

/// Spearman's rank correlation of two equally long samples (ties get their mean rank).
pub fn spearman(a: &[f64], b: &[f64]) -> f64 {
    fn ranks(v: &[f64]) -> Vec<f64> {
        let mut idx: Vec<usize> = (0..v.len()).collect();
        idx.sort_by(|&i, &j| v[i].total_cmp(&v[j]));
        let mut r = vec![0.0; v.len()];
        let mut i = 0;
        while i < idx.len() {
            let mut j = i;
            while j + 1 < idx.len() && v[idx[j + 1]] == v[idx[i]] {
                j += 1;
            }
            let mean = (i + j) as f64 / 2.0;
            for &k in &idx[i..=j] {
                r[k] = mean;
            }
            i = j + 1;
        }
        r
    }
    if a.len() != b.len() || a.len() < 2 {
        return 0.0;
    }
    let (ra, rb) = (ranks(a), ranks(b));
    let n = a.len() as f64;
    let mean = (n - 1.0) / 2.0;
    let (mut cov, mut va, mut vb) = (0.0, 0.0, 0.0);
    for (x, y) in ra.iter().zip(&rb) {
        cov += (x - mean) * (y - mean);
        va += (x - mean) * (x - mean);
        vb += (y - mean) * (y - mean);
    }
    if va == 0.0 || vb == 0.0 {
        return 0.0;
    }
    cov / (va * vb).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contribution_matches_a_hand_computed_case() {
        // Two examples, width 2: d = [[1, 2], [3, -1]], per-example gradients
        // g = [[0.5, -1], [1, 0.5]], so the batch-mean gradients are g / 2.
        let d = [1.0, 2.0, 3.0, -1.0];
        let grad_of_mean = [0.25, -0.5, 0.5, 0.25];
        // H = ((0.25 + 1) / 2, (1 + 0.25) / 2) = (0.625, 0.625)
        // x1: −(0.5·1 + −1·2) + ½(1·0.625 + 4·0.625) = 1.5 + 1.5625 = 3.0625
        // x2: −(1·3 + 0.5·−1) + ½(9·0.625 + 1·0.625) = −2.5 + 3.125 = 0.625
        // ΔL = (3.0625 + 0.625) / 2 = 1.84375
        let got = contribution(&d, &grad_of_mean, 2, 2);
        assert!((got - 1.843_75).abs() < 1e-12, "{got}");
        // A zero input contributes nothing; a zero gradient contributes nothing.
        assert_eq!(contribution(&[0.0; 4], &grad_of_mean, 2, 2), 0.0);
        assert_eq!(contribution(&d, &[0.0; 4], 2, 2), 0.0);
        // The first row alone, out of a batch of 4: per-example g = 4 · grad_of_mean.
        // g = [1, -2], H = (1, 4): −(1·1 − 2·2) + ½(1·1 + 4·4) = 3 + 8.5 = 11.5
        let one = contribution(&d[..2], &grad_of_mean[..2], 4, 2);
        assert!((one - 11.5).abs() < 1e-12, "{one}");
        assert_eq!(
            contribution(&d, &grad_of_mean[..2], 4, 2),
            0.0,
            "mismatched"
        );
    }

    #[test]
    fn scores_average_persist_and_decay_on_failure() {
        let (a, b) = ([1u8; 32], [2u8; 32]);
        let mut s = Scores::new(0.1);
        s.record(a, 2.0);
        assert_eq!(s.get(&a).unwrap().value, 2.0);
        s.record(a, 4.0);
        assert_eq!(s.get(&a).unwrap().value, 3.0); // rate 1/2 on the second batch
        for _ in 0..100 {
            s.record(a, 10.0);
        }
        assert!((s.get(&a).unwrap().value - 10.0).abs() < 0.01);
        // Not asked: unchanged. Asked and silent: decays toward 0, failures counted.
        let before = s.get(&a).unwrap().value;
        s.fail(a);
        s.fail(a);
        let after = s.get(&a).unwrap();
        assert!((after.value - before * 0.5625).abs() < 1e-9, "{after:?}");
        assert_eq!(after.failures, 2);
        s.record(a, 10.0);
        assert_eq!(
            s.get(&a).unwrap().failures,
            0,
            "an answer resets the failures"
        );
        s.record(a, f64::NAN);
        assert!(
            s.get(&a).unwrap().value.is_finite(),
            "a NaN is never recorded"
        );
        s.record(b, 1.0);
        s.retain(|h| *h == b);
        assert!(s.get(&a).is_none());
        assert!(s.get(&b).is_some());
    }

    #[test]
    fn the_row_keeps_the_self_weight_floors_the_rest_and_waits_for_evidence() {
        let (me, p1, p2, p3, p4) = ([0u8; 32], [1u8; 32], [2u8; 32], [3u8; 32], [4u8; 32]);
        let uid = |h: &Hotkey| (h[0] != 9).then_some(u16::from(h[0]));
        let mut s = Scores::new(0.1);
        for _ in 0..3 {
            s.record(me, 1.0);
            s.record(p1, 4.0);
            s.record(p2, -3.0); // hurts
            s.record(p3, 2.0);
        }
        s.record(p4, 100.0); // one batch: not yet evidence
        s.record([9u8; 32], 50.0); // not registered
        assert_eq!(s.settled(&me, 3), 3);
        let w = |row: &[(u16, f64)], u: u16| row.iter().find(|(x, _)| *x == u).map(|(_, w)| *w);
        // Only the peers that help, floored at 1 % of the best (own first).
        let row = s.row(&me, uid, 10, 0.01, 3, 1);
        assert_eq!(row.len(), 3);
        assert_eq!(row[0].0, 0, "the self-weight is kept first");
        assert!((w(&row, 1).unwrap() - 4.04).abs() < 1e-12);
        assert!((w(&row, 3).unwrap() - 2.04).abs() < 1e-12);
        assert_eq!(w(&row, 2), None, "a peer that hurts gets nothing");
        assert_eq!(w(&row, 4), None, "one batch is not evidence");
        // The network asks for 3 others: the one that hurts fills in at the floor.
        let all = s.row(&me, uid, 10, 0.01, 3, 3);
        assert!((w(&all, 2).unwrap() - 0.04).abs() < 1e-12, "{all:?}");
        assert_eq!(all.len(), 4);
        assert_eq!(
            s.row(&me, uid, 2, 0.01, 3, 1).len(),
            2,
            "max_entries cuts the worst"
        );
        assert_eq!(
            s.row(&me, uid, 10, 0.01, 1, 1).len(),
            4,
            "with less evidence asked"
        );
    }

    #[test]
    fn spearman_ranks() {
        assert!((spearman(&[1.0, 2.0, 3.0], &[10.0, 20.0, 30.0]) - 1.0).abs() < 1e-12);
        assert!((spearman(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]) + 1.0).abs() < 1e-12);
        let r = spearman(&[1.0, 2.0, 3.0, 4.0], &[1.0, 3.0, 2.0, 4.0]);
        assert!((r - 0.8).abs() < 1e-12, "{r}");
        assert_eq!(spearman(&[1.0], &[1.0]), 0.0);
        assert!((spearman(&[1.0, 1.0, 2.0], &[1.0, 1.0, 2.0]) - 1.0).abs() < 1e-12);
        assert!((ablation(&[3.0, 5.0], &[1.0, 2.0]) - 2.5).abs() < 1e-12);
    }
}
