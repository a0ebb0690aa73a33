#!/usr/bin/env bash
# The epoch at size, in the release profile: for each network size, a network of generated
# neurons with 256-entry weight rows runs an epoch under the default budget in the mock
# runtime (weights as benchmarked in weights.rs, ParityDB costs); prints blocks taken, the
# largest block's epoch weight as a share of the block maximum, the epoch's total weight
# and the storage keys it read and wrote (distinct keys per block, summed; then by storage
# item), and checks the result against the single-pass computation.
#
#   scripts/bench/scale.sh [SIZES] [direct|transitive]   (default: 4096,16384,65536 direct)
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib.sh
MINDNET_SCALE_N="${1:-4096,16384,65536}" MINDNET_SCALE_RANKING="${2:-direct}" SKIP_WASM_BUILD=1 \
  cargo test --locked --release -p pallet-mindnet --lib tests::scale::scale -- --ignored --nocapture
