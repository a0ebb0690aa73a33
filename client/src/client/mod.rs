//! A connection to a Mindnet node, with a deadline on every request and wait.
//!
//! - [`query`]: the chain's state (balances, networks, stake, parameters, …).
//! - [`metagraph`]: the neurons of a network, through `MindnetApi` or from storage.
//! - [`tx`]: transactions signed, submitted and watched.
//! - [`calls`]: the typed calls the CLI and the learner submit.
//! - [`checks`]: what the chain would refuse, checked before signing.
//! - [`dispatch_error`]: a failed call's error in words.

pub mod calls;
pub mod checks;
pub mod dispatch_error;
pub mod metagraph;
pub mod query;
pub mod tx;

pub use calls::axon_ip;
pub use checks::WeightPolicy;
pub use dispatch_error::describe_dispatch_error;
pub use metagraph::{Neuron, Summary};
pub use query::{EpochProgress, RunningEpoch, EPOCH_PHASES};
pub use tx::{Included, Pending, Wait};

use crate::error::{Error, Result};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use subxt::config::RpcConfigFor;
use subxt::ext::jsonrpsee::ws_client::WsClientBuilder;
use subxt::rpcs::{LegacyRpcMethods, RpcClient};
use subxt::{OnlineClient, PolkadotConfig};

/// How many best blocks a read tries before it reports that the node lost the block's header.
const BEST_BLOCK_TRIES: u32 = 3;
/// What subxt says when the node no longer has a block's header (a pruned fork).
const PRUNED_HEADER: &str = "cannot find the block header";

type Rpc = LegacyRpcMethods<RpcConfigFor<PolkadotConfig>>;

/// The chain's state at one block.
type AtBlock = subxt::client::OnlineClientAtBlock<PolkadotConfig>;

/// A connected client.
pub struct Client {
    api: OnlineClient<PolkadotConfig>,
    rpc: Rpc,
    timeout: Duration,
    /// One transaction in flight per signer: `submit` holds its signer's lock from reading
    /// the nonce until the transaction is done, so two tasks sharing a client never sign
    /// with the same nonce.
    signers: std::sync::Mutex<std::collections::HashMap<[u8; 32], Arc<tokio::sync::Mutex<()>>>>,
}

/// Sorts a subxt error into our kinds by what it says.
fn classify(what: &str, message: &str) -> Error {
    let m = message.to_ascii_lowercase();
    if m.contains("invalid transaction")
        || m.contains("1010")
        || m.contains("1012")
        || m.contains("1013")
        || m.contains("1014")
        || m.contains("priority is too low")
    {
        Error::rejected(format!("{what}: the node's pool rejected it ({message})"))
    } else if m.contains("rpc error")
        || m.contains("connection")
        || m.contains("restart")
        || m.contains("disconnected")
        || m.contains("transport")
    {
        Error::connection(format!(
            "{what}: the connection to the node failed ({message})"
        ))
    } else {
        Error::internal(format!("{what}: {message}"))
    }
}

impl Client {
    /// Connects to `url` (a `ws://` or `wss://` node RPC endpoint); `timeout` bounds the
    /// connection and every later request or wait.
    pub async fn connect(url: &str, timeout: Duration) -> Result<Self> {
        if !(url.starts_with("ws://") || url.starts_with("wss://")) {
            return Err(Error::usage(format!(
                "{url:?} is not a node RPC URL: write ws://host:port or wss://host:port (default ws://127.0.0.1:9944)"
            )));
        }
        let unreachable = |e: &dyn std::fmt::Display| {
            Error::connection(format!(
                "cannot reach a node at {url} ({e}): start one (scripts/dev.sh) or pass --url"
            ))
        };
        let ws = match tokio::time::timeout(
            timeout,
            WsClientBuilder::default()
                .connection_timeout(timeout)
                .request_timeout(timeout)
                .max_buffer_capacity_per_subscription(4096)
                .build(url),
        )
        .await
        {
            Ok(Ok(ws)) => ws,
            Ok(Err(e)) => return Err(unreachable(&e)),
            Err(_) => return Err(unreachable(&"no answer in time")),
        };
        let rpc = RpcClient::new(ws);
        let api = match tokio::time::timeout(
            timeout,
            OnlineClient::<PolkadotConfig>::from_rpc_client(rpc.clone()),
        )
        .await
        {
            Ok(Ok(api)) => api,
            Ok(Err(e)) => return Err(unreachable(&e)),
            Err(_) => return Err(unreachable(&"no answer in time")),
        };
        Ok(Self {
            api,
            rpc: Rpc::new(rpc),
            timeout,
            signers: Default::default(),
        })
    }

    /// The chain's genesis hash, as read when connecting.
    pub fn genesis_hash(&self) -> [u8; 32] {
        self.api.genesis_hash().0
    }

    /// The request deadline.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Runs `f` with the request deadline: a node that stops answering ends in a
    /// connection error.
    pub(crate) async fn within<T, E: std::fmt::Display>(
        &self,
        what: &str,
        f: impl Future<Output = std::result::Result<T, E>>,
    ) -> Result<T> {
        match tokio::time::timeout(self.timeout, f).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(classify(what, &e.to_string())),
            Err(_) => Err(Error::connection(format!(
                "{what}: the node did not answer within {} s; check that it is running and synced, or raise --timeout",
                self.timeout.as_secs()
            ))),
        }
    }

    /// The state at block `number` of the best chain.
    async fn at_number(&self, number: u64) -> Result<AtBlock> {
        let hash = self
            .within("reading a block hash", async {
                self.rpc
                    .chain_get_block_hash(Some(subxt::rpcs::methods::legacy::NumberOrHex::Number(
                        number,
                    )))
                    .await
            })
            .await?
            .ok_or_else(|| Error::usage(format!("the node has no block {number}")))?;
        self.within("reading the chain state", self.api.at_block(hash))
            .await
    }

    /// The best block's state: reads see what a just-included transaction changed.
    ///
    /// A best block can be a fork's, pruned by finality between the two requests (a busy
    /// node's author can build two blocks at one height): its header is then gone, and the
    /// read starts again at the new best block, up to [`BEST_BLOCK_TRIES`] times.
    pub(crate) async fn at(&self) -> Result<AtBlock> {
        let mut tries = 1;
        loop {
            let best = self
                .within("reading the best block", async {
                    self.rpc.chain_get_block_hash(None).await
                })
                .await?
                .ok_or_else(|| Error::internal("the node has no best block"))?;
            match self
                .within("reading the chain state", self.api.at_block(best))
                .await
            {
                Err(e) if tries < BEST_BLOCK_TRIES && e.to_string().contains(PRUNED_HEADER) => {
                    tries += 1;
                }
                result => return result,
            }
        }
    }
}
