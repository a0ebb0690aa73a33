#!/usr/bin/env bash
# Starts a local Mindnet network of N validators (default 4: Alice, Bob, Charlie, Dave) on
# loopback from chain-specs/local.json, on free ports, and waits until each finalises.
#
#   scripts/e2e/localnet.sh [--validators N]            run until Ctrl-C (prints each RPC URL)
#   scripts/e2e/localnet.sh [--validators N] --check    exit 0 once every validator finalises
#                                                   block 3, else 1
# GRANDPA needs more than two thirds of the validators: with N < 3 blocks are made but
# not finalised. The nodes are `tests/localnet.js`'s, which also runs the fault test.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib.sh
need_node
exec node tests/localnet.js "$@"
