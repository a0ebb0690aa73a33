//! The validator set at genesis and across sessions: the presets' validators become Aura's
//! and GRANDPA's authorities through their session keys, sessions rotate every
//! `SESSION_LENGTH` blocks, and (with `--features try-runtime`) every pallet's `try_state`
//! holds over those blocks.

use frame_support::traits::OnInitialize;
use mindnet_runtime::{
    genesis_config_presets::{get_preset, SESSION_LENGTH},
    AllPalletsWithSystem, Grandpa, Runtime, RuntimeGenesisConfig, Session, System, ValidatorSet,
};
use sp_keyring::Sr25519Keyring;

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
