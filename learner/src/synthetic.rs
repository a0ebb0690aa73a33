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
    pub fn answer(
        &self,
        tokens: &[u8],
        rows: usize,
        p: f64,
        width: usize,
        rng: &mut Rng,
    ) -> Vec<f32> {
        let mut out = Vec::with_capacity(rows * width);
        for r in 0..rows {
            let window = tokens
                .get(r * self.context..(r + 1) * self.context)
                .unwrap_or(&[]);
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
            a.chunks(8)
                .filter(|c| *c == code(b'c', 8).as_slice())
                .count()
        };
        assert_eq!(right(1.0, &mut rng), 1000);
        let half = right(0.5, &mut rng);
        assert!((450..560).contains(&half), "{half}");
        assert!(right(0.0, &mut rng) < 20);
        assert!(code(1, 16) != code(2, 16));
        assert!(code(7, 16).iter().all(|v| v.abs() == 0.5));
    }
}

/// The test bed: many synthetic peers and adversaries served from one process.
pub mod bed {
    use super::Oracle;
    use crate::axon::{self, Axon, Represent, Roster, ServeMode};
    use crate::data::Rng;
    use crate::dendrite::{Dendrite, Peer};
    use crate::error::{Error, Result};
    use crate::metrics::Metrics;
    use crate::model::ModelConfig;
    use mindnet_client::client::calls;
    use mindnet_client::keys::Key;
    use mindnet_client::{Client, Pending, Wait};
    use std::collections::{HashMap, HashSet};
    use std::net::IpAddr;
    use std::path::PathBuf;
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    /// An adversary the bed can field.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
    #[serde(rename_all = "lowercase")]
    pub enum Adversary {
        /// Answers uniform noise in range.
        Noise,
        /// Answers noise ×100 (out of range).
        Loud,
        /// Announces an axon and never answers (nothing listens).
        Dead,
        /// Answers the truth after the callers' deadline.
        Late,
        /// Answers noise and sends every learner huge and non-finite gradients.
        Poison,
        /// Answers the truth to one learner (`--split-to`) and noise to the others.
        Split,
    }

    /// How the bed runs.
    #[derive(Clone, Debug)]
    pub struct BedOptions {
        /// The node.
        pub url: String,
        /// The network.
        pub netuid: u16,
        /// The secret URI of the coldkey that funds and registers every peer; each peer's
        /// hotkey is derived from it (`<owner>//bed//<name>`).
        pub owner_suri: String,
        /// Synthetic peers, `p_j = j / (count − 1)`.
        pub count: usize,
        /// Adversaries besides.
        pub adversaries: Vec<Adversary>,
        /// The learner a `split` adversary is honest with.
        pub split_to: Option<[u8; 32]>,
        /// The address the axons listen on.
        pub bind: IpAddr,
        /// The IP announced on chain.
        pub announce: IpAddr,
        /// The first axon's port (the others follow).
        pub port: u16,
        /// The network's context and width.
        pub config: ModelConfig,
        /// MIND sent to each hotkey for its fees (base units).
        pub fund: u128,
        /// Stake behind the poisoner (base units), so that it may send gradients.
        pub stake: u128,
        /// The text the oracle knows (None: the bundled one).
        pub data: Option<PathBuf>,
        /// Seed of the peers' coin flips.
        pub seed: u64,
        /// Where to write the members as JSON once they serve.
        pub manifest: Option<PathBuf>,
    }

    /// One peer of the bed.
    #[derive(Clone, Debug, serde::Serialize)]
    struct Member {
        name: String,
        #[serde(skip)]
        key: Key,
        hotkey: String,
        /// How often it tells the truth (synthetic peers).
        p: Option<f64>,
        adversary: Option<Adversary>,
        port: u16,
        uid: Option<u16>,
    }

    fn members(opts: &BedOptions) -> Result<Vec<Member>> {
        let mut out = Vec::new();
        let n = opts.count;
        let mut add = |name: String, p: Option<f64>, adversary: Option<Adversary>| -> Result<()> {
            let key = Key::from_suri(&format!("{}//bed//{name}", opts.owner_suri))?;
            let port = opts.port.checked_add(out.len() as u16).ok_or_else(|| {
                Error::usage("--port leaves no room for every peer's axon below 65536")
            })?;
            out.push(Member {
                hotkey: key.address(),
                key,
                name,
                p,
                adversary,
                port,
                uid: None,
            });
            Ok(())
        };
        for j in 0..n {
            let p = if n > 1 {
                j as f64 / (n - 1) as f64
            } else {
                1.0
            };
            add(format!("p{j}"), Some(p), None)?;
        }
        for a in &opts.adversaries {
            let name = format!("{a:?}").to_lowercase();
            add(name, None, Some(*a))?;
        }
        Ok(out)
    }

    /// What a member's axon answers.
    fn answer(
        m: &Member,
        oracle: &Arc<Oracle>,
        opts: &BedOptions,
    ) -> (ServeMode, Option<Represent>) {
        let width = opts.config.width;
        let rng = Arc::new(Mutex::new(Rng::new(opts.seed ^ u64::from(m.port))));
        let oracle = oracle.clone();
        let truthful = |p: f64| -> Represent {
            let (oracle, rng) = (oracle.clone(), rng.clone());
            Arc::new(move |_: &[u8; 32], tokens: &[u8], rows: usize| {
                let mut r = rng.lock().unwrap_or_else(|e| e.into_inner());
                oracle.answer(tokens, rows, p, width, &mut r)
            })
        };
        match (m.p, m.adversary) {
            (Some(p), _) => (ServeMode::Model, Some(truthful(p))),
            (_, Some(Adversary::Noise | Adversary::Poison)) => (ServeMode::Noise, None),
            (_, Some(Adversary::Loud)) => (ServeMode::Loud, None),
            (_, Some(Adversary::Late)) => (ServeMode::Late, Some(truthful(1.0))),
            (_, Some(Adversary::Split)) => {
                let honest = truthful(1.0);
                let to = opts.split_to;
                let rng = rng.clone();
                let f: Represent =
                    Arc::new(move |caller: &[u8; 32], tokens: &[u8], rows: usize| {
                        if Some(*caller) == to {
                            honest(caller, tokens, rows)
                        } else {
                            let mut r = rng.lock().unwrap_or_else(|e| e.into_inner());
                            (0..rows * width).map(|_| r.symmetric()).collect()
                        }
                    });
                (ServeMode::Model, Some(f))
            }
            _ => (ServeMode::Noise, None),
        }
    }

    /// Funds, registers and stakes (the poisoner) every member not yet registered, then
    /// announces each axon; one block's worth of transactions at a time.
    async fn set_up(client: &Client, opts: &BedOptions, members: &mut [Member]) -> Result<()> {
        let owner = Key::from_suri(&opts.owner_suri)?;
        let on_chain: HashMap<String, (u16, Option<String>)> = client
            .neuron_summaries(opts.netuid)
            .await?
            .into_iter()
            .map(|n| (n.hotkey, (n.uid, n.axon)))
            .collect();
        let mut pending: Vec<Pending> = Vec::new();
        for m in members.iter().filter(|m| !on_chain.contains_key(&m.hotkey)) {
            let account = m.key.account_id();
            pending.push(
                client
                    .submit_pooled("transfer", &calls::transfer(account, opts.fund), &owner)
                    .await?,
            );
            let register = client
                .register_call(opts.netuid, &owner.account_id(), &m.key)
                .await?;
            pending.push(client.submit_pooled("register", &register, &owner).await?);
            if m.adversary == Some(Adversary::Poison) {
                let stake = calls::add_stake(opts.netuid, account, opts.stake);
                pending.push(client.submit_pooled("add_stake", &stake, &owner).await?);
            }
        }
        finish_all(client, pending).await?;
        let mut pending = Vec::new();
        for m in members.iter() {
            let addr = std::net::SocketAddr::new(opts.announce, m.port).to_string();
            let served = on_chain.get(&m.hotkey).and_then(|(_, a)| a.clone());
            if served.as_deref() != Some(addr.as_str()) {
                let call = calls::serve_axon(opts.netuid, opts.announce, m.port, 0);
                pending.push(client.submit_pooled("serve_axon", &call, &m.key).await?);
            }
        }
        finish_all(client, pending).await?;
        let uids: HashMap<String, u16> = client
            .neuron_summaries(opts.netuid)
            .await?
            .into_iter()
            .map(|n| (n.hotkey, n.uid))
            .collect();
        for m in members.iter_mut() {
            m.uid = uids.get(&m.hotkey).copied();
        }
        Ok(())
    }

    async fn finish_all(client: &Client, pending: Vec<Pending>) -> Result<()> {
        for p in pending {
            client.finish(p, Wait::Inclusion).await?;
        }
        Ok(())
    }

    /// Serves the bed until Ctrl-C: sets it up on chain, listens, keeps every axon's
    /// callers current, and runs the poisoner.
    pub fn run(opts: BedOptions) -> Result<()> {
        let text = match &opts.data {
            Some(p) => std::fs::read(p)
                .map_err(|e| Error::usage(format!("cannot read --data {}: {e}", p.display())))?,
            None => crate::data::BUNDLED.as_bytes().to_vec(),
        };
        let oracle = Arc::new(Oracle::new(&text, opts.config.context));
        let mut members = members(&opts)?;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| Error::internal(format!("cannot start the async runtime: {e}")))?;
        rt.block_on(async move {
            let client = Client::connect(&opts.url, Duration::from_secs(30)).await?;
            client.ensure_network(opts.netuid).await?;
            set_up(&client, &opts, &mut members).await?;
            let metrics = Arc::new(Metrics::default());
            let (tx, mut rx) = tokio::sync::mpsc::channel(64);
            tokio::spawn(async move { while rx.recv().await.is_some() {} });
            let mut axons = Vec::new();
            for m in members
                .iter()
                .filter(|m| m.adversary != Some(Adversary::Dead))
            {
                let (mode, represent) = answer(m, &oracle, &opts);
                let axon = Arc::new(Axon::new(
                    m.key.public(),
                    opts.netuid,
                    opts.config,
                    mode,
                    tx.clone(),
                    metrics.clone(),
                    opts.seed,
                ));
                if let (Some(f), Ok(mut r)) = (represent, axon.represent.write()) {
                    *r = Some(f);
                }
                let addr = std::net::SocketAddr::new(opts.bind, m.port);
                let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| {
                    Error::usage(format!(
                        "cannot listen on {addr}: {e}; choose another --port"
                    ))
                })?;
                let app = axon::router(axon.clone());
                tokio::spawn(async move { axum::serve(listener, app).await });
                axons.push(axon);
            }
            if let Some(path) = &opts.manifest {
                let json = serde_json::to_string_pretty(&members)
                    .map_err(|e| Error::internal(format!("manifest: {e}")))?;
                std::fs::write(path, json)
                    .map_err(|e| Error::usage(format!("cannot write {}: {e}", path.display())))?;
            }
            tracing::info!(peers = members.len(), "the bed serves");
            let ours: HashSet<[u8; 32]> = members.iter().map(|m| m.key.public()).collect();
            let poisoner = members
                .iter()
                .find(|m| m.adversary == Some(Adversary::Poison))
                .map(|m| {
                    Arc::new(Dendrite::new(
                        m.key.clone(),
                        opts.netuid,
                        Duration::from_secs(2),
                    ))
                });
            let mut round = 0u64;
            loop {
                let targets = follow(&client, opts.netuid, &axons, &ours).await?;
                if let Some(d) = &poisoner {
                    for _ in 0..6 {
                        for t in &targets {
                            poison(d, t, &opts.config, round).await;
                        }
                        round += 1;
                        tokio::time::sleep(Duration::from_millis(500)).await;
                    }
                } else {
                    tokio::time::sleep(Duration::from_secs(3)).await;
                }
            }
        })
    }

    /// Gives every axon the network's callers (counted stake against `min_stake`); returns
    /// the axons of everyone outside the bed.
    async fn follow(
        client: &Client,
        netuid: u16,
        axons: &[Arc<Axon>],
        ours: &HashSet<[u8; 32]>,
    ) -> Result<Vec<Peer>> {
        let roster = Roster::read(client, netuid).await?;
        for a in axons {
            if let Ok(mut c) = a.callers.write() {
                *c = roster.callers.clone();
            }
        }
        Ok(roster.axons(|h| !ours.contains(h)))
    }

    /// Sends `target` a huge gradient (even `round`) or a non-finite one (odd).
    async fn poison(d: &Dendrite, target: &Peer, config: &ModelConfig, round: u64) {
        let rows = 8;
        let tokens = vec![b'e'; rows * config.context];
        let value = if round.is_multiple_of(2) {
            1e30
        } else {
            f32::NAN
        };
        let grad = vec![value; rows * config.width];
        let r = d
            .backward(target, &tokens, grad, rows, config.context, config.width)
            .await;
        tracing::debug!(uid = target.uid, ?r, "poisoned");
    }
}
