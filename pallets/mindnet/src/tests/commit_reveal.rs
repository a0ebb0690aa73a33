//! Commit-reveal weights: a row counts only once revealed in its window; every wrong
//! reveal, and a commit over the bound, fails with its own error and changes nothing.

use super::*;
use frame_support::{assert_noop, assert_ok};

const SALT: [u8; 32] = [9; 32];

fn commit(hotkey: AccountId, uids: &[u16], values: &[u16], salt: [u8; 32]) -> DispatchResult {
    let hash = commit_hash(&hotkey, 0, uids, values, 0, &salt);
    Mindnet::commit_weights(RuntimeOrigin::signed(hotkey), 0, hash)
}

fn reveal(hotkey: AccountId, uids: &[u16], values: &[u16], salt: [u8; 32]) -> DispatchResult {
    Mindnet::reveal_weights(
        RuntimeOrigin::signed(hotkey),
        0,
        uids.to_vec(),
        values.to_vec(),
        0,
        salt,
    )
}

/// Hotkeys 11 and 12 with stake, commit-reveal on (delay 1), at block 3.
fn network() {
    register_many(2);
    stake(1, 11, 0, 100 * TOKEN);
    stake(2, 12, 0, 100 * TOKEN);
    set(NetworkParameter::CommitReveal(true));
    run_to_block(3);
}

use sp_runtime::DispatchResult;

#[test]
fn each_network_takes_weights_one_way() {
    new_test_ext().execute_with(|| {
        register_many(2);
        assert_noop!(
            commit(11, &[1], &[1], SALT),
            Error::<Test>::CommitRevealDisabled
        );
        assert_noop!(
            reveal(11, &[1], &[1], SALT),
            Error::<Test>::CommitRevealDisabled
        );
        set(NetworkParameter::CommitReveal(true));
        assert_noop!(
            vote(11, vec![1], vec![1]),
            Error::<Test>::CommitRevealEnabled
        );
        assert_noop!(commit(99, &[1], &[1], SALT), Error::<Test>::NotRegistered);
    });
}

#[test]
fn a_row_counts_once_revealed_in_its_window_as_cast_at_the_commit() {
    new_test_ext().execute_with(|| {
        network();
        assert_ok!(commit(11, &[1], &[7], SALT));
        System::assert_last_event(
            Event::<Test>::WeightsCommitted {
                netuid: 0,
                uid: 0,
                hash: commit_hash(&11u64, 0, &[1], &[7], 0, &SALT),
                reveal_epoch: 1,
            }
            .into(),
        );
        // Nothing is stored before the reveal, and it is too early until an epoch completes.
        assert!(Weights::<Test>::get(0, 0).is_empty());
        assert_noop!(reveal(11, &[1], &[7], SALT), Error::<Test>::RevealTooEarly);
        run_to_block(12);
        assert_eq!(EpochIndex::<Test>::get(0), 1);
        // The wrong salt, row or version key matches no commit.
        assert_noop!(
            reveal(11, &[1], &[7], [8; 32]),
            Error::<Test>::NoMatchingCommit
        );
        assert_noop!(
            reveal(11, &[1], &[8], SALT),
            Error::<Test>::NoMatchingCommit
        );
        assert_noop!(
            Mindnet::reveal_weights(RuntimeOrigin::signed(11), 0, vec![1], vec![7], 1, SALT),
            Error::<Test>::NoMatchingCommit
        );
        // Another hotkey cannot reveal it.
        assert_noop!(
            reveal(12, &[1], &[7], SALT),
            Error::<Test>::NoMatchingCommit
        );
        assert_ok!(reveal(11, &[1], &[7], SALT));
        assert_eq!(Weights::<Test>::get(0, 0).into_inner(), vec![(1, 7)]);
        assert_eq!(LastUpdate::<Test>::get(0, 0), 3);
        System::assert_last_event(
            Event::<Test>::WeightsRevealed {
                netuid: 0,
                uid: 0,
                count: 1,
                committed_at: 3,
            }
            .into(),
        );
        // Spent: it cannot be revealed twice.
        assert!(!WeightCommits::<Test>::contains_key(0, 11u64));
        assert_noop!(
            reveal(11, &[1], &[7], SALT),
            Error::<Test>::NoMatchingCommit
        );
        // The row counts in the next epoch.
        run_to_block(21);
        assert!(rank(0, 1) > Perbill::zero());
        assert_ok!(Mindnet::do_try_state());
    });
}

#[test]
fn a_commit_not_revealed_in_its_window_expires_and_counts_as_no_weights() {
    new_test_ext().execute_with(|| {
        network();
        assert_ok!(commit(11, &[1], &[7], SALT));
        // Two epochs complete: the window (epoch 1) has passed.
        run_to_block(22);
        assert_eq!(EpochIndex::<Test>::get(0), 2);
        assert_noop!(reveal(11, &[1], &[7], SALT), Error::<Test>::CommitExpired);
        assert!(Weights::<Test>::get(0, 0).is_empty());
        assert!(!LastUpdate::<Test>::contains_key(0, 0));
        // The neuron never voted: its stake counts nowhere, and nothing ranks.
        assert_eq!(rank(0, 1), Perbill::zero());
        // The next commit drops the expired one.
        assert_ok!(commit(11, &[1], &[8], SALT));
        assert_eq!(WeightCommits::<Test>::get(0, 11u64).len(), 1);
    });
}

#[test]
fn commits_are_bounded_unique_and_rate_limited() {
    new_test_ext().execute_with(|| {
        network();
        for k in 0..MAX_WEIGHT_COMMITS as u16 {
            run_to_block(3 + u64::from(k));
            assert_ok!(commit(11, &[1], &[k + 1], SALT));
        }
        run_to_block(7);
        assert_noop!(commit(11, &[1], &[99], SALT), Error::<Test>::TooManyCommits);
        assert_noop!(commit(11, &[1], &[1], SALT), Error::<Test>::DuplicateCommit);
        set(NetworkParameter::WeightsSetRateLimit(8));
        // Hotkey 12 registered at block 1, 6 blocks ago.
        assert_noop!(
            commit(12, &[0], &[1], SALT),
            Error::<Test>::SettingWeightsTooFast
        );
        run_to_block(9);
        assert_ok!(commit(12, &[0], &[1], SALT));
        assert_noop!(
            commit(12, &[0], &[2], SALT),
            Error::<Test>::SettingWeightsTooFast
        );
        // Revealing a later commit spends the earlier ones too.
        run_to_block(13);
        assert_ok!(reveal(11, &[1], &[3], SALT));
        assert_eq!(WeightCommits::<Test>::get(0, 11u64).len(), 1);
        assert_noop!(
            reveal(11, &[1], &[1], SALT),
            Error::<Test>::NoMatchingCommit
        );
    });
}

#[test]
fn a_reveal_checks_the_row_as_set_weights_does() {
    new_test_ext().execute_with(|| {
        network();
        assert_ok!(commit(11, &[5], &[1], SALT));
        run_to_block(4);
        assert_ok!(commit(11, &[1, 1], &[1, 2], SALT));
        run_to_block(12);
        assert_noop!(reveal(11, &[5], &[1], SALT), Error::<Test>::UidOutOfRange);
        assert_noop!(
            reveal(11, &[1, 1], &[1, 2], SALT),
            Error::<Test>::DuplicateUids
        );
        assert_eq!(WeightCommits::<Test>::get(0, 11u64).len(), 2);
    });
}

#[test]
fn a_reveal_while_an_epoch_runs_counts_from_the_next() {
    new_test_ext().execute_with(|| {
        network();
        assert_ok!(commit(11, &[1], &[7], SALT));
        run_to_block(12);
        // An epoch that still needs uid 0 keeps its inputs as they stood at its start.
        let started = System::block_number() + 1;
        Mindnet::start_epoch(0, started);
        assert_ok!(reveal(11, &[1], &[7], SALT));
        assert!(EpochSnapshots::<Test>::contains_key(0, 0));
        assert_ok!(Mindnet::do_try_state());
    });
}

#[test]
fn a_replaced_hotkey_loses_its_commits() {
    new_test_ext().execute_with(|| {
        network();
        set(NetworkParameter::MaxAllowedUids(2));
        set(NetworkParameter::ImmunityPeriod(0));
        assert_ok!(commit(12, &[0], &[1], SALT));
        // 12 votes (by reveal) and 11 never does: the network is full, and the epoch
        // records whom a registration replaces first.
        run_to_block(12);
        assert_ok!(reveal(12, &[0], &[1], SALT));
        run_to_block(31);
        let order = ReplacementOrder::<Test>::get(0, 0);
        let replaced = Keys::<Test>::get(0, order.first().copied().unwrap_or(0)).unwrap();
        assert_ok!(commit(replaced, &[0], &[2], SALT));
        register(3, 13, 0);
        assert!(!WeightCommits::<Test>::contains_key(0, replaced));
    });
}
