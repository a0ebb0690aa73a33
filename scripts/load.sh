#!/usr/bin/env bash
# The flood test (tests/load.js): four validators on loopback; 1,000 hotkeys registered
# on a network with a 20-block tempo submit set_weights as fast as the pool takes them
# for 3 epochs. Prints a line per block (transactions, weight, block time) and a summary
# (rejections by reason, fees, lost transactions). About 15 minutes with a debug node.
#
#   scripts/load.sh [--hotkeys N] [--epochs N] [--tempo N] [--validators N]
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/mindnet-target}"
export MINDNET_NODE="${MINDNET_NODE:-$CARGO_TARGET_DIR/debug/mindnet-node}"
[ -x "$MINDNET_NODE" ] || { echo "no node binary at $MINDNET_NODE: run 'cargo build -p mindnet-node' first" >&2; exit 1; }
[ -d tests/node_modules/@polkadot/api ] || scripts/setup.sh
exec node tests/load.js "$@"
