#!/usr/bin/env bash
# Predicts the real npm models (data/models/manifest.tsv) with a profile of this host, then
# measures them, and prints predicted vs measured per model and the accuracy per thread count.
# None of these models is in the zoo or in any fit: they stand for "models outside the project".
# Usage: [CALIBRATION_DB=results.db] scripts/predict-real-models.sh PROFILE.json [WORKDIR]
#   PROFILE.json: a profile of this host (`mbench calibrate --out`, `mbench refine --out`)
#   CALIBRATION_DB: the results database `mbench calibrate` stored its runs in; with it, the
#     comparison is also given with the host's drift since calibration taken out, measured on
#     control runs of calibrate's models between the measurements (scripts/lib-controls.sh).
# Each model is measured in three rounds, each run in its own process; the median counts.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
mbench=${MBENCH:-$root/build/mbench}
profile=${1:?usage: predict-real-models.sh PROFILE.json [WORKDIR]}
work=${2:-$(mktemp -d)}
mkdir -p "$work"
db=$work/real-models.db
rm -f "$db" "$db-wal" "$db-shm"
threads=(1)
[ "$(nproc)" -gt 1 ] && threads+=("$(nproc)")

# name, path and input shape of every model in the manifest (fetched once, sha256-checked)
declare -A paths
while IFS=$'\t' read -r name path; do paths[$name]=$path; done < <("$root/scripts/fetch-models.sh")
declare -A shapes
while IFS=$'\t' read -r name _ _ _ input; do
  case "$name" in ''|'#'*|name) continue ;; esac
  shapes[$name]=$input
done < "$root/data/models/manifest.tsv"

for name in $(printf '%s\n' "${!paths[@]}" | sort); do
  args=("${paths[$name]}")
  if [ "${shapes[$name]}" != "-" ]; then
    for flag in ${shapes[$name]}; do args+=(--input-shape "$flag"); done
  fi
  for t in "${threads[@]}"; do
    if ! "$mbench" grade "${args[@]}" --profile "$profile" --threads "$t" --db "$db" \
         --format json >/dev/null 2>"$work/err"; then
      echo "skipped $name ($t threads): $(tail -1 "$work/err")"
      continue
    fi
  done
done
source "$root/scripts/lib-controls.sh"
rounds=$work/rounds.tsv
: > "$rounds"
for round in 1 2 3; do
  for name in $(printf '%s\n' "${!paths[@]}" | sort); do
    args=("${paths[$name]}")
    if [ "${shapes[$name]}" != "-" ]; then
      for flag in ${shapes[$name]}; do args+=(--input-shape "$flag"); done
    fi
    for t in "${threads[@]}"; do
      measure_with_control "$rounds" "$round" "${args[@]}" --threads "$t" --db "$db"
    done
  done
done
[ -n "${CALIBRATION_DB:-}" ] && record_calibrated_controls "$CALIBRATION_DB" >> "$rounds"

"$mbench" db query predicted-vs-measured --db "$db" --format csv > "$work/predicted.csv"
node "$root/scripts/compare-with-controls.js" "$rounds" "$work/predicted.csv" "$(basename "$profile")"
