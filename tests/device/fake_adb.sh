#!/usr/bin/env bash
# A stand-in for adb in tests (`mbench device --adb tests/device/fake_adb.sh`): serves devices,
# shell, push, pull and getprop from a folder instead of a phone. $FAKE_ADB_DIR holds:
#   devices                 "SERIAL STATE" lines (state: device, unauthorized, offline)
#   SERIAL/props            getprop's output ("[key]: [value]" lines)
#   SERIAL/fs/              the phone's files: proc/cpuinfo, sys/devices/system/cpu/cpuN/...,
#                           sys/class/thermal/..., data/local/tmp/ (created as needed)
#   SERIAL/full             present: every push fails as on a full /data/local/tmp
#   SERIAL/disconnect_on    a word: the first shell command containing it loses the phone
#   SERIAL/after_run.sh     run after each command that starts the bundle (e.g. to throttle)
#   log                     every call, one line each (appended)
# Shell commands run in bash with the phone's paths moved under SERIAL/fs; a command that
# starts the bundle's mbench runs it under qemu-aarch64 (no binfmt_misc needed).
set -u
root=${FAKE_ADB_DIR:?FAKE_ADB_DIR is not set}
echo "$*" >> "$root/log"
serial=""
if [ "${1:-}" = "-s" ]; then serial=$2; shift 2; fi

state_of() { awk -v s="$1" '$1 == s {print $2}' "$root/devices" 2>/dev/null; }

if [ "${1:-}" = "devices" ]; then
  echo "List of devices attached"
  while read -r s st; do
    [ -n "$s" ] || continue
    model=$(sed -n 's/^\[ro.product.model\]: \[\(.*\)\]$/\1/p' "$root/$s/props" 2>/dev/null | tr ' ' _)
    printf '%s\t%s product:fake model:%s device:fake transport_id:1\n' "$s" "$st" "$model"
  done < "$root/devices"
  exit 0
fi

if [ -z "$serial" ]; then
  n=$(awk '$2 == "device"' "$root/devices" | wc -l)
  if [ "$n" != 1 ]; then echo "adb: more than one device/emulator" >&2; exit 1; fi
  serial=$(awk '$2 == "device" {print $1}' "$root/devices")
fi
st=$(state_of "$serial")
if [ -z "$st" ]; then echo "adb: device '$serial' not found" >&2; exit 1; fi
if [ "$st" = unauthorized ]; then
  echo "adb: device unauthorized." >&2
  echo "This adb server's \$ADB_VENDOR_KEYS is not set" >&2
  exit 1
fi
if [ "$st" != device ]; then echo "adb: device offline" >&2; exit 1; fi

phone=$root/$serial
fs=$phone/fs
mkdir -p "$fs/data/local/tmp"
map() {  # a phone path -> its place under fs/
  case "$1" in /*) echo "$fs$1" ;; *) echo "$1" ;; esac
}

case "${1:-}" in
  get-state) echo device ;;
  push)
    if [ -e "$phone/full" ]; then
      echo "adb: error: failed to copy '$2' to '$3': remote No space left on device" >&2
      exit 1
    fi
    dest=$(map "$3")
    mkdir -p "$(dirname "$dest")"
    cp -r "$2" "$dest" || exit 1
    echo "$2: 1 file pushed, 0 skipped."
    ;;
  pull)
    src=$(map "$2")
    if [ ! -e "$src" ]; then
      echo "adb: error: failed to stat remote object '$2': No such file or directory" >&2
      exit 1
    fi
    cp -r "$src" "$3" || exit 1
    echo "$2: 1 file pulled, 0 skipped."
    ;;
  shell)
    shift
    cmd="$*"
    if [ -f "$phone/disconnect_on" ] && [[ "$cmd" == *"$(cat "$phone/disconnect_on")"* ]]; then
      sed -i "/^$serial /d" "$root/devices"
      echo "error: closed" >&2
      exit 1
    fi
    starts_bundle=0
    [[ "$cmd" == /data/local/tmp/mbench/mbench\ * ]] && starts_bundle=1
    cmd=$(printf '%s' "$cmd" | sed -e "s#/data/local/tmp#$fs/data/local/tmp#g" \
      -e "s#/sys/#$fs/sys/#g" -e "s#/proc/cpuinfo#$fs/proc/cpuinfo#g")
    if [ "$starts_bundle" = 1 ]; then cmd="qemu-aarch64 $cmd"; fi
    getprop() {
      if [ $# -eq 0 ]; then cat "$phone/props"; else
        sed -n "s/^\[$1\]: \[\(.*\)\]$/\1/p" "$phone/props"; fi
    }
    export -f getprop
    export phone
    MBENCH_EXEC_WRAPPER=qemu-aarch64 bash -c "$cmd"
    rc=$?
    if [ "$starts_bundle" = 1 ] && [ -f "$phone/after_run.sh" ]; then bash "$phone/after_run.sh" "$fs"; fi
    exit $rc
    ;;
  *) echo "fake adb: unsupported command: $*" >&2; exit 1 ;;
esac
