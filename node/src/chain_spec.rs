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

/// `local`: Alice and Bob validate.
pub fn local_chain_spec() -> Result<ChainSpec, String> {
    from_preset(
        "Mindnet Local Testnet",
        "mindnet_local",
        ChainType::Local,
        sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET,
    )
}

/// The committed raw spec of the public test network, built by `scripts/chain-specs.sh`
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
