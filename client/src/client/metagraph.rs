//! A network's neurons: through the runtime's `MindnetApi`, or read from storage the same
//! way for runtimes without that API.

use super::{AtBlock, Client};
use crate::error::Result;
use crate::keys::address_of;
use crate::runtime;
use crate::runtime::runtime_types::pallet_mindnet::epoch::NeuronResult;
use crate::runtime::runtime_types::pallet_mindnet::runtime_api::{NeuronInfo, NeuronSummary};
use crate::runtime::runtime_types::pallet_mindnet::AxonInfo;
use crate::runtime::runtime_types::sp_arithmetic::per_things::Perbill;
use serde::Serialize;
use std::collections::BTreeMap;
use subxt::utils::AccountId32;

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

/// What a learner polls of a neuron (`MindnetApi.neuron_summaries`).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Summary {
    /// Its uid.
    pub uid: u16,
    /// Its hotkey's address.
    pub hotkey: String,
    /// The stake behind it that counts in the running epoch, in base units.
    pub counted_stake: u128,
    /// Whether it set weights within the activity cutoff.
    pub active: bool,
    /// `ip:port` it serves at, if it served an axon.
    pub axon: Option<String>,
}

/// Uids per `neurons_page` or `neuron_summaries` call (the runtime's cap).
pub const PAGE: u16 = 1024;

fn summary_of(n: NeuronSummary<AccountId32, u128>) -> Summary {
    Summary {
        uid: n.uid,
        hotkey: address_of(&n.hotkey),
        counted_stake: n.counted_stake,
        active: n.active,
        axon: n.axon.as_ref().map(axon_text),
    }
}

fn neuron_of(n: NeuronInfo<AccountId32, u128>) -> Neuron {
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

fn perbill(p: &Perbill) -> f64 {
    f64::from(p.0) / 1e9
}

fn axon_text(axon: &AxonInfo) -> String {
    if axon.ip_type == 4 {
        let ip = std::net::Ipv4Addr::from(u32::try_from(axon.ip).unwrap_or(0));
        format!("{ip}:{}", axon.port)
    } else {
        let ip = std::net::Ipv6Addr::from(axon.ip);
        format!("[{ip}]:{}", axon.port)
    }
}

/// The held uids `start..end` through `page(from, count)` (a runtime API call of at most
/// [`PAGE`] uids), page after page: each goes on after the last uid the one before
/// returned, as the runtime may cap a page below what was asked. `uid` reads an item's uid.
async fn paged<T, F>(
    start: usize,
    end: usize,
    uid: impl Fn(&T) -> u16,
    page: impl Fn(u16, u16) -> F,
) -> Result<Vec<T>>
where
    F: std::future::Future<Output = Result<Vec<T>>>,
{
    let mut out = Vec::new();
    let mut next = start;
    while next < end {
        let (Ok(from), Ok(want)) = (
            u16::try_from(next),
            u16::try_from((end - next).min(usize::from(PAGE))),
        ) else {
            break;
        };
        let items = page(from, want).await?;
        let Some(last) = items.last().map(|n| usize::from(uid(n))) else {
            break;
        };
        next = last + 1;
        out.extend(items);
    }
    Ok(out)
}

/// Whether the runtime at `at` has `MindnetApi.method`.
fn has_api(at: &AtBlock, method: &str) -> bool {
    at.metadata()
        .runtime_api_trait_by_name("MindnetApi")
        .and_then(|t| t.method_by_name(method))
        .is_some()
}

impl Client {
    /// Every neuron of `netuid`, in uid order: in pages of [`PAGE`] uids through
    /// `MindnetApi.neurons_page` (each response a few hundred KB, whatever the network's
    /// size), through `MindnetApi.neurons` on runtimes before it, or from storage where
    /// the runtime has neither.
    pub async fn neurons(&self, netuid: u16) -> Result<Vec<Neuron>> {
        self.neurons_range(netuid, 0, usize::MAX).await
    }

    /// The neurons with uids `start..start + count` of `netuid` that are held, in uid
    /// order, all read at one block: the pages of `MindnetApi.neurons_page` that cover
    /// them, or the whole metagraph sliced on runtimes without it.
    pub async fn neurons_range(
        &self,
        netuid: u16,
        start: usize,
        count: usize,
    ) -> Result<Vec<Neuron>> {
        self.ensure_network(netuid).await?;
        let at = self.at().await?;
        let end = start.saturating_add(count);
        if !has_api(&at, "neurons_page") {
            let all = if has_api(&at, "neurons") {
                let call = runtime::runtime_apis().mindnet_api().neurons(netuid);
                self.within("reading the metagraph", at.runtime_apis().call(call))
                    .await?
                    .into_iter()
                    .map(neuron_of)
                    .collect()
            } else {
                self.neurons_from_storage(netuid).await?
            };
            return Ok(all
                .into_iter()
                .filter(|n| (start..end).contains(&usize::from(n.uid)))
                .collect());
        }
        let total = self.neuron_count_at(&at, netuid).await? as usize;
        let at = &at;
        let page = |from: u16, want: u16| async move {
            let call = runtime::runtime_apis()
                .mindnet_api()
                .neurons_page(netuid, from, want);
            self.within("reading the metagraph", at.runtime_apis().call(call))
                .await
        };
        let infos = paged(start, end.min(total), |n| n.uid, page).await?;
        Ok(infos.into_iter().map(neuron_of).collect())
    }

    /// What a learner polls of every neuron of `netuid` (uid, hotkey, counted stake,
    /// activity, axon), in uid order and pages of [`PAGE`] uids; on runtimes without
    /// `MindnetApi.neuron_summaries`, from the full metagraph and the stake pools.
    pub async fn neuron_summaries(&self, netuid: u16) -> Result<Vec<Summary>> {
        self.ensure_network(netuid).await?;
        let at = self.at().await?;
        if !has_api(&at, "neuron_summaries") {
            let counted = self.counted_stakes(netuid).await?;
            return Ok(self
                .neurons(netuid)
                .await?
                .into_iter()
                .map(|n| {
                    let key = crate::keys::ss58_decode(&n.hotkey).ok();
                    Summary {
                        uid: n.uid,
                        counted_stake: key.and_then(|k| counted.get(&k).copied()).unwrap_or(0),
                        hotkey: n.hotkey,
                        active: n.active,
                        axon: n.axon,
                    }
                })
                .collect());
        }
        let total = self.neuron_count_at(&at, netuid).await? as usize;
        let at = &at;
        let page = |from: u16, want: u16| async move {
            let call = runtime::runtime_apis()
                .mindnet_api()
                .neuron_summaries(netuid, from, want);
            self.within("reading the neurons", at.runtime_apis().call(call))
                .await
        };
        let summaries = paged(0, total, |n| n.uid, page).await?;
        Ok(summaries.into_iter().map(summary_of).collect())
    }

    /// Neuron `uid` of `netuid`, if the uid is held (`MindnetApi.neuron`).
    pub async fn neuron(&self, netuid: u16, uid: u16) -> Result<Option<Neuron>> {
        let at = self.at().await?;
        self.neuron_in(&at, netuid, uid).await
    }

    /// Neuron `uid` of `netuid` as it was at block `number`.
    pub async fn neuron_at(&self, netuid: u16, uid: u16, number: u64) -> Result<Option<Neuron>> {
        let at = self.at_number(number).await?;
        self.neuron_in(&at, netuid, uid).await
    }

    async fn neuron_in(&self, at: &AtBlock, netuid: u16, uid: u16) -> Result<Option<Neuron>> {
        let call = runtime::runtime_apis().mindnet_api().neuron(netuid, uid);
        let info = self
            .within("reading the neuron", at.runtime_apis().call(call))
            .await?;
        Ok(info.map(neuron_of))
    }

    /// The metagraph read from storage (keys, owners, pools, results pages, activity), as
    /// `MindnetApi.neurons` computes it: for runtimes without that API.
    pub async fn neurons_from_storage(&self, netuid: u16) -> Result<Vec<Neuron>> {
        let at = self.at().await?;
        self.within(
            "reading the metagraph from storage",
            read_neurons(&at, netuid),
        )
        .await
    }
}

/// Every held uid of `netuid`, from storage.
async fn read_neurons(at: &AtBlock, netuid: u16) -> Result<Vec<Neuron>, subxt::Error> {
    let s = runtime::storage().mindnet();
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
    let last_updates = read_last_updates(at, netuid).await?;
    let now = at.block_number();
    let mut results = ResultPages::default();
    let mut out = Vec::new();
    for uid in 0..u16::try_from(count).unwrap_or(u16::MAX) {
        let stored = Stored {
            netuid,
            uid,
            now,
            cutoff,
            // `LastUpdate` reads as 0 where absent: whether it exists is in the keys.
            last_update: last_updates.get(&uid).copied(),
        };
        if let Some(neuron) = stored.read(at, &mut results).await? {
            out.push(neuron);
        }
    }
    Ok(out)
}

/// The uids of `netuid` that have a `LastUpdate` entry, with its block.
async fn read_last_updates(at: &AtBlock, netuid: u16) -> Result<BTreeMap<u16, u64>, subxt::Error> {
    let mut last_updates = BTreeMap::new();
    let mut entries = at
        .storage()
        .iter(runtime::storage().mindnet().last_update(), (netuid,))
        .await?;
    while let Some(kv) = entries.next().await {
        let kv = kv?;
        let (_, uid): (u16, u16) = kv.key()?.decode()?;
        last_updates.insert(uid, kv.value().decode()?);
    }
    Ok(last_updates)
}

/// The epoch results page (256 uids) last read, kept for the uids after.
#[derive(Default)]
struct ResultPages {
    index: Option<u32>,
    page: Vec<NeuronResult>,
}

impl ResultPages {
    /// `uid`'s results of the last epoch, if it has any.
    async fn get(
        &mut self,
        at: &AtBlock,
        netuid: u16,
        uid: u16,
    ) -> Result<Option<&NeuronResult>, subxt::Error> {
        let p = u32::from(uid) / 256;
        if self.index != Some(p) {
            self.index = Some(p);
            self.page = match at
                .storage()
                .try_fetch(runtime::storage().mindnet().neuron_results(), (netuid, p))
                .await?
            {
                Some(v) => v.decode()?.0,
                None => Vec::new(),
            };
        }
        Ok(self.page.get(usize::from(uid) % 256))
    }
}

/// What reading one uid from storage needs besides the storage.
struct Stored {
    netuid: u16,
    uid: u16,
    now: u64,
    cutoff: u64,
    last_update: Option<u64>,
}

impl Stored {
    /// The neuron at this uid, if the uid is held and its hotkey owned.
    async fn read(
        &self,
        at: &AtBlock,
        results: &mut ResultPages,
    ) -> Result<Option<Neuron>, subxt::Error> {
        let (netuid, uid) = (self.netuid, self.uid);
        let s = runtime::storage().mindnet();
        let Some(hotkey) = at.storage().try_fetch(s.keys(), (netuid, uid)).await? else {
            return Ok(None);
        };
        let hotkey: AccountId32 = hotkey.decode()?;
        let Some(coldkey) = at.storage().try_fetch(s.owner(), (hotkey,)).await? else {
            return Ok(None);
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
        let registered_at: u64 = at
            .storage()
            .fetch(s.registered_at(), (netuid, uid))
            .await?
            .decode()?;
        let axon = match at.storage().try_fetch(s.axons(), (netuid, hotkey)).await? {
            Some(v) => Some(axon_text(&v.decode()?)),
            None => None,
        };
        let r = results.get(at, netuid, uid).await?;
        let frac = |f: fn(&NeuronResult) -> f64| r.map(f).unwrap_or(0.0);
        Ok(Some(Neuron {
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
            last_update: self.last_update,
            registered_at,
            active: self
                .last_update
                .is_some_and(|u| u > registered_at && self.now.saturating_sub(u) <= self.cutoff),
            axon,
        }))
    }
}
