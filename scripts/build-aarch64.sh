#!/usr/bin/env bash
# Cross-builds mbench for 64-bit ARM (phones, ARM Linux boards) with Debian's g++-aarch64-linux-gnu
# and Debian's arm64 libraries, then assembles build-aarch64/mbench-aarch64/: a folder that runs
# as it is wherever it is copied, with nothing installed there (an Android phone has no glibc):
#
#   mbench             static launcher: starts bin/mbench with the folder's loader and libraries
#   bin/mbench         the real program (dynamically linked against lib/)
#   lib/               glibc's loader, libc, libstdc++, XNNPACK, pthreadpool, cpuinfo, ONNX, ...
#   BUNDLE             what is inside and the SHA-256 `mbench device` caches the folder by
#
# Also builds the runner tests that run under qemu (ctest in build-aarch64/build).
# Extra arguments go to CMake's configure step. Env: BUILD_TESTS=0 builds the bundle only.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${AARCH64_DIR:-$root/build-aarch64}
sysroot=$out/sysroot
build=$out/build
bundle=$out/mbench-aarch64

bash "$root/scripts/aarch64-sysroot.sh" "$sysroot"
cmake -S "$root" -B "$build" -DCMAKE_TOOLCHAIN_FILE="$root/cmake/aarch64-linux-gnu.cmake" \
  -DMBENCH_AARCH64_SYSROOT="$sysroot" -DCMAKE_BUILD_TYPE=Release -DMBENCH_WERROR=ON \
  -DMBENCH_BUILD_BENCHMARKS=OFF -DMBENCH_BUILD_TESTS="$([ "${BUILD_TESTS:-1}" = 0 ] && echo OFF || echo ON)" \
  "$@" >/dev/null
cmake --build "$build" -j"$(nproc)"

# The libraries bin/mbench needs, found by following DT_NEEDED from the binary.
search=("$sysroot/usr/lib/aarch64-linux-gnu" "$sysroot/lib/aarch64-linux-gnu" /usr/aarch64-linux-gnu/lib)
find_lib() {
  for d in "${search[@]}"; do
    if [ -e "$d/$1" ]; then echo "$d/$1"; return 0; fi
  done
  echo "build-aarch64: no $1 in ${search[*]}" >&2
  return 1
}
needed() { aarch64-linux-gnu-readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }

rm -rf "$bundle"
mkdir -p "$bundle/bin" "$bundle/lib"
cp "$build/mbench" "$bundle/bin/mbench"
aarch64-linux-gnu-strip "$bundle/bin/mbench"
cp "$build/bundle/mbench_launcher" "$bundle/mbench"
aarch64-linux-gnu-strip "$bundle/mbench"
queue=("$bundle/bin/mbench")
while [ "${#queue[@]}" -gt 0 ]; do
  file=${queue[0]}
  queue=("${queue[@]:1}")
  for lib in $(needed "$file"); do
    [ -e "$bundle/lib/$lib" ] && continue
    cp -L "$(find_lib "$lib")" "$bundle/lib/$lib"
    queue+=("$bundle/lib/$lib")
  done
done
cp -L "$(find_lib ld-linux-aarch64.so.1)" "$bundle/lib/ld-linux-aarch64.so.1"
aarch64-linux-gnu-strip --strip-unneeded "$bundle"/lib/*.so* 2>/dev/null || true

{
  echo "mbench aarch64 bundle"
  echo "commit $(git -C "$root" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)"
  (cd "$bundle" && find . -type f ! -name BUNDLE | LC_ALL=C sort | xargs sha256sum)
} > "$bundle/BUNDLE.tmp"
echo "sha256 $(sha256sum < "$bundle/BUNDLE.tmp" | cut -c1-64)" >> "$bundle/BUNDLE.tmp"
mv "$bundle/BUNDLE.tmp" "$bundle/BUNDLE"
echo "build-aarch64: $bundle ($(du -sh "$bundle" | cut -f1), $(ls "$bundle/lib" | wc -l) libraries)"
