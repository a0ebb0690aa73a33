//! An epoch's results: its completion (the loss peg, adaptive τ, its events and the run's
//! storage removed), the results stored for each neuron, and what a network's epoch is
//! doing.

use super::{paging::page_of, EpochRun, EpochStatus, COPIED_PAGE};
use crate::{network::perbill_to_fixed, *};
use mindnet_math::{Fixed, SignedFixed};
use sp_arithmetic::FixedPointNumber;

/// `L` as a [`FixedI64`] (nine decimal places), truncated toward zero.
pub(crate) fn loss_to_fixed_i64(loss: SignedFixed) -> FixedI64 {
    let scaled = loss.saturating_mul(SignedFixed::from_num(FixedI64::DIV));
    FixedI64::from_inner(scaled.saturating_to_num::<i64>())
}

impl<T: Config> Pallet<T> {
    /// Finishes an epoch: the loss peg, adaptive τ, events, and the run's storage removed.
    pub(crate) fn complete_epoch(netuid: u16, run: &EpochRun) {
        let loss_bits = SignedFixed::from_bits(run.loss);
        let loss = loss_to_fixed_i64(loss_bits);
        Loss::<T>::insert(netuid, loss);
        EpochIndex::<T>::mutate(netuid, |e| *e = e.saturating_add(1));
        let sparsity =
            mindnet_math::fixed::div_or_zero(Fixed::from_bits(run.own), Fixed::from_bits(run.all));
        Self::adjust_after_epoch(netuid, loss_bits, sparsity);
        let _ = EpochVectors::<T>::clear_prefix(netuid, super::VectorKind::COUNT, None);
        RunningTransitive::<T>::remove(netuid);
        let _ =
            EpochCopied::<T>::clear_prefix(netuid, u32::from(u16::MAX).div_ceil(COPIED_PAGE), None);
        RunningEpochs::<T>::remove(netuid);
        if run.minted == 0 {
            let reason = if run.any_stake {
                SkipReason::NoRanks
            } else {
                SkipReason::NoActiveStake
            };
            Self::deposit_event(Event::EpochSkipped { netuid, reason });
        }
        log::info!(
            target: LOG_TARGET,
            "network {netuid}: epoch of block {} completed in {} blocks, {} of {} base units credited",
            run.started_at, run.steps, run.credited, run.emission,
        );
        Self::deposit_event(Event::EpochCompleted {
            netuid,
            emission: run.credited,
            loss,
            blocks: run.blocks,
        });
    }

    /// The loss peg (step 13) and adaptive τ (step 14).
    fn adjust_after_epoch(netuid: u16, loss: SignedFixed, sparsity: Fixed) {
        let current = MinAllowedWeights::<T>::get(netuid);
        let next = mindnet_math::next_min_allowed_weights(
            current,
            loss,
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
                sparsity,
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

    /// The results of `uid`'s last epoch on `netuid`.
    pub fn neuron_result(netuid: u16, uid: u16) -> NeuronResult {
        let (page, slot) = page_of(uid);
        NeuronResults::<T>::get(netuid, page)
            .get(slot)
            .copied()
            // Past the page's end: no results written for the uid yet.
            .unwrap_or_default()
    }

    /// Resets `uid`'s results (a new neuron took it).
    pub(crate) fn clear_result(netuid: u16, uid: u16) {
        let (p, slot) = page_of(uid);
        NeuronResults::<T>::mutate(netuid, p, |page| {
            if let Some(slot) = page.get_mut(slot) {
                *slot = NeuronResult::default();
            }
        });
    }

    /// What `netuid`'s epoch is doing.
    pub fn epoch_status(netuid: u16) -> EpochStatus {
        EpochStatus {
            running: RunningEpochs::<T>::get(netuid)
                .map(|r| (r.phase, r.started_at, r.cursor, r.neurons)),
            deferred: EpochDeferred::<T>::get(netuid),
            last_epoch_block: LastEpochBlock::<T>::get(netuid),
            epochs: EpochIndex::<T>::get(netuid),
            tempo: Tempo::<T>::get(netuid),
        }
    }
}
