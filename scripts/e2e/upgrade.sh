#!/usr/bin/env bash
# A forkless runtime upgrade on a live four-validator local network (issue 28): starts it
# on the previous runtime (chain-specs/local.json as committed at FROM_REV, default
# a4c616d: runtime 103), fills it (neurons, stake, a delegation, weights, bonds), upgrades
# to this checkout's runtime with sudo(system.setCode), and checks that every node runs it,
# finality continues, the state reads the same through the new runtime, and the next
# epochs (one under transitive ranking) mint exactly. Prints a timeline (see tests/upgrade.js).
# Then try-runtime's checks (every migration's pre/post-upgrade checks, the whole state
# decoding, every pallet's try_state) run on the network's state just before the upgrade
# and after it (runtime/tests/try_upgrade.rs, with --features try-runtime).
#
#   scripts/e2e/upgrade.sh
#   FROM_REV=<commit> scripts/e2e/upgrade.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib.sh
cargo build -p mindnet-node --locked
need_node
export MINDNET_WASM="${MINDNET_WASM:-$CARGO_TARGET_DIR/debug/wbuild/mindnet-runtime/mindnet_runtime.wasm}"
snapshots=$(mktemp -d)
trap 'rm -rf "$snapshots"' EXIT
MINDNET_SNAPSHOT_DIR="$snapshots" node tests/upgrade.js
MINDNET_SNAPSHOT="$snapshots/before-upgrade.json:$snapshots/after-upgrade.json" SKIP_WASM_BUILD=1 \
  cargo test --locked -p pallet-mindnet -p pallet-validator-set -p mindnet-runtime \
  --features runtime-benchmarks,try-runtime --test try_upgrade -- --nocapture
