//! The replacement order: the order in which `register` replaces a full network's
//! neurons, recorded by each epoch's `Order` phase (lowest emission first, among the uids
//! held since the boundary and past immunity) in pages of [`PAGE_SIZE`] uids, and taken
//! from the head one registration at a time.

use super::PAGE_SIZE;
use crate::*;
use alloc::vec::Vec;
use frame_support::{pallet_prelude::*, traits::Defensive, BoundedVec};

/// The most entries of the replacement order one `register` reads.
pub const REPLACEMENT_SCAN: u32 = 16;

impl<T: Config> Pallet<T> {
    /// Records the order in which `register` replaces `netuid`'s neurons: lowest emission
    /// first (lower uid among equals), among the uids found replaceable.
    pub(super) fn record_replacement_order(
        netuid: u16,
        started_at: u64,
        minted: &[u64],
        replaceable: &[bool],
    ) {
        let mut order: Vec<(u64, u16)> = minted
            .iter()
            .zip(replaceable)
            .enumerate()
            .filter(|(_, (_, r))| **r)
            .filter_map(|(uid, (m, _))| Some((*m, u16::try_from(uid).ok()?)))
            .collect();
        order.sort_unstable();
        ReplacementOrderFrom::<T>::insert(netuid, started_at);
        let old_pages = ReplacementPages::<T>::get(netuid);
        let pages: Vec<BoundedVec<u16, ConstU32<PAGE_SIZE>>> = order
            .chunks(PAGE_SIZE as usize)
            .map(|c| BoundedVec::truncate_from(c.iter().map(|(_, uid)| *uid).collect()))
            .collect();
        // At most 65,536 uids: a page count (and index) fits a `u32`.
        let count = u32::try_from(pages.len()).defensive_unwrap_or(u32::MAX);
        for (p, page) in pages.into_iter().enumerate() {
            let p = u32::try_from(p).defensive_unwrap_or(u32::MAX);
            ReplacementOrder::<T>::insert(netuid, p, page);
        }
        for p in count..old_pages {
            ReplacementOrder::<T>::remove(netuid, p);
        }
        ReplacementPages::<T>::insert(netuid, count);
        ReplacementHead::<T>::insert(netuid, 0);
    }

    /// Takes the next uid to replace on a full `netuid`, in the order the last epoch
    /// recorded, passing over (and dropping) at most `REPLACEMENT_SCAN` uids that are
    /// immune now. Returns the uid and how many entries were read.
    pub(crate) fn take_replacement(netuid: u16, now: u64) -> (Option<u16>, u32) {
        let immunity = ImmunityPeriod::<T>::get(netuid);
        // A uid registered after the epoch that recorded the order started has changed
        // hands since: its place in the order was its previous holder's.
        let recorded = ReplacementOrderFrom::<T>::get(netuid);
        let pages = ReplacementPages::<T>::get(netuid);
        let mut head = ReplacementHead::<T>::get(netuid);
        let mut read = 0u32;
        let mut page_index = u32::MAX;
        let mut page: BoundedVec<u16, ConstU32<PAGE_SIZE>> = BoundedVec::new();
        let found = loop {
            if read >= REPLACEMENT_SCAN || head / PAGE_SIZE >= pages {
                break None;
            }
            if head / PAGE_SIZE != page_index {
                page_index = head / PAGE_SIZE;
                page = ReplacementOrder::<T>::get(netuid, page_index);
            }
            let Some(uid) = page.get((head % PAGE_SIZE) as usize).copied() else {
                break None;
            };
            head = head.saturating_add(1);
            read = read.saturating_add(1);
            let registered = RegisteredAt::<T>::get(netuid, uid);
            if registered < recorded && now.saturating_sub(registered) >= immunity {
                break Some(uid);
            }
        };
        ReplacementHead::<T>::insert(netuid, head);
        (found, read)
    }
}
