//! Paging of the epoch's storage: how many uids (or rows) a page holds, where a uid's entry
//! is, and bitmaps over uids held in 64-bit words.

use alloc::vec::Vec;
use frame_support::{pallet_prelude::*, traits::Defensive, BoundedVec};

/// Uids per page of [`NeuronResults`](crate::NeuronResults) and
/// [`ReplacementOrder`](crate::ReplacementOrder).
pub const PAGE_SIZE: u32 = 256;

/// Rows per page of [`Bonds`](crate::Bonds): a pass reads (and the second pass writes) one
/// key per 16 rows. A full page is 16 rows of [`mindnet_math::MAX_BONDS_PER_ROW`] entries,
/// 160 KiB.
pub const BOND_PAGE: u32 = 16;

/// Uids per page of [`EpochCopied`](crate::EpochCopied) (a page is 64 words of 64 bits).
pub const COPIED_PAGE: u32 = 4096;

/// One uid's stored bonds: `(uid, U32F32 bits)`, sorted by uid.
pub type BondRow = BoundedVec<(u16, u64), ConstU32<{ mindnet_math::MAX_BONDS_PER_ROW as u32 }>>;

/// The pages of a bitmap over `n` uids, `per_page` uids each.
pub(super) fn pages(n: u32, per_page: u32) -> u64 {
    u64::from(n.div_ceil(per_page))
}

/// The page of `uid` in pages of `per_page` uids, and its slot in the page. Every caller
/// passes one of this module's page sizes (never zero), so a `u16` uid's page fits a
/// `u16` and its slot a `usize`: the fallbacks cannot happen.
fn position(uid: u16, per_page: u32) -> (u16, usize) {
    let uid = u32::from(uid);
    (
        u16::try_from(uid.checked_div(per_page).defensive_unwrap_or(0))
            .defensive_unwrap_or(u16::MAX),
        usize::try_from(uid.checked_rem(per_page).defensive_unwrap_or(0)).defensive_unwrap_or(0),
    )
}

/// Where `uid`'s bit is in [`EpochCopied`](crate::EpochCopied): the page, and the bit's
/// index in the page.
pub(crate) fn copied_position(uid: u16) -> (u16, usize) {
    position(uid, COPIED_PAGE)
}

/// Row `i`'s page of [`Bonds`](crate::Bonds) and its slot in the page. A row is a uid's
/// (`i < n ≤ 65,536`), so it fits a `u16`.
pub(super) fn bond_position(i: usize) -> (u16, usize) {
    position(u16::try_from(i).defensive_unwrap_or(u16::MAX), BOND_PAGE)
}

/// The page of [`NeuronResults`](crate::NeuronResults) that holds `uid`, and its slot in
/// the page.
pub(super) fn page_of(uid: u16) -> (u32, usize) {
    let (page, slot) = position(uid, PAGE_SIZE);
    (u32::from(page), slot)
}

/// Bit `i` of a bitmap held in 64-bit words (unset past its end).
pub(crate) fn bit_set(words: &[u64], i: usize) -> bool {
    words.get(i / 64).is_some_and(|w| (w >> (i % 64)) & 1 == 1)
}

/// Sets bit `i` of a bitmap held in 64-bit words, growing it as needed.
pub(super) fn set_bit(words: &mut Vec<u64>, i: usize) {
    let word = i / 64;
    if words.len() <= word {
        words.resize(word.saturating_add(1), 0);
    }
    if let Some(w) = words.get_mut(word) {
        *w |= 1u64 << (i % 64);
    }
}
