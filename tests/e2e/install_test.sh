#!/usr/bin/env bash
# `cmake --install` and the .deb: an installed mbench finds its profiles and data under its own
# prefix (not the source tree it was built from), $MBENCH_HOME overrides that, and fit-profiles
# never writes into the installed files by default.
#   install_test.sh BUILD_DIR
set -u
unset COLUMNS  # reports fit $COLUMNS; this test reads them at full width
build=$1
work=$(mktemp -d /tmp/mbench_install.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() {
  echo "install_test: $*" >&2
  exit 1
}
prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" >"$work/install.log" 2>&1 ||
  fail "cmake --install failed: $(tail -3 "$work/install.log")"
mbench=$prefix/bin/mbench
[ -x "$mbench" ] || fail "no $mbench"
[ -f "$prefix/share/mbench/device_profiles/pixel3.json" ] || fail "profiles not installed"
[ -f "$prefix/share/mbench/data/latency/measurements.csv" ] || fail "data not installed"
grep -q "complete .*-F _mbench mbench" "$prefix/share/bash-completion/completions/mbench" ||
  fail "bash completion not installed"

# The installed binary reads the installed profiles.
"$mbench" grade zoo:mobilenet_v2 --device pixel3 --format json >"$work/grade.json" 2>"$work/err" ||
  fail "grade: $(cat "$work/err")"
grep -q "\"profile\": \"$prefix/share/mbench/device_profiles/pixel3.json\"" "$work/grade.json" ||
  fail "the installed mbench did not read its own profiles: $(grep -o '"profile": "[^"]*' "$work/grade.json" | head -1)"
# The installed data too: validate reads data/ beside the profiles.
"$mbench" db import "$prefix/share/mbench/data/latency/measurements.csv" --db "$work/r.db" \
  >/dev/null 2>"$work/err" || fail "import of the installed data: $(cat "$work/err")"

# $MBENCH_HOME overrides the prefix.
mkdir -p "$work/home"
cp -r "$prefix/share/mbench/device_profiles" "$prefix/share/mbench/data" "$work/home/"
MBENCH_HOME=$work/home "$mbench" grade zoo:mobilenet_v2 --device pixel3 --format json \
  >"$work/grade2.json" 2>"$work/err" || fail "grade with MBENCH_HOME: $(cat "$work/err")"
grep -q "\"profile\": \"$work/home/device_profiles/pixel3.json\"" "$work/grade2.json" ||
  fail "MBENCH_HOME was not used"

# Nothing installed is rewritten by default: fit-profiles wants an output folder.
before=$(sha256sum "$prefix/share/mbench/device_profiles/pixel3.json")
"$mbench" fit-profiles >/dev/null 2>&1 && fail "fit-profiles without -o should refuse"
[ "$(sha256sum "$prefix/share/mbench/device_profiles/pixel3.json")" = "$before" ] ||
  fail "an installed profile changed"

# The .deb holds the same layout under /usr.
if command -v dpkg-deb >/dev/null && command -v dpkg-shlibdeps >/dev/null; then
  (cd "$build" && cpack -G DEB -B "$work/deb" >"$work/cpack.log" 2>&1) ||
    fail "cpack -G DEB failed: $(tail -5 "$work/cpack.log")"
  deb=$(ls "$work"/deb/*.deb 2>/dev/null | head -1)
  [ -n "$deb" ] || fail "cpack wrote no .deb"
  dpkg-deb -c "$deb" >"$work/deb.list"
  for f in ./usr/bin/mbench ./usr/share/mbench/device_profiles/pixel3.json \
    ./usr/share/mbench/data/latency/measurements.csv \
    ./usr/share/bash-completion/completions/mbench; do
    grep -q " $f\$" "$work/deb.list" || fail "$deb lacks $f"
  done
  dpkg-deb -f "$deb" Depends | grep -q "libc6" || fail "$deb declares no library dependencies"
  echo "install_test: $(basename "$deb") ok"
fi
echo "install_test: installed mbench reads its own profiles and data; MBENCH_HOME overrides"
