//! The dendrite: signed queries to peers' axons, concurrently and under a deadline. A peer
//! that fails, answers late, answers more bytes than the question calls for, or answers
//! values outside the protocol's range ([`wire::in_range`]) is absent for that batch.

use crate::wire::{self, Wire};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::TokioExecutor;
use mindnet_client::keys::{ss58_encode, Key, SS58_PREFIX};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// A peer to query: its uid, hotkey and axon address (`ip:port`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Peer {
    /// Its uid.
    pub uid: u16,
    /// Its hotkey.
    pub hotkey: [u8; 32],
    /// Its axon, `ip:port`.
    pub addr: String,
}

/// A signing HTTP client.
pub struct Dendrite {
    key: Key,
    netuid: u16,
    http: Client<HttpConnector, Full<Bytes>>,
    last_nonce: AtomicU64,
    /// How long one query may take.
    pub timeout: Duration,
    /// Bytes sent (request bodies and the signed headers).
    pub bytes_out: AtomicU64,
    /// Bytes received (answer bodies).
    pub bytes_in: AtomicU64,
}

/// The signed headers' bytes on the wire (names, SS58 values, nonce, signature).
const HEADER_BYTES: u64 = 16 + 48 + 16 + 48 + 15 + 20 + 19 + 128;
/// Slack over an answer's expected size (the safetensors header).
const ANSWER_SLACK: usize = 1024;

impl Dendrite {
    /// A client on `netuid` that signs with `key` and gives each query `timeout`.
    pub fn new(key: Key, netuid: u16, timeout: Duration) -> Self {
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(timeout));
        connector.set_nodelay(true);
        Self {
            key,
            netuid,
            bytes_out: AtomicU64::new(0),
            bytes_in: AtomicU64::new(0),
            http: Client::builder(TokioExecutor::new())
                .pool_idle_timeout(Duration::from_secs(30))
                .build(connector),
            last_nonce: AtomicU64::new(0),
            timeout,
        }
    }

    /// A fresh nonce: the clock in µs, strictly above the last one given.
    fn nonce(&self) -> u64 {
        let now = wire::now_us();
        let mut last = self.last_nonce.load(Ordering::Relaxed);
        loop {
            let next = now.max(last + 1);
            match self
                .last_nonce
                .compare_exchange(last, next, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => return next,
                Err(actual) => last = actual,
            }
        }
    }

    /// Posts a signed `body` to `peer`'s `path`; the answer's status and body (at most
    /// `max_answer` bytes).
    pub async fn post(
        &self,
        peer: &Peer,
        path: &str,
        body: Vec<u8>,
        max_answer: usize,
    ) -> Result<(u16, Vec<u8>), String> {
        let nonce = self.nonce();
        let caller = self.key.public();
        self.bytes_out.fetch_add(
            body.len() as u64 + HEADER_BYTES + path.len() as u64,
            Ordering::Relaxed,
        );
        let signature = self.key.sign(&wire::signed_message(
            self.netuid,
            path,
            nonce,
            &caller,
            &peer.hotkey,
            &body,
        ));
        let request = hyper::Request::post(format!("http://{}{path}", peer.addr))
            .header(wire::CALLER, ss58_encode(&caller, SS58_PREFIX))
            .header(wire::CALLEE, ss58_encode(&peer.hotkey, SS58_PREFIX))
            .header(wire::NONCE, nonce.to_string())
            .header(wire::SIGNATURE, hex::encode(signature))
            .header("content-type", "application/octet-stream")
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| e.to_string())?;
        let exchange = async {
            let resp = self
                .http
                .request(request)
                .await
                .map_err(|e| e.to_string())?;
            let status = resp.status().as_u16();
            let bytes = Limited::new(resp.into_body(), max_answer)
                .collect()
                .await
                .map_err(|e| format!("the answer is unreadable or over {max_answer} bytes: {e}"))?
                .to_bytes();
            self.bytes_in
                .fetch_add(bytes.len() as u64, Ordering::Relaxed);
            Ok::<_, String>((status, bytes.to_vec()))
        };
        tokio::time::timeout(self.timeout, exchange)
            .await
            .map_err(|_| format!("no answer within {} ms", self.timeout.as_millis()))?
    }

    /// `peer`'s representation of `tokens` (`rows × context`), checked to be `rows × width`.
    pub async fn forward(
        &self,
        peer: &Peer,
        tokens: &[u8],
        rows: usize,
        context: usize,
        width: usize,
    ) -> Result<Vec<f32>, String> {
        let body = wire::encode(&[("tokens", Wire::U8(vec![rows, context], tokens.to_vec()))]);
        let max = rows * width * 4 + ANSWER_SLACK;
        let (status, answer) = self.post(peer, "/forward", body, max).await?;
        if status != 200 {
            return Err(format!(
                "status {status}: {}",
                String::from_utf8_lossy(&answer)
            ));
        }
        let t = wire::decode(&answer).map_err(|e| e.0)?;
        let rep = wire::matrix(&t, "representation", rows, width).map_err(|e| e.0)?;
        if !wire::in_range(&rep) {
            return Err("the representation has values outside [-1, 1]: refused".into());
        }
        Ok(rep)
    }

    /// Sends `peer` the gradient at its representation of `tokens`.
    pub async fn backward(
        &self,
        peer: &Peer,
        tokens: &[u8],
        grad: Vec<f32>,
        rows: usize,
        context: usize,
        width: usize,
    ) -> Result<(), String> {
        let body = wire::encode(&[
            ("tokens", Wire::U8(vec![rows, context], tokens.to_vec())),
            ("grad", Wire::F32(vec![rows, width], grad)),
        ]);
        let (status, answer) = self.post(peer, "/backward", body, ANSWER_SLACK).await?;
        if status != 202 {
            return Err(format!(
                "status {status}: {}",
                String::from_utf8_lossy(&answer)
            ));
        }
        Ok(())
    }

    /// Each peer's representation of its own token windows (`rows × context` each),
    /// concurrently; `None` for a peer that failed.
    pub async fn forward_all(
        &self,
        asks: &[(Peer, Vec<u8>, usize)],
        context: usize,
        width: usize,
    ) -> Vec<Option<Vec<f32>>> {
        let calls = asks.iter().map(|(p, tokens, rows)| async move {
            match self.forward(p, tokens, *rows, context, width).await {
                Ok(rep) => Some(rep),
                Err(e) => {
                    tracing::debug!(uid = p.uid, addr = %p.addr, "forward failed: {e}");
                    None
                }
            }
        });
        futures::future::join_all(calls).await
    }
}
