//! Genesis presets: `development` (one validator, Alice), `local_testnet` (Alice, Bob,
//! Charlie and Dave) and `scale` (Alice; network 0 holds 4,096 neurons). All fund the
//! well-known dev accounts, make Alice sudo, create network 0 and run 10-block sessions.

use crate::{
    opaque::SessionKeys, AccountId, BalancesConfig, MindnetConfig, RuntimeGenesisConfig,
    SessionConfig, SudoConfig, ValidatorSetConfig, TOKEN,
};
use alloc::{vec, vec::Vec};
use frame_support::build_struct_json_patch;
use serde_json::Value;
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_consensus_grandpa::AuthorityId as GrandpaId;
use sp_genesis_builder::{self, PresetId};
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};

/// Balance of each endowed dev account: one million MIND.
pub const ENDOWMENT: u128 = 1_000_000 * TOKEN;

/// Blocks per session on the preset chains.
pub const SESSION_LENGTH: u32 = 10;

/// A validator at genesis: its account and its session keys.
type Validator = (AccountId, AuraId, GrandpaId);

/// The genesis of a chain with the given validators, sudo key, endowed accounts, and
/// network 0 at `tempo`; `loopback_axons` lets axons serve on loopback and private
/// addresses (chains that run on one machine).
fn genesis(
    validators: Vec<Validator>,
    endowed: Vec<AccountId>,
    root: AccountId,
    tempo: u16,
    loopback_axons: bool,
) -> Value {
    build_struct_json_patch!(RuntimeGenesisConfig {
        balances: BalancesConfig {
            balances: endowed
                .iter()
                .cloned()
                .map(|k| (k, ENDOWMENT))
                .collect::<Vec<_>>(),
        },
        // Aura's and GRANDPA's authorities come from the session keys.
        validator_set: ValidatorSetConfig {
            initial_validators: validators.iter().map(|v| v.0.clone()).collect::<Vec<_>>(),
            session_length: SESSION_LENGTH,
        },
        session: SessionConfig {
            keys: validators
                .iter()
                .map(|(account, aura, grandpa)| {
                    (
                        account.clone(),
                        account.clone(),
                        SessionKeys {
                            aura: aura.clone(),
                            grandpa: grandpa.clone(),
                        },
                    )
                })
                .collect::<Vec<_>>(),
        },
        sudo: SudoConfig { key: Some(root) },
        mindnet: MindnetConfig {
            networks: vec![(0, tempo)],
            allow_non_routable_axons: loopback_axons,
        },
    })
}

/// A well-known dev account as a validator: its sr25519 account, Aura (sr25519) and
/// GRANDPA (ed25519) keys.
fn validator(sr: Sr25519Keyring, ed: Ed25519Keyring) -> Validator {
    (sr.to_account_id(), sr.public().into(), ed.public().into())
}

/// `development`: Alice validates alone; network 0 runs an epoch every 10 blocks.
pub fn development_config_genesis() -> Value {
    genesis(
        vec![validator(Sr25519Keyring::Alice, Ed25519Keyring::Alice)],
        Sr25519Keyring::well_known()
            .map(|k| k.to_account_id())
            .collect(),
        Sr25519Keyring::Alice.to_account_id(),
        10,
        true,
    )
}

/// `local_testnet`: Alice, Bob, Charlie and Dave validate (one may fail and GRANDPA still
/// finalises); network 0 uses the default tempo of 100.
pub fn local_config_genesis() -> Value {
    genesis(
        vec![
            validator(Sr25519Keyring::Alice, Ed25519Keyring::Alice),
            validator(Sr25519Keyring::Bob, Ed25519Keyring::Bob),
            validator(Sr25519Keyring::Charlie, Ed25519Keyring::Charlie),
            validator(Sr25519Keyring::Dave, Ed25519Keyring::Dave),
        ],
        Sr25519Keyring::well_known()
            .map(|k| k.to_account_id())
            .collect(),
        Sr25519Keyring::Alice.to_account_id(),
        100,
        true,
    )
}

/// The name of the `scale` preset.
pub const SCALE_PRESET: &str = "scale";

/// `scale`: Alice validates alone; network 0 (tempo 100) starts with 4,096 neurons, each
/// with random stake and a 256-entry weight row (generated at genesis from a fixed seed),
/// so a full-size multi-block epoch can be watched within minutes of starting the chain.
pub fn scale_config_genesis() -> Value {
    let mut patch = genesis(
        vec![validator(Sr25519Keyring::Alice, Ed25519Keyring::Alice)],
        Sr25519Keyring::well_known()
            .map(|k| k.to_account_id())
            .collect(),
        Sr25519Keyring::Alice.to_account_id(),
        100,
        true,
    );
    patch["mindnet"]["scaleNetworks"] = serde_json::json!([[0, 4096, 256, 42]]);
    patch
}

/// The preset named `id`, as JSON.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
    let patch = match id.as_ref() {
        sp_genesis_builder::DEV_RUNTIME_PRESET => development_config_genesis(),
        sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET => local_config_genesis(),
        SCALE_PRESET => scale_config_genesis(),
        _ => return None,
    };
    Some(
        serde_json::to_string(&patch)
            .expect("serialization to json is expected to work. qed.")
            .into_bytes(),
    )
}

/// The names of the presets.
pub fn preset_names() -> Vec<PresetId> {
    vec![
        PresetId::from(sp_genesis_builder::DEV_RUNTIME_PRESET),
        PresetId::from(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET),
        PresetId::from(SCALE_PRESET),
    ]
}
