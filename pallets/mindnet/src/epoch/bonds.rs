//! The bonds `B` as a pass sees them: the page of [`Bonds`]
//! ([`BOND_PAGE`](super::BOND_PAGE) rows) that [`Vectors`] holds while a pass is on it,
//! written back when the pass leaves it; and a uid's stored row.

use super::{paging::bond_position, BondRow, EpochPhase, Vectors};
use crate::*;
use alloc::vec::Vec;
use frame_support::BoundedVec;

impl Vectors {
    /// Whether row `i`'s bond page is loaded for `phase`'s pass.
    pub(crate) fn has_bond_page(&self, phase: EpochPhase, i: usize) -> bool {
        self.bonds
            .as_ref()
            .is_some_and(|(pass, page, _, _)| *pass == phase && *page == bond_position(i).0)
    }

    /// Loads row `i`'s bond page for `phase`'s pass, writing the page loaded before if a
    /// row of it changed; returns how many bond entries the page holds.
    pub(crate) fn load_bond_page<T: Config>(&mut self, phase: EpochPhase, i: usize) -> usize {
        self.flush_bonds::<T>();
        let page = bond_position(i).0;
        let rows = Bonds::<T>::get(self.netuid, page).into_inner();
        let entries = rows.iter().map(|r| r.len()).sum();
        self.bonds = Some((phase, page, rows, false));
        entries
    }

    /// Writes the loaded bond page if a row of it changed (an empty page is removed).
    pub(super) fn flush_bonds<T: Config>(&mut self) {
        if let Some((_, page, mut rows, true)) = self.bonds.take() {
            while rows.last().is_some_and(|r| r.is_empty()) {
                rows.pop();
            }
            if rows.is_empty() {
                Bonds::<T>::remove(self.netuid, page);
            } else {
                Bonds::<T>::insert(self.netuid, page, BoundedVec::truncate_from(rows));
            }
        }
    }

    /// Row `i`'s stored bonds, from the loaded page (empty if row `i` is not on it, or the
    /// page holds no such row: a page keeps no empty rows past its last bonds).
    pub(crate) fn bond_row(&self, i: usize) -> &[(u16, u64)] {
        let (page_of_row, slot) = bond_position(i);
        self.bonds
            .as_ref()
            .filter(|(_, page, _, _)| *page == page_of_row)
            .and_then(|(_, _, rows, _)| rows.get(slot))
            .map(|r| r.as_slice())
            .unwrap_or(&[])
    }

    /// Replaces row `i`'s bonds on the loaded page (nothing if row `i` is not on it).
    pub(super) fn set_bond_row(&mut self, i: usize, row: Vec<(u16, u64)>) {
        let (page_of_row, slot) = bond_position(i);
        let Some((_, page, rows, dirty)) = self.bonds.as_mut() else {
            return;
        };
        if *page != page_of_row {
            return;
        }
        if rows
            .get(slot)
            .map_or(row.is_empty(), |r| r.as_slice() == row.as_slice())
        {
            return;
        }
        if rows.len() <= slot {
            rows.resize(slot.saturating_add(1), BondRow::default());
        }
        if let Some(r) = rows.get_mut(slot) {
            *r = BoundedVec::truncate_from(row);
            *dirty = true;
        }
    }

    /// Marks the loaded bond page changed (benchmarks: the cost of writing it).
    #[cfg(feature = "runtime-benchmarks")]
    pub(crate) fn touch_bond_page(&mut self) {
        if let Some((_, _, _, dirty)) = self.bonds.as_mut() {
            *dirty = true;
        }
    }
}

impl<T: Config> Pallet<T> {
    /// Uid `uid`'s stored bonds `B_uid·` on `netuid` (sorted by uid; empty if none: a
    /// page holds no row past its last bonds, and no page is stored without bonds).
    pub fn bond_row(netuid: u16, uid: u16) -> Vec<(u16, u64)> {
        let (page, slot) = bond_position(usize::from(uid));
        Bonds::<T>::get(netuid, page)
            .into_iter()
            .nth(slot)
            .map(BoundedVec::into_inner)
            .unwrap_or_default()
    }
}
