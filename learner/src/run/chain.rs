//! The chain loop: follows the metagraph through `mindnet-client` (the axon's callers, the
//! peers to query, this learner's uid and stake), announces the axon and sets weights.

use super::{assign_slots, NetworkOptions, Shared};
use crate::axon::{Axon, Caller};
use crate::dendrite::Peer;
use crate::error::{Error, ErrorKind, Result};
use crate::metrics::Metrics;
use mindnet_client::client::calls;
use mindnet_client::keys::ss58_decode;
use mindnet_client::{Client, Wait};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// Seconds between two reads of the metagraph.
const FOLLOW_EVERY_S: u64 = 3;
/// The longest wait between two attempts to reach the node, in seconds.
const MAX_BACKOFF_S: u64 = 30;

/// Reconnects to the node for as long as the learner runs.
pub(super) async fn chain_loop(
    n: NetworkOptions,
    shared: Arc<Shared>,
    axon: Arc<Axon>,
    metrics: Arc<Metrics>,
) {
    let mut backoff = Duration::from_secs(1);
    let mut next_weights = 0u64;
    loop {
        match Client::connect(&n.url, n.chain_timeout).await {
            Ok(client) => {
                tracing::info!(url = %n.url, "connected to the node");
                backoff = Duration::from_secs(1);
                let follower = Follower::new(&client, &n, &shared, &axon, &metrics);
                let e = follower.follow(&mut next_weights).await;
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
    me: [u8; 32],
    /// The axon's address as the chain should have it.
    my_addr: String,
}

impl<'a> Follower<'a> {
    fn new(
        client: &'a Client,
        n: &'a NetworkOptions,
        shared: &'a Shared,
        axon: &'a Axon,
        metrics: &'a Metrics,
    ) -> Self {
        Follower {
            client,
            n,
            shared,
            axon,
            metrics,
            me: n.key.account_id().0,
            my_addr: std::net::SocketAddr::new(n.announce, n.bind.port()).to_string(),
        }
    }

    /// Follows the chain until the connection fails (returns that error).
    async fn follow(&self, next_weights: &mut u64) -> Error {
        let mut warned_unregistered = false;
        loop {
            match self.refresh(next_weights, &mut warned_unregistered).await {
                Err(e) if e.kind == ErrorKind::Connection => return e,
                Err(e) => tracing::warn!("{e}"),
                Ok(()) => {}
            }
            tokio::time::sleep(Duration::from_secs(FOLLOW_EVERY_S)).await;
        }
    }

    /// One read of the metagraph: the axon's callers, the peers by slot, the scores of
    /// neurons still registered and this learner's uid; then, registered, the axon announced
    /// and the weights set when due.
    async fn refresh(&self, next_weights: &mut u64, warned_unregistered: &mut bool) -> Result<()> {
        let n = self.n;
        let best = self.client.best_number().await?;
        let neurons = self.client.neurons(n.netuid).await?;
        let mut own = None;
        let mut callers = HashMap::new();
        let mut peers = Vec::new();
        for x in &neurons {
            let Ok(hotkey) = ss58_decode(&x.hotkey) else {
                continue;
            };
            if hotkey == self.me {
                own = Some(x);
            }
            callers.insert(
                hotkey,
                Caller {
                    uid: x.uid,
                    stake: x.stake,
                },
            );
            if let Some(addr) = &x.axon {
                peers.push(Peer {
                    uid: x.uid,
                    hotkey,
                    addr: addr.clone(),
                });
            }
        }
        let own_uid = own.map(|x| x.uid);
        if let Ok(mut c) = self.axon.callers.write() {
            *c = callers;
        }
        if let Ok(mut p) = self.shared.peers.write() {
            *p = assign_slots(peers, self.axon.config.slots, own_uid);
        }
        if let Ok(mut s) = self.shared.scores.lock() {
            s.retain_current(|uid| {
                neurons
                    .iter()
                    .find(|x| x.uid == uid)
                    .map(|x| x.hotkey.clone())
            });
        }
        if let Ok(mut o) = self.shared.own.write() {
            *o = own.map(|x| (x.uid, x.stake));
        }
        self.metrics.update(|m| m.uid = own_uid);
        let Some(own) = own else {
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
        if own.axon.as_deref() != Some(self.my_addr.as_str()) {
            self.announce().await?;
        }
        if best >= *next_weights {
            self.set_weights(own.uid, best, next_weights).await?;
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

    /// Submits the scores as weights, when the rate limit and the network's minimum allow:
    /// `next_weights` becomes the block to try again from.
    async fn set_weights(&self, own_uid: u16, best: u64, next_weights: &mut u64) -> Result<()> {
        let n = self.n;
        let policy = self.client.weight_policy(n.netuid, own_uid).await?;
        if !policy.allows(best) {
            *next_weights = policy.allowed_from().saturating_sub(1);
            return Ok(());
        }
        let max = usize::from(policy.rules.max_weights_per_row);
        let row = self
            .shared
            .scores
            .lock()
            .map(|s| s.row(own_uid, max, 0.01))
            .unwrap_or_default();
        // Not enough peers scored yet for the network's minimum: wait for more batches.
        let others = row.iter().filter(|(u, _)| *u != own_uid).count();
        let needed = usize::from(policy.rules.min_others());
        if row.is_empty() || others < needed {
            tracing::info!(
                scored = others,
                needed,
                "not enough peers scored to set weights yet"
            );
            return Ok(());
        }
        let (uids, values) = mindnet_client::weights::to_chain_row(&row, &policy.rules)?;
        let call = calls::set_weights(n.netuid, uids.clone(), values.clone(), policy.version_key);
        let inc = self
            .client
            .submit("set_weights", &call, &n.key, Wait::Inclusion, &mut |_| {})
            .await?;
        *next_weights = best + n.weights_every;
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
