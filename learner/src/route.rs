//! Which peers to ask: noisy top-k gating over every peer with an axon, with exploration.
//!
//! Seeds 000 §2.7 and 002 §6, after Shazeer et al. (2017): the head's gate gives every peer
//! a logit per example; each example is sent to the `k` peers with the highest logits plus
//! Gaussian noise (drawn once per peer per batch, so that near-ties are explored from batch
//! to batch while a batch asks few peers), and their representations are combined
//! with the softmax of those logits ([`crate::model::Head`]). A learner's outward traffic
//! is then about `k/n` of asking every peer.
//!
//! - **Keyed by hotkey.** A peer owns a gate column (a row of the gate's output) for as long
//!   as its hotkey serves an axon on the network; a column freed by a peer that left is
//!   reset before a newcomer takes it, so nobody inherits another's reputation.
//! - **Probes.** Each batch, `explore` peers taken round-robin from the eligible ones are
//!   each asked alone on [`PROBE_ROWS`] rows (no other peer on those rows), so every
//!   eligible peer is probed at least once every `⌈n / explore⌉` batches, whatever the gate
//!   thinks of it. Scores are measured on probe rows only: each peer is judged by what it
//!   adds to the learner alone, on the same kind of rows as every other peer, not by whom
//!   the gate happened to group it with (next to a perfect peer, anything else adds
//!   nothing at the margin, and would rank by noise).
//! - **Backoff.** A peer that does not answer (or answers late or out of range) is left out
//!   for `2^f` batches after its `f`-th failure in a row (at most 64), so a dead axon costs
//!   a deadline now and then, not every step.

use crate::data::Rng;
use crate::dendrite::Peer;
use crate::score::Hotkey;
use std::collections::BTreeMap;

/// The most batches a failing peer is left out for.
pub const MAX_BACKOFF: u64 = 64;
/// Rows each probed peer answers alone per batch.
pub const PROBE_ROWS: usize = 4;

/// A gate column's peer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    /// The hotkey that owns the column.
    pub hotkey: Hotkey,
    /// Its uid and axon while it serves one (None: restored from a checkpoint, not yet seen).
    pub peer: Option<Peer>,
    /// Failures in a row.
    pub failures: u32,
    /// The first step it may be asked again.
    pub retry_at: u64,
}

/// Per example, the gate columns to ask.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Routing {
    /// Rows in the batch.
    pub rows: usize,
    /// Choices per row.
    pub k: usize,
    /// `rows × k` columns, row-major (None: fewer than `k` peers to ask).
    pub choice: Vec<Option<usize>>,
    /// Whether each position is a probe (its peer alone on its row).
    pub probe: Vec<bool>,
}

impl Routing {
    /// A routing that asks nobody.
    pub fn none(rows: usize, k: usize) -> Self {
        Routing {
            rows,
            k,
            choice: vec![None; rows * k],
            probe: vec![false; rows * k],
        }
    }

    /// For each column asked, its positions (`row × k + slot`), in row order.
    pub fn by_column(&self) -> BTreeMap<usize, Vec<usize>> {
        let mut out: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for (pos, c) in self.choice.iter().enumerate() {
            if let Some(c) = c {
                out.entry(*c).or_default().push(pos);
            }
        }
        out
    }
}

/// The gate's columns and how they are chosen.
#[derive(Clone, Debug)]
pub struct Router {
    /// Peers asked per example.
    pub k: usize,
    /// Peers explored per batch.
    pub explore: usize,
    /// The standard deviation of the noise added to the logits when choosing.
    pub noise: f32,
    columns: Vec<Option<Column>>,
    by_hotkey: BTreeMap<Hotkey, usize>,
    cursor: usize,
}

/// A standard normal sample (Box–Muller).
fn gaussian(rng: &mut Rng) -> f32 {
    let u1 = ((rng.next_u64() >> 11) as f64 + 1.0) / (1u64 << 53) as f64;
    let u2 = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    ((-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()) as f32
}

impl Router {
    /// `capacity` gate columns, `k` choices per example, `explore` peers explored per batch.
    pub fn new(capacity: usize, k: usize, explore: usize, noise: f32) -> Self {
        Router {
            k: k.max(1),
            explore,
            noise,
            columns: vec![None; capacity],
            by_hotkey: BTreeMap::new(),
            cursor: 0,
        }
    }

    /// Gate columns in all.
    pub fn capacity(&self) -> usize {
        self.columns.len()
    }

    /// The column of `col`, if taken.
    pub fn column(&self, col: usize) -> Option<&Column> {
        self.columns.get(col).and_then(|c| c.as_ref())
    }

    /// The peer in column `col`, if it serves an axon.
    pub fn peer(&self, col: usize) -> Option<&Peer> {
        self.column(col).and_then(|c| c.peer.as_ref())
    }

    /// Peers that serve an axon, by column.
    pub fn serving(&self) -> impl Iterator<Item = (usize, &Peer)> {
        self.columns
            .iter()
            .enumerate()
            .filter_map(|(i, c)| Some((i, c.as_ref()?.peer.as_ref()?)))
    }

    /// Makes the columns the peers that serve axons now (`peers`, without this learner): a
    /// hotkey keeps its column; the columns of hotkeys gone are freed; a new hotkey takes the
    /// lowest free column. Returns the columns given to new hotkeys (whose gate the caller
    /// resets), and how many peers found no free column.
    pub fn sync(&mut self, peers: &[Peer]) -> (Vec<usize>, usize) {
        let now: BTreeMap<Hotkey, &Peer> = peers.iter().map(|p| (p.hotkey, p)).collect();
        for slot in self.columns.iter_mut() {
            let gone = slot.as_ref().is_some_and(|c| !now.contains_key(&c.hotkey));
            if gone {
                if let Some(c) = slot.take() {
                    self.by_hotkey.remove(&c.hotkey);
                }
            }
        }
        let mut fresh = Vec::new();
        let mut full = 0;
        for (hotkey, peer) in now {
            if let Some(&col) = self.by_hotkey.get(&hotkey) {
                if let Some(c) = self.columns[col].as_mut() {
                    if c.peer.as_ref() != Some(peer) {
                        c.peer = Some(peer.clone());
                    }
                }
                continue;
            }
            let Some(col) = self.columns.iter().position(|c| c.is_none()) else {
                full += 1;
                continue;
            };
            self.columns[col] = Some(Column {
                hotkey,
                peer: Some(peer.clone()),
                failures: 0,
                retry_at: 0,
            });
            self.by_hotkey.insert(hotkey, col);
            fresh.push(col);
        }
        (fresh, full)
    }

    /// The hotkey of every taken column (for checkpoints).
    pub fn table(&self) -> Vec<(usize, Hotkey)> {
        self.columns
            .iter()
            .enumerate()
            .filter_map(|(i, c)| Some((i, c.as_ref()?.hotkey)))
            .collect()
    }

    /// Restores the columns' owners from a checkpoint (their axons come with the next sync).
    pub fn restore(&mut self, table: &[(usize, Hotkey)]) {
        for (col, hotkey) in table {
            if *col < self.columns.len() && !self.by_hotkey.contains_key(hotkey) {
                self.columns[*col] = Some(Column {
                    hotkey: *hotkey,
                    peer: None,
                    failures: 0,
                    retry_at: 0,
                });
                self.by_hotkey.insert(*hotkey, *col);
            }
        }
    }

    /// Columns that may be asked at `step`: serving, and not backing off.
    pub fn eligible(&self, step: u64) -> Vec<usize> {
        self.columns
            .iter()
            .enumerate()
            .filter(|(_, c)| {
                c.as_ref()
                    .is_some_and(|c| c.peer.is_some() && step >= c.retry_at)
            })
            .map(|(i, _)| i)
            .collect()
    }

    /// Chooses, per row, the `k` columns to ask at `step` from the gate's `logits` (`rows ×
    /// capacity`): the highest logits plus noise among the eligible columns; when
    /// `explore`, the first rows are probes instead: each of this batch's exploration peers
    /// alone on [`PROBE_ROWS`] of them (at most half the batch).
    pub fn route(
        &mut self,
        logits: &[f32],
        rows: usize,
        step: u64,
        rng: &mut Rng,
        explore: bool,
    ) -> Routing {
        let cap = self.columns.len();
        let k = self.k;
        let mut routing = Routing::none(rows, k);
        let eligible = self.eligible(step);
        if eligible.is_empty() || logits.len() != rows * cap {
            return routing;
        }
        let take = k.min(eligible.len());
        // One noise draw per peer per batch: rows with alike logits then choose alike,
        // so a batch asks few peers many rows each (one request per peer, whose signed
        // headers cost as much as a few rows) while the choice still varies between
        // batches.
        let noise: Vec<f32> = eligible
            .iter()
            .map(|_| {
                if explore {
                    self.noise * gaussian(rng)
                } else {
                    0.0
                }
            })
            .collect();
        let mut chosen: Vec<Vec<usize>> = Vec::with_capacity(rows);
        for r in 0..rows {
            let mut scored: Vec<(f32, usize)> = eligible
                .iter()
                .zip(&noise)
                .map(|(&c, n)| (logits[r * cap + c] + n, c))
                .collect();
            scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            chosen.push(scored.iter().take(take).map(|(_, c)| *c).collect());
        }
        let mut probes = 0;
        if explore && self.explore > 0 {
            let e = self.explore.min(eligible.len());
            let per = PROBE_ROWS.min(rows / (2 * e).max(1));
            if per > 0 {
                let start = self.cursor % eligible.len();
                self.cursor = (start + e) % eligible.len();
                for i in 0..e {
                    let col = eligible[(start + i) % eligible.len()];
                    for row in chosen.iter_mut().skip(i * per).take(per) {
                        *row = vec![col];
                    }
                }
                probes = e * per;
            }
        }
        for (r, row) in chosen.into_iter().enumerate() {
            for (s, c) in row.into_iter().enumerate() {
                routing.choice[r * k + s] = Some(c);
                routing.probe[r * k + s] = r < probes;
            }
        }
        routing
    }

    /// Column `col`'s peer answered.
    pub fn answered(&mut self, col: usize) {
        if let Some(Some(c)) = self.columns.get_mut(col) {
            c.failures = 0;
            c.retry_at = 0;
        }
    }

    /// Column `col`'s peer failed at `step`: it is left out for `2^failures` batches.
    pub fn failed(&mut self, col: usize, step: u64) {
        if let Some(Some(c)) = self.columns.get_mut(col) {
            c.failures = c.failures.saturating_add(1);
            let wait = 1u64 << c.failures.min(6);
            c.retry_at = step.saturating_add(wait.min(MAX_BACKOFF));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peer(i: u8) -> Peer {
        Peer {
            uid: u16::from(i),
            hotkey: [i; 32],
            addr: format!("127.0.0.1:{}", 1000 + u16::from(i)),
        }
    }

    #[test]
    fn columns_follow_hotkeys_and_fresh_ones_are_reported() {
        let mut r = Router::new(3, 2, 1, 0.0);
        let (fresh, full) = r.sync(&[peer(1), peer(2)]);
        assert_eq!((fresh, full), (vec![0, 1], 0));
        // Peer 1 leaves, 3 and 4 arrive: 3 takes 1's column (reset), 4 the last one.
        let (fresh, full) = r.sync(&[peer(2), peer(3), peer(4)]);
        assert_eq!((fresh, full), (vec![0, 2], 0));
        assert_eq!(r.peer(0).unwrap().uid, 3);
        assert_eq!(r.peer(1).unwrap().uid, 2, "2 kept its column");
        let (_, full) = r.sync(&[peer(2), peer(3), peer(4), peer(5)]);
        assert_eq!(full, 1, "no column for 5");
        let table = r.table();
        let mut back = Router::new(3, 2, 1, 0.0);
        back.restore(&table);
        assert_eq!(back.eligible(0), Vec::<usize>::new(), "no axons known yet");
        let (fresh, _) = back.sync(&[peer(2), peer(3), peer(4)]);
        assert!(fresh.is_empty(), "restored columns are not fresh");
        assert_eq!(back.peer(1).unwrap().uid, 2);
    }

    #[test]
    fn top_k_follows_the_logits_and_exploration_reaches_everyone() {
        let n = 10;
        let mut r = Router::new(16, 2, 2, 0.0);
        r.sync(&(0..n).map(peer).collect::<Vec<_>>());
        // Every row prefers columns 7 and 3.
        let rows = 4;
        let mut logits = vec![0.0f32; rows * 16];
        for row in 0..rows {
            logits[row * 16 + 7] = 5.0;
            logits[row * 16 + 3] = 4.0;
        }
        let mut rng = Rng::new(1);
        let plain = r.route(&logits, rows, 0, &mut rng, false);
        for row in 0..rows {
            assert_eq!(&plain.choice[row * 2..row * 2 + 2], &[Some(7), Some(3)]);
        }
        // With exploration, every peer is probed alone within ⌈10 / 2⌉ = 5 batches; the
        // rows after the probes keep the gate's choice.
        let mut probed = std::collections::BTreeSet::new();
        for step in 0..5 {
            let routed = r.route(&logits, rows, step, &mut rng, true);
            for row in 0..rows {
                let slots = &routed.choice[row * 2..row * 2 + 2];
                if routed.probe[row * 2] {
                    assert_eq!(slots[1], None, "a probe is alone on its row");
                    probed.insert(slots[0].unwrap());
                } else {
                    assert_eq!(slots, &[Some(7), Some(3)]);
                }
            }
            assert_eq!(
                routed.probe.iter().filter(|p| **p).count(),
                2,
                "2 peers × 1 row"
            );
        }
        assert_eq!(probed.len(), n as usize, "{probed:?}");
    }

    #[test]
    fn failing_peers_back_off_and_return() {
        let mut r = Router::new(4, 1, 0, 0.0);
        r.sync(&[peer(0), peer(1)]);
        let logits = vec![1.0, 0.0, 0.0, 0.0];
        let mut rng = Rng::new(1);
        assert_eq!(
            r.route(&logits, 1, 0, &mut rng, false).choice,
            vec![Some(0)]
        );
        r.failed(0, 0);
        r.failed(0, 1); // second failure: out for 4 batches
        assert_eq!(
            r.route(&logits, 1, 2, &mut rng, false).choice,
            vec![Some(1)]
        );
        assert_eq!(
            r.route(&logits, 1, 5, &mut rng, false).choice,
            vec![Some(0)]
        );
        for s in 0..20 {
            r.failed(0, s);
        }
        assert_eq!(r.column(0).unwrap().retry_at, 19 + MAX_BACKOFF);
        r.answered(0);
        assert_eq!(r.eligible(20), vec![0, 1]);
        assert_eq!(
            Router::new(4, 2, 1, 0.0).route(&logits, 1, 0, &mut rng, true),
            Routing::none(1, 2)
        );
    }
}
