#!/usr/bin/env bash
# Checks the dependency direction of STYLE.md 3.2: every #include "<part>/..." in a part's
# sources must name a part that part may use, and third-party parser types stay in their files.
set -u
root=${1:-.}
cd "$root" || exit 1
allowed() {
  case "$1" in
    core) echo "core" ;;
    analyzer|device_profiles|db) echo "core $1" ;;
    estimator) echo "core analyzer device_profiles estimator" ;;
    runner) echo "core analyzer runner" ;;
    calibration) echo "core analyzer device_profiles db estimator runner calibration" ;;
    device) echo "core analyzer device_profiles db estimator runner calibration device" ;;
    report) echo "core analyzer device_profiles db estimator runner calibration report" ;;
    server) echo "core device_profiles db report server" ;;
    cli) echo "core analyzer device_profiles db estimator runner calibration device report server cli" ;;
    *) echo "" ;;
  esac
}
fail=0
for part in core analyzer device_profiles db estimator runner calibration device report server cli; do
  [ -d "$part" ] || continue
  ok=" $(allowed "$part") "
  while IFS= read -r line; do
    file=${line%%:*}
    inc=$(echo "$line" | sed -E 's/.*#include "([a-z_]+)\/.*/\1/')
    case "$inc" in core|analyzer|device_profiles|db|estimator|runner|calibration|device|report|server|cli) ;;
      *) continue ;;
    esac
    if [[ "$ok" != *" $inc "* ]]; then
      echo "deps_test: $file includes $inc/, which $part/ may not use" >&2
      fail=1
    fi
  done < <(grep -rn '#include "' "$part" --include='*.h' --include='*.cc' --include='*.in')
done
# protobuf/onnx types only in the format adapters analyzer/*_reader.cc and analyzer/*_writer.cc.
while IFS= read -r f; do
  case "$f" in analyzer/*_reader.cc|analyzer/*_writer.cc) ;; *)
    echo "deps_test: $f includes onnx/protobuf headers outside analyzer/*_{reader,writer}.cc" >&2
    fail=1 ;;
  esac
done < <(grep -rlE '#include [<"](onnx|google/protobuf)/' core analyzer cli 2>/dev/null)
# XNNPACK, pthreadpool and cpuinfo only inside runner/ (runner/plan_impl.h, which names them, is
# included by runner/ alone: see below).
while IFS= read -r f; do
  case "$f" in runner/*) ;; *)
    echo "deps_test: $f includes XNNPACK/pthreadpool/cpuinfo outside runner/" >&2
    fail=1 ;;
  esac
done < <(grep -rlE '#include [<"](xnnpack|pthreadpool|cpuinfo)\.h' core analyzer device_profiles estimator calibration report cli runner 2>/dev/null)
# SQLite only inside db/.
while IFS= read -r f; do
  case "$f" in db/*) ;; *)
    echo "deps_test: $f includes sqlite3.h outside db/" >&2
    fail=1 ;;
  esac
done < <(grep -rlE '#include [<"]sqlite3\.h' core analyzer device_profiles estimator calibration report cli runner db 2>/dev/null)
# libpqxx only in the PostgreSQL store.
while IFS= read -r f; do
  case "$f" in db/postgres_store.cc) ;; *)
    echo "deps_test: $f includes libpqxx outside db/postgres_store.cc" >&2
    fail=1 ;;
  esac
done < <(grep -rlE '#include [<"](pqxx/|libpq-fe\.h)' core analyzer device_profiles estimator calibration report cli runner db 2>/dev/null)
# db/store.h is db/'s own: no other part reaches past Database to the engines.
while IFS= read -r f; do
  echo "deps_test: $f includes db/store.h, which is internal to db/" >&2
  fail=1
done < <(grep -rl '#include "db/store.h"' core analyzer device_profiles estimator calibration report server cli runner 2>/dev/null)
# runner/plan_impl.h and runner/passes, runner/ops are the runner's insides.
while IFS= read -r f; do
  case "$f" in runner/*) ;; *)
    echo "deps_test: $f includes the runner's internal headers" >&2
    fail=1 ;;
  esac
done < <(grep -rlE --include='*.h' --include='*.cc' '#include "runner/(plan_impl\.h|passes/|ops/)' core analyzer device_profiles db estimator calibration report cli tests bench 2>/dev/null)
# analyzer/ncnn_internal.h is the ncnn reader's own.
while IFS= read -r f; do
  case "$f" in analyzer/ncnn_*.cc) ;; *)
    echo "deps_test: $f includes analyzer/ncnn_internal.h, the ncnn reader's own" >&2
    fail=1 ;;
  esac
done < <(grep -rl --include='*.h' --include='*.cc' '#include "analyzer/ncnn_internal.h"' core analyzer device_profiles db estimator runner calibration report cli tests bench 2>/dev/null)
# cpp-httplib only in the server's HTTP files (and its tests and benchmark).
while IFS= read -r f; do
  case "$f" in server/server.cc|server/client.cc|tests/server/*|bench/serve_bench.cc) ;; *)
    echo "deps_test: $f includes httplib.h outside server/ (and its tests and benchmark)" >&2
    fail=1 ;;
  esac
done < <(grep -rlE --include='*.h' --include='*.cc' '#include [<"]httplib\.h' core analyzer device_profiles db estimator runner calibration device report server cli tests bench 2>/dev/null)
if [ "$fail" -eq 0 ]; then echo "deps_test: dependency direction ok"; fi
exit $fail
