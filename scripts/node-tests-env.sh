# Sourced by the scripts that drive nodes from tests/*.js (localnet.sh, fault-test.sh,
# load.sh), from the repository root: exports CARGO_TARGET_DIR and MINDNET_NODE (the node
# binary, which must be built), and installs the JS test dependencies if they are missing.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/mindnet-target}"
export MINDNET_NODE="${MINDNET_NODE:-$CARGO_TARGET_DIR/debug/mindnet-node}"
[ -x "$MINDNET_NODE" ] || { echo "no node binary at $MINDNET_NODE: run 'cargo build -p mindnet-node' first" >&2; exit 1; }
[ -d tests/node_modules/@polkadot/api ] || scripts/setup.sh
