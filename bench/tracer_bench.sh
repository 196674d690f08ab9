#!/usr/bin/env bash
# Tracer overhead benchmark: the same workloads untraced, under strace (three ways), under
# `culprit run` and under `culprit attach`, each as the best of REPEAT runs, with the ratio to the
# untraced time. Targets (issue): `culprit run` no slower than
# `strace -f --seccomp-bpf -Z -e trace=%file`; `culprit attach` at most 0.8x `strace -f -p`.
#
# usage: bench/tracer_bench.sh [CULPRIT_BINARY]     (default: build/cli/culprit)
#   REPEAT=3  WORKLOADS="mix python make find git"  environment overrides
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
culprit=${1:-$here/build/cli/culprit}
repeat=${REPEAT:-3}
workloads=${WORKLOADS:-"mix python make find git"}
[ -x "$culprit" ] || { echo "tracer_bench: no culprit binary at $culprit (build first)" >&2; exit 2; }
command -v strace >/dev/null || { echo "tracer_bench: strace is not installed" >&2; exit 2; }

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
    python) echo "$python -c 'import json, email.parser, http.client, xml.dom.minidom, asyncio, decimal, unittest'" ;;
    make) echo "make -s -B -j2 -C $work/make >/dev/null" ;;
    find) echo "find /usr/share -name '*.nonexistent-bench' >/dev/null" ;;
    git) echo "git -C $work/repo status --porcelain >/dev/null" ;;
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

now() { date +%s.%N; }

# One run of `sh -c CMD` under launcher mode; prints seconds.
run_launched() {  # mode cmd
  local mode=$1 cmd=$2 t0 t1
  t0=$(now)
  case $mode in
    untraced) sh -c "$cmd" ;;
    strace) strace -f -o /dev/null sh -c "$cmd" ;;
    strace-seccomp) strace -f --seccomp-bpf -e trace=%file -o /dev/null sh -c "$cmd" ;;
    strace-seccomp-Z) strace -f --seccomp-bpf -Z -e trace=%file -o /dev/null sh -c "$cmd" ;;
    culprit-run) "$culprit" run --format json -o /dev/null -- sh -c "$cmd" || true ;;
  esac
  t1=$(now)
  echo "$t1 - $t0" | bc -l
}

# One run of an attach mode: the workload starts stopped (it stops itself before exec), the tracer
# attaches, then SIGCONT; time from SIGCONT to the workload's exit (and the tracer's end).
run_attached() {  # mode cmd
  local mode=$1 cmd=$2 pid tracer="" t0 t1 i
  sh -c 'kill -STOP $$; exec sh -c "$0"' "$cmd" &
  pid=$!
  for i in $(seq 1 500); do
    [ "$(awk '{print $3}' /proc/$pid/stat 2>/dev/null)" = T ] && break
    sleep 0.01
  done
  case $mode in
    attach-untraced) ;;
    strace-p) strace -f -p "$pid" -o /dev/null 2>/dev/null & tracer=$! ;;
    culprit-attach) "$culprit" attach -p "$pid" --format json -o /dev/null 2>/dev/null & tracer=$! ;;
  esac
  if [ -n "$tracer" ]; then
    for i in $(seq 1 500); do
      [ "$(awk '/^TracerPid/ {print $2}' /proc/$pid/status)" != 0 ] && break
      sleep 0.01
    done
    sleep 0.05  # every thread seized and interrupted
  fi
  t0=$(now)
  kill -CONT "$pid"
  wait "$pid" || true
  [ -n "$tracer" ] && { wait "$tracer" || true; }
  t1=$(now)
  echo "$t1 - $t0" | bc -l
}

best_of() {  # runner mode cmd
  local best="" t r
  for r in $(seq 1 "$repeat"); do
    t=$("$1" "$2" "$3" 2>/dev/null | tail -1)
    if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
  done
  echo "$best"
}

setup_make
setup_git
printf '%-8s %-18s %9s %8s\n' workload mode seconds ratio
for w in $workloads; do
  available "$w" || { echo "$w: skipped (not available)"; continue; }
  cmd=$(workload_cmd "$w")
  sh -c "$cmd" >/dev/null 2>&1 || true  # warm the page cache
  base=$(best_of run_launched untraced "$cmd")
  for mode in untraced strace strace-seccomp strace-seccomp-Z culprit-run; do
    t=$([ $mode = untraced ] && echo "$base" || best_of run_launched $mode "$cmd")
    printf '%-8s %-18s %9.3f %7.2fx\n' "$w" "$mode" "$t" "$(echo "$t / $base" | bc -l)"
  done
  abase=$(best_of run_attached attach-untraced "$cmd")
  for mode in attach-untraced strace-p culprit-attach; do
    t=$([ $mode = attach-untraced ] && echo "$abase" || best_of run_attached $mode "$cmd")
    printf '%-8s %-18s %9.3f %7.2fx\n' "$w" "$mode" "$t" "$(echo "$t / $abase" | bc -l)"
  done
done
