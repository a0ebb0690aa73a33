//! The validator-set pallet's tests on the mock runtime: genesis, adding and removing
//! validators (effective from the session after next), root-only changes, refused changes,
//! validators that purge their session keys, offenders (disabled, removed, kept when they
//! are the last keyed validator) and the historical session roots.

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
        assert_ok!(ValidatorSet::purge_keys(RuntimeOrigin::signed(3)));
        // The set still names 3, but a set is planned only with keys.
        assert_ok!(ValidatorSet::add_validator(RuntimeOrigin::root(), 4));
        run_to_block(20);
        assert_eq!(validators(), vec![1, 2, 3, 4]);
        assert_eq!(authorities(), vec![1, 2, 4]);
    });
}

#[test]
fn the_last_keyed_validators_cannot_purge_their_keys() {
    new_test_ext().execute_with(|| {
        assert_ok!(ValidatorSet::purge_keys(RuntimeOrigin::signed(2)));
        assert_ok!(ValidatorSet::purge_keys(RuntimeOrigin::signed(3)));
        // 1 is the last validator with keys, in the set and in the active and queued sets.
        assert_noop!(
            ValidatorSet::purge_keys(RuntimeOrigin::signed(1)),
            Error::<Test>::KeysStillNeeded
        );
        // Accounts outside every set purge freely; one without keys gets the session error.
        assert_ok!(ValidatorSet::purge_keys(RuntimeOrigin::signed(5)));
        assert_noop!(
            ValidatorSet::purge_keys(RuntimeOrigin::signed(5)),
            pallet_session::Error::<Test>::NoKeys
        );
        assert_noop!(
            ValidatorSet::purge_keys(RuntimeOrigin::root()),
            DispatchError::BadOrigin
        );
        // Root removes 1 from the set after adding a keyed validator: 1 is still active
        // (and queued) for a session or two, so its keys stay needed until it has left.
        assert_ok!(ValidatorSet::add_validator(RuntimeOrigin::root(), 4));
        assert_ok!(ValidatorSet::remove_validator(RuntimeOrigin::root(), 1));
        assert_noop!(
            ValidatorSet::purge_keys(RuntimeOrigin::signed(1)),
            Error::<Test>::KeysStillNeeded
        );
        run_to_block(20);
        assert_eq!(authorities(), vec![4]);
        run_to_block(30);
        assert_ok!(ValidatorSet::purge_keys(RuntimeOrigin::signed(1)));
        run_to_block(60);
        assert_eq!(authorities(), vec![4]);
    });
}

#[test]
fn removing_down_to_the_last_keyed_validator_is_refused() {
    new_test_ext().execute_with(|| {
        // 2 and 3 purge their keys: 1 is the only validator that can author.
        assert_ok!(ValidatorSet::purge_keys(RuntimeOrigin::signed(2)));
        assert_ok!(ValidatorSet::purge_keys(RuntimeOrigin::signed(3)));
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
        assert_ok!(ValidatorSet::purge_keys(RuntimeOrigin::signed(3)));
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
        // Every validator purges its keys straight through `pallet-session` (the runtime
        // filters that call out; only root's `sudo_as` could still make it) and root
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

/// Random validator-set calls (root and others adding and removing), key registrations,
/// purges and offence reports, over many sessions: a failed call changes nothing, the
/// set's invariants hold after every block, the consensus pallets always have an
/// authority (the last keyed validators cannot purge their keys), and at most a third of
/// the active set is disabled.
#[test]
fn random_validator_set_calls_never_leave_the_chain_without_authorities() {
    use frame_support::traits::Get;
    let (mut added, mut removed, mut purged, mut offended, mut kept_keys) = (0, 0, 0, 0, 0);
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
                let kind = rng.below(6);
                let result = match kind {
                    0 | 1 => ValidatorSet::add_validator(origin, who),
                    2 => ValidatorSet::remove_validator(origin, who),
                    3 => Session::set_keys(RuntimeOrigin::signed(who), keys(who), proof(who)),
                    5 => {
                        // An offence by an active validator, as GRANDPA's report gives it.
                        if !Session::validators().contains(&who) {
                            continue;
                        }
                        report(who, Session::current_index());
                        offended += 1;
                        Ok(())
                    }
                    _ => ValidatorSet::purge_keys(RuntimeOrigin::signed(who)),
                };
                if result.is_ok() {
                    match kind {
                        0 | 1 => added += 1,
                        2 => removed += 1,
                        4 => purged += 1,
                        _ => {}
                    }
                }
                if result == Err(Error::<Test>::KeysStillNeeded.into()) {
                    kept_keys += 1;
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
                    assert!(
                        validators().into_iter().any(keyed),
                        "seed {seed} block {}: no validator with keys",
                        System::block_number()
                    );
                    assert!(
                        !authorities().is_empty(),
                        "seed {seed} block {}: no authority",
                        System::block_number()
                    );
                    // Never more than a third of the active set disabled: finality and
                    // block production go on.
                    let active = Session::validators().len();
                    assert!(
                        Session::disabled_validators().len() <= active.saturating_sub(1) / 3,
                        "seed {seed}: {:?} disabled of {active}",
                        Session::disabled_validators()
                    );
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
        added > 20 && removed > 20 && purged > 20 && offended > 20 && kept_keys > 5,
        "{added} {removed} {purged} {offended} {kept_keys}"
    );
}

/// Reports `who` (a validator of `session`) to the pallet as `pallet-offences` would.
fn report(who: u64, session: u32) -> frame_support::weights::Weight {
    use sp_staking::offence::{OffenceDetails, OnOffenceHandler};
    <ValidatorSet as OnOffenceHandler<_, _, _>>::on_offence(
        &[OffenceDetails {
            offender: (who, ()),
            reporters: vec![],
        }],
        &[sp_runtime::Perbill::from_percent(10)],
        session,
    )
}

/// A set of four active validators (1–4): at most one can be disabled at once.
fn four_active() {
    assert_ok!(ValidatorSet::add_validator(RuntimeOrigin::root(), 4));
    run_to_block(20);
    assert_eq!(Session::validators(), vec![1, 2, 3, 4]);
}

#[test]
fn an_offender_is_disabled_at_once_and_leaves_at_the_session_after_next() {
    new_test_ext().execute_with(|| {
        four_active();
        let session = Session::current_index();
        let weight = report(2, session);
        assert_eq!(weight, crate::offences::on_offence_weight::<Test>(1, 3));
        System::assert_last_event(Event::OffenderRemoved { who: 2, session }.into());
        // Disabled now (index 1 of the active set), out of the set root maintains.
        assert_eq!(Session::disabled_validators(), vec![1]);
        assert_eq!(validators(), vec![1, 3, 4]);
        assert!(Changed::<Test>::get());
        // The next rotation plans the set without it; it still holds its seat, disabled.
        run_to_block(30);
        let queued: Vec<u64> = Session::queued_keys().into_iter().map(|(v, _)| v).collect();
        assert_eq!(queued, vec![1, 3, 4]);
        assert_eq!(Session::validators(), vec![1, 2, 3, 4]);
        assert_eq!(Session::disabled_validators(), vec![1]);
        // The one after makes it active: the offender is gone and nobody is disabled.
        run_to_block(40);
        assert_eq!(Session::validators(), vec![1, 3, 4]);
        assert_eq!(authorities(), vec![1, 3, 4]);
        assert!(Session::disabled_validators().is_empty());
        assert_ok!(ValidatorSet::do_try_state());
    });
}

#[test]
fn an_offender_is_disabled_again_when_a_rotation_clears_the_disabled_list() {
    new_test_ext().execute_with(|| {
        four_active();
        // Root swaps 4 for 5: session 3 is planned as {1, 2, 3, 5}.
        assert_ok!(ValidatorSet::remove_validator(RuntimeOrigin::root(), 4));
        assert_ok!(ValidatorSet::add_validator(RuntimeOrigin::root(), 5));
        run_to_block(30);
        report(2, 3);
        assert_eq!(Session::disabled_validators(), vec![1]);
        assert_eq!(crate::Offenders::<Test>::get().into_inner(), vec![2]);
        // Session 4 activates {1, 2, 3, 5}: a changed set clears pallet-session's disabled
        // list, and the offender, still active, is disabled again.
        run_to_block(40);
        assert_eq!(Session::validators(), vec![1, 2, 3, 5]);
        assert_eq!(Session::disabled_validators(), vec![1]);
        // Session 5 activates the set without it; nothing is left to disable.
        run_to_block(50);
        assert_eq!(Session::validators(), vec![1, 3, 5]);
        assert!(Session::disabled_validators().is_empty());
        assert!(crate::Offenders::<Test>::get().is_empty());
    });
}

#[test]
fn root_taking_an_offender_back_ends_its_disabling() {
    new_test_ext().execute_with(|| {
        four_active();
        report(2, 2);
        assert_ok!(ValidatorSet::add_validator(RuntimeOrigin::root(), 2));
        assert!(crate::Offenders::<Test>::get().is_empty());
        run_to_block(40);
        assert_eq!(Session::validators(), vec![1, 3, 4, 2]);
        assert!(Session::disabled_validators().is_empty());
    });
}

#[test]
fn a_second_report_of_a_removed_offender_changes_nothing() {
    new_test_ext().execute_with(|| {
        four_active();
        report(2, 2);
        System::reset_events();
        assert_storage_noop!(report(2, 2));
        assert!(System::events().is_empty());
        // A second offender is past the disabling limit (a third of four) but still leaves.
        report(3, 2);
        System::assert_last_event(Event::OffenderRemoved { who: 3, session: 2 }.into());
        assert_eq!(Session::disabled_validators(), vec![1]);
        assert_eq!(validators(), vec![1, 4]);
    });
}

#[test]
fn the_last_keyed_validator_is_kept_when_it_offends() {
    new_test_ext().execute_with(|| {
        assert_ok!(ValidatorSet::remove_validator(RuntimeOrigin::root(), 2));
        assert_ok!(ValidatorSet::remove_validator(RuntimeOrigin::root(), 3));
        run_to_block(30);
        assert_eq!(Session::validators(), vec![1]);
        report(1, 3);
        System::assert_last_event(Event::OffenderKept { who: 1, session: 3 }.into());
        assert_eq!(validators(), vec![1]);
        // One validator: the disabling limit is zero, so it keeps authoring.
        assert!(Session::disabled_validators().is_empty());
        run_to_block(50);
        assert_eq!(authorities(), vec![1]);
    });
}

#[test]
fn session_roots_prove_membership_and_are_pruned_after_the_history_depth() {
    use codec::Encode;
    use frame_support::traits::KeyOwnerProofSystem;
    use pallet_session::historical::StoredRange;
    use sp_runtime::{testing::UintAuthorityId, RuntimeAppPublic};
    new_test_ext().execute_with(|| {
        let key = |who: u64| (UintAuthorityId::ID, UintAuthorityId(who).encode());
        let proof = Historical::prove(key(2)).expect("2 validates in session 0");
        assert_eq!(proof.session, 0);
        assert_eq!(
            Historical::check_proof(key(2), proof.clone()),
            Some((2, ()))
        );
        // Nothing proves a non-validator's key (5 has keys but does not validate).
        assert_eq!(Historical::check_proof(key(5), proof.clone()), None);
        run_to_block(20);
        assert_eq!(
            Historical::check_proof(key(2), proof.clone()),
            Some((2, ()))
        );
        // Sessions 0..=HistoryDepth back stay; older roots go, and their proofs with them.
        run_to_block(100);
        assert_eq!(Session::current_index(), 10);
        assert_eq!(StoredRange::<Test>::get(), Some((8, 12)));
        assert_eq!(Historical::check_proof(key(2), proof), None);
        let recent = Historical::prove(key(2)).expect("2 still validates");
        assert_eq!(Historical::check_proof(key(2), recent), Some((2, ())));
    });
}
