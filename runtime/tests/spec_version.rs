//! A runtime whose metadata (calls, events, errors, storage, constants, runtime APIs)
//! differs from the last released one must carry a higher `spec_version`, so that nodes
//! and clients see the upgrade. `runtime/released.json` records the last released runtime:
//! its `spec_version` and the blake2-256 of its metadata (V16).
//!
//! When a runtime is released (its wasm given to `system.setCode` on a live chain), record
//! it: `MINDNET_WRITE_RELEASED=1 cargo test -p mindnet-runtime --test spec_version`.
//!
//! A change of behaviour alone (same interface, different computation) does not show in
//! the metadata: bumping `spec_version` for it stays the author's duty.

use mindnet_runtime::{Runtime, VERSION};
use std::path::PathBuf;

fn released_file() -> PathBuf {
    PathBuf::from(
        std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").into()),
    )
    .join("released.json")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn a_changed_runtime_carries_a_higher_spec_version() {
    let metadata = Runtime::metadata_at_version(16)
        .expect("the runtime offers metadata V16")
        .to_vec();
    let hash = {
        use sp_runtime::traits::{BlakeTwo256, Hash};
        hex(BlakeTwo256::hash(&metadata).as_bytes())
    };
    let path = released_file();
    if std::env::var_os("MINDNET_WRITE_RELEASED").is_some() {
        let record = serde_json::json!({
            "spec_version": VERSION.spec_version,
            "metadata_blake2_256": hash,
        });
        std::fs::write(&path, format!("{record:#}\n")).expect("write runtime/released.json");
        return;
    }
    let released: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&path).expect("runtime/released.json exists"),
    )
    .expect("runtime/released.json is JSON");
    let spec = released["spec_version"].as_u64().expect("a spec_version");
    let same = released["metadata_blake2_256"].as_str() == Some(hash.as_str());
    assert!(
        u64::from(VERSION.spec_version) >= spec,
        "spec_version {} is below the released {spec}",
        VERSION.spec_version
    );
    assert!(
        same || u64::from(VERSION.spec_version) > spec,
        "the runtime's metadata changed since the released runtime {spec}, but spec_version \
         is still {}: raise it in runtime/src/lib.rs",
        VERSION.spec_version
    );
}
