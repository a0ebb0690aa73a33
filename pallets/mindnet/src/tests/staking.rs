//! `add_stake` and `remove_stake`.

use super::*;
use frame_support::{assert_noop, assert_ok, traits::fungible::InspectHold};

fn held(who: AccountId) -> Balance {
    Balances::balance_on_hold(&RuntimeHoldReason::Mindnet(HoldReason::Staked), &who)
}

#[test]
fn stake_is_held_and_returned_never_created_or_lost() {
    new_test_ext().execute_with(|| {
        register(1, 11, 0);
        let issuance = Balances::total_issuance();
        assert_ok!(Mindnet::add_stake(
            RuntimeOrigin::signed(1),
            11,
            100 * TOKEN
        ));
        // Another coldkey may stake behind the same hotkey.
        assert_ok!(Mindnet::add_stake(RuntimeOrigin::signed(2), 11, 50 * TOKEN));
        System::assert_last_event(
            Event::<Test>::StakeAdded {
                coldkey: 2,
                hotkey: 11,
                amount: 50 * TOKEN,
            }
            .into(),
        );
        assert_eq!(Stake::<Test>::get(11, 1), 100 * TOKEN);
        assert_eq!(TotalHotkeyStake::<Test>::get(11), 150 * TOKEN);
        assert_eq!(TotalStake::<Test>::get(), 150 * TOKEN);
        assert_eq!(held(1), 100 * TOKEN);
        assert_eq!(Balances::free_balance(1), 899 * TOKEN);
        assert_eq!(Balances::total_issuance(), issuance);

        assert_ok!(Mindnet::remove_stake(
            RuntimeOrigin::signed(1),
            11,
            40 * TOKEN
        ));
        System::assert_last_event(
            Event::<Test>::StakeRemoved {
                coldkey: 1,
                hotkey: 11,
                amount: 40 * TOKEN,
            }
            .into(),
        );
        assert_eq!(held(1), 60 * TOKEN);
        assert_eq!(Balances::free_balance(1), 939 * TOKEN);
        assert_ok!(Mindnet::remove_stake(
            RuntimeOrigin::signed(1),
            11,
            60 * TOKEN
        ));
        assert!(!Stake::<Test>::contains_key(11, 1));
        assert_eq!(TotalHotkeyStake::<Test>::get(11), 50 * TOKEN);
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
            Mindnet::add_stake(RuntimeOrigin::signed(1), 11, 0),
            Error::<Test>::ZeroAmount
        );
        assert_noop!(
            Mindnet::add_stake(RuntimeOrigin::signed(1), 99, TOKEN),
            Error::<Test>::HotkeyNotRegistered
        );
        assert_noop!(
            Mindnet::add_stake(RuntimeOrigin::signed(1), 11, 10_000 * TOKEN),
            Error::<Test>::InsufficientBalance
        );
        assert_ok!(Mindnet::add_stake(RuntimeOrigin::signed(1), 11, TOKEN));
        assert_noop!(
            Mindnet::remove_stake(RuntimeOrigin::signed(1), 11, 2 * TOKEN),
            Error::<Test>::NotEnoughStake
        );
        assert_noop!(
            Mindnet::remove_stake(RuntimeOrigin::signed(2), 11, 1),
            Error::<Test>::NotEnoughStake
        );
        assert_noop!(
            Mindnet::remove_stake(RuntimeOrigin::signed(1), 11, 0),
            Error::<Test>::ZeroAmount
        );
    });
}
