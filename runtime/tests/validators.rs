//! The validator set at genesis and across sessions: the presets' validators become Aura's
//! and GRANDPA's authorities through their session keys, sessions rotate every
//! `SESSION_LENGTH` blocks, and (with `--features try-runtime`) every pallet's `try_state`
//! holds over those blocks. A GRANDPA equivocation, signed with a validator's real key and
//! proven with the historical session root, is reported once, disables the validator and
//! removes it; `session.purgeKeys` is filtered out in favour of the checked
//! `validatorSet.purgeKeys`.

use frame_support::traits::OnInitialize;
use mindnet_runtime::{
    genesis_config_presets::{get_preset, SESSION_LENGTH},
    AllPalletsWithSystem, BlockNumber, Grandpa, Hash, Historical, Runtime, RuntimeCall,
    RuntimeEvent, RuntimeGenesisConfig, RuntimeOrigin, Session, System, ValidatorSet,
};
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};

/// The genesis state of preset `id`.
fn genesis(id: &str) -> sp_io::TestExternalities {
    let json = get_preset(&id.into()).expect("the preset exists");
    let mut storage = sp_runtime::Storage::default();
    let config: RuntimeGenesisConfig = {
        // The preset is a patch of the default config.
        let mut base = serde_json::to_value(RuntimeGenesisConfig::default()).unwrap();
        let patch: serde_json::Value = serde_json::from_slice(&json).unwrap();
        json_patch(&mut base, patch);
        serde_json::from_value(base).expect("the patched preset is a genesis config")
    };
    sp_runtime::BuildStorage::assimilate_storage(&config, &mut storage).unwrap();
    sp_io::TestExternalities::new(storage)
}

fn json_patch(base: &mut serde_json::Value, patch: serde_json::Value) {
    match (base, patch) {
        (serde_json::Value::Object(b), serde_json::Value::Object(p)) => {
            for (k, v) in p {
                json_patch(b.entry(k).or_insert(serde_json::Value::Null), v);
            }
        }
        (b, p) => *b = p,
    }
}

/// Runs blocks up to `n` through every pallet's `on_initialize`.
fn run_to(n: u32) {
    while System::block_number() < n {
        // Only the initialisation hooks: the session rotates there, and finalisation
        // would need the timestamp inherent and an Aura slot.
        let now = System::block_number();
        System::set_block_number(now + 1);
        AllPalletsWithSystem::on_initialize(now + 1);
        #[cfg(feature = "try-runtime")]
        {
            use frame_support::traits::TryState;
            AllPalletsWithSystem::try_state(now + 1, frame_support::traits::TryStateSelect::All)
                .expect("every pallet's try_state holds");
        }
    }
}

#[test]
fn the_local_preset_has_four_validators_whose_keys_author_and_finalise() {
    genesis("local_testnet").execute_with(|| {
        let expected: Vec<_> = [
            Sr25519Keyring::Alice,
            Sr25519Keyring::Bob,
            Sr25519Keyring::Charlie,
            Sr25519Keyring::Dave,
        ]
        .iter()
        .map(|k| k.to_account_id())
        .collect();
        assert_eq!(
            pallet_validator_set::Validators::<Runtime>::get().into_inner(),
            expected
        );
        assert_eq!(Session::validators(), expected);
        assert_eq!(pallet_aura::Authorities::<Runtime>::get().len(), 4);
        assert_eq!(Grandpa::grandpa_authorities().len(), 4);
        assert_eq!(
            pallet_validator_set::SessionLength::<Runtime>::get(),
            SESSION_LENGTH
        );
        let alice_aura: sp_consensus_aura::sr25519::AuthorityId =
            Sr25519Keyring::Alice.public().into();
        assert_eq!(pallet_aura::Authorities::<Runtime>::get()[0], alice_aura);
        assert!(ValidatorSet::do_try_state().is_ok());
    });
}

#[test]
fn sessions_rotate_every_session_length_blocks_and_keep_the_authorities() {
    genesis("development").execute_with(|| {
        assert_eq!(Session::current_index(), 0);
        run_to(SESSION_LENGTH - 1);
        assert_eq!(Session::current_index(), 0);
        run_to(SESSION_LENGTH);
        assert_eq!(Session::current_index(), 1);
        run_to(3 * SESSION_LENGTH + 1);
        assert_eq!(Session::current_index(), 3);
        assert_eq!(
            Session::validators(),
            vec![Sr25519Keyring::Alice.to_account_id()]
        );
        assert_eq!(pallet_aura::Authorities::<Runtime>::get().len(), 1);
        assert_eq!(Grandpa::grandpa_authorities().len(), 1);
    });
}

/// Two different prevotes by `key` in round `round` of set `set_id`, the first signed by
/// `key` and the second by `second_signer` (`key` for a real equivocation).
fn prevote_equivocation(
    key: Ed25519Keyring,
    second_signer: Ed25519Keyring,
    set_id: u64,
    round: u64,
) -> sp_consensus_grandpa::EquivocationProof<Hash, BlockNumber> {
    let signed = |target: u8, signer: Ed25519Keyring| {
        let prevote = finality_grandpa::Prevote {
            target_hash: Hash::repeat_byte(target),
            target_number: 1,
        };
        let payload = sp_consensus_grandpa::localized_payload(
            round,
            set_id,
            &finality_grandpa::Message::Prevote(prevote.clone()),
        );
        (prevote, signer.sign(&payload).into())
    };
    sp_consensus_grandpa::EquivocationProof::new(
        set_id,
        sp_consensus_grandpa::Equivocation::Prevote(finality_grandpa::Equivocation {
            round_number: round,
            identity: key.public().into(),
            first: signed(1, key),
            second: signed(2, second_signer),
        }),
    )
}

#[test]
fn an_equivocating_validator_is_reported_once_disabled_and_removed() {
    use frame_support::{assert_noop, assert_ok, traits::KeyOwnerProofSystem};
    use sp_runtime::{traits::Dispatchable, transaction_validity::TransactionSource};
    genesis("local_testnet").execute_with(|| {
        run_to(1);
        let charlie = Sr25519Keyring::Charlie.to_account_id();
        let alice = Sr25519Keyring::Alice.to_account_id();
        let charlie_grandpa: sp_consensus_grandpa::AuthorityId =
            Ed25519Keyring::Charlie.public().into();
        let set_id = Grandpa::current_set_id();
        let key_owner_proof =
            Historical::prove((sp_consensus_grandpa::KEY_TYPE, charlie_grandpa.clone()))
                .expect("charlie validates in this session");
        let report = |proof| pallet_grandpa::Call::<Runtime>::report_equivocation_unsigned {
            equivocation_proof: Box::new(proof),
            key_owner_proof: key_owner_proof.clone(),
        };
        let proof =
            prevote_equivocation(Ed25519Keyring::Charlie, Ed25519Keyring::Charlie, set_id, 3);
        let call = report(proof.clone());
        // Only the node's own voter may put an unsigned report in its pool.
        assert!(Grandpa::validate_unsigned(TransactionSource::External, &call).is_err());
        assert_ok!(Grandpa::validate_unsigned(TransactionSource::Local, &call));
        // A second vote signed by another key proves nothing.
        let forged = prevote_equivocation(Ed25519Keyring::Charlie, Ed25519Keyring::Dave, set_id, 3);
        assert_noop!(
            RuntimeCall::Grandpa(report(forged)).dispatch(RuntimeOrigin::none()),
            pallet_grandpa::Error::<Runtime>::InvalidEquivocationProof
        );

        System::reset_events();
        assert_ok!(RuntimeCall::Grandpa(call.clone()).dispatch(RuntimeOrigin::none()));
        let events: Vec<RuntimeEvent> = System::events().into_iter().map(|r| r.event).collect();
        assert_eq!(
            events
                .iter()
                .filter(|e| matches!(
                    e,
                    RuntimeEvent::Offences(pallet_offences::Event::Offence { .. })
                ))
                .count(),
            1
        );
        assert!(events.contains(&RuntimeEvent::ValidatorSet(
            pallet_validator_set::Event::OffenderRemoved {
                who: charlie.clone(),
                session: 0
            }
        )));
        // Disabled at once (Aura refuses its blocks), out of the set root maintains.
        let index = Session::validators()
            .iter()
            .position(|v| v == &charlie)
            .expect("still active this session") as u32;
        assert_eq!(Session::disabled_validators(), vec![index]);
        assert!(!pallet_validator_set::Validators::<Runtime>::get().contains(&charlie));

        // The same report again: stale for the pool, refused if signed and dispatched.
        assert!(Grandpa::validate_unsigned(TransactionSource::Local, &call).is_err());
        assert_noop!(
            Grandpa::report_equivocation(
                RuntimeOrigin::signed(alice),
                Box::new(proof),
                key_owner_proof.clone()
            ),
            pallet_grandpa::Error::<Runtime>::DuplicateOffenceReport
        );

        // Charlie is out of the authority set two rotations later; the others remain.
        run_to(2 * SESSION_LENGTH);
        assert!(!Session::validators().contains(&charlie));
        assert_eq!(pallet_aura::Authorities::<Runtime>::get().len(), 3);
        assert!(Session::disabled_validators().is_empty());
    });
}

#[test]
fn keys_are_purged_only_through_the_validator_set() {
    use frame_support::assert_noop;
    use sp_runtime::traits::Dispatchable;
    genesis("development").execute_with(|| {
        run_to(1);
        let alice = Sr25519Keyring::Alice.to_account_id();
        // session.purgeKeys is filtered out for everyone.
        let direct = RuntimeCall::Session(pallet_session::Call::purge_keys {});
        let filtered = direct.dispatch(RuntimeOrigin::signed(alice.clone()));
        assert_eq!(
            filtered.map_err(|e| e.error),
            Err(frame_system::Error::<Runtime>::CallFiltered.into())
        );
        // Alice is the dev chain's only validator: her keys stay.
        assert_noop!(
            ValidatorSet::purge_keys(RuntimeOrigin::signed(alice.clone())),
            pallet_validator_set::Error::<Runtime>::KeysStillNeeded
        );
        assert!(pallet_session::NextKeys::<Runtime>::contains_key(&alice));
    });
}
