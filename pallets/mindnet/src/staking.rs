//! Stake: per-network share pools behind hotkeys, held in the pallet's stake account.
//!
//! * Stake is **per network**: a coldkey stakes behind `(netuid, hotkey)`, and only that
//!   network's epoch counts it. The same balance cannot count in two networks.
//! * Stake counts at its **lowest over an epoch**: what is added during a period counts
//!   from the next epoch on, what is removed stops counting at once. Moving stake in just
//!   before an epoch and out right after it earns nothing.
//! * Stake added during a period waits as *joining* stake: it neither counts nor earns in
//!   that period's epoch, and buys shares at the price right after it. So stake moved in
//!   just before an epoch and out right after it neither weighs in nor takes a part of the
//!   emission that the pool's other stakers earned.
//! * Every staker of a pool holds shares. Emission credited to a hotkey raises the pool's
//!   value (the stakers' part) and buys shares for the owner (its take): a constant number
//!   of writes per neuron whatever the number of stakers. The balance behind every pool sits in one
//!   account, [`Pallet::stake_account`], which keeps an existential deposit of its own so
//!   it can never be reaped: its balance is always `TotalStake` plus that deposit.

use crate::*;
use frame_support::{
    ensure,
    pallet_prelude::*,
    traits::{
        fungible::{Inspect, Mutate},
        tokens::{Balance, Preservation},
    },
};
use sp_arithmetic::{helpers_128bit::multiply_by_rational_with_rounding, Rounding};
use sp_runtime::traits::{
    AccountIdConversion, CheckedAdd, Saturating, UniqueSaturatedFrom, UniqueSaturatedInto, Zero,
};

/// `a × b / c` rounded as asked, or `None` when `c` is zero or the result overflows.
fn mul_div(a: u128, b: u128, c: u128, rounding: Rounding) -> Option<u128> {
    multiply_by_rational_with_rounding(a, b, c, rounding)
}

impl<B: Balance> StakePool<B> {
    /// The stake of the pool that counts in period `epoch_index`.
    pub(crate) fn counted_at(&self, epoch_index: u64) -> B {
        let active = if self.counted_epoch < epoch_index {
            self.value
        } else {
            self.counted
        };
        if self.joining_epoch < epoch_index {
            active.saturating_add(self.joining)
        } else {
            active
        }
    }

    /// What `shares` of the pool are worth, rounded down.
    fn shares_value(&self, shares: u128) -> B {
        let value: u128 = self.value.unique_saturated_into();
        let worth = mul_div(shares, value, self.shares, Rounding::Down).unwrap_or(0);
        B::unique_saturated_from(worth)
    }

    /// Shares that `amount` buys in the pool (rounded down); one share per base unit in an
    /// empty pool.
    fn shares_for(&self, amount: B) -> Option<u128> {
        let amount: u128 = amount.unique_saturated_into();
        let value: u128 = self.value.unique_saturated_into();
        if self.shares == 0 || value == 0 {
            Some(amount)
        } else {
            mul_div(amount, self.shares, value, Rounding::Down)
        }
    }

    /// Records that the pool's value changes now, in period `period`: `counted` keeps the
    /// period's lowest.
    fn note_change(&mut self, period: u64, new_value: B) {
        let lowest = if self.counted_epoch < period {
            self.value
        } else {
            self.counted.min(self.value)
        };
        self.counted = lowest.min(new_value);
        self.counted_epoch = period;
        self.value = new_value;
    }
}

impl<T: Config> Pallet<T> {
    /// The account that holds every pool's balance.
    pub fn stake_account() -> T::AccountId {
        T::PalletId::get().into_account_truncating()
    }

    /// Gives the stake account its own existential deposit and a provider reference, so
    /// that it exists before any stake arrives and can never be reaped (genesis).
    pub(crate) fn create_stake_account() {
        let account = Self::stake_account();
        frame_system::Pallet::<T>::inc_providers(&account);
        let ed = T::Currency::minimum_balance();
        if T::Currency::balance(&account) < ed {
            let _ = T::Currency::mint_into(&account, ed);
        }
    }

    /// The stake `coldkey` can withdraw from behind `hotkey` on `netuid`.
    pub fn stake_of(netuid: u16, hotkey: &T::AccountId, coldkey: &T::AccountId) -> BalanceOf<T> {
        let Some(mut pool) = StakePools::<T>::get(netuid, hotkey) else {
            return BalanceOf::<T>::zero();
        };
        let mut position = StakePositions::<T>::get((netuid, hotkey, coldkey)).unwrap_or_default();
        // What touching the pool and the position would do, without writing it.
        let period = EpochIndex::<T>::get(netuid);
        let merged = Self::merge_joining(netuid, hotkey, &mut pool, period, false);
        if Self::claim_joining(netuid, hotkey, &mut position, period, merged, false).is_err() {
            return position.joining;
        }
        Self::claim_owner_shares(hotkey, coldkey, &mut pool, &mut position);
        pool.shares_value(position.shares)
            .saturating_add(position.joining)
    }

    /// All stake behind `hotkey` on `netuid`, joining stake included.
    pub fn hotkey_stake(netuid: u16, hotkey: &T::AccountId) -> BalanceOf<T> {
        StakePools::<T>::get(netuid, hotkey)
            .map(|pool| pool.value.saturating_add(pool.joining))
            .unwrap_or_default()
    }

    /// The stake of `hotkey`'s pool that counts in `netuid`'s running epoch: its lowest
    /// value since the epoch began, plus stake that joined in an earlier period.
    pub fn counted_stake(netuid: u16, pool: &StakePool<BalanceOf<T>>) -> BalanceOf<T> {
        pool.counted_at(EpochIndex::<T>::get(netuid))
    }

    /// Turns stake that joined in an earlier period into shares at today's price (the
    /// price since that period's epoch: every epoch credit merges first) and records the
    /// rate for its positions. Writes the rate only when `write`. Returns the rate of the
    /// merged period, if this call merged one.
    fn merge_joining(
        netuid: u16,
        hotkey: &T::AccountId,
        pool: &mut StakePool<BalanceOf<T>>,
        period: u64,
        write: bool,
    ) -> Option<(u64, JoinRate<BalanceOf<T>>)> {
        if pool.joining.is_zero() || pool.joining_epoch >= period {
            return None;
        }
        let shares = pool.shares_for(pool.joining).unwrap_or(0);
        let rate = JoinRate {
            shares,
            value: pool.joining,
            stakers: pool.joining_stakers,
        };
        pool.shares = pool.shares.saturating_add(shares);
        pool.value = pool.value.saturating_add(pool.joining);
        let merged = pool.joining_epoch;
        pool.joining = Zero::zero();
        pool.joining_stakers = 0;
        if write {
            JoinRates::<T>::insert((netuid, hotkey, merged), rate);
        }
        Some((merged, rate))
    }

    /// Gives `position` the shares its joining stake bought when its period was merged.
    /// Writes the remaining rate only when `write`. Fails (changing nothing) if the pool
    /// has not merged that period yet.
    fn claim_joining(
        netuid: u16,
        hotkey: &T::AccountId,
        position: &mut StakePosition<BalanceOf<T>>,
        period: u64,
        just_merged: Option<(u64, JoinRate<BalanceOf<T>>)>,
        write: bool,
    ) -> Result<(), ()> {
        if position.joining.is_zero() || position.joining_epoch >= period {
            return Ok(());
        }
        let key = (netuid, hotkey, position.joining_epoch);
        let mut rate = match just_merged {
            Some((merged, rate)) if merged == position.joining_epoch => rate,
            _ => JoinRates::<T>::get(key).ok_or(())?,
        };
        // The last claimant takes what rounding left.
        let shares = if rate.stakers <= 1 {
            rate.shares
        } else {
            let joining: u128 = position.joining.unique_saturated_into();
            let value: u128 = rate.value.unique_saturated_into();
            mul_div(joining, rate.shares, value, Rounding::Down)
                .unwrap_or(0)
                .min(rate.shares)
        };
        position.shares = position.shares.saturating_add(shares);
        rate.shares = rate.shares.saturating_sub(shares);
        rate.value = rate.value.saturating_sub(position.joining);
        rate.stakers = rate.stakers.saturating_sub(1);
        position.joining = Zero::zero();
        if write {
            if rate.stakers == 0 {
                JoinRates::<T>::remove(key);
            } else {
                JoinRates::<T>::insert(key, rate);
            }
        }
        Ok(())
    }

    /// Reads the pool and `coldkey`'s position with every earlier period's joining stake
    /// merged and claimed (and those merges written).
    fn touch(
        netuid: u16,
        hotkey: &T::AccountId,
        coldkey: &T::AccountId,
    ) -> (StakePool<BalanceOf<T>>, StakePosition<BalanceOf<T>>) {
        let period = EpochIndex::<T>::get(netuid);
        let mut pool = StakePools::<T>::get(netuid, hotkey).unwrap_or_default();
        let merged = Self::merge_joining(netuid, hotkey, &mut pool, period, true);
        let mut position = StakePositions::<T>::get((netuid, hotkey, coldkey)).unwrap_or_default();
        // The pool was just merged, so the period's rate exists.
        let _ = Self::claim_joining(netuid, hotkey, &mut position, period, merged, true);
        Self::claim_owner_shares(hotkey, coldkey, &mut pool, &mut position);
        (pool, position)
    }

    /// Moves the shares the owner's take bought into the owner's position.
    fn claim_owner_shares(
        hotkey: &T::AccountId,
        coldkey: &T::AccountId,
        pool: &mut StakePool<BalanceOf<T>>,
        position: &mut StakePosition<BalanceOf<T>>,
    ) {
        if pool.owner_shares > 0 && Owner::<T>::get(hotkey).as_ref() == Some(coldkey) {
            position.shares = position.shares.saturating_add(pool.owner_shares);
            pool.owner_shares = 0;
        }
    }

    /// Writes a pool and a position back, removing what is empty, and keeps the hotkey's
    /// pool count.
    fn store(
        netuid: u16,
        hotkey: &T::AccountId,
        coldkey: &T::AccountId,
        pool: StakePool<BalanceOf<T>>,
        position: StakePosition<BalanceOf<T>>,
    ) {
        let existed = StakePools::<T>::contains_key(netuid, hotkey);
        if position.shares == 0 && position.joining.is_zero() {
            StakePositions::<T>::remove((netuid, hotkey, coldkey));
            ColdkeyPositions::<T>::remove((coldkey, netuid, hotkey));
        } else {
            StakePositions::<T>::insert((netuid, hotkey, coldkey), position);
            ColdkeyPositions::<T>::insert((coldkey, netuid, hotkey), ());
        }
        if pool.shares == 0 && pool.joining.is_zero() {
            StakePools::<T>::remove(netuid, hotkey);
            if existed {
                HotkeyPools::<T>::mutate(hotkey, |n| *n = n.saturating_sub(1));
                Self::release_if_unused(hotkey);
            }
        } else {
            StakePools::<T>::insert(netuid, hotkey, pool);
            if !existed {
                HotkeyPools::<T>::mutate(hotkey, |n| *n = n.saturating_add(1));
            }
        }
    }

    pub(crate) fn do_add_stake(
        coldkey: T::AccountId,
        netuid: u16,
        hotkey: T::AccountId,
        amount: BalanceOf<T>,
    ) -> DispatchResult {
        ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
        ensure!(
            Self::network_exists(netuid),
            Error::<T>::NetworkDoesNotExist
        );
        ensure!(
            Uids::<T>::contains_key(netuid, &hotkey),
            Error::<T>::NotRegistered
        );
        let period = EpochIndex::<T>::get(netuid);
        Self::preserve_hotkey_for_epoch(netuid, &hotkey);
        let (mut pool, mut position) = Self::touch(netuid, &hotkey, &coldkey);
        if position.joining.is_zero() {
            pool.joining_stakers = pool.joining_stakers.saturating_add(1);
        }
        position.joining = position
            .joining
            .checked_add(&amount)
            .ok_or(Error::<T>::Overflow)?;
        position.joining_epoch = period;
        pool.joining = pool
            .joining
            .checked_add(&amount)
            .ok_or(Error::<T>::Overflow)?;
        pool.joining_epoch = period;
        let total = TotalStake::<T>::get()
            .checked_add(&amount)
            .ok_or(Error::<T>::Overflow)?;
        ensure!(
            pool.shares_value(position.shares)
                .saturating_add(position.joining)
                >= MinStake::<T>::get(netuid),
            Error::<T>::BelowMinStake
        );
        T::Currency::transfer(
            &coldkey,
            &Self::stake_account(),
            amount,
            Preservation::Preserve,
        )
        .map_err(|_| Error::<T>::InsufficientBalance)?;
        Self::store(netuid, &hotkey, &coldkey, pool, position);
        TotalStake::<T>::put(total);
        Self::deposit_event(Event::StakeAdded {
            netuid,
            coldkey,
            hotkey,
            amount,
        });
        Ok(())
    }

    pub(crate) fn do_remove_stake(
        coldkey: T::AccountId,
        netuid: u16,
        hotkey: T::AccountId,
        amount: BalanceOf<T>,
    ) -> DispatchResult {
        ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
        ensure!(
            StakePools::<T>::contains_key(netuid, &hotkey),
            Error::<T>::NotEnoughStake
        );
        Self::preserve_hotkey_for_epoch(netuid, &hotkey);
        let (mut pool, mut position) = Self::touch(netuid, &hotkey, &coldkey);
        let owned = pool
            .shares_value(position.shares)
            .saturating_add(position.joining);
        ensure!(owned >= amount, Error::<T>::NotEnoughStake);
        // Stake still joining (which does not count yet) leaves first.
        let from_joining = amount.min(position.joining);
        if !from_joining.is_zero() {
            position.joining = position.joining.saturating_sub(from_joining);
            pool.joining = pool.joining.saturating_sub(from_joining);
            if position.joining.is_zero() {
                pool.joining_stakers = pool.joining_stakers.saturating_sub(1);
            }
        }
        let rest = amount.saturating_sub(from_joining);
        let mut paid = from_joining;
        if !rest.is_zero() {
            let value: u128 = pool.value.unique_saturated_into();
            let burned = mul_div(
                rest.unique_saturated_into(),
                pool.shares,
                value,
                Rounding::Up,
            )
            .ok_or(Error::<T>::Overflow)?
            .min(position.shares);
            position.shares = position.shares.saturating_sub(burned);
            pool.shares = pool.shares.saturating_sub(burned);
            // The last shareholder out takes the rounding dust with it.
            let from_active = if pool.shares == 0 { pool.value } else { rest };
            let value_after = pool.value.saturating_sub(from_active);
            pool.note_change(EpochIndex::<T>::get(netuid), value_after);
            paid = paid.saturating_add(from_active);
        }
        let left = pool
            .shares_value(position.shares)
            .saturating_add(position.joining);
        ensure!(
            left.is_zero() || left >= MinStake::<T>::get(netuid),
            Error::<T>::BelowMinStake
        );
        T::Currency::transfer(
            &Self::stake_account(),
            &coldkey,
            paid,
            Preservation::Preserve,
        )
        .map_err(|_| Error::<T>::WithdrawalFailed)?;
        Self::store(netuid, &hotkey, &coldkey, pool, position);
        TotalStake::<T>::mutate(|t| *t = t.saturating_sub(paid));
        Self::deposit_event(Event::StakeRemoved {
            netuid,
            coldkey,
            hotkey,
            amount: paid,
        });
        Ok(())
    }

    /// Credits `amount` (minted by the caller into the stake account) to `hotkey`'s pool
    /// on `netuid`: the owner's take buys shares kept for the owner in the pool
    /// (`owner_shares`, moved into its position the next time it stakes or unstakes), the
    /// rest raises the value of every share. Stake joining in this period earns nothing of
    /// it. One pool read and write (and a join rate when stake joined): a constant number
    /// of writes per neuron, however many stake on it. Call it inside a storage layer.
    /// Returns whether joining stake was merged (a join rate written).
    pub(crate) fn credit_pool(
        netuid: u16,
        hotkey: &T::AccountId,
        amount: u64,
        take_at_boundary: Option<Perbill>,
    ) -> Result<bool, DispatchError> {
        // A hotkey replaced during the epoch may have been released since (its stakers
        // left): its emission is then reported as failed, never credited to a pool that no
        // owner could reach.
        ensure!(
            Owner::<T>::contains_key(hotkey),
            Error::<T>::HotkeyNotRegistered
        );
        let amount = BalanceOf::<T>::unique_saturated_from(amount);
        let period = EpochIndex::<T>::get(netuid);
        let mut pool = StakePools::<T>::get(netuid, hotkey).unwrap_or_default();
        let merged = Self::merge_joining(netuid, hotkey, &mut pool, period, true).is_some();
        // The take as it stood when the epoch started (an owner cannot raise it after
        // seeing the amounts).
        let take = take_at_boundary
            .unwrap_or_else(|| Take::<T>::get(hotkey))
            .min(MaxTake::<T>::get(netuid));
        // With no shareholders, all of it is the owner's.
        let owner_part = if pool.shares == 0 {
            amount
        } else {
            take.mul_floor(amount)
        };
        pool.value = pool
            .value
            .checked_add(&amount.saturating_sub(owner_part))
            .ok_or(Error::<T>::Overflow)?;
        let bought = pool.shares_for(owner_part).ok_or(Error::<T>::Overflow)?;
        pool.value = pool
            .value
            .checked_add(&owner_part)
            .ok_or(Error::<T>::Overflow)?;
        pool.shares = pool
            .shares
            .checked_add(bought)
            .ok_or(Error::<T>::Overflow)?;
        pool.owner_shares = pool
            .owner_shares
            .checked_add(bought)
            .ok_or(Error::<T>::Overflow)?;
        if !StakePools::<T>::contains_key(netuid, hotkey) {
            HotkeyPools::<T>::mutate(hotkey, |n| *n = n.saturating_add(1));
        }
        StakePools::<T>::insert(netuid, hotkey, pool);
        Ok(merged)
    }

    /// Releases `hotkey` from its owner once it holds no uid, no stake and no credit a
    /// running epoch still owes it, so that nothing stays in storage for it.
    pub(crate) fn release_if_unused(hotkey: &T::AccountId) {
        if HotkeyNetworks::<T>::get(hotkey) == 0
            && HotkeyPools::<T>::get(hotkey) == 0
            && PendingCredits::<T>::get(hotkey) == 0
        {
            HotkeyNetworks::<T>::remove(hotkey);
            HotkeyPools::<T>::remove(hotkey);
            Take::<T>::remove(hotkey);
            if let Some(coldkey) = Owner::<T>::take(hotkey) {
                Self::deposit_event(Event::HotkeyReleased {
                    hotkey: hotkey.clone(),
                    coldkey,
                });
            }
        }
    }
}
