#!/usr/bin/env bash
# `mbench serve` end to end, as a team meets it: import a published table, grade a model, start
# the server, upload a run with `mbench run --upload`, read it back from /api/v1/runs, then load
# every dashboard page in headless Chromium at a laptop's and a phone's width and check that the
# seeded numbers are on the page and that hostile names are shown as text. Screenshots are kept
# in BUILD/screenshots/.
#   browser_test.sh BUILD_DIR SOURCE_DIR
set -u
unset COLUMNS  # reports fit $COLUMNS; this test reads them at full width
build=$1
src=$2
mbench=$build/mbench
shots=$build/screenshots
work=$(mktemp -d /tmp/mbench_browser.XXXXXX)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "browser_test: $*" >&2
  exit 1
}
chrome=$(command -v chromium || command -v chromium-browser || true)
[ -n "$chrome" ] || fail "chromium is not installed (scripts/install-deps.sh installs it)"
mkdir -p "$shots"
db=$work/results.db

# --- seed: a published table, predictions, and a model whose name is an attack ---------------
"$mbench" db import "$src/data/latency/measurements.csv" --kind mbench --db "$db" >/dev/null ||
  fail "db import failed"
"$mbench" grade zoo:mobilenet_v2 --db "$db" >/dev/null 2>&1 || fail "grade --db failed"
hostile='<img src=x onerror=alert(1)>'
cat >"$work/hostile.csv" <<EOF
device_id,compute_unit,runtime,precision,threads,cluster,model_ref,width,resolution,input_shape,latency_ms,source
pixel3,cpu,tflite,fp32,1,,$hostile,,,,12.5,browser test (2026-12-01)
EOF
"$mbench" db import "$work/hostile.csv" --kind mbench --db "$db" >/dev/null || fail "hostile import failed"
token=$("$mbench" serve token add browser-test --db "$db" 2>/dev/null) || fail "token add failed"

# --- serve on a free port --------------------------------------------------------------------
"$mbench" serve --db "$db" --listen 127.0.0.1:0 >"$work/serve.out" 2>"$work/serve.err" &
server_pid=$!
for _ in $(seq 1 100); do
  grep -q "http://" "$work/serve.out" 2>/dev/null && break
  sleep 0.1
done
port=$(sed -nE 's|.*http://127\.0\.0\.1:([0-9]+)/.*|\1|p' "$work/serve.out")
[ -n "$port" ] || fail "mbench serve did not say where it listens: $(cat "$work/serve.err")"
url=http://127.0.0.1:$port

# A GET through bash's /dev/tcp: no curl needed.
http_get() {
  exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
  printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$1" >&3
  cat <&3
  exec 3<&-
}

# --- upload a measurement and read it back ---------------------------------------------------
"$mbench" run zoo:mobilenet_v2 --per-layer --runs 3 --min-secs 0.2 --upload "$url" \
  --token "$token" >/dev/null 2>"$work/run.err" || fail "run --upload failed: $(tail -1 "$work/run.err")"
run_id=$(sed -nE 's/.*uploaded to .* as run ([0-9]+).*/\1/p' "$work/run.err")
[ -n "$run_id" ] || fail "run --upload did not report a run id: $(tail -1 "$work/run.err")"
runs=$(http_get "/api/v1/runs?limit=1")
echo "$runs" | grep -q "\"run_id\":$run_id," || fail "GET /api/v1/runs does not list run $run_id"
p50=$(echo "$runs" | sed -nE 's/.*"p50_ms":([0-9.eE+-]+).*/\1/p')
[ -n "$p50" ] || fail "no p50_ms in /api/v1/runs"
# The dashboard prints it as ms() does: 2 decimals from 1 to 10 ms, 1 from 10 to 100, else 0
# or 3; either neighbour of a tie is accepted (JavaScript and printf break ties differently).
shown=$(awk -v v="$p50" 'BEGIN {
  d = v >= 100 ? 0 : v >= 10 ? 1 : v >= 1 ? 2 : 3; s = 10 ^ d
  printf "%.*f ms|%.*f ms", d, int(v * s) / s, d, int(v * s + 1) / s }')

# --- every page at two widths ----------------------------------------------------------------
# check PAGE WIDTH EXPECTED...: loads url#PAGE, saves a screenshot, and greps the rendered DOM.
checks=0
check() {
  local page=$1 width=$2
  shift 2
  local name
  name=$(echo "$page" | sed -E 's|^/||; s|[/?].*||')
  name=${name:-leaderboard}
  local dom=$work/${name}_$width.html
  local flags=(--headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run
               --user-data-dir="$work/profile" --virtual-time-budget=15000
               --window-size="$width,1200")
  "$chrome" "${flags[@]}" --dump-dom "$url/#$page" >"$dom" 2>>"$work/chrome.err" ||
    fail "chromium could not load #$page"
  grep -q "data-ready=\"" "$dom" || fail "#$page at $width px never finished loading"
  grep -q 'class="error"' "$dom" && fail "#$page at $width px shows an error: $(grep -o 'class="error">[^<]*' "$dom")"
  for want in "$@"; do
    grep -qE -- "$want" "$dom" || fail "#$page at $width px does not show '$want'"
  done
  "$chrome" "${flags[@]}" --screenshot="$shots/${name}_$width.png" "$url/#$page" \
    >/dev/null 2>>"$work/chrome.err" || fail "no screenshot of #$page"
  [ -s "$shots/${name}_$width.png" ] || fail "empty screenshot of #$page"
  checks=$((checks + 1))
}

for width in 1400 400; do
  # The seeded table: MobileNetV2 on the Pixel 3 with TFLite on 1 CPU thread was measured at
  # 61.3 ms (the imported row), and the uploaded run is this host's.
  check "/?model=zoo:mobilenet_v2" $width "Leaderboard" "Google Pixel 3" "61\\.3 ms" "$shown"
  check "/accuracy" $width "Predicted vs measured" "pixel1" "within \\+/-10%"
  check "/runs" $width "Runs" "#$run_id" "&lt;img src=x onerror=alert\\(1\\)&gt;"
  check "/run/$run_id" $width "Run #$run_id: zoo:mobilenet_v2" "$shown" "Time by op type" "conv"
  check "/history?model=zoo:mobilenet_v2" $width "A model over time" "$shown"
  check "/devices" $width "Device profiles" "cpu/tflite/fp32/1t" "pixel3" "Devices in this database"
done
# The attack stays text: no element the hostile name would have made.
for dom in "$work"/*.html; do
  grep -q '<img src="x"' "$dom" && fail "$(basename "$dom"): the hostile model name became markup"
done
echo "browser_test: $checks page loads passed; run $run_id (p50 $p50 ms) uploaded and shown;" \
  "screenshots in $shots"
