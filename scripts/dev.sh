#!/usr/bin/env bash
# Sets up a fresh machine, builds everything, and starts a development chain:
# Alice produces blocks (Aura) and finalises them (GRANDPA); RPC on ws://127.0.0.1:9944.
# Extra arguments go to the node, e.g. `scripts/dev.sh --rpc-external`.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
scripts/setup.sh
cargo build --workspace --locked
exec "$CARGO_TARGET_DIR/debug/mindnet-node" --dev "$@"
