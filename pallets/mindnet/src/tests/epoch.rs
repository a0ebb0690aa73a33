//! The epoch in the runtime: results stored, emission minted exactly; and the security
//! review's exploits on the epoch, each closed (every such test failed on the code before
//! its fix).

use super::*;
use frame_support::assert_ok;

/// Three neurons with stake 100/200/700 tokens (added at block 1, so counted from the
/// epoch at block 20 on) and the weights of the math crate's hand-computed example, set
/// at block 11.
fn three_neuron_network() {
    register_many(3);
    for (cold, hot, amount) in [(1, 11, 100), (2, 12, 200), (3, 13, 700)] {
        stake(cold, hot, 0, amount * TOKEN);
    }
    run_to_block(11);
    let set = |hot, uids: Vec<u16>, values: Vec<u16>| {
        assert_ok!(Mindnet::set_weights(
            RuntimeOrigin::signed(hot),
            0,
            uids,
            values,
            0
        ));
    };
    set(11, vec![1, 2], vec![1, 1]);
    set(12, vec![2], vec![65535]);
    set(13, vec![1, 2], vec![1, 3]);
}

/// `count` neurons with 100 tokens of stake each that, at block 11, each weight only the
/// next uid around the ring: every uid is trusted by a minority.
fn ring_voting_network(count: u16) {
    register_many(u64::from(count));
    for k in 1..=u64::from(count) {
        stake(k, 10 + k, 0, 100 * TOKEN);
    }
    run_to_block(11);
    for uid in 0..count {
        assert_ok!(Mindnet::set_weights(
            RuntimeOrigin::signed(11 + u64::from(uid)),
            0,
            vec![(uid + 1) % count],
            vec![1],
            0
        ));
    }
}

fn parts(p: Perbill) -> i64 {
    i64::from(p.deconstruct())
}

#[test]
fn hand_computed_epoch_is_stored_value_by_value() {
    new_test_ext().execute_with(|| {
        three_neuron_network();
        let issuance = Balances::total_issuance();
        run_to_block(19);
        assert_eq!(LastEpochBlock::<Test>::get(0), Some(10));
        run_to_block(20);
        // s = [.1, .2, .7]; R = [0, .225, .775]; T = [0, .8, 1]; C = σ(10 (T − ½)).
        let expect = |item: fn(u16, u16) -> Perbill, want: [f64; 3]| {
            for (uid, w) in want.iter().enumerate() {
                let got = parts(item(0, uid as u16));
                let want = (w * 1e9) as i64;
                assert!((got - want).abs() <= 1, "uid {uid}: {got} vs {want}");
            }
        };
        expect(rank, [0.0, 0.225, 0.775]);
        expect(trust, [0.0, 0.8, 1.0]);
        expect(
            consensus,
            [
                0.0066928509242848554,
                0.9525741268224331,
                0.9933071490757153,
            ],
        );
        expect(incentive, [0.0, 0.21778272934765738, 0.7822172706523427]);
        expect(
            dividends,
            [0.09886179244192449, 0.20186252145866912, 0.6992756860994065],
        );
        // E = 1 token × tempo 10; the remainder unit goes to uid 2's larger fraction.
        let minted = [494_308_962u64, 2_098_226_254, 7_407_464_784];
        for (uid, m) in minted.iter().enumerate() {
            assert_eq!(emission(0, uid as u16), *m);
        }
        assert_eq!(
            Mindnet::stake_of(0, &11, &1),
            100 * TOKEN + u128::from(minted[0])
        );
        assert_eq!(
            Mindnet::hotkey_stake(0, &13),
            700 * TOKEN + u128::from(minted[2])
        );
        assert_eq!(Balances::total_issuance(), issuance + 10 * TOKEN);
        assert_eq!(TotalStake::<Test>::get(), 1000 * TOKEN + 10 * TOKEN);
        // L = −Σ R (C − ½) = −0.48414…
        let loss = Loss::<Test>::get(0).into_inner();
        assert!((loss - (-484_142_219)).abs() <= 1, "loss {loss}");
        System::assert_has_event(
            Event::<Test>::EpochCompleted {
                netuid: 0,
                emission: 10 * TOKEN as u64,
                loss: Loss::<Test>::get(0),
                blocks: 10,
            }
            .into(),
        );
        // Bonds are stored column-normalised: column 1 is [2/9, 0, 7/9].
        let b0 = Mindnet::bond_row(0, 0);
        assert_eq!(b0.len(), 2);
        let q = |v: f64| (v * 4_294_967_296.0).round() as u64;
        assert!(b0[0].1.abs_diff(q(2.0 / 9.0)) <= 1);
        assert_eq!(LastEpochBlock::<Test>::get(0), Some(20));
        assert_ok!(Mindnet::do_try_state());
    });
}

#[test]
fn emission_is_conserved_over_many_epochs() {
    new_test_ext().execute_with(|| {
        three_neuron_network();
        let issuance = Balances::total_issuance();
        let stake = TotalStake::<Test>::get();
        // Keep everyone active (cutoff 5000) for 10 epochs.
        run_to_block(110);
        let epochs = mindnet_events()
            .iter()
            .filter(|e| matches!(e, Event::EpochCompleted { netuid: 0, emission, .. } if *emission == 10 * TOKEN as u64))
            .count();
        assert_eq!(epochs, 10);
        assert_eq!(Balances::total_issuance(), issuance + 100 * TOKEN);
        assert_eq!(TotalStake::<Test>::get(), stake + 100 * TOKEN);
        // Every bond column sums to one (within quantisation).
        for j in 0..3u16 {
            let col: u64 = (0..3u16)
                .flat_map(|i| Mindnet::bond_row(0, i))
                .filter(|(c, _)| *c == j)
                .map(|(_, b)| b)
                .sum();
            assert!(col == 0 || col.abs_diff(1 << 32) <= 3, "column {j} sums to {col}");
        }
        assert_ok!(Mindnet::do_try_state());
    });
}

#[test]
fn an_epoch_without_active_stake_mints_nothing_and_says_so() {
    new_test_ext().execute_with(|| {
        register_many(1);
        stake(1, 11, 0, TOKEN);
        let issuance = Balances::total_issuance();
        run_to_block(10);
        // The stake arrived during the epoch and the neuron never voted.
        System::assert_has_event(
            Event::<Test>::EpochSkipped {
                netuid: 0,
                reason: SkipReason::NoActiveStake,
            }
            .into(),
        );
        assert_eq!(Balances::total_issuance(), issuance);
        // With active stake but only a masked self-weight nothing ranks.
        assert_ok!(Mindnet::set_parameter(
            RuntimeOrigin::root(),
            0,
            NetworkParameter::MaskSelfWeight(true)
        ));
        assert_ok!(Mindnet::set_weights(
            RuntimeOrigin::signed(11),
            0,
            vec![0],
            vec![1],
            0
        ));
        run_to_block(20);
        System::assert_has_event(
            Event::<Test>::EpochSkipped {
                netuid: 0,
                reason: SkipReason::NoRanks,
            }
            .into(),
        );
        assert_eq!(Balances::total_issuance(), issuance);
    });
}

#[test]
fn inactive_neurons_stake_does_not_count() {
    new_test_ext().execute_with(|| {
        three_neuron_network();
        assert_ok!(Mindnet::set_parameter(
            RuntimeOrigin::root(),
            0,
            NetworkParameter::ActivityCutoff(5)
        ));
        // At block 20 the last updates (block 11) are 9 blocks old: nobody is active.
        run_to_block(20);
        System::assert_has_event(
            Event::<Test>::EpochSkipped {
                netuid: 0,
                reason: SkipReason::NoActiveStake,
            }
            .into(),
        );
    });
}

#[test]
fn the_loss_peg_raises_min_allowed_weights_when_loss_is_positive() {
    new_test_ext().execute_with(|| {
        // Each uid is trusted by a quarter of the stake < κ, so L > 0.
        ring_voting_network(4);
        run_to_block(20);
        assert!(Loss::<Test>::get(0).into_inner() > 0);
        assert_eq!(MinAllowedWeights::<Test>::get(0), 2);
        System::assert_has_event(
            Event::<Test>::MinAllowedWeightsAdjusted {
                netuid: 0,
                min_allowed_weights: 2,
            }
            .into(),
        );
    });
}

#[test]
fn the_loss_peg_lowers_min_allowed_weights_when_loss_is_well_below_zero() {
    new_test_ext().execute_with(|| {
        three_neuron_network();
        assert_ok!(Mindnet::set_parameter(
            RuntimeOrigin::root(),
            0,
            NetworkParameter::MinAllowedWeights(2)
        ));
        run_to_block(20);
        assert_eq!(MinAllowedWeights::<Test>::get(0), 1);
    });
}

#[test]
fn adaptive_emission_raises_block_emission_when_self_weight_is_low() {
    new_test_ext().execute_with(|| {
        ring_voting_network(2);
        assert_ok!(Mindnet::set_parameter(
            RuntimeOrigin::root(),
            0,
            NetworkParameter::AdaptiveEmission(true)
        ));
        run_to_block(20);
        // Sparsity 0 < target ½: emission rises by γ = 1 %.
        assert_eq!(BlockEmission::<Test>::get(0), 1_010_000_000);
        System::assert_has_event(
            Event::<Test>::BlockEmissionAdjusted {
                netuid: 0,
                block_emission: 1_010_000_000,
            }
            .into(),
        );
    });
}

#[test]
fn bonds_on_a_replaced_uid_are_forgotten() {
    new_test_ext().execute_with(|| {
        three_neuron_network();
        run_to_block(20);
        assert!(Mindnet::bond_row(0, 0).iter().any(|(j, _)| *j == 1));
        // uid 1 is replaced at block 21; the next epoch drops everyone's bonds on it.
        assert_ok!(Mindnet::set_parameter(
            RuntimeOrigin::root(),
            0,
            NetworkParameter::MaxAllowedUids(3)
        ));
        assert_ok!(Mindnet::set_parameter(
            RuntimeOrigin::root(),
            0,
            NetworkParameter::ImmunityPeriod(0)
        ));
        run_to_block(21);
        replace_in_order(0, &[1]);
        register(4, 14, 0);
        assert_eq!(Keys::<Test>::get(0, 1), Some(14));
        run_to_block(30);
        // The previous holder's bonds went with it; the new holder has not voted.
        assert!(Mindnet::bond_row(0, 1).is_empty());
        // Neuron 0's old vote for uid 1 predates the new holder and no longer counts.
        assert!(Mindnet::bond_row(0, 0).iter().all(|(j, _)| *j != 1));
        assert_ok!(Mindnet::do_try_state());
    });
}

// ---- security: stake and epochs --------------------------------------------------

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

#[test]
fn under_transitive_ranking_stake_that_is_only_passed_on_ranks_nobody() {
    new_test_ext().execute_with(|| {
        // Every neuron weights only the next around the ring: nobody keeps any stake.
        ring_voting_network(4);
        assert_ok!(Mindnet::set_parameter(
            RuntimeOrigin::root(),
            0,
            NetworkParameter::Ranking(RankingMode::Transitive)
        ));
        let issuance = Balances::total_issuance();
        run_to_block(20);
        System::assert_has_event(
            Event::<Test>::EpochSkipped {
                netuid: 0,
                reason: SkipReason::NoRanks,
            }
            .into(),
        );
        assert_eq!(Balances::total_issuance(), issuance);
        // One self-weight, and that neuron absorbs everything that reaches it.
        assert_ok!(Mindnet::set_weights(
            RuntimeOrigin::signed(11),
            0,
            vec![0, 1],
            vec![1, 1],
            0
        ));
        run_to_block(30);
        let rank: Vec<Perbill> = (0..4)
            .map(|uid| Mindnet::neuron_result(0, uid).rank)
            .collect();
        assert!(rank[0] > Perbill::from_percent(99), "{rank:?}");
        assert!(Balances::total_issuance() > issuance);
        // Direct ranking ranks the ring's targets by the stake behind them (uid 0: its
        // self-weight and uid 3's vote, about 3/8).
        assert_ok!(Mindnet::set_parameter(
            RuntimeOrigin::root(),
            0,
            NetworkParameter::Ranking(RankingMode::Direct)
        ));
        run_to_block(40);
        let rank: Vec<Perbill> = (0..4)
            .map(|uid| Mindnet::neuron_result(0, uid).rank)
            .collect();
        assert!(rank[0] < Perbill::from_percent(45), "{rank:?}");
        assert!(rank[2] > Perbill::from_percent(20), "{rank:?}");
    });
}
