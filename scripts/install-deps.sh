#!/usr/bin/env bash
# Installs the system packages Agora builds against, only when one is missing, so that a
# repeated `make test` or `make run` costs nothing here. Needs root (or sudo) on a fresh machine.
set -euo pipefail

# Debian package -> a file whose presence proves it is installed.
declare -A probe=(
  [libzstd-dev]=/usr/include/zstd.h
  [libsqlite3-dev]=/usr/include/sqlite3.h
  [zlib1g-dev]=/usr/include/zlib.h
  [pkg-config]=/usr/bin/pkg-config
  # Renders the HTML run report in the test suite (a headless browser, no display needed).
  [chromium]=/usr/bin/chromium
  # Distributed runs over MPI.
  [libopenmpi-dev]=/usr/bin/mpicc
  [openmpi-bin]=/usr/bin/mpirun
)

missing=()
for pkg in "${!probe[@]}"; do
  [ -e "${probe[$pkg]}" ] || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
