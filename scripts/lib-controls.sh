# Control measurements for the accuracy scripts (demo-loop.sh, predict-real-models.sh), sourced
# by them. This host's speed drifts by 10-40% for minutes at a time, which no profile can know;
# so after each measured model, one of calibrate's own whole models is measured again at the
# same thread count, and scripts/compare-with-controls.js divides each round's drift out.
# Needs $mbench (the binary) and node.
control_models=(mobilenet_v1 resnet18 squeezenet1_1 shufflenet_v2)
control_next=0

# The p50 of `mbench run ... --format json` on stdin.
p50() {
  node -e 'let s = ""; process.stdin.on("data", (d) => s += d).on("end", () =>
             console.log(JSON.parse(s).latency_ms.p50));'
}

# measure_with_control ROUNDS ROUND MODEL --threads T [more mbench run flags]: measures MODEL
# (stored wherever the flags say), then the next control model at the same thread count (not
# stored), and appends both to ROUNDS.
measure_with_control() {
  local rounds=$1 round=$2 model=$3
  shift 3
  local threads=1 args=("$@") i
  for ((i = 0; i < ${#args[@]}; i++)); do
    [ "${args[i]}" = --threads ] && threads=${args[i + 1]}
  done
  local ms
  ms=$("$mbench" run "$model" "$@" --runs 20 --min-secs 1 --format json 2>/dev/null | p50)
  printf 'model\t%s\t%s\t%s\t%s\n' "$model" "$threads" "$round" "$ms" >> "$rounds"
  local control=zoo:${control_models[control_next % ${#control_models[@]}]}
  control_next=$((control_next + 1))
  ms=$("$mbench" run "$control" --threads "$threads" --runs 20 --min-secs 1 --format json \
         2>/dev/null | p50)
  printf 'control\t%s\t%s\t%s\t%s\n' "$control" "$threads" "$round" "$ms" >> "$rounds"
}

# record_calibrated_controls DB: the controls' times as `mbench calibrate` stored them in DB,
# as ROUNDS lines of round 0.
record_calibrated_controls() {
  local m
  for m in "${control_models[@]}"; do
    "$mbench" db query model-history --model "zoo:$m" --db "$1" --format csv |
      awk -F, 'NR > 1 && $13 ~ /calibrate/ {printf "calibrated\t%s\t%s\t0\t%s\n", $4, $8, $10}'
  done
}
