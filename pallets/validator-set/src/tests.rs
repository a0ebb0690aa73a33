//! The validator-set pallet's tests on the mock runtime: genesis, adding and removing
//! validators (effective from the session after next), root-only changes, refused changes,
//! and validators that purge their session keys.

use crate::{mock::*, Changed, Error, Event, SessionLength, Validators};
use frame_support::{assert_noop, assert_ok, assert_storage_noop};
use sp_runtime::DispatchError;

/// `who`'s proof that it owns its mock session key, as `session.setKeys` checks it.
fn proof(who: u64) -> Vec<u8> {
    use codec::Encode;
    use sp_runtime::RuntimeAppPublic;
    sp_runtime::testing::UintAuthorityId(who)
        .sign(&who.encode())
        .expect("a mock key signs")
        .encode()
}

fn validators() -> Vec<u64> {
    Validators::<Test>::get().into_inner()
}

#[test]
fn genesis_sets_the_validators_and_the_session_length() {
    new_test_ext().execute_with(|| {
        assert_eq!(validators(), vec![1, 2, 3]);
        assert_eq!(Session::validators(), vec![1, 2, 3]);
        assert_eq!(authorities(), vec![1, 2, 3]);
        assert_eq!(SessionLength::<Test>::get(), 10);
        assert_ok!(ValidatorSet::do_try_state());
    });
}

#[test]
fn an_added_validator_authors_from_the_session_after_next() {
    new_test_ext().execute_with(|| {
        assert_ok!(ValidatorSet::add_validator(RuntimeOrigin::root(), 4));
        System::assert_last_event(Event::ValidatorAdded { who: 4 }.into());
        assert_eq!(validators(), vec![1, 2, 3, 4]);
        assert!(Changed::<Test>::get());
        // Session 1 starts at block 10 and plans session 2 with the new set.
        run_to_block(10);
        assert_eq!(Session::current_index(), 1);
        assert_eq!(authorities(), vec![1, 2, 3]);
        assert!(!Changed::<Test>::get());
        let queued: Vec<u64> = Session::queued_keys().into_iter().map(|(v, _)| v).collect();
        assert_eq!(queued, vec![1, 2, 3, 4]);
        run_to_block(19);
        assert_eq!(authorities(), vec![1, 2, 3]);
        // Session 2: the consensus pallets receive the four.
        run_to_block(20);
        assert_eq!(Session::current_index(), 2);
        assert_eq!(Session::validators(), vec![1, 2, 3, 4]);
        assert_eq!(authorities(), vec![1, 2, 3, 4]);
        assert_ok!(ValidatorSet::do_try_state());
    });
}

#[test]
fn a_removed_validator_stops_authoring_from_the_session_after_next() {
    new_test_ext().execute_with(|| {
        assert_ok!(ValidatorSet::remove_validator(RuntimeOrigin::root(), 2));
        System::assert_last_event(Event::ValidatorRemoved { who: 2 }.into());
        assert_eq!(validators(), vec![1, 3]);
        run_to_block(10);
        assert_eq!(authorities(), vec![1, 2, 3]);
        run_to_block(20);
        assert_eq!(authorities(), vec![1, 3]);
    });
}

#[test]
fn an_unchanged_set_is_not_handed_over_again() {
    new_test_ext().execute_with(|| {
        run_to_block(10);
        assert_eq!(Session::current_index(), 1);
        let queued_event = System::events()
            .iter()
            .any(|r| r.event == pallet_session::Event::<Test>::NewQueued.into());
        assert!(!queued_event, "no new set was planned");
        run_to_block(30);
        assert_eq!(authorities(), vec![1, 2, 3]);
    });
}

#[test]
fn only_root_changes_the_set() {
    new_test_ext().execute_with(|| {
        assert_noop!(
            ValidatorSet::add_validator(RuntimeOrigin::signed(4), 4),
            DispatchError::BadOrigin
        );
        assert_noop!(
            ValidatorSet::remove_validator(RuntimeOrigin::signed(1), 2),
            DispatchError::BadOrigin
        );
    });
}

#[test]
fn bad_changes_are_refused_and_change_nothing() {
    new_test_ext().execute_with(|| {
        // 1 validates already; 9 has no session keys; 7 is not a validator.
        assert_noop!(
            ValidatorSet::add_validator(RuntimeOrigin::root(), 1),
            Error::<Test>::AlreadyValidator
        );
        assert_noop!(
            ValidatorSet::add_validator(RuntimeOrigin::root(), 9),
            Error::<Test>::NoSessionKeys
        );
        assert_noop!(
            ValidatorSet::remove_validator(RuntimeOrigin::root(), 7),
            Error::<Test>::NotValidator
        );
        // MaxValidators is 4.
        assert_ok!(ValidatorSet::add_validator(RuntimeOrigin::root(), 4));
        assert_noop!(
            ValidatorSet::add_validator(RuntimeOrigin::root(), 5),
            Error::<Test>::TooManyValidators
        );
        // MinValidators is 1.
        for who in [1, 2, 3] {
            assert_ok!(ValidatorSet::remove_validator(RuntimeOrigin::root(), who));
        }
        assert_eq!(validators(), vec![4]);
        assert_noop!(
            ValidatorSet::remove_validator(RuntimeOrigin::root(), 4),
            Error::<Test>::TooFewValidators
        );
        assert_storage_noop!(assert!(ValidatorSet::remove_validator(
            RuntimeOrigin::root(),
            4
        )
        .is_err()));
        assert_ok!(ValidatorSet::do_try_state());
    });
}

#[test]
fn a_validator_that_purges_its_keys_leaves_the_authority_set() {
    new_test_ext().execute_with(|| {
        assert_ok!(Session::purge_keys(RuntimeOrigin::signed(3)));
        // The set still names 3, but a set is planned only with keys.
        assert_ok!(ValidatorSet::add_validator(RuntimeOrigin::root(), 4));
        run_to_block(20);
        assert_eq!(validators(), vec![1, 2, 3, 4]);
        assert_eq!(authorities(), vec![1, 2, 4]);
    });
}

#[test]
fn removing_down_to_the_last_keyed_validator_is_refused() {
    new_test_ext().execute_with(|| {
        // 2 and 3 purge their keys: 1 is the only validator that can author.
        assert_ok!(Session::purge_keys(RuntimeOrigin::signed(2)));
        assert_ok!(Session::purge_keys(RuntimeOrigin::signed(3)));
        // Removing 1 would leave two validators, none with keys: refused, nothing changed.
        assert_noop!(
            ValidatorSet::remove_validator(RuntimeOrigin::root(), 1),
            Error::<Test>::TooFewKeyedValidators
        );
        // Removing a keyless one is fine.
        assert_ok!(ValidatorSet::remove_validator(RuntimeOrigin::root(), 2));
        assert_noop!(
            ValidatorSet::remove_validator(RuntimeOrigin::root(), 1),
            Error::<Test>::TooFewKeyedValidators
        );
        run_to_block(30);
        assert_eq!(authorities(), vec![1]);
        assert_ok!(ValidatorSet::do_try_state());
    });
}

#[test]
fn a_validator_that_registers_keys_after_a_rotation_joins_at_the_next() {
    new_test_ext().execute_with(|| {
        // 3 purges its keys and drops out of the authority set with the next change.
        assert_ok!(Session::purge_keys(RuntimeOrigin::signed(3)));
        run_to_block(30);
        assert_eq!(authorities(), vec![1, 2]);
        assert!(!Changed::<Test>::get());
        // It registers keys again; root does nothing.
        assert_ok!(Session::set_keys(
            RuntimeOrigin::signed(3),
            keys(3),
            proof(3)
        ));
        // The next rotation hands the set over again, the one after makes it active.
        run_to_block(50);
        assert_eq!(authorities(), vec![1, 2, 3]);
        assert_eq!(crate::Handed::<Test>::get().into_inner(), vec![1, 2, 3]);
    });
}

#[test]
fn a_set_with_too_few_keyed_validators_is_not_handed_over() {
    new_test_ext().execute_with(|| {
        // Every validator purges its keys (nothing in this pallet can stop that) and root
        // changes the set: the change is not planned, so no session is queued without a
        // keyed validator by this pallet.
        for who in [1, 2, 3] {
            assert_ok!(Session::purge_keys(RuntimeOrigin::signed(who)));
        }
        assert_ok!(ValidatorSet::add_validator(RuntimeOrigin::root(), 4));
        assert_ok!(Session::purge_keys(RuntimeOrigin::signed(4)));
        run_to_block(10);
        assert!(Changed::<Test>::get(), "the change waits for keys");
        let queued = System::events()
            .iter()
            .any(|r| r.event == pallet_session::Event::<Test>::NewQueued.into());
        assert!(!queued, "no new set was handed over");
        // Keys come back: the waiting change is planned at the next rotation.
        assert_ok!(Session::set_keys(
            RuntimeOrigin::signed(4),
            keys(4),
            proof(4)
        ));
        run_to_block(20);
        assert!(!Changed::<Test>::get());
    });
}

#[test]
fn the_pallet_rotates_sessions_and_charges_what_a_rotation_costs() {
    use crate::WeightInfo;
    use frame_support::traits::{Get, Hooks};
    new_test_ext().execute_with(|| {
        // pallet-session's own hook never rotates (it would charge a whole block).
        for n in 1..=10 {
            System::set_block_number(n);
            assert_eq!(
                Session::on_initialize(n),
                frame_support::weights::Weight::zero()
            );
        }
        assert_eq!(Session::current_index(), 0);
        // The validator set's does, at block 10, and charges the rotation's weight.
        let max = <<Test as frame_system::Config>::BlockWeights as Get<
            frame_system::limits::BlockWeights,
        >>::get()
        .max_block;
        let quiet = ValidatorSet::on_initialize(9);
        let rotating = ValidatorSet::on_initialize(10);
        assert_eq!(Session::current_index(), 1);
        assert!(rotating.all_gte(<() as WeightInfo>::rotate_session(3)));
        assert!(rotating.all_lt(max), "{rotating:?} of {max:?}");
        assert!(quiet.all_lt(rotating));
        assert!(!ValidatorSet::ends_session(0) && !ValidatorSet::ends_session(15));
        assert!(ValidatorSet::ends_session(20));
    });
}

/// A small deterministic generator (SplitMix64).
struct Rng(u64);
impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) % n.max(1)
    }
}

/// Random validator-set calls (root and others adding and removing), key registrations
/// and purges, over many sessions: a failed call changes nothing, the set's invariants
/// hold after every block, and the consensus pallets always have an authority while any
/// validator in the set still holds keys. (Every validator purging its own keys does stop
/// a chain: the generator leaves the last keyed validator its keys, and the module docs
/// say so.)
#[test]
fn random_validator_set_calls_never_leave_the_chain_without_authorities() {
    use frame_support::traits::Get;
    let (mut added, mut removed, mut purged) = (0, 0, 0);
    for seed in 0..16u64 {
        new_test_ext().execute_with(|| {
            let mut rng = Rng(seed.wrapping_mul(0x1234_5678_9abc_def1) | 1);
            let keyed = |who: u64| pallet_session::NextKeys::<Test>::contains_key(who);
            for call in 0..400 {
                let who = 1 + rng.below(6);
                let root = rng.below(10) < 8;
                let origin = if root {
                    RuntimeOrigin::root()
                } else {
                    RuntimeOrigin::signed(who)
                };
                let state = sp_io::storage::root(sp_runtime::StateVersion::V1);
                let kind = rng.below(5);
                let result = match kind {
                    0 | 1 => ValidatorSet::add_validator(origin, who),
                    2 => ValidatorSet::remove_validator(origin, who),
                    3 => Session::set_keys(RuntimeOrigin::signed(who), keys(who), proof(who)),
                    _ => {
                        let others = validators()
                            .into_iter()
                            .filter(|v| *v != who && keyed(*v))
                            .count();
                        if others == 0 {
                            continue;
                        }
                        Session::purge_keys(RuntimeOrigin::signed(who))
                    }
                };
                if result.is_ok() {
                    match kind {
                        0 | 1 => added += 1,
                        2 => removed += 1,
                        4 => purged += 1,
                        _ => {}
                    }
                }
                if let Err(e) = result {
                    assert_eq!(
                        sp_io::storage::root(sp_runtime::StateVersion::V1),
                        state,
                        "seed {seed} call {call}: a failed call ({e:?}) changed storage"
                    );
                }
                if rng.below(3) == 0 {
                    run_to_block(System::block_number() + 1 + rng.below(6));
                    assert_ok!(ValidatorSet::do_try_state());
                    let min = <<Test as crate::Config>::MinValidators as Get<u32>>::get() as usize;
                    assert!(validators().len() >= min);
                    if validators().into_iter().any(keyed) {
                        assert!(
                            !authorities().is_empty(),
                            "seed {seed} block {}: no authority",
                            System::block_number()
                        );
                    }
                }
            }
            assert!(
                Session::current_index() > 10,
                "seed {seed}: sessions rotated"
            );
        });
    }
    // The calls reach past their checks.
    assert!(
        added > 20 && removed > 20 && purged > 20,
        "{added} {removed} {purged}"
    );
}
