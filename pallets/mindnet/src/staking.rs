//! Stake: balance held on a coldkey behind a hotkey, and emission minted to it.

use crate::*;
use frame_support::{
    ensure,
    pallet_prelude::*,
    traits::{
        fungible::{Mutate, MutateHold},
        tokens::Precision,
    },
};
use sp_runtime::traits::{CheckedAdd, Saturating, UniqueSaturatedFrom, Zero};

impl<T: Config> Pallet<T> {
    pub(crate) fn do_add_stake(
        coldkey: T::AccountId,
        hotkey: T::AccountId,
        amount: BalanceOf<T>,
    ) -> DispatchResult {
        ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
        ensure!(
            Owner::<T>::contains_key(&hotkey),
            Error::<T>::HotkeyNotRegistered
        );
        let stake = Stake::<T>::get(&hotkey, &coldkey)
            .checked_add(&amount)
            .ok_or(Error::<T>::Overflow)?;
        let hotkey_total = TotalHotkeyStake::<T>::get(&hotkey)
            .checked_add(&amount)
            .ok_or(Error::<T>::Overflow)?;
        let total = TotalStake::<T>::get()
            .checked_add(&amount)
            .ok_or(Error::<T>::Overflow)?;
        T::Currency::hold(&HoldReason::Staked.into(), &coldkey, amount)
            .map_err(|_| Error::<T>::InsufficientBalance)?;
        Stake::<T>::insert(&hotkey, &coldkey, stake);
        TotalHotkeyStake::<T>::insert(&hotkey, hotkey_total);
        TotalStake::<T>::put(total);
        Self::deposit_event(Event::StakeAdded {
            coldkey,
            hotkey,
            amount,
        });
        Ok(())
    }

    pub(crate) fn do_remove_stake(
        coldkey: T::AccountId,
        hotkey: T::AccountId,
        amount: BalanceOf<T>,
    ) -> DispatchResult {
        ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
        let stake = Stake::<T>::get(&hotkey, &coldkey);
        ensure!(stake >= amount, Error::<T>::NotEnoughStake);
        T::Currency::release(
            &HoldReason::Staked.into(),
            &coldkey,
            amount,
            Precision::Exact,
        )?;
        let left = stake.saturating_sub(amount);
        if left.is_zero() {
            Stake::<T>::remove(&hotkey, &coldkey);
        } else {
            Stake::<T>::insert(&hotkey, &coldkey, left);
        }
        TotalHotkeyStake::<T>::mutate_exists(&hotkey, |t| {
            let rest = t.unwrap_or_default().saturating_sub(amount);
            *t = (!rest.is_zero()).then_some(rest);
        });
        TotalStake::<T>::mutate(|t| *t = t.saturating_sub(amount));
        Self::deposit_event(Event::StakeRemoved {
            coldkey,
            hotkey,
            amount,
        });
        Ok(())
    }

    /// Mints `amount` to the owner of `hotkey` and holds it as their stake behind it.
    pub(crate) fn credit_emission(hotkey: &T::AccountId, amount: u64) -> DispatchResult {
        let owner = Owner::<T>::get(hotkey).ok_or(Error::<T>::HotkeyNotRegistered)?;
        let amount = BalanceOf::<T>::unique_saturated_from(amount);
        T::Currency::mint_into(&owner, amount)?;
        T::Currency::hold(&HoldReason::Staked.into(), &owner, amount)?;
        Stake::<T>::mutate(hotkey, &owner, |s| *s = s.saturating_add(amount));
        TotalHotkeyStake::<T>::mutate(hotkey, |s| *s = s.saturating_add(amount));
        TotalStake::<T>::mutate(|s| *s = s.saturating_add(amount));
        Ok(())
    }
}
