#!/usr/bin/env bash
# The project's test command: set-up, format and lint checks, every Rust test, then the
# end-to-end tests against a real `mindnet-node --dev` that the tests start and stop.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/mindnet-target}"

step() { printf '\n==> %s\n' "$*"; }
timed() { local t0=$SECONDS; "$@"; echo "    ($(( SECONDS - t0 )) s)"; }

step "set-up"
timed scripts/setup.sh
step "cargo fmt --check"
timed cargo fmt --all -- --check
step "build (node, runtime wasm, pallets)"
timed cargo build --workspace --locked
step "cargo test"
timed cargo test --workspace --locked
step "pallet benchmarks run as tests (--features runtime-benchmarks)"
timed cargo test --locked -p pallet-mindnet -p pallet-validator-set --features runtime-benchmarks benchmark
step "try-runtime: every pallet's try_state after every block (--features try-runtime)"
SKIP_WASM_BUILD=1 timed cargo test --locked -p mindnet-runtime --features try-runtime --test validators
step "cargo clippy -D warnings"
timed cargo clippy --workspace --all-targets --locked -- -D warnings
step "four-validator local network finalises (scripts/localnet.sh --check)"
MINDNET_NODE="$CARGO_TARGET_DIR/debug/mindnet-node" timed scripts/localnet.sh --check
step "fault test: validators die and return, a fifth joins (scripts/fault-test.sh)"
MINDNET_NODE="$CARGO_TARGET_DIR/debug/mindnet-node" timed scripts/fault-test.sh
step "end-to-end tests against mindnet-node --dev (Polkadot.js, the mindnet CLI, the README snippets)"
MINDNET_NODE="$CARGO_TARGET_DIR/debug/mindnet-node" MINDNET_CLI="$CARGO_TARGET_DIR/debug/mindnet" \
  timed npm --prefix tests test
