//! `add_stake` and `remove_stake`: per-network pools held in the stake account; and the
//! security review's exploits on stake, each closed (every such test failed on the code
//! before its fix).

use super::*;
use frame_support::{assert_noop, assert_ok};

fn pot() -> Balance {
    Balances::free_balance(Mindnet::stake_account())
}

#[test]
fn stake_moves_into_the_stake_account_and_back_never_created_or_lost() {
    new_test_ext().execute_with(|| {
        register(1, 11, 0);
        let issuance = Balances::total_issuance();
        let pot_before = pot();
        stake(1, 11, 0, 100 * TOKEN);
        // Another coldkey may stake behind the same hotkey.
        stake(2, 11, 0, 50 * TOKEN);
        System::assert_last_event(
            Event::<Test>::StakeAdded {
                netuid: 0,
                coldkey: 2,
                hotkey: 11,
                amount: 50 * TOKEN,
            }
            .into(),
        );
        assert_eq!(Mindnet::stake_of(0, &11, &1), 100 * TOKEN);
        assert_eq!(Mindnet::hotkey_stake(0, &11), 150 * TOKEN);
        assert_eq!(TotalStake::<Test>::get(), 150 * TOKEN);
        assert_eq!(pot(), pot_before + 150 * TOKEN);
        assert_eq!(Balances::free_balance(1), 899 * TOKEN);
        assert_eq!(Balances::total_issuance(), issuance);

        assert_ok!(Mindnet::remove_stake(
            RuntimeOrigin::signed(1),
            0,
            11,
            40 * TOKEN
        ));
        System::assert_last_event(
            Event::<Test>::StakeRemoved {
                netuid: 0,
                coldkey: 1,
                hotkey: 11,
                amount: 40 * TOKEN,
            }
            .into(),
        );
        assert_eq!(Balances::free_balance(1), 939 * TOKEN);
        assert_ok!(Mindnet::remove_stake(
            RuntimeOrigin::signed(1),
            0,
            11,
            60 * TOKEN
        ));
        assert!(!StakePositions::<Test>::contains_key((0, 11, 1)));
        assert_eq!(Mindnet::hotkey_stake(0, &11), 50 * TOKEN);
        assert_eq!(Balances::free_balance(1), 999 * TOKEN);
        assert_eq!(Balances::total_issuance(), issuance);
        assert_ok!(Mindnet::do_try_state());
    });
}

#[test]
fn staking_errors_change_nothing() {
    new_test_ext().execute_with(|| {
        register(1, 11, 0);
        assert_noop!(
            Mindnet::add_stake(RuntimeOrigin::signed(1), 0, 11, 0),
            Error::<Test>::ZeroAmount
        );
        assert_noop!(
            Mindnet::add_stake(RuntimeOrigin::signed(1), 0, 99, TOKEN),
            Error::<Test>::NotRegistered
        );
        assert_noop!(
            Mindnet::add_stake(RuntimeOrigin::signed(1), 4, 11, TOKEN),
            Error::<Test>::NetworkDoesNotExist
        );
        assert_noop!(
            Mindnet::add_stake(RuntimeOrigin::signed(1), 0, 11, 10_000 * TOKEN),
            Error::<Test>::InsufficientBalance
        );
        stake(1, 11, 0, TOKEN);
        assert_noop!(
            Mindnet::remove_stake(RuntimeOrigin::signed(1), 0, 11, 2 * TOKEN),
            Error::<Test>::NotEnoughStake
        );
        assert_noop!(
            Mindnet::remove_stake(RuntimeOrigin::signed(2), 0, 11, 1),
            Error::<Test>::NotEnoughStake
        );
        assert_noop!(
            Mindnet::remove_stake(RuntimeOrigin::signed(1), 0, 11, 0),
            Error::<Test>::ZeroAmount
        );
    });
}

// ---- security: stake and epochs --------------------------------------------------

#[test]
fn stake_added_just_before_an_epoch_earns_nothing_in_it() {
    // Baseline: nobody moves stake; uids 0 and 1 split the epoch at block 20 evenly.
    let baseline = new_test_ext().execute_with(|| {
        two_voters();
        run_to_block(20);
        (emission(0, 0), emission(0, 1))
    });
    assert_eq!(baseline.0, baseline.1);
    let attacked = new_test_ext().execute_with(|| {
        two_voters();
        // Coldkey 3 stakes 500 tokens behind hotkey 11 one block before the epoch and
        // takes them out right after it.
        run_to_block(19);
        stake(3, 11, 0, 500 * TOKEN);
        run_to_block(20);
        let result = (emission(0, 0), emission(0, 1));
        let owed = Mindnet::stake_of(0, &11, &3);
        assert_ok!(Mindnet::remove_stake(RuntimeOrigin::signed(3), 0, 11, owed));
        // Coldkey 3 got back what it put in (less at most a base unit of rounding): its
        // stake did not count, and the pool's emission went to the stakers whose did.
        let back = Balances::free_balance(3);
        assert!(back <= 1_000 * TOKEN && 1_000 * TOKEN - back <= 1, "{back}");
        assert_ok!(Mindnet::do_try_state());
        result
    });
    assert_eq!(attacked, baseline);
}

#[test]
fn stake_removed_during_an_epoch_stops_counting_at_once() {
    new_test_ext().execute_with(|| {
        two_voters();
        run_to_block(15);
        // Hotkey 11's stake drops to 10 tokens and comes back before the epoch: it counts
        // at its lowest, 10 against 100.
        assert_ok!(Mindnet::remove_stake(
            RuntimeOrigin::signed(1),
            0,
            11,
            90 * TOKEN
        ));
        stake(1, 11, 0, 90 * TOKEN);
        run_to_block(20);
        // Uid 1 is voted for by 10 of 110 counted tokens; uid 0 by 100 of them.
        let near =
            |got: Perbill, want: Perbill| got.deconstruct().abs_diff(want.deconstruct()) <= 1;
        assert!(near(trust(0, 1), Perbill::from_rational(10u32, 110u32)));
        assert!(near(trust(0, 0), Perbill::from_rational(100u32, 110u32)));
    });
}

#[test]
fn stake_counts_only_on_the_network_it_was_added_to() {
    new_test_ext().execute_with(|| {
        assert_ok!(Mindnet::create_network(RuntimeOrigin::root(), 1));
        assert_ok!(Mindnet::set_parameter(
            RuntimeOrigin::root(),
            1,
            NetworkParameter::Tempo(10)
        ));
        // Hotkeys 11 and 12 are registered on both networks, staked on network 0 only.
        two_voters();
        register(1, 11, 1);
        register(2, 12, 1);
        run_to_block(12);
        let vote1 = |hotkey, uid| {
            Mindnet::set_weights(RuntimeOrigin::signed(hotkey), 1, vec![uid], vec![1], 0)
        };
        assert_ok!(vote1(11, 1));
        assert_ok!(vote1(12, 0));
        run_to_block(20);
        System::assert_has_event(
            Event::<Test>::EpochSkipped {
                netuid: 1,
                reason: SkipReason::NoActiveStake,
            }
            .into(),
        );
        assert!(emission(0, 0) > 0);
        assert_eq!(Mindnet::hotkey_stake(1, &11), 0);
    });
}

// ---- security: fees and bloat -----------------------------------------------------

#[test]
fn positions_below_the_minimum_stake_are_refused() {
    new_test_ext().execute_with(|| {
        register(1, 11, 0);
        set(NetworkParameter::MinStake(10 * TOKEN));
        assert_noop!(
            Mindnet::add_stake(RuntimeOrigin::signed(2), 0, 11, TOKEN),
            Error::<Test>::BelowMinStake
        );
        stake(2, 11, 0, 10 * TOKEN);
        assert_noop!(
            Mindnet::remove_stake(RuntimeOrigin::signed(2), 0, 11, 5 * TOKEN),
            Error::<Test>::BelowMinStake
        );
        assert_ok!(Mindnet::remove_stake(
            RuntimeOrigin::signed(2),
            0,
            11,
            10 * TOKEN
        ));
        assert_noop!(
            Mindnet::set_parameter(RuntimeOrigin::root(), 0, NetworkParameter::MinStake(0)),
            Error::<Test>::ParameterOutOfRange
        );
    });
}

// ---- security: stakers' shares ----------------------------------------------------

#[test]
fn stakers_share_emission_after_the_owners_take() {
    new_test_ext().execute_with(|| {
        register_many(2);
        // Coldkey 1 owns hotkey 11 and takes 10 %; coldkey 5 delegates three times its
        // stake.
        assert_ok!(Mindnet::set_take(
            RuntimeOrigin::signed(1),
            11,
            Perbill::from_percent(10)
        ));
        assert_noop!(
            Mindnet::set_take(RuntimeOrigin::signed(5), 11, Perbill::zero()),
            Error::<Test>::NotHotkeyOwner
        );
        stake(1, 11, 0, 100 * TOKEN);
        stake(5, 11, 0, 300 * TOKEN);
        stake(2, 12, 0, 400 * TOKEN);
        run_to_block(11);
        assert_ok!(vote(11, vec![1], vec![1]));
        assert_ok!(vote(12, vec![0], vec![1]));
        let issuance = Balances::total_issuance();
        run_to_block(20);
        let minted = u128::from(emission(0, 0));
        assert!(minted > 0);
        assert_eq!(
            Balances::total_issuance(),
            issuance + 10 * TOKEN,
            "exactly E is minted"
        );
        let owner = Mindnet::stake_of(0, &11, &1) - 100 * TOKEN;
        let delegator = Mindnet::stake_of(0, &11, &5) - 300 * TOKEN;
        // The owner: 10 % + ¼ of the rest; the delegator: ¾ of the rest (rounded down).
        let take = minted / 10;
        let rest = minted - take;
        assert!(owner.abs_diff(take + rest / 4) <= 2, "owner {owner}");
        assert!(
            delegator.abs_diff(rest * 3 / 4) <= 2,
            "delegator {delegator}"
        );
        assert!(owner + delegator <= minted && minted - (owner + delegator) <= 2);
        // What each can withdraw, they get.
        let owed = Mindnet::stake_of(0, &11, &5);
        assert_ok!(Mindnet::remove_stake(RuntimeOrigin::signed(5), 0, 11, owed));
        assert_eq!(Balances::free_balance(5), 700 * TOKEN + owed);
        let owed = Mindnet::stake_of(0, &11, &1);
        assert_ok!(Mindnet::remove_stake(RuntimeOrigin::signed(1), 0, 11, owed));
        // The last one out takes the rounding dust: the pool is empty.
        assert_eq!(Mindnet::hotkey_stake(0, &11), 0);
        assert_ok!(Mindnet::do_try_state());
    });
}

#[test]
fn the_take_is_capped_by_the_networks_maximum() {
    new_test_ext().execute_with(|| {
        register_many(2);
        set(NetworkParameter::MaxTake(Perbill::zero()));
        assert_ok!(Mindnet::set_take(
            RuntimeOrigin::signed(1),
            11,
            Perbill::from_percent(100)
        ));
        stake(1, 11, 0, 100 * TOKEN);
        stake(5, 11, 0, 100 * TOKEN);
        stake(2, 12, 0, 200 * TOKEN);
        run_to_block(11);
        assert_ok!(vote(11, vec![1], vec![1]));
        assert_ok!(vote(12, vec![0], vec![1]));
        run_to_block(20);
        let owner = Mindnet::stake_of(0, &11, &1);
        let delegator = Mindnet::stake_of(0, &11, &5);
        assert!(owner > 100 * TOKEN);
        assert!(owner.abs_diff(delegator) <= 1);
    });
}

#[test]
fn remove_all_stake_takes_the_whole_position_however_it_grew() {
    new_test_ext().execute_with(|| {
        register_many(1);
        stake(1, 11, 0, 5 * TOKEN);
        let before = Balances::free_balance(1);
        let owned = Mindnet::stake_of(0, &11, &1);
        assert_eq!(owned, 5 * TOKEN);
        assert_ok!(Mindnet::remove_all_stake(RuntimeOrigin::signed(1), 0, 11));
        assert_eq!(Mindnet::stake_of(0, &11, &1), 0);
        assert_eq!(Balances::free_balance(1), before + owned);
        // Nothing left: a second call changes nothing and says why.
        assert_noop!(
            Mindnet::remove_all_stake(RuntimeOrigin::signed(1), 0, 11),
            Error::<Test>::NotEnoughStake
        );
        assert_noop!(
            Mindnet::remove_all_stake(RuntimeOrigin::signed(2), 0, 11),
            Error::<Test>::NotEnoughStake
        );
    });
}

#[test]
fn the_coldkey_index_follows_every_position() {
    new_test_ext().execute_with(|| {
        register(1, 11, 0);
        register(2, 12, 0);
        stake(1, 11, 0, 10 * TOKEN);
        stake(1, 12, 0, 10 * TOKEN);
        stake(2, 12, 0, 10 * TOKEN);
        let of = |coldkey: AccountId| -> Vec<(u16, AccountId)> {
            let mut v: Vec<_> = ColdkeyPositions::<Test>::iter_key_prefix((coldkey,)).collect();
            v.sort();
            v
        };
        assert_eq!(of(1), vec![(0, 11), (0, 12)]);
        assert_eq!(of(2), vec![(0, 12)]);
        // Withdrawn in full: gone from the index too.
        assert_ok!(Mindnet::remove_all_stake(RuntimeOrigin::signed(1), 0, 12));
        assert_eq!(of(1), vec![(0, 11)]);
        assert_ok!(Mindnet::do_try_state());
    });
}

#[test]
fn the_v5_migration_indexes_old_positions_in_steps_within_its_budget() {
    use crate::migrations::v5::{building, IndexColdkeys};
    use crate::weights::WeightInfo;
    use frame_support::migrations::{SteppedMigration, SteppedMigrationError};
    use frame_support::traits::{GetStorageVersion, StorageVersion};
    use frame_support::weights::WeightMeter;
    new_test_ext().execute_with(|| {
        for (cold, hot) in [(1, 11), (2, 12), (3, 13), (4, 14), (5, 15)] {
            register(cold, hot, 0);
            stake(cold, hot, 0, 10 * TOKEN);
        }
        stake(1, 12, 0, 10 * TOKEN);
        // As a chain before the upgrade: positions, no index, storage version 4.
        let _ = ColdkeyPositions::<Test>::clear(u32::MAX, None);
        StorageVersion::new(4).put::<Mindnet>();
        assert!(building::<Test>());
        let each = <Test as Config>::WeightInfo::index_coldkey_position();
        // Too little weight for one position: an error that changes nothing.
        let mut starved = WeightMeter::with_limit(each / 2);
        assert_eq!(
            IndexColdkeys::<Test>::step(None, &mut starved),
            Err(SteppedMigrationError::InsufficientWeight { required: each })
        );
        assert_eq!(ColdkeyPositions::<Test>::iter_keys().count(), 0);
        // Two positions a step: six positions take three steps and a fourth that ends it.
        let mut cursor = None;
        let mut steps = 0;
        loop {
            let mut meter = WeightMeter::with_limit(each * 2);
            cursor = IndexColdkeys::<Test>::step(cursor, &mut meter).unwrap();
            steps += 1;
            assert!(meter.consumed().all_lte(each * 2));
            if steps == 2 {
                // A position written mid-migration is indexed by its call.
                stake(5, 11, 0, 10 * TOKEN);
            }
            if cursor.is_none() {
                break;
            }
        }
        assert_eq!(steps, 4);
        assert!(!building::<Test>());
        assert_eq!(Mindnet::on_chain_storage_version(), StorageVersion::new(5));
        assert_eq!(ColdkeyPositions::<Test>::iter_keys().count(), 7);
        assert!(ColdkeyPositions::<Test>::contains_key((1, 0, 12)));
        assert!(ColdkeyPositions::<Test>::contains_key((5, 0, 11)));
        // Done: a further step does nothing.
        let mut meter = WeightMeter::new();
        assert_eq!(IndexColdkeys::<Test>::step(None, &mut meter), Ok(None));
        assert_ok!(Mindnet::do_try_state());
    });
}
