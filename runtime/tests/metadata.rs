//! The client's typed API (`client/metadata/mindnet.scale`) is generated from this runtime's
//! metadata: this test fails when the committed file differs from what the runtime reports,
//! so a change to a call, event, error or runtime API cannot reach main without the client
//! being regenerated. `scripts/gen/metadata.sh` rewrites the file (it runs this test with
//! `MINDNET_WRITE_METADATA=1`).

use mindnet_runtime::Runtime;
use std::path::PathBuf;

/// The metadata version the client is generated from.
const VERSION: u32 = 16;

fn metadata_file() -> PathBuf {
    PathBuf::from(
        // As cargo gives it when the test runs: a shared build directory may hold a binary
        // built in another checkout.
        std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").into()),
    )
    .join("../client/metadata/mindnet.scale")
}

#[test]
fn client_metadata_is_current() {
    let metadata = Runtime::metadata_at_version(VERSION)
        .expect("the runtime offers metadata V16")
        .to_vec();
    let path = metadata_file();
    if std::env::var_os("MINDNET_WRITE_METADATA").is_some() {
        std::fs::write(&path, &metadata).expect("write client/metadata/mindnet.scale");
        return;
    }
    let committed = std::fs::read(&path).unwrap_or_default();
    assert!(
        committed == metadata,
        "{} is not the runtime's current metadata ({} bytes committed, {} now): run \
         scripts/gen/metadata.sh and commit the result",
        path.display(),
        committed.len(),
        metadata.len(),
    );
}
