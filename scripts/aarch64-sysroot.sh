#!/usr/bin/env bash
# Unpacks Debian's arm64 builds of mbench's libraries into a folder (default
# build-aarch64/sysroot) for the cross build (cmake/aarch64-linux-gnu.cmake). Packages are fetched
# with `apt-get download` and unpacked with `dpkg-deb -x`, never installed: several arm64 -dev
# packages of Debian 12 cannot be installed beside their amd64 twins (libcpuinfo-dev and
# libonnxifi ship the same file with different contents), and the host's package state stays as
# it was. Needs the arm64 architecture in apt's sources (scripts/install-deps.sh adds it).
# Idempotent: a sysroot made from the same package versions is kept.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
sysroot=${1:-$root/build-aarch64/sysroot}

packages=(
  libxnnpack-dev:arm64 libxnnpack0:arm64             # the runner's kernels (NEON paths on ARM)
  libpthreadpool-dev:arm64 libpthreadpool0:arm64     # XNNPACK's thread pool
  libcpuinfo-dev:arm64 libcpuinfo0:arm64             # CPU identity (clusters, uarch, caches)
  libonnx-dev:arm64 libonnx1:arm64 libonnxifi:arm64  # the ONNX reader (onnxifi: its CMake package)
  libprotobuf-dev:arm64 libprotobuf32:arm64 libprotobuf-lite32:arm64  # behind libonnx
  zlib1g:arm64 zlib1g-dev:arm64                      # behind libprotobuf
  libflatbuffers-dev:arm64 libflatbuffers2:arm64     # the TFLite reader
  libsqlite3-dev:arm64 libsqlite3-0:arm64            # results databases (calibrate on the device)
  libgtest-dev:arm64 libgmock-dev:arm64              # the runner tests that run under qemu
  nlohmann-json3-dev libcli11-dev                    # header-only, architecture-independent
)

# The versions apt would fetch now; the sysroot is rebuilt when they change.
want=$(apt-cache policy "${packages[@]}" 2>/dev/null | awk '/^[^ ]/ {p=$1} /Candidate:/ {print p, $2}')
if [ -f "$sysroot/.packages" ] && [ "$(cat "$sysroot/.packages")" = "$want" ]; then
  echo "aarch64-sysroot: $sysroot is up to date"
  exit 0
fi
if echo "$want" | grep -q '(none)'; then
  echo "aarch64-sysroot: apt knows no arm64 packages; run scripts/install-deps.sh (it adds the" \
       "arm64 architecture)" >&2
  exit 1
fi

debs=$(mktemp -d)
trap 'rm -rf "$debs"' EXIT
(cd "$debs" && chmod 777 . && apt-get download -q "${packages[@]}" >/dev/null)
rm -rf "$sysroot"
mkdir -p "$sysroot"
for deb in "$debs"/*.deb; do dpkg-deb -x "$deb" "$sysroot"; done
echo "$want" > "$sysroot/.packages"
echo "aarch64-sysroot: unpacked ${#packages[@]} packages into $sysroot"
