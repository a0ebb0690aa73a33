//! Neurons: registration, weights and axons.

use crate::*;
use alloc::vec::Vec;
use frame_support::{
    ensure,
    pallet_prelude::*,
    traits::tokens::{fungible::Mutate, Fortitude, Precision, Preservation},
};
use sp_runtime::traits::{UniqueSaturatedInto, Zero};

impl<T: Config> Pallet<T> {
    /// The current block number as `u64`.
    pub(crate) fn current_block() -> u64 {
        frame_system::Pallet::<T>::block_number().unique_saturated_into()
    }

    pub(crate) fn do_register(
        coldkey: T::AccountId,
        netuid: u16,
        hotkey: T::AccountId,
    ) -> DispatchResult {
        ensure!(
            Self::network_exists(netuid),
            Error::<T>::NetworkDoesNotExist
        );
        ensure!(
            !Uids::<T>::contains_key(netuid, &hotkey),
            Error::<T>::HotkeyAlreadyRegistered
        );
        let owner = Owner::<T>::get(&hotkey);
        if let Some(owner) = &owner {
            ensure!(*owner == coldkey, Error::<T>::NonAssociatedColdkey);
        }
        let now = Self::current_block();
        let count = NeuronCount::<T>::get(netuid);
        let (uid, replaced) = if count < MaxAllowedUids::<T>::get(netuid) {
            (count, None)
        } else {
            let uid = Self::neuron_to_replace(netuid, now).ok_or(Error::<T>::NoNeuronToReplace)?;
            (uid, Keys::<T>::get(netuid, uid))
        };

        let fee = RegistrationFee::<T>::get(netuid);
        if !fee.is_zero() {
            T::Currency::burn_from(
                &coldkey,
                fee,
                Preservation::Preserve,
                Precision::Exact,
                Fortitude::Polite,
            )
            .map_err(|_| Error::<T>::CannotPayRegistrationFee)?;
        }
        if owner.is_none() {
            // An owner coldkey is kept alive while it owns hotkeys, so that emission can
            // always be minted and held on it.
            let owned = OwnedHotkeys::<T>::get(&coldkey);
            if owned == 0 {
                frame_system::Pallet::<T>::inc_consumers(&coldkey)?;
            }
            OwnedHotkeys::<T>::insert(&coldkey, owned.saturating_add(1));
            Owner::<T>::insert(&hotkey, &coldkey);
        }

        if let Some(old) = &replaced {
            Uids::<T>::remove(netuid, old);
            Axons::<T>::remove(netuid, old);
        } else {
            NeuronCount::<T>::insert(netuid, count.saturating_add(1));
        }
        Keys::<T>::insert(netuid, uid, &hotkey);
        Uids::<T>::insert(netuid, &hotkey, uid);
        RegisteredAt::<T>::insert(netuid, uid, now);
        LastUpdate::<T>::insert(netuid, uid, now);
        Weights::<T>::remove(netuid, uid);
        Bonds::<T>::remove(netuid, uid);
        Rank::<T>::remove(netuid, uid);
        Trust::<T>::remove(netuid, uid);
        Consensus::<T>::remove(netuid, uid);
        Incentive::<T>::remove(netuid, uid);
        Dividends::<T>::remove(netuid, uid);
        Emission::<T>::remove(netuid, uid);

        Self::deposit_event(Event::NeuronRegistered {
            netuid,
            uid,
            hotkey,
            coldkey,
            fee,
            replaced,
        });
        Ok(())
    }

    /// The uid with the lowest last emission among those past their immunity period
    /// (lower uid first among equals), if any.
    pub fn neuron_to_replace(netuid: u16, now: u64) -> Option<u16> {
        let immunity = ImmunityPeriod::<T>::get(netuid);
        (0..NeuronCount::<T>::get(netuid))
            .filter(|uid| now.saturating_sub(RegisteredAt::<T>::get(netuid, uid)) >= immunity)
            .min_by_key(|uid| (Emission::<T>::get(netuid, uid), *uid))
    }

    pub(crate) fn do_set_weights(
        hotkey: T::AccountId,
        netuid: u16,
        uids: Vec<u16>,
        values: Vec<u16>,
        version_key: u64,
    ) -> DispatchResult {
        ensure!(
            Self::network_exists(netuid),
            Error::<T>::NetworkDoesNotExist
        );
        let uid = Uids::<T>::get(netuid, &hotkey).ok_or(Error::<T>::NotRegistered)?;
        ensure!(
            uids.len() == values.len(),
            Error::<T>::WeightVecLengthMismatch
        );
        ensure!(
            version_key >= WeightsVersionKey::<T>::get(netuid),
            Error::<T>::IncorrectWeightVersionKey
        );
        let now = Self::current_block();
        ensure!(
            now.saturating_sub(LastUpdate::<T>::get(netuid, uid))
                >= WeightsSetRateLimit::<T>::get(netuid),
            Error::<T>::SettingWeightsTooFast
        );
        ensure!(
            uids.len() <= usize::from(MaxWeightsPerRow::<T>::get(netuid)),
            Error::<T>::TooManyWeights
        );
        let count = NeuronCount::<T>::get(netuid);
        let mut row: Vec<(u16, u16)> = uids.into_iter().zip(values).collect();
        row.sort_unstable_by_key(|(j, _)| *j);
        ensure!(
            row.windows(2).all(|w| matches!(w, [a, b] if a.0 != b.0)),
            Error::<T>::DuplicateUids
        );
        ensure!(
            row.iter().all(|(j, _)| *j < count),
            Error::<T>::UidOutOfRange
        );
        // A network with fewer neurons than `MinAllowedWeights` asks for all of them.
        let min = MinAllowedWeights::<T>::get(netuid).min(count);
        ensure!(row.len() >= usize::from(min), Error::<T>::TooFewWeights);
        ensure!(row.iter().any(|(_, v)| *v > 0), Error::<T>::AllWeightsZero);
        let entries = u32::try_from(row.len()).map_err(|_| Error::<T>::TooManyWeights)?;
        let bounded: BoundedVec<(u16, u16), T::MaxWeightsPerRow> =
            row.try_into().map_err(|_| Error::<T>::TooManyWeights)?;
        Weights::<T>::insert(netuid, uid, bounded);
        LastUpdate::<T>::insert(netuid, uid, now);
        Self::deposit_event(Event::WeightsSet {
            netuid,
            uid,
            count: entries,
        });
        Ok(())
    }

    pub(crate) fn do_serve_axon(
        hotkey: T::AccountId,
        netuid: u16,
        ip: u128,
        port: u16,
        ip_type: u8,
        protocol: u8,
    ) -> DispatchResult {
        ensure!(
            Self::network_exists(netuid),
            Error::<T>::NetworkDoesNotExist
        );
        ensure!(
            Uids::<T>::contains_key(netuid, &hotkey),
            Error::<T>::NotRegistered
        );
        ensure!(ip_type == 4 || ip_type == 6, Error::<T>::InvalidIpType);
        let valid_ip = match ip_type {
            4 => ip != 0 && ip < (1u128 << 32) && ip != u128::from(u32::MAX),
            _ => ip != 0 && ip != u128::MAX,
        };
        ensure!(valid_ip, Error::<T>::InvalidIpAddress);
        ensure!(port != 0, Error::<T>::InvalidPort);
        let axon = AxonInfo {
            block: Self::current_block(),
            ip,
            port,
            ip_type,
            protocol,
        };
        Axons::<T>::insert(netuid, &hotkey, axon);
        Self::deposit_event(Event::AxonServed {
            netuid,
            hotkey,
            axon,
        });
        Ok(())
    }
}
