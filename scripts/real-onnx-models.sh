#!/usr/bin/env bash
# Real ONNX models from public npm packages, each through mbench and ONNX Runtime (npm
# onnxruntime-node) on the same inputs and thread count: whether mbench counts it completely,
# whether it runs, how its outputs compare, the latency ratio (median of REPEAT interleaved
# rounds), start-up time and peak memory of each. Writes the table between the
# real-models:begin/end markers of docs/real-models.md.
# usage: [REPEAT=3] scripts/real-onnx-models.sh [BUILD_DIR]   (after scripts/build.sh; downloads
#        about 150 MB of npm packages into BUILD_DIR/real-models once)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
mbench=$build/mbench
store=$build/real-models
mkdir -p "$store"
"$root/scripts/install-ort.sh" "$build/ort"
export NODE_PATH="$build/ort/node_modules"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
repeat=${REPEAT:-3}

# shellcheck source=scripts/lib-real-models.sh
. "$root/scripts/lib-real-models.sh"
fetch_real_models "$store" "$work"

# name | file | input flags (NAME:=v fixes a value) | what it exercises
models=(
  "silero_vad_legacy|$vad/dist/silero_vad_legacy.onnx|input=1,512 h=2,1,64 c=2,1,64 sr:=16000|If on the sample rate, LSTM, 1-D convolutions, reflect padding"
  "silero_vad_v5|$vad/dist/silero_vad_v5.onnx|input=1,512 state=2,1,128 sr:=16000|nested Ifs on computed shapes, pads built by F.pad's export, LSTM"
  "isnet fp16 (imgly medium)|$store/isnet_fp16.onnx|input=1,3,1024,1024|fp16 weights, Casts stored after their readers, Resize sizes from Shape"
  "isnet dynamic int8 (imgly small)|$store/isnet_dynamic_int8.onnx|input=1,3,1024,1024|DynamicQuantizeLinear, ConvInteger"
  "PP-OCRv4 det|$ocr/assets/ch_PP-OCRv4_det_infer.onnx|x=1,3,640,640|DB text detector"
  "PP-OCRv4 rec|$ocr/assets/ch_PP-OCRv4_rec_infer.onnx|x=1,3,48,320|SVTR recognizer"
)

median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2)}'; }
json() { node -e "const j = JSON.parse(require('fs').readFileSync(0)); console.log($1)"; }
mib() { awk -v b="$1" 'BEGIN { printf "%.0f", b / 1048576 }'; }

table=$work/table.md
{
  echo "| model | exercises | counted | runs | outputs vs ORT (max abs diff / max abs) | mbench / ORT latency, 1 thread | init ms (mbench / ORT) | peak RSS MiB (mbench / ORT) |"
  echo "|---|---|---|---|---:|---:|---:|---:|"
} > "$table"
for entry in "${models[@]}"; do
  IFS='|' read -r name file flags what <<< "$entry"
  dir=$work/$(echo "$name" | tr -c 'A-Za-z0-9\n' '_')
  mkdir -p "$dir/in" "$dir/ort" "$dir/mb"
  ort_args=() mb_shape=() mb_in=()
  for flag in $flags; do
    if [[ $flag == *:=* ]]; then
      ort_args+=(--value "${flag/:=/=}")
      mb_shape+=(--input-value "${flag/:=/=}")
    else
      ort_args+=(--shape "$flag")
      mb_shape+=(--input-shape "$flag")
      mb_in+=(--input "${flag%%=*}=$dir/in/${flag%%=*}.npy")
    fi
  done
  counted=$("$mbench" analyze "$file" "${mb_shape[@]}" --format json 2>/dev/null |
            json "j.totals.complete ? 'complete' : 'incomplete'" || echo "refused")
  ratios=() mb_init="" mb_rss="" ort_init="" ort_rss="" runs="yes" diff="-"
  for ((r = 0; r < repeat; r++)); do
    ort=$(node "$root/bench/ort_run.js" "$file" "${ort_args[@]}" --make-inputs "$dir/in" \
            --save-outputs "$dir/ort" --threads 1 --runs 3 --min-secs 1)
    if ! mb=$("$mbench" run "$file" "${mb_shape[@]}" "${mb_in[@]}" --save-outputs "$dir/mb" \
               --threads 1 --runs 3 --min-secs 1 --format json 2> "$dir/err"); then
      runs="no: $(tail -1 "$dir/err" | sed 's/.*error: //; s/|/\\|/g')"
      break
    fi
    ratios+=("$(node -e "const a = $mb, b = $ort; console.log(a.latency_ms.p50 / b.p50_ms)")")
    mb_init=$(echo "$mb" | json 'j.init_ms.toFixed(0)')
    mb_rss=$(mib "$(echo "$mb" | json 'j.peak_rss_bytes')")
    ort_init=$(echo "$ort" | json 'j.init_ms.toFixed(0)')
    ort_rss=$(mib "$(echo "$ort" | json 'j.max_rss_bytes')")
  done
  ratio="-" init="-" rss="-"
  if [ "$runs" = yes ]; then
    worst=0
    diff=""
    for out in "$dir/ort"/*.npy; do
      c=$(node "$root/bench/ort_run.js" --compare "$dir/mb/$(basename "$out")" "$out")
      diff+="${diff:+, }$(basename "$out" .npy) $(echo "$c" | json "j.max_abs.toPrecision(2) + ' / ' + j.max_ref.toPrecision(2)")"
    done
    ratio=$(printf '%s\n' "${ratios[@]}" | median | xargs printf '%.2f')
    ratio+=" ($(printf '%s\n' "${ratios[@]}" | sort -g | head -1 | xargs printf '%.2f')-$(printf '%s\n' "${ratios[@]}" | sort -g | tail -1 | xargs printf '%.2f'))"
    init="$mb_init / $ort_init"
    rss="$mb_rss / $ort_rss"
  fi
  echo "| $name | $what | $counted | $runs | $diff | $ratio | $init | $rss |" >> "$table"
  echo "real-onnx-models: $name done" >&2
done
{
  echo "Measured $(date -u +%Y-%m-%d) on $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
       "$(nproc) cores; ONNX Runtime $(node -e "console.log(require('onnxruntime-node/package.json').version)")," \
       "$repeat interleaved rounds (ratio: median, range)."
  echo
  cat "$table"
} > "$work/block.md"
doc=$root/docs/real-models.md
awk -v file="$work/block.md" '
  /^<!-- real-models:begin -->$/ { print; while ((getline line < file) > 0) print line; skip = 1; next }
  /^<!-- real-models:end -->$/ { skip = 0 }
  !skip { print }
' "$doc" > "$doc.tmp" && mv "$doc.tmp" "$doc"
echo "real-onnx-models: updated $doc" >&2
