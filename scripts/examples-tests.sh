#!/usr/bin/env bash
# Builds the examples package (examples/: outside packages' code, depending on this checkout by
# path) and runs its tests, so that a change to Agora's public API that breaks an outside package
# fails here. Its build folder is its own (examples/.build): the first build compiles Agora again.
set -euo pipefail
cd "$(dirname "$0")/../examples"
swift build --build-tests
swift test --skip-build --disable-xctest
