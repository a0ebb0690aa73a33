//! `do_try_state`: the pallet's invariants, checked by try-runtime and after every test.

#![cfg(any(feature = "try-runtime", test))]

use crate::*;
use alloc::collections::BTreeMap;
use frame_support::{
    ensure,
    traits::{fungible::Inspect, Get},
};
use sp_runtime::{
    traits::{Saturating, Zero},
    TryRuntimeError,
};

/// How many of something (networks, pools, owed credits) each hotkey has.
type PerHotkey<T, N> = BTreeMap<<T as frame_system::Config>::AccountId, N>;

impl<T: Config> Pallet<T> {
    /// Invariants: every pool's shares are held by its stakers and its value is backed by
    /// the stake account's balance; uids and hotkeys map one to one; an owner is kept only
    /// while its hotkey holds a uid or stake.
    pub fn do_try_state() -> Result<(), TryRuntimeError> {
        let pools_of = Self::check_stake()?;
        Self::check_coldkey_index()?;
        let networks_of = Self::check_uids()?;
        let owed = Self::check_pending_credits()?;
        Self::check_owners(&networks_of, &pools_of, &owed)?;
        Self::check_running_epochs()
    }

    /// The coldkey index lists exactly the stake positions (none missing, none stale), unless
    /// the migration that builds it is still running.
    fn check_coldkey_index() -> Result<(), TryRuntimeError> {
        if crate::migrations::v5::building::<T>() {
            return Ok(());
        }
        let mut positions = 0u64;
        for (netuid, hotkey, coldkey) in StakePositions::<T>::iter_keys() {
            ensure!(
                ColdkeyPositions::<T>::contains_key((&coldkey, netuid, &hotkey)),
                "a stake position is missing from the coldkey index"
            );
            positions = positions.saturating_add(1);
        }
        ensure!(
            ColdkeyPositions::<T>::iter_keys().count() as u64 == positions,
            "the coldkey index lists a position that does not exist"
        );
        Ok(())
    }

    /// One pool: not empty, its shares and joining stake those of its positions and unclaimed
    /// join rates (and its owner's), its hotkey owned.
    fn check_pool(
        netuid: u16,
        hotkey: &T::AccountId,
        pool: &StakePool<BalanceOf<T>>,
    ) -> Result<(), TryRuntimeError> {
        ensure!(
            pool.shares > 0 || !pool.joining.is_zero(),
            "an empty stake pool is kept"
        );
        let (mut shares, mut joining) = (0u128, BalanceOf::<T>::zero());
        for (_, position) in StakePositions::<T>::iter_prefix((netuid, hotkey)) {
            shares = shares.saturating_add(position.shares);
            joining = joining.saturating_add(position.joining);
        }
        let (mut rate_shares, mut rate_value) = (0u128, BalanceOf::<T>::zero());
        for (_, rate) in JoinRates::<T>::iter_prefix((netuid, hotkey)) {
            rate_shares = rate_shares.saturating_add(rate.shares);
            rate_value = rate_value.saturating_add(rate.value);
        }
        ensure!(
            shares
                .saturating_add(rate_shares)
                .saturating_add(pool.owner_shares)
                == pool.shares,
            "a pool's shares differ from its stakers', its owner's and unclaimed shares"
        );
        ensure!(
            joining == pool.joining.saturating_add(rate_value),
            "a pool's joining stake differs from its stakers'"
        );
        ensure!(
            Owner::<T>::contains_key(hotkey),
            "stake behind a hotkey without owner"
        );
        Ok(())
    }

    /// Every pool's shares and joining stake are its stakers', its value is counted in
    /// `TotalStake`, and `TotalStake` is real balance in the stake account. Returns on how
    /// many networks each hotkey has a pool.
    fn check_stake() -> Result<PerHotkey<T, u16>, TryRuntimeError> {
        let mut total = BalanceOf::<T>::zero();
        let mut pools_of: PerHotkey<T, u16> = BTreeMap::new();
        for (netuid, hotkey, pool) in StakePools::<T>::iter() {
            Self::check_pool(netuid, &hotkey, &pool)?;
            total = total
                .saturating_add(pool.value)
                .saturating_add(pool.joining);
            let count = pools_of.entry(hotkey).or_default();
            *count = count.saturating_add(1);
        }
        ensure!(
            StakePositions::<T>::iter_keys()
                .all(|(netuid, hotkey, _)| StakePools::<T>::contains_key(netuid, hotkey)),
            "a position in a pool that does not exist"
        );
        ensure!(
            total == TotalStake::<T>::get(),
            "TotalStake differs from the pools' values"
        );
        // Issuance audit: every staked unit is real balance in the stake account.
        ensure!(
            T::Currency::balance(&Self::stake_account())
                == TotalStake::<T>::get().saturating_add(T::Currency::minimum_balance()),
            "the stake account's balance is not TotalStake plus its existential deposit"
        );
        Ok(pools_of)
    }

    /// Every network's uids `0..NeuronCount` and their owned hotkeys map one to one.
    /// Returns on how many networks each hotkey holds a uid.
    fn check_uids() -> Result<PerHotkey<T, u16>, TryRuntimeError> {
        let mut networks_of: PerHotkey<T, u16> = BTreeMap::new();
        for netuid in NetworksAdded::<T>::iter_keys() {
            let n = NeuronCount::<T>::get(netuid);
            ensure!(n <= T::MaxNeurons::get(), "more neurons than MaxNeurons");
            for uid in (0..n).filter_map(|u| u16::try_from(u).ok()) {
                let hotkey =
                    Keys::<T>::get(netuid, uid).ok_or("a uid below NeuronCount has no key")?;
                ensure!(
                    Uids::<T>::get(netuid, &hotkey) == Some(uid),
                    "Keys and Uids disagree"
                );
                ensure!(
                    Owner::<T>::contains_key(&hotkey),
                    "a registered hotkey has no owner"
                );
                let count = networks_of.entry(hotkey).or_default();
                *count = count.saturating_add(1);
            }
            ensure!(
                Uids::<T>::iter_prefix(netuid).count() == usize::try_from(n).unwrap_or(usize::MAX),
                "Uids holds hotkeys without a uid"
            );
        }
        Ok(networks_of)
    }

    /// A hotkey replaced while an epoch runs keeps its owner until its emission is
    /// credited: it is owed one credit per copy whose uid another registration took.
    /// Returns the credits owed to each hotkey.
    fn check_pending_credits() -> Result<PerHotkey<T, u32>, TryRuntimeError> {
        let mut owed: PerHotkey<T, u32> = BTreeMap::new();
        for (netuid, uid, s) in EpochSnapshots::<T>::iter() {
            if let Some(h) = s.owed_after_replacement::<T>(netuid, uid) {
                let n = owed.entry(h.clone()).or_default();
                *n = n.saturating_add(1);
            }
        }
        ensure!(
            PendingCredits::<T>::iter().collect::<BTreeMap<_, _>>() == owed,
            "PendingCredits differs from the credits owed for replaced uids"
        );
        ensure!(
            owed.keys().all(Owner::<T>::contains_key),
            "a hotkey owed a credit has no owner"
        );
        Ok(owed)
    }

    /// An owner is kept only while its hotkey holds a uid, stake or an owed credit, and the
    /// hotkey's counters match what it holds.
    fn check_owners(
        networks_of: &PerHotkey<T, u16>,
        pools_of: &PerHotkey<T, u16>,
        owed: &PerHotkey<T, u32>,
    ) -> Result<(), TryRuntimeError> {
        for (hotkey, _) in Owner::<T>::iter() {
            let networks = networks_of.get(&hotkey).copied().unwrap_or(0);
            let pools = pools_of.get(&hotkey).copied().unwrap_or(0);
            ensure!(
                networks > 0 || pools > 0 || owed.contains_key(&hotkey),
                "an owner is kept for a hotkey with no uid and no stake"
            );
            ensure!(
                HotkeyNetworks::<T>::get(&hotkey) == networks,
                "HotkeyNetworks differs from the uids held"
            );
            ensure!(
                HotkeyPools::<T>::get(&hotkey) == pools,
                "HotkeyPools differs from the pools held"
            );
        }
        ensure!(
            HotkeyNetworks::<T>::iter_keys().all(Owner::<T>::contains_key)
                && HotkeyPools::<T>::iter_keys().all(Owner::<T>::contains_key),
            "counters kept for a released hotkey"
        );
        Ok(())
    }

    /// A running epoch's copies and vectors exist only while it runs, and copies only for
    /// uids it has yet to finish with.
    fn check_running_epochs() -> Result<(), TryRuntimeError> {
        for (netuid, uid, _) in EpochSnapshots::<T>::iter() {
            let run =
                RunningEpochs::<T>::get(netuid).ok_or("a copy of inputs with no running epoch")?;
            ensure!(
                run.needs(uid),
                "a copy of inputs the running epoch no longer needs"
            );
            let (page, bit) = epoch::copied_position(uid);
            ensure!(
                epoch::bit_set(&EpochCopied::<T>::get(netuid, page), bit),
                "a copy of inputs the epoch's bitmap does not show"
            );
        }
        ensure!(
            EpochVectors::<T>::iter_keys()
                .all(|(netuid, _)| RunningEpochs::<T>::contains_key(netuid))
                && EpochCopied::<T>::iter_keys()
                    .all(|(netuid, _)| RunningEpochs::<T>::contains_key(netuid)),
            "epoch vectors or copy bitmaps kept after the epoch completed"
        );
        ensure!(
            RunningEpochs::<T>::iter_keys().all(Self::network_exists),
            "an epoch runs on a network that does not exist"
        );
        for (netuid, t) in RunningTransitive::<T>::iter() {
            ensure!(
                RunningEpochs::<T>::contains_key(netuid),
                "a transitive ranking with no running epoch"
            );
            ensure!(
                t.pass < t.iterations.max(1),
                "a transitive ranking past its last pass"
            );
        }
        Ok(())
    }
}
