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
//! and over a batch X of N examples (the loss being the batch mean),
//!
//! ```text
//! ΔL ≈ (1/N) Σ_x [ −g_x·d_x + ½ Σ_k d_xk² H_k ],   H_k = (1/N) Σ_x g_xk²     (9)
//! ```
//!
//! `ΔL > 0` means the learner would do worse without the peer. The gradients the training
//! step's backward pass already has are those of the *batch mean* loss, `∂L/∂d_x = g_x / N`,
//! so [`contribution`] takes those and scales them back. Scores are smoothed with an
//! exponential moving average ([`Scores`]) because one batch is a noisy estimate.

use std::collections::BTreeMap;

/// ΔL of removing an input, from the input `d` and the gradient of the **batch-mean** loss
/// at it (`grad_of_mean`, the same shape), both `rows × width` row-major (eq. 9).
pub fn contribution(d: &[f32], grad_of_mean: &[f32], rows: usize, width: usize) -> f64 {
    assert_eq!(d.len(), rows * width, "d is rows × width");
    assert_eq!(
        grad_of_mean.len(),
        rows * width,
        "the gradient is rows × width"
    );
    if rows == 0 {
        return 0.0;
    }
    let n = rows as f64;
    // Per-example gradients g_x = N · ∂L/∂d_x.
    let g = |i: usize| f64::from(grad_of_mean[i]) * n;
    // Diagonal Fisher information H_k = (1/N) Σ_x g_xk².
    let mut fisher = vec![0.0f64; width];
    for x in 0..rows {
        for (k, h) in fisher.iter_mut().enumerate() {
            let gi = g(x * width + k);
            *h += gi * gi / n;
        }
    }
    let mut total = 0.0;
    for x in 0..rows {
        for (k, h) in fisher.iter().enumerate() {
            let i = x * width + k;
            let di = f64::from(d[i]);
            total += -g(i) * di + 0.5 * di * di * h;
        }
    }
    total / n
}

/// A peer's smoothed score and the hotkey it belongs to.
#[derive(Clone, Debug, PartialEq)]
pub struct Score {
    /// The hotkey the uid had when scoring started (SS58).
    pub hotkey: String,
    /// The moving average of ΔL.
    pub value: f64,
    /// Batches scored.
    pub batches: u64,
}

/// Moving averages of contribution scores by uid. A uid whose hotkey changes (the neuron
/// was replaced by a newcomer) starts again from zero.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Scores {
    by_uid: BTreeMap<u16, Score>,
    /// The averaging rate: each batch moves the average this fraction of the way.
    pub rate: f64,
}

impl Scores {
    /// Empty scores averaged at `rate` (0 < rate ≤ 1).
    pub fn new(rate: f64) -> Self {
        Self {
            by_uid: BTreeMap::new(),
            rate,
        }
    }

    /// Adds one batch's ΔL for `uid`, which has `hotkey` now.
    pub fn record(&mut self, uid: u16, hotkey: &str, delta: f64) {
        let rate = self.rate;
        let entry = self.by_uid.entry(uid).or_insert_with(|| Score {
            hotkey: hotkey.to_string(),
            value: 0.0,
            batches: 0,
        });
        if entry.hotkey != hotkey {
            *entry = Score {
                hotkey: hotkey.to_string(),
                value: 0.0,
                batches: 0,
            };
        }
        // The first batches average over what has been seen (no bias toward 0).
        let r = rate.max(1.0 / (entry.batches as f64 + 1.0));
        entry.value += r * (delta - entry.value);
        entry.batches += 1;
    }

    /// Drops uids whose hotkey is no longer `hotkey_of(uid)` (None: the uid is gone).
    pub fn retain_current(&mut self, hotkey_of: impl Fn(u16) -> Option<String>) {
        self.by_uid
            .retain(|uid, s| hotkey_of(*uid).is_some_and(|h| h == s.hotkey));
    }

    /// The scores by uid.
    pub fn iter(&self) -> impl Iterator<Item = (u16, &Score)> {
        self.by_uid.iter().map(|(u, s)| (*u, s))
    }

    /// The score of `uid`, if any.
    pub fn get(&self, uid: u16) -> Option<&Score> {
        self.by_uid.get(&uid)
    }

    /// Restores a score (from a checkpoint).
    pub fn insert(&mut self, uid: u16, score: Score) {
        self.by_uid.insert(uid, score);
    }

    /// The weight row to set: every scored uid, at most `max_entries` (the best), each
    /// weighted by its positive score, plus a floor of `floor` × the best so that a peer
    /// that does not help still counts toward `min_allowed_weights` while ranking lowest.
    /// `own_uid`'s entry is the self-weight and is always kept.
    pub fn row(&self, own_uid: u16, max_entries: usize, floor: f64) -> Vec<(u16, f64)> {
        let mut ranked: Vec<(u16, f64)> = self
            .by_uid
            .iter()
            .filter(|(_, s)| s.batches > 0)
            .map(|(u, s)| (*u, s.value.max(0.0)))
            .collect();
        ranked.sort_by(|a, b| {
            let own = |u: u16| u == own_uid;
            own(b.0)
                .cmp(&own(a.0))
                .then(b.1.total_cmp(&a.1))
                .then(a.0.cmp(&b.0))
        });
        ranked.truncate(max_entries);
        let best = ranked.iter().map(|(_, v)| *v).fold(0.0, f64::max);
        let base = if best > 0.0 { best * floor } else { 1.0 };
        ranked.into_iter().map(|(u, v)| (u, v + base)).collect()
    }
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
    }

    #[test]
    fn scores_average_and_restart_when_the_hotkey_changes() {
        let mut s = Scores::new(0.1);
        s.record(3, "a", 2.0);
        assert_eq!(s.get(3).unwrap().value, 2.0);
        s.record(3, "a", 4.0);
        assert_eq!(s.get(3).unwrap().value, 3.0); // rate 1/2 on the second batch
        for _ in 0..100 {
            s.record(3, "a", 10.0);
        }
        assert!((s.get(3).unwrap().value - 10.0).abs() < 0.01);
        // uid 3 now belongs to another hotkey: its history is not the newcomer's.
        s.record(3, "b", 1.0);
        assert_eq!(s.get(3).unwrap().value, 1.0);
        assert_eq!(s.get(3).unwrap().batches, 1);
        s.record(4, "c", 1.0);
        s.retain_current(|u| (u == 3).then(|| "b".to_string()));
        assert!(s.get(4).is_none());
        assert!(s.get(3).is_some());
    }

    #[test]
    fn the_row_keeps_the_self_weight_and_floors_the_rest() {
        let mut s = Scores::new(0.1);
        s.record(0, "me", 1.0);
        s.record(1, "p1", 4.0);
        s.record(2, "p2", -3.0); // hurts: floored, lowest
        s.record(3, "p3", 2.0);
        let row = s.row(0, 3, 0.01);
        assert_eq!(row.len(), 3);
        assert_eq!(row[0].0, 0, "the self-weight is kept first");
        let w = |u: u16| row.iter().find(|(x, _)| *x == u).map(|(_, w)| *w);
        assert!((w(1).unwrap() - 4.04).abs() < 1e-12);
        assert!((w(3).unwrap() - 2.04).abs() < 1e-12);
        assert_eq!(w(2), None, "cut by max_entries: the worst goes");
        let all = s.row(0, 10, 0.01);
        let w = |u: u16| all.iter().find(|(x, _)| *x == u).map(|(_, w)| *w).unwrap();
        assert!(w(2) > 0.0 && w(2) < w(0) && w(2) < w(3));
    }
}
