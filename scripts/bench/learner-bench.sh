#!/usr/bin/env bash
# Training throughput of mindnet-learner: the model and batch the learner runs with, trained
# alone (no peers, no chain) for STEPS steps; prints training tokens (predicted bytes) per
# second. DEVICE=cuda builds with --features cuda and trains on the GPU; MODEL=transformer
# trains the causal transformer (context 64) instead of the byte MLP.
#   scripts/bench/learner-bench.sh            # CPU, 2,000 steps of 32 rows
#   MODEL=transformer STEPS=200 scripts/bench/learner-bench.sh
#   STEPS=500 BATCH=256 DEVICE=cuda scripts/bench/learner-bench.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib.sh
STEPS="${STEPS:-2000}"
BATCH="${BATCH:-32}"
DEVICE="${DEVICE:-cpu}"
MODEL="${MODEL:-mlp}"
features=()
if [ "$DEVICE" = cuda ]; then
  features=(--features cuda)
  export CUDARC_CUDA_VERSION="${CUDARC_CUDA_VERSION:-12080}"
fi
# The dev profile optimises the learner and burn (see Cargo.toml), as the tests run them.
cargo build --locked -p mindnet-learner "${features[@]}"
"$CARGO_TARGET_DIR/debug/mindnet-learner" alone --steps "$STEPS" --eval-every "$STEPS" \
  --batch "$BATCH" --device "$DEVICE" --model "$MODEL" 2>/dev/null |
  BATCH="$BATCH" DEVICE="$DEVICE" MODEL="$MODEL" python3 -c '
import json, os, sys
s = json.load(sys.stdin)
steps, rate, loss = s["steps"], s["tokens_per_second"], s["validation_loss"]
batch, device, model = os.environ["BATCH"], os.environ["DEVICE"], os.environ["MODEL"]
print(f"{model}: {steps} steps of {batch} rows on {device}: {rate:,.0f} training tokens/s; validation loss {loss:.3f}")'
