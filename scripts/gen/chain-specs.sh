#!/usr/bin/env bash
# Builds raw chain specs.
#
#   scripts/gen/chain-specs.sh
#     regenerates the committed specs; run it after a runtime change that should reset
#     those chains' genesis:
#       chain-specs/local.json    the runtime's `local_testnet` preset (Alice and Bob
#                                 validate: for a network on one machine only)
#       chain-specs/testnet.json  the public testnet (`--chain testnet` embeds it): the
#                                 `local_testnet` preset's genesis with its authorities,
#                                 sudo key and balances replaced by the public keys in
#                                 chain-specs/testnet-keys.json
#
#   scripts/gen/chain-specs.sh --testnet-keys my-keys.json --out my-chain.json \
#       [--name "My Mindnet"] [--id my_mindnet]
#     builds only the raw spec of a network of your own from your own public keys, named
#     "Mindnet Testnet" (id mindnet_testnet) unless --name/--id say otherwise; the committed
#     specs are left alone. The keys file holds public keys only; its format is described
#     in scripts/gen/make-spec.py.
set -euo pipefail

usage() {
  echo "usage: $0 [--testnet-keys KEYS.json --out SPEC.json [--name NAME] [--id ID]]" >&2
  echo "(the comment at the top of this script explains)" >&2
  exit 2
}

# Paths given on the command line are relative to where the script was started.
absolute() {
  case "$1" in
    /*) echo "$1" ;;
    *) echo "$PWD/$1" ;;
  esac
}

keys="" out="" name="Mindnet Testnet" id="mindnet_testnet"
while [ $# -gt 0 ]; do
  case "$1" in
    --testnet-keys) keys=$(absolute "${2:?--testnet-keys needs a file}"); shift 2 ;;
    --out) out=$(absolute "${2:?--out needs a file}"); shift 2 ;;
    --name) name="${2:?--name needs a value}"; shift 2 ;;
    --id) id="${2:?--id needs a value}"; shift 2 ;;
    -h | --help) usage ;;
    *) echo "unknown argument: $1" >&2; usage ;;
  esac
done
if [ -n "$keys$out" ] && { [ -z "$keys" ] || [ -z "$out" ]; }; then
  echo "--testnet-keys and --out go together" >&2
  usage
fi

cd "$(dirname "$0")/../.."
committed=false
if [ -z "$keys" ]; then
  committed=true
  keys=chain-specs/testnet-keys.json
  out=chain-specs/testnet.json
fi
[ -f "$keys" ] || { echo "no keys file at $keys (format: see scripts/gen/make-spec.py)" >&2; exit 1; }

. scripts/lib.sh
node="${MINDNET_NODE:-$CARGO_TARGET_DIR/debug/mindnet-node}"
# The node embeds the runtime the specs carry: build it (a no-op when it is current), unless
# MINDNET_NODE names one.
[ -n "${MINDNET_NODE:-}" ] || cargo build -p mindnet-node --locked

tmp=$(mktemp -d /tmp/mindnet-chain-specs.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# build_spec DEST ARGS...: `mindnet-node build-spec ARGS...` into DEST; its log on failure.
build_spec() {
  local dest=$1
  shift
  if ! "$node" build-spec "$@" --disable-default-bootnode >"$dest" 2>"$tmp/build-spec.log"; then
    cat "$tmp/build-spec.log" >&2
    echo "failed: mindnet-node build-spec $*" >&2
    exit 1
  fi
}

# The testnet: the plain `local` spec (its genesis still a patch of the runtime's preset),
# the keys put into that patch, then made raw.
build_spec "$tmp/local-plain.json" --chain local
python3 scripts/gen/make-spec.py --keys "$keys" --name "$name" --id "$id" \
  "$tmp/local-plain.json" "$tmp/plain.json"
build_spec "$tmp/raw.json" --chain "$tmp/plain.json" --raw
cp "$tmp/raw.json" "$out"
echo "wrote $out ($(wc -c <"$out") bytes)"

if $committed; then
  build_spec "$tmp/local.json" --chain local --raw
  cp "$tmp/local.json" chain-specs/local.json
  echo "wrote chain-specs/local.json ($(wc -c <chain-specs/local.json) bytes)"
fi
