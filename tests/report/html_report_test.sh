#!/usr/bin/env bash
# `mbench grade --format html` as a phone team receives it: opened in headless Chromium at a
# laptop's width and a phone's, the page shows the summary, the latency chart with its legend
# and scale, the fallback ops, and each device's kernels, and at 400 px nothing runs off the
# side. Screenshots are kept in BUILD/screenshots/grade_*.png.
#   html_report_test.sh BUILD_DIR
set -u
unset COLUMNS  # reports fit $COLUMNS; this test reads them at full width
build=$1
mbench=$build/mbench
shots=$build/screenshots
work=$(mktemp -d /tmp/mbench_html.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() {
  echo "html_report_test: $*" >&2
  exit 1
}
chrome=$(command -v chromium || command -v chromium-browser || true)
[ -n "$chrome" ] || fail "chromium is not installed (scripts/install-deps.sh installs it)"
mkdir -p "$shots"

"$mbench" grade zoo:mobilenet_v2 --target-fps 30 --format html -o "$work/cpu.html" 2>/dev/null
[ -s "$work/cpu.html" ] || fail "grade --format html wrote nothing"
# The newest device's latency as every report prints it: the Markdown table's column.
pixel4_ms=$("$mbench" grade zoo:mobilenet_v2 --format md 2>/dev/null |
  awk -F' [|] ' '$1 == "| Google Pixel 4" {print $4}')
[ -n "$pixel4_ms" ] || fail "grade --format md has no Google Pixel 4 row"
# Kirin 970's NPU cannot run hard-swish: MobileNetV3 sends it back to the CPU.
"$mbench" grade zoo:mobilenet_v3_large --compute npu --format html -o "$work/npu.html" \
  2>/dev/null || fail "grade --compute npu --format html failed"

# VGG-16 on the GPUs: from a 2023 flagship to a 2013 iPhone, more than 100x apart.
"$mbench" grade zoo:vgg16 --compute gpu --format html -o "$work/gpu.html" 2>/dev/null ||
  fail "grade --compute gpu --format html failed"

# Self-contained: no script, nothing fetched from elsewhere.
for page in cpu npu gpu; do
  html=$work/$page.html
  grep -qi "<script" "$html" && fail "$page.html holds a script"
  grep -qiE "(src|href)=['\"]?(https?:)?//" "$html" && fail "$page.html loads something from elsewhere"
  grep -q "name='viewport'" "$html" || fail "$page.html has no viewport: phones would zoom out"
done

checks=0
# render PAGE WIDTH: the DOM after layout, with whether the page is wider than the window
# (a copy of the page gets one line of script that writes it down; the report itself has none).
render() {
  local page=$1 width=$2
  sed 's|</body>|<script>document.body.dataset.overflow = String(document.documentElement.scrollWidth > window.innerWidth);</script></body>|' \
    "$work/$page.html" >"$work/${page}_probe.html"
  local flags=(--headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run
               --user-data-dir="$work/profile" --window-size="$width,1600")
  "$chrome" "${flags[@]}" --dump-dom "file://$work/${page}_probe.html" >"$work/${page}_$width.dom" \
    2>>"$work/chrome.err" || fail "chromium could not load $page.html"
  grep -q 'data-overflow="false"' "$work/${page}_$width.dom" ||
    fail "$page.html at $width px is wider than the window"
  "$chrome" "${flags[@]}" --screenshot="$shots/grade_${page}_$width.png" "file://$work/$page.html" \
    >/dev/null 2>>"$work/chrome.err" || fail "no screenshot of $page.html"
  [ -s "$shots/grade_${page}_$width.png" ] || fail "empty screenshot of $page.html at $width px"
  checks=$((checks + 1))
}
expect() {
  local dom=$1
  shift
  for want in "$@"; do
    grep -qE -- "$want" "$dom" || fail "$(basename "$dom") does not show '$want'"
  done
}

for width in 1400 400; do
  render cpu $width
  dom=$work/cpu_$width.dom
  # The Fritz-style summary, then the chart: linear from 0 with its legend and the gate.
  expect "$dom" "Compatible" "runs on 8 of 8 runtimes" "MFLOPs" "Parameters" \
    "200 MB cellular download limit" "Linear scale from 0 ms" "predicted latency" \
    "90% interval" "below 30 FPS" ">0</span>" "Google Pixel 4" "${pixel4_ms//./\\.} ms"
  # Each device's kernels, the first open, with the class legend and every kernel in a table.
  expect "$dom" "Where the time goes" "<details open" "depthwise convolution" \
    "pointwise \\(1x1\\) convolution" "Every kernel \\([0-9]+\\)" "conv19"
  expect "$dom" "None: on every device above"
  render npu $width
  expect "$work/npu_$width.dom" "Ops falling back to the CPU" "hard_swish" "falls back to the CPU" \
    "CPU \\(fallback\\)"
  render gpu $width
  # Latencies more than 100x apart: a log axis with dots, which the note says.
  expect "$work/gpu_$width.dom" "Logarithmic scale" "class=\"dot"
done
echo "html_report_test: $checks renders passed; screenshots in $shots/grade_*.png"
