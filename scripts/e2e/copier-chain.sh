#!/usr/bin/env bash
# A weight copier on a real dev chain, commit-reveal off and on (issue 27): three honest
# validators and a copier holding 1/7 of the stake, six miners of drifting quality; prints
# the copier's G from on-chain dividends for each (see tests/copier-chain.js), next to
# mindnet-sim's G for the same market and horizon, and fails if they differ by more than
# 0.1. Two dev chains, about 8 minutes each at the defaults.
#
#   scripts/e2e/copier-chain.sh
#   EPOCHS=24 WARMUP=8 TEMPO=5 DRIFT=0.1 scripts/e2e/copier-chain.sh
#
# The default test run exercises the same calls (tests/e2e/commit-reveal.test.js, the
# pallet's commit-reveal tests) and the same measure in mindnet-sim (sim/src/copier.rs).
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib.sh
cargo build -p mindnet-node --locked
cargo build --release -p mindnet-sim --locked
need_node
node tests/copier-chain.js
