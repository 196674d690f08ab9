#!/bin/sh
# Throughput benchmark of the strace log reader (`culprit replay`).
#
# Generates (once, under bench/out/, never committed) a ~500 MB log with
#   strace -f -tt -T -y -o LOG  make -j2 ...   (real multi-process work: compiling C files in a loop)
# then times, on that same file:
#   wc -l                                                         (the floor: reading the file)
#   LC_ALL=C grep -cE '= -1 E[A-Z]+'                              (counting failed lines, no more)
#   LC_ALL=C grep -E '= -1 E[A-Z]+' | grep -oE '"[^"]+"' | sort | uniq -c | sort -rn   (the baseline)
#   culprit replay --format json LOG                              (the whole run, analyzer included)
#   the reader alone, through a small driver built against libculprit_strace.a
# and prints times, MB/s, peak RSS and the ratios side by side, plus how many failures the grep
# pipeline misses because their path is on an "<unfinished ...>" line.
#
# Usage: bench/replay_bench.sh [--culprit PATH] [--build DIR] [--size MB] [--log FILE] [--regen]
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/bench/out"
build="$root/build"
culprit=""
size_mb=500
log=""
regen=0
while [ $# -gt 0 ]; do
  case "$1" in
    --culprit) culprit=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --size) size_mb=$2; shift 2 ;;
    --log) log=$2; shift 2 ;;
    --regen) regen=1; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "replay_bench: unknown option $1" >&2; exit 2 ;;
  esac
done
[ -n "$culprit" ] || culprit="$build/cli/culprit"
mkdir -p "$out"
[ -n "$log" ] || log="$out/make-f-tt-T-y.log"

for tool in strace make cc /usr/bin/time; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "replay_bench: $tool is missing; run scripts/setup.sh" >&2
    exit 2
  fi
done

# ---- the workload: a small C project with include paths that miss (failures), built in a loop ----
generate() {
  src="$out/src"
  rm -rf "$src"
  mkdir -p "$src/include" "$src/gen" "$src/empty1" "$src/empty2"
  i=0
  while [ $i -lt 24 ]; do
    cat >"$src/f$i.c" <<EOF
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include "common.h"
int f$i(const char *s) { char b[64]; snprintf(b, sizeof b, "%s-%d", s, $i); return (int)strlen(b) + COMMON; }
EOF
    i=$((i + 1))
  done
  echo '#define COMMON 3' >"$src/include/common.h"
  cat >"$src/main.c" <<'EOF'
#include <stdio.h>
int main(void) { puts("ok"); return 0; }
EOF
  cat >"$src/Makefile" <<'EOF'
SRCS := $(wildcard f*.c) main.c
OBJS := $(SRCS:.c=.o)
CFLAGS := -O0 -Iempty1 -Iempty2 -Igen -Iinclude
prog: $(OBJS)
	$(CC) -o $@ $(OBJS)
	./prog >/dev/null
	cat missing-config.txt 2>/dev/null || true
clean:
	rm -f $(OBJS) prog
EOF
  target=$((size_mb * 1024 * 1024))
  part="$log.part"
  rm -f "$part"
  echo "replay_bench: generating a ${size_mb} MB strace log in $log (takes minutes)" >&2
  # The loop runs under strace; it checks the size of the log strace is writing.
  # shellcheck disable=SC2016  # the inner script expands its own "$1"
  strace -f -tt -T -y -o "$part" sh -c '
    while [ "$(stat -c %s "$1")" -lt "$2" ]; do
      make -s -C "$3" clean >/dev/null
      make -s -C "$3" -j2 >/dev/null 2>&1 || true
    done' sh "$part" "$target" "$src"
  mv "$part" "$log"
}

if [ "$regen" = 1 ] || [ ! -s "$log" ]; then
  generate
fi

bytes=$(stat -c %s "$log")
mb=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1048576 }')

# ---- the reader alone, until/besides the CLI: a driver against libculprit_strace.a ----
driver="$out/read_driver"
strace_lib="$build/tracer/strace/libculprit_strace.a"
model_lib="$build/tracer/model/libculprit_model.a"
if [ -f "$strace_lib" ] && [ -f "$model_lib" ]; then
  cat >"$out/read_driver.cpp" <<'EOF'
// Reads logs with culprit's reader and counts failures per path (what the grep pipeline does).
#include <fmt/format.h>
#include <string>
#include <unordered_map>
#include "tracer/strace/strace_log.h"
using namespace culprit::tracer;
struct Count final : EventSink {
  std::unordered_map<std::string, std::uint64_t> by_path;
  std::uint64_t failures = 0;
  void on_event(const Event& e) override {
    if (e.failed()) { ++failures; ++by_path[e.path]; }
  }
};
int main(int argc, char** argv) {
  std::vector<std::string> in(argv + 1, argv + argc);
  Count c; SourceStats st;
  auto r = read_logs(in, c, st);
  if (!r.ok()) { fmt::print(stderr, "{}\n", r.error().describe()); return 2; }
  fmt::print("lines={} events={} failures={} distinct_paths={} malformed={}\n", st.lines,
             st.events, c.failures, c.by_path.size(), st.malformed);
  return 0;
}
EOF
  if [ ! -x "$driver" ] || [ -n "$(find "$strace_lib" "$model_lib" -newer "$driver")" ]; then
    c++ -O2 -std=c++20 -I"$root" "$out/read_driver.cpp" -o "$driver" "$strace_lib" "$model_lib" -lfmt -lseccomp -lz -lzstd -lpthread
  fi
fi

# ---- timing helpers: wall seconds and peak RSS (KB) of one command via /usr/bin/time -v ----
measure() {  # measure NAME CMD...  → sets T_<NAME> and R_<NAME>
  name=$1; shift
  /usr/bin/time -v -o "$out/time.$name" "$@" >"$out/stdout.$name" 2>"$out/stderr.$name" || true
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$out/time.$name")
  rss=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$out/time.$name")
  cpu=$(awk -F': ' '/User time|System time/ { s += $2 } END { print s }' "$out/time.$name")
  eval "T_$name=$wall R_$name=$rss C_$name=$cpu"
}

cat "$log" >/dev/null  # warm the page cache so every contender reads from memory

measure wc wc -l "$log"
measure grepc env LC_ALL=C grep -cE '= -1 E[A-Z]+' "$log"
measure grep sh -c "LC_ALL=C grep -E '= -1 E[A-Z]+' \"\$1\" | grep -oE '\"[^\"]+\"' | sort | uniq -c | sort -rn" sh "$log"
if [ -x "$driver" ]; then
  measure reader "$driver" "$log"
fi
if [ -x "$culprit" ]; then
  measure culprit "$culprit" replay --format json "$log"
fi

# Wall time is what the user waits for; CPU time (user+sys, all threads) is what the machine
# spent, and the fairer number when other work shares the cores (the load average is printed).
# shellcheck disable=SC2154  # T_*, R_*, C_* are set through eval in measure()
row() {  # row LABEL NAME
  eval "t=\${T_$2:-}; r=\${R_$2:-}; c=\${C_$2:-}"
  if [ -z "$t" ]; then
    printf '%-30s %10s\n' "$1" "(not run)"
    return
  fi
  awk -v l="$1" -v t="$t" -v r="$r" -v c="$c" -v mb="$mb" -v g="$T_grep" -v gc="$C_grep" -v w="$T_wc" -v k="$T_grepc" 'BEGIN {
    printf "%-30s %7.2f s %6.0f MB/s %5.2fx pipeline %5.2fx grep-c %6.1fx wc | cpu %6.2f s %6.0f MB/cpu-s %5.2fx pipeline | %6.1f MB RSS\n",
      l, t, (t > 0 ? mb / t : 0), (g > 0 ? t / g : 0), (k > 0 ? t / k : 0), (w > 0 ? t / w : 0), c, (c > 0 ? mb / c : 0), (gc > 0 ? c / gc : 0), r / 1024 }'
}

lines=$(awk '{ print $1 }' "$out/stdout.wc")
echo "log: $log ($mb MB, $lines lines); $(nproc) cores, load average$(uptime | sed 's/.*load average//')"
row "wc -l" wc
row "grep -c (failed lines)" grepc
row "grep pipeline" grep
row "reader alone (read_driver)" reader
row "culprit replay --format json" culprit

grep_fail=$(cat "$out/stdout.grepc")
grep_paths=$(wc -l <"$out/stdout.grep")
echo "grep pipeline: $grep_fail failed lines, $grep_paths distinct quoted strings"
if [ -s "$out/stdout.reader" ]; then
  echo "reader: $(cat "$out/stdout.reader")"
fi
# Failures whose path is only on the "<unfinished ...>" line: the resumed half carries the errno,
# the entry half the path, so a line-based grep cannot pair them.
missed=$(LC_ALL=C grep -cE 'resumed>.*= -1 E[A-Z]+' "$log" || true)
echo "failures the grep pipeline cannot attribute to a path (resumed lines): $missed"
if [ -n "${R_culprit:-}" ]; then
  awk -v r="$R_culprit" 'BEGIN { exit !(r / 1024 < 100) }' && echo "peak RSS < 100 MB: yes" || echo "peak RSS < 100 MB: NO"
fi
