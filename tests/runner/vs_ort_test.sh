#!/usr/bin/env bash
# bench/vs_ort.js, the driver behind scripts/bench-vs-ort.sh: its median interval is the
# binomial order-statistics one, and a short measurement of a small model against ONNX Runtime
# gives a ratio per round, an interval around the median, both self-checks and the table.
# usage: vs_ort_test.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$1
build=$2
"$src/scripts/install-ort.sh" "$build/ort"
export NODE_PATH="$build/ort/node_modules"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "vs_ort_test: $*" >&2; exit 1; }

# 15 samples: [x_(4), x_(12)] (P(B <= 3) = 0.018 <= 0.025 < P(B <= 4)); 11: [x_(2), x_(10)];
# 5 and fewer: the range.
node -e "
  const { medianInterval, median, geomean } = require('$src/bench/vs_ort.js');
  const seq = (n) => Array.from({ length: n }, (_, i) => n - i);  // n..1, unsorted
  const eq = (a, b, what) => { if (JSON.stringify(a) !== JSON.stringify(b))
    throw new Error(what + ': ' + JSON.stringify(a) + ' != ' + JSON.stringify(b)); };
  eq(medianInterval(seq(15)), [4, 12], 'n=15');
  eq(medianInterval(seq(11)), [2, 10], 'n=11');
  eq(medianInterval(seq(5)), [1, 5], 'n=5');
  eq(median([3, 1, 2, 10]), 2.5, 'median');
  eq(Number(geomean([0.5, 2]).toFixed(12)), 1, 'geomean');
" || fail "statistics"

"$build/mbench" zoo export mobilenet_v1 --resolution 96 --width 0.25 -o "$work/m.onnx" > /dev/null
echo "[{\"name\": \"tiny\", \"file\": \"$work/m.onnx\", \"inputs\": \"image=1,3,96,96\"}]" > "$work/models.json"
node "$src/bench/vs_ort.js" --mbench "$build/mbench" --models "$work/models.json" --threads 1 \
  --rounds 3 --round-ms 20 --work "$work" --json "$work/r.json" --markdown "$work/t.md" > /dev/null
node "$src/bench/vs_ort.js" --mbench "$build/mbench" --models "$work/models.json" --threads 2 \
  --rounds 3 --round-ms 20 --work "$work" --json "$work/r.json" --markdown "$work/t.md" --append \
  > /dev/null
node -e "
  const r = JSON.parse(require('fs').readFileSync('$work/r.json', 'utf8')).results;
  if (r.length !== 2 || r[0].threads !== 1 || r[1].threads !== 2) throw new Error('2 rows, 1 and 2 threads');
  for (const x of r) {
    for (const s of [x.ratio, x.second_process, x.layers_sum]) {
      // Any positive ratio: beside other tests on two cores, two threads can wait 20x longer.
      if (!(s.median > 0 && Number.isFinite(s.median))) throw new Error('ratio ' + s.median);
      if (!(s.ci[0] <= s.median && s.median <= s.ci[1])) throw new Error('interval ' + s.ci);
    }
    if (!(x.mbench_ms > 0 && x.ort_ms > 0)) throw new Error('times');
  }" || fail "results: $(cat "$work/r.json")"
grep -q '^| tiny | 2 |' "$work/t.md" || fail "table: $(cat "$work/t.md")"
grep -q '^1 thread: geometric mean' "$work/t.md" || fail "no geometric mean: $(cat "$work/t.md")"
# A model ONNX Runtime cannot open fails in one line naming it.
echo "[{\"name\": \"bad\", \"file\": \"$work/none.onnx\", \"inputs\": \"\"}]" > "$work/bad.json"
if node "$src/bench/vs_ort.js" --mbench "$build/mbench" --models "$work/bad.json" --threads 1 \
     --rounds 3 --work "$work" 2> "$work/err"; then
  fail "a missing model passed"
fi
grep -q 'none.onnx' "$work/err" || fail "error does not name the file: $(cat "$work/err")"
echo "vs_ort_test: ok"
