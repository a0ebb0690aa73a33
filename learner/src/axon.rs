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
//! | the nonce is above the caller's last one and within a minute of now | 409 |
//! | the body is safetensors with tensors of the right names, types and shapes | 422 |
//! | the trainer keeps up (its queue of gradients is not full) | 503 |

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
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

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
}

/// A hotkey registered on the network, as the axon knows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Caller {
    /// Its uid.
    pub uid: u16,
    /// The stake behind it (weighs its gradients).
    pub stake: u128,
}

/// Turns token windows into representations (the current encoder).
pub type Represent = Arc<dyn Fn(&[u8], usize) -> Vec<f32> + Send + Sync>;

/// The state the axon shares with the trainer and the chain loop.
pub struct Axon {
    /// This learner's hotkey.
    pub public: [u8; 32],
    /// Sizes peers must match.
    pub config: ModelConfig,
    /// What `forward` answers with.
    pub mode: ServeMode,
    /// Hotkeys registered on the network (updated from the chain).
    pub callers: RwLock<HashMap<[u8; 32], Caller>>,
    nonces: Mutex<HashMap<[u8; 32], u64>>,
    /// The encoder to serve (updated by the trainer).
    pub represent: RwLock<Option<Represent>>,
    /// Gradients for the trainer.
    pub grads: tokio::sync::mpsc::Sender<RemoteGrad>,
    /// Counters and gauges.
    pub metrics: Arc<Metrics>,
    noise: Mutex<crate::data::Rng>,
    /// The longest a `forward` may compute before the axon answers 503.
    pub compute_timeout: Duration,
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
        config: ModelConfig,
        mode: ServeMode,
        grads: tokio::sync::mpsc::Sender<RemoteGrad>,
        metrics: Arc<Metrics>,
        seed: u64,
    ) -> Self {
        Self {
            public,
            config,
            mode,
            callers: RwLock::new(HashMap::new()),
            nonces: Mutex::new(HashMap::new()),
            represent: RwLock::new(None),
            grads,
            metrics,
            noise: Mutex::new(crate::data::Rng::new(seed ^ 0xA11CE)),
            compute_timeout: Duration::from_secs(5),
        }
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
        let message = wire::signed_message(path, nonce, &caller, &callee, body);
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
        let last = nonces.entry(caller).or_insert(0);
        if nonce <= *last {
            return Err(Refusal(
                StatusCode::CONFLICT,
                "the nonce is not above the caller's last one (a replay or a stale request)".into(),
            ));
        }
        *last = nonce;
        Ok(who)
    }

    async fn forward(&self, headers: HeaderMap, body: Bytes) -> Result<Response, Refusal> {
        self.authenticate("/forward", &headers, &body, wire::now_us())?;
        let tensors = wire::decode(&body)?;
        let (rows, tokens) = wire::tokens(&tensors, self.config.context)?;
        let width = self.config.width;
        let rep = match self.mode {
            ServeMode::Noise => {
                let mut rng = self
                    .noise
                    .lock()
                    .map_err(|_| Refusal(StatusCode::INTERNAL_SERVER_ERROR, "poisoned".into()))?;
                (0..rows * width).map(|_| rng.symmetric()).collect()
            }
            ServeMode::Model => {
                let f = self
                    .represent
                    .read()
                    .map_err(|_| Refusal(StatusCode::INTERNAL_SERVER_ERROR, "poisoned".into()))?
                    .clone()
                    .ok_or_else(|| {
                        Refusal(
                            StatusCode::SERVICE_UNAVAILABLE,
                            "the model is not ready".into(),
                        )
                    })?;
                let job = tokio::task::spawn_blocking(move || f(&tokens, rows));
                match tokio::time::timeout(self.compute_timeout, job).await {
                    Ok(Ok(rep)) => rep,
                    _ => {
                        return Err(Refusal(
                            StatusCode::SERVICE_UNAVAILABLE,
                            "the representation took too long".into(),
                        ))
                    }
                }
            }
        };
        let out = wire::encode(&[("representation", Wire::F32(vec![rows, width], rep))]);
        Ok((StatusCode::OK, out).into_response())
    }

    async fn backward(&self, headers: HeaderMap, body: Bytes) -> Result<Response, Refusal> {
        let caller = self.authenticate("/backward", &headers, &body, wire::now_us())?;
        let tensors = wire::decode(&body)?;
        let (rows, tokens) = wire::tokens(&tensors, self.config.context)?;
        let grad = wire::matrix(&tensors, "grad", rows, self.config.width)?;
        if self.mode == ServeMode::Noise {
            return Ok(StatusCode::ACCEPTED.into_response());
        }
        // A caller's say in the step is its stake (at least 1 unit, so that it counts).
        let weight = caller.stake.max(1) as f64;
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
                axum::Json(serde_json::json!({
                    "hotkey": mindnet_client::keys::ss58_encode(&a.public, mindnet_client::keys::SS58_PREFIX),
                    "context": a.config.context,
                    "width": a.config.width,
                    "serve": a.mode,
                }))
            }),
        )
        .layer(DefaultBodyLimit::max(wire::MAX_BODY))
        .with_state(axon)
}
