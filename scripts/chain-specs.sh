#!/usr/bin/env bash
# Regenerates the committed raw chain specs from the runtime's genesis presets:
#   chain-specs/local.json    (`local_testnet` preset: Alice and Bob validate)
#   chain-specs/testnet.json  (the public testnet, same preset, protocol id `mindnet`)
# Run it after a runtime change that should reset those chains' genesis.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/mindnet-target}"
node="${MINDNET_NODE:-$CARGO_TARGET_DIR/debug/mindnet-node}"
[ -x "$node" ] || cargo build -p mindnet-node --locked
for chain in local testnet; do
  "$node" build-spec --chain "$chain" --raw --disable-default-bootnode 2>/dev/null > "chain-specs/$chain.json.new"
  mv "chain-specs/$chain.json.new" "chain-specs/$chain.json"
  echo "wrote chain-specs/$chain.json ($(wc -c < "chain-specs/$chain.json") bytes)"
done
