//! Chain specifications: `dev` and `local` from the runtime's presets, `testnet` from the
//! committed raw `chain-specs/testnet.json` (embedded at build time), or any JSON file path.

use mindnet_runtime::WASM_BINARY;
use sc_service::ChainType;

/// A chain spec of this node (no extensions).
pub type ChainSpec = sc_service::GenericChainSpec;

fn properties() -> sc_service::Properties {
    let mut p = sc_service::Properties::new();
    p.insert("tokenSymbol".into(), mindnet_runtime::TOKEN_SYMBOL.into());
    p.insert(
        "tokenDecimals".into(),
        mindnet_runtime::TOKEN_DECIMALS.into(),
    );
    p.insert("ss58Format".into(), mindnet_runtime::SS58_PREFIX.into());
    p
}

fn wasm() -> Result<&'static [u8], String> {
    WASM_BINARY.ok_or_else(|| {
        "The runtime's wasm is not built (was SKIP_WASM_BUILD set?): rebuild without it".into()
    })
}

/// A chain spec of this runtime built from one of its genesis presets.
fn from_preset(
    name: &str,
    id: &str,
    chain_type: ChainType,
    preset: &str,
) -> Result<ChainSpec, String> {
    Ok(ChainSpec::builder(wasm()?, None)
        .with_name(name)
        .with_id(id)
        .with_chain_type(chain_type)
        .with_genesis_config_preset_name(preset)
        .with_properties(properties())
        .build())
}

/// `--dev`: Alice validates alone, network 0 runs an epoch every 10 blocks.
pub fn development_chain_spec() -> Result<ChainSpec, String> {
    from_preset(
        "Mindnet Development",
        "mindnet_dev",
        ChainType::Development,
        sp_genesis_builder::DEV_RUNTIME_PRESET,
    )
}

/// `local`: Alice, Bob, Charlie and Dave validate.
pub fn local_chain_spec() -> Result<ChainSpec, String> {
    from_preset(
        "Mindnet Local Testnet",
        "mindnet_local",
        ChainType::Local,
        sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET,
    )
}

/// `scale`: Alice validates alone; network 0 holds 4,096 neurons with random stake and
/// 256-entry weight rows and runs an epoch every 100 blocks.
pub fn scale_chain_spec() -> Result<ChainSpec, String> {
    from_preset(
        "Mindnet Scale",
        "mindnet_scale",
        ChainType::Development,
        "scale",
    )
}

/// The committed raw spec of the public test network, built by `scripts/gen/chain-specs.sh`
/// from the public keys in `chain-specs/testnet-keys.json`.
const TESTNET_SPEC: &[u8] = include_bytes!("../../chain-specs/testnet.json");

/// `testnet`: the public test network, exactly as committed in `chain-specs/testnet.json`
/// (embedded in the binary). Its genesis is never rebuilt from this node's runtime, so every
/// node starts from the same genesis whatever runtime it was built with, and its authorities
/// and sudo key are the operators' keys, not the well-known development accounts.
pub fn testnet_chain_spec() -> Result<ChainSpec, String> {
    ChainSpec::from_json_bytes(TESTNET_SPEC)
        .map_err(|e| format!("the embedded chain-specs/testnet.json is not a chain spec: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Public keys of the well-known development accounts (`//Alice` … `//Ferdie`):
    /// sr25519 (Aura, accounts) and, for Alice and Bob, ed25519 (GRANDPA).
    const WELL_KNOWN: [&str; 8] = [
        "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d",
        "8eaf04151687736326c9fea17e25fc5287613693c912909cb226aa4794f26a48",
        "90b5ab205c6974c9ea841be688864633dc9ca8a357843eeacf2314649965fe22",
        "306721211d5404bd9da88e0204360a1a9ab8b87c66c1bc2fcdd37f3c2222cc20",
        "e659a7a1628cdd93febc04a4e0646ea20e9f5f0ce097d9a05290d4a9e054df4e",
        "1cbd2d43530a44705ad088af313e18f80b53ef16b36177cd4b77b846f2a5f07c",
        "88dc3417d5058ec4b4503e0c12ea1a0a89be200fe98922423d4334014fa6b0ee",
        "d17c2d7823ebf260fd138f2d7e27d114c0145d968b5ff5006125f2414fadae69",
    ];

    /// The raw genesis storage of a spec, but for the runtime's code (whose presets name
    /// the dev accounts for the `dev` and `local` chains).
    fn genesis_state(spec: &str) -> String {
        let json: serde_json::Value = serde_json::from_str(spec).expect("a JSON chain spec");
        let top = json["genesis"]["raw"]["top"]
            .as_object()
            .expect("a raw spec");
        top.iter()
            .filter(|(key, _)| key.as_str() != "0x3a636f6465")
            .map(|(key, value)| format!("{key}={value}\n"))
            .collect()
    }

    #[test]
    fn testnet_is_the_committed_spec_and_holds_no_well_known_key() {
        let spec = testnet_chain_spec().expect("the embedded spec loads");
        assert_eq!(sc_service::ChainSpec::id(&spec), "mindnet_testnet");
        let testnet = genesis_state(std::str::from_utf8(TESTNET_SPEC).expect("utf-8"));
        for key in WELL_KNOWN {
            assert!(
                !testnet.contains(key),
                "testnet.json's genesis holds the dev key {key}"
            );
        }
        // The same search finds the dev keys where they are: the local spec's Alice and Bob.
        let local = genesis_state(include_str!("../../chain-specs/local.json"));
        assert!(local.contains(WELL_KNOWN[0]) && local.contains(WELL_KNOWN[7]));
    }
}
