//! The axon against real HTTP requests on loopback: signed requests answered, and every
//! kind of bad request refused with its own status and without harm.

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use mindnet_client::keys::{ss58_encode, Key, SS58_PREFIX};
use mindnet_learner::axon::{self, Admission, Axon, Caller, Limits, ServeMode};
use mindnet_learner::dendrite::{Dendrite, Peer};
use mindnet_learner::metrics::Metrics;
use mindnet_learner::model::{represent, ModelConfig, RemoteGrad, Trainer};
use mindnet_learner::run::set_represent;
use mindnet_learner::wire::{self, Wire};
use mindnet_learner::CpuTrain;
use std::sync::Arc;
use std::time::Duration;

struct Setup {
    axon: Arc<Axon>,
    grads: tokio::sync::mpsc::Receiver<RemoteGrad>,
    addr: String,
    callee: Key,
    caller: Key,
    trainer: Trainer<CpuTrain>,
}

impl Setup {
    /// The caller's dendrite and the axon as its peer.
    fn dendrite(&self) -> (Dendrite, Peer) {
        let peer = Peer {
            uid: 0,
            hotkey: self.callee.public(),
            addr: self.addr.clone(),
        };
        (
            Dendrite::new(self.caller.clone(), 0, Duration::from_secs(5)),
            peer,
        )
    }
}

async fn start(mode: ServeMode) -> Setup {
    start_with(mode, Limits::default()).await
}

async fn start_with(mode: ServeMode, limits: Limits) -> Setup {
    let config = ModelConfig::default();
    let callee = Key::from_suri("//Axon").unwrap();
    let caller = Key::from_suri("//Caller").unwrap();
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    let axon = Arc::new(
        Axon::new(
            callee.public(),
            0,
            config,
            mode,
            tx,
            Arc::new(Metrics::default()),
            7,
        )
        .with_limits(limits),
    );
    axon.callers.write().unwrap().insert(
        caller.public(),
        Caller {
            uid: 5,
            stake: 1_000,
            may_train: true,
            served: 1.0,
        },
    );
    axon.callers.write().unwrap().insert(
        Key::from_suri("//Poor").unwrap().public(),
        Caller {
            uid: 6,
            stake: 10,
            may_train: false,
            served: 1.0,
        },
    );
    let trainer = Trainer::<CpuTrain>::new(config, 0.003, 1, Default::default());
    set_represent(&axon, &trainer);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let app = axon::router(axon.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    Setup {
        axon,
        grads: rx,
        addr,
        callee,
        caller,
        trainer,
    }
}

/// Posts `body` to `path` with the given headers; the status and the answer.
async fn post(addr: &str, path: &str, headers: &[(&str, String)], body: Vec<u8>) -> (u16, String) {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let mut req = hyper::Request::post(format!("http://{addr}{path}"));
    for (k, v) in headers {
        req = req.header(*k, v);
    }
    let resp = client
        .request(req.body(Full::new(Bytes::from(body))).unwrap())
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let text = resp.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&text).into_owned())
}

/// The four headers of a request `signer` signs, claiming to come from `caller`.
fn signed(
    signer: &Key,
    caller: &Key,
    callee: &[u8; 32],
    path: &str,
    nonce: u64,
    body: &[u8],
) -> Vec<(&'static str, String)> {
    let sig = signer.sign(&wire::signed_message(
        0,
        path,
        nonce,
        &caller.public(),
        callee,
        body,
    ));
    vec![
        (wire::CALLER, caller.address()),
        (wire::CALLEE, ss58_encode(callee, SS58_PREFIX)),
        (wire::NONCE, nonce.to_string()),
        (wire::SIGNATURE, hex::encode(sig)),
    ]
}

fn tokens_body(rows: usize, context: usize) -> Vec<u8> {
    let tokens: Vec<u8> = (0..rows * context)
        .map(|i| b"To be, or not to be"[i % 19])
        .collect();
    wire::encode(&[("tokens", Wire::U8(vec![rows, context], tokens))])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_requests_are_answered() {
    let mut s = start(ServeMode::Model).await;
    let c = ModelConfig::default();
    let (dendrite, peer) = s.dendrite();
    let tokens: Vec<u8> = b"First Citizen:\nBefore w".to_vec();
    let rep = dendrite
        .forward(&peer, &tokens[..16], 2, 8, c.width)
        .await
        .unwrap();
    // Exactly the encoder's representation.
    let expected = represent(&s.trainer.serving_encoder(), &tokens[..16], 2, 8);
    assert_eq!(rep, expected);
    assert!(rep.iter().all(|x| x.abs() <= 1.0));

    dendrite
        .backward(&peer, &tokens[..8], vec![0.5; c.width], 1, 8, c.width)
        .await
        .unwrap();
    let g = s.grads.try_recv().unwrap();
    assert_eq!(g.rows, 1);
    assert_eq!(g.tokens, tokens[..8].to_vec());
    assert_eq!(g.weight, 1_000.0, "weighted by the caller's counted stake");
    let m = s.axon.metrics.render();
    assert!(
        m.contains("mindnet_learner_requests{path=\"/forward\",status=\"200\"} 1"),
        "{m}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_their_own_status() {
    let mut s = start(ServeMode::Model).await;
    let c = ModelConfig::default();
    let body = tokens_body(2, c.context);
    let now = wire::now_us();

    missing_or_malformed_headers_are_400(&s, &body, now).await;
    another_callee_is_421(&s, &body, now + 1).await;
    an_unregistered_hotkey_is_403(&s, &body, now + 2).await;
    bad_signatures_are_401(&s, &body, now).await;
    replays_and_stale_nonces_are_409(&s, &body, now).await;
    oversized_bodies_are_413(&s, now + 20).await;

    let mut nonce = now + 20_000_100;
    malformed_tensors_are_422(&s, &mut nonce).await;
    // Nothing reached the trainer, and the axon still answers.
    assert!(s.grads.try_recv().is_err());
    let (status, _) = send(&s, &mut nonce, "/forward", tokens_body(1, c.context)).await;
    assert_eq!(status, 200);

    a_trainer_that_falls_behind_gets_503(&s, &mut nonce).await;
}

/// Signs `body` for `path` as the registered caller with the next nonce, and posts it.
async fn send(s: &Setup, nonce: &mut u64, path: &str, body: Vec<u8>) -> (u16, String) {
    *nonce += 1;
    let h = signed(
        &s.caller,
        &s.caller,
        &s.callee.public(),
        path,
        *nonce,
        &body,
    );
    post(&s.addr, path, &h, body).await
}

/// Missing or malformed headers: 400.
async fn missing_or_malformed_headers_are_400(s: &Setup, body: &[u8], now: u64) {
    let (status, text) = post(&s.addr, "/forward", &[], body.to_vec()).await;
    assert_eq!(
        (status, text.contains("x-mindnet-caller")),
        (400, true),
        "{text}"
    );
    let mut h = signed(
        &s.caller,
        &s.caller,
        &s.callee.public(),
        "/forward",
        now,
        body,
    );
    h[2].1 = "soon".into();
    assert_eq!(post(&s.addr, "/forward", &h, body.to_vec()).await.0, 400);
}

/// Addressed to another hotkey: 421.
async fn another_callee_is_421(s: &Setup, body: &[u8], nonce: u64) {
    let other = Key::from_suri("//Other").unwrap().public();
    let h = signed(&s.caller, &s.caller, &other, "/forward", nonce, body);
    assert_eq!(post(&s.addr, "/forward", &h, body.to_vec()).await.0, 421);
}

/// A hotkey that is not registered on the network: 403.
async fn an_unregistered_hotkey_is_403(s: &Setup, body: &[u8], nonce: u64) {
    let stranger = Key::from_suri("//Stranger").unwrap();
    let h = signed(
        &stranger,
        &stranger,
        &s.callee.public(),
        "/forward",
        nonce,
        body,
    );
    assert_eq!(post(&s.addr, "/forward", &h, body.to_vec()).await.0, 403);
}

/// Signed by someone else than the claimed caller, or a valid signature over another body,
/// path or nonce: 401.
async fn bad_signatures_are_401(s: &Setup, body: &[u8], now: u64) {
    let callee = s.callee.public();
    let stranger = Key::from_suri("//Stranger").unwrap();
    let h = signed(&stranger, &s.caller, &callee, "/forward", now + 3, body);
    assert_eq!(post(&s.addr, "/forward", &h, body.to_vec()).await.0, 401);
    let h = signed(
        &s.caller,
        &s.caller,
        &callee,
        "/forward",
        now + 4,
        b"other body",
    );
    assert_eq!(post(&s.addr, "/forward", &h, body.to_vec()).await.0, 401);
    let h = signed(&s.caller, &s.caller, &callee, "/backward", now + 5, body);
    assert_eq!(post(&s.addr, "/forward", &h, body.to_vec()).await.0, 401);
}

/// A good request, then its replay: 409; an older nonce within the reordering window (a
/// request sent at the same time that arrives later): 200, but not twice; one older than
/// the window: 409; and a nonce far from the clock: 409.
async fn replays_and_stale_nonces_are_409(s: &Setup, body: &[u8], now: u64) {
    let callee = s.callee.public();
    let h = signed(&s.caller, &s.caller, &callee, "/forward", now + 10, body);
    assert_eq!(post(&s.addr, "/forward", &h, body.to_vec()).await.0, 200);
    let (status, text) = post(&s.addr, "/forward", &h, body.to_vec()).await;
    assert_eq!(status, 409, "{text}");
    let h = signed(&s.caller, &s.caller, &callee, "/forward", now + 9, body);
    assert_eq!(post(&s.addr, "/forward", &h, body.to_vec()).await.0, 200);
    assert_eq!(post(&s.addr, "/forward", &h, body.to_vec()).await.0, 409);
    let h = signed(
        &s.caller,
        &s.caller,
        &callee,
        "/forward",
        now + 20_000_000,
        body,
    );
    assert_eq!(post(&s.addr, "/forward", &h, body.to_vec()).await.0, 200);
    let h = signed(&s.caller, &s.caller, &callee, "/forward", now + 11, body);
    let (status, text) = post(&s.addr, "/forward", &h, body.to_vec()).await;
    assert_eq!(status, 409, "over 10 s older than the newest: {text}");
    let h = signed(
        &s.caller,
        &s.caller,
        &callee,
        "/forward",
        now + 3_600_000_000,
        body,
    );
    assert_eq!(post(&s.addr, "/forward", &h, body.to_vec()).await.0, 409);
}

/// Oversized bodies: 413.
async fn oversized_bodies_are_413(s: &Setup, nonce: u64) {
    let big = vec![0u8; wire::MAX_BODY + 1];
    let h = signed(
        &s.caller,
        &s.caller,
        &s.callee.public(),
        "/forward",
        nonce,
        &big,
    );
    assert_eq!(post(&s.addr, "/forward", &h, big).await.0, 413);
}

/// Malformed tensors: 422, each with its reason.
async fn malformed_tensors_are_422(s: &Setup, nonce: &mut u64) {
    let c = ModelConfig::default();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("/forward", b"not safetensors".to_vec(), "not safetensors"),
        ("/forward", tokens_body(2, c.context + 1), "[rows, 8]"),
        (
            "/forward",
            tokens_body(wire::MAX_ROWS + 1, c.context),
            "rows",
        ),
        (
            "/forward",
            wire::encode(&[("tokens", Wire::F32(vec![1, 8], vec![0.0; 8]))]),
            "must be U8",
        ),
        (
            "/forward",
            wire::encode(&[("other", Wire::U8(vec![1, 8], vec![0; 8]))]),
            "no tokens",
        ),
        ("/backward", tokens_body(2, c.context), "no grad"),
        (
            "/backward",
            wire::encode(&[
                ("tokens", Wire::U8(vec![1, 8], vec![0; 8])),
                (
                    "grad",
                    Wire::F32(vec![1, c.width], vec![f32::INFINITY; c.width]),
                ),
            ]),
            "not finite",
        ),
        (
            "/backward",
            wire::encode(&[
                ("tokens", Wire::U8(vec![1, 8], vec![0; 8])),
                ("grad", Wire::F32(vec![2, c.width], vec![0.0; 2 * c.width])),
            ]),
            "expected [1, 32]",
        ),
    ];
    for (path, body, reason) in cases {
        let (status, text) = send(s, nonce, path, body).await;
        assert_eq!(status, 422, "{path} {reason}: {text}");
        assert!(text.contains(reason), "{path}: {text} should say {reason}");
    }
}

/// A trainer that falls behind: the queue (4) fills, then 503.
async fn a_trainer_that_falls_behind_gets_503(s: &Setup, nonce: &mut u64) {
    let c = ModelConfig::default();
    let g = wire::encode(&[
        ("tokens", Wire::U8(vec![1, 8], vec![0; 8])),
        ("grad", Wire::F32(vec![1, c.width], vec![0.1; c.width])),
    ]);
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(send(s, nonce, "/backward", g.clone()).await.0);
    }
    assert_eq!(statuses, vec![202, 202, 202, 202, 503]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_noise_axon_answers_noise_and_ignores_gradients() {
    let mut s = start(ServeMode::Noise).await;
    let c = ModelConfig::default();
    let (dendrite, peer) = s.dendrite();
    let tokens = vec![b'a'; 16];
    let a = dendrite
        .forward(&peer, &tokens, 2, 8, c.width)
        .await
        .unwrap();
    let b = dendrite
        .forward(&peer, &tokens, 2, 8, c.width)
        .await
        .unwrap();
    assert_ne!(a, b, "the same tokens get different noise");
    assert!(a.iter().all(|x| (-1.0..=1.0).contains(x)));
    assert_ne!(a, represent(&s.trainer.serving_encoder(), &tokens, 2, 8));
    dendrite
        .backward(&peer, &tokens[..8], vec![0.5; c.width], 1, 8, c.width)
        .await
        .unwrap();
    assert!(s.grads.try_recv().is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_peer_is_absent_after_the_timeout() {
    let good = start(ServeMode::Model).await;
    // A peer that accepts connections and never answers.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_addr = silent.local_addr().unwrap().to_string();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = silent.accept().await {
            held.push(sock);
        }
    });
    let dendrite = Dendrite::new(good.caller.clone(), 0, Duration::from_millis(300));
    let peers = [
        Peer {
            uid: 1,
            hotkey: good.callee.public(),
            addr: good.addr.clone(),
        },
        Peer {
            uid: 2,
            hotkey: [9; 32],
            addr: silent_addr,
        },
        Peer {
            uid: 3,
            hotkey: [8; 32],
            addr: "127.0.0.1:1".into(),
        },
    ];
    let started = std::time::Instant::now();
    let asks: Vec<_> = peers
        .iter()
        .map(|p| (p.clone(), vec![b'x'; 8], 1))
        .collect();
    let answers = dendrite.forward_all(&asks, 8, 32).await;
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(answers[0].is_some());
    assert!(answers[1].is_none());
    assert!(answers[2].is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loud_and_late_answers_are_refused_by_the_caller() {
    let c = ModelConfig::default();
    let loud = start(ServeMode::Loud).await;
    let (dendrite, peer) = loud.dendrite();
    let err = dendrite
        .forward(&peer, &[b'a'; 16], 2, 8, c.width)
        .await
        .unwrap_err();
    assert!(err.contains("outside [-1, 1]"), "{err}");
    let late = start(ServeMode::Late).await;
    let peer = Peer {
        uid: 0,
        hotkey: late.callee.public(),
        addr: late.addr.clone(),
    };
    let impatient = Dendrite::new(late.caller.clone(), 0, Duration::from_millis(500));
    let err = impatient
        .forward(&peer, &[b'a'; 8], 1, 8, c.width)
        .await
        .unwrap_err();
    assert!(err.contains("no answer within"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_larger_than_asked_for_is_refused() {
    // A server that answers any request with 1 MiB.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let app = axum::Router::new().route(
        "/forward",
        axum::routing::post(|| async { vec![0u8; 1 << 20] }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    let dendrite = Dendrite::new(
        Key::from_suri("//Caller").unwrap(),
        0,
        Duration::from_secs(5),
    );
    let peer = Peer {
        uid: 0,
        hotkey: [1; 32],
        addr,
    };
    let err = dendrite
        .forward(&peer, &[b'a'; 8], 1, 8, 32)
        .await
        .unwrap_err();
    assert!(err.contains("over"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gradients_are_clipped_and_need_counted_stake() {
    let mut s = start(ServeMode::Model).await;
    let c = ModelConfig::default();
    let (dendrite, peer) = s.dendrite();
    // A huge gradient is accepted but clipped to the protocol's bound.
    dendrite
        .backward(&peer, &[b'a'; 8], vec![1e30; c.width], 1, 8, c.width)
        .await
        .unwrap();
    let g = s.grads.try_recv().unwrap();
    let norm: f32 = g.grad.iter().map(|x| x * x).sum::<f32>().sqrt();
    assert!((norm - wire::MAX_GRAD_NORM).abs() < 1e-3, "{norm}");
    assert!(s
        .axon
        .metrics
        .render()
        .contains("mindnet_learner_clipped_gradients 1"));
    // A registered caller below min_stake may ask but not train.
    let poor = Dendrite::new(Key::from_suri("//Poor").unwrap(), 0, Duration::from_secs(5));
    assert!(poor.forward(&peer, &[b'a'; 8], 1, 8, c.width).await.is_ok());
    let err = poor
        .backward(&peer, &[b'a'; 8], vec![0.1; c.width], 1, 8, c.width)
        .await
        .unwrap_err();
    assert!(err.contains("403") && err.contains("min_stake"), "{err}");
    assert!(s.grads.try_recv().is_err());
    // Signed for another network: not this axon's caller.
    let elsewhere = Dendrite::new(s.caller.clone(), 1, Duration::from_secs(5));
    let err = elsewhere
        .forward(&peer, &[b'a'; 8], 1, 8, c.width)
        .await
        .unwrap_err();
    assert!(err.contains("401"), "{err}");
    // A nonce from before the axon started (a request captured earlier) is refused.
    let body = tokens_body(1, c.context);
    let before = wire::now_us() - 10_000_000;
    let poor_key = Key::from_suri("//Poor").unwrap();
    let h = signed(
        &poor_key,
        &poor_key,
        &s.callee.public(),
        "/forward",
        before,
        &body,
    );
    let (status, text) = post(&s.addr, "/forward", &h, body).await;
    assert_eq!(status, 409, "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callers_are_held_to_their_rate() {
    let limits = Limits {
        rate: 1.0,
        burst: 3.0,
        ..Limits::default()
    };
    let s = start_with(ServeMode::Noise, limits).await;
    let mut nonce = wire::now_us();
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(send(&s, &mut nonce, "/forward", tokens_body(1, 8)).await.0);
    }
    assert_eq!(statuses, vec![200, 200, 200, 429, 429]);
    // Another caller is not held to the first one's rate.
    let poor = Key::from_suri("//Poor").unwrap();
    let body = tokens_body(1, 8);
    let h = signed(
        &poor,
        &poor,
        &s.callee.public(),
        "/forward",
        nonce + 1,
        &body,
    );
    assert_eq!(post(&s.addr, "/forward", &h, body).await.0, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_load_the_higher_stake_is_admitted_first_and_the_lowest_shed() {
    let gate = Admission::new(1, 2);
    let first = gate.enter(5).await.expect("a free slot");
    let order = Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut waiters = Vec::new();
    for stake in [10u128, 30, 20] {
        let (gate, order) = (gate.clone(), order.clone());
        waiters.push(tokio::spawn(async move {
            let permit = gate.enter(stake).await;
            order.lock().unwrap().push((stake, permit.is_some()));
            tokio::time::sleep(Duration::from_millis(20)).await;
        }));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(gate.load(), (1, 2), "one running, two waiting, one shed");
    drop(first);
    for w in waiters {
        w.await.unwrap();
    }
    let order = order.lock().unwrap().clone();
    assert_eq!(
        order,
        vec![(10, false), (30, true), (20, true)],
        "{order:?}"
    );
    assert_eq!(gate.load(), (0, 0));
}

/// Seed 000 eq. 7: callers are served the share σ((s_i w_ij − μ_j)/T) of each
/// representation, so one that weights the server more gets more, and one that sets no
/// weight on it gets the least.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callers_are_served_by_the_weight_they_put_on_the_server() {
    let s = start(ServeMode::Model).await;
    let c = ModelConfig::default();
    // The server, a caller weighting it 0.5 with twice the stake, one weighting it 0.1,
    // and one setting no weight on it.
    let stakes = [1_000u128, 2_000, 1_000, 1_000];
    let weights = [0.0, 0.5, 0.1, 0.0];
    let t = 0.2;
    let served = mindnet_learner::connectivity::shares(&stakes, &weights, t);
    let mean_stake = 5_000.0 / 4.0;
    let x: Vec<f64> = (0..4)
        .map(|i| stakes[i] as f64 / mean_stake * weights[i])
        .collect();
    let mu = x.iter().sum::<f64>() / 4.0;
    for i in 0..4 {
        let sigma = 1.0 / (1.0 + (-(x[i] - mu) / t).exp());
        assert!((served[i] - sigma).abs() < 1e-12, "eq. 7 for neuron {i}");
    }
    assert!(served[1] > served[2] && served[2] > served[3]);
    assert_eq!(
        mindnet_learner::connectivity::shares(&stakes, &weights, f64::INFINITY),
        vec![1.0; 4]
    );

    let keys: Vec<Key> = ["//Heavy", "//Light", "//Absent"]
        .iter()
        .map(|s| Key::from_suri(s).unwrap())
        .collect();
    for (i, k) in keys.iter().enumerate() {
        s.axon.callers.write().unwrap().insert(
            k.public(),
            Caller {
                uid: 10 + i as u16,
                stake: stakes[i + 1],
                may_train: true,
                served: served[i + 1],
            },
        );
    }
    let peer = Peer {
        uid: 0,
        hotkey: s.callee.public(),
        addr: s.addr.clone(),
    };
    let rows = 256;
    let tokens: Vec<u8> = mindnet_learner::data::BUNDLED.as_bytes()[..rows * c.context].to_vec();
    let full = represent(&s.trainer.serving_encoder(), &tokens, rows, c.context);
    let mut kept = Vec::new();
    for (i, k) in keys.iter().enumerate() {
        let d = Dendrite::new(k.clone(), 0, Duration::from_secs(5));
        let rep = d
            .forward(&peer, &tokens, rows, c.context, c.width)
            .await
            .unwrap();
        // What is served is the representation itself where it is not masked.
        assert!(rep.iter().zip(&full).all(|(a, b)| *a == 0.0 || a == b));
        let share = rep.iter().filter(|v| **v != 0.0).count() as f64 / rep.len() as f64;
        assert!(
            (share - served[i + 1]).abs() < 0.03,
            "caller {i}: served {share}, eq. 7 gives {}",
            served[i + 1]
        );
        // The same windows again: the same mask (asking twice reveals nothing more).
        let again = d
            .forward(&peer, &tokens, rows, c.context, c.width)
            .await
            .unwrap();
        assert_eq!(rep, again);
        kept.push(share);
    }
    let (ratio, expected) = (kept[0] / kept[1], served[1] / served[2]);
    assert!(
        (ratio / expected - 1.0).abs() < 0.08,
        "served in the ratio eq. 7 gives: {ratio} vs {expected}"
    );
    println!("eq. 7 shares {:?}, served {kept:?}", &served[1..]);
    assert!(kept[2] < kept[1] && kept[1] < kept[0], "{kept:?}");
}
