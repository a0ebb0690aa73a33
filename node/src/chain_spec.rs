//! Chain specifications: `dev` and `local` from the runtime's presets, `testnet` from the
//! committed `chain-specs/testnet.json`, or any JSON file path.

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
    p.insert("ss58Format".into(), 42.into());
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
    protocol_id: Option<&str>,
) -> Result<ChainSpec, String> {
    let mut builder = ChainSpec::builder(wasm()?, None)
        .with_name(name)
        .with_id(id)
        .with_chain_type(chain_type)
        .with_genesis_config_preset_name(preset)
        .with_properties(properties());
    if let Some(protocol_id) = protocol_id {
        builder = builder.with_protocol_id(protocol_id);
    }
    Ok(builder.build())
}

/// `--dev`: Alice validates alone, network 0 runs an epoch every 10 blocks.
pub fn development_chain_spec() -> Result<ChainSpec, String> {
    from_preset(
        "Mindnet Development",
        "mindnet_dev",
        ChainType::Development,
        sp_genesis_builder::DEV_RUNTIME_PRESET,
        None,
    )
}

/// `local`: Alice and Bob validate.
pub fn local_chain_spec() -> Result<ChainSpec, String> {
    from_preset(
        "Mindnet Local Testnet",
        "mindnet_local",
        ChainType::Local,
        sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET,
        None,
    )
}

/// `testnet`: the public test network, built from the `local_testnet` preset and kept
/// raw in `chain-specs/testnet.json` so every node starts from the same genesis.
pub fn testnet_chain_spec() -> Result<ChainSpec, String> {
    from_preset(
        "Mindnet Testnet",
        "mindnet_testnet",
        ChainType::Live,
        sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET,
        Some("mindnet"),
    )
}
