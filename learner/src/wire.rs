//! What travels between learners: tensors as safetensors, in requests signed by the
//! caller's hotkey.
//!
//! | endpoint | request body (safetensors) | answer |
//! | --- | --- | --- |
//! | `POST /forward` | `tokens`: U8 `[rows, context]` | `representation`: F32 `[rows, width]` |
//! | `POST /backward` | `tokens`: U8 `[rows, context]`, `grad`: F32 `[rows, width]` | `202 Accepted` |
//! | `GET /metrics` | — | Prometheus text (unsigned) |
//! | `GET /info` | — | JSON: hotkey, context, width, serve mode (unsigned) |
//!
//! Every `POST` carries four headers:
//!
//! - `x-mindnet-caller`, `x-mindnet-callee`: the SS58 addresses of the caller's and the
//!   callee's hotkeys;
//! - `x-mindnet-nonce`: a decimal `u64`, the caller's clock in microseconds since the Unix
//!   epoch: each caller's nonces must be new, at most 10 s older than its newest (requests
//!   sent at once may arrive in any order), and within [`NONCE_WINDOW_US`] of the callee's
//!   clock;
//! - `x-mindnet-signature`: hex of the caller's sr25519 signature (context `substrate`) over
//!   [`signed_message`]: `"mindnet-axon/2" ‖ netuid (u16 LE) ‖ path ‖ nonce (u64 LE) ‖
//!   caller (32 bytes) ‖ callee (32 bytes) ‖ blake2b-256(body)`.
//!
//! Binding the network, the path, the callee and the body hash means a signature cannot be
//! replayed on another network, another endpoint, at another learner, or with another
//! body; the nonce stops replays of the same request, and an axon that restarts refuses
//! nonces from before it started (so requests captured before the restart stay dead).
//!
//! **What a representation may be.** Every value of a `representation` is finite and in
//! [[`REP_MIN`], [`REP_MAX`]] = [-1, 1]: the range of the reference encoder's `tanh`
//! output, wide enough for any bounded code, and narrow enough that nobody can outweigh
//! the others by answering louder. A caller refuses an answer with a value outside it
//! (the peer counts as not having answered, [`in_range`]), and the head normalises each
//! answer to unit RMS besides. A `grad` is finite (else 422) and is clipped by the callee
//! to a Frobenius norm of [`MAX_GRAD_NORM`] ([`clip`]).

use blake2::{digest::consts::U32, Blake2b, Digest};
use safetensors::{tensor::TensorView, Dtype, SafeTensors};
use std::collections::HashMap;

/// Header: the caller's hotkey (SS58).
pub const CALLER: &str = "x-mindnet-caller";
/// Header: the callee's hotkey (SS58).
pub const CALLEE: &str = "x-mindnet-callee";
/// Header: the caller's nonce.
pub const NONCE: &str = "x-mindnet-nonce";
/// Header: the signature (hex).
pub const SIGNATURE: &str = "x-mindnet-signature";
/// Response header of `forward`: the share of the representation the caller was served
/// (seed 000 eq. 7's competitive connectivity; 1 when the axon serves everyone fully).
pub const SERVED: &str = "x-mindnet-served";
/// How far a nonce may be from the callee's clock: 60 s.
pub const NONCE_WINDOW_US: u64 = 60_000_000;
/// The largest request body an axon reads: 4 MiB.
pub const MAX_BODY: usize = 4 << 20;
/// The most rows one request may carry.
pub const MAX_ROWS: usize = 512;
/// The smallest value a representation may hold.
pub const REP_MIN: f32 = -1.0;
/// The largest value a representation may hold.
pub const REP_MAX: f32 = 1.0;
/// The largest norm of a gradient an axon applies: an honest caller's gradient of its
/// batch-mean loss is far below it (cross-entropy's gradient at the logits has norm at most
/// √2 per example, divided by the batch's rows), a larger one is scaled down to it.
pub const MAX_GRAD_NORM: f32 = 1.0;

/// Whether every value of a representation is in [[`REP_MIN`], [`REP_MAX`]].
pub fn in_range(values: &[f32]) -> bool {
    values.iter().all(|v| (REP_MIN..=REP_MAX).contains(v))
}

/// Scales `grad` down to a Frobenius norm of at most `bound`; returns whether it did.
pub fn clip(grad: &mut [f32], bound: f32) -> bool {
    let norm = grad
        .iter()
        .map(|g| f64::from(*g) * f64::from(*g))
        .sum::<f64>()
        .sqrt();
    // (A gradient clipped once is within rounding of the bound: not clipped again.)
    if norm.is_finite() && norm <= f64::from(bound) * (1.0 + 1e-6) {
        return false;
    }
    let scale = if norm.is_finite() && norm > 0.0 {
        f64::from(bound) / norm
    } else {
        0.0
    };
    for g in grad.iter_mut() {
        *g = (f64::from(*g) * scale) as f32;
    }
    true
}

/// The message a caller signs.
pub fn signed_message(
    netuid: u16,
    path: &str,
    nonce: u64,
    caller: &[u8; 32],
    callee: &[u8; 32],
    body: &[u8],
) -> Vec<u8> {
    let mut m = Vec::with_capacity(16 + path.len() + 8 + 64 + 32);
    m.extend_from_slice(b"mindnet-axon/2");
    m.extend_from_slice(&netuid.to_le_bytes());
    m.extend_from_slice(path.as_bytes());
    m.extend_from_slice(&nonce.to_le_bytes());
    m.extend_from_slice(caller);
    m.extend_from_slice(callee);
    m.extend_from_slice(&Blake2b::<U32>::digest(body));
    m
}

/// Microseconds since the Unix epoch.
pub fn now_us() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// A tensor as it travels: its dtype, shape and little-endian bytes.
#[derive(Clone, Debug, PartialEq)]
pub enum Wire {
    /// Token windows.
    U8(Vec<usize>, Vec<u8>),
    /// Representations or gradients.
    F32(Vec<usize>, Vec<f32>),
}

/// Serialises named tensors as safetensors.
pub fn encode(tensors: &[(&str, Wire)]) -> Vec<u8> {
    let owned: Vec<(String, Dtype, Vec<usize>, Vec<u8>)> = tensors
        .iter()
        .map(|(name, t)| match t {
            Wire::U8(shape, v) => (name.to_string(), Dtype::U8, shape.clone(), v.clone()),
            Wire::F32(shape, v) => (
                name.to_string(),
                Dtype::F32,
                shape.clone(),
                v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            ),
        })
        .collect();
    let views: Vec<(String, TensorView<'_>)> = owned
        .iter()
        .filter_map(|(n, d, s, b)| {
            TensorView::new(*d, s.clone(), b)
                .ok()
                .map(|v| (n.clone(), v))
        })
        .collect();
    safetensors::serialize(views, None).unwrap_or_default()
}

/// Why a body is not the tensors expected.
#[derive(Debug, PartialEq, Eq)]
pub struct Malformed(pub String);

impl std::fmt::Display for Malformed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Parses safetensors into tensors by name (U8 and F32 only; F32 values must be finite).
pub fn decode(body: &[u8]) -> Result<HashMap<String, Wire>, Malformed> {
    let st = SafeTensors::deserialize(body)
        .map_err(|e| Malformed(format!("the body is not safetensors: {e}")))?;
    let mut out = HashMap::new();
    for (name, view) in st.tensors() {
        let shape = view.shape().to_vec();
        let t = match view.dtype() {
            Dtype::U8 => Wire::U8(shape, view.data().to_vec()),
            Dtype::F32 => {
                let v: Vec<f32> = view
                    .data()
                    .chunks_exact(4)
                    .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                    .collect();
                if v.iter().any(|x| !x.is_finite()) {
                    return Err(Malformed(format!(
                        "tensor {name} has values that are not finite"
                    )));
                }
                Wire::F32(shape, v)
            }
            other => {
                return Err(Malformed(format!(
                    "tensor {name} is {other:?}; only U8 and F32 are taken"
                )))
            }
        };
        out.insert(name, t);
    }
    Ok(out)
}

/// The token windows `[rows, context]` in `tensors`, checked.
pub fn tokens(
    tensors: &HashMap<String, Wire>,
    context: usize,
) -> Result<(usize, Vec<u8>), Malformed> {
    match tensors.get("tokens") {
        Some(Wire::U8(shape, v)) => {
            if shape.len() != 2 || shape[1] != context {
                return Err(Malformed(format!(
                    "tokens has shape {shape:?}; this learner takes [rows, {context}]"
                )));
            }
            if shape[0] == 0 || shape[0] > MAX_ROWS {
                return Err(Malformed(format!(
                    "tokens has {} rows; send 1 to {MAX_ROWS}",
                    shape[0]
                )));
            }
            Ok((shape[0], v.clone()))
        }
        Some(_) => Err(Malformed("tokens must be U8".into())),
        None => Err(Malformed("the body has no tokens tensor".into())),
    }
}

/// The F32 tensor `name` of shape `[rows, width]` in `tensors`, checked.
pub fn matrix(
    tensors: &HashMap<String, Wire>,
    name: &str,
    rows: usize,
    width: usize,
) -> Result<Vec<f32>, Malformed> {
    match tensors.get(name) {
        Some(Wire::F32(shape, v)) if shape[..] == [rows, width] => Ok(v.clone()),
        Some(Wire::F32(shape, _)) => Err(Malformed(format!(
            "{name} has shape {shape:?}; expected [{rows}, {width}]"
        ))),
        Some(_) => Err(Malformed(format!("{name} must be F32"))),
        None => Err(Malformed(format!("the body has no {name} tensor"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tensors_round_trip_and_bad_bodies_are_named() {
        let body = encode(&[
            ("tokens", Wire::U8(vec![2, 3], vec![1, 2, 3, 4, 5, 6])),
            ("grad", Wire::F32(vec![2, 2], vec![0.5, -1.0, 2.0, 0.0])),
        ]);
        let t = decode(&body).unwrap();
        assert_eq!(tokens(&t, 3).unwrap(), (2, vec![1, 2, 3, 4, 5, 6]));
        assert_eq!(matrix(&t, "grad", 2, 2).unwrap(), vec![0.5, -1.0, 2.0, 0.0]);
        assert!(tokens(&t, 4).unwrap_err().0.contains("[rows, 4]"));
        assert!(matrix(&t, "grad", 2, 3)
            .unwrap_err()
            .0
            .contains("expected [2, 3]"));
        assert!(matrix(&t, "tokens", 2, 3)
            .unwrap_err()
            .0
            .contains("must be F32"));
        assert!(matrix(&t, "nothing", 2, 3)
            .unwrap_err()
            .0
            .contains("no nothing"));
        assert!(decode(b"not safetensors")
            .unwrap_err()
            .0
            .contains("not safetensors"));
        let nan = encode(&[("grad", Wire::F32(vec![1], vec![f32::NAN]))]);
        assert!(decode(&nan).unwrap_err().0.contains("not finite"));
        let empty = encode(&[("tokens", Wire::U8(vec![0, 3], vec![]))]);
        assert!(tokens(&decode(&empty).unwrap(), 3)
            .unwrap_err()
            .0
            .contains("rows"));
    }

    #[test]
    fn the_range_and_the_clip() {
        assert!(in_range(&[-1.0, 0.0, 1.0]));
        assert!(!in_range(&[0.0, 1.0001]));
        assert!(!in_range(&[f32::NAN]));
        let mut g = vec![3.0, 4.0];
        assert!(clip(&mut g, 1.0));
        assert!((g[0] - 0.6).abs() < 1e-6 && (g[1] - 0.8).abs() < 1e-6);
        assert!(!clip(&mut g, 1.0), "already within the bound");
        let mut huge = vec![f32::MAX, f32::MAX];
        assert!(clip(&mut huge, 1.0));
        assert!(
            huge.iter().all(|x| x.is_finite() && x.abs() <= 1.0),
            "{huge:?}"
        );
    }

    #[test]
    fn the_signed_message_binds_every_field() {
        let base = signed_message(0, "/forward", 1, &[1; 32], &[2; 32], b"body");
        assert_ne!(
            base,
            signed_message(1, "/forward", 1, &[1; 32], &[2; 32], b"body")
        );
        assert_ne!(
            base,
            signed_message(0, "/backward", 1, &[1; 32], &[2; 32], b"body")
        );
        assert_ne!(
            base,
            signed_message(0, "/forward", 2, &[1; 32], &[2; 32], b"body")
        );
        assert_ne!(
            base,
            signed_message(0, "/forward", 1, &[3; 32], &[2; 32], b"body")
        );
        assert_ne!(
            base,
            signed_message(0, "/forward", 1, &[1; 32], &[3; 32], b"body")
        );
        assert_ne!(
            base,
            signed_message(0, "/forward", 1, &[1; 32], &[2; 32], b"bodx")
        );
    }
}
