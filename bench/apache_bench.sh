#!/usr/bin/env bash
# Live-Apache benchmark: what tracing costs a production-like server. Apache (prefork + mod_php,
# its own configuration on a loopback port, nothing of the machine's Apache used) serves a
# WordPress-shaped PHP page (tests/apache/site.sh: index.php → wp-blog-header.php → wp-load.php →
# wp-settings.php → a dozen includes) and a static file, under `ab -c 4`, in these modes:
#   untraced           nothing attached
#   strace-p           strace -f -o /dev/null -p PID... (every Apache process)
#   culprit-ptrace     culprit attach --backend ptrace -p PID... --format json -o /dev/null
#   culprit-ebpf       culprit attach --backend ebpf ... (when this culprit has the eBPF backend)
#   bpftrace           a bpftrace script printing every failed syscall of apache2 (the kernel-side
#                      anchor; when bpftrace is installed)
# Every mode runs once per round, round-robin, for ROUNDS rounds (a load spike hits all modes
# alike); the median requests/s of each mode is printed with its ratio to the untraced median.
#
# usage: bench/apache_bench.sh [CULPRIT]    (default build/cli/culprit; needs root)
#   ROUNDS=3  REQUESTS=2000  PORT=18080     environment overrides
# ab comes with apache2-utils, bpftrace with bpftrace: CULPRIT_SETUP_BENCH=1 sh scripts/setup.sh
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
culprit=${1:-$here/build/cli/culprit}
rounds=${ROUNDS:-3}
requests=${REQUESTS:-2000}
port=${PORT:-18080}
[ "$(id -u)" -eq 0 ] || { echo "apache_bench: run as root (Apache drops to www-data; tracers attach)" >&2; exit 2; }
[ -x "$culprit" ] || { echo "apache_bench: no culprit binary at $culprit (build first)" >&2; exit 2; }
for tool in /usr/sbin/apache2 ab strace; do
  command -v "$tool" >/dev/null || { echo "apache_bench: $tool is missing (CULPRIT_SETUP_BENCH=1 sh scripts/setup.sh)" >&2; exit 2; }
done
php_module=$(find /usr/lib/apache2/modules -name 'libphp*.so' | head -1)
[ -n "$php_module" ] || { echo "apache_bench: mod_php is missing (libapache2-mod-php)" >&2; exit 2; }

work=$(mktemp -d /tmp/culprit-apache-bench.XXXXXX)
chmod 755 "$work"
tracer_pid=""
stop_tracer() {
  if [ -n "$tracer_pid" ]; then
    kill -INT "$tracer_pid" 2>/dev/null || true
    wait "$tracer_pid" 2>/dev/null || true
    tracer_pid=""
  fi
}
cleanup() {
  stop_tracer
  if [ -f "$work/run/apache2.pid" ]; then
    /usr/sbin/apache2 -f "$work/apache2.conf" -k stop 2>/dev/null || true
  fi
  for _ in $(seq 50); do pgrep -f "apache2 -f $work/apache2.conf" >/dev/null || break; sleep 0.1; done
  rm -rf "$work"
  if [ -n "${mounted_tracefs:-}" ]; then umount /sys/kernel/tracing 2>/dev/null || true; fi
}
trap cleanup EXIT

# ---- the server ----
mkdir -p "$work/www" "$work/run" "$work/logs" "$work/lock"
sh "$here/tests/apache/site.sh" "$work/www" >/dev/null
head -c 10240 /dev/urandom | base64 >"$work/www/static.txt"
chown -R www-data:www-data "$work/www" "$work/lock"
cat >"$work/apache2.conf" <<EOF
ServerName localhost
Listen 127.0.0.1:$port
PidFile $work/run/apache2.pid
Mutex file:$work/lock default
ErrorLog $work/logs/error.log
User www-data
Group www-data
LoadModule mpm_prefork_module /usr/lib/apache2/modules/mod_mpm_prefork.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
LoadModule dir_module /usr/lib/apache2/modules/mod_dir.so
LoadModule mime_module /usr/lib/apache2/modules/mod_mime.so
LoadModule php_module $php_module
TypesConfig /etc/mime.types
StartServers 4
MinSpareServers 4
MaxSpareServers 8
MaxRequestWorkers 16
MaxConnectionsPerChild 0
DocumentRoot $work/www
<Directory $work/www>
  Require all granted
  AllowOverride All
</Directory>
DirectoryIndex index.php
<FilesMatch "\.php\$">
  SetHandler application/x-httpd-php
</FilesMatch>
EOF
/usr/sbin/apache2 -f "$work/apache2.conf" -k start
for _ in $(seq 100); do curl -fs -o /dev/null "http://127.0.0.1:$port/static.txt" && break; sleep 0.1; done
curl -fs "http://127.0.0.1:$port/" | grep -q . || { echo "apache_bench: the PHP page does not answer" >&2; exit 1; }

apache_pids() { pgrep -f "apache2 -f $work/apache2.conf" | sort -n; }

# Waits until every Apache process has a tracer (or, for bpftrace, until it printed "Attaching").
wait_attached() {  # mode
  local pid
  for _ in $(seq 1000); do
    if [ "$1" = bpftrace ]; then
      grep -q Attaching "$work/bpftrace.out" 2>/dev/null && return 0
    elif [ "$1" = culprit-ebpf ]; then
      # No TracerPid to see: the programs are attached when culprit holds its four BPF links.
      [ "$(find "/proc/$tracer_pid/fd" -lname 'anon_inode:bpf_link' 2>/dev/null | wc -l)" -ge 4 ] && return 0
    else
      local all=1
      for pid in $(apache_pids); do
        [ "$(awk '/^TracerPid/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)" != 0 ] || all=0
      done
      [ "$all" = 1 ] && return 0
    fi
    sleep 0.01
  done
  echo "apache_bench: $1 did not attach: $(head -c 600 "$work/tracer.err" 2>/dev/null)" >&2
  for pid in $(apache_pids); do echo "  $pid $(awk '/^TracerPid/ {print $2}' "/proc/$pid/status" 2>/dev/null)" >&2; done
  return 1
}

start_tracer() {  # mode
  local args=() pid
  for pid in $(apache_pids); do args+=(-p "$pid"); done
  : >"$work/tracer.err"
  case $1 in
    untraced) return 0 ;;
    strace-p) strace -f -o /dev/null "${args[@]}" 2>"$work/tracer.err" & tracer_pid=$! ;;
    culprit-ptrace) "$culprit" attach "${ptrace_flag[@]}" "${args[@]}" --format json -o /dev/null 2>"$work/tracer.err" & tracer_pid=$! ;;
    culprit-ebpf) "$culprit" attach --backend ebpf "${args[@]}" --format json -o "$work/ebpf.json" 2>"$work/tracer.err" & tracer_pid=$! ;;
    bpftrace)
      bpftrace -e 'tracepoint:raw_syscalls:sys_exit /comm == "apache2" && args->ret < 0/ { printf("%d %d %d\n", pid, args->id, -args->ret); }' >"$work/bpftrace.out" 2>&1 &
      tracer_pid=$! ;;
  esac
  wait_attached "$1"
}

# requests/s of one ab run
ab_rate() {  # path
  ab -q -c 4 -n "$requests" "http://127.0.0.1:$port$1" 2>/dev/null |
    awk '/^Requests per second/ {print $4}'
}

ptrace_flag=()
if "$culprit" attach --help 2>/dev/null | grep -q -- '--backend'; then ptrace_flag=(--backend ptrace); fi
modes="untraced strace-p culprit-ptrace"
if "$culprit" --version 2>/dev/null | grep -q 'ebpf'; then modes="$modes culprit-ebpf"; fi
if command -v bpftrace >/dev/null; then
  # bpftrace's tracepoints need tracefs, which a machine without systemd may not have mounted
  # (culprit's hooks do not): mounted for the run, unmounted at the end.
  if [ ! -d /sys/kernel/tracing/events ] && [ ! -d /sys/kernel/debug/tracing/events ] &&
    mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null; then
    mounted_tracefs=1
  fi
  modes="$modes bpftrace"
fi
modes=${MODES:-$modes}  # e.g. MODES="untraced culprit-ebpf": a subset, in this order

echo "# $(date -u +%FT%TZ) load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs, ROUNDS=$rounds, ab -c 4 -n $requests"
declare -A rates=()
for page in / /static.txt; do
  ab_rate "$page" >/dev/null  # warm: PHP's opcode cache, the page cache
  for _ in $(seq "$rounds"); do
    for m in $modes; do
      start_tracer "$m"
      r=$(ab_rate "$page")
      stop_tracer
      rates[$page $m]="${rates[$page $m]:-} ${r:-0}"
      if [ "$m" = culprit-ebpf ]; then
        python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["stats"]["lost"])' \
          "$work/ebpf.json" >>"$work/ebpf-lost" 2>/dev/null || echo "no report" >>"$work/ebpf-lost"
      fi
    done
  done
done
printf '%-12s %-16s %10s %8s   %s\n' page mode 'req/s' ratio rounds
for page in / /static.txt; do
  base=""
  for m in $modes; do
    med=$(tr ' ' '\n' <<<"${rates[$page $m]}" | grep . | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    [ -n "$base" ] || base=$med
    printf '%-12s %-16s %10.1f %7.2fx  %s\n' "$page" "$m" "$med" "$(echo "$med / $base" | bc -l)" "${rates[$page $m]# }"
  done
done
if [ -f "$work/ebpf-lost" ]; then
  echo "# culprit-ebpf: events lost per run: $(sort "$work/ebpf-lost" | uniq -c | awk '{printf "%s%s x%s", (NR > 1 ? ", " : ""), $2, $1}')"
fi
echo "# end load average: $(cut -d' ' -f1-3 /proc/loadavg)"
