//! The multi-block epoch: run under random per-block budgets while random calls arrive,
//! it computes exactly what `mindnet_math::epoch` computes in one pass on the state at its
//! boundary; an epoch that overruns its tempo defers the next one and every elapsed
//! block is minted once; `register` replaces in the order the epoch recorded.
//!
//! `MINDNET_EPOCH_SEEDS=K` runs K seeds (default 4).

use super::{random_calls::env, *};
use crate::{epoch::loss_to_fixed_i64, network::fixed_to_perbill};
use frame_support::{
    traits::{Get, Hooks},
    weights::Weight,
};

fn set(netuid: u16, parameter: NetworkParameter<Balance>) {
    assert_ok!(Mindnet::set_parameter(
        RuntimeOrigin::root(),
        netuid,
        parameter
    ));
}

fn random_row(rng: &mut Rng, n: u32) -> (Vec<u16>, Vec<u16>) {
    let len = 1 + rng.below(u64::from(RowLimit::get())) as usize;
    let mut uids: Vec<u16> = (0..len).map(|_| rng.below(u64::from(n)) as u16).collect();
    uids.sort_unstable();
    uids.dedup();
    let values = uids
        .iter()
        .map(|_| match rng.below(4) {
            0 => 0,
            1 => u16::MAX,
            _ => rng.below(1_000) as u16,
        })
        .collect();
    (uids, values)
}

/// A network of `n` neurons (hotkeys `100 + i`, coldkeys 1..=9) with random stake and
/// weights, that has run two epochs, at the block before its third boundary (30).
fn populate(rng: &mut Rng, n: u32) {
    set(0, NetworkParameter::WeightsSetRateLimit(0));
    set(0, NetworkParameter::MinAllowedWeights(1));
    set(0, NetworkParameter::ImmunityPeriod(3));
    set(0, NetworkParameter::MaxAllowedUids(n + 4));
    set(0, NetworkParameter::RegistrationFee(0));
    EpochBudget::<Test>::put(Perbill::from_percent(50));
    for i in 0..n {
        let hotkey = 100 + u64::from(i);
        register(1 + u64::from(i) % 9, hotkey, 0);
        stake(
            1 + u64::from(i) % 9,
            hotkey,
            0,
            TOKEN * (1 + rng.below(40)) as Balance,
        );
    }
    for boundary in [10, 20] {
        run_to_block(boundary - 2);
        for i in 0..n {
            if rng.chance(85) {
                let (uids, values) = random_row(rng, n);
                let _ = Mindnet::set_weights(
                    RuntimeOrigin::signed(100 + u64::from(i)),
                    0,
                    uids,
                    values,
                    0,
                );
            }
        }
        run_to_block(boundary);
        assert!(
            !RunningEpochs::<Test>::contains_key(0),
            "the default budget finishes small epochs at once"
        );
    }
    run_to_block(28);
    for i in 0..n {
        if rng.chance(70) {
            let (uids, values) = random_row(rng, n);
            let _ = Mindnet::set_weights(
                RuntimeOrigin::signed(100 + u64::from(i)),
                0,
                uids,
                values,
                0,
            );
        }
    }
    run_to_block(29);
}

/// A budget that lets a block's epoch step run between one and `units` rows.
fn random_budget(rng: &mut Rng, units: u64) {
    let n = NeuronCount::<Test>::get(0);
    let unit = Mindnet::epoch_block_max(n).saturating_add(Mindnet::epoch_unit_max(n));
    let max = <<Test as frame_system::Config>::BlockWeights as Get<
        frame_system::limits::BlockWeights,
    >>::get()
    .max_block
    .ref_time();
    let target = unit.ref_time()
        + rng.below(units)
            * <<Test as Config>::WeightInfo as WeightInfo>::epoch_second_row(4, 4).ref_time();
    EpochBudget::<Test>::put(Perbill::from_rational(target, max) + Perbill::from_parts(1));
}

/// One random call that a running epoch must not see.
fn random_interference(rng: &mut Rng, next_hotkey: &mut u64) {
    let n = NeuronCount::<Test>::get(0);
    let hotkey = 100 + rng.below(u64::from(n) + 2);
    let coldkey = 1 + rng.below(9);
    let _ = match rng.below(9) {
        0 | 1 => {
            let (uids, values) = random_row(rng, n);
            Mindnet::set_weights(RuntimeOrigin::signed(hotkey), 0, uids, values, 0)
        }
        2 => Mindnet::add_stake(
            RuntimeOrigin::signed(coldkey),
            0,
            hotkey,
            TOKEN * (1 + rng.below(30)) as Balance,
        ),
        3 => Mindnet::remove_stake(
            RuntimeOrigin::signed(coldkey),
            0,
            hotkey,
            TOKEN * (1 + rng.below(30)) as Balance,
        ),
        4 => {
            *next_hotkey += 1;
            try_register(coldkey, *next_hotkey, 0)
                .map(|_| ())
                .map_err(|e| e.error)
        }
        5 => Mindnet::set_parameter(
            RuntimeOrigin::root(),
            0,
            match rng.below(7) {
                0 => NetworkParameter::Rho(1 + rng.below(30) as u32),
                1 => NetworkParameter::Kappa(Perbill::from_percent(rng.below(100) as u32)),
                2 => NetworkParameter::BondsMovingAverage(Perbill::from_percent(
                    rng.below(100) as u32
                )),
                3 => NetworkParameter::DividendShare(Perbill::from_percent(rng.below(100) as u32)),
                4 => NetworkParameter::ActivityCutoff(rng.below(20)),
                5 => NetworkParameter::Ranking(if rng.chance(50) {
                    RankingMode::Transitive
                } else {
                    RankingMode::Direct
                }),
                _ => NetworkParameter::MaskSelfWeight(rng.chance(50)),
            },
        ),
        6 => Mindnet::serve_axon(RuntimeOrigin::signed(hotkey), 0, 0x0808_0808, 8091, 4, 0),
        7 => Mindnet::set_take(
            RuntimeOrigin::signed(coldkey),
            hotkey,
            Perbill::from_percent(rng.below(30) as u32),
        ),
        _ => Mindnet::set_parameter(
            RuntimeOrigin::root(),
            0,
            NetworkParameter::BlockEmission(rng.below(5) * TOKEN as u64),
        ),
    };
}

fn completed_epochs() -> Vec<(u64, u64)> {
    mindnet_events()
        .into_iter()
        .filter_map(|e| match e {
            Event::EpochCompleted {
                emission, blocks, ..
            } => Some((emission, blocks)),
            _ => None,
        })
        .collect()
}

fn failed_credits() -> u64 {
    mindnet_events()
        .into_iter()
        .filter_map(|e| match e {
            Event::EmissionCreditFailed { amount, .. } => Some(amount),
            _ => None,
        })
        .sum()
}

#[test]
fn a_multi_block_epoch_equals_the_single_pass_computation() {
    for seed in 0..env("MINDNET_EPOCH_SEEDS", 4) {
        for ranking in [RankingMode::Direct, RankingMode::Transitive] {
            multi_block_equals_single_pass(seed, ranking);
        }
    }
}

fn multi_block_equals_single_pass(seed: u64, ranking: RankingMode) {
    {
        new_test_ext().execute_with(|| {
            let mut rng = Rng(0x5eed_0000 + seed);
            let n = 8 + rng.below(33) as u32;
            populate(&mut rng, n);
            set(0, NetworkParameter::Ranking(ranking));
            set(
                0,
                NetworkParameter::TransitiveIterations(1 + rng.below(12) as u8),
            );
            let (expected, hotkeys) = single_pass(30);
            let mut passes = 0u8;
            let issuance = pallet_balances::TotalIssuance::<Test>::get();
            let (before_completed, before_failed) = (completed_epochs().len(), failed_credits());
            let mut next_hotkey = 10_000;
            let mut blocks = 0;
            let completed_at = loop {
                let now = System::block_number() + 1;
                System::set_block_number(now);
                random_budget(&mut rng, 6);
                let used = Mindnet::on_initialize(now);
                // Scheduling reads aside, no block spends more than the budget.
                let scheduling = Weight::from_parts(0, 0)
                    .saturating_add(<<Test as Config>::WeightInfo as WeightInfo>::epoch_start())
                    .saturating_add(
                        <<Test as frame_system::Config>::DbWeight as Get<
                            frame_support::weights::RuntimeDbWeight,
                        >>::get()
                        .reads_writes(8, 2),
                    );
                assert!(
                    used.all_lte(Mindnet::epoch_budget().saturating_add(scheduling)),
                    "block {now} used {used:?}"
                );
                blocks += 1;
                match RunningEpochs::<Test>::get(0) {
                    Some(run) if run.started_at == 30 => {}
                    _ => break now,
                }
                // Only a transitive epoch runs passes, and it keeps its own ranking
                // whatever root sets meanwhile.
                assert_eq!(
                    RunningTransitive::<Test>::get(0).is_some(),
                    ranking == RankingMode::Transitive
                );
                if let Some(t) = RunningTransitive::<Test>::get(0) {
                    passes = passes.max(t.pass + 1);
                }
                for _ in 0..rng.below(4) {
                    random_interference(&mut rng, &mut next_hotkey);
                }
                assert_ok!(Mindnet::do_try_state());
            };
            assert!(
                blocks > 3,
                "seed {seed}: the epoch ran in {blocks} blocks, expected several"
            );
            if ranking == RankingMode::Transitive {
                assert!(passes >= 1, "seed {seed}: no transitive pass ran");
            }
            assert!(RunningTransitive::<Test>::get(0).is_none());
            for uid in 0..n as u16 {
                let i = usize::from(uid);
                assert_eq!(
                    Mindnet::bond_row(0, uid),
                    expected.bonds[i],
                    "seed {seed}: bonds of uid {uid}"
                );
                if Keys::<Test>::get(0, uid) != hotkeys[i] {
                    continue; // replaced during the epoch: its results were cleared
                }
                let got = Mindnet::neuron_result(0, uid);
                assert_eq!(
                    got.rank,
                    fixed_to_perbill(expected.rank[i]),
                    "seed {seed}: rank of {uid}"
                );
                assert_eq!(got.trust, fixed_to_perbill(expected.trust[i]));
                assert_eq!(got.consensus, fixed_to_perbill(expected.consensus[i]));
                assert_eq!(got.incentive, fixed_to_perbill(expected.incentive[i]));
                assert_eq!(got.dividends, fixed_to_perbill(expected.dividends[i]));
                assert!(got.emission == expected.emission[i] || got.emission == 0);
            }
            assert_eq!(Loss::<Test>::get(0), loss_to_fixed_i64(expected.loss));
            let completed = completed_epochs();
            assert_eq!(completed.len(), before_completed + 1);
            let (credited, _) = completed[completed.len() - 1];
            assert_eq!(
                credited + failed_credits() - before_failed,
                expected.minted,
                "seed {seed}: every unit assigned is credited or reported"
            );
            // Fees are zero, so issuance rose by exactly what was credited.
            assert_eq!(
                pallet_balances::TotalIssuance::<Test>::get(),
                issuance + Balance::from(credited)
            );
            assert_ok!(Mindnet::do_try_state());
            let _ = completed_at;
        });
    }
}

#[test]
fn an_overrunning_epoch_defers_the_next_and_every_block_is_minted_once() {
    new_test_ext().execute_with(|| {
        let mut rng = Rng(42);
        NeuronsLimit::set(204);
        populate(&mut rng, 200);
        // Network 0 is created in the genesis block.
        let created = 0u64;
        // The smallest budget that lets every phase progress: 200 neurons take well over a
        // tempo of 10 blocks.
        EpochBudget::<Test>::put(Perbill::from_parts(1));
        random_budget(&mut rng, 1);
        let mut deferred_seen = false;
        let mut starts = Vec::new();
        let mut first_completed_at = None;
        for _ in 0..3_000 {
            let now = System::block_number() + 1;
            System::set_block_number(now);
            Mindnet::on_initialize(now);
            deferred_seen |= EpochDeferred::<Test>::get(0);
            match RunningEpochs::<Test>::get(0) {
                Some(run) if starts.last() != Some(&run.started_at) => starts.push(run.started_at),
                None if starts.len() == 1 && first_completed_at.is_none() => {
                    first_completed_at = Some(now)
                }
                _ => {}
            }
            if starts.len() >= 2 {
                break;
            }
        }
        assert!(
            starts.len() >= 2,
            "starts {starts:?}, run {:?}, block {}",
            RunningEpochs::<Test>::get(0),
            System::block_number()
        );
        assert!(
            deferred_seen,
            "the next boundary fell inside the running epoch"
        );
        assert_eq!(starts[0], 30);
        let completed_at = first_completed_at.expect("the first epoch completed");
        assert!(completed_at > 40, "the boundary at 40 fell inside it");
        assert_eq!(
            starts[1],
            completed_at + 1,
            "the deferred epoch starts in the block after the running one completed: {starts:?}"
        );
        // Run the rest out with the default budget.
        EpochBudget::<Test>::kill();
        while RunningEpochs::<Test>::contains_key(0) {
            run_to_block(System::block_number() + 1);
        }
        let last_start = LastEpochBlock::<Test>::get(0).unwrap();
        let completed = completed_epochs();
        let blocks: u64 = completed.iter().map(|(_, b)| b).sum();
        // The epochs' blocks tile the chain from the network's creation to the last start.
        assert_eq!(blocks, last_start - created);
        // The first epoch found no stake that counted yet (stake counts from the epoch after
        // it joined); every later one minted `BlockEmission` for each of its blocks.
        let later = &completed[1..];
        assert!(later.len() >= 3);
        let minted: u64 = later.iter().map(|(e, _)| e).sum::<u64>() + failed_credits();
        let later_blocks: u64 = later.iter().map(|(_, b)| b).sum();
        assert_eq!(minted, later_blocks * BlockEmission::<Test>::get(0));
        assert_ok!(Mindnet::do_try_state());
    });
}

#[test]
fn register_replaces_in_the_order_the_epoch_recorded() {
    new_test_ext().execute_with(|| {
        let mut rng = Rng(7);
        populate(&mut rng, 12);
        set(0, NetworkParameter::MaxAllowedUids(12));
        run_to_block(30);
        assert!(!RunningEpochs::<Test>::contains_key(0));
        // The order: past-immunity uids, lowest emission first, lower uid among equals.
        let mut expected: Vec<(u64, u16)> = (0..12u16).map(|uid| (emission(0, uid), uid)).collect();
        expected.sort();
        let order = ReplacementOrder::<Test>::get(0, 0).into_inner();
        assert_eq!(order, expected.iter().map(|(_, u)| *u).collect::<Vec<_>>());
        // Each registration takes the next, reading one entry whatever the network's size.
        for (k, (_, uid)) in expected.iter().take(3).enumerate() {
            let hotkey = 5_000 + k as u64;
            let info = try_register(1, hotkey, 0).unwrap();
            assert_eq!(Uids::<Test>::get(0, hotkey), Some(*uid));
            assert_eq!(
                info.actual_weight,
                Some(<<Test as Config>::WeightInfo as WeightInfo>::register(1))
            );
            assert_eq!(Mindnet::neuron_result(0, *uid), NeuronResult::default());
        }
        assert_ok!(Mindnet::do_try_state());
    });
}

/// Runs network 0 (12 neurons, hotkey 100 delegated to by coldkey 9) into an epoch at
/// block 40 that spans many blocks; `during` runs once, after the epoch's first block,
/// while the epoch still needs uid 0. Returns the delegator's stake once the epoch
/// completed.
fn delegated_epoch(during: impl FnOnce()) -> Balance {
    let mut rng = Rng(99);
    populate(&mut rng, 12);
    stake(9, 100, 0, 50 * TOKEN);
    run_to_block(39);
    EpochBudget::<Test>::put(Perbill::from_parts(1));
    random_budget(&mut rng, 2);
    run_to_block(40);
    assert!(
        Mindnet::epoch_needs(0, 0),
        "the epoch runs and still needs uid 0"
    );
    during();
    while RunningEpochs::<Test>::contains_key(0) {
        run_to_block(System::block_number() + 1);
    }
    assert_ok!(Mindnet::do_try_state());
    Mindnet::stake_of(0, &100, &9)
}

#[test]
fn a_take_raised_during_an_epoch_applies_from_the_next() {
    let untouched = new_test_ext().execute_with(|| delegated_epoch(|| {}));
    let raised = new_test_ext().execute_with(|| {
        delegated_epoch(|| {
            assert_ok!(Mindnet::set_take(
                RuntimeOrigin::signed(1),
                100,
                Perbill::from_percent(18)
            ));
            assert!(EpochSnapshots::<Test>::contains_key(0, 0));
        })
    });
    assert!(untouched > 50 * TOKEN, "the delegator earned");
    assert_eq!(
        raised, untouched,
        "the raised take did not apply to the running epoch"
    );
}

/// A full network of 12 (seeded by `seed`) whose epoch of block 40 runs over several
/// blocks; returns the uid that `register` replaces first, its hotkey and that hotkey's
/// owner.
fn running_epoch_and_next_replaced(seed: u64) -> (u16, u64, u64) {
    let mut rng = Rng(seed);
    populate(&mut rng, 12);
    set(0, NetworkParameter::MaxAllowedUids(12));
    set(0, NetworkParameter::ImmunityPeriod(0));
    run_to_block(39);
    EpochBudget::<Test>::put(Perbill::from_parts(1));
    random_budget(&mut rng, 2);
    run_to_block(40);
    assert!(RunningEpochs::<Test>::get(0).expect("running").needs(0));
    // The order recorded by the epoch of block 30 names the uid to replace first.
    let uid = ReplacementOrder::<Test>::get(0, 0)[0];
    let old = Keys::<Test>::get(0, uid).unwrap();
    (uid, old, Owner::<Test>::get(old).unwrap())
}

#[test]
fn a_hotkey_replaced_during_an_epoch_is_credited_then_released() {
    new_test_ext().execute_with(|| {
        let (uid, old, owner) = running_epoch_and_next_replaced(5);
        // Its stake leaves, so nothing but the coming credit keeps the hotkey.
        let staked = Mindnet::stake_of(0, &old, &owner);
        assert_ok!(Mindnet::remove_stake(
            RuntimeOrigin::signed(owner),
            0,
            old,
            staked
        ));
        assert_ok!(try_register(1, 7_777, 0));
        assert_eq!(Keys::<Test>::get(0, uid), Some(7_777));
        assert_eq!(
            Owner::<Test>::get(old),
            Some(owner),
            "kept until its credit"
        );
        assert_ok!(Mindnet::do_try_state());
        let expected = EpochSnapshots::<Test>::get(0, uid).expect("copied before the replacement");
        assert_eq!(expected.hotkey, Some(old));
        while RunningEpochs::<Test>::contains_key(0) {
            run_to_block(System::block_number() + 1);
            assert_ok!(Mindnet::do_try_state());
        }
        // Whatever it earned was credited to its pool; with nothing, it is released.
        let earned = Mindnet::stake_of(0, &old, &owner);
        assert_eq!(Owner::<Test>::get(old).is_some(), earned > 0);
        assert_eq!(failed_credits(), 0);
    });
}

#[test]
fn a_hotkey_replaced_then_left_by_its_stakers_is_still_credited() {
    new_test_ext().execute_with(|| {
        let (uid, old, owner) = running_epoch_and_next_replaced(6);
        // Replaced first: the epoch still owes it the uid's emission.
        assert_ok!(try_register(1, 7_777, 0));
        assert_eq!(Keys::<Test>::get(0, uid), Some(7_777));
        assert_eq!(PendingCredits::<Test>::get(old), 1);
        // Then its stake leaves: no uid, no stake, but the credit keeps it.
        let staked = Mindnet::stake_of(0, &old, &owner);
        assert!(staked > 0);
        assert_ok!(Mindnet::remove_stake(
            RuntimeOrigin::signed(owner),
            0,
            old,
            staked
        ));
        assert_eq!(HotkeyPools::<Test>::get(old), 0);
        assert_eq!(Owner::<Test>::get(old), Some(owner), "kept for its credit");
        assert_ok!(Mindnet::do_try_state());
        while RunningEpochs::<Test>::contains_key(0) {
            run_to_block(System::block_number() + 1);
            assert_ok!(Mindnet::do_try_state());
        }
        assert_eq!(failed_credits(), 0, "the credit found its pool");
        assert_eq!(PendingCredits::<Test>::get(old), 0);
        let earned = Mindnet::stake_of(0, &old, &owner);
        assert!(
            earned > 0,
            "the uid earned in this epoch: its credit is what is tested"
        );
        assert_eq!(
            Owner::<Test>::get(old),
            Some(owner),
            "its new stake keeps it"
        );
    });
}

#[test]
fn epochs_advance_under_a_stored_budget_that_an_upgrade_made_too_small() {
    new_test_ext().execute_with(|| {
        let mut rng = Rng(0x5eed_b0d6);
        populate(&mut rng, 24);
        // As if an upgrade raised the benchmarked weights under the stored budget: the
        // stored share no longer fits one step (set_epoch_budget would refuse it).
        EpochBudget::<Test>::put(Perbill::from_parts(1));
        assert!(!Mindnet::budget_fits_largest_network(Perbill::from_parts(
            1
        )));
        assert_eq!(
            Mindnet::epoch_budget().ref_time(),
            Mindnet::epoch_step_floor().ref_time()
        );
        let n = <Test as Config>::MaxNeurons::get();
        assert!(Mindnet::epoch_budget()
            .all_gte(Mindnet::epoch_block_max(n).saturating_add(Mindnet::epoch_unit_max(n))));
        let before = EpochIndex::<Test>::get(0);
        run_to_block(System::block_number() + 200);
        assert!(
            EpochIndex::<Test>::get(0) > before + 5,
            "epochs kept completing: {} → {}",
            before,
            EpochIndex::<Test>::get(0)
        );
    });
}
