//! The epoch glue: read a network into the math crate's input, run
//! [`mindnet_math::epoch`], write the results back and mint the emission.

use crate::{network::fixed_to_perbill, network::perbill_to_fixed, *};
use alloc::vec::Vec;
use frame_support::{pallet_prelude::*, BoundedVec};
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
        for uid in 0..n {
            let hotkey = Keys::<T>::get(netuid, uid);
            let stake: u128 = hotkey
                .as_ref()
                .map(|h| TotalHotkeyStake::<T>::get(h).unique_saturated_into())
                .unwrap_or(0);
            neurons.push(NeuronState {
                stake,
                last_update: LastUpdate::<T>::get(netuid, uid),
                registered_at: RegisteredAt::<T>::get(netuid, uid),
            });
            let row = Weights::<T>::get(netuid, uid);
            entries = entries.saturating_add(u32::try_from(row.len()).unwrap_or(u32::MAX));
            weights.push(row);
            bonds.push(Bonds::<T>::get(netuid, uid));
            hotkeys.push(hotkey);
        }
        let tempo = u64::from(Tempo::<T>::get(netuid));
        let emission = BlockEmission::<T>::get(netuid).saturating_mul(tempo);
        // The epoch runs in `on_initialize`, before the block's registrations: the stored
        // bonds know registrations up to the block before the last epoch.
        let cover = LastEpochBlock::<T>::get(netuid)
            .map(|b| b.saturating_sub(1))
            .unwrap_or(0);
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
            let minted = out.emission.get(i).copied().unwrap_or(0);
            Emission::<T>::insert(netuid, uid, minted);
            let row = stored_bonds.get(i).cloned().unwrap_or_default();
            Bonds::<T>::insert(netuid, uid, BoundedVec::truncate_from(row));
            if minted > 0 {
                if let Some(Some(hotkey)) = hotkeys.get(i) {
                    if let Err(e) = Self::credit_emission(hotkey, minted) {
                        log::error!(target: "runtime::mindnet", "emission to uid {uid} failed: {e:?}");
                    }
                }
            }
        }

        let loss = loss_to_fixed_i64(out.loss);
        Loss::<T>::insert(netuid, loss);
        LastEpochBlock::<T>::insert(netuid, now);
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
            emission: out.minted,
            loss,
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

    /// Invariants: stake totals agree, and uids and hotkeys map one to one.
    #[cfg(any(feature = "try-runtime", test))]
    pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
        use sp_runtime::traits::{Saturating, Zero};
        let mut total = BalanceOf::<T>::zero();
        for (hotkey, hotkey_total) in TotalHotkeyStake::<T>::iter() {
            let sum = Stake::<T>::iter_prefix_values(&hotkey)
                .fold(BalanceOf::<T>::zero(), |a, s| a.saturating_add(s));
            ensure!(
                sum == hotkey_total,
                "TotalHotkeyStake differs from the sum of Stake"
            );
            total = total.saturating_add(hotkey_total);
        }
        ensure!(
            total == TotalStake::<T>::get(),
            "TotalStake differs from the hotkey totals"
        );
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
            }
            ensure!(
                Uids::<T>::iter_prefix(netuid).count() == usize::from(n),
                "Uids holds hotkeys without a uid"
            );
        }
        Ok(())
    }
}
