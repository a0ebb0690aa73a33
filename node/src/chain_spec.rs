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

/// `--dev`: Alice validates alone, network 0 runs an epoch every 10 blocks.
pub fn development_chain_spec() -> Result<ChainSpec, String> {
    Ok(ChainSpec::builder(wasm()?, None)
        .with_name("Mindnet Development")
        .with_id("mindnet_dev")
        .with_chain_type(ChainType::Development)
        .with_genesis_config_preset_name(sp_genesis_builder::DEV_RUNTIME_PRESET)
        .with_properties(properties())
        .build())
}

/// `local`: Alice and Bob validate.
pub fn local_chain_spec() -> Result<ChainSpec, String> {
    Ok(ChainSpec::builder(wasm()?, None)
        .with_name("Mindnet Local Testnet")
        .with_id("mindnet_local")
        .with_chain_type(ChainType::Local)
        .with_genesis_config_preset_name(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET)
        .with_properties(properties())
        .build())
}

/// `testnet`: the public test network, built from the `local_testnet` preset and kept
/// raw in `chain-specs/testnet.json` so every node starts from the same genesis.
pub fn testnet_chain_spec() -> Result<ChainSpec, String> {
    Ok(ChainSpec::builder(wasm()?, None)
        .with_name("Mindnet Testnet")
        .with_id("mindnet_testnet")
        .with_protocol_id("mindnet")
        .with_chain_type(ChainType::Live)
        .with_genesis_config_preset_name(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET)
        .with_properties(properties())
        .build())
}
