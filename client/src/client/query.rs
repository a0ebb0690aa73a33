//! Reads of the chain's state at the best block: balances, networks and their parameters,
//! uids, owners, stake, the epoch and the sudo key.

use super::{AtBlock, Client};
use crate::error::{Error, Result};
use crate::params::{value_json, PARAMETERS};
use crate::runtime;
use serde::Serialize;
use subxt::utils::AccountId32;

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
    /// The running epoch's phase, cursor and size, when one is running.
    pub run: Option<RunningEpoch>,
}

/// Where a running (multi-block) epoch is.
#[derive(Clone, Debug, Serialize)]
pub struct RunningEpoch {
    /// The phase's name (`Gather`, `FirstPass`, …, `Order`).
    pub phase: String,
    /// Its place among the [`EPOCH_PHASES`], from 0.
    pub phase_index: usize,
    /// The next uid (or row) of the phase.
    pub cursor: u32,
    /// The neurons the epoch covers.
    pub neurons: u32,
    /// The boundary block it started at.
    pub started_at: u64,
}

/// The phases of an epoch, in the order they run.
pub const EPOCH_PHASES: [&str; 10] = [
    "Gather",
    "Stake",
    "FirstPass",
    "Consensus",
    "Transitive",
    "Rank",
    "SecondPass",
    "Emission",
    "Credit",
    "Order",
];

impl RunningEpoch {
    /// How far the epoch is, from 0 to 1: whole phases done plus the phase's cursor.
    pub fn progress(&self) -> f64 {
        let within = if self.neurons == 0 {
            0.0
        } else {
            (f64::from(self.cursor) / f64::from(self.neurons)).min(1.0)
        };
        (self.phase_index as f64 + within) / EPOCH_PHASES.len() as f64
    }
}

impl Client {
    /// The best block's number.
    pub async fn best_number(&self) -> Result<u64> {
        Ok(self.at().await?.block_number())
    }

    /// The last finalised block's number.
    pub async fn finalized_number(&self) -> Result<u64> {
        let hash = self
            .within("reading the finalised block", async {
                self.rpc.chain_get_finalized_head().await
            })
            .await?;
        let at = self
            .within("reading the chain state", self.api.at_block(hash))
            .await?;
        Ok(at.block_number())
    }

    /// The weight rows of `uids` on `netuid` as stored, in `uids`' order (empty where a uid
    /// has set none), all at one block.
    pub async fn weight_rows(&self, netuid: u16, uids: &[u16]) -> Result<Vec<Vec<(u16, u16)>>> {
        let at = self.at().await?;
        self.within("reading the weights", async {
            let mut out = Vec::with_capacity(uids.len());
            for uid in uids {
                let row = match at
                    .storage()
                    .try_fetch(runtime::storage().mindnet().weights(), (netuid, *uid))
                    .await?
                {
                    Some(v) => v.decode()?.0,
                    None => Vec::new(),
                };
                out.push(row);
            }
            Ok::<_, subxt::Error>(out)
        })
        .await
    }

    /// `account`'s free and reserved (held) balance and its nonce.
    pub async fn balance(&self, account: &AccountId32) -> Result<(u128, u128)> {
        let at = self.at().await?;
        let info = self
            .within("reading the balance", async {
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
        let mut netuids = self
            .within("listing networks", async {
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

    /// Whether the chain lets axons announce loopback and private addresses (development
    /// chains); elsewhere `serve_axon` refuses them.
    pub async fn allows_non_routable_axons(&self) -> Result<bool> {
        let at = self.at().await?;
        self.within("reading AllowNonRoutableAxons", async {
            Ok::<_, subxt::Error>(
                at.storage()
                    .fetch(runtime::storage().mindnet().allow_non_routable_axons(), ())
                    .await?
                    .decode()?,
            )
        })
        .await
    }

    /// The stake that counts in `netuid`'s running epoch, by hotkey: each pool's lowest
    /// value since the epoch began plus stake that joined in an earlier period (stake still
    /// joining neither counts nor earns; the pallet's `counted_stake`).
    pub async fn counted_stakes(
        &self,
        netuid: u16,
    ) -> Result<std::collections::HashMap<[u8; 32], u128>> {
        let at = self.at().await?;
        self.within("reading the counted stake", async {
            let epoch = at
                .storage()
                .fetch(runtime::storage().mindnet().epoch_index(), (netuid,))
                .await?
                .decode()?;
            let mut it = at
                .storage()
                .iter(runtime::storage().mindnet().stake_pools(), (netuid,))
                .await?;
            let mut out = std::collections::HashMap::new();
            while let Some(kv) = it.next().await {
                let kv = kv?;
                let (_, hotkey): (u16, AccountId32) = kv.key()?.decode()?;
                let pool = kv.value().decode()?;
                let active = if pool.counted_epoch < epoch {
                    pool.value
                } else {
                    pool.counted
                };
                let joined = if pool.joining_epoch < epoch {
                    pool.joining
                } else {
                    0
                };
                out.insert(hotkey.0, active.saturating_add(joined));
            }
            Ok::<_, subxt::Error>(out)
        })
        .await
    }

    /// Fails with a usage error when `netuid` does not exist.
    pub async fn ensure_network(&self, netuid: u16) -> Result<()> {
        let at = self.at().await?;
        let exists = self
            .within("reading the network", async {
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
    /// booleans (fractions in [0, 1]), then its neuron count as `neurons`.
    pub async fn network_params(&self, netuid: u16) -> Result<Vec<(String, serde_json::Value)>> {
        use subxt::ext::scale_value::Value;
        self.ensure_network(netuid).await?;
        let at = self.at().await?;
        let mut out = Vec::new();
        for parameter in &PARAMETERS {
            let address = subxt::dynamic::storage::<(u16,), Value>("Mindnet", parameter.storage);
            let value = self
                .within("reading network parameters", async {
                    Ok::<_, subxt::Error>(at.storage().fetch(address, (netuid,)).await?.decode()?)
                })
                .await?;
            out.push((
                parameter.name.to_string(),
                value_json(&value.remove_context()),
            ));
        }
        let count = self.neuron_count_at(&at, netuid).await?;
        out.push(("neurons".to_string(), serde_json::Value::from(count)));
        Ok(out)
    }

    /// The weight each neuron of `netuid` puts on `uid`, as a share of its row (the chain
    /// normalises each row to sum to one): `caller uid → share`, only the uids whose row
    /// names `uid`. Reads every weight row of the network.
    pub async fn weights_on(
        &self,
        netuid: u16,
        uid: u16,
    ) -> Result<std::collections::HashMap<u16, f64>> {
        let at = self.at().await?;
        self.within("reading the weights", async {
            let mut rows = at
                .storage()
                .iter(runtime::storage().mindnet().weights(), (netuid,))
                .await?;
            let mut out = std::collections::HashMap::new();
            while let Some(kv) = rows.next().await {
                let kv = kv?;
                let (_, from): (u16, u16) = kv.key()?.decode()?;
                let row = kv.value().decode()?.0;
                let total: u64 = row.iter().map(|(_, v)| u64::from(*v)).sum();
                let on = row.iter().find(|(to, _)| *to == uid).map(|(_, v)| *v);
                if let (Some(v), true) = (on, total > 0) {
                    out.insert(from, f64::from(v) / total as f64);
                }
            }
            Ok::<_, subxt::Error>(out)
        })
        .await
    }

    /// The weight row of `uid` on `netuid` as stored: `(uid, value)` sorted by uid (empty
    /// if it has set none), and the block it was set in.
    pub async fn weights_of(
        &self,
        netuid: u16,
        uid: u16,
    ) -> Result<(Vec<(u16, u16)>, Option<u64>)> {
        self.ensure_network(netuid).await?;
        let at = self.at().await?;
        self.within("reading the weights", async {
            let s = runtime::storage().mindnet();
            let row = match at.storage().try_fetch(s.weights(), (netuid, uid)).await? {
                Some(v) => v.decode()?.0,
                None => Vec::new(),
            };
            let block = match at
                .storage()
                .try_fetch(s.last_update(), (netuid, uid))
                .await?
            {
                Some(v) => Some(v.decode()?),
                None => None,
            };
            Ok::<_, subxt::Error>((row, block))
        })
        .await
    }

    /// `hotkey`'s take (parts per billion) and each network's `MaxTake` among `netuids`.
    pub async fn take_of(
        &self,
        hotkey: &AccountId32,
        netuids: &[u16],
    ) -> Result<(u32, Vec<(u16, u32)>)> {
        let at = self.at().await?;
        self.within("reading the take", async {
            let s = runtime::storage().mindnet();
            let take = match at.storage().try_fetch(s.take(), (*hotkey,)).await? {
                Some(v) => v.decode()?.0,
                None => 0,
            };
            let mut caps = Vec::new();
            for &netuid in netuids {
                caps.push((
                    netuid,
                    at.storage()
                        .fetch(s.max_take(), (netuid,))
                        .await?
                        .decode()?
                        .0,
                ));
            }
            Ok::<_, subxt::Error>((take, caps))
        })
        .await
    }

    /// The most one share of `hotkey`'s pool on `netuid` is worth, in base units, rounded
    /// up (1 without a pool): how far the chain's rounding of shares can move what a
    /// withdrawal leaves from the plain difference.
    pub async fn share_price_ceiling(&self, netuid: u16, hotkey: &AccountId32) -> Result<u128> {
        let at = self.at().await?;
        self.within("reading the stake pool", async {
            let pool = at
                .storage()
                .try_fetch(
                    runtime::storage().mindnet().stake_pools(),
                    (netuid, *hotkey),
                )
                .await?;
            Ok::<_, subxt::Error>(match pool {
                Some(p) => {
                    let p = p.decode()?;
                    if p.shares == 0 {
                        1
                    } else {
                        p.value.div_ceil(p.shares).max(1)
                    }
                }
                None => 1,
            })
        })
        .await
    }

    /// How many uids `netuid` holds (`NeuronCount`).
    pub async fn neuron_count(&self, netuid: u16) -> Result<u32> {
        self.ensure_network(netuid).await?;
        let at = self.at().await?;
        self.neuron_count_at(&at, netuid).await
    }

    /// `NeuronCount` of `netuid` at `at`.
    pub(super) async fn neuron_count_at(&self, at: &AtBlock, netuid: u16) -> Result<u32> {
        self.within("reading the neuron count", async {
            Ok::<_, subxt::Error>(
                at.storage()
                    .fetch(runtime::storage().mindnet().neuron_count(), (netuid,))
                    .await?
                    .decode()?,
            )
        })
        .await
    }

    /// The network's `MinStake`, in base units.
    pub async fn min_stake(&self, netuid: u16) -> Result<u128> {
        let at = self.at().await?;
        self.within("reading min_stake", async {
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
        self.within("reading the hotkey's uid", async {
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
        self.within("reading the hotkey's owner", async {
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
        self.within("reading stake", at.runtime_apis().call(call))
            .await
    }

    /// All stake behind `hotkey` on `netuid`.
    pub async fn hotkey_stake(&self, netuid: u16, hotkey: &AccountId32) -> Result<u128> {
        let at = self.at().await?;
        let call = runtime::runtime_apis()
            .mindnet_api()
            .hotkey_stake(netuid, *hotkey);
        self.within("reading stake", at.runtime_apis().call(call))
            .await
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
        self.within(
            "reading the registration payload",
            at.runtime_apis().call(call),
        )
        .await
    }

    /// The `(netuid, hotkey)` pools `coldkey` holds a position in: one prefix of the
    /// runtime's coldkey index (`ColdkeyPositions`); on runtimes without it, or while the
    /// migration that builds it runs, a scan of every position, network by network (each
    /// under its own deadline).
    pub async fn positions_of(&self, coldkey: &AccountId32) -> Result<Vec<(u16, AccountId32)>> {
        let at = self.at().await?;
        let indexed = at
            .metadata()
            .pallet_by_name("Mindnet")
            .and_then(|p| p.storage())
            .and_then(|s| s.entry_by_name("ColdkeyPositions"))
            .is_some();
        let migrating = indexed
            && self
                .within("reading the migration cursor", async {
                    at.storage()
                        .try_fetch(runtime::storage().multi_block_migrations().cursor(), ())
                        .await
                })
                .await?
                .is_some();
        if indexed && !migrating {
            return self
                .within("reading stake positions", async {
                    let mut out = Vec::new();
                    let mut it = at
                        .storage()
                        .iter(
                            runtime::storage().mindnet().coldkey_positions(),
                            (*coldkey,),
                        )
                        .await?;
                    while let Some(kv) = it.next().await {
                        let (_, netuid, hotkey): (AccountId32, u16, AccountId32) =
                            kv?.key()?.decode()?;
                        out.push((netuid, hotkey));
                    }
                    out.sort_by_key(|(netuid, _)| *netuid);
                    Ok::<_, subxt::Error>(out)
                })
                .await;
        }
        let mut out = Vec::new();
        for netuid in self.networks().await? {
            let found = self
                .within("reading stake positions", async {
                    let mut found = Vec::new();
                    let mut it = at
                        .storage()
                        .iter(runtime::storage().mindnet().stake_positions(), (netuid,))
                        .await?;
                    while let Some(kv) = it.next().await {
                        let (n, hotkey, owner): (u16, AccountId32, AccountId32) =
                            kv?.key()?.decode()?;
                        if owner == *coldkey {
                            found.push((n, hotkey));
                        }
                    }
                    Ok::<_, subxt::Error>(found)
                })
                .await?;
            out.extend(found);
        }
        Ok(out)
    }

    /// The networks on which `hotkey` has a stake pool.
    pub async fn pools_of(&self, hotkey: &AccountId32) -> Result<Vec<u16>> {
        let netuids = self.networks().await?;
        let at = self.at().await?;
        self.within("reading stake pools", async {
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

    /// Where `netuid`'s epoch stands.
    pub async fn epoch_status(&self, netuid: u16) -> Result<EpochProgress> {
        let at = self.at().await?;
        self.epoch_status_in(&at, netuid).await
    }

    /// Where `netuid`'s epoch stood at block `number` (a node keeps the state of recent
    /// blocks only, unless it runs as an archive).
    pub async fn epoch_status_at(&self, netuid: u16, number: u64) -> Result<EpochProgress> {
        let at = self.at_number(number).await?;
        self.epoch_status_in(&at, netuid).await
    }

    async fn epoch_status_in(&self, at: &AtBlock, netuid: u16) -> Result<EpochProgress> {
        let call = runtime::runtime_apis().mindnet_api().epoch_status(netuid);
        let s = self
            .within("reading the epoch status", at.runtime_apis().call(call))
            .await?;
        Ok(EpochProgress {
            epochs: s.epochs,
            last_epoch_block: s.last_epoch_block,
            running: s.running.is_some(),
            tempo: s.tempo,
            run: s.running.map(|(phase, started_at, cursor, neurons)| {
                let phase = format!("{phase:?}");
                RunningEpoch {
                    phase_index: EPOCH_PHASES.iter().position(|p| *p == phase).unwrap_or(0),
                    phase,
                    cursor,
                    neurons,
                    started_at,
                }
            }),
        })
    }

    /// The chain's sudo key.
    pub async fn sudo_key(&self) -> Result<Option<AccountId32>> {
        let at = self.at().await?;
        self.within("reading the sudo key", async {
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
}
