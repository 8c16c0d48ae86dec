#!/usr/bin/env bash
# Runs the Python analysis package's tests in a virtual environment under analysis/.venv, made (and
# its packages installed from PyPI) the first time. Needs the agora binary: AGORA_BINARY, else the
# debug build.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=analysis/.venv
if [ ! -x "$venv/bin/pytest" ] || [ analysis/pyproject.toml -nt "$venv/.installed" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -e 'analysis[test]'
  touch "$venv/.installed"
fi
AGORA_BINARY="${AGORA_BINARY:-$PWD/.build/debug/agora}" "$venv/bin/pytest" -q analysis/tests
