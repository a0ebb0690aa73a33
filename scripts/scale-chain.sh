#!/usr/bin/env bash
# Starts `mindnet-node --chain scale` (Alice validates; network 0 holds 4,096 neurons with
# 256-entry weight rows, tempo 100) in a temporary directory and watches its first epoch:
# every finalised block's time since the previous one, the epoch's phase and cursor, and a
# summary of block times while it ran. Needs the node built (scripts/dev.sh or test.sh).
#
#   scripts/scale-chain.sh [EPOCHS]      (default 1; the first epoch starts at block 100)
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-$HOME/.cache/mindnet-target}"
node="${MINDNET_NODE:-$target/debug/mindnet-node}"
[ -x "$node" ] || { echo "mindnet-node not found at $node: run scripts/dev.sh first or set MINDNET_NODE" >&2; exit 1; }
base=$(mktemp -d)
"$node" --chain scale --alice --unsafe-force-node-key-generation --base-path "$base" --rpc-port 9955 --port 30355 \
  --no-prometheus --no-telemetry --no-mdns > "$base/node.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$base"' EXIT
for _ in $(seq 1 120); do
  curl -s -H 'Content-Type: application/json' -d '{"id":1,"jsonrpc":"2.0","method":"system_health"}' \
    http://127.0.0.1:9955 >/dev/null 2>&1 && break
  sleep 1
done
[ -d tests/node_modules ] || (cd tests && npm ci --no-audit --no-fund >/dev/null)
(cd tests && node watch-epochs.js ws://127.0.0.1:9955 0 "${1:-1}")
echo "node log (epoch lines):"
grep -E "epoch of block|deferred" "$base/node.log" | tail -n 20 || true
