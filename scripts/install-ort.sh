#!/usr/bin/env bash
# Installs ONNX Runtime for Node (npm onnxruntime-node) into DIR/node_modules: mbench's test
# oracle and benchmark peer, never a dependency of mbench itself. Its install script downloads
# GPU binaries from GitHub, which this project may not reach; the CPU library ships inside the
# npm package, so scripts are skipped. Idempotent.
set -euo pipefail
dir=${1:?usage: install-ort.sh DIR}
version=1.20.1
mkdir -p "$dir"
if [ -f "$dir/node_modules/onnxruntime-node/package.json" ] &&
   grep -q "\"version\": \"$version\"" "$dir/node_modules/onnxruntime-node/package.json"; then
  exit 0
fi
cd "$dir"
[ -f package.json ] || echo '{"name": "mbench-ort-peer", "private": true}' > package.json
npm install --no-audit --no-fund --ignore-scripts --loglevel=error "onnxruntime-node@$version" >&2
