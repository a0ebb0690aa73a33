//! Neurons: registration, weights and axons.

use crate::*;
use alloc::vec::Vec;
use frame_support::{
    ensure,
    pallet_prelude::*,
    traits::tokens::{fungible::Mutate, Fortitude, Precision, Preservation},
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::traits::{BlakeTwo256, Hash, UniqueSaturatedInto, Verify, Zero};

pub use mindnet_math::consent::REGISTRATION_CONSENT_TAG;

impl<T: Config> Pallet<T> {
    /// The current block number as `u64`.
    pub(crate) fn current_block() -> u64 {
        frame_system::Pallet::<T>::block_number().unique_saturated_into()
    }

    /// The 32-byte payload of a hotkey's consent to being registered on `netuid` by
    /// `coldkey`, valid up to block `deadline`: the BLAKE2-256 hash of the SCALE encoding
    /// of `(b"mindnet/register", genesis_hash, netuid, coldkey, deadline)`
    /// ([`mindnet_math::consent`]). The hotkey signs it wrapped, `<Bytes>payload</Bytes>`
    /// ([`mindnet_math::consent::wrap`]). (Before the chain's first block the genesis hash
    /// reads as a placeholder: make consents once blocks are produced.)
    pub fn registration_payload(netuid: u16, coldkey: &T::AccountId, deadline: u64) -> [u8; 32] {
        let genesis = frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero());
        let encoded = (REGISTRATION_CONSENT_TAG, genesis, netuid, coldkey, deadline).encode();
        BlakeTwo256::hash(&encoded).0
    }

    /// Registers `hotkey` for `coldkey`; returns how many uids the replacement scan read
    /// (what the call's weight depends on).
    pub(crate) fn do_register(
        coldkey: T::AccountId,
        netuid: u16,
        hotkey: T::AccountId,
        deadline: u64,
        signature: &T::Signature,
    ) -> Result<u32, DispatchError> {
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
        ensure!(
            Self::current_block() <= deadline,
            Error::<T>::ConsentExpired
        );
        let payload = Self::registration_payload(netuid, &coldkey, deadline);
        ensure!(
            signature.verify(&mindnet_math::consent::wrap(&payload)[..], &hotkey),
            Error::<T>::InvalidConsentSignature
        );
        Self::register_consented(coldkey, netuid, hotkey, owner)
    }

    /// Registers `hotkey`, whose consent was checked, for `coldkey` (`owner` is the
    /// hotkey's current owner, already checked to be `coldkey` if any).
    pub(crate) fn register_consented(
        coldkey: T::AccountId,
        netuid: u16,
        hotkey: T::AccountId,
        owner: Option<T::AccountId>,
    ) -> Result<u32, DispatchError> {
        let now = Self::current_block();
        let count = NeuronCount::<T>::get(netuid);
        let (uid, replaced, scanned) = if count < MaxAllowedUids::<T>::get(netuid) {
            let uid = u16::try_from(count).map_err(|_| Error::<T>::NoNeuronToReplace)?;
            (uid, None, 0)
        } else {
            let (uid, read) = Self::take_replacement(netuid, now);
            let uid = uid.ok_or(Error::<T>::NoNeuronToReplace)?;
            (uid, Keys::<T>::get(netuid, uid), read)
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
            Owner::<T>::insert(&hotkey, &coldkey);
        }
        HotkeyNetworks::<T>::mutate(&hotkey, |n| *n = n.saturating_add(1));

        if let Some(old) = &replaced {
            // The running epoch credits the uid to the hotkey that held it when the epoch
            // started: `old`, unless `old` itself took the uid while the epoch ran.
            let owed = RunningEpochs::<T>::get(netuid).is_some_and(|run| {
                run.needs(uid) && RegisteredAt::<T>::get(netuid, uid) < run.started_at
            });
            // A running epoch that still needs the uid keeps what it held at the start.
            Self::preserve_for_epoch(netuid, uid);
            Uids::<T>::remove(netuid, old);
            Axons::<T>::remove(netuid, old);
            WeightCommits::<T>::remove(netuid, old);
            HotkeyNetworks::<T>::mutate(old, |n| *n = n.saturating_sub(1));
            // A hotkey owed a credit keeps its owner until it is paid (the credit releases
            // it afterwards).
            if owed {
                PendingCredits::<T>::mutate(old, |n| *n = n.saturating_add(1));
            } else {
                Self::release_if_unused(old);
            }
        } else {
            NeuronCount::<T>::insert(netuid, count.saturating_add(1));
        }
        Keys::<T>::insert(netuid, uid, &hotkey);
        Uids::<T>::insert(netuid, &hotkey, uid);
        RegisteredAt::<T>::insert(netuid, uid, now);
        // Registering is not voting: the neuron becomes active when it sets weights.
        LastUpdate::<T>::remove(netuid, uid);
        Weights::<T>::remove(netuid, uid);
        // The uid's bonds (held and received) belonged to the previous holder: the next
        // epoch drops them by registration block, so they need no write here.
        Self::clear_result(netuid, uid);

        Self::deposit_event(Event::NeuronRegistered {
            netuid,
            uid,
            hotkey,
            coldkey,
            fee,
            replaced,
        });
        Ok(scanned)
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
            !CommitReveal::<T>::get(netuid),
            Error::<T>::CommitRevealEnabled
        );
        let now = Self::current_block();
        let last = LastUpdate::<T>::try_get(netuid, uid)
            .unwrap_or_else(|_| RegisteredAt::<T>::get(netuid, uid));
        ensure!(
            now.saturating_sub(last) >= WeightsSetRateLimit::<T>::get(netuid),
            Error::<T>::SettingWeightsTooFast
        );
        let row = Self::checked_row(netuid, uid, uids, values, version_key)?;
        let count = Self::store_row(netuid, uid, row, now);
        Self::deposit_event(Event::WeightsSet { netuid, uid, count });
        Ok(())
    }

    /// `set_weights`' checks of a row (everything but the rate limit), and the row sorted
    /// and bounded as stored.
    pub(crate) fn checked_row(
        netuid: u16,
        uid: u16,
        uids: Vec<u16>,
        values: Vec<u16>,
        version_key: u64,
    ) -> Result<BoundedVec<(u16, u16), T::MaxWeightsPerRow>, DispatchError> {
        ensure!(
            uids.len() == values.len(),
            Error::<T>::WeightVecLengthMismatch
        );
        ensure!(
            version_key >= WeightsVersionKey::<T>::get(netuid),
            Error::<T>::IncorrectWeightVersionKey
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
            row.iter().all(|(j, _)| u32::from(*j) < count),
            Error::<T>::UidOutOfRange
        );
        ensure!(row.iter().any(|(_, v)| *v > 0), Error::<T>::AllWeightsZero);
        // Only non-zero votes for other uids count toward the minimum (zero entries are
        // dropped by the epoch); a network with fewer other neurons asks for all of them.
        let others = u16::try_from(count.saturating_sub(1)).unwrap_or(u16::MAX);
        let min = MinAllowedWeights::<T>::get(netuid).min(others);
        let counted = row.iter().filter(|(j, v)| *v > 0 && *j != uid).count();
        ensure!(counted >= usize::from(min), Error::<T>::TooFewWeights);
        let max_change = MaxWeightChange::<T>::get(netuid);
        if max_change < MAX_WEIGHT_CHANGE_LIMIT {
            let stored = Weights::<T>::get(netuid, uid);
            ensure!(
                stored.is_empty() || mindnet_math::row_change_within(&stored, &row, max_change),
                Error::<T>::WeightChangeTooLarge
            );
        }
        Ok(row.try_into().map_err(|_| Error::<T>::TooManyWeights)?)
    }

    /// Stores `uid`'s row as cast at block `cast` (its last update); a running epoch that
    /// still needs the uid keeps what it held at the start. Returns the row's entries.
    pub(crate) fn store_row(
        netuid: u16,
        uid: u16,
        row: BoundedVec<(u16, u16), T::MaxWeightsPerRow>,
        cast: u64,
    ) -> u32 {
        // At most `MaxWeightsPerRow`, a `u32`.
        let entries = u32::try_from(row.len()).unwrap_or(u32::MAX);
        Self::preserve_for_epoch(netuid, uid);
        Weights::<T>::insert(netuid, uid, row);
        LastUpdate::<T>::insert(netuid, uid, cast);
        entries
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
        ensure!(axon::is_valid(ip, ip_type), Error::<T>::InvalidIpAddress);
        ensure!(
            AllowNonRoutableAxons::<T>::get() || axon::is_routable(ip, ip_type),
            Error::<T>::NonRoutableAddress
        );
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

impl<T: Config> Pallet<T> {
    /// Everything about neuron `uid` of `netuid`, if the uid is held (`MindnetApi.neuron`).
    pub fn neuron_info(
        netuid: u16,
        uid: u16,
    ) -> Option<crate::runtime_api::NeuronInfo<T::AccountId, BalanceOf<T>>> {
        let hotkey = Keys::<T>::get(netuid, uid)?;
        let coldkey = Owner::<T>::get(&hotkey)?;
        let result = Self::neuron_result(netuid, uid);
        let last_update = LastUpdate::<T>::try_get(netuid, uid).ok();
        let cutoff = ActivityCutoff::<T>::get(netuid);
        let now = Self::current_block();
        Some(crate::runtime_api::NeuronInfo {
            uid,
            stake: Self::hotkey_stake(netuid, &hotkey),
            axon: Axons::<T>::get(netuid, &hotkey),
            hotkey,
            coldkey,
            rank: result.rank,
            trust: result.trust,
            consensus: result.consensus,
            incentive: result.incentive,
            dividends: result.dividends,
            emission: result.emission,
            last_update,
            registered_at: RegisteredAt::<T>::get(netuid, uid),
            active: last_update.is_some_and(|u| now.saturating_sub(u) <= cutoff),
        })
    }

    /// The held uids of `netuid` from `start`, at most `count` (capped at
    /// [`crate::runtime_api::NEURONS_PAGE_MAX`]) of them, in order.
    fn page_uids(netuid: u16, start: u16, count: u16) -> impl Iterator<Item = u16> {
        let count = count.min(crate::runtime_api::NEURONS_PAGE_MAX);
        let end = u32::from(start)
            .saturating_add(u32::from(count))
            .min(NeuronCount::<T>::get(netuid));
        (u32::from(start)..end).filter_map(|uid| u16::try_from(uid).ok())
    }

    /// `MindnetApi.neurons_page`: the held uids of `netuid` among `start..start + count`.
    pub fn neurons_page(
        netuid: u16,
        start: u16,
        count: u16,
    ) -> Vec<crate::runtime_api::NeuronInfo<T::AccountId, BalanceOf<T>>> {
        Self::page_uids(netuid, start, count)
            .filter_map(|uid| Self::neuron_info(netuid, uid))
            .collect()
    }

    /// `MindnetApi.neuron_summaries`: the same page, light.
    pub fn neuron_summaries(
        netuid: u16,
        start: u16,
        count: u16,
    ) -> Vec<crate::runtime_api::NeuronSummary<T::AccountId, BalanceOf<T>>> {
        let cutoff = ActivityCutoff::<T>::get(netuid);
        let now = Self::current_block();
        Self::page_uids(netuid, start, count)
            .filter_map(|uid| {
                let hotkey = Keys::<T>::get(netuid, uid)?;
                let counted_stake = StakePools::<T>::get(netuid, &hotkey)
                    .map(|pool| Self::counted_stake(netuid, &pool))
                    .unwrap_or_default();
                let active = LastUpdate::<T>::try_get(netuid, uid)
                    .is_ok_and(|u| now.saturating_sub(u) <= cutoff);
                Some(crate::runtime_api::NeuronSummary {
                    uid,
                    axon: Axons::<T>::get(netuid, &hotkey),
                    hotkey,
                    counted_stake,
                    active,
                })
            })
            .collect()
    }

    /// Every neuron of `netuid`, in uid order (`MindnetApi.neurons`).
    pub fn neurons(netuid: u16) -> Vec<crate::runtime_api::NeuronInfo<T::AccountId, BalanceOf<T>>> {
        (0..NeuronCount::<T>::get(netuid))
            .filter_map(|uid| u16::try_from(uid).ok())
            .filter_map(|uid| Self::neuron_info(netuid, uid))
            .collect()
    }
}
