#!/usr/bin/env bash
# Builds the outside packages and runs their tests, so that a change to Agora's public API that
# breaks one fails here:
#  - examples/ (depending on this checkout by path): a model and a trader kind of its own;
#  - a package `agora new model` writes, built and tested exactly as generated.
# Each has its own build folder: the first build of each compiles Agora again.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root/examples"
swift build --build-tests
swift test --skip-build --disable-xctest

scaffold="$(mktemp -d)/voter"
trap 'rm -rf "$(dirname "$scaffold")"' EXIT
"$root/.build/debug/agora" new model voter --dir "$scaffold" --agora "$root"
cd "$scaffold"
swift build --build-tests
swift test --skip-build --disable-xctest
AGORA_CATALOG="$scaffold/catalog.sqlite" .build/debug/voter-agora run scenarios/voter.yaml --ticks 20 --quiet
