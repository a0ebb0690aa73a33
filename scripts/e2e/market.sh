#!/usr/bin/env bash
# The market at full size (issue 25's ranking, adversary and bandwidth figures): a dev
# chain, two honest learners and PEERS synthetic peers of known usefulness with every
# adversary; prints JSON figures (see tests/market-run.js). The dev profile optimises the
# learner and burn (Cargo.toml), so no release build is needed.
#
#   scripts/e2e/market.sh                       # 64 peers, --topk 4, 2 min of training
#   PEERS=64 TRAIN_MS=300000 scripts/e2e/market.sh
#   BANDWIDTH=1 scripts/e2e/market.sh            # also --topk 64 (dense), no adversaries
#   COMPARE=1 STEPS=3000 scripts/e2e/market.sh   # only the comparisons at equal steps:
#                                                # sparse vs dense vs poisoned (tests/market-compare.js)
#
# The default test run exercises the same code with 6 peers (tests/e2e/learner.test.js).
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib.sh
cargo build -p mindnet-node -p mindnet-client -p mindnet-learner --locked
need_node
if [ "${COMPARE:-0}" = 1 ]; then
  exec node tests/market-compare.js
fi
node tests/market-run.js
if [ "${BANDWIDTH:-0}" = 1 ]; then
  for k in 4 64; do
    echo "--topk $k, no adversaries:" >&2
    ADVERSARIES= LEARNER_ARGS="--topk $k ${LEARNER_ARGS:-}" node tests/market-run.js
  done
fi
