//! `add_stake` and `remove_stake`: per-network pools held in the stake account.

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
