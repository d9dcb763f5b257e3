#!/usr/bin/env bash
# Every test from a fresh Debian 12 machine: install dependencies, build (Release, -Werror),
# then run the whole CTest suite (unit, integration with real npm models, end-to-end CLI).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
cd "$root/build"
ctest --output-on-failure -j"$(nproc)"
