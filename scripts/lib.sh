# The scripts' shared environment, sourced from the repository root by every script that
# builds or runs what was built:
# `CARGO_TARGET_DIR` (default $HOME/.cache/mindnet-target, where every build goes) and
# `need_node`, for the scripts that drive nodes from tests/*.js.

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/mindnet-target}"

# Exports MINDNET_NODE (the node binary, default the debug build), exits with a sentence on
# what to do if it is not built, and installs the JS test dependencies if they are missing.
need_node() {
  export MINDNET_NODE="${MINDNET_NODE:-$CARGO_TARGET_DIR/debug/mindnet-node}"
  [ -x "$MINDNET_NODE" ] || {
    echo "no node binary at $MINDNET_NODE: run 'cargo build -p mindnet-node' first or set MINDNET_NODE" >&2
    exit 1
  }
  [ -d tests/node_modules/@polkadot/api ] || scripts/setup.sh
}
