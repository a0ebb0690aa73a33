#!/usr/bin/env bash
# The fault test (tests/faults.js): four validators on loopback; one dies and comes back,
# two die and one comes back; one equivocates (a second node with its keys) and is
# reported, disabled and removed, while a fifth joins through session keys and authors a
# block. Prints the finality gap, catch-up, resumption and equivocation timelines.
#
#   scripts/e2e/fault-test.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib.sh
need_node
exec timeout 900 node tests/faults.js
