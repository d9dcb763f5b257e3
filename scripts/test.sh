#!/usr/bin/env bash
# Every test from a fresh Debian 12 machine: install dependencies, build (Release, -Werror), run
# the whole CTest suite (unit, integration with real npm models, end-to-end CLI), then rebuild
# everything with AddressSanitizer + UBSan and run the suite again, so that the bad-input tests
# (random, truncated, bit-flipped and overflowing models of every format) also prove memory safety;
# then the aarch64 bundle is cross-built and its tests run under qemu (the runner's correctness
# tests, outputs compared with the x86 build's, `mbench device` against a fake adb); last, every
# libFuzzer harness (tests/fuzz/) runs 1,000 inputs from a fixed seed under clang's ASan and
# UBSan (scripts/fuzz.sh; the same inputs on every machine).
set -euo pipefail
unset COLUMNS  # reports fit $COLUMNS; the tests read them at full width
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
(cd "$root/build" && ctest --output-on-failure -j"$(nproc)")

echo "test.sh: the suite again under AddressSanitizer and UBSan"
BUILD_DIR="$root/build-asan" "$root/scripts/build.sh" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  "-DMBENCH_SANITIZE=address,undefined" -DMBENCH_BUILD_BENCHMARKS=OFF
cd "$root/build-asan"
ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  ctest --output-on-failure -j"$(nproc)"

echo "test.sh: the aarch64 bundle, its tests under qemu"
"$root/scripts/build-aarch64.sh"
(cd "$root/build-aarch64/build" && ctest --output-on-failure -j"$(nproc)")

echo "test.sh: a bounded run of every fuzz harness"
RUNS=1000 bash "$root/scripts/fuzz.sh"
