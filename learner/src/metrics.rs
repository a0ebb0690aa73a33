//! Prometheus metrics, served by the axon at `GET /metrics` (text format 0.0.4).

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;

/// What the learner reports.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    /// Training steps taken (this run and the checkpoint's).
    pub steps: u64,
    /// Training tokens seen.
    pub tokens: u64,
    /// The last step's training loss.
    pub train_loss: f64,
    /// The last validation loss (with peers).
    pub valid_loss: Option<f64>,
    /// Training tokens per second over the last report interval.
    pub tokens_per_second: f64,
    /// Contribution scores by uid: (hotkey, score).
    pub scores: BTreeMap<u16, (String, f64)>,
    /// The weights last set: uid → u16 value.
    pub weights: BTreeMap<u16, u16>,
    /// The block they were set in.
    pub weights_block: Option<u64>,
    /// Peer queries answered / made.
    pub peer_answers: u64,
    /// Peer queries made.
    pub peer_queries: u64,
    /// The learner's uid, once registered.
    pub uid: Option<u16>,
    /// Bytes sent to peers (request bodies and signed headers).
    pub peer_bytes_out: u64,
    /// Bytes received from peers (answer bodies).
    pub peer_bytes_in: u64,
    /// Gradients from callers clipped to the protocol's norm bound.
    pub clipped_grads: u64,
    /// Training steps undone because their update was not finite.
    pub undone_steps: u64,
    /// Transactions (serve_axon, set_weights) that failed.
    pub failed_transactions: u64,
    /// Transactions submitted.
    pub transactions: u64,
}

/// Shared metrics.
#[derive(Default)]
pub struct Metrics {
    state: Mutex<Snapshot>,
    requests: Mutex<BTreeMap<(String, u16), u64>>,
}

impl Metrics {
    /// Changes the snapshot.
    pub fn update(&self, f: impl FnOnce(&mut Snapshot)) {
        if let Ok(mut s) = self.state.lock() {
            f(&mut s);
        }
    }

    /// A copy of the snapshot.
    pub fn snapshot(&self) -> Snapshot {
        self.state.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Counts an answered request.
    pub fn request(&self, path: &str, status: u16) {
        if let Ok(mut r) = self.requests.lock() {
            *r.entry((path.to_string(), status)).or_default() += 1;
        }
    }

    /// The Prometheus text.
    pub fn render(&self) -> String {
        let s = self.snapshot();
        let mut o = String::new();
        let mut gauge = |name: &str, help: &str, value: f64| {
            let _ = writeln!(
                o,
                "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}"
            );
        };
        gauge(
            "mindnet_learner_steps",
            "Training steps taken.",
            s.steps as f64,
        );
        gauge(
            "mindnet_learner_tokens",
            "Training tokens seen.",
            s.tokens as f64,
        );
        gauge(
            "mindnet_learner_train_loss",
            "The last training batch's loss (nats per token).",
            s.train_loss,
        );
        if let Some(v) = s.valid_loss {
            gauge(
                "mindnet_learner_validation_loss",
                "The last validation loss with peers (nats per token).",
                v,
            );
        }
        gauge(
            "mindnet_learner_tokens_per_second",
            "Training tokens per second.",
            s.tokens_per_second,
        );
        gauge(
            "mindnet_learner_peer_queries",
            "Peer forward queries made.",
            s.peer_queries as f64,
        );
        gauge(
            "mindnet_learner_peer_answers",
            "Peer forward queries answered in time.",
            s.peer_answers as f64,
        );
        for (name, help, v) in [
            (
                "mindnet_learner_peer_bytes_out",
                "Bytes sent to peers.",
                s.peer_bytes_out,
            ),
            (
                "mindnet_learner_peer_bytes_in",
                "Bytes received from peers.",
                s.peer_bytes_in,
            ),
            (
                "mindnet_learner_clipped_gradients",
                "Callers' gradients clipped to the norm bound.",
                s.clipped_grads,
            ),
            (
                "mindnet_learner_undone_steps",
                "Steps undone because their update was not finite.",
                s.undone_steps,
            ),
            (
                "mindnet_learner_transactions",
                "Transactions submitted.",
                s.transactions,
            ),
            (
                "mindnet_learner_failed_transactions",
                "Transactions that failed.",
                s.failed_transactions,
            ),
        ] {
            gauge(name, help, v as f64);
        }
        if let Some(uid) = s.uid {
            gauge("mindnet_learner_uid", "This learner's uid.", f64::from(uid));
        }
        if let Some(b) = s.weights_block {
            gauge(
                "mindnet_learner_weights_block",
                "The block the last weights were set in.",
                b as f64,
            );
        }
        let _ = writeln!(o, "# HELP mindnet_learner_score Contribution score (loss change if the peer were removed).\n# TYPE mindnet_learner_score gauge");
        for (uid, (hotkey, v)) in &s.scores {
            let _ = writeln!(
                o,
                "mindnet_learner_score{{uid=\"{uid}\",hotkey=\"{hotkey}\"}} {v}"
            );
        }
        let _ = writeln!(o, "# HELP mindnet_learner_weight The weight last set on each uid (u16).\n# TYPE mindnet_learner_weight gauge");
        for (uid, w) in &s.weights {
            let _ = writeln!(o, "mindnet_learner_weight{{uid=\"{uid}\"}} {w}");
        }
        let _ = writeln!(o, "# HELP mindnet_learner_requests Axon requests answered, by path and status.\n# TYPE mindnet_learner_requests counter");
        if let Ok(r) = self.requests.lock() {
            for ((path, status), n) in r.iter() {
                let _ = writeln!(
                    o,
                    "mindnet_learner_requests{{path=\"{path}\",status=\"{status}\"}} {n}"
                );
            }
        }
        o
    }
}
