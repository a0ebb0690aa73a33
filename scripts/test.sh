#!/usr/bin/env bash
# The project's test command: set-up, format check, the build, then two lanes at once:
#   compile lane (niced, so the nodes of the other lane keep their slots): the pallets and
#     runtime with `runtime-benchmarks` and `try-runtime` (one build for both features),
#     clippy, and the workspace's tests;
#   node lane: a four-validator local network, the fault test, and the end-to-end tests
#     (each test file against its own `mindnet-node --dev`, the files at once);
# and last the Rust tests the compile lane built. Each step prints its output and its time
# when it ends; a table of every step's time and the total close the run.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

run_dir=$(mktemp -d /tmp/mindnet-test.XXXXXX)
lanes=()
# On exit, interrupted or not: each lane runs in its own process group (job control), which
# is stopped with everything it started (cargo, nodes, learners) before the logs go.
stop_lanes() {
  local pid
  for pid in "${lanes[@]}"; do kill -- "-$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$run_dir"
}
trap stop_lanes EXIT
trap 'exit 130' INT TERM
start=$SECONDS

# The pallets and runtime built once with both features: their benchmarks run as tests
# and every pallet's try_state is checked after every block (runtime/tests/validators.rs),
# and try-runtime's upgrade checks run on the local chain's genesis (runtime/tests/try_upgrade.rs).
featured=(-p pallet-mindnet -p pallet-validator-set -p mindnet-runtime
  --features runtime-benchmarks,try-runtime)

# run_step TITLE COMMAND...: runs COMMAND with its output in a log; when it ends, prints the
# log and the time under a lock (the two lanes' steps never interleave) and records the time.
run_step() {
  local title=$1; shift
  local log t0=$SECONDS status=0
  log=$(mktemp "$run_dir/step.XXXXXX")
  "$@" >"$log" 2>&1 </dev/null || status=$?
  {
    flock 9
    printf '\n==> %s\n' "$title"
    cat "$log"
    if [ "$status" -eq 0 ]; then
      echo "    ($(( SECONDS - t0 )) s)"
    else
      echo "    ($(( SECONDS - t0 )) s, FAILED: exit status $status)"
    fi
    printf '%6d s  %s%s\n' "$(( SECONDS - t0 ))" "$title" "$([ "$status" -eq 0 ] || echo '  (FAILED)')" \
      >>"$run_dir/times"
  } 9>"$run_dir/print.lock"
  return "$status"
}

# The binaries the node lane runs, copied: the compile lane's `cargo test` may relink them.
copy_binaries() {
  mkdir -p "$run_dir/bin"
  for bin in mindnet-node mindnet mindnet-learner; do
    cp "$CARGO_TARGET_DIR/debug/$bin" "$run_dir/bin/$bin"
  done
}

# The workspace's tests are compiled last: clippy reruns the runtime's build script, which
# would have the last step recompile the runtime and the node.
compile_lane() {
  run_step "compile the pallets and runtime with runtime-benchmarks and try-runtime" \
    env SKIP_WASM_BUILD=1 nice -n 19 cargo test --locked "${featured[@]}" --no-run &&
  run_step "cargo clippy -D warnings" \
    nice -n 19 cargo clippy --workspace --all-targets --locked -- -D warnings &&
  run_step "compile the workspace's tests (cargo test --no-run)" \
    nice -n 19 cargo test --workspace --locked --no-run
}

node_lane() {
  export MINDNET_NODE="$run_dir/bin/mindnet-node" MINDNET_CLI="$run_dir/bin/mindnet" \
    MINDNET_LEARNER="$run_dir/bin/mindnet-learner"
  run_step "four-validator local network finalises (scripts/e2e/localnet.sh --check)" \
    scripts/e2e/localnet.sh --check &&
  run_step "fault test: validators die and return, a fifth joins (scripts/e2e/fault-test.sh)" \
    scripts/e2e/fault-test.sh &&
  run_step "end-to-end tests against mindnet-node --dev (Polkadot.js, the mindnet CLI, the learner, the docs' snippets)" \
    npm --prefix tests test
}

status=0
run_step "set-up (scripts/setup.sh)" scripts/setup.sh || status=1
[ "$status" -ne 0 ] || run_step "cargo fmt --check" cargo fmt --all -- --check || status=1
[ "$status" -ne 0 ] || run_step "build (node, runtime wasm, pallets, client, learner)" \
  cargo build --workspace --locked || status=1
[ "$status" -ne 0 ] || run_step "copy the binaries the node lane runs" copy_binaries || status=1
compiled=0
if [ "$status" -eq 0 ]; then
  set -m
  compile_lane & compile=$!
  node_lane & nodes=$!
  set +m
  lanes=("$compile" "$nodes")
  if wait "$compile"; then compiled=1; else status=1; fi
  wait "$nodes" || status=1
  lanes=()
fi
# The Rust tests run whenever they compiled, even after a node lane failure.
if [ "$compiled" -eq 1 ]; then
  run_step "cargo test (the workspace)" cargo test --workspace --locked || status=1
  run_step "pallet benchmarks as tests, with runtime-benchmarks and try-runtime" \
    env SKIP_WASM_BUILD=1 cargo test --locked "${featured[@]}" --lib benchmark || status=1
  run_step "try-runtime: every pallet's try_state after every block; the upgrade's checks" \
    env SKIP_WASM_BUILD=1 cargo test --locked "${featured[@]}" --test validators \
    --test try_upgrade || status=1
fi

printf '\n==> times\n'
cat "$run_dir/times"
printf '%6d s  total%s\n' "$(( SECONDS - start ))" "$([ "$status" -eq 0 ] || echo ', FAILED')"
exit "$status"
