#!/usr/bin/env bash
# Starts a two-validator Mindnet network (Alice and Bob) on loopback from
# chain-specs/local.json and waits until it finalises blocks.
#
#   scripts/localnet.sh           run until Ctrl-C (RPC: ws://127.0.0.1:9944 and :9945)
#   scripts/localnet.sh --check   exit 0 once block 3 is finalised on both nodes, else 1
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/mindnet-target}"
node="${MINDNET_NODE:-$CARGO_TARGET_DIR/debug/mindnet-node}"
check=false
[ "${1:-}" = "--check" ] && check=true
[ -x "$node" ] || { echo "no node binary at $node: run 'cargo build -p mindnet-node' first" >&2; exit 1; }

base=$(mktemp -d /tmp/mindnet-localnet.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$base"
}
trap cleanup EXIT INT TERM

# Fixed node keys (loopback only!): Alice's gives the known peer id in Bob's bootnode.
alice_key=0000000000000000000000000000000000000000000000000000000000000001
alice_id=12D3KooWEyoppNCUx8Yx66oV9fJnriXwCcXwDDUA2kj6vnc6iDEp
bob_key=0000000000000000000000000000000000000000000000000000000000000002
common=(--chain chain-specs/local.json --no-prometheus --no-telemetry --no-mdns --rpc-cors all)
"$node" "${common[@]}" --alice --base-path "$base/alice" --rpc-port 9944 \
  --node-key "$alice_key" --listen-addr /ip4/127.0.0.1/tcp/30333 >"$base/alice.log" 2>&1 &
pids+=($!)
"$node" "${common[@]}" --bob --base-path "$base/bob" --rpc-port 9945 \
  --node-key "$bob_key" --listen-addr /ip4/127.0.0.1/tcp/30334 \
  --bootnodes "/ip4/127.0.0.1/tcp/30333/p2p/$alice_id" >"$base/bob.log" 2>&1 &
pids+=($!)

finalized() {
  local hash
  hash=$(curl -s -H 'Content-Type: application/json' \
    -d '{"id":1,"jsonrpc":"2.0","method":"chain_getFinalizedHead"}' "http://127.0.0.1:$1" |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{console.log(JSON.parse(s).result)}catch{}})')
  [ -n "$hash" ] || { echo 0; return; }
  curl -s -H 'Content-Type: application/json' \
    -d "{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"chain_getHeader\",\"params\":[\"$hash\"]}" "http://127.0.0.1:$1" |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{console.log(parseInt(JSON.parse(s).result.number,16))}catch{console.log(0)}})'
}

echo "localnet: Alice rpc 9944, Bob rpc 9945, logs in $base"
deadline=$(( SECONDS + 240 ))
while true; do
  a=$(finalized 9944); b=$(finalized 9945)
  echo "localnet: finalised  alice=#$a  bob=#$b"
  if [ "$a" -ge 3 ] && [ "$b" -ge 3 ]; then
    $check && { echo "localnet: both validators finalise blocks"; exit 0; }
    break
  fi
  for p in "${pids[@]}"; do
    if ! kill -0 "$p" 2>/dev/null; then
      echo "localnet: a node exited; last log lines:" >&2
      tail -n 20 "$base/alice.log" "$base/bob.log" >&2
      exit 1
    fi
  done
  if [ $SECONDS -gt $deadline ]; then
    echo "localnet: no finality within 240 s; last log lines:" >&2
    tail -n 20 "$base/alice.log" "$base/bob.log" >&2
    exit 1
  fi
  sleep 6
done
echo "localnet: running; Ctrl-C stops both nodes"
wait
