//! The epoch glue: read a network into the math crate's input, run
//! [`mindnet_math::epoch`], write the results back and mint the emission.

use crate::{network::fixed_to_perbill, network::perbill_to_fixed, *};
use alloc::vec::Vec;
use frame_support::{pallet_prelude::*, storage::with_storage_layer, BoundedVec};
use frame_system::pallet_prelude::BlockNumberFor;
use mindnet_math::{EpochInput, NeuronState};
use sp_arithmetic::FixedPointNumber;
use sp_runtime::traits::UniqueSaturatedInto;

/// What an epoch read: the sizes its weight is charged by.
pub(crate) struct EpochSize {
    /// Neurons in the network.
    pub neurons: u32,
    /// Weight entries over all rows.
    pub weights: u32,
}

/// `L` as a [`FixedI64`] (nine decimal places), truncated toward zero.
pub(crate) fn loss_to_fixed_i64(loss: mindnet_math::SignedFixed) -> FixedI64 {
    let scaled = loss.saturating_mul(mindnet_math::SignedFixed::from_num(FixedI64::DIV));
    FixedI64::from_inner(scaled.saturating_to_num::<i64>())
}

impl<T: Config> Pallet<T> {
    /// Runs the epoch of every network whose tempo divides `now`; returns the weight used.
    pub(crate) fn run_due_epochs(now: BlockNumberFor<T>) -> Weight {
        let now: u64 = now.unique_saturated_into();
        let mut weight = T::DbWeight::get().reads(1);
        if now == 0 {
            return weight;
        }
        for netuid in NetworksAdded::<T>::iter_keys() {
            weight = weight.saturating_add(T::DbWeight::get().reads(2));
            let tempo = u64::from(Tempo::<T>::get(netuid).max(1));
            if now.is_multiple_of(tempo) {
                let size = Self::run_epoch(netuid, now);
                weight = weight.saturating_add(T::WeightInfo::epoch(size.neurons, size.weights));
            }
        }
        weight
    }

    /// Runs one epoch of `netuid` at block `now` (MECHANISM.md steps 1–14).
    pub(crate) fn run_epoch(netuid: u16, now: u64) -> EpochSize {
        let n = NeuronCount::<T>::get(netuid);
        let mut neurons = Vec::with_capacity(usize::from(n));
        let mut hotkeys = Vec::with_capacity(usize::from(n));
        let mut weights = Vec::with_capacity(usize::from(n));
        let mut bonds = Vec::with_capacity(usize::from(n));
        let mut entries: u32 = 0;
        let period = EpochIndex::<T>::get(netuid);
        for uid in 0..n {
            let hotkey = Keys::<T>::get(netuid, uid);
            // A neuron that has not set weights since it registered is not active: its
            // stake does not count (MECHANISM.md step 1).
            let last_update = LastUpdate::<T>::try_get(netuid, uid).ok();
            let stake: u128 = match (&hotkey, last_update) {
                (Some(h), Some(_)) => StakePools::<T>::get(netuid, h)
                    .map(|pool| Self::counted_at(&pool, period).unique_saturated_into())
                    .unwrap_or(0),
                _ => 0,
            };
            neurons.push(NeuronState {
                stake,
                last_update: last_update.unwrap_or(0),
                registered_at: RegisteredAt::<T>::get(netuid, uid),
            });
            let row = Weights::<T>::get(netuid, uid);
            entries = entries.saturating_add(u32::try_from(row.len()).unwrap_or(u32::MAX));
            weights.push(row);
            bonds.push(Bonds::<T>::get(netuid, uid));
            hotkeys.push(hotkey);
        }
        // Emission for every block since the previous epoch (or the network's creation),
        // whatever the tempo is now.
        let previous = LastEpochBlock::<T>::get(netuid);
        let blocks = now.saturating_sub(previous.unwrap_or(0));
        let emission = BlockEmission::<T>::get(netuid).saturating_mul(blocks);
        // The epoch runs in `on_initialize`, before the block's registrations: the stored
        // bonds know registrations up to the block before the last epoch.
        let cover = previous.map(|b| b.saturating_sub(1)).unwrap_or(0);
        let params = Self::epoch_params(netuid);
        let out = mindnet_math::epoch(
            &params,
            &EpochInput {
                block: now,
                emission,
                neurons: &neurons,
                weights: &weights,
                bonds: &bonds,
                bonds_cover_registrations_up_to: cover,
            },
        );

        let stored_bonds = out.stored_bonds();
        let mut credited: u64 = 0;
        for uid in 0..n {
            let i = usize::from(uid);
            let frac = |v: &Vec<mindnet_math::Fixed>| {
                fixed_to_perbill(v.get(i).copied().unwrap_or_default())
            };
            Rank::<T>::insert(netuid, uid, frac(&out.rank));
            Trust::<T>::insert(netuid, uid, frac(&out.trust));
            Consensus::<T>::insert(netuid, uid, frac(&out.consensus));
            Incentive::<T>::insert(netuid, uid, frac(&out.incentive));
            Dividends::<T>::insert(netuid, uid, frac(&out.dividends));
            let row = stored_bonds.get(i).cloned().unwrap_or_default();
            Bonds::<T>::insert(netuid, uid, BoundedVec::truncate_from(row));
            let mut minted = out.emission.get(i).copied().unwrap_or(0);
            if minted > 0 {
                // Mint and credit in a storage layer: a failure leaves nothing behind.
                let result = match hotkeys.get(i) {
                    Some(Some(hotkey)) => {
                        with_storage_layer(|| Self::credit_emission(netuid, hotkey, minted))
                    }
                    _ => Err(Error::<T>::NotRegistered.into()),
                };
                if let Err(e) = result {
                    log::error!(target: "runtime::mindnet", "emission to uid {uid} failed: {e:?}");
                    Self::deposit_event(Event::EmissionCreditFailed {
                        netuid,
                        uid,
                        amount: minted,
                    });
                    minted = 0;
                }
            }
            credited = credited.saturating_add(minted);
            Emission::<T>::insert(netuid, uid, minted);
        }

        let loss = loss_to_fixed_i64(out.loss);
        Loss::<T>::insert(netuid, loss);
        LastEpochBlock::<T>::insert(netuid, now);
        EpochIndex::<T>::mutate(netuid, |e| *e = e.saturating_add(1));
        Self::adjust_after_epoch(netuid, &out);

        if out.minted == 0 {
            let reason = if out
                .stake
                .iter()
                .all(|s| *s == mindnet_math::Fixed::from_num(0))
            {
                SkipReason::NoActiveStake
            } else {
                SkipReason::NoRanks
            };
            Self::deposit_event(Event::EpochSkipped { netuid, reason });
        }
        Self::deposit_event(Event::EpochCompleted {
            netuid,
            emission: credited,
            loss,
            blocks,
        });
        EpochSize {
            neurons: u32::from(n),
            weights: entries,
        }
    }

    /// The loss peg (step 13) and adaptive τ (step 14).
    fn adjust_after_epoch(netuid: u16, out: &mindnet_math::EpochOutput) {
        let current = MinAllowedWeights::<T>::get(netuid);
        let next = mindnet_math::next_min_allowed_weights(
            current,
            out.loss,
            perbill_to_fixed(LossMargin::<T>::get(netuid)),
            MaxWeightsPerRow::<T>::get(netuid),
        );
        if next != current {
            MinAllowedWeights::<T>::insert(netuid, next);
            Self::deposit_event(Event::MinAllowedWeightsAdjusted {
                netuid,
                min_allowed_weights: next,
            });
        }
        if AdaptiveEmission::<T>::get(netuid) {
            let current = BlockEmission::<T>::get(netuid);
            let next = mindnet_math::adapt_block_emission(
                current,
                out.sparsity,
                perbill_to_fixed(SparsityTarget::<T>::get(netuid)),
                perbill_to_fixed(EmissionAdjustment::<T>::get(netuid)),
                MinBlockEmission::<T>::get(netuid),
                MaxBlockEmission::<T>::get(netuid),
            );
            if next != current {
                BlockEmission::<T>::insert(netuid, next);
                Self::deposit_event(Event::BlockEmissionAdjusted {
                    netuid,
                    block_emission: next,
                });
            }
        }
    }

    /// Invariants: every pool's shares are held by its stakers and its value is backed by
    /// the stake account's balance; uids and hotkeys map one to one; an owner is kept only
    /// while its hotkey holds a uid or stake.
    #[cfg(any(feature = "try-runtime", test))]
    pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
        use alloc::collections::BTreeMap;
        use frame_support::traits::fungible::Inspect;
        use sp_runtime::traits::{Saturating, Zero};

        let mut total = BalanceOf::<T>::zero();
        let mut pools_of: BTreeMap<T::AccountId, u16> = BTreeMap::new();
        for (netuid, hotkey, pool) in StakePools::<T>::iter() {
            ensure!(
                pool.shares > 0 || !pool.joining.is_zero(),
                "an empty stake pool is kept"
            );
            let (mut shares, mut joining) = (0u128, BalanceOf::<T>::zero());
            for (_, position) in StakePositions::<T>::iter_prefix((netuid, &hotkey)) {
                shares = shares.saturating_add(position.shares);
                joining = joining.saturating_add(position.joining);
            }
            let (mut rate_shares, mut rate_value) = (0u128, BalanceOf::<T>::zero());
            for (_, rate) in JoinRates::<T>::iter_prefix((netuid, &hotkey)) {
                rate_shares = rate_shares.saturating_add(rate.shares);
                rate_value = rate_value.saturating_add(rate.value);
            }
            ensure!(
                shares.saturating_add(rate_shares) == pool.shares,
                "a pool's shares differ from its stakers' and unclaimed shares"
            );
            ensure!(
                joining == pool.joining.saturating_add(rate_value),
                "a pool's joining stake differs from its stakers'"
            );
            ensure!(
                Owner::<T>::contains_key(&hotkey),
                "stake behind a hotkey without owner"
            );
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

        let mut networks_of: BTreeMap<T::AccountId, u16> = BTreeMap::new();
        for netuid in NetworksAdded::<T>::iter_keys() {
            let n = NeuronCount::<T>::get(netuid);
            ensure!(
                u32::from(n) <= T::MaxNeurons::get(),
                "more neurons than MaxNeurons"
            );
            for uid in 0..n {
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
                Uids::<T>::iter_prefix(netuid).count() == usize::from(n),
                "Uids holds hotkeys without a uid"
            );
        }
        for (hotkey, _) in Owner::<T>::iter() {
            let networks = networks_of.get(&hotkey).copied().unwrap_or(0);
            let pools = pools_of.get(&hotkey).copied().unwrap_or(0);
            ensure!(
                networks > 0 || pools > 0,
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
}
