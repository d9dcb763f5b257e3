#!/usr/bin/env bash
# `mbench device` end to end against tests/device/fake_adb.sh.
# Usage: device_test.sh SOURCE_DIR MBENCH [BUNDLE_DIR]
# Without a bundle: every failure case (missing adb, no device, an unauthorized device, a full
# /data/local/tmp, a non-ARM device, a phone lost mid-run), with a stand-in bundle; nothing may
# be stored. With the aarch64 bundle (scripts/build-aarch64.sh), run under qemu: list -> run ->
# store -> throttled run -> calibrate -> grade with the phone's profile -> refine.
set -uo pipefail
unset COLUMNS  # reports fit $COLUMNS; this test reads them at full width
src=$1 mbench=$2 bundle=${3:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export FAKE_ADB_DIR=$work/adb
adb=$src/tests/device/fake_adb.sh
failed=0
fail() { echo "FAIL: $*"; failed=1; }
ok() { echo "ok   $*"; }
new_phones() {
  rm -rf "$FAKE_ADB_DIR"; mkdir -p "$FAKE_ADB_DIR"; : > "$FAKE_ADB_DIR/devices"
}
# expect_error NAME PATTERN COMMAND...: non-zero exit, last stderr line an error matching PATTERN.
expect_error() {
  local name=$1 pattern=$2
  shift 2
  "$@" > "$work/out" 2> "$work/err"
  local rc=$?
  local last
  last=$(tail -n 1 "$work/err")
  if [ $rc -ne 0 ] && [[ "$last" == *"error:"* ]] && [[ "$last" == *$pattern* ]]; then
    ok "$name: $last"
  else
    fail "$name (exit $rc): $(cat "$work/err")"
  fi
}
runs_in() {  # number of runs stored in an SQLite results database
  "$mbench" db query devices --db "$1" --format csv 2>/dev/null | awk -F, 'NR > 1 {n += $5} END {print n + 0}'
}

if [ -z "$bundle" ]; then
  bundle=$work/stand-in-bundle
  mkdir -p "$bundle/bin" "$bundle/lib"
  printf '#!/bin/sh\nexit 0\n' > "$bundle/mbench"
  cp "$bundle/mbench" "$bundle/bin/mbench"
  cp "$bundle/mbench" "$bundle/lib/ld-linux-aarch64.so.1"
  printf 'mbench aarch64 bundle\nsha256 0123\n' > "$bundle/BUNDLE"
  run=(device run zoo:mobilenet_v2 --adb "$adb" --bundle "$bundle" --runs 1 --warmup 0)

  expect_error "missing adb" "adb not found" "$mbench" device list --adb "$work/no/adb"
  new_phones
  expect_error "no device" "no phone attached" "$mbench" "${run[@]}"
  bash "$src/tests/device/make_phone.sh" "$FAKE_ADB_DIR" UNAUTH1 Google "Pixel 4" SM8150 \
    arm64-v8a unauthorized
  expect_error "unauthorized" "has not authorized this computer" "$mbench" "${run[@]}"
  "$mbench" device list --adb "$adb" > "$work/list" 2>&1 || fail "list with an unauthorized phone"
  grep -q "UNAUTH1.*unauthorized" "$work/list" && ok "list shows the unauthorized phone" ||
    fail "list: $(cat "$work/list")"

  new_phones
  bash "$src/tests/device/make_phone.sh" "$FAKE_ADB_DIR" X86PHONE Acme Tablet X1234 x86_64
  expect_error "non-ARM device" "not arm64-v8a" "$mbench" "${run[@]}" --db "$work/x86.db"
  [ ! -e "$work/x86.db" ] || [ "$(runs_in "$work/x86.db")" = 0 ] || fail "non-ARM stored runs"

  new_phones
  bash "$src/tests/device/make_phone.sh" "$FAKE_ADB_DIR" FULL1 Google "Pixel 4" SM8150
  touch "$FAKE_ADB_DIR/FULL1/full"
  expect_error "full /data/local/tmp" "no space left in /data/local/tmp" \
    "$mbench" "${run[@]}" --db "$work/full.db"
  [ "$(runs_in "$work/full.db")" = 0 ] && ok "full: nothing stored" || fail "full: runs stored"

  new_phones
  bash "$src/tests/device/make_phone.sh" "$FAKE_ADB_DIR" GONE1 Google "Pixel 4" SM8150
  echo "mbench 'run'" > "$FAKE_ADB_DIR/GONE1/disconnect_on"
  expect_error "disconnect mid-run" "went away" "$mbench" "${run[@]}" --db "$work/gone.db"
  [ "$(runs_in "$work/gone.db")" = 0 ] && ok "disconnect: nothing stored" ||
    fail "disconnect: runs stored"
  expect_error "two phones, no --serial" "pick one with --serial" bash -c "
    bash '$src/tests/device/make_phone.sh' '$FAKE_ADB_DIR' A1 Google 'Pixel 4' SM8150
    bash '$src/tests/device/make_phone.sh' '$FAKE_ADB_DIR' A2 Google 'Pixel 4' SM8150
    '$mbench' ${run[*]}"
  expect_error "unknown serial" "no phone NOPE attached" "$mbench" "${run[@]}" --serial NOPE
  exit $failed
fi

# The whole loop on two phones: one the shipped pixel4 profile knows, one nobody profiled.
new_phones
bash "$src/tests/device/make_phone.sh" "$FAKE_ADB_DIR" P4SERIAL Google "Pixel 4" SM8150
bash "$src/tests/device/make_phone.sh" "$FAKE_ADB_DIR" NEW9 FakeCo "Fake 9" ZZ9999
db=$work/results.db
dev=(--adb "$adb" --bundle "$bundle")
once=(--warmup 0 --runs 1 --min-secs 0)

"$mbench" device list "${dev[@]:0:2}" > "$work/list" 2>&1 || fail "list: $(cat "$work/list")"
grep -q "P4SERIAL.*Google Pixel 4.*QTI SM8150.*arm64-v8a.*Android 14.*1x1.79 + 1x2.84 GHz.*pixel4" \
  "$work/list" && ok "list: the Pixel 4 with its clusters and profile" || fail "list: $(cat "$work/list")"
grep -q "NEW9.*no profile" "$work/list" && ok "list: an unknown phone has no profile" ||
  fail "list: $(cat "$work/list")"

"$mbench" device run zoo:mobilenet_v2 --resolution 96 --serial P4SERIAL "${dev[@]}" "${once[@]}" \
  --threads 1 --cores big --db "$db" > "$work/run.json" 2> "$work/run.err" ||
  fail "run: $(tail -3 "$work/run.err")"
node - "$work/run.json" <<'JS' && ok "run: JSON with latency and the device object" || fail "run JSON: $(head -c 600 "$work/run.json")"
const assert = require("assert");
const r = JSON.parse(require("fs").readFileSync(process.argv[2], "utf8"));
const d = r.device;
assert(r.latency_ms.p50 > 0);
assert(d.serial === "P4SERIAL" && d.profile === "pixel4" && d.id === "pixel4");
assert(d.logical_processors >= 1);  // the phone's own cpuinfo view is kept
assert.deepStrictEqual(d.cpus, [1]);
assert(d.cores === "big");
assert(d.before.cpus[1].governor === "schedutil");
assert(d.before.thermal[0].celsius === 41);
assert(d.throttled === false && d.stored.runs === 1);
JS
grep -q "installed the aarch64 bundle" "$work/run.err" && ok "run: bundle installed" ||
  fail "run: no install line: $(cat "$work/run.err")"
"$mbench" db query devices --db "$db" > "$work/q" 2>&1
grep -q "pixel4.*Google Pixel 4.*QTI SM8150" "$work/q" && ok "db query shows the phone's identity" ||
  fail "db query: $(cat "$work/q")"

# --upload: the run goes to an mbench serve (here on a free loopback port) with a token.
serve_db=$work/served.db
token=$("$mbench" serve token add device-test --db "$serve_db" 2>/dev/null) || fail "token add"
"$mbench" serve --db "$serve_db" --listen 127.0.0.1:0 > "$work/serve.out" 2> "$work/serve.err" &
serve_pid=$!
for _ in $(seq 1 100); do grep -q "http://" "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
port=$(sed -nE 's|.*http://127\.0\.0\.1:([0-9]+)/.*|\1|p' "$work/serve.out")
[ -n "$port" ] || fail "serve did not start: $(cat "$work/serve.err")"
mkdir -p "$work/elsewhere"
(cd "$work/elsewhere" && "$mbench" device run zoo:mobilenet_v2 --resolution 96 --serial P4SERIAL \
  "${dev[@]}" "${once[@]}" --upload "http://127.0.0.1:$port" --token "$token" \
  > "$work/up.json" 2> "$work/up.err") || fail "run --upload: $(tail -3 "$work/up.err")"
[ ! -e "$work/elsewhere/results.db" ] && ok "run without --db stores nothing locally" ||
  fail "run without --db wrote results.db"
kill "$serve_pid"; wait "$serve_pid" 2>/dev/null
grep -q "uploaded 1 run to" "$work/up.err" && ok "run --upload: one run posted" ||
  fail "run --upload: $(cat "$work/up.err")"
"$mbench" db query devices --db "$serve_db" > "$work/q" 2>&1
grep -q "pixel4.*Google Pixel 4.*QTI SM8150.* 1 " "$work/q" && ok "run --upload: stored on the server as the phone" ||
  fail "served db: $(cat "$work/q")"

# Again, throttled: the phone's cap on cpu1 falls during the run; the bundle is not pushed again.
cat > "$FAKE_ADB_DIR/P4SERIAL/after_run.sh" <<'SH'
echo 1996800 > "$1/sys/devices/system/cpu/cpu1/cpufreq/scaling_max_freq"
SH
"$mbench" device run zoo:mobilenet_v2 --resolution 96 --serial P4SERIAL "${dev[@]}" "${once[@]}" \
  > "$work/run2.json" 2> "$work/run2.err" || fail "run 2: $(tail -3 "$work/run2.err")"
grep -q "already on the phone" "$work/run2.err" && ok "run 2: bundle cached by hash" ||
  fail "run 2: $(cat "$work/run2.err")"
node - "$work/run2.json" <<'JS' && ok "run 2: the throttled run says so" || fail "run 2 JSON"
const d = JSON.parse(require("fs").readFileSync(process.argv[2], "utf8")).device;
if (!(d.throttled === true && d.notes[0].includes("2841 to 1996 MHz"))) process.exit(1);
JS
rm -f "$FAKE_ADB_DIR/P4SERIAL/after_run.sh"

# Calibrate the unprofiled phone (a few small probes, two small models: emulation is slow),
# then use the profile.
"$mbench" device calibrate --serial NEW9 "${dev[@]}" --db "$db" --out "$work/new9.json" \
  --probes dw3x3_s2_14_ --probes fc_192_768 --probes conv1x1_s1_16_96 --probes conv1x1_s1_64_32 \
  --probes add_14_96 --probes gap_7_1280 --threads 1 --probe-secs 0 --model-secs 0 \
  --model "zoo:mobilenet_v3_small --resolution 64" --model "zoo:squeezenet1_1 --resolution 64" \
  > "$work/cal.out" 2> "$work/cal.err" || fail "calibrate: $(tail -5 "$work/cal.err")"
grep -q "stored calibration" "$work/cal.out" && ok "calibrate: calibration stored" ||
  fail "calibrate: $(cat "$work/cal.out")"
"$mbench" grade zoo:mobilenet_v2 --profile "$work/new9.json" > "$work/grade" 2>&1 &&
  grep -q "Fake 9" "$work/grade" && ok "grade --profile accepts the phone's profile" ||
  fail "grade --profile: $(cat "$work/grade")"
"$mbench" grade zoo:mobilenet_v2 --db "$db" --device phone-fakeco-fake-9 > "$work/grade2" 2>&1 &&
  ok "grade --db uses the phone's calibration" || fail "grade --db: $(cat "$work/grade2")"
"$mbench" refine --db "$db" --device phone-fakeco-fake-9 > "$work/refine" 2>&1 &&
  ok "refine works on the phone's stored runs" || fail "refine: $(cat "$work/refine")"
exit $failed
