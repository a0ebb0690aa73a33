//! `Credit`: each uid's emission credited to its hotkey's pool and minted (a range of uids
//! at once, atomically), failures reported, hotkeys replaced during the epoch released once
//! paid, and the uids' results written a page at a time.

use super::{paging::page_of, EpochRun, VectorKind, Vectors};
use crate::{network::fixed_to_perbill, *};
use alloc::vec::Vec;
use frame_support::{
    pallet_prelude::*, storage::with_storage_layer, traits::fungible::Mutate, traits::Defensive,
    BoundedVec,
};
use sp_runtime::traits::UniqueSaturatedFrom;

/// One uid of a range being credited.
struct Credit<AccountId> {
    uid: u16,
    /// The hotkey the emission goes to: the one that held the uid at the boundary.
    hotkey: Option<AccountId>,
    /// Whether that hotkey still holds the uid (its results are written only then).
    still_held: bool,
    /// Base units minted to the uid.
    amount: u64,
    /// The owner's take at the boundary, where the uid's inputs were copied.
    take: Option<Perbill>,
    /// Whether the uid cost more: a copy removed, or joining stake merged.
    costly: bool,
    /// Whether its emission was credited.
    credited: bool,
    /// Whether crediting it failed (reported, and shown as no emission).
    failed: bool,
}

impl<T: Config> Pallet<T> {
    /// Credits uids `start..end` their emission (atomically: if minting the range's total
    /// fails, none of it is credited) and writes their results pages. Returns how many of
    /// the uids had a copy of their inputs or merged joining stake (what they cost).
    pub(crate) fn credit_range(
        netuid: u16,
        run: &mut EpochRun,
        v: &mut Vectors,
        start: usize,
        end: usize,
    ) -> usize {
        let mut credits = Self::credits_of(netuid, v, start, end);
        Self::pay_credits(netuid, &mut credits, start, end);
        Self::settle_replaced(&credits);
        for c in credits.iter().filter(|c| c.failed) {
            Self::deposit_event(Event::EmissionCreditFailed {
                netuid,
                uid: c.uid,
                amount: c.amount,
            });
        }
        Self::write_results(netuid, run, v, &credits);
        credits.iter().filter(|c| c.costly).count()
    }

    /// Who uids `start..end` are credited to, and how much: the copy of a uid's inputs
    /// where one exists (removed now: the epoch is done with the uid), its live hotkey
    /// otherwise.
    fn credits_of(
        netuid: u16,
        v: &mut Vectors,
        start: usize,
        end: usize,
    ) -> Vec<Credit<T::AccountId>> {
        (start..end)
            .map(|i| {
                // A uid of the epoch (`i < n ≤ 65,536`).
                let uid = u16::try_from(i).defensive_unwrap_or(u16::MAX);
                // Read and removed only where one exists (the bitmap says): a removal is a
                // write.
                let snapshot = Self::epoch_copy(netuid, uid, v.is_copied::<T>(uid));
                let costly = snapshot.is_some();
                let (hotkey, still_held, take) = match snapshot {
                    Some(s) => {
                        EpochSnapshots::<T>::remove(netuid, uid);
                        let held = s.hotkey.is_some()
                            && s.owed_after_replacement::<T>(netuid, uid).is_none();
                        (s.hotkey, held, Some(s.take))
                    }
                    None => (Keys::<T>::get(netuid, uid), true, None),
                };
                Credit {
                    uid,
                    hotkey,
                    still_held,
                    amount: v.int::<T>(VectorKind::Emission, i),
                    take,
                    costly,
                    credited: false,
                    failed: false,
                }
            })
            .collect()
    }

    /// Credits each uid's pool in its own storage layer and mints the total, all in one
    /// layer: if minting fails, every credit is undone and reported as failed.
    fn pay_credits(netuid: u16, credits: &mut [Credit<T::AccountId>], start: usize, end: usize) {
        let outcome = with_storage_layer(|| -> DispatchResult {
            let mut total: u64 = 0;
            for c in credits.iter_mut() {
                if c.amount == 0 {
                    continue;
                }
                let result = match &c.hotkey {
                    Some(h) => {
                        with_storage_layer(|| Self::credit_pool(netuid, h, c.amount, c.take))
                    }
                    None => Err(Error::<T>::NotRegistered.into()),
                };
                match result {
                    Ok(merged) => {
                        c.costly |= merged;
                        c.credited = true;
                        total = total.saturating_add(c.amount);
                    }
                    Err(e) => {
                        let uid = c.uid;
                        log::error!(target: LOG_TARGET, "emission to uid {uid} failed: {e:?}");
                        c.failed = true;
                    }
                }
            }
            Self::mint_stake(total)
        });
        if outcome.is_err() {
            log::error!(target: LOG_TARGET, "minting the emission of uids {start}..{end} failed");
            for c in credits.iter_mut() {
                c.failed |= c.credited;
                c.credited = false;
            }
        }
    }

    /// A hotkey replaced during the epoch was kept until its credit: its credit is paid
    /// (or failed), so release it now if it holds no uid, no stake and no other credit.
    fn settle_replaced(credits: &[Credit<T::AccountId>]) {
        for c in credits {
            if let (false, Some(h)) = (c.still_held, &c.hotkey) {
                PendingCredits::<T>::mutate_exists(h, |n| {
                    *n = n.and_then(|n| n.checked_sub(1)).filter(|n| *n > 0)
                });
                Self::release_if_unused(h);
            }
        }
    }

    /// Adds what was credited to the run, and writes the results of the uids still held:
    /// one read and one write per results page touched.
    fn write_results(
        netuid: u16,
        run: &mut EpochRun,
        v: &mut Vectors,
        credits: &[Credit<T::AccountId>],
    ) {
        use VectorKind as K;
        let mut page_index = u32::MAX;
        let mut page: Vec<NeuronResult> = Vec::new();
        for c in credits {
            let i = usize::from(c.uid);
            if c.credited {
                run.credited = run.credited.saturating_add(c.amount);
            }
            let (p, slot) = page_of(c.uid);
            if p != page_index {
                if page_index != u32::MAX {
                    NeuronResults::<T>::insert(
                        netuid,
                        page_index,
                        BoundedVec::truncate_from(core::mem::take(&mut page)),
                    );
                }
                page_index = p;
                page = NeuronResults::<T>::get(netuid, p).into_inner();
            }
            if !c.still_held {
                continue;
            }
            if page.len() <= slot {
                page.resize(slot.saturating_add(1), NeuronResult::default());
            }
            let emission = if c.failed { 0 } else { c.amount };
            let frac = |v: &mut Vectors, kind| fixed_to_perbill(v.at::<T>(kind, i));
            let result = NeuronResult {
                rank: frac(v, K::Rank),
                trust: frac(v, K::Trust),
                consensus: frac(v, K::Consensus),
                incentive: frac(v, K::Incentive),
                dividends: frac(v, K::Dividends),
                emission,
            };
            if let Some(s) = page.get_mut(slot) {
                *s = result;
            }
        }
        if page_index != u32::MAX {
            NeuronResults::<T>::insert(netuid, page_index, BoundedVec::truncate_from(page));
        }
    }

    /// Mints `amount` into the stake account and adds it to `TotalStake`.
    fn mint_stake(amount: u64) -> DispatchResult {
        if amount == 0 {
            return Ok(());
        }
        let amount = BalanceOf::<T>::unique_saturated_from(amount);
        T::Currency::mint_into(&Self::stake_account(), amount)?;
        TotalStake::<T>::try_mutate(|t| {
            *t = t.checked_add(&amount).ok_or(Error::<T>::Overflow)?;
            Ok::<_, DispatchError>(())
        })
    }
}
