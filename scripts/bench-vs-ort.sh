#!/usr/bin/env bash
# mbench's runner against ONNX Runtime (npm onnxruntime-node) in one run: same ONNX files, same
# inputs, same thread counts. Prints p50 latencies and the ratio mbench/ORT (below 1: mbench is
# faster). Zoo models are exported with BatchNorm folded, as deployed models are.
# The host this runs on may drift by 10-20% over minutes, so each (model, threads) pair is
# measured REPEAT times (default 3), ORT and mbench alternating; the table gives the median of
# each side's p50s, their ratio, and the range of the per-repeat ratios.
# usage: [REPEAT=N] scripts/bench-vs-ort.sh [BUILD_DIR]   (after scripts/build.sh)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
"$root/scripts/install-ort.sh" "$build/ort"
export NODE_PATH="$build/ort/node_modules"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
declare -a models
for zoo in mobilenet_v2 mobilenet_v3_large resnet18 resnet50 efficientnet_b0 vit_tiny_16; do
  "$build/mbench" zoo export "$zoo" --fold-bn -o "$work/$zoo.onnx" > /dev/null
  models+=("$zoo|$work/$zoo.onnx|image=1,3,224,224")
done
while IFS=$'\t' read -r name path; do
  case "$name" in
    ppocr_v4_det) models+=("$name|$path|x=1,3,640,640") ;;
    ppocr_v4_rec) models+=("$name|$path|x=1,3,48,320") ;;
    ppocr_mobile_v2_cls) models+=("$name|$path|x=1,3,48,192") ;;
  esac
done < <("$root/scripts/fetch-models.sh" "$build/models")
repeat=${REPEAT:-3}
printf '%-22s %7s %10s %10s %7s %13s %8s\n' model threads "mbench ms" "ORT ms" ratio "ratio range" spread
for entry in "${models[@]}"; do
  IFS='|' read -r name path shape <<< "$entry"
  input=${shape%%=*}
  mkdir -p "$work/$name"
  for threads in 1 2; do
    pairs=()
    for ((r = 0; r < repeat; r++)); do
      ort=$(node "$root/bench/ort_run.js" "$path" --shape "$shape" --make-inputs "$work/$name" \
              --threads "$threads" --runs 20 --min-secs 2)
      mb=$("$build/mbench" run "$path" --input-shape "$shape" --input "$input=$work/$name/$input.npy" \
              --threads "$threads" --runs 20 --min-secs 2 --format json)
      pairs+=("{\"ort\": $ort, \"mb\": $mb}")
    done
    list=$(IFS=,; echo "[${pairs[*]}]")
    node -e "
      const runs = $list;
      const median = (v) => { const s = [...v].sort((a, b) => a - b); const n = s.length;
                              return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2; };
      const p = median(runs.map((r) => r.mb.latency_ms.p50));
      const q = median(runs.map((r) => r.ort.p50_ms));
      const ratios = runs.map((r) => r.mb.latency_ms.p50 / r.ort.p50_ms);
      const spread = median(runs.map((r) => 100 * r.mb.latency_ms.std / r.mb.latency_ms.p50));
      console.log('$name'.padEnd(22), String($threads).padStart(7), p.toFixed(2).padStart(10),
                  q.toFixed(2).padStart(10), (p / q).toFixed(2).padStart(7),
                  (Math.min(...ratios).toFixed(2) + '-' + Math.max(...ratios).toFixed(2)).padStart(13),
                  spread.toFixed(1).padStart(7) + '%');"
  done
done
