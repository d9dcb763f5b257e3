#!/usr/bin/env bash
# mbench's runner against ONNX Runtime (npm onnxruntime-node) in one run: same ONNX files, same
# inputs, same thread counts. Prints p50 latencies and the ratio mbench/ORT (below 1: mbench is
# faster). Zoo models are exported with BatchNorm folded, as deployed models are.
# usage: scripts/bench-vs-ort.sh [BUILD_DIR]   (after scripts/build.sh)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
"$root/scripts/install-ort.sh" "$build/ort"
export NODE_PATH="$build/ort/node_modules"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
declare -a models
for zoo in mobilenet_v2 mobilenet_v3_large resnet18 resnet50 efficientnet_b0; do
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
printf '%-22s %7s %12s %12s %8s %9s\n' model threads "mbench ms" "ORT ms" ratio "spread"
for entry in "${models[@]}"; do
  IFS='|' read -r name path shape <<< "$entry"
  input=${shape%%=*}
  mkdir -p "$work/$name"
  for threads in 1 2; do
    ort=$(node "$root/bench/ort_run.js" "$path" --shape "$shape" --make-inputs "$work/$name" \
            --threads "$threads" --runs 20 --min-secs 2)
    mb=$("$build/mbench" run "$path" --input-shape "$shape" --input "$input=$work/$name/$input.npy" \
            --threads "$threads" --runs 20 --min-secs 2 --format json)
    node -e "
      const o = $ort, m = $mb;
      const p = m.latency_ms.p50, q = o.p50_ms;
      console.log('$name'.padEnd(22), String($threads).padStart(7), p.toFixed(2).padStart(12),
                  q.toFixed(2).padStart(12), (p / q).toFixed(2).padStart(8),
                  (100 * m.latency_ms.std / p).toFixed(1).padStart(8) + '%');"
  done
done
