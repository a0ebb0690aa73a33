//! The upgrade to this runtime under try-runtime's checks, on a real chain's state: what
//! `try-runtime on-runtime-upgrade --checks all` does, run natively (the try-runtime CLI of
//! this polkadot-sdk release is not in the registries this project reaches; see
//! `docs/validator.md`). `Executive::try_runtime_upgrade` runs every migration with its
//! pre- and post-upgrade checks, checks that the whole state decodes, and runs every
//! pallet's `try_state`.
//!
//! The state comes from `MINDNET_SNAPSHOT` (files separated by `:`, written by
//! `scripts/e2e/upgrade.sh`: a live four-validator network just before its upgrade and after
//! it), or else from the committed `chain-specs/local.json` genesis. Both are JSON: a raw
//! chain spec or `{"top": {"0x…key": "0x…value"}}`. Built only with `--features
//! try-runtime`.
#![cfg(feature = "try-runtime")]

use frame_support::traits::{GetStorageVersion, UpgradeCheckSelect};
use mindnet_runtime::{Executive, Historical, Offences, Runtime, System};
use std::path::PathBuf;

/// The top trie of the state in `path`.
fn load(path: &PathBuf) -> sp_io::TestExternalities {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read the snapshot {}: {e}", path.display()));
    let json: serde_json::Value = serde_json::from_str(&text).expect("the snapshot is JSON");
    let top = json
        .pointer("/genesis/raw/top")
        .or_else(|| json.get("top"))
        .and_then(|t| t.as_object())
        .unwrap_or_else(|| panic!("{}: no genesis.raw.top or top map", path.display()));
    let bytes = |hex: &serde_json::Value| {
        sp_core::bytes::from_hex(hex.as_str().expect("keys and values are hex strings"))
            .expect("valid hex")
    };
    let mut storage = sp_runtime::Storage::default();
    for (key, value) in top {
        storage
            .top
            .insert(bytes(&serde_json::Value::String(key.clone())), bytes(value));
    }
    assert!(
        storage.top.len() > 10,
        "{}: an almost empty state",
        path.display()
    );
    sp_io::TestExternalities::new(storage)
}

fn snapshots() -> Vec<PathBuf> {
    match std::env::var("MINDNET_SNAPSHOT") {
        Ok(files) if !files.is_empty() => files.split(':').map(PathBuf::from).collect(),
        _ => vec![PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../chain-specs/local.json")],
    }
}

#[test]
fn the_upgrade_passes_every_try_runtime_check() {
    for path in snapshots() {
        load(&path).execute_with(|| {
            let block = System::block_number();
            let weight =
                Executive::try_runtime_upgrade(UpgradeCheckSelect::All).unwrap_or_else(|e| {
                    panic!("{}: the upgrade fails its checks: {e:?}", path.display())
                });
            // Pallets new in this runtime start at their code's storage version.
            assert_eq!(
                Offences::on_chain_storage_version(),
                Offences::in_code_storage_version()
            );
            assert_eq!(
                Historical::on_chain_storage_version(),
                Historical::in_code_storage_version()
            );
            let version = frame_system::LastRuntimeUpgrade::<Runtime>::get()
                .expect("the upgrade records the runtime it ran");
            assert_eq!(
                version.spec_version,
                mindnet_runtime::VERSION.spec_version.into()
            );
            println!(
                "{}: block {block}, upgrade to {} passes every check ({weight:?})",
                path.display(),
                mindnet_runtime::VERSION.spec_version
            );
        });
    }
}
