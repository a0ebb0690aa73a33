#!/usr/bin/env bash
# Regenerates client/metadata/mindnet.scale (the runtime's metadata V16, from which
# mindnet-client's typed API is generated) from the runtime in this checkout.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib.sh
mkdir -p client/metadata
MINDNET_WRITE_METADATA=1 SKIP_WASM_BUILD=1 cargo test --locked -p mindnet-runtime --test metadata
echo "wrote client/metadata/mindnet.scale ($(wc -c < client/metadata/mindnet.scale) bytes)"
