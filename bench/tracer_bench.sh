#!/usr/bin/env bash
# Tracer overhead benchmark: the same workloads untraced, under strace (three ways), under
# `culprit run` and under `culprit attach`, with the ratio to the untraced time. Targets: `culprit
# run` no slower than `strace -f --seccomp-bpf -Z -e trace=%file`, `culprit attach` no slower than
# `strace -f -p`, on every workload (both tracers stop twice per call under attach: going below
# strace there is the eBPF backend's job).
#
# The machine it runs on may be shared and noisy, so every mode of a workload is run once per round,
# round-robin, for REPEAT rounds (a load spike hits all modes alike), and two numbers are kept:
#   wall: the best (lowest) elapsed time of the rounds;
#   cpu:  the median user+sys CPU time of the whole process tree (tracer and every tracee), which
#         a busy machine disturbs much less than wall time.
# Ratios are to the untraced workload (launched or attached the same way).
#
# Mode "culprit-attach-ebpf" (when this culprit has the eBPF backend) is `culprit attach --backend
# ebpf`: nothing is stopped, so its target is the untraced time (within 1.3x); the events it lost
# (ring buffer full) are summed over every run and printed at the end, and should be 0.
#
# Modes "culprit-run-spin" and "culprit-attach-spin" are culprit with --spin 200: the tracer polls
# for the next stop for up to 200 us before it sleeps in wait4 (the default, like strace, sleeps at
# once); they show where polling pays and where it costs.
#
# usage: bench/tracer_bench.sh [CULPRIT_BINARY [BASELINE_BINARY]]   (default: build/cli/culprit)
#   BASELINE_BINARY: an older culprit, measured in the same rounds (rows "culprit-run-base",
#   "culprit-attach-base") for a before/after comparison.
#   REPEAT=5  WORKLOADS="mix python make find git pipeline"  environment overrides; RUN_MODES and
#   ATTACH_MODES choose a subset of the modes ("" skips that half)
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
culprit=${1:-$here/build/cli/culprit}
baseline=${2:-}
repeat=${REPEAT:-5}
workloads=${WORKLOADS:-"mix python make find git pipeline"}
[ -x "$culprit" ] || { echo "tracer_bench: no culprit binary at $culprit (build first)" >&2; exit 2; }
[ -z "$baseline" ] || [ -x "$baseline" ] || { echo "tracer_bench: no baseline binary at $baseline" >&2; exit 2; }
command -v strace >/dev/null || { echo "tracer_bench: strace is not installed" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "tracer_bench: GNU time (/usr/bin/time) is needed for CPU times" >&2; exit 2; }

work=$(mktemp -d /tmp/culprit-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

# ---- workloads: each is a command line run with `sh -c` ----
python=$(command -v python3 || true)
[ -x /usr/bin/python3 ] && python=/usr/bin/python3

setup_make() {
  mkdir -p "$work/make"
  for i in $(seq 1 16); do
    printf '#include <stdio.h>\n#include <string.h>\nint f%d(const char *s) { return (int)strlen(s) + %d; }\n' "$i" "$i" >"$work/make/f$i.c"
  done
  printf 'int main(void) { return 0; }\n' >"$work/make/main.c"
  cat >"$work/make/Makefile" <<'MK'
SRCS := $(wildcard *.c)
OBJS := $(SRCS:.c=.o)
prog: $(OBJS)
	$(CC) -o $@ $^
%.o: %.c
	$(CC) -O0 -c $< -o $@
MK
}

setup_git() {
  mkdir -p "$work/repo"
  cp -r /usr/share/doc/bash "$work/repo/" 2>/dev/null || true
  for i in $(seq 1 200); do echo "file $i" >"$work/repo/f$i.txt"; done
  git -C "$work/repo" init -q
  git -C "$work/repo" -c user.email=bench@example.invalid -c user.name=bench add -A
  git -C "$work/repo" -c user.email=bench@example.invalid -c user.name=bench commit -qm init
  echo change >>"$work/repo/f1.txt"
}

workload_cmd() {
  case $1 in
    mix) echo "for i in \$(seq 150); do cat /etc/passwd >/dev/null; ls /nonexistent-bench 2>/dev/null; head -c 100 /etc/services >/dev/null; done" ;;
    python) echo "for i in 1 2 3 4 5; do $python -c 'import json, email.parser, http.client, xml.dom.minidom, asyncio, decimal, unittest'; done" ;;
    make) echo "make -s -B -j2 -C $work/make >/dev/null" ;;
    find) echo "find /usr/share -name '*.nonexistent-bench' >/dev/null" ;;
    git) echo "for i in \$(seq 20); do git -C $work/repo status --porcelain >/dev/null; done" ;;
    pipeline) echo "for i in \$(seq 100); do echo 'a b c' | tr a-z A-Z | grep -c B | wc -l >/dev/null; done" ;;
  esac
}

available() {
  case $1 in
    python) [ -n "$python" ] ;;
    make) command -v make >/dev/null && command -v cc >/dev/null ;;
    git) command -v git >/dev/null ;;
    *) true ;;
  esac
}

# One run of `sh -c CMD` under launcher mode; prints "WALL CPU" in seconds. GNU time reports the
# rusage of the tracer plus every descendant it waited for (the tracer reaps its tracees), in 10 ms
# steps: the workloads are sized to take 0.1 s or more untraced (git and python loop).
run_launched() {  # mode cmd
  local mode=$1 cmd=$2 tf=$work/time.out t0 t1
  t0=$(date +%s.%N)
  case $mode in
    untraced) /usr/bin/time -o "$tf" -f '%e %U %S' sh -c "$cmd" ;;
    strace) /usr/bin/time -o "$tf" -f '%e %U %S' strace -f -o /dev/null sh -c "$cmd" ;;
    strace-seccomp) /usr/bin/time -o "$tf" -f '%e %U %S' strace -f --seccomp-bpf -e trace=%file -o /dev/null sh -c "$cmd" ;;
    strace-seccomp-Z) /usr/bin/time -o "$tf" -f '%e %U %S' strace -f --seccomp-bpf -Z -e trace=%file -o /dev/null sh -c "$cmd" ;;
    culprit-run) /usr/bin/time -o "$tf" -f '%e %U %S' "$culprit" run --format json -o /dev/null -- sh -c "$cmd" || true ;;
    culprit-run-spin) /usr/bin/time -o "$tf" -f '%e %U %S' "$culprit" run --spin 200 --format json -o /dev/null -- sh -c "$cmd" || true ;;
    culprit-run-base) /usr/bin/time -o "$tf" -f '%e %U %S' "$baseline" run --format json -o /dev/null -- sh -c "$cmd" || true ;;
  esac >/dev/null 2>&1
  t1=$(date +%s.%N)
  # GNU time's elapsed time has 10 ms steps: the wall time is taken around it instead.
  awk -v w="$(echo "$t1 - $t0" | bc -l)" '/^[0-9.]+ [0-9.]+ [0-9.]+$/ {printf "%.3f %.3f\n", w, $2 + $3}' "$tf" | tail -1
}

# One run of an attach mode: the workload starts stopped (it stops itself before exec), the tracer
# attaches, then SIGCONT; wall time from SIGCONT to the workload's exit (and the tracer's end); CPU
# time of the workload's tree plus the tracer's.
run_attached() {  # mode cmd
  local mode=$1 cmd=$2 timer pid tracer="" t0 t1 i wf=$work/wtime.out tf=$work/ttime.out
  : >"$tf"
  # shellcheck disable=SC2016  # $$ and $0 are for the inner sh
  /usr/bin/time -o "$wf" -f '%U %S' sh -c 'kill -STOP $$; exec sh -c "$0"' "$cmd" &
  timer=$!
  pid=""
  for i in $(seq 1 500); do
    pid=$(pgrep -P "$timer" | head -1 || true)
    [ -n "$pid" ] && [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" = T ] && break
    sleep 0.01
  done
  case $mode in
    attach-untraced) ;;
    strace-p) /usr/bin/time -o "$tf" -f '%U %S' strace -f -p "$pid" -o /dev/null 2>/dev/null & tracer=$! ;;
    culprit-attach) /usr/bin/time -o "$tf" -f '%U %S' "$culprit" attach -p "$pid" --format json -o /dev/null 2>/dev/null & tracer=$! ;;
    culprit-attach-spin) /usr/bin/time -o "$tf" -f '%U %S' "$culprit" attach --spin 200 -p "$pid" --format json -o /dev/null 2>/dev/null & tracer=$! ;;
    culprit-attach-base) /usr/bin/time -o "$tf" -f '%U %S' "$baseline" attach -p "$pid" --format json -o /dev/null 2>/dev/null & tracer=$! ;;
    culprit-attach-ebpf) /usr/bin/time -o "$tf" -f '%U %S' "$culprit" attach --backend ebpf -p "$pid" --format json -o "$work/ebpf.json" 2>/dev/null & tracer=$! ;;
  esac
  if [ "$mode" = culprit-attach-ebpf ]; then
    # No TracerPid to wait for: the programs are attached when culprit holds its four BPF links.
    local c
    for i in $(seq 1 500); do
      c=$(pgrep -P "$tracer" | head -1 || true)
      [ -n "$c" ] && [ "$(find "/proc/$c/fd" -lname 'anon_inode:bpf_link' 2>/dev/null | wc -l)" -ge 4 ] && break
      sleep 0.01
    done
  elif [ -n "$tracer" ]; then
    for i in $(seq 1 500); do
      [ "$(awk '/^TracerPid/ {print $2}' "/proc/$pid/status")" != 0 ] && break
      sleep 0.01
    done
    sleep 0.05  # every thread seized and interrupted
  fi
  t0=$(date +%s.%N)
  kill -CONT "$pid"
  wait "$timer" 2>/dev/null || true
  [ -n "$tracer" ] && { wait "$tracer" 2>/dev/null || true; }
  t1=$(date +%s.%N)
  if [ "$mode" = culprit-attach-ebpf ]; then
    python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["stats"]["lost"])' \
      "$work/ebpf.json" >>"$work/ebpf-lost" 2>/dev/null || echo "no report" >>"$work/ebpf-lost"
  fi
  cat "$wf" "$tf" | awk -v w="$(echo "$t1 - $t0" | bc -l)" \
    '/^[0-9.]+ [0-9.]+$/ {c += $1 + $2} END {printf "%.3f %.3f\n", w, c}'
}

# Runs every mode of a workload REPEAT times round-robin; prints one row per mode.
measure() {  # runner cmd mode...
  local runner=$1 cmd=$2 m
  shift 2
  local -A walls=() cpus=()
  for _ in $(seq 1 "$repeat"); do
    for m in "$@"; do
      read -r w c < <("$runner" "$m" "$cmd")
      walls[$m]="${walls[$m]:-} $w"
      cpus[$m]="${cpus[$m]:-} $c"
    done
  done
  local base_w base_c
  for m in "$@"; do
    local bw mc
    bw=$(tr ' ' '\n' <<<"${walls[$m]}" | grep . | sort -g | head -1)
    mc=$(tr ' ' '\n' <<<"${cpus[$m]}" | grep . | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    if [ -z "${base_w:-}" ]; then base_w=$bw; base_c=$mc; fi
    printf '%-8s %-20s %8.3f %7.2fx %8.3f %7.2fx\n' "$w_name" "$m" "$bw" \
      "$(echo "$bw / $base_w" | bc -l)" "$mc" "$(echo "if ($base_c > 0) $mc / $base_c else 0" | bc -l)"
  done
}

setup_make
setup_git
echo "# $(date -u +%FT%TZ) load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs, REPEAT=$repeat"
printf '%-8s %-20s %8s %8s %8s %8s\n' workload mode wall-best ratio cpu-med ratio
run_modes="untraced strace strace-seccomp strace-seccomp-Z culprit-run culprit-run-spin"
attach_modes="attach-untraced strace-p culprit-attach culprit-attach-spin"
if "$culprit" --version 2>/dev/null | grep -q ebpf; then
  attach_modes="$attach_modes culprit-attach-ebpf"
fi
if [ -n "$baseline" ]; then
  run_modes="$run_modes culprit-run-base"
  attach_modes="$attach_modes culprit-attach-base"
fi
# A subset, e.g. RUN_MODES="" ATTACH_MODES="attach-untraced culprit-attach-ebpf".
run_modes=${RUN_MODES-$run_modes}
attach_modes=${ATTACH_MODES-$attach_modes}
for w in $workloads; do
  available "$w" || { echo "$w: skipped (not available)"; continue; }
  w_name=$w
  cmd=$(workload_cmd "$w")
  sh -c "$cmd" >/dev/null 2>&1 || true  # warm the page cache
  # shellcheck disable=SC2086
  [ -z "$run_modes" ] || measure run_launched "$cmd" $run_modes
  # shellcheck disable=SC2086
  [ -z "$attach_modes" ] || measure run_attached "$cmd" $attach_modes
done
if [ -f "$work/ebpf-lost" ]; then
  echo "# culprit-attach-ebpf: events lost per run: $(sort "$work/ebpf-lost" | uniq -c | awk '{printf "%s%s x%s", (NR > 1 ? ", " : ""), $2, $1}')"
fi
echo "# end load average: $(cut -d' ' -f1-3 /proc/loadavg)"
