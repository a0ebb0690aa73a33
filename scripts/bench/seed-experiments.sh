#!/usr/bin/env bash
# Seed 000's competitive-descent experiments (§3.2–3.3, Figures 4–6) at full size, with the
# seed's learning rate (0.005) and step limit (1000 × n); see docs/seed-experiments.md.
# Writes the tables to docs/seed-experiments/ and the figures to docs/img/seed-*.svg.
#
#   scripts/bench/seed-experiments.sh                 # 20 seeds, one thread
#   SEEDS=40 JOBS=2 scripts/bench/seed-experiments.sh # more seeds, two threads
#
# Results do not depend on JOBS. About 6½ minutes on 2 cores with the defaults (Figure 6's
# n = 64 is half of it).
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib.sh
SEEDS="${SEEDS:-20}"
JOBS="${JOBS:-1}"
data=docs/seed-experiments
img=docs/img
cargo build --locked --release -p mindnet-sim
sim() { "$CARGO_TARGET_DIR/release/mindnet-sim" "$@"; }
mkdir -p "$data" "$img"
start=$SECONDS
step() { echo "== $* ($((SECONDS - start)) s)" >&2; }

step "Figure 4: rho per alpha/tau, n = 32"
sim descent --n 32 --ratios 1,10,25,50 --seeds "$SEEDS" --jobs "$JOBS" \
  --out "$data" --figure "$img/seed-fig4-descent.svg" > /dev/null

step "Figure 4 at n = 16, random stake and i.i.d. Hessians beside equal stake"
sim descent --n 16 --ratios 1,10,25,50 --seeds "$SEEDS" --jobs "$JOBS" \
  --out "$data/n16" --figure "$img/seed-fig4-descent-n16.svg" > /dev/null
sim descent --n 16 --ratios 1,10,25,50 --seeds "$SEEDS" --jobs "$JOBS" --random-stake \
  --out "$data/n16-random-stake" --figure "$img/seed-fig4-descent-n16-random-stake.svg" > /dev/null
sim descent --n 16 --ratios 1,10,25,50 --seeds "$SEEDS" --jobs "$JOBS" --quality-spread 0 \
  --out "$data/n16-iid-hessians" --figure "$img/seed-fig4-descent-n16-iid-hessians.svg" > /dev/null

step "Figure 5: adaptive tau, n = 16"
sim adaptive --n 16 --targets 0.1,0.25,0.5,0.75 --seeds "$SEEDS" --jobs "$JOBS" \
  --out "$data" --figure "$img/seed-fig5-adaptive.svg" > /dev/null

step "Figure 6: rho against n, alpha/tau = 25"
sim scaling --ns 4,8,12,16,24,32,48,64 --ratio 25 --seeds "$SEEDS" --jobs "$JOBS" \
  --out "$data" --figure "$img/seed-fig6-scaling.svg" > /dev/null

step "done"
for f in descent n16/descent n16-random-stake/descent n16-iid-hessians/descent \
         adaptive-summary scaling; do
  echo "# $data/$f.csv"
  cat "$data/$f.csv"
done
