#!/usr/bin/env bash
# Starts `mindnet-node --chain scale` (Alice validates; network 0 holds 4,096 neurons with
# 256-entry weight rows, tempo 100) in a temporary directory and watches its first epoch:
# every finalised block's time since the previous one, the epoch's phase and cursor, and a
# summary of block times while it ran; then the wasm heap the runtime used (the node's
# allocator statistics, logged for every runtime call). Needs the node built
# (scripts/dev.sh or test.sh).
#
#   scripts/e2e/scale-chain.sh [EPOCHS]      (default 1; the first epoch starts at block 100)
#
# NEURONS=65536 (up to 65,536) or TEMPO=20 run the same chain with another network size or
# tempo, from the preset's chain spec with those two values changed.
#
# METAGRAPH=1 reads the metagraph instead of watching epochs (tests/read-metagraph.js):
# `mindnet neurons` in full and a window of it, timed, and the largest page of the runtime
# API as the RPC carries it:
#
#   NEURONS=65536 METAGRAPH=1 scripts/e2e/scale-chain.sh
#
# LEARNER=1 registers six synthetic peers and a learner into the uids NEURONS leaves free
# and waits until the learner, reading the full metagraph, has set weights twice
# (tests/scale-learner.js):
#
#   LEARNER=1 NEURONS=65529 scripts/e2e/scale-chain.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib.sh
need_node
node="$MINDNET_NODE"
neurons="${NEURONS:-4096}"
tempo="${TEMPO:-100}"
[[ "$neurons" =~ ^[0-9]+$ && "$neurons" -ge 1 && "$neurons" -le 65536 ]] \
  || { echo "NEURONS must be a whole number from 1 to 65536, got '$neurons'" >&2; exit 2; }
[[ "$tempo" =~ ^[0-9]+$ && "$tempo" -ge 1 && "$tempo" -le 65535 ]] \
  || { echo "TEMPO must be a whole number from 1 to 65535, got '$tempo'" >&2; exit 2; }
base=$(mktemp -d)
chain=scale
if [ "$neurons" != 4096 ] || [ "$tempo" != 100 ]; then
  "$node" build-spec --chain scale > "$base/scale.json" 2>/dev/null
  python3 - "$base/scale.json" "$neurons" "$tempo" <<'PY'
import json, sys
path, neurons, tempo = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
spec = json.load(open(path))
mindnet = spec["genesis"]["runtimeGenesis"]["patch"]["mindnet"]
mindnet["scaleNetworks"] = [[net, neurons, row, seed] for net, _, row, seed in mindnet["scaleNetworks"]]
mindnet["networks"] = [[net, tempo] for net, _ in mindnet["networks"]]
json.dump(spec, open(path, "w"))
PY
  chain="$base/scale.json"
fi
"$node" --chain "$chain" --alice --unsafe-force-node-key-generation --base-path "$base" --rpc-port 9955 --port 30355 \
  --no-prometheus --no-telemetry --no-mdns -lwasm-heap=debug > "$base/node.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$base"' EXIT
for _ in $(seq 1 600); do
  curl -s -H 'Content-Type: application/json' -d '{"id":1,"jsonrpc":"2.0","method":"system_health"}' \
    http://127.0.0.1:9955 >/dev/null 2>&1 && break
  kill -0 $pid 2>/dev/null || { tail -n 20 "$base/node.log" >&2; exit 1; }
  sleep 1
done
if [ "${LEARNER:-0}" = 1 ]; then
  [ -x "$(dirname "$node")/mindnet-learner" ] || { echo "build the learner first (cargo build -p mindnet-learner)" >&2; exit 1; }
  (cd tests && node scale-learner.js ws://127.0.0.1:9955)
  exit 0
fi
if [ "${METAGRAPH:-0}" = 1 ]; then
  (cd tests && node read-metagraph.js ws://127.0.0.1:9955 0)
  exit 0
fi
(cd tests && node watch-epochs.js ws://127.0.0.1:9955 0 "${1:-1}")
echo "node log (epoch lines):"
grep -E "epoch of block|deferred" "$base/node.log" | tail -n 20 || true
# The allocator logs its statistics when a runtime call ends: the largest address space
# one call used (the heap's high-water mark, of the 128 MiB a call may use) and its peak of
# live bytes, over the calls that ran while an epoch did (from its first progress line to
# its completion) and over all the others.
awk '
  /epoch of block [0-9]+ at / { epoch = 1 }
  /allocator dropped/ {
    p = epoch ? "while epochs ran" : "other calls"
    match($0, /bytes_allocated_peak: [0-9]+/); peak = substr($0, RSTART + 22, RLENGTH - 22) + 0
    match($0, /address_space_used: [0-9]+/); used = substr($0, RSTART + 20, RLENGTH - 20) + 0
    calls[p]++; if (peak > maxpeak[p]) maxpeak[p] = peak; if (used > maxused[p]) maxused[p] = used
  }
  /epoch of block [0-9]+ completed/ { epoch = 0 }
  END {
    for (p in calls) printf "wasm heap, %s: %d runtime calls, largest high-water mark %.2f MiB, largest peak of live bytes %.2f MiB\n", p, calls[p], maxused[p] / 1048576, maxpeak[p] / 1048576
  }' "$base/node.log"
