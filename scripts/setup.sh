#!/usr/bin/env bash
# Installs everything a fresh Debian/Ubuntu machine needs to build and test Mindnet:
# protobuf-compiler (litep2p's build script), the Rust wasm targets and rust-src (the
# runtime's WebAssembly build), Chromium (the dashboard's browser test), and the
# JavaScript test dependencies (@polkadot/api, playwright-core).
# Safe to run again: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v protoc >/dev/null 2>&1 || need_apt+=(protobuf-compiler)
command -v node >/dev/null 2>&1 || need_apt+=(nodejs)
command -v npm >/dev/null 2>&1 || need_apt+=(npm)
command -v cc >/dev/null 2>&1 || need_apt+=(build-essential)
# Debian's Chromium (Ubuntu's is a snap: set CHROMIUM to a Chromium or Chrome binary).
[ -n "${CHROMIUM:-}" ] || command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing ${need_apt[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if ! command -v rustup >/dev/null 2>&1; then
  echo "setup: rustup is required (https://rustup.rs); install it and run this again" >&2
  exit 1
fi
installed_targets=$(rustup target list --installed)
for target in wasm32v1-none wasm32-unknown-unknown; do
  grep -qx "$target" <<<"$installed_targets" || rustup target add "$target"
done
rustup component list --installed | grep -q '^rust-src' || rustup component add rust-src
rustup component list --installed | grep -q '^clippy' || rustup component add clippy
rustup component list --installed | grep -q '^rustfmt' || rustup component add rustfmt

if [ ! -d tests/node_modules/@polkadot/api ] || [ ! -d tests/node_modules/playwright-core ]; then
  echo "setup: installing the end-to-end tests' npm packages"
  (cd tests && npm ci --no-audit --no-fund --loglevel=error)
fi
echo "setup: done"
