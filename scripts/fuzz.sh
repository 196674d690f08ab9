#!/bin/sh
# Builds the libFuzzer targets (fuzz/) with clang, ASan and UBSan into ${BUILD_DIR:-build-fuzz}
# and runs each for a while. New corpus entries go to BUILD_DIR/corpus/<area> (the checked-in
# seeds in fuzz/corpus and the reproducers in fuzz/crashes are read, never written); crashes are
# written to BUILD_DIR/artifacts/<area>/ — copy a reproducer to fuzz/crashes/<area>/ so that every
# build replays it from then on (ctest: fuzz_*_corpus).
#
# Usage: scripts/fuzz.sh [--long] [--time SECONDS] [TARGET...]
#   default: 60 s per target (what CI runs); --long: 1800 s per target.
#   TARGET: fuzz_strace_log, fuzz_log_stages, fuzz_rules, fuzz_fix (default: all four).
# Exit status: 0 when no target found anything, 1 otherwise, 2 on a usage or build error.
set -eu
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build-fuzz}
seconds=60
targets=""
while [ $# -gt 0 ]; do
  case "$1" in
    --long) seconds=1800 ;;
    --time) shift; seconds=${1:?--time needs seconds} ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    fuzz_strace_log|fuzz_log_stages|fuzz_rules|fuzz_fix) targets="$targets $1" ;;
    *) echo "fuzz.sh: unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done
targets=${targets:-fuzz_strace_log fuzz_log_stages fuzz_rules fuzz_fix}

if ! command -v clang++ >/dev/null 2>&1; then
  echo "fuzz.sh: clang++ not found (scripts/setup.sh installs clang-14)" >&2
  exit 2
fi
# -fno-sanitize-recover: UBSan findings abort, so libFuzzer stops and saves the input.
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DCULPRIT_FUZZ=ON -DCULPRIT_SANITIZE=address,undefined -DCULPRIT_TESTS=OFF \
  -DCMAKE_CXX_FLAGS="-fno-sanitize-recover=all" >/dev/null
# shellcheck disable=SC2086  # word splitting of the target list is intended
ninja -C "$BUILD_DIR" $targets

status=0
for t in $targets; do
  area=${t#fuzz_}
  extra=""
  max_len=8192
  case "$area" in
    strace_log) extra="samples"; max_len=32768 ;;
    log_stages) extra="samples/pasted/logs"; max_len=16384 ;;
    rules) extra="rules"; max_len=16384 ;;
  esac
  mkdir -p "$BUILD_DIR/corpus/$area" "$BUILD_DIR/artifacts/$area"
  dict=""
  if [ -f "fuzz/$area.dict" ]; then dict="-dict=fuzz/$area.dict"; fi
  if [ "$area" = log_stages ]; then dict="-dict=fuzz/strace_log.dict"; fi
  # Read-only seed directories that exist (git keeps no empty fuzz/crashes/<area>).
  seeds=""
  for d in "fuzz/corpus/$area" "fuzz/crashes/$area" $extra; do
    if [ -d "$d" ]; then seeds="$seeds $d"; fi
  done
  log="$BUILD_DIR/artifacts/$area/last-run.log"
  echo "fuzz.sh: $t for ${seconds}s (log: $log)" >&2
  # ASan: leaks are findings too; allocator_may_return_null keeps a huge allocation request a
  # reported error rather than a hard abort with no input saved.
  # shellcheck disable=SC2086
  if ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
     UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
     "$BUILD_DIR/fuzz/$t" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=2560 \
       -max_len="$max_len" -print_final_stats=1 $dict \
       -artifact_prefix="$BUILD_DIR/artifacts/$area/" \
       "$BUILD_DIR/corpus/$area" $seeds \
       >"$log" 2>&1; then
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    echo "fuzz.sh: $t: no crash (${execs:-?} executions)" >&2
  else
    status=1
    echo "fuzz.sh: $t FOUND A PROBLEM; tail of $log:" >&2
    tail -n 40 "$log" >&2
    find "$BUILD_DIR/artifacts/$area" -type f ! -name last-run.log >&2
    echo "fuzz.sh: copy them to fuzz/crashes/$area/ once understood" >&2
  fi
done
exit $status
