//! What the chain would refuse, checked before signing: the rules and rate limit of a
//! `set_weights`, uids, ownership, stake, funds and the sudo key.

use super::Client;
use crate::amount::format_mind;
use crate::error::{Error, Result};
use crate::keys::{address_of, Key};
use crate::params::lookup;
use subxt::transactions::Payload;
use subxt::utils::AccountId32;

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

    /// Fails, before signing, when the rate limit refuses a `set_weights` of `netuid`
    /// submitted when the best block is `best`.
    pub fn check(&self, netuid: u16, best: u64) -> Result<()> {
        if self.allows(best) {
            return Ok(());
        }
        Err(Error::rejected(format!(
            "{} at block {} and network {netuid} allows one set_weights every {} blocks: try again from block {}",
            if self.since_registration { "the neuron registered" } else { "weights were set" },
            self.last,
            self.rate_limit,
            self.allowed_from()
        )))
    }
}

impl Client {
    /// What `set_weights` from `own_uid` on `netuid` must respect now: the row rules, the
    /// rate limit (as the chain counts it: from the neuron's last `set_weights`, else from
    /// its registration) and the version key.
    pub async fn weight_policy(&self, netuid: u16, own_uid: u16) -> Result<WeightPolicy> {
        let params = self.network_params(netuid).await?;
        let param = |name: &str| -> u64 {
            lookup(&params, name)
                .and_then(serde_json::Value::as_u64)
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

    /// The uid `hotkey` holds on `netuid`, or a usage error saying to register it.
    pub async fn require_uid(&self, netuid: u16, hotkey: &AccountId32) -> Result<u16> {
        self.uid_of(netuid, hotkey).await?.ok_or_else(|| {
            Error::usage(format!(
                "hotkey {} holds no uid on network {netuid}: register it first (mindnet register)",
                address_of(hotkey)
            ))
        })
    }

    /// Fails with a usage error unless `signer` is the chain's sudo key (which alone sets
    /// network parameters).
    pub async fn ensure_sudo(&self, signer: &Key) -> Result<()> {
        match self.sudo_key().await? {
            Some(k) if k == signer.account_id() => Ok(()),
            Some(k) => Err(Error::usage(format!(
                "only the sudo key {} can create networks or set their parameters; {} is not it",
                address_of(&k),
                signer.address()
            ))),
            None => Err(Error::usage(
                "this chain has no sudo key: networks cannot be created nor their parameters set",
            )),
        }
    }

    /// Fails when `hotkey` holds a uid on `netuid` already, or belongs to a coldkey other
    /// than `coldkey`.
    pub async fn ensure_registrable(
        &self,
        netuid: u16,
        coldkey: &AccountId32,
        hotkey: &AccountId32,
    ) -> Result<()> {
        if let Some(uid) = self.uid_of(netuid, hotkey).await? {
            return Err(Error::usage(format!(
                "hotkey {} is already registered on network {} with uid {uid}",
                address_of(hotkey),
                netuid
            )));
        }
        if let Some(owner) = self.owner_of(hotkey).await? {
            if owner != *coldkey {
                return Err(Error::usage(format!(
                    "hotkey {} belongs to coldkey {}: register it with that coldkey or use another hotkey",
                    address_of(hotkey),
                    address_of(&owner)
                )));
            }
        }
        Ok(())
    }

    /// Fails, before signing, when `coldkey` has less than `amount` staked behind `hotkey`
    /// on `netuid`.
    pub async fn ensure_stake(
        &self,
        netuid: u16,
        hotkey: &AccountId32,
        coldkey: &AccountId32,
        amount: u128,
    ) -> Result<()> {
        let have = self.stake_of(netuid, hotkey, coldkey).await?;
        if have < amount {
            return Err(Error::rejected(format!(
                "{} has {} MIND staked behind {} on network {}, less than the {} MIND asked: see mindnet stake show",
                address_of(coldkey),
                format_mind(have),
                address_of(hotkey),
                netuid,
                format_mind(amount)
            )));
        }
        Ok(())
    }

    /// Fails before signing when `signer` cannot pay `amount` plus the fee of `call` and
    /// keep its account alive (the existential deposit); returns the estimated fee.
    pub async fn ensure_funds<Call: Payload>(
        &self,
        call: &Call,
        signer: &Key,
        amount: u128,
    ) -> Result<u128> {
        let fee = self.estimate_fee(call, signer).await?;
        let ed = self.existential_deposit().await?;
        let (free, _) = self.balance(&signer.account_id()).await?;
        let needed = amount.saturating_add(ed).saturating_add(fee);
        if free < needed {
            return Err(Error::rejected(format!(
                "insufficient balance: {} has {} MIND free but this needs {} MIND (fee included); fund it first",
                signer.address(),
                format_mind(free),
                format_mind(needed)
            )));
        }
        Ok(fee)
    }
}
