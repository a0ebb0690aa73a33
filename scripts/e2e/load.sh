#!/usr/bin/env bash
# The flood test (tests/load.js): by default four validators on loopback; 1,000 hotkeys
# registered on a network with a 20-block tempo submit set_weights as fast as the pool
# takes them for 3 epochs. Prints a line per block (transactions, weight, block time) and
# a summary (rejections by reason, fees, lost transactions). `--validators 1 --epochs 2
# --tempo 10` (the dev chain) took 5 minutes here; four debug validators overload a
# 2-core machine (blocks every 12-36 s).
#
#   scripts/e2e/load.sh [--hotkeys N] [--epochs N] [--tempo N] [--validators N]
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib.sh
need_node
exec node tests/load.js "$@"
