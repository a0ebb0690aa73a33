//! The axon: the learner's HTTP server (axum), registered on chain with `serve_axon`.
//!
//! It answers `forward` with its encoder's representation of the caller's tokens, takes
//! `backward` gradients for its encoder (queued for the trainer, weighted by the caller's
//! stake), and serves `/metrics` and `/info`. Every `POST` is checked in this order, each
//! failure with its own status and a one-line reason, never a crash:
//!
//! | check | status |
//! | --- | --- |
//! | the body is at most [`wire::MAX_BODY`] bytes | 413 |
//! | the four headers are present and well formed | 400 |
//! | the request is addressed to this learner's hotkey | 421 |
//! | the caller is a hotkey registered on this learner's network | 403 |
//! | the signature is the caller's, over path, nonce, caller, callee and body | 401 |
//! | the nonce is new, at most 10 s older than the caller's newest, after this axon's start, and within a minute of now | 409 |
//! | the caller is within its rate and its concurrency ([`Limits`]) | 429 |
//! | `backward` only: the caller's counted stake is at least the network's `min_stake` | 403 |
//! | the body is safetensors with tensors of the right names, types and shapes | 422 |
//! | `forward`: admitted to compute (stake-ordered under load) and done within the deadline | 503 |
//! | `backward`: the trainer keeps up (its queue of gradients is not full) | 503 |
//!
//! Under load, `forward` requests wait for one of [`Limits::capacity`] compute slots in
//! order of their caller's counted stake (seed 000's competitive connectivity ranks callers
//! by stake); when more than [`Limits::queue`] wait, the lowest-staked waiter is refused. A
//! representation is computed in chunks, and one that runs past the deadline is abandoned
//! at the next chunk. A `backward` gradient is clipped to [`wire::MAX_GRAD_NORM`] and
//! weighs in the trainer's step by the caller's counted stake, never by stake still
//! joining.

use crate::metrics::Metrics;
use crate::model::{ModelConfig, RemoteGrad};
use crate::wire::{self, Malformed, Wire};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use mindnet_client::keys::{ss58_decode, Key};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

/// What the axon answers `forward` with.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum ServeMode {
    /// The encoder's representations (an honest peer).
    Model,
    /// Uniform random values in [-1, 1] of the right shape: an adversary for tests and
    /// experiments, which also ignores the gradients it is sent.
    Noise,
    /// The same noise scaled ×100 (outside the protocol's range): an adversary.
    Loud,
    /// The model's representations, after the callers' deadline: an adversary.
    Late,
}

/// How long a `Late` axon waits before answering.
pub const LATE_BY: Duration = Duration::from_secs(4);
/// Rows computed between two checks of a `forward`'s deadline.
const CHUNK_ROWS: usize = 64;

/// The axon's limits per caller and in all.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limits {
    /// Requests a second each caller may make, on average.
    pub rate: f64,
    /// Requests a caller may make at once after being idle (the bucket's size).
    pub burst: f64,
    /// Requests of one caller in progress at once.
    pub per_caller: usize,
    /// `forward`s computing at once.
    pub capacity: usize,
    /// `forward`s waiting for a compute slot.
    pub queue: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            rate: 100.0,
            burst: 200.0,
            per_caller: 8,
            capacity: 4,
            queue: 64,
        }
    }
}

/// How much older than a caller's newest nonce another may be: requests sent at once may
/// arrive out of order.
pub const REORDER_WINDOW_US: u64 = 10_000_000;
/// The most nonces remembered per caller (beyond, its requests wait for the window to pass).
const MAX_REMEMBERED: usize = 4096;

/// A caller's recent nonces: every one within [`REORDER_WINDOW_US`] of its newest is
/// remembered, so a replay is refused while requests sent at once may arrive in any order.
#[derive(Debug, Default)]
struct Nonces {
    newest: u64,
    recent: std::collections::BTreeSet<u64>,
}

impl Nonces {
    /// Whether `nonce` is new and recent enough (and, if so, remembers it).
    fn admit(&mut self, nonce: u64) -> bool {
        let oldest = self.newest.saturating_sub(REORDER_WINDOW_US);
        if nonce <= oldest || self.recent.contains(&nonce) || self.recent.len() >= MAX_REMEMBERED {
            return false;
        }
        self.recent.insert(nonce);
        if nonce > self.newest {
            self.newest = nonce;
            let keep = self
                .recent
                .split_off(&self.newest.saturating_sub(REORDER_WINDOW_US));
            self.recent = keep;
        }
        true
    }
}

/// A caller's token bucket and requests in progress.
#[derive(Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
    in_flight: usize,
}

/// Stake-ordered admission to a fixed number of compute slots.
pub struct Admission {
    capacity: usize,
    queue: usize,
    state: Mutex<AdmissionState>,
}

#[derive(Default)]
struct AdmissionState {
    running: usize,
    seq: u64,
    /// Waiters by (stake, newest last reversed): the last entry is served first.
    waiting: BTreeMap<(u128, std::cmp::Reverse<u64>), tokio::sync::oneshot::Sender<Permit>>,
}

/// A compute slot; dropping it hands the slot to the highest-staked waiter.
pub struct Permit {
    gate: Option<Arc<Admission>>,
}

impl Drop for Permit {
    fn drop(&mut self) {
        if let Some(gate) = self.gate.take() {
            gate.release();
        }
    }
}

impl Admission {
    /// `capacity` slots and at most `queue` waiters.
    pub fn new(capacity: usize, queue: usize) -> Arc<Self> {
        Arc::new(Admission {
            capacity: capacity.max(1),
            queue,
            state: Mutex::new(AdmissionState::default()),
        })
    }

    /// A slot for a caller with `stake`: at once if one is free, else after every
    /// higher-staked waiter; None when it was shed for a higher-staked one.
    pub async fn enter(self: &Arc<Self>, stake: u128) -> Option<Permit> {
        let rx = {
            let mut s = self.state.lock().ok()?;
            if s.running < self.capacity {
                s.running += 1;
                return Some(Permit {
                    gate: Some(self.clone()),
                });
            }
            let (tx, rx) = tokio::sync::oneshot::channel();
            s.seq += 1;
            let seq = s.seq;
            s.waiting.insert((stake, std::cmp::Reverse(seq)), tx);
            if s.waiting.len() > self.queue {
                // The lowest stake (the newest among equals) is shed: its sender dropped.
                s.waiting.pop_first();
            }
            rx
        };
        rx.await.ok()
    }

    /// Hands a finished slot to the best waiter still waiting, or frees it.
    fn release(self: &Arc<Self>) {
        let Ok(mut s) = self.state.lock() else { return };
        while let Some((_, tx)) = s.waiting.pop_last() {
            let permit = Permit {
                gate: Some(self.clone()),
            };
            match tx.send(permit) {
                Ok(()) => return,
                // The waiter gave up: take the permit back without releasing it again.
                Err(mut p) => p.gate = None,
            }
        }
        s.running = s.running.saturating_sub(1);
    }

    /// Slots in use and requests waiting.
    pub fn load(&self) -> (usize, usize) {
        self.state
            .lock()
            .map(|s| (s.running, s.waiting.len()))
            .unwrap_or_default()
    }
}

/// A caller's request in progress (counted against its concurrency until dropped).
struct InFlight<'a> {
    buckets: &'a Mutex<HashMap<[u8; 32], Bucket>>,
    caller: [u8; 32],
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if let Ok(mut b) = self.buckets.lock() {
            if let Some(b) = b.get_mut(&self.caller) {
                b.in_flight = b.in_flight.saturating_sub(1);
            }
        }
    }
}

/// A hotkey registered on the network, as the axon knows it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Caller {
    /// Its uid.
    pub uid: u16,
    /// Its stake that counts in the running epoch (orders admission, weighs gradients).
    pub stake: u128,
    /// Whether that stake reaches the network's `min_stake` (it may send gradients).
    pub may_train: bool,
    /// The share of each representation it is served, in (0, 1]: seed 000 eq. 7's
    /// competitive connectivity ([`crate::connectivity`]); 1 when the axon serves everyone fully.
    pub served: f64,
}

/// A network as an axon sees it: each registered neuron with its hotkey decoded, and each
/// one's caller record (its counted stake against the network's `min_stake`).
pub struct Roster {
    /// The registered neurons, by decoded hotkey.
    pub neurons: Vec<([u8; 32], mindnet_client::Summary)>,
    /// Who may call the axon.
    pub callers: HashMap<[u8; 32], Caller>,
}

impl Roster {
    /// Reads `netuid`'s neurons (with their counted stake) and `min_stake` through
    /// `client`: the light, paged `MindnetApi.neuron_summaries`.
    pub async fn read(client: &mindnet_client::Client, netuid: u16) -> crate::error::Result<Self> {
        let neurons = client.neuron_summaries(netuid).await?;
        let min_stake = client.min_stake(netuid).await?;
        let neurons: Vec<([u8; 32], mindnet_client::Summary)> = neurons
            .into_iter()
            .filter_map(|n| Some((ss58_decode(&n.hotkey).ok()?, n)))
            .collect();
        let callers = neurons
            .iter()
            .map(|(hotkey, n)| {
                let stake = n.counted_stake;
                let may_train = stake >= min_stake;
                (
                    *hotkey,
                    Caller {
                        uid: n.uid,
                        stake,
                        may_train,
                        served: 1.0,
                    },
                )
            })
            .collect();
        Ok(Roster { neurons, callers })
    }

    /// Sets each caller's served share by [`crate::connectivity::shares`] at `temperature`, from the
    /// share of its weight row each neuron puts on this axon's neuron (`weights_on`, by uid).
    pub fn connect(&mut self, weights_on: &HashMap<u16, f64>, temperature: f64) {
        let keys: Vec<[u8; 32]> = self.neurons.iter().map(|(h, _)| *h).collect();
        let stakes: Vec<u128> = keys
            .iter()
            .map(|h| self.callers.get(h).map_or(0, |c| c.stake))
            .collect();
        let weights: Vec<f64> = self
            .neurons
            .iter()
            .map(|(_, n)| weights_on.get(&n.uid).copied().unwrap_or(0.0))
            .collect();
        for (h, served) in
            keys.iter()
                .zip(crate::connectivity::shares(&stakes, &weights, temperature))
        {
            if let Some(c) = self.callers.get_mut(h) {
                c.served = served;
            }
        }
    }

    /// The axons of the neurons whose hotkey `keep` accepts.
    pub fn axons(&self, keep: impl Fn(&[u8; 32]) -> bool) -> Vec<crate::dendrite::Peer> {
        self.neurons
            .iter()
            .filter(|(hotkey, _)| keep(hotkey))
            .filter_map(|(hotkey, n)| {
                Some(crate::dendrite::Peer {
                    uid: n.uid,
                    hotkey: *hotkey,
                    addr: n.axon.clone()?,
                })
            })
            .collect()
    }
}

/// Turns a caller's token windows into representations (the current encoder; a synthetic
/// peer may answer callers differently).
pub type Represent = Arc<dyn Fn(&[u8; 32], &[u8], usize) -> Vec<f32> + Send + Sync>;

/// The state the axon shares with the trainer and the chain loop.
pub struct Axon {
    /// This learner's hotkey.
    pub public: [u8; 32],
    /// The network (bound into every signature).
    pub netuid: u16,
    /// Sizes peers must match.
    pub config: ModelConfig,
    /// What `forward` answers with.
    pub mode: ServeMode,
    /// Hotkeys registered on the network (updated from the chain).
    pub callers: RwLock<HashMap<[u8; 32], Caller>>,
    nonces: Mutex<HashMap<[u8; 32], Nonces>>,
    /// The encoder to serve (updated by the trainer).
    pub represent: RwLock<Option<Represent>>,
    /// Gradients for the trainer.
    pub grads: tokio::sync::mpsc::Sender<RemoteGrad>,
    /// Counters and gauges.
    pub metrics: Arc<Metrics>,
    noise: Mutex<crate::data::Rng>,
    /// The longest a `forward` may compute before the axon answers 503.
    pub compute_timeout: Duration,
    /// Per-caller and overall limits.
    pub limits: Limits,
    buckets: Mutex<HashMap<[u8; 32], Bucket>>,
    admission: Arc<Admission>,
    /// Nonces at or below this (the clock when the axon started) are refused.
    started_us: u64,
    /// The secret that keys each caller's connectivity mask (random per process).
    mask_key: std::hash::RandomState,
}

/// A refused request: its status and reason.
#[derive(Debug, PartialEq, Eq)]
pub struct Refusal(pub StatusCode, pub String);

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        (self.0, self.1).into_response()
    }
}

impl From<Malformed> for Refusal {
    fn from(m: Malformed) -> Self {
        Refusal(StatusCode::UNPROCESSABLE_ENTITY, m.0)
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Result<&'a str, Refusal> {
    headers
        .get(name)
        .ok_or_else(|| {
            Refusal(
                StatusCode::BAD_REQUEST,
                format!("the {name} header is missing"),
            )
        })?
        .to_str()
        .map_err(|_| {
            Refusal(
                StatusCode::BAD_REQUEST,
                format!("the {name} header is not text"),
            )
        })
}

impl Axon {
    /// A new axon for `key`'s hotkey; gradients go to `grads`.
    pub fn new(
        public: [u8; 32],
        netuid: u16,
        config: ModelConfig,
        mode: ServeMode,
        grads: tokio::sync::mpsc::Sender<RemoteGrad>,
        metrics: Arc<Metrics>,
        seed: u64,
    ) -> Self {
        let limits = Limits::default();
        Self {
            public,
            netuid,
            config,
            mode,
            callers: RwLock::new(HashMap::new()),
            nonces: Mutex::new(HashMap::new()),
            represent: RwLock::new(None),
            grads,
            metrics,
            noise: Mutex::new(crate::data::Rng::new(seed ^ 0xA11CE)),
            compute_timeout: Duration::from_secs(5),
            admission: Admission::new(limits.capacity, limits.queue),
            limits,
            buckets: Mutex::new(HashMap::new()),
            started_us: wire::now_us(),
            mask_key: std::hash::RandomState::new(),
        }
    }

    /// The same axon with other limits.
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.admission = Admission::new(limits.capacity, limits.queue);
        self.limits = limits;
        self
    }

    /// Takes a token from `caller`'s bucket and a place among its requests in progress.
    fn admit_caller(&self, caller: [u8; 32], now: Instant) -> Result<InFlight<'_>, Refusal> {
        let busy = |why: &str| Refusal(StatusCode::TOO_MANY_REQUESTS, why.to_string());
        let mut buckets = self
            .buckets
            .lock()
            .map_err(|_| Refusal(StatusCode::INTERNAL_SERVER_ERROR, "poisoned".into()))?;
        let l = self.limits;
        let b = buckets.entry(caller).or_insert(Bucket {
            tokens: l.burst,
            at: now,
            in_flight: 0,
        });
        let elapsed = now.saturating_duration_since(b.at).as_secs_f64();
        b.tokens = (b.tokens + elapsed * l.rate).min(l.burst);
        b.at = now;
        if b.tokens < 1.0 {
            return Err(busy(&format!(
                "over this axon's rate of {} requests a second per caller: slow down",
                l.rate
            )));
        }
        if b.in_flight >= l.per_caller {
            return Err(busy(&format!(
                "{} requests of this caller are already in progress",
                l.per_caller
            )));
        }
        b.tokens -= 1.0;
        b.in_flight += 1;
        Ok(InFlight {
            buckets: &self.buckets,
            caller,
        })
    }

    /// Checks a request's headers, signature and nonce (everything but the body's tensors)
    /// and returns the caller.
    pub fn authenticate(
        &self,
        path: &str,
        headers: &HeaderMap,
        body: &[u8],
        now_us: u64,
    ) -> Result<Caller, Refusal> {
        let bad = |what: &str| Refusal(StatusCode::BAD_REQUEST, what.to_string());
        let caller = ss58_decode(header(headers, wire::CALLER)?)
            .map_err(|_| bad("the x-mindnet-caller header is not an SS58 address"))?;
        let callee = ss58_decode(header(headers, wire::CALLEE)?)
            .map_err(|_| bad("the x-mindnet-callee header is not an SS58 address"))?;
        let nonce: u64 = header(headers, wire::NONCE)?
            .parse()
            .map_err(|_| bad("the x-mindnet-nonce header is not a whole number"))?;
        let sig_hex = header(headers, wire::SIGNATURE)?;
        let signature: [u8; 64] = hex::decode(sig_hex.trim_start_matches("0x"))
            .ok()
            .and_then(|v| v.try_into().ok())
            .ok_or_else(|| bad("the x-mindnet-signature header is not 64 bytes of hex"))?;
        if callee != self.public {
            return Err(Refusal(
                StatusCode::MISDIRECTED_REQUEST,
                "the request is addressed to another hotkey than this axon's".into(),
            ));
        }
        let who = self
            .callers
            .read()
            .map_err(|_| Refusal(StatusCode::INTERNAL_SERVER_ERROR, "poisoned".into()))?
            .get(&caller)
            .copied()
            .ok_or_else(|| {
                Refusal(
                    StatusCode::FORBIDDEN,
                    "the caller is not a hotkey registered on this network".into(),
                )
            })?;
        let message = wire::signed_message(self.netuid, path, nonce, &caller, &callee, body);
        if !Key::verify(&caller, &message, &signature) {
            return Err(Refusal(
                StatusCode::UNAUTHORIZED,
                "the signature is not the caller's over this request".into(),
            ));
        }
        if nonce.abs_diff(now_us) > wire::NONCE_WINDOW_US {
            return Err(Refusal(
                StatusCode::CONFLICT,
                "the nonce is more than 60 s from this axon's clock: check the caller's clock"
                    .into(),
            ));
        }
        let mut nonces = self
            .nonces
            .lock()
            .map_err(|_| Refusal(StatusCode::INTERNAL_SERVER_ERROR, "poisoned".into()))?;
        let seen = nonces.entry(caller).or_default();
        if nonce <= self.started_us || !seen.admit(nonce) {
            return Err(Refusal(
                StatusCode::CONFLICT,
                "the nonce was seen already, is over 10 s older than the caller's newest, or is from before this axon started (a replay or a stale request)".into(),
            ));
        }
        Ok(who)
    }

    async fn forward(&self, headers: HeaderMap, body: Bytes) -> Result<Response, Refusal> {
        let caller = self.authenticate("/forward", &headers, &body, wire::now_us())?;
        let key = caller_key(&headers)?;
        let _in_flight = self.admit_caller(key, Instant::now())?;
        let tensors = wire::decode(&body)?;
        let (rows, tokens) = wire::tokens(&tensors, self.config.context)?;
        let width = self.config.width;
        let rep = match self.mode {
            ServeMode::Noise | ServeMode::Loud => {
                let scale = if self.mode == ServeMode::Loud {
                    100.0
                } else {
                    1.0
                };
                let mut rng = self
                    .noise
                    .lock()
                    .map_err(|_| Refusal(StatusCode::INTERNAL_SERVER_ERROR, "poisoned".into()))?;
                (0..rows * width).map(|_| rng.symmetric() * scale).collect()
            }
            ServeMode::Model | ServeMode::Late => {
                let context = self.config.context;
                let mut rep = self
                    .compute(key, caller.stake, tokens.clone(), rows)
                    .await?;
                crate::connectivity::mask(
                    &mut rep,
                    width,
                    caller.served,
                    &self.mask_key,
                    &key,
                    &tokens,
                    context,
                );
                if self.mode == ServeMode::Late {
                    tokio::time::sleep(LATE_BY).await;
                }
                rep
            }
        };
        let out = wire::encode(&[("representation", Wire::F32(vec![rows, width], rep))]);
        let served = format!("{:.6}", caller.served.clamp(0.0, 1.0));
        Ok((StatusCode::OK, [(wire::SERVED, served)], out).into_response())
    }

    /// The encoder's representation of `tokens`, in a compute slot (stake-ordered), in
    /// chunks, abandoned at the next chunk once the deadline has passed.
    async fn compute(
        &self,
        caller: [u8; 32],
        stake: u128,
        tokens: Vec<u8>,
        rows: usize,
    ) -> Result<Vec<f32>, Refusal> {
        let unavailable = |why: &str| Refusal(StatusCode::SERVICE_UNAVAILABLE, why.to_string());
        let f = self
            .represent
            .read()
            .map_err(|_| Refusal(StatusCode::INTERNAL_SERVER_ERROR, "poisoned".into()))?
            .clone()
            .ok_or_else(|| unavailable("the model is not ready"))?;
        let deadline = tokio::time::Instant::now() + self.compute_timeout;
        let permit = tokio::time::timeout_at(deadline, self.admission.enter(stake))
            .await
            .map_err(|_| unavailable("the axon is busy: no compute slot within the deadline"))?
            .ok_or_else(|| unavailable("the axon is busy with higher-staked callers"))?;
        let cancel = Arc::new(AtomicBool::new(false));
        let stop = cancel.clone();
        let context = self.config.context;
        let job = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let mut out = Vec::new();
            for start in (0..rows).step_by(CHUNK_ROWS) {
                if stop.load(Ordering::Relaxed) {
                    return None;
                }
                let end = (start + CHUNK_ROWS).min(rows);
                out.extend(f(
                    &caller,
                    &tokens[start * context..end * context],
                    end - start,
                ));
            }
            Some(out)
        });
        match tokio::time::timeout_at(deadline, job).await {
            Ok(Ok(Some(rep))) => Ok(rep),
            _ => {
                cancel.store(true, Ordering::Relaxed);
                Err(unavailable("the representation took too long"))
            }
        }
    }

    async fn backward(&self, headers: HeaderMap, body: Bytes) -> Result<Response, Refusal> {
        let caller = self.authenticate("/backward", &headers, &body, wire::now_us())?;
        let _in_flight = self.admit_caller(caller_key(&headers)?, Instant::now())?;
        if !caller.may_train {
            return Err(Refusal(
                StatusCode::FORBIDDEN,
                "the caller's counted stake is below the network's min_stake: it may not send gradients".into(),
            ));
        }
        let tensors = wire::decode(&body)?;
        let (rows, tokens) = wire::tokens(&tensors, self.config.context)?;
        let mut grad = wire::matrix(&tensors, "grad", rows, self.config.width)?;
        if matches!(self.mode, ServeMode::Noise | ServeMode::Loud) {
            return Ok(StatusCode::ACCEPTED.into_response());
        }
        if wire::clip(&mut grad, wire::MAX_GRAD_NORM) {
            self.metrics.update(|m| m.clipped_grads += 1);
        }
        // A caller's say in the step is its counted stake.
        let weight = caller.stake as f64;
        self.grads
            .try_send(RemoteGrad {
                tokens,
                grad,
                rows,
                weight,
            })
            .map_err(|_| {
                Refusal(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "the trainer is behind: gradient dropped, try later".into(),
                )
            })?;
        Ok(StatusCode::ACCEPTED.into_response())
    }
}

/// The caller's hotkey from a request already authenticated.
fn caller_key(headers: &HeaderMap) -> Result<[u8; 32], Refusal> {
    ss58_decode(header(headers, wire::CALLER)?).map_err(|_| {
        Refusal(
            StatusCode::BAD_REQUEST,
            "the x-mindnet-caller header is not an SS58 address".into(),
        )
    })
}

fn counted(axon: &Axon, path: &str, r: Result<Response, Refusal>) -> Response {
    let resp = r.unwrap_or_else(|e| e.into_response());
    axon.metrics.request(path, resp.status().as_u16());
    resp
}

/// The axon's routes.
pub fn router(axon: Arc<Axon>) -> Router {
    Router::new()
        .route(
            "/forward",
            post(|State(a): State<Arc<Axon>>, h: HeaderMap, b: Bytes| async move {
                let r = a.forward(h, b).await;
                counted(&a, "/forward", r)
            }),
        )
        .route(
            "/backward",
            post(|State(a): State<Arc<Axon>>, h: HeaderMap, b: Bytes| async move {
                let r = a.backward(h, b).await;
                counted(&a, "/backward", r)
            }),
        )
        .route(
            "/metrics",
            get(|State(a): State<Arc<Axon>>| async move {
                (
                    [("content-type", "text/plain; version=0.0.4")],
                    a.metrics.render(),
                )
            }),
        )
        .route(
            "/info",
            get(|State(a): State<Arc<Axon>>| async move {
                // Each caller served less than fully, by uid (competitive connectivity),
                // the first 1,024 by uid: /info is public and must stay small.
                let served: BTreeMap<u16, f64> = a
                    .callers
                    .read()
                    .map(|c| {
                        c.values()
                            .filter(|c| c.served < 1.0)
                            .map(|c| (c.uid, c.served))
                            .collect::<BTreeMap<u16, f64>>()
                            .into_iter()
                            .take(1024)
                            .collect()
                    })
                    .unwrap_or_default();
                axum::Json(serde_json::json!({
                    "hotkey": mindnet_client::keys::ss58_encode(&a.public, mindnet_client::keys::SS58_PREFIX),
                    "context": a.config.context,
                    "width": a.config.width,
                    "serve": a.mode,
                    "served": served,
                }))
            }),
        )
        .layer(DefaultBodyLimit::max(wire::MAX_BODY))
        .with_state(axon)
}
