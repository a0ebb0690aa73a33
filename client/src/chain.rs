//! A connection to a Mindnet node: reads through the runtime API (with a storage fallback),
//! and transactions signed, submitted and watched with a deadline on every step.

use crate::error::{Error, Result};
use crate::keys::{address_of, Key};
use crate::runtime;
use crate::runtime::runtime_types::pallet_mindnet::network::NetworkParameter;
use serde::Serialize;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use subxt::config::PolkadotExtrinsicParamsBuilder;
use subxt::config::RpcConfigFor;
use subxt::ext::jsonrpsee::ws_client::WsClientBuilder;
use subxt::rpcs::{LegacyRpcMethods, RpcClient};
use subxt::transactions::{Payload, TransactionStatus};
use subxt::utils::AccountId32;
use subxt::{OnlineClient, PolkadotConfig};

type Rpc = LegacyRpcMethods<RpcConfigFor<PolkadotConfig>>;

/// What a neuron's next `set_weights` must respect ([`Client::weight_policy`]).
#[derive(Clone, Copy, Debug)]
pub struct WeightPolicy {
    /// The row rules.
    pub rules: crate::weights::RowRules,
    /// Blocks between two `set_weights` of one neuron (0: no limit).
    pub rate_limit: u64,
    /// The block the limit counts from.
    pub last: u64,
    /// Whether `last` is the registration (no weights set yet).
    pub since_registration: bool,
    /// The network's `weights_version_key`.
    pub version_key: u64,
}

impl WeightPolicy {
    /// The first block whose `set_weights` the limit allows.
    pub fn allowed_from(&self) -> u64 {
        self.last.saturating_add(self.rate_limit)
    }

    /// Whether a `set_weights` submitted when the best block is `best` (so included in
    /// `best + 1` at the earliest) passes the rate limit.
    pub fn allows(&self, best: u64) -> bool {
        self.rate_limit == 0 || best.saturating_add(1) >= self.allowed_from()
    }
}

/// When a submitted transaction counts as done.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Wait {
    /// Included in a best block.
    Inclusion,
    /// In a finalised block.
    Finalized,
}

/// What happened to a transaction.
#[derive(Clone, Debug, Serialize)]
pub struct Included {
    /// The extrinsic's hash.
    pub extrinsic: String,
    /// The block that holds it.
    pub block: String,
    /// The fee the signer paid, in base units.
    pub fee: Option<u128>,
    /// The events it emitted, as `Pallet.Variant`.
    pub events: Vec<String>,
}

/// A neuron as `MindnetApi.neurons` reports it.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Neuron {
    /// Its uid.
    pub uid: u16,
    /// Its hotkey's address.
    pub hotkey: String,
    /// The owning coldkey's address.
    pub coldkey: String,
    /// All stake behind it on this network, in base units.
    pub stake: u128,
    /// Rank, trust, consensus, incentive, dividends of the last epoch, in [0, 1].
    pub rank: f64,
    /// Trust.
    pub trust: f64,
    /// Consensus.
    pub consensus: f64,
    /// Incentive.
    pub incentive: f64,
    /// Dividends.
    pub dividends: f64,
    /// Base units minted to it in the last epoch.
    pub emission: u64,
    /// Block of its last weights, if any.
    pub last_update: Option<u64>,
    /// Block it registered at.
    pub registered_at: u64,
    /// Whether it set weights within the activity cutoff.
    pub active: bool,
    /// `ip:port` it serves at, if it served an axon.
    pub axon: Option<String>,
}

/// Where a network's epoch stands.
#[derive(Clone, Debug, Serialize)]
pub struct EpochProgress {
    /// Epochs completed.
    pub epochs: u64,
    /// The block the last epoch started at.
    pub last_epoch_block: Option<u64>,
    /// Whether one is running now.
    pub running: bool,
    /// The network's tempo.
    pub tempo: u16,
}

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

/// Runs `f` with a deadline: a node that stops answering ends in a connection error.
async fn deadline<T, E: std::fmt::Display>(
    timeout: Duration,
    what: &str,
    f: impl Future<Output = std::result::Result<T, E>>,
) -> Result<T> {
    match tokio::time::timeout(timeout, f).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(classify(what, &e.to_string())),
        Err(_) => Err(Error::connection(format!(
            "{what}: the node did not answer within {} s; check that it is running and synced, or raise --timeout",
            timeout.as_secs()
        ))),
    }
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

/// `Pallet.Variant — its doc line` (without the dash when the variant has no docs).
fn error_words(pallet: &str, variant: &str, docs: &[String]) -> String {
    let docs = docs.join(" ");
    let docs = docs.trim();
    if docs.is_empty() {
        format!("{pallet}.{variant}")
    } else {
        format!("{pallet}.{variant} — {docs}")
    }
}

/// A `DispatchError` in words: `Pallet.Variant — its doc line`.
pub fn describe_dispatch_error(error: &subxt::error::DispatchError) -> String {
    use subxt::error::DispatchError;
    match error {
        DispatchError::Module(m) => match m.details() {
            Ok(d) => error_words(d.pallet.name(), &d.variant.name, &d.variant.docs),
            Err(_) => format!("an unknown module error {:?}", m.bytes()),
        },
        other => other.to_string(),
    }
}

/// A `DispatchError` reported inside an event (as `Sudo.Sudid` does), in words.
fn describe_inner_error(
    metadata: &subxt::Metadata,
    error: &runtime::runtime_types::sp_runtime::DispatchError,
) -> String {
    use runtime::runtime_types::sp_runtime::DispatchError as E;
    match error {
        E::Module(m) => metadata
            .pallet_by_error_index(m.index)
            .and_then(|p| {
                let v = p.error_variant_by_index(m.error[0])?;
                Some(error_words(p.name(), &v.name, &v.docs))
            })
            .unwrap_or_else(|| format!("an unknown module error {m:?}")),
        other => format!("{other:?}"),
    }
}

fn neuron_of(
    n: runtime::runtime_types::pallet_mindnet::runtime_api::NeuronInfo<AccountId32, u128>,
) -> Neuron {
    Neuron {
        uid: n.uid,
        hotkey: address_of(&n.hotkey),
        coldkey: address_of(&n.coldkey),
        stake: n.stake,
        rank: perbill(&n.rank),
        trust: perbill(&n.trust),
        consensus: perbill(&n.consensus),
        incentive: perbill(&n.incentive),
        dividends: perbill(&n.dividends),
        emission: n.emission,
        last_update: n.last_update,
        registered_at: n.registered_at,
        active: n.active,
        axon: n.axon.as_ref().map(axon_text),
    }
}

fn perbill(p: &runtime::runtime_types::sp_arithmetic::per_things::Perbill) -> f64 {
    f64::from(p.0) / 1e9
}

/// An axon's IP as `serve_axon` takes it: the address as a `u128` and its type (4 or 6).
pub fn axon_ip(ip: std::net::IpAddr) -> (u128, u8) {
    match ip {
        std::net::IpAddr::V4(v4) => (u128::from(u32::from(v4)), 4),
        std::net::IpAddr::V6(v6) => (u128::from(v6), 6),
    }
}

fn axon_text(axon: &runtime::runtime_types::pallet_mindnet::AxonInfo) -> String {
    if axon.ip_type == 4 {
        let ip = std::net::Ipv4Addr::from(u32::try_from(axon.ip).unwrap_or(0));
        format!("{ip}:{}", axon.port)
    } else {
        let ip = std::net::Ipv6Addr::from(axon.ip);
        format!("[{ip}]:{}", axon.port)
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

    /// The request deadline.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    async fn at(&self) -> Result<subxt::client::OnlineClientAtBlock<PolkadotConfig>> {
        // Reads see the best block (what a just-included transaction changed).
        let best = deadline(self.timeout, "reading the best block", async {
            self.rpc.chain_get_block_hash(None).await
        })
        .await?
        .ok_or_else(|| Error::internal("the node has no best block"))?;
        deadline(
            self.timeout,
            "reading the chain state",
            self.api.at_block(best),
        )
        .await
    }

    /// The best block's number.
    pub async fn best_number(&self) -> Result<u64> {
        Ok(self.at().await?.block_number())
    }

    /// `account`'s free and reserved (held) balance and its nonce.
    pub async fn balance(&self, account: &AccountId32) -> Result<(u128, u128)> {
        let at = self.at().await?;
        let info = deadline(self.timeout, "reading the balance", async {
            Ok::<_, subxt::Error>(
                at.storage()
                    .fetch(runtime::storage().system().account(), (*account,))
                    .await?
                    .decode()?,
            )
        })
        .await?;
        Ok((info.data.free, info.data.reserved))
    }

    /// The chain's existential deposit.
    pub async fn existential_deposit(&self) -> Result<u128> {
        let at = self.at().await?;
        at.constants()
            .entry(runtime::constants().balances().existential_deposit())
            .map_err(|e| Error::internal(format!("reading the existential deposit: {e}")))
    }

    /// The networks that exist.
    pub async fn networks(&self) -> Result<Vec<u16>> {
        let at = self.at().await?;
        let mut netuids = deadline(self.timeout, "listing networks", async {
            let mut it = at
                .storage()
                .iter(runtime::storage().mindnet().networks_added(), ())
                .await?;
            let mut out = Vec::new();
            while let Some(kv) = it.next().await {
                let (netuid,) = kv?.key()?.decode()?;
                out.push(netuid);
            }
            Ok::<_, subxt::Error>(out)
        })
        .await?;
        netuids.sort_unstable();
        Ok(netuids)
    }

    /// Fails with a usage error when `netuid` does not exist.
    pub async fn ensure_network(&self, netuid: u16) -> Result<()> {
        let at = self.at().await?;
        let exists = deadline(self.timeout, "reading the network", async {
            at.storage()
                .try_fetch(runtime::storage().mindnet().networks_added(), (netuid,))
                .await
        })
        .await?
        .is_some();
        if exists {
            Ok(())
        } else {
            Err(Error::usage(format!(
                "network {netuid} does not exist: `mindnet network list` shows the networks"
            )))
        }
    }

    /// A network's parameters, by name (`tempo`, `min_allowed_weights`, …), as numbers or
    /// booleans (fractions in [0, 1]).
    pub async fn network_params(&self, netuid: u16) -> Result<Vec<(String, serde_json::Value)>> {
        use subxt::ext::scale_value::{Composite, Primitive, Value, ValueDef};
        fn json(v: &Value<()>) -> serde_json::Value {
            match &v.value {
                ValueDef::Primitive(Primitive::Bool(b)) => serde_json::Value::Bool(*b),
                ValueDef::Primitive(Primitive::U128(n)) => serde_json::Value::from(*n as f64)
                    .as_f64()
                    .filter(|_| *n <= u128::from(u64::MAX))
                    .map(|_| serde_json::Value::from(*n as u64))
                    .unwrap_or_else(|| serde_json::Value::String(n.to_string())),
                // Perbill(parts): a fraction.
                ValueDef::Composite(Composite::Unnamed(fields)) if fields.len() == 1 => {
                    match &fields[0].value {
                        ValueDef::Primitive(Primitive::U128(parts)) => {
                            serde_json::Value::from(*parts as f64 / 1e9)
                        }
                        _ => serde_json::Value::String(v.to_string()),
                    }
                }
                _ => serde_json::Value::String(v.to_string()),
            }
        }
        self.ensure_network(netuid).await?;
        let at = self.at().await?;
        let mut out = Vec::new();
        for (name, entry) in PARAMETERS {
            let address = subxt::dynamic::storage::<(u16,), Value>("Mindnet", entry);
            let value = deadline(self.timeout, "reading network parameters", async {
                Ok::<_, subxt::Error>(at.storage().fetch(address, (netuid,)).await?.decode()?)
            })
            .await?;
            out.push((name.to_string(), json(&value.remove_context())));
        }
        let count = deadline(self.timeout, "reading the neuron count", async {
            Ok::<_, subxt::Error>(
                at.storage()
                    .fetch(runtime::storage().mindnet().neuron_count(), (netuid,))
                    .await?
                    .decode()?,
            )
        })
        .await?;
        out.push(("neurons".to_string(), serde_json::Value::from(count)));
        Ok(out)
    }

    /// What `set_weights` from `own_uid` on `netuid` must respect now: the row rules, the
    /// rate limit (as the chain counts it: from the neuron's last `set_weights`, else from
    /// its registration) and the version key.
    pub async fn weight_policy(&self, netuid: u16, own_uid: u16) -> Result<WeightPolicy> {
        let params = self.network_params(netuid).await?;
        let param = |name: &str| -> u64 {
            params
                .iter()
                .find(|(n, _)| n == name)
                .and_then(|(_, v)| v.as_u64())
                .unwrap_or(0)
        };
        let n = self.neuron(netuid, own_uid).await?.ok_or_else(|| {
            Error::internal(format!(
                "uid {own_uid} of network {netuid} vanished while reading it"
            ))
        })?;
        Ok(WeightPolicy {
            rules: crate::weights::RowRules {
                neurons: u32::try_from(param("neurons")).unwrap_or(0),
                max_weights_per_row: u16::try_from(param("max_weights_per_row"))
                    .unwrap_or(u16::MAX),
                min_allowed_weights: u16::try_from(param("min_allowed_weights")).unwrap_or(0),
                own_uid,
            },
            rate_limit: param("weights_set_rate_limit"),
            last: n.last_update.unwrap_or(n.registered_at),
            since_registration: n.last_update.is_none(),
            version_key: param("weights_version_key"),
        })
    }

    /// The network's `MinStake`, in base units.
    pub async fn min_stake(&self, netuid: u16) -> Result<u128> {
        let at = self.at().await?;
        deadline(self.timeout, "reading min_stake", async {
            Ok::<_, subxt::Error>(
                at.storage()
                    .fetch(runtime::storage().mindnet().min_stake(), (netuid,))
                    .await?
                    .decode()?,
            )
        })
        .await
    }

    /// The uid `hotkey` holds on `netuid`, if any.
    pub async fn uid_of(&self, netuid: u16, hotkey: &AccountId32) -> Result<Option<u16>> {
        let at = self.at().await?;
        deadline(self.timeout, "reading the hotkey's uid", async {
            match at
                .storage()
                .try_fetch(runtime::storage().mindnet().uids(), (netuid, *hotkey))
                .await?
            {
                Some(v) => Ok::<_, subxt::Error>(Some(v.decode()?)),
                None => Ok(None),
            }
        })
        .await
    }

    /// The coldkey that owns `hotkey`, if any.
    pub async fn owner_of(&self, hotkey: &AccountId32) -> Result<Option<AccountId32>> {
        let at = self.at().await?;
        deadline(self.timeout, "reading the hotkey's owner", async {
            match at
                .storage()
                .try_fetch(runtime::storage().mindnet().owner(), (*hotkey,))
                .await?
            {
                Some(v) => Ok::<_, subxt::Error>(Some(v.decode()?)),
                None => Ok(None),
            }
        })
        .await
    }

    /// What `coldkey` can withdraw from behind `hotkey` on `netuid`.
    pub async fn stake_of(
        &self,
        netuid: u16,
        hotkey: &AccountId32,
        coldkey: &AccountId32,
    ) -> Result<u128> {
        let at = self.at().await?;
        let call = runtime::runtime_apis()
            .mindnet_api()
            .stake_of(netuid, *hotkey, *coldkey);
        deadline(self.timeout, "reading stake", at.runtime_apis().call(call)).await
    }

    /// All stake behind `hotkey` on `netuid`.
    pub async fn hotkey_stake(&self, netuid: u16, hotkey: &AccountId32) -> Result<u128> {
        let at = self.at().await?;
        let call = runtime::runtime_apis()
            .mindnet_api()
            .hotkey_stake(netuid, *hotkey);
        deadline(self.timeout, "reading stake", at.runtime_apis().call(call)).await
    }

    /// The bytes a hotkey signs to consent to its registration.
    pub async fn registration_payload(
        &self,
        netuid: u16,
        coldkey: &AccountId32,
        deadline_block: u64,
    ) -> Result<[u8; 32]> {
        let at = self.at().await?;
        let call = runtime::runtime_apis().mindnet_api().registration_payload(
            netuid,
            *coldkey,
            deadline_block,
        );
        deadline(
            self.timeout,
            "reading the registration payload",
            at.runtime_apis().call(call),
        )
        .await
    }

    /// Every neuron of `netuid`, in uid order: through `MindnetApi.neurons`, or from storage
    /// where the runtime has no such API.
    pub async fn neurons(&self, netuid: u16) -> Result<Vec<Neuron>> {
        self.ensure_network(netuid).await?;
        let at = self.at().await?;
        let has_api = at
            .metadata()
            .runtime_api_trait_by_name("MindnetApi")
            .and_then(|t| t.method_by_name("neurons"))
            .is_some();
        if !has_api {
            return self.neurons_from_storage(netuid).await;
        }
        let call = runtime::runtime_apis().mindnet_api().neurons(netuid);
        let infos = deadline(
            self.timeout,
            "reading the metagraph",
            at.runtime_apis().call(call),
        )
        .await?;
        Ok(infos.into_iter().map(neuron_of).collect())
    }

    /// Neuron `uid` of `netuid`, if the uid is held (`MindnetApi.neuron`).
    pub async fn neuron(&self, netuid: u16, uid: u16) -> Result<Option<Neuron>> {
        let at = self.at().await?;
        let call = runtime::runtime_apis().mindnet_api().neuron(netuid, uid);
        let info = deadline(
            self.timeout,
            "reading the neuron",
            at.runtime_apis().call(call),
        )
        .await?;
        Ok(info.map(neuron_of))
    }

    /// The `(netuid, hotkey)` pools `coldkey` holds a position in.
    pub async fn positions_of(&self, coldkey: &AccountId32) -> Result<Vec<(u16, AccountId32)>> {
        let netuids = self.networks().await?;
        let at = self.at().await?;
        deadline(self.timeout, "reading stake positions", async {
            let mut out = Vec::new();
            for netuid in netuids {
                let mut it = at
                    .storage()
                    .iter(runtime::storage().mindnet().stake_positions(), (netuid,))
                    .await?;
                while let Some(kv) = it.next().await {
                    let (n, hotkey, owner): (u16, AccountId32, AccountId32) =
                        kv?.key()?.decode()?;
                    if owner == *coldkey {
                        out.push((n, hotkey));
                    }
                }
            }
            Ok::<_, subxt::Error>(out)
        })
        .await
    }

    /// The networks on which `hotkey` has a stake pool.
    pub async fn pools_of(&self, hotkey: &AccountId32) -> Result<Vec<u16>> {
        let netuids = self.networks().await?;
        let at = self.at().await?;
        deadline(self.timeout, "reading stake pools", async {
            let mut out = Vec::new();
            for netuid in netuids {
                if at
                    .storage()
                    .try_fetch(
                        runtime::storage().mindnet().stake_pools(),
                        (netuid, *hotkey),
                    )
                    .await?
                    .is_some()
                {
                    out.push(netuid);
                }
            }
            Ok::<_, subxt::Error>(out)
        })
        .await
    }

    /// The metagraph read from storage (keys, owners, pools, results pages, activity), as
    /// `MindnetApi.neurons` computes it: for runtimes without that API.
    pub async fn neurons_from_storage(&self, netuid: u16) -> Result<Vec<Neuron>> {
        let at = self.at().await?;
        let now = at.block_number();
        let s = runtime::storage().mindnet();
        deadline(self.timeout, "reading the metagraph from storage", async {
            let count = at
                .storage()
                .fetch(s.neuron_count(), (netuid,))
                .await?
                .decode()?;
            let cutoff = at
                .storage()
                .fetch(s.activity_cutoff(), (netuid,))
                .await?
                .decode()?;
            let mut last_updates = std::collections::BTreeMap::new();
            let mut entries = at.storage().iter(s.last_update(), (netuid,)).await?;
            while let Some(kv) = entries.next().await {
                let kv = kv?;
                let (_, uid): (u16, u16) = kv.key()?.decode()?;
                last_updates.insert(uid, kv.value().decode()?);
            }
            let mut out = Vec::new();
            let mut page_index = u32::MAX;
            let mut page = Vec::new();
            for uid in 0..u16::try_from(count).unwrap_or(u16::MAX) {
                let Some(hotkey) = at.storage().try_fetch(s.keys(), (netuid, uid)).await? else {
                    continue;
                };
                let hotkey: AccountId32 = hotkey.decode()?;
                let Some(coldkey) = at.storage().try_fetch(s.owner(), (hotkey,)).await? else {
                    continue;
                };
                let coldkey: AccountId32 = coldkey.decode()?;
                let stake = match at
                    .storage()
                    .try_fetch(s.stake_pools(), (netuid, hotkey))
                    .await?
                {
                    Some(v) => {
                        let pool = v.decode()?;
                        pool.value.saturating_add(pool.joining)
                    }
                    None => 0,
                };
                // `LastUpdate` reads as 0 where absent: whether it exists is in the keys.
                let last_update = last_updates.get(&uid).copied();
                let registered_at = at
                    .storage()
                    .fetch(s.registered_at(), (netuid, uid))
                    .await?
                    .decode()?;
                let axon = match at.storage().try_fetch(s.axons(), (netuid, hotkey)).await? {
                    Some(v) => Some(axon_text(&v.decode()?)),
                    None => None,
                };
                let p = u32::from(uid) / 256;
                if p != page_index {
                    page_index = p;
                    page = match at
                        .storage()
                        .try_fetch(s.neuron_results(), (netuid, p))
                        .await?
                    {
                        Some(v) => v.decode()?.0,
                        None => Vec::new(),
                    };
                }
                let r = page.get(usize::from(uid) % 256);
                let frac =
                    |f: fn(&runtime::runtime_types::pallet_mindnet::epoch::NeuronResult) -> f64| {
                        r.map(f).unwrap_or(0.0)
                    };
                out.push(Neuron {
                    uid,
                    hotkey: address_of(&hotkey),
                    coldkey: address_of(&coldkey),
                    stake,
                    rank: frac(|r| perbill(&r.rank)),
                    trust: frac(|r| perbill(&r.trust)),
                    consensus: frac(|r| perbill(&r.consensus)),
                    incentive: frac(|r| perbill(&r.incentive)),
                    dividends: frac(|r| perbill(&r.dividends)),
                    emission: r.map(|r| r.emission).unwrap_or(0),
                    last_update,
                    registered_at,
                    active: last_update
                        .is_some_and(|u| u > registered_at && now.saturating_sub(u) <= cutoff),
                    axon,
                });
            }
            Ok::<_, subxt::Error>(out)
        })
        .await
    }

    /// Where `netuid`'s epoch stands.
    pub async fn epoch_status(&self, netuid: u16) -> Result<EpochProgress> {
        let at = self.at().await?;
        let call = runtime::runtime_apis().mindnet_api().epoch_status(netuid);
        let s = deadline(
            self.timeout,
            "reading the epoch status",
            at.runtime_apis().call(call),
        )
        .await?;
        Ok(EpochProgress {
            epochs: s.epochs,
            last_epoch_block: s.last_epoch_block,
            running: s.running.is_some(),
            tempo: s.tempo,
        })
    }

    /// The chain's sudo key.
    pub async fn sudo_key(&self) -> Result<Option<AccountId32>> {
        let at = self.at().await?;
        deadline(self.timeout, "reading the sudo key", async {
            match at
                .storage()
                .try_fetch(runtime::storage().sudo().key(), ())
                .await?
            {
                Some(v) => Ok::<_, subxt::Error>(Some(v.decode()?)),
                None => Ok(None),
            }
        })
        .await
    }

    /// The fee `signer` would pay for `call`.
    pub async fn estimate_fee<Call: Payload>(&self, call: &Call, signer: &Key) -> Result<u128> {
        let at = self.at().await?;
        let mut txs = at.transactions();
        let params = PolkadotExtrinsicParamsBuilder::<PolkadotConfig>::new().build();
        deadline(self.timeout, "estimating the fee", async {
            let tx = txs.create_signed(call, signer, params).await?;
            tx.partial_fee_estimate().await
        })
        .await
    }

    /// Signs `call` with `signer`, submits it and waits for `wait`, calling `progress` with
    /// each status. The nonce is the node's next one for the signer (pool included), read
    /// while holding the signer's lock: transactions of one signer through one client go
    /// one at a time.
    pub async fn submit<Call: Payload>(
        &self,
        what: &str,
        call: &Call,
        signer: &Key,
        wait: Wait,
        progress: &mut (dyn FnMut(&str) + Send),
    ) -> Result<Included> {
        let account = signer.account_id();
        let lock = self
            .signers
            .lock()
            .map_err(|_| Error::internal("the signer table's lock is poisoned"))?
            .entry(signer.public())
            .or_default()
            .clone();
        let _in_flight = lock.lock().await;
        // A signer that cannot pay the fee is refused by the pool with a vague message:
        // say it in words before signing.
        let fee = self.estimate_fee(call, signer).await?;
        let (free, _) = self.balance(&account).await?;
        if free < fee {
            return Err(Error::rejected(format!(
                "{} has {} MIND free, less than the fee of about {} MIND for {what}: send it some MIND first (mindnet transfer --to {} --amount 1)",
                signer.address(),
                crate::amount::format_mind(free),
                crate::amount::format_mind(fee),
                signer.address()
            )));
        }
        let nonce = deadline(self.timeout, "reading the signer's nonce", async {
            self.rpc.system_account_next_index(&account).await
        })
        .await?;
        let at = self.at().await?;
        let mut txs = at.transactions();
        let params = PolkadotExtrinsicParamsBuilder::<PolkadotConfig>::new()
            .nonce(nonce)
            .mortal(64)
            .build();
        progress(&format!("{what}: submitting"));
        let mut watch = deadline(
            self.timeout,
            what,
            txs.sign_and_submit_then_watch(call, signer, params),
        )
        .await?;
        let extrinsic = format!("{:?}", watch.extrinsic_hash());
        // Inclusion and finality take blocks: allow several request deadlines.
        let limit = self.timeout.saturating_mul(4);
        let started = std::time::Instant::now();
        loop {
            let left = limit.saturating_sub(started.elapsed());
            let status = match tokio::time::timeout(left, watch.next()).await {
                Err(_) => {
                    return Err(Error::connection(format!(
                        "{what}: not {} within {} s (extrinsic {extrinsic}); it may still be included: check with `mindnet balance` before sending again",
                        if wait == Wait::Finalized { "finalized" } else { "included" },
                        limit.as_secs()
                    )))
                }
                Ok(None) => {
                    return Err(Error::connection(format!(
                        "{what}: the node stopped reporting on the transaction (extrinsic {extrinsic})"
                    )))
                }
                Ok(Some(Err(e))) => return Err(classify(what, &e.to_string())),
                Ok(Some(Ok(s))) => s,
            };
            let in_block = match status {
                TransactionStatus::Validated => {
                    progress(&format!("{what}: in the pool, waiting for a block"));
                    None
                }
                TransactionStatus::Broadcasted => None,
                TransactionStatus::NoLongerInBestBlock => {
                    progress(&format!("{what}: its block was retracted, waiting again"));
                    None
                }
                TransactionStatus::InBestBlock(b) if wait == Wait::Inclusion => Some(b),
                TransactionStatus::InBestBlock(_) => {
                    progress(&format!("{what}: included, waiting for finality"));
                    None
                }
                TransactionStatus::InFinalizedBlock(b) => Some(b),
                TransactionStatus::Error { message }
                | TransactionStatus::Invalid { message }
                | TransactionStatus::Dropped { message } => {
                    return Err(Error::rejected(format!(
                        "{what} was rejected by the node's pool: {message}"
                    )))
                }
            };
            let Some(block) = in_block else { continue };
            let block_hash = format!("{:?}", block.block_hash());
            let events = match deadline(self.timeout, what, async {
                Ok::<_, String>(block.wait_for_success().await)
            })
            .await?
            {
                Ok(events) => events,
                Err(subxt::error::TransactionEventsError::ExtrinsicFailed(e)) => {
                    return Err(Error::rejected(format!(
                        "{what} failed: {}",
                        describe_dispatch_error(&e)
                    )))
                }
                Err(e) => return Err(classify(what, &e.to_string())),
            };
            let mut names = Vec::new();
            let mut fee = None;
            let mut inner_error = None;
            for ev in events.iter().flatten() {
                // Sudo succeeds even when the call inside it fails: say why that call failed.
                if let Some(Ok(sudid)) = ev.decode_fields_as::<runtime::sudo::events::Sudid>() {
                    if let Err(e) = sudid.sudo_result {
                        inner_error = Some(describe_inner_error(&at.metadata(), &e));
                    }
                }
                names.push(format!("{}.{}", ev.pallet_name(), ev.event_name()));
                if ev.pallet_name() == "TransactionPayment"
                    && ev.event_name() == "TransactionFeePaid"
                {
                    if let Some(Ok(paid)) = ev.decode_fields_as::<
                        runtime::transaction_payment::events::TransactionFeePaid,
                    >() {
                        fee = Some(paid.actual_fee);
                    }
                }
            }
            if let Some(e) = inner_error {
                return Err(Error::rejected(format!("{what} failed inside sudo: {e}")));
            }
            return Ok(Included {
                extrinsic,
                block: block_hash,
                fee,
                events: names,
            });
        }
    }

    /// Builds `Mindnet.set_parameter(netuid, PARAM(value))` from a parameter's name (as
    /// `network params` lists it) and a value in words: integers, `true`/`false`, fractions
    /// (`0.5` or `50%`), MIND amounts for the registration fee.
    pub fn parameter(name: &str, value: &str) -> Result<NetworkParameter<u128>> {
        type P = NetworkParameter<u128>;
        let bad = |what: &str| {
            Error::usage(format!(
                "{value:?} is not a valid value for {name}: give {what}"
            ))
        };
        fn int<N: std::str::FromStr>(v: &str) -> Option<N> {
            v.trim().replace('_', "").parse().ok()
        }
        let frac = |v: &str| -> Result<runtime::runtime_types::sp_arithmetic::per_things::Perbill> {
            let v = v.trim();
            let x: f64 = match v.strip_suffix('%') {
                Some(p) => p.trim().parse::<f64>().map(|p| p / 100.0),
                None => v.parse::<f64>(),
            }
            .map_err(|_| bad("a fraction such as 0.5 or 50%"))?;
            if !(0.0..=1.0).contains(&x) {
                return Err(bad("a fraction between 0 and 1"));
            }
            Ok(runtime::runtime_types::sp_arithmetic::per_things::Perbill(
                (x * 1e9).round() as u32,
            ))
        };
        let boolean = |v: &str| match v.trim() {
            "true" | "yes" | "1" => Ok(true),
            "false" | "no" | "0" => Ok(false),
            _ => Err(bad("true or false")),
        };
        Ok(match name {
            "tempo" => P::Tempo(int(value).ok_or_else(|| bad("a block count (1 to 65535)"))?),
            "rho" => P::Rho(int(value).ok_or_else(|| bad("a whole number"))?),
            "kappa" => P::Kappa(frac(value)?),
            "bonds_moving_average" => P::BondsMovingAverage(frac(value)?),
            "dividend_share" => P::DividendShare(frac(value)?),
            "activity_cutoff" => P::ActivityCutoff(int(value).ok_or_else(|| bad("a block count"))?),
            "mask_self_weight" => P::MaskSelfWeight(boolean(value)?),
            "block_emission" => {
                P::BlockEmission(int(value).ok_or_else(|| bad("base units per block"))?)
            }
            "loss_margin" => P::LossMargin(frac(value)?),
            "min_allowed_weights" => {
                P::MinAllowedWeights(int(value).ok_or_else(|| bad("a whole number"))?)
            }
            "max_weights_per_row" => {
                P::MaxWeightsPerRow(int(value).ok_or_else(|| bad("a whole number"))?)
            }
            "max_allowed_uids" => {
                P::MaxAllowedUids(int(value).ok_or_else(|| bad("a whole number"))?)
            }
            "immunity_period" => P::ImmunityPeriod(int(value).ok_or_else(|| bad("a block count"))?),
            "weights_version_key" => {
                P::WeightsVersionKey(int(value).ok_or_else(|| bad("a whole number"))?)
            }
            "weights_set_rate_limit" => {
                P::WeightsSetRateLimit(int(value).ok_or_else(|| bad("a block count"))?)
            }
            "registration_fee" => P::RegistrationFee(crate::amount::parse_mind(value)?),
            "adaptive_emission" => P::AdaptiveEmission(boolean(value)?),
            "sparsity_target" => P::SparsityTarget(frac(value)?),
            "emission_adjustment" => P::EmissionAdjustment(frac(value)?),
            "min_block_emission" => {
                P::MinBlockEmission(int(value).ok_or_else(|| bad("base units per block"))?)
            }
            "max_block_emission" => {
                P::MaxBlockEmission(int(value).ok_or_else(|| bad("base units per block"))?)
            }
            "min_stake" => P::MinStake(crate::amount::parse_mind(value)?),
            "max_take" => P::MaxTake(frac(value)?),
            "max_weight_change" => {
                P::MaxWeightChange(int(value).ok_or_else(|| bad("parts per billion"))?)
            }
            _ => {
                return Err(Error::usage(format!(
                    "{name:?} is not a network parameter: one of {}",
                    PARAMETERS
                        .iter()
                        .map(|(n, _)| *n)
                        .collect::<Vec<_>>()
                        .join(", ")
                )))
            }
        })
    }
}

/// Network parameters: the CLI's name and the storage item that holds it.
pub const PARAMETERS: [(&str, &str); 24] = [
    ("tempo", "Tempo"),
    ("rho", "Rho"),
    ("kappa", "Kappa"),
    ("bonds_moving_average", "BondsMovingAverage"),
    ("dividend_share", "DividendShare"),
    ("activity_cutoff", "ActivityCutoff"),
    ("mask_self_weight", "MaskSelfWeight"),
    ("block_emission", "BlockEmission"),
    ("loss_margin", "LossMargin"),
    ("min_allowed_weights", "MinAllowedWeights"),
    ("max_weights_per_row", "MaxWeightsPerRow"),
    ("max_allowed_uids", "MaxAllowedUids"),
    ("immunity_period", "ImmunityPeriod"),
    ("weights_version_key", "WeightsVersionKey"),
    ("weights_set_rate_limit", "WeightsSetRateLimit"),
    ("registration_fee", "RegistrationFee"),
    ("adaptive_emission", "AdaptiveEmission"),
    ("sparsity_target", "SparsityTarget"),
    ("emission_adjustment", "EmissionAdjustment"),
    ("min_block_emission", "MinBlockEmission"),
    ("max_block_emission", "MaxBlockEmission"),
    ("min_stake", "MinStake"),
    ("max_take", "MaxTake"),
    ("max_weight_change", "MaxWeightChange"),
];
