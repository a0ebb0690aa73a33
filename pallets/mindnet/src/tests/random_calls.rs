//! Random sequences of every call from random origins, valid and not, across many blocks
//! and epochs. After every call: a failed call changed no storage. After every block:
//! `do_try_state` holds and total issuance is genesis issuance plus everything the epochs
//! minted (completed epochs, and what a running one has credited so far) minus every
//! registration fee and dust burned.
//!
//! `MINDNET_RANDOM_CALLS=N` sets how many calls each of the seeds runs (default 400, so the
//! default test run stays fast); `MINDNET_RANDOM_SEEDS=K` how many seeds (default 8).

use super::*;
use frame_support::{dispatch::DispatchResultWithPostInfo, traits::fungible::Mutate};

pub(crate) fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Accounts 1..=12 act as coldkeys and hotkeys alike; 50 has no balance.
fn account(rng: &mut Rng) -> AccountId {
    if rng.chance(5) {
        50
    } else {
        1 + rng.below(12)
    }
}

fn amount(rng: &mut Rng) -> Balance {
    match rng.below(4) {
        0 => rng.below(TOKEN as u64) as Balance,
        1 => (1 + rng.below(20)) as Balance * TOKEN,
        2 => (1 + rng.below(500)) as Balance * TOKEN,
        _ => TOKEN + rng.below(1_000) as Balance,
    }
}

fn random_call(rng: &mut Rng) -> (&'static str, DispatchResultWithPostInfo) {
    let netuid = rng.below(3) as u16; // network 2 does not exist until created
    let who = account(rng);
    let other = account(rng);
    let signed = RuntimeOrigin::signed(who);
    let now = System::block_number();
    match rng.below(11) {
        0 | 1 => {
            // Registration: usually with the hotkey's consent, sometimes with a forged,
            // stale or misdirected one.
            let deadline = if rng.chance(10) { now - 1 } else { now + 5 };
            let signer = if rng.chance(10) { who } else { other };
            let signed_for = if rng.chance(5) {
                (netuid + 1) % 3
            } else {
                netuid
            };
            let consent = consent(signer, signed_for, who, deadline);
            (
                "register",
                Mindnet::register(signed, netuid, other, deadline, consent),
            )
        }
        2 | 3 => {
            let result = Mindnet::add_stake(signed, netuid, other, amount(rng));
            ("add_stake", result.map(Into::into).map_err(Into::into))
        }
        4 => {
            // Withdraw all, part, or more than is there.
            let owned = Mindnet::stake_of(netuid, &other, &who);
            let value = match rng.below(3) {
                0 => owned,
                1 => owned / (1 + rng.below(4) as Balance),
                _ => owned + 1 + amount(rng),
            };
            let result = Mindnet::remove_stake(signed, netuid, other, value);
            ("remove_stake", result.map(Into::into).map_err(Into::into))
        }
        5 | 6 => {
            let n = NeuronCount::<Test>::get(netuid).max(1);
            let len = rng.below(6);
            let uids: Vec<u16> = (0..len)
                .map(|_| rng.below(u64::from(n) + 1) as u16)
                .collect();
            let values: Vec<u16> = uids.iter().map(|_| rng.below(65_536) as u16).collect();
            // On a commit-reveal network: commit the row, or reveal one of a few rows
            // (each with a salt of its own), whichever the state allows.
            if CommitReveal::<Test>::get(netuid) {
                let salt = [rng.below(3) as u8; 32];
                let row = (vec![0u16, 1], vec![1u16, 1 + u16::from(salt[0])]);
                let result = if rng.chance(50) {
                    let hash = commit_hash(&who, netuid, &row.0, &row.1, 0, &salt);
                    Mindnet::commit_weights(signed, netuid, hash)
                } else {
                    Mindnet::reveal_weights(signed, netuid, row.0, row.1, 0, salt)
                };
                return ("commit_reveal", result.map(Into::into).map_err(Into::into));
            }
            let result = Mindnet::set_weights(signed, netuid, uids, values, 0);
            ("set_weights", result.map(Into::into).map_err(Into::into))
        }
        7 => {
            let ip = if rng.chance(50) {
                u128::from(u32::from_be_bytes([8, 8, 8, rng.below(256) as u8]))
            } else {
                u128::from(u32::from_be_bytes([127, 0, 0, 1]))
            };
            let result = Mindnet::serve_axon(signed, netuid, ip, 8091, 4, 0);
            ("serve_axon", result.map(Into::into).map_err(Into::into))
        }
        8 => {
            let take = Perbill::from_percent(rng.below(101) as u32);
            let result = Mindnet::set_take(signed, other, take);
            ("set_take", result.map(Into::into).map_err(Into::into))
        }
        9 => {
            use NetworkParameter as P;
            let parameter = match rng.below(11) {
                0 => P::Tempo(1 + rng.below(12) as u16),
                1 => P::MinStake(rng.below(3 * TOKEN as u64) as Balance),
                2 => P::MaxTake(Perbill::from_percent(rng.below(101) as u32)),
                3 => P::MaxAllowedUids(1 + rng.below(10) as u32),
                4 => P::ImmunityPeriod(rng.below(6)),
                5 => P::MaxWeightChange(rng.below(2_000_000_001) as u32),
                6 => P::MinAllowedWeights(1 + rng.below(3) as u16),
                7 => P::ActivityCutoff(rng.below(30)),
                8 => P::CommitReveal(rng.chance(50)),
                9 => P::Ranking(if rng.chance(50) {
                    RankingMode::Transitive
                } else {
                    RankingMode::Direct
                }),
                _ => P::BlockEmission(rng.below(3 * TOKEN as u64)),
            };
            let origin = if rng.chance(90) {
                RuntimeOrigin::root()
            } else {
                RuntimeOrigin::signed(who)
            };
            let result = if rng.chance(3) {
                Mindnet::create_network(origin, 2)
            } else if rng.chance(5) {
                // Up to 60 %: above 50 % is refused.
                let budget = Perbill::from_percent(rng.below(61) as u32);
                Mindnet::set_epoch_budget(origin, budget)
            } else {
                Mindnet::set_parameter(origin, netuid, parameter)
            };
            ("root", result.map(Into::into).map_err(Into::into))
        }
        _ => {
            let result = Balances::transfer_allow_death(signed, other, amount(rng));
            ("transfer", result.map(Into::into).map_err(Into::into))
        }
    }
}

/// Runs `calls` random calls from `seed`; returns how many succeeded and how many blocks
/// they spanned.
fn run(seed: u64, calls: u64) -> (u64, u64) {
    new_test_ext().execute_with(|| {
        // Hotkeys sign with test signatures; every account can pay fees and stake.
        for who in 1..=12u64 {
            let _ = Balances::set_balance(&who, 10_000 * TOKEN);
        }
        let genesis_issuance = Balances::total_issuance();
        let (mut minted, mut burned, mut ok, mut blocks) = (0u128, 0u128, 0u64, 0u64);
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        let debug = std::env::var("MINDNET_RANDOM_DEBUG").is_ok();
        for k in 0..calls {
            let root = sp_io::storage::root(sp_runtime::StateVersion::V1);
            let (name, result) = random_call(&mut rng);
            match result {
                Ok(_) => ok += 1,
                Err(e) => assert_eq!(
                    sp_io::storage::root(sp_runtime::StateVersion::V1),
                    root,
                    "seed {seed} call {k}: failed {name} ({e:?}) changed storage"
                ),
            }
            if rng.chance(25) {
                let next = System::block_number() + 1;
                run_to_block(next);
                blocks += 1;
                for event in mindnet_events() {
                    if debug {
                        println!("block {next}: {event:?}");
                    }
                    match event {
                        Event::EpochCompleted { emission, .. } => minted += u128::from(emission),
                        Event::NeuronRegistered { fee, .. } => burned += fee,
                        _ => {}
                    }
                }
                // A transfer that leaves its sender below the existential deposit reaps the
                // account and burns the dust.
                for record in System::events() {
                    if let RuntimeEvent::Balances(pallet_balances::Event::DustLost {
                        amount, ..
                    }) = record.event
                    {
                        burned += amount;
                    }
                }
                System::reset_events();
                if let Err(e) = Mindnet::do_try_state() {
                    panic!("seed {seed} block {next}: {e:?}");
                }
                // A running epoch credits emission over several blocks (under a small
                // budget) and reports it in `EpochCompleted` when it ends: count what it has
                // credited so far.
                let in_flight: u128 = RunningEpochs::<Test>::iter_values()
                    .map(|run| u128::from(run.credited))
                    .sum();
                assert_eq!(
                    Balances::total_issuance(),
                    genesis_issuance + minted + in_flight - burned,
                    "seed {seed} block {next}: issuance"
                );
            }
        }
        (ok, blocks)
    })
}

#[test]
fn random_calls_keep_every_invariant() {
    let calls = env("MINDNET_RANDOM_CALLS", 400);
    let seeds = env("MINDNET_RANDOM_SEEDS", 8);
    let first = env("MINDNET_RANDOM_FIRST_SEED", 0);
    let (mut succeeded, mut blocks) = (0, 0);
    for seed in first..first + seeds {
        let (ok, spanned) = run(seed, calls);
        succeeded += ok;
        blocks += spanned;
    }
    println!(
        "random calls: {} calls ({succeeded} succeeded) over {blocks} blocks, {seeds} seeds, no invariant broken",
        calls * seeds
    );
    // The generator reaches past the validation: a good share of calls succeed.
    assert!(
        succeeded * 10 > calls * seeds,
        "{succeeded} of {} succeeded",
        calls * seeds
    );
}
