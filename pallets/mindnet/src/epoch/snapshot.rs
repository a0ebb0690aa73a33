//! Copy on write of a uid's epoch inputs: the first call in a running epoch that changes
//! what the epoch still has to read of a uid copies its inputs as they stood at the
//! boundary into [`EpochSnapshots`] (its bit set in [`EpochCopied`]); the epoch reads the
//! copy where one exists, and the live storage otherwise.

use super::{
    paging::{bit_set, copied_position, set_bit},
    NeuronSnapshot,
};
use crate::*;
use frame_support::{pallet_prelude::*, BoundedVec};
use sp_runtime::traits::UniqueSaturatedInto;

/// The inputs of one uid that the epoch reads.
pub(super) struct Inputs<AccountId> {
    pub(super) hotkey: Option<AccountId>,
    pub(super) stake: u128,
    pub(super) last_update: Option<u64>,
    pub(super) registered_at: u64,
}

impl<AccountId, MaxRow: Get<u32>> NeuronSnapshot<AccountId, MaxRow> {
    /// The hotkey the epoch owes this uid's credit to although another registration has
    /// taken the uid since the copy (it may be the same hotkey, registered again): counted
    /// in [`PendingCredits`] until the credit is paid.
    pub(crate) fn owed_after_replacement<T: Config>(
        &self,
        netuid: u16,
        uid: u16,
    ) -> Option<&AccountId> {
        let replaced = RegisteredAt::<T>::get(netuid, uid) != self.registered_at;
        self.hotkey.as_ref().filter(|_| replaced)
    }
}

impl<T: Config> Pallet<T> {
    /// Whether `netuid`'s running epoch has yet to read `uid`'s inputs.
    pub(crate) fn epoch_needs(netuid: u16, uid: u16) -> bool {
        RunningEpochs::<T>::get(netuid).is_some_and(|run| run.needs(uid))
    }

    /// Copies `uid`'s epoch inputs as they stand now, if a running epoch still needs them
    /// and no copy exists yet. Every call that changes a uid's weights, last update,
    /// stake, hotkey or registration calls this first.
    pub(crate) fn preserve_for_epoch(netuid: u16, uid: u16) {
        if !Self::epoch_needs(netuid, uid) {
            return;
        }
        let (page, bit) = copied_position(uid);
        let mut words = EpochCopied::<T>::get(netuid, page).into_inner();
        if bit_set(&words, bit) {
            return;
        }
        set_bit(&mut words, bit);
        EpochCopied::<T>::insert(netuid, page, BoundedVec::truncate_from(words));
        let inputs = Self::live_inputs(netuid, uid);
        let take = inputs
            .hotkey
            .as_ref()
            .map(Take::<T>::get)
            // No hotkey holds the uid: no owner's take applies.
            .unwrap_or_default();
        EpochSnapshots::<T>::insert(
            netuid,
            uid,
            NeuronSnapshot {
                hotkey: inputs.hotkey,
                stake: inputs.stake,
                last_update: inputs.last_update,
                registered_at: inputs.registered_at,
                weights: Weights::<T>::get(netuid, uid),
                take,
            },
        );
    }

    /// [`Self::preserve_for_epoch`] for the uids `hotkey` holds on every network (before its
    /// take changes).
    pub(crate) fn preserve_hotkey_everywhere(hotkey: &T::AccountId) {
        for netuid in NetworksAdded::<T>::iter_keys() {
            Self::preserve_hotkey_for_epoch(netuid, hotkey);
        }
    }

    /// [`Self::preserve_for_epoch`] for the uid `hotkey` holds on `netuid`, if any.
    pub(crate) fn preserve_hotkey_for_epoch(netuid: u16, hotkey: &T::AccountId) {
        if RunningEpochs::<T>::contains_key(netuid) {
            if let Some(uid) = Uids::<T>::get(netuid, hotkey) {
                Self::preserve_for_epoch(netuid, uid);
            }
        }
    }

    /// A uid's inputs as they stand in storage.
    fn live_inputs(netuid: u16, uid: u16) -> Inputs<T::AccountId> {
        let hotkey = Keys::<T>::get(netuid, uid);
        // A neuron that has not set weights since it registered is not active: its stake
        // does not count (MECHANISM.md step 1).
        let last_update = LastUpdate::<T>::try_get(netuid, uid).ok();
        let stake: u128 = match (&hotkey, last_update) {
            (Some(h), Some(_)) => StakePools::<T>::get(netuid, h)
                .map(|pool| Self::counted_stake(netuid, &pool).unique_saturated_into())
                // No pool: nothing staked behind the hotkey on this network.
                .unwrap_or(0),
            _ => 0,
        };
        Inputs {
            hotkey,
            stake,
            last_update,
            registered_at: RegisteredAt::<T>::get(netuid, uid),
        }
    }

    /// The copy of `uid`'s inputs, read only where the epoch's bitmap says one exists
    /// (`copied`, from [`Vectors::is_copied`]).
    pub(super) fn epoch_copy(
        netuid: u16,
        uid: u16,
        copied: bool,
    ) -> Option<NeuronSnapshot<T::AccountId, T::MaxWeightsPerRow>> {
        copied
            .then(|| EpochSnapshots::<T>::get(netuid, uid))
            .flatten()
    }

    /// A uid's inputs as the running epoch sees them (`copied`: whether it has a copy).
    pub(super) fn epoch_inputs(netuid: u16, uid: u16, copied: bool) -> Inputs<T::AccountId> {
        match Self::epoch_copy(netuid, uid, copied) {
            Some(s) => Inputs {
                hotkey: s.hotkey,
                stake: s.stake,
                last_update: s.last_update,
                registered_at: s.registered_at,
            },
            None => Self::live_inputs(netuid, uid),
        }
    }

    /// A uid's weight row as the running epoch sees it (`copied`: whether it has a copy).
    pub(super) fn epoch_weights(
        netuid: u16,
        uid: u16,
        copied: bool,
    ) -> BoundedVec<(u16, u16), T::MaxWeightsPerRow> {
        match Self::epoch_copy(netuid, uid, copied) {
            Some(s) => s.weights,
            None => Weights::<T>::get(netuid, uid),
        }
    }
}
