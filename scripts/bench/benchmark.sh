#!/usr/bin/env bash
# Runs the mindnet pallet's benchmarks in the runtime's wasm and regenerates
# pallets/mindnet/src/weights.rs, pallets/validator-set/src/weights.rs, and those of frame_system and pallet_timestamp into
# runtime/src/weights/ (GRANDPA's through scripts/templates/grandpa-weights.hbs). Builds the node with `--features runtime-benchmarks`
# (a second, long build) in the same target directory and keeps that binary as
# `mindnet-node-benchmarks`, so the plain `mindnet-node` is rebuilt by the next build.
#
# The runtime (wasm) is always built optimised; PROFILE=release (default: dev) also
# optimises the host side (storage, hashing), which the weights include, and
# PROFILE=production builds the node as validators run it (LTO; the weights a release
# should carry; the build alone takes about half an hour from cold on 2 cores).
#
#   scripts/bench/benchmark.sh [STEPS] [REPEAT]      (defaults: 20 steps, 5 repeats)
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib.sh
steps="${1:-20}"
repeat="${2:-5}"
profile="${PROFILE:-dev}"
dir=$([ "$profile" = dev ] && echo debug || echo "$profile")
cargo build --locked --profile "$profile" -p mindnet-node --features runtime-benchmarks
cp "$CARGO_TARGET_DIR/$dir/mindnet-node" "$CARGO_TARGET_DIR/$dir/mindnet-node-benchmarks"
run_bench() {
  "$CARGO_TARGET_DIR/$dir/mindnet-node-benchmarks" benchmark pallet \
    --chain dev --steps "$steps" --repeat "$repeat" --wasm-execution compiled \
    --heap-pages 4096 "$@"
}
bench() {
  local out="$1"; shift
  run_bench --pallet pallet_mindnet --template scripts/templates/weight-template.hbs --output "$out" "$@"
}
# The runtime's other benchmarked pallets, with the CLI's own template (a `WeightInfo<T>`
# struct implementing the pallet's trait).
for pallet in frame_system pallet_timestamp; do
  run_bench --pallet "$pallet" --extrinsic '*' --output "runtime/src/weights/$pallet.rs"
done
run_bench --pallet pallet_validator_set --extrinsic '*' --template scripts/templates/weight-template.hbs \
  --output pallets/validator-set/src/weights.rs
run_bench --pallet pallet_grandpa --extrinsic '*' --template scripts/templates/grandpa-weights.hbs \
  --output runtime/src/weights/pallet_grandpa.rs
# Two groups, because a run's repeat count applies to all of its benchmarks: the calls and
# the per-unit epoch steps, and the epoch's whole-network steps up to MaxNeurons (65,536
# neurons, each run filling 14 vectors of that size), which are slower to set up.
parts=$(mktemp -d)
bench "$parts/calls.rs" --extrinsic add_stake,remove_stake,remove_all_stake,index_coldkey_position,set_weights,commit_weights,reveal_weights,serve_axon,create_network,set_parameter,set_take,set_epoch_budget,register,epoch_start,epoch_block,epoch_gather,epoch_consensus,epoch_credit,epoch_credit_copied,epoch_first_row,epoch_second_row,epoch_bond_page
bench "$parts/vectors.rs" --extrinsic epoch_vector_read,epoch_vector_write,epoch_stake,epoch_rank,epoch_emission,epoch_order
scripts/bench/merge-weights.py pallets/mindnet/src/weights.rs "$parts/calls.rs" "$parts/vectors.rs"
rm -rf "$parts"
echo "wrote pallets/mindnet/src/weights.rs and runtime/src/weights/"
