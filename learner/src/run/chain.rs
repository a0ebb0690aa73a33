//! The chain loop: follows the metagraph and the counted stake through `mindnet-client`
//! (the axon's callers, the peers to ask, this learner's uid and stake), announces the axon
//! and sets weights, backing off exponentially after a failed transaction.

use super::{NetworkOptions, Shared};
use crate::axon::{Axon, Roster};
use crate::error::{Error, ErrorKind, Result};
use crate::metrics::Metrics;
use crate::score::Hotkey;
use mindnet_client::client::calls;
use mindnet_client::commits::RevealOutcome;
use mindnet_client::{Client, Wait};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Seconds between two reads of the metagraph.
const FOLLOW_EVERY_S: u64 = 3;
/// The longest wait between two attempts to reach the node, in seconds.
const MAX_BACKOFF_S: u64 = 30;
/// The wait after a first failed transaction; it doubles with each failure in a row.
const TX_BACKOFF_START: Duration = Duration::from_secs(6);
/// The longest wait after failed transactions.
const TX_BACKOFF_MAX: Duration = Duration::from_secs(600);
/// The floor each weighted peer gets, as a share of the best score.
const FLOOR: f64 = 0.01;

/// The sentence a learner stops with when the chain would refuse its address.
fn unroutable(announce: std::net::IpAddr) -> String {
    format!(
        "this chain refuses axons at non-routable addresses and --announce {announce} is one: give the public IP peers reach this learner at with --announce"
    )
}

/// Why `client`'s chain would refuse `announce` in `serve_axon`, if it would.
async fn refusal(client: &Client, announce: std::net::IpAddr) -> Result<Option<String>> {
    if calls::routable(announce) || client.allows_non_routable_axons().await? {
        return Ok(None);
    }
    Ok(Some(unroutable(announce)))
}

/// Refuses to start a learner whose `--announce` the chain would refuse (when the node can
/// be reached now; otherwise the chain loop checks on connecting).
pub(super) async fn check_announce(n: &NetworkOptions) -> Result<()> {
    if calls::routable(n.announce) {
        return Ok(());
    }
    match Client::connect(&n.url, n.chain_timeout).await {
        Ok(client) => match refusal(&client, n.announce).await {
            Ok(Some(why)) => Err(Error::usage(why)),
            _ => Ok(()),
        },
        Err(_) => Ok(()),
    }
}

/// When transactions may be submitted again, and when weights are due.
#[derive(Debug)]
struct Pace {
    /// The block from which weights are due.
    next_weights: u64,
    /// Failed transactions in a row.
    failures: u32,
    /// No transaction before this instant.
    retry_at: Instant,
}

impl Pace {
    /// Whether a transaction may be submitted now.
    fn ready(&self) -> bool {
        Instant::now() >= self.retry_at
    }

    /// Records a transaction's outcome; after a failure the next waits twice as long.
    fn record(&mut self, ok: bool, metrics: &Metrics) {
        metrics.update(|m| {
            m.transactions += 1;
            m.failed_transactions += u64::from(!ok);
        });
        if ok {
            self.failures = 0;
            return;
        }
        let wait = TX_BACKOFF_START
            .saturating_mul(1u32 << self.failures.min(10))
            .min(TX_BACKOFF_MAX);
        self.failures = self.failures.saturating_add(1);
        self.retry_at = Instant::now() + wait;
        tracing::warn!(
            wait_s = wait.as_secs(),
            failures = self.failures,
            "a transaction failed: waiting before the next"
        );
    }
}

/// Reconnects to the node for as long as the learner runs.
pub(super) async fn chain_loop(
    n: NetworkOptions,
    shared: Arc<Shared>,
    axon: Arc<Axon>,
    metrics: Arc<Metrics>,
    min_evidence: u64,
) {
    let mut backoff = Duration::from_secs(1);
    let mut pace = Pace {
        next_weights: 0,
        failures: 0,
        retry_at: Instant::now(),
    };
    loop {
        match Client::connect(&n.url, n.chain_timeout).await {
            Ok(client) => {
                tracing::info!(url = %n.url, "connected to the node");
                backoff = Duration::from_secs(1);
                let follower = Follower::new(&client, &n, &shared, &axon, &metrics, min_evidence);
                let e = follower.follow(&mut pace).await;
                if shared.stopping() {
                    return;
                }
                tracing::warn!("lost the node ({e}); reconnecting");
            }
            Err(e) => tracing::warn!(
                "cannot reach the node: {e}; retrying in {} s",
                backoff.as_secs()
            ),
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(MAX_BACKOFF_S));
    }
}

/// The chain loop while connected.
struct Follower<'a> {
    client: &'a Client,
    n: &'a NetworkOptions,
    shared: &'a Shared,
    axon: &'a Axon,
    metrics: &'a Metrics,
    /// This learner's hotkey.
    me: Hotkey,
    /// The axon's address as the chain should have it.
    my_addr: String,
    min_evidence: u64,
}

impl<'a> Follower<'a> {
    fn new(
        client: &'a Client,
        n: &'a NetworkOptions,
        shared: &'a Shared,
        axon: &'a Axon,
        metrics: &'a Metrics,
        min_evidence: u64,
    ) -> Self {
        Follower {
            client,
            n,
            shared,
            axon,
            metrics,
            me: n.key.account_id().0,
            my_addr: std::net::SocketAddr::new(n.announce, n.bind.port()).to_string(),
            min_evidence,
        }
    }

    /// Follows the chain until the connection fails or the learner must stop (returns why).
    async fn follow(&self, pace: &mut Pace) -> Error {
        if let Err(e) = self.check_address().await {
            return e;
        }
        let mut warned_unregistered = false;
        loop {
            match self.refresh(pace, &mut warned_unregistered).await {
                Err(e) if e.kind == ErrorKind::Connection => return e,
                Err(e) => tracing::warn!("{e}"),
                Ok(()) => {}
            }
            if self.shared.stopping() {
                return Error::usage("stopping");
            }
            tokio::time::sleep(Duration::from_secs(FOLLOW_EVERY_S)).await;
        }
    }

    /// Stops the learner when the chain refuses non-routable axons and `--announce` is one.
    async fn check_address(&self) -> Result<()> {
        let Some(why) = refusal(self.client, self.n.announce).await? else {
            return Ok(());
        };
        tracing::error!("{why}");
        self.shared.fail(why.clone());
        Err(Error::usage(why))
    }

    /// One read of the metagraph and the counted stake: the axon's callers, the peers, the
    /// scores of hotkeys still registered and this learner's uid; then, registered, the
    /// axon announced and the weights set when due (and no failed transaction is cooling).
    async fn refresh(&self, pace: &mut Pace, warned_unregistered: &mut bool) -> Result<()> {
        let n = self.n;
        let best = self.client.best_number().await?;
        let mut roster = Roster::read(self.client, n.netuid).await?;
        if let (Some(t), Some(me)) = (n.temperature, roster.callers.get(&self.me)) {
            let on_me = self.client.weights_on(n.netuid, me.uid).await?;
            roster.connect(&on_me, t);
        }
        let peers = roster.axons(|h| *h != self.me);
        let registered: HashMap<Hotkey, u16> =
            roster.callers.iter().map(|(h, c)| (*h, c.uid)).collect();
        let stake = roster.callers.get(&self.me).map_or(0, |c| c.stake);
        let own = roster
            .neurons
            .iter()
            .find(|(h, _)| *h == self.me)
            .map(|(_, x)| (x, stake));
        if let Ok(mut c) = self.axon.callers.write() {
            *c = roster.callers.clone();
        }
        if let Ok(mut p) = self.shared.peers.write() {
            if p.1 != peers {
                *p = (p.0 + 1, peers);
            }
        }
        for scores in [&self.shared.scores, &self.shared.ablation] {
            if let Ok(mut s) = scores.lock() {
                s.retain(|h| registered.contains_key(h));
            }
        }
        if let Ok(mut r) = self.shared.registered.write() {
            *r = registered;
        }
        if let Ok(mut o) = self.shared.own.write() {
            *o = own.map(|(x, stake)| (x.uid, stake));
        }
        self.metrics.update(|m| m.uid = own.map(|(x, _)| x.uid));
        let Some((own, _)) = own else {
            if !*warned_unregistered {
                tracing::warn!(
                    netuid = n.netuid,
                    "this hotkey is not registered on the network: register it (`mindnet register`); training alone meanwhile"
                );
                *warned_unregistered = true;
            }
            return Ok(());
        };
        *warned_unregistered = false;
        if !pace.ready() {
            return Ok(());
        }
        if own.axon.as_deref() != Some(self.my_addr.as_str()) {
            let r = self.announce().await;
            pace.record(r.is_ok(), self.metrics);
            return r;
        }
        self.reveal_pending(best).await?;
        if best >= pace.next_weights {
            self.set_weights(own.uid, best, pace).await?;
        }
        Ok(())
    }

    /// On a commit-reveal network: reveals the commits that are due (also those a previous
    /// run made), and forgets those that expired or were refused.
    async fn reveal_pending(&self, best: u64) -> Result<()> {
        let n = self.n;
        // With nothing pending this reads only the (absent) file, not the chain.
        let outcomes = self.client.reveal_due(&n.commits, &n.key, n.netuid).await?;
        for outcome in outcomes {
            match &outcome {
                RevealOutcome::Revealed {
                    block,
                    uids,
                    values,
                    ..
                } => {
                    let set: std::collections::BTreeMap<u16, u16> =
                        uids.iter().copied().zip(values.iter().copied()).collect();
                    tracing::info!(%block, weights = ?set, "revealed committed weights");
                    self.metrics.update(|m| {
                        m.weights = set;
                        m.weights_block = Some(best + 1);
                    });
                }
                RevealOutcome::Waiting { .. } => {}
                other => tracing::warn!("{}", other.describe()),
            }
        }
        Ok(())
    }

    /// Announces the axon's address with `serve_axon`.
    async fn announce(&self) -> Result<()> {
        let n = self.n;
        let call = calls::serve_axon(n.netuid, n.announce, n.bind.port(), 0);
        self.client
            .submit("serve_axon", &call, &n.key, Wait::Inclusion, &mut |_| {})
            .await?;
        tracing::info!(addr = %self.my_addr, "announced the axon on chain");
        Ok(())
    }

    /// Submits the scores of the peers with enough evidence as weights, when the rate limit
    /// and the network's minimum allow: `pace.next_weights` becomes the block to try again
    /// from.
    async fn set_weights(&self, own_uid: u16, best: u64, pace: &mut Pace) -> Result<()> {
        let n = self.n;
        let policy = self.client.weight_policy(n.netuid, own_uid).await?;
        if !policy.allows(best) {
            pace.next_weights = policy.allowed_from().saturating_sub(1);
            return Ok(());
        }
        let max = usize::from(policy.rules.max_weights_per_row);
        let registered = self.shared.registered();
        let scores = self.shared.weighting();
        let needed = usize::from(policy.rules.min_others());
        let row = scores.row(
            &self.me,
            |h| registered.get(h).copied(),
            max,
            FLOOR,
            self.min_evidence,
            needed.max(1),
        );
        // Not enough peers with enough evidence yet for the network's minimum: wait.
        let others = row.iter().filter(|(u, _)| *u != own_uid).count();
        if row.is_empty() || others < needed.max(1) {
            tracing::info!(
                settled = others,
                needed = needed.max(1),
                min_evidence = self.min_evidence,
                "not enough peers scored on enough batches to set weights yet"
            );
            return Ok(());
        }
        let (uids, values) = mindnet_client::weights::to_chain_row(&row, &policy.rules)?;
        if self.client.commit_reveal_state(n.netuid).await?.enabled {
            // Committed now, revealed by `reveal_pending` in its window.
            let committed = self
                .client
                .commit_row(
                    &n.commits,
                    &n.key,
                    n.netuid,
                    uids,
                    values,
                    policy.version_key,
                )
                .await;
            pace.record(committed.is_ok(), self.metrics);
            let (commit, inc) = committed?;
            pace.next_weights = best + n.weights_every;
            tracing::info!(block = %inc.block, commit = %commit.hash, "committed weights");
            return Ok(());
        }
        let call = calls::set_weights(n.netuid, uids.clone(), values.clone(), policy.version_key);
        let submitted = self
            .client
            .submit("set_weights", &call, &n.key, Wait::Inclusion, &mut |_| {})
            .await;
        pace.record(submitted.is_ok(), self.metrics);
        let inc = submitted?;
        pace.next_weights = best + n.weights_every;
        let set: std::collections::BTreeMap<u16, u16> =
            uids.iter().copied().zip(values.iter().copied()).collect();
        tracing::info!(block = %inc.block, weights = ?set, "set weights");
        self.metrics.update(|m| {
            m.weights = set;
            m.weights_block = Some(best + 1);
        });
        Ok(())
    }
}
