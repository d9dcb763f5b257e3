#!/usr/bin/env bash
# Fuzzes every reader of outside bytes with libFuzzer (clang, AddressSanitizer + UBSan): the
# ONNX, TFLite and ncnn readers, the .npy reader, the profile parser and the table importers.
# Builds the harnesses into build-fuzz/ (tests/fuzz/), seeds each from real files (ONNX's backend
# test models, the npm MediaPipe models, the shipped ncnn .param files, profiles, the published
# latency table) and runs each for SECS seconds. A finding stops that harness and is kept in
# build-fuzz/findings/<target>/; make it a regression test (tests/e2e/hostile_test.cc).
# Usage: [SECS=60] bash scripts/fuzz.sh [onnx tflite ncnn profile npy import]
#        RUNS=N bash scripts/fuzz.sh ...   (N inputs per harness from a fixed seed: what
#                                           scripts/test.sh runs, the same on every machine)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build-fuzz}
secs=${SECS:-60}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(onnx tflite ncnn profile npy import)
command -v clang++ >/dev/null || { echo "fuzz.sh: clang++ not installed (apt-get install clang)" >&2; exit 1; }
CC=clang CXX=clang++ cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DMBENCH_FUZZ=ON -DMBENCH_BUILD_TESTS=OFF -DMBENCH_BUILD_BENCHMARKS=OFF \
  "-DMBENCH_SANITIZE=address,undefined,fuzzer-no-link" > /dev/null
cmake --build "$build" -j"$(nproc)" --target $(printf '%s_fuzz ' "${targets[@]}") > /dev/null
seeds=$build/seeds
mkdir -p "$seeds"
seed() {  # seed TARGET FILES...
  local dir=$seeds/$1; shift
  mkdir -p "$dir"
  # Named by content, so a seed has the same name (and the run the same order) on every machine.
  for f in "$@"; do [ -f "$f" ] && cp "$f" "$dir/$(md5sum < "$f" | cut -c1-16)"; done
  return 0
}
seed onnx $(find /usr/share/libonnx-testdata/data/node -name model.onnx 2>/dev/null | sort | head -400)
models=$("$root/scripts/fetch-models.sh" "$root/build/models" 2>/dev/null || true)
seed tflite $(echo "$models" | awk -F'\t' '$2 ~ /\.tflite$/ {print $2}')
seed ncnn "$root"/data/ncnn_params/*.param
seed profile "$root"/device_profiles/*.json
# Tables of a few dozen rows: a whole published table per input would spend the run parsing it.
mkdir -p "$seeds/import"
head -n 40 "$root/data/latency/measurements.csv" > "$seeds/import/measurements_head.csv"
mkdir -p "$seeds/npy"
printf '\x93NUMPY\x01\x00\x46\x00{'"'"'descr'"'"': '"'"'<f4'"'"', '"'"'fortran_order'"'"': False, '"'"'shape'"'"': (2,), }          \n\x00\x00\x80\x3f\x00\x00\x00\x40' > "$seeds/npy/two"
status=0
passed=0
failed=0
for t in "${targets[@]}"; do
  findings=$build/findings/$t
  mkdir -p "$findings" "$build/corpus/$t"
  if [ -n "${RUNS:-}" ]; then echo "fuzz.sh: $t: $RUNS inputs"; else echo "fuzz.sh: $t: ${secs}s"; fi
  if [ -n "${RUNS:-}" ]; then
    budget=(-runs="$RUNS" -seed=1)
    corpus=()  # start from the seeds alone, so the run is the same everywhere
  else
    budget=(-max_total_time="$secs")
    corpus=("$build/corpus/$t")
  fi
  if ! ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1 \
       UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
       "$build/fuzz/${t}_fuzz" "${budget[@]}" -rss_limit_mb=2048 -timeout=10 \
       -max_len="$([ "$t" = import ] && echo 16384 || echo 1048576)" \
       -artifact_prefix="$findings/" -print_final_stats=1 \
       "${corpus[@]}" "$seeds/$t" 2> "$build/$t.log"; then
    status=1
    echo "fuzz.sh: $t found something: $(ls "$findings")" >&2
    tail -n 30 "$build/$t.log" >&2
  fi
  grep -E 'stat::number_of_executed_units|stat::average_exec_per_sec' "$build/$t.log" | sed "s/^/  $t /"
  if [ -n "$(ls -A "$findings")" ]; then failed=$((failed + 1)); else passed=$((passed + 1)); fi
done
echo "fuzz: $passed passed, $failed failed"
exit $status
