#!/usr/bin/env bash
# Configures and builds mbench into BUILD_DIR (default: build), Release with -Werror and
# PostgreSQL results databases.
# Extra arguments go to CMake's configure step (e.g. -DMBENCH_SANITIZE=address).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${BUILD_DIR:-$root/build}
cmake -S "$root" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DMBENCH_WERROR=ON -DMBENCH_WITH_POSTGRES=ON -DMBENCH_WITH_SERVER=ON "$@" >/dev/null
cmake --build "$build_dir" -j"$(nproc)"
