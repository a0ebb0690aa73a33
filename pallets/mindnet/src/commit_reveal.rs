//! Commit-reveal weights (issue 27): on a network with [`CommitReveal`] set, a neuron
//! commits a hash of its weight row and reveals the row `RevealDelay` epochs later, so no
//! row can be read (and copied) before the epoch it counts in.
//!
//! - `commit_weights(netuid, hash)` stores `hash` with the network's epoch count
//!   ([`EpochIndex`]) and the block. A hotkey holds at most [`MAX_WEIGHT_COMMITS`]
//!   unexpired commits; commits are rate limited as `set_weights` is.
//! - `reveal_weights(netuid, uids, values, version_key, salt)` recomputes [`commit_hash`]
//!   and, if it matches a commit made `RevealDelay` epochs ago (exactly: one epoch's window
//!   to reveal), stores the row as `set_weights` would, cast at the block of the commit
//!   (so a vote for a uid that changed hands after the commit is dropped by step 3). The
//!   commit and every older one are removed.
//! - A commit not revealed in its window expires and counts as no weights: the neuron's
//!   previous row stays until its activity runs out, as if it had not voted. Expired
//!   commits are dropped when the hotkey next commits, and all of a hotkey's commits when
//!   its uid is replaced.
//! - `set_weights` is refused on such a network ([`Error::CommitRevealEnabled`]).
//!
//! A hash commit, not a timelock: the chain holds nothing it could reveal on the neuron's
//! behalf, so revealing takes the neuron's own second transaction, and a neuron that does
//! not reveal simply has no new weights. It hides the row until the reveal; it does not
//! stop anyone from copying rows once revealed, and the reveal itself is public in the
//! pool before it is included. `docs/copier.md` measures what that leaves a copier.

use crate::*;
use alloc::vec::Vec;
use codec::Encode;
use frame_support::{ensure, pallet_prelude::*};

/// The most unexpired commits a hotkey holds on a network.
pub const MAX_WEIGHT_COMMITS: u32 = 4;

/// The longest reveal delay root may set, in epochs.
pub const MAX_REVEAL_DELAY: u16 = 16;

/// A commitment to a weight row, as [`WeightCommits`] stores it.
#[derive(
    Encode,
    Decode,
    DecodeWithMemTracking,
    TypeInfo,
    MaxEncodedLen,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Debug,
)]
pub struct WeightCommit {
    /// [`commit_hash`] of the row.
    pub hash: [u8; 32],
    /// The network's [`EpochIndex`] when it was committed.
    pub epoch: u64,
    /// The block it was committed in.
    pub block: u64,
}

/// What a commit binds: `blake2_256(SCALE(hotkey, netuid, uids, values, version_key,
/// salt))`.
pub fn commit_hash<AccountId: Encode>(
    hotkey: &AccountId,
    netuid: u16,
    uids: &[u16],
    values: &[u16],
    version_key: u64,
    salt: &[u8; 32],
) -> [u8; 32] {
    use sp_runtime::traits::{BlakeTwo256, Hash};
    BlakeTwo256::hash(&(hotkey, netuid, uids, values, version_key, salt).encode()).0
}

impl<T: Config> Pallet<T> {
    /// The epoch in which a commit made in epoch `epoch` can be revealed, `delay` being the
    /// network's `RevealDelay`.
    fn reveal_epoch(epoch: u64, delay: u16) -> u64 {
        epoch.saturating_add(u64::from(delay))
    }

    /// The uid of `hotkey`, which commits or reveals on `netuid`: the network exists, takes
    /// weights by commit and reveal, and the hotkey holds a uid on it.
    fn committer_uid(netuid: u16, hotkey: &T::AccountId) -> Result<u16, DispatchError> {
        ensure!(
            Self::network_exists(netuid),
            Error::<T>::NetworkDoesNotExist
        );
        let uid = Uids::<T>::get(netuid, hotkey).ok_or(Error::<T>::NotRegistered)?;
        ensure!(
            CommitReveal::<T>::get(netuid),
            Error::<T>::CommitRevealDisabled
        );
        Ok(uid)
    }

    pub(crate) fn do_commit_weights(
        hotkey: T::AccountId,
        netuid: u16,
        hash: [u8; 32],
    ) -> DispatchResult {
        let uid = Self::committer_uid(netuid, &hotkey)?;
        let now = Self::current_block();
        let epoch = EpochIndex::<T>::get(netuid);
        let delay = RevealDelay::<T>::get(netuid);
        let mut commits = WeightCommits::<T>::get(netuid, &hotkey);
        let last = commits
            .last()
            .map(|c| c.block)
            .unwrap_or_else(|| RegisteredAt::<T>::get(netuid, uid));
        ensure!(
            now.saturating_sub(last) >= WeightsSetRateLimit::<T>::get(netuid),
            Error::<T>::SettingWeightsTooFast
        );
        ensure!(
            commits.iter().all(|c| c.hash != hash),
            Error::<T>::DuplicateCommit
        );
        // Expired commits no longer count against the bound.
        commits.retain(|c| Self::reveal_epoch(c.epoch, delay) >= epoch);
        commits
            .try_push(WeightCommit {
                hash,
                epoch,
                block: now,
            })
            .map_err(|_| Error::<T>::TooManyCommits)?;
        WeightCommits::<T>::insert(netuid, &hotkey, commits);
        Self::deposit_event(Event::WeightsCommitted {
            netuid,
            uid,
            hash,
            reveal_epoch: Self::reveal_epoch(epoch, delay),
        });
        Ok(())
    }

    pub(crate) fn do_reveal_weights(
        hotkey: T::AccountId,
        netuid: u16,
        uids: Vec<u16>,
        values: Vec<u16>,
        version_key: u64,
        salt: [u8; 32],
    ) -> DispatchResult {
        let uid = Self::committer_uid(netuid, &hotkey)?;
        let hash = commit_hash(&hotkey, netuid, &uids, &values, version_key, &salt);
        let mut commits = WeightCommits::<T>::get(netuid, &hotkey);
        let at = commits
            .iter()
            .position(|c| c.hash == hash)
            .ok_or(Error::<T>::NoMatchingCommit)?;
        let commit = *commits.get(at).ok_or(Error::<T>::NoMatchingCommit)?;
        let epoch = EpochIndex::<T>::get(netuid);
        let due = Self::reveal_epoch(commit.epoch, RevealDelay::<T>::get(netuid));
        ensure!(epoch >= due, Error::<T>::RevealTooEarly);
        ensure!(epoch == due, Error::<T>::CommitExpired);
        let row = Self::checked_row(netuid, uid, uids, values, version_key)?;
        // This commit and the older ones are spent.
        let rest: Vec<WeightCommit> = commits.drain(at.saturating_add(1)..).collect();
        let commits: BoundedVec<WeightCommit, ConstU32<MAX_WEIGHT_COMMITS>> =
            BoundedVec::truncate_from(rest);
        if commits.is_empty() {
            WeightCommits::<T>::remove(netuid, &hotkey);
        } else {
            WeightCommits::<T>::insert(netuid, &hotkey, commits);
        }
        let count = Self::store_row(netuid, uid, row, commit.block);
        Self::deposit_event(Event::WeightsRevealed {
            netuid,
            uid,
            count,
            committed_at: commit.block,
        });
        Ok(())
    }
}
