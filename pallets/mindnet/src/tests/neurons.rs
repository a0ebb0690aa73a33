//! `register`, `set_weights` and `serve_axon`, and the security review's exploits on
//! keys, weights, fees and bloat, each closed (every such test failed on the code before
//! its fix).

use super::*;
use frame_support::{assert_noop, assert_ok, dispatch::GetDispatchInfo, BoundedVec};

#[test]
fn register_assigns_uids_and_burns_the_fee() {
    new_test_ext().execute_with(|| {
        let issuance = Balances::total_issuance();
        register(1, 11, 0);
        register(1, 12, 0);
        assert_eq!(Keys::<Test>::get(0, 0), Some(11));
        assert_eq!(Keys::<Test>::get(0, 1), Some(12));
        assert_eq!(Uids::<Test>::get(0, 12), Some(1));
        assert_eq!(NeuronCount::<Test>::get(0), 2);
        assert_eq!(Owner::<Test>::get(11), Some(1));
        assert_eq!(RegisteredAt::<Test>::get(0, 1), 1);
        assert_eq!(Balances::total_issuance(), issuance - 2 * TOKEN);
        assert_eq!(Balances::free_balance(1), 998 * TOKEN);
        System::assert_last_event(
            Event::<Test>::NeuronRegistered {
                netuid: 0,
                uid: 1,
                hotkey: 12,
                coldkey: 1,
                fee: TOKEN,
                replaced: None,
            }
            .into(),
        );
        assert_ok!(Mindnet::do_try_state());
    });
}

#[test]
fn register_errors_change_nothing() {
    new_test_ext().execute_with(|| {
        register(1, 11, 0);
        assert_noop!(try_register(1, 12, 7), Error::<Test>::NetworkDoesNotExist);
        assert_noop!(
            try_register(1, 11, 0),
            Error::<Test>::HotkeyAlreadyRegistered
        );
        assert_ok!(Mindnet::create_network(RuntimeOrigin::root(), 1));
        assert_noop!(try_register(2, 11, 1), Error::<Test>::NonAssociatedColdkey);
        // Account 50 has no balance to burn.
        assert_noop!(
            try_register(50, 51, 0),
            Error::<Test>::CannotPayRegistrationFee
        );
    });
}

#[test]
fn a_full_network_replaces_the_lowest_emission_past_immunity() {
    new_test_ext().execute_with(|| {
        assert_ok!(Mindnet::set_parameter(
            RuntimeOrigin::root(),
            0,
            NetworkParameter::MaxAllowedUids(2)
        ));
        assert_ok!(Mindnet::set_parameter(
            RuntimeOrigin::root(),
            0,
            NetworkParameter::ImmunityPeriod(5)
        ));
        register(1, 11, 0);
        register(2, 12, 0);
        // Both still immune.
        assert_noop!(try_register(3, 13, 0), Error::<Test>::NoNeuronToReplace);
        System::set_block_number(6);
        replace_in_order(0, &[1, 0]);
        Weights::<Test>::insert(0, 1, BoundedVec::truncate_from(vec![(0u16, 1u16)]));
        register(3, 13, 0);
        assert_eq!(Keys::<Test>::get(0, 1), Some(13));
        assert_eq!(Uids::<Test>::get(0, 12), None);
        assert_eq!(NeuronCount::<Test>::get(0), 2);
        assert_eq!(emission(0, 1), 0);
        assert!(Weights::<Test>::get(0, 1).is_empty());
        assert_eq!(RegisteredAt::<Test>::get(0, 1), 6);
        System::assert_last_event(
            Event::<Test>::NeuronRegistered {
                netuid: 0,
                uid: 1,
                hotkey: 13,
                coldkey: 3,
                fee: TOKEN,
                replaced: Some(12),
            }
            .into(),
        );
        assert_ok!(Mindnet::do_try_state());
    });
}

#[test]
fn set_weights_stores_a_sorted_row() {
    new_test_ext().execute_with(|| {
        register_many(3);
        System::set_block_number(2);
        assert_ok!(vote(11, vec![2, 0], vec![7, 9]));
        assert_eq!(
            Weights::<Test>::get(0, 0).into_inner(),
            vec![(0, 9), (2, 7)]
        );
        assert_eq!(LastUpdate::<Test>::get(0, 0), 2);
        System::assert_last_event(
            Event::<Test>::WeightsSet {
                netuid: 0,
                uid: 0,
                count: 2,
            }
            .into(),
        );
    });
}

#[test]
fn set_weights_rejects_each_bad_input_with_its_own_error() {
    new_test_ext().execute_with(|| {
        register_many(3);
        System::set_block_number(2);
        assert_noop!(
            Mindnet::set_weights(RuntimeOrigin::signed(11), 5, vec![0], vec![1], 0),
            Error::<Test>::NetworkDoesNotExist
        );
        assert_noop!(vote(99, vec![0], vec![1]), Error::<Test>::NotRegistered);
        assert_noop!(
            vote(11, vec![0, 1], vec![1]),
            Error::<Test>::WeightVecLengthMismatch
        );
        assert_noop!(
            vote(11, vec![1, 1], vec![1, 2]),
            Error::<Test>::DuplicateUids
        );
        assert_noop!(
            vote(11, vec![0, 3], vec![1, 2]),
            Error::<Test>::UidOutOfRange
        );
        assert_noop!(
            vote(11, vec![0, 1], vec![0, 0]),
            Error::<Test>::AllWeightsZero
        );
        assert_ok!(Mindnet::set_parameter(
            RuntimeOrigin::root(),
            0,
            NetworkParameter::MinAllowedWeights(2)
        ));
        assert_noop!(vote(11, vec![0], vec![1]), Error::<Test>::TooFewWeights);
        assert_ok!(Mindnet::set_parameter(
            RuntimeOrigin::root(),
            0,
            NetworkParameter::MinAllowedWeights(1)
        ));
        assert_ok!(Mindnet::set_parameter(
            RuntimeOrigin::root(),
            0,
            NetworkParameter::MaxWeightsPerRow(2)
        ));
        assert_noop!(
            vote(11, vec![0, 1, 2], vec![1, 1, 1]),
            Error::<Test>::TooManyWeights
        );
        assert_ok!(Mindnet::set_parameter(
            RuntimeOrigin::root(),
            0,
            NetworkParameter::WeightsVersionKey(3)
        ));
        assert_noop!(
            Mindnet::set_weights(RuntimeOrigin::signed(11), 0, vec![0], vec![1], 2),
            Error::<Test>::IncorrectWeightVersionKey
        );
        assert_ok!(Mindnet::set_weights(
            RuntimeOrigin::signed(11),
            0,
            vec![1],
            vec![1],
            3
        ));
        assert_noop!(
            Mindnet::set_weights(RuntimeOrigin::signed(11), 0, vec![2], vec![1], 3),
            Error::<Test>::SettingWeightsTooFast
        );
        // Nothing but the one successful call changed the row.
        assert_eq!(Weights::<Test>::get(0, 0).into_inner(), vec![(1, 1)]);
    });
}

#[test]
fn min_allowed_weights_is_capped_by_the_neuron_count() {
    new_test_ext().execute_with(|| {
        register_many(2);
        assert_ok!(Mindnet::set_parameter(
            RuntimeOrigin::root(),
            0,
            NetworkParameter::MinAllowedWeights(5)
        ));
        System::set_block_number(2);
        assert_noop!(vote(11, vec![0], vec![1]), Error::<Test>::TooFewWeights);
        assert_ok!(vote(11, vec![0, 1], vec![1, 1]));
    });
}

#[test]
fn serve_axon_validates_and_stores() {
    new_test_ext().execute_with(|| {
        register_many(1);
        let ip4 = u128::from(u32::from_be_bytes([8, 8, 4, 4]));
        let serve = |ip, port, ip_type| {
            Mindnet::serve_axon(RuntimeOrigin::signed(11), 0, ip, port, ip_type, 1)
        };
        assert_noop!(
            Mindnet::serve_axon(RuntimeOrigin::signed(12), 0, ip4, 8091, 4, 1),
            Error::<Test>::NotRegistered
        );
        assert_noop!(
            Mindnet::serve_axon(RuntimeOrigin::signed(11), 3, ip4, 8091, 4, 1),
            Error::<Test>::NetworkDoesNotExist
        );
        assert_noop!(serve(ip4, 8091, 5), Error::<Test>::InvalidIpType);
        assert_noop!(serve(1u128 << 40, 8091, 4), Error::<Test>::InvalidIpAddress);
        assert_noop!(serve(0, 8091, 6), Error::<Test>::InvalidIpAddress);
        assert_noop!(serve(ip4, 0, 4), Error::<Test>::InvalidPort);
        // Loopback and private addresses, IPv4 or IPv6, are refused outside dev chains.
        let loopback4 = u128::from(u32::from_be_bytes([127, 0, 0, 1]));
        let private4 = u128::from(u32::from_be_bytes([192, 168, 1, 20]));
        let loopback6 = 1u128;
        let unique_local6 = 0xfd00u128 << 112 | 7;
        for (ip, ip_type) in [
            (loopback4, 4),
            (private4, 4),
            (loopback6, 6),
            (unique_local6, 6),
        ] {
            assert_noop!(serve(ip, 8091, ip_type), Error::<Test>::NonRoutableAddress);
        }
        // A global IPv6 address is accepted.
        let global6 = 0x2606_4700_4700u128 << 80 | 0x1111;
        assert_ok!(serve(global6, 8091, 6));
        assert_ok!(serve(ip4, 8091, 4));
        let axon = AxonInfo {
            block: 1,
            ip: ip4,
            port: 8091,
            ip_type: 4,
            protocol: 1,
        };
        assert_eq!(Axons::<Test>::get(0, 11), Some(axon));
        System::assert_last_event(
            Event::<Test>::AxonServed {
                netuid: 0,
                hotkey: 11,
                axon,
            }
            .into(),
        );
        // A development chain accepts loopback.
        AllowNonRoutableAxons::<Test>::put(true);
        assert_ok!(serve(loopback4, 8091, 4));
    });
}

// ---- security: keys --------------------------------------------------------------

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
        // A signature over the bare payload (not wrapped in <Bytes>…</Bytes>) is no consent:
        // the hotkey signs only wrapped bytes, never what could be a transaction's payload.
        let bare = sp_runtime::testing::TestSignature(
            11,
            Mindnet::registration_payload(0, &1, DEADLINE).to_vec(),
        );
        assert_noop!(
            Mindnet::register(RuntimeOrigin::signed(1), 0, 11, DEADLINE, bare),
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

// ---- security: weights -----------------------------------------------------------

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

// ---- security: fees and bloat -----------------------------------------------------

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

#[test]
fn the_metagraph_pages_as_the_whole_and_summaries_say_what_learners_need() {
    new_test_ext().execute_with(|| {
        register_many(5);
        stake(1, 11, 0, 5 * TOKEN);
        System::set_block_number(2);
        assert_ok!(vote(12, vec![0], vec![65535]));
        let all = Mindnet::neurons(0);
        assert_eq!(all.len(), 5);
        // Pages of 2 put together are the whole, in uid order; past the end, nothing.
        let mut paged = Vec::new();
        for start in (0..5).step_by(2) {
            paged.extend(Mindnet::neurons_page(0, start, 2));
        }
        assert_eq!(paged, all);
        assert!(Mindnet::neurons_page(0, 5, 10).is_empty());
        assert_eq!(Mindnet::neurons_page(0, 3, 0), vec![]);
        assert_eq!(Mindnet::neurons_page(0, u16::MAX, u16::MAX), vec![]);
        // A page is capped at NEURONS_PAGE_MAX whatever is asked.
        assert_eq!(Mindnet::neurons_page(0, 0, u16::MAX).len(), 5);
        let summaries = Mindnet::neuron_summaries(0, 0, 10);
        assert_eq!(summaries.len(), 5);
        for (s, n) in summaries.iter().zip(&all) {
            assert_eq!(
                (s.uid, s.hotkey, s.active, s.axon),
                (n.uid, n.hotkey, n.active, n.axon)
            );
        }
        // Stake added in the running epoch is joining: it does not count yet.
        assert_eq!(summaries[0].counted_stake, 0);
        assert!(summaries[1].active && !summaries[0].active);
    });
}
