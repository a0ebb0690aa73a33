#!/usr/bin/env bash
# The fault test (tests/faults.js): four validators on loopback; one dies and comes back,
# two die and one comes back, then a fifth joins through session keys and authors a block.
# Prints the finality gap, catch-up and resumption times. Takes about 6 minutes.
#
#   scripts/fault-test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/mindnet-target}"
export MINDNET_NODE="${MINDNET_NODE:-$CARGO_TARGET_DIR/debug/mindnet-node}"
[ -x "$MINDNET_NODE" ] || { echo "no node binary at $MINDNET_NODE: run 'cargo build -p mindnet-node' first" >&2; exit 1; }
[ -d tests/node_modules/@polkadot/api ] || scripts/setup.sh
exec timeout 900 node tests/faults.js
