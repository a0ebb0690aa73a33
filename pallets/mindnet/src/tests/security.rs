//! The exploits of the security review, each closed: every test here fails on the code
//! before the fix.

use super::*;
use frame_support::{assert_noop, assert_ok, dispatch::GetDispatchInfo};
use sp_runtime::DispatchResult;

/// Sets the row of `hotkey` on network 0.
fn vote(hotkey: AccountId, uids: Vec<u16>, values: Vec<u16>) -> DispatchResult {
    Mindnet::set_weights(RuntimeOrigin::signed(hotkey), 0, uids, values, 0)
}

fn set(parameter: NetworkParameter<Balance>) {
    assert_ok!(Mindnet::set_parameter(RuntimeOrigin::root(), 0, parameter));
}

// ---- keys -----------------------------------------------------------------------------

#[test]
fn a_front_runner_cannot_register_someone_elses_hotkey() {
    new_test_ext().execute_with(|| {
        // Hotkey 11 consents to coldkey 1; coldkey 2 copies the call from the pool.
        let signature = consent(11, 0, 1, DEADLINE);
        assert_noop!(
            Mindnet::register(RuntimeOrigin::signed(2), 0, 11, DEADLINE, signature.clone()),
            Error::<Test>::InvalidConsentSignature
        );
        // Nor can the consent be moved to another network or deadline.
        assert_ok!(Mindnet::create_network(RuntimeOrigin::root(), 1));
        assert_noop!(
            Mindnet::register(RuntimeOrigin::signed(1), 1, 11, DEADLINE, signature.clone()),
            Error::<Test>::InvalidConsentSignature
        );
        assert_noop!(
            Mindnet::register(
                RuntimeOrigin::signed(1),
                0,
                11,
                DEADLINE + 1,
                signature.clone()
            ),
            Error::<Test>::InvalidConsentSignature
        );
        // A signature by another key is no consent.
        assert_noop!(
            Mindnet::register(
                RuntimeOrigin::signed(1),
                0,
                11,
                DEADLINE,
                consent(12, 0, 1, DEADLINE)
            ),
            Error::<Test>::InvalidConsentSignature
        );
        assert_eq!(Owner::<Test>::get(11), None);
        assert_ok!(Mindnet::register(
            RuntimeOrigin::signed(1),
            0,
            11,
            DEADLINE,
            signature
        ));
        assert_eq!(Owner::<Test>::get(11), Some(1));
    });
}

#[test]
fn an_expired_consent_is_refused() {
    new_test_ext().execute_with(|| {
        System::set_block_number(50);
        assert_noop!(
            Mindnet::register(RuntimeOrigin::signed(1), 0, 11, 49, consent(11, 0, 1, 49)),
            Error::<Test>::ConsentExpired
        );
        assert_ok!(Mindnet::register(
            RuntimeOrigin::signed(1),
            0,
            11,
            50,
            consent(11, 0, 1, 50)
        ));
    });
}

// ---- stake and epochs -----------------------------------------------------------------

/// Hotkeys 11 and 12 (coldkeys 1 and 2) with 100 tokens each, voting for each other from
/// block 11 on; an epoch every 10 blocks.
fn two_voters() {
    register_many(2);
    stake(1, 11, 0, 100 * TOKEN);
    stake(2, 12, 0, 100 * TOKEN);
    run_to_block(11);
    assert_ok!(vote(11, vec![1], vec![1]));
    assert_ok!(vote(12, vec![0], vec![1]));
}

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

#[test]
fn a_new_neuron_is_not_active_until_it_votes() {
    new_test_ext().execute_with(|| {
        two_voters();
        run_to_block(20);
        // Hotkey 13 registers with a large stake and never votes; it must not dilute the
        // trust of the others (its stake would be 5/7 of the active stake).
        register(3, 13, 0);
        stake(3, 13, 0, 500 * TOKEN);
        assert!(!LastUpdate::<Test>::contains_key(0, 2));
        run_to_block(40);
        let trust = trust(0, 0);
        assert_eq!(trust, Perbill::from_percent(50));
        assert_eq!(emission(0, 2), 0);
    });
}

#[test]
fn a_vote_cast_in_the_block_of_a_replacement_is_not_credited_to_the_new_holder() {
    new_test_ext().execute_with(|| {
        set(NetworkParameter::MaxAllowedUids(2));
        set(NetworkParameter::ImmunityPeriod(0));
        two_voters();
        run_to_block(20);
        // At block 21 uid 1 is replaced (hotkey 13 takes it), and hotkey 11 votes for uid 1
        // in the same block, not knowing of the replacement.
        run_to_block(21);
        replace_in_order(0, &[1]);
        register(3, 13, 0);
        assert_eq!(Keys::<Test>::get(0, 1), Some(13));
        assert_ok!(vote(11, vec![1], vec![1]));
        assert_eq!(
            LastUpdate::<Test>::get(0, 0),
            RegisteredAt::<Test>::get(0, 1)
        );
        stake(3, 13, 0, 100 * TOKEN);
        run_to_block(22);
        assert_ok!(vote(13, vec![0], vec![1]));
        run_to_block(30);
        // Uid 1's new holder got no trust from uid 0's vote of block 21.
        assert_eq!(trust(0, 1), Perbill::zero());
        assert_eq!(rank(0, 1), Perbill::zero());
    });
}

#[test]
fn emission_is_minted_for_the_blocks_that_elapsed_not_the_new_tempo() {
    new_test_ext().execute_with(|| {
        two_voters();
        run_to_block(20);
        // Tempo 10 → 50 at block 21: the next epoch, at block 50, covers 30 blocks.
        set(NetworkParameter::Tempo(50));
        let issuance = Balances::total_issuance();
        run_to_block(50);
        assert_eq!(Balances::total_issuance(), issuance + 30 * TOKEN);
        System::assert_has_event(
            Event::<Test>::EpochCompleted {
                netuid: 0,
                emission: 30 * TOKEN as u64,
                loss: Loss::<Test>::get(0),
                blocks: 30,
            }
            .into(),
        );
        // And 50 → 7 at block 51: the epoch at block 56 covers 6 blocks.
        set(NetworkParameter::Tempo(7));
        let issuance = Balances::total_issuance();
        run_to_block(56);
        assert_eq!(Balances::total_issuance(), issuance + 6 * TOKEN);
    });
}

#[test]
fn a_failed_emission_credit_leaves_nothing_behind_and_is_reported() {
    new_test_ext().execute_with(|| {
        two_voters();
        // Hotkey 12's pool is one mint away from overflowing.
        StakePools::<Test>::mutate(0, 12, |pool| {
            if let Some(pool) = pool {
                pool.value = u128::MAX - 1;
            }
        });
        let issuance = Balances::total_issuance();
        let pot = Balances::free_balance(Mindnet::stake_account());
        run_to_block(20);
        let minted0 = u128::from(emission(0, 0));
        assert!(minted0 > 0);
        assert_eq!(emission(0, 1), 0);
        // Only uid 0's part was minted; the failed credit left no free balance behind.
        assert_eq!(Balances::total_issuance(), issuance + minted0);
        assert_eq!(
            Balances::free_balance(Mindnet::stake_account()),
            pot + minted0
        );
        assert!(mindnet_events().iter().any(|e| matches!(
            e,
            Event::EmissionCreditFailed { netuid: 0, uid: 1, amount } if *amount > 0
        )));
        assert!(mindnet_events().iter().any(|e| matches!(
            e,
            Event::EpochCompleted { netuid: 0, emission, .. } if u128::from(*emission) == minted0
        )));
    });
}

// ---- weights --------------------------------------------------------------------------

#[test]
fn zero_padding_does_not_satisfy_min_allowed_weights() {
    new_test_ext().execute_with(|| {
        register_many(9);
        set(NetworkParameter::MinAllowedWeights(8));
        run_to_block(2);
        let uids: Vec<u16> = (1..9).collect();
        let mut padded = vec![0u16; 8];
        padded[0] = 65535;
        assert_noop!(vote(11, uids.clone(), padded), Error::<Test>::TooFewWeights);
        // Its own uid does not count toward the minimum either.
        let with_self: Vec<u16> = (0..8).collect();
        assert_noop!(
            vote(11, with_self, vec![1; 8]),
            Error::<Test>::TooFewWeights
        );
        assert_ok!(vote(11, uids, vec![1; 8]));
    });
}

#[test]
fn max_weight_change_bounds_how_far_a_row_moves() {
    new_test_ext().execute_with(|| {
        register_many(4);
        // At most 0.5 in L1 between normalised rows.
        set(NetworkParameter::MaxWeightChange(500_000_000));
        run_to_block(2);
        // The first row is free.
        assert_ok!(vote(11, vec![1, 2], vec![1, 1]));
        run_to_block(3);
        // [½, ½, 0] → [0, 0, 1] is a distance of 2.
        assert_noop!(
            vote(11, vec![3], vec![1]),
            Error::<Test>::WeightChangeTooLarge
        );
        // [½, ½, 0] → [¼, ½, ¼] is a distance of ½: allowed.
        assert_ok!(vote(11, vec![1, 2, 3], vec![1, 2, 1]));
        assert_eq!(
            Weights::<Test>::get(0, 0).into_inner(),
            vec![(1, 1), (2, 2), (3, 1)]
        );
        assert_noop!(
            Mindnet::set_parameter(
                RuntimeOrigin::root(),
                0,
                NetworkParameter::MaxWeightChange(MAX_WEIGHT_CHANGE_LIMIT + 1)
            ),
            Error::<Test>::ParameterOutOfRange
        );
    });
}

// ---- fees and bloat -------------------------------------------------------------------

#[test]
fn register_pays_for_the_network_it_scanned() {
    new_test_ext().execute_with(|| {
        let call = pallet::Call::<Test>::register {
            netuid: 0,
            hotkey: 11,
            deadline: DEADLINE,
            signature: consent(11, 0, 1, DEADLINE),
        };
        let charged = call.get_dispatch_info().call_weight;
        let post = try_register(1, 11, 0).expect("registers");
        let used = post.actual_weight.expect("register reports its weight");
        assert!(used.all_lt(charged));
        assert_eq!(
            used,
            <<Test as Config>::WeightInfo as crate::WeightInfo>::register(1)
        );
    });
}

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

#[test]
fn a_hotkey_with_no_uid_and_no_stake_is_released() {
    new_test_ext().execute_with(|| {
        set(NetworkParameter::MaxAllowedUids(1));
        set(NetworkParameter::ImmunityPeriod(0));
        register(1, 11, 0);
        stake(2, 11, 0, 5 * TOKEN);
        // Hotkey 12 replaces 11; 11 keeps its owner while stake is behind it.
        replace_in_order(0, &[0]);
        register(2, 12, 0);
        assert_eq!(Uids::<Test>::get(0, 11), None);
        assert_eq!(Owner::<Test>::get(11), Some(1));
        assert_ok!(Mindnet::do_try_state());
        // Its last staker leaves: nothing is kept for it.
        assert_ok!(Mindnet::remove_stake(
            RuntimeOrigin::signed(2),
            0,
            11,
            5 * TOKEN
        ));
        assert_eq!(Owner::<Test>::get(11), None);
        assert!(!HotkeyNetworks::<Test>::contains_key(11));
        assert!(!HotkeyPools::<Test>::contains_key(11));
        assert!(StakePools::<Test>::get(0, 11).is_none());
        System::assert_has_event(
            Event::<Test>::HotkeyReleased {
                hotkey: 11,
                coldkey: 1,
            }
            .into(),
        );
        // With no stake at all, replacement releases it at once; anyone may then register
        // it with its consent.
        run_to_block(2);
        replace_in_order(0, &[0]);
        register(3, 13, 0);
        assert_eq!(Owner::<Test>::get(12), None);
        replace_in_order(0, &[0]);
        register(4, 12, 0);
        assert_eq!(Owner::<Test>::get(12), Some(4));
        assert_ok!(Mindnet::do_try_state());
    });
}

// ---- stakers' shares ------------------------------------------------------------------

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
