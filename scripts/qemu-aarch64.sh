#!/usr/bin/env bash
# Runs the aarch64 bundle's mbench (scripts/build-aarch64.sh) on an x86 machine under Debian's
# qemu-user: `bash scripts/qemu-aarch64.sh run zoo:mobilenet_v2 --runs 1`. Goes through the
# bundle's own launcher, as a phone does; qemu-aarch64 is called explicitly, so binfmt_misc is
# not needed. Timings under emulation say nothing about any ARM CPU.
# Env: MBENCH_AARCH64_BUNDLE picks another bundle folder.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bundle=${MBENCH_AARCH64_BUNDLE:-$root/build-aarch64/mbench-aarch64}
if [ ! -x "$bundle/mbench" ]; then
  echo "qemu-aarch64: no bundle at $bundle (build it with scripts/build-aarch64.sh)" >&2
  exit 2
fi
if ! command -v qemu-aarch64 >/dev/null 2>&1; then
  echo "qemu-aarch64: qemu-aarch64 not found (Debian package qemu-user; scripts/install-deps.sh)" >&2
  exit 2
fi
MBENCH_EXEC_WRAPPER=qemu-aarch64 exec qemu-aarch64 "$bundle/mbench" "$@"
