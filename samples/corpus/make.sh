#!/usr/bin/env bash
# make.sh - regenerate the strace test corpus in samples/corpus/ from real runs.
#
# Every case plants one fault (or none, for the healthy cases) under the fixed
# directory /srv/culprit-corpus/<case>/, runs the real program under the real
# strace and writes the log(s) to samples/corpus/logs/<case>.<flagset>.log
# (-ff recordings: samples/corpus/logs/<case>.<flagset>.<pid>).  The case's own
# demo files are copied to samples/corpus/root/<case>/ mirroring their absolute
# paths.  At the end (and on any failure) everything created under /srv and any
# process started here is removed again; nothing else on the system is changed.
#
# No log line is ever written or edited by hand.  expected.yaml is NOT produced
# here: it was written by hand from the planted faults.
#
# Stability: each traced command runs in its own PID namespace with a fixed
# ns_last_pid (so PIDs, and -ff file names, repeat from run to run), with ASLR
# off (setarch -R) and a clean environment (env -i, fixed PATH/LANG/HOME).
#
# Needs root, strace, python3, php-cli, php-fpm, nginx, apache2 + mod_php, git,
# gcc, make, patchelf, openssl, curl, run-parts, setpriv, unshare, iproute2.
# Usage:  sudo sh samples/corpus/make.sh
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LOGS=$HERE/logs
ROOTS=$HERE/root
C=/srv/culprit-corpus
MARKER=$C/.culprit-corpus
CONSOLE=$C/.console
CLEAN_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
ARCH=$(uname -m)
PHPV=8.2
WARNINGS=()
BGPID=

die() { printf 'make.sh: error: %s\n' "$*" >&2; exit 1; }
note() { printf 'make.sh: %s\n' "$*" >&2; }
warn() { printf 'make.sh: WARNING: %s\n' "$*" >&2; WARNINGS+=("$*"); }

# ---------------------------------------------------------------------------
# cleanup: stop what we started, remove /srv/culprit-corpus
# ---------------------------------------------------------------------------
cleanup() {
	local rc=$?
	set +e
	if [[ -n $BGPID ]]; then
		kill_tree "$BGPID"
		BGPID=
	fi
	if [[ -f $MARKER ]]; then
		rm -rf "$C"
	fi
	exit "$rc"
}

# descendants PID: every descendant of PID, parents first.
descendants() {
	local queue=("$1") p kids
	while ((${#queue[@]})); do
		p=${queue[0]}
		queue=("${queue[@]:1}")
		kids=$(ps -o pid= --ppid "$p" 2>/dev/null | tr -d ' ' || true)
		for k in $kids; do
			echo "$k"
			queue+=("$k")
		done
	done
}

kill_tree() {
	local p
	for p in $(descendants "$1" | tac); do kill -KILL "$p" 2>/dev/null || true; done
	kill -KILL "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

preflight() {
	[[ $(id -u) -eq 0 ]] || die "must run as root"
	local t
	for t in strace python3 php php-fpm$PHPV nginx apache2 git gcc make patchelf openssl curl \
		run-parts setpriv unshare setarch ip ss; do
		command -v "$t" >/dev/null || die "missing tool: $t (see scripts/setup.sh)"
	done
	id www-data >/dev/null 2>&1 || die "missing user www-data"
	if [[ -e $C && ! -f $MARKER ]]; then
		die "$C exists and was not made by this script; refusing to touch it"
	fi
	# The scenarios rely on these being absent on the machine.
	for t in /etc/default/myapp /etc/security/myapp.conf /etc/culpritd /var/lib/php/session \
		/usr/local/bin/backup-tool /root/.config/notes /usr/share/php/Net /run/culprit-syncd \
		/usr/bin/python2 /bin/python2 /lib64/ld-linux-x86-64.so.3 /lib/nonexistent; do
		[[ ! -e $t ]] || die "$t exists; the corpus needs it absent"
	done
	local port
	for port in 18080 18081 18082 18083 18084 18085 18086 18090 18091 18092 18093 18094 18095 18096 18931 18932; do
		if ss -ltnH "sport = :$port" | grep -q .; then die "something listens on port $port"; fi
	done
}

# ---------------------------------------------------------------------------
# tracing
# ---------------------------------------------------------------------------
# Flag sets: label -> strace options.  The label is part of the log name.
flags_for() {
	case $1 in
		f-tt-T-y) echo "-f -tt -T -y -s 256" ;;
		f) echo "-f -s 256" ;;
		f-ttt) echo "-f -ttt -s 256" ;;
		ff) echo "-ff -s 256" ;;
		f-e-file-process-write) echo "-f -s 256 -e trace=%file,%process,write" ;;
		f-y-s512) echo "-f -y -s 512" ;;
		f-yy) echo "-f -yy -s 256" ;;
		f-r) echo "-f -r -s 256" ;;
		f-tt-T-y-s64) echo "-f -tt -T -y -s 64" ;;
		plain) echo "-s 256" ;;
		*) die "unknown flag set $1" ;;
	esac
}

# Fixed PID for a case+flagset (stable across runs).
pid_for() {
	local h
	h=$(printf '%s' "$1" | cksum | cut -d' ' -f1)
	echo $((1000 + h % 30000))
}

# PRE: optional wrapper run (untraced) inside the PID namespace before strace,
# e.g. a script that sets up a private network namespace and then exec "$@".
PRE=()

# build_cmd CASE LABEL ENV... -- CMD...   -> sets CMD array
build_cmd() {
	local case=$1 label=$2
	shift 2
	local -a envs=("PATH=$CLEAN_PATH" "LANG=C.UTF-8")
	local have_home=0
	while [[ $# -gt 0 && $1 != -- ]]; do
		[[ $1 == HOME=* ]] && have_home=1
		envs+=("$1")
		shift
	done
	shift
	((have_home)) || envs+=("HOME=/root")
	local -a fl out
	read -ra fl <<<"$(flags_for "$label")"
	if [[ $label == ff* ]]; then
		rm -f "$LOGS/$case.$label".*
		out=(-o "$LOGS/$case.$label")
	else
		rm -f "$LOGS/$case.$label.log"
		out=(-o "$LOGS/$case.$label.log")
	fi
	local pid
	pid=$(pid_for "$case.$label")
	# strace forks a few short-lived children (feature checks) before the tracee.
	# shellcheck disable=SC2016
	CMD=(unshare --pid --fork --mount-proc -- sh -c 'echo "$1" >/proc/sys/kernel/ns_last_pid && shift && exec "$@"' sh "$((pid - 3))"
		"${PRE[@]}" setarch "$ARCH" -R env -i "${envs[@]}" strace "${fl[@]}" "${out[@]}" "$@")
}

# trace CASE LABEL [VAR=VAL...] -- CMD...   (run in $D; never fails)
trace() {
	build_cmd "$@"
	(cd "$D" && exec "${CMD[@]}") </dev/null >"$CONSOLE/$1.$2.out" 2>&1 || true
	PRE=()
}

# trace_bg: same, in the background; then wait_port, request, stop_bg.
trace_bg() {
	build_cmd "$@"
	(cd "$D" && exec "${CMD[@]}") </dev/null >"$CONSOLE/$1.$2.out" 2>&1 &
	BGPID=$!
	PRE=()
}

wait_port() {
	for _ in $(seq 200); do
		if ss -ltnH "sport = :$1" | grep -q .; then return 0; fi
		sleep 0.1
	done
	warn "nothing listens on port $1"
	return 1
}

# stop_bg SIGNAL: signal the traced server (strace's child), wait for the end.
stop_bg() {
	local sig=$1 st tp
	st=$(for p in $(descendants "$BGPID"); do [[ $(cat "/proc/$p/comm" 2>/dev/null) != strace ]] || echo "$p"; done | head -1)
	if [[ -n $st ]]; then
		tp=$(ps -o pid= --ppid "$st" | tr -d ' ' | head -1)
		[[ -z $tp ]] || kill "-$sig" "$tp" 2>/dev/null || true
	fi
	for _ in $(seq 150); do
		kill -0 "$BGPID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$BGPID" 2>/dev/null; then
		warn "server did not stop on SIG$sig; killed"
		kill_tree "$BGPID"
	fi
	wait "$BGPID" 2>/dev/null || true
	BGPID=
}

# get CASE PORT URLPATH WANT-CODE: one request with curl (untraced).
get() {
	local code
	code=$(curl -s -o "$CONSOLE/$1.body" -w '%{http_code}' --max-time 15 "http://127.0.0.1:$2$3" || true)
	echo "GET $3 -> $code" >>"$CONSOLE/$1.curl"
	[[ $code == "$4" ]] || warn "$1: GET $3 answered $code, expected $4"
}

# expect_in CASE LABEL TEXT: the log(s) must contain TEXT (sanity check).
expect_in() {
	if ! cat "$LOGS/$1.$2"* 2>/dev/null | grep -qF -- "$3"; then
		warn "$1.$2: log lacks: $3"
	fi
}

# ---------------------------------------------------------------------------
# case helpers
# ---------------------------------------------------------------------------
mk() {
	CASE=$1
	D=$C/$1
	rm -rf "$D"
	mkdir -p "$D"
	rm -rf "${ROOTS:?}/$1"
}

# put FILE: write stdin to FILE (parents created).
put() {
	mkdir -p "$(dirname "$1")"
	cat >"$1"
}

# snap: copy the case directory (as planted, before the run) to root/<case>/.
# Git metadata is left out (a .git directory cannot live inside this repository).
snap() {
	local dst=$ROOTS/$CASE$C
	mkdir -p "$dst"
	cp -a "$D" "$dst/"
	find "$dst" -name .git -prune -exec rm -rf {} +
	find "$dst" \( -type s -o -type p \) -delete
	# git keeps no empty directory: a placeholder keeps the case's layout (an empty logs/ or
	# run/ directory is part of the fault or of its absence).
	find "$dst" -type d -empty -exec touch {}/.culprit-keep \;
	chmod -R u+rwX,go+rX,go-w "$ROOTS/$CASE"
	chown -R --reference="$HERE" "$ROOTS/$CASE"
}

# c_prog DIR: a tiny program using libgreet.so.1 (sources only).
c_sources() {
	put "$1/src/greet.c" <<'EOF'
#include <stdio.h>
void greet(const char *who) { printf("hello, %s\n", who); }
EOF
	put "$1/src/main.c" <<'EOF'
#include <stdio.h>
void greet(const char *who);
int main(void) { greet("corpus"); return 0; }
EOF
}

# ---------------------------------------------------------------------------
# web server configurations
# ---------------------------------------------------------------------------
# nginx_conf DIR PORT EXTRA-SERVER-LINES [EXTRA-HTTP-LINES] [ERROR_LOG]
nginx_conf() {
	local d=$1 port=$2 server=$3 http=${4:-} elog=${5:-$1/logs/error.log}
	mkdir -p "$d/run" "$d/logs" "$d/tmp"
	put "$d/nginx.conf" <<EOF
# nginx configuration of the corpus case $(basename "$d")
user www-data;
worker_processes 1;
pid $d/run/nginx.pid;
error_log $elog;

events {
    worker_connections 64;
}

http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    client_body_temp_path $d/tmp/body;
    proxy_temp_path $d/tmp/proxy;
    fastcgi_temp_path $d/tmp/fastcgi;
    uwsgi_temp_path $d/tmp/uwsgi;
    scgi_temp_path $d/tmp/scgi;
$http
    server {
        listen 127.0.0.1:$port;
        server_name localhost;
        root $d/www;
        index index.html;
$server
    }
}
EOF
}

# apache_conf DIR PORT EXTRA-LINES [ERRORLOG] [DOCROOT]
apache_conf() {
	local d=$1 port=$2 extra=$3 elog=${4:-$1/logs/error.log} docroot=${5:-$1/htdocs}
	mkdir -p "$d/run" "$d/logs"
	put "$d/apache2.conf" <<EOF
# Apache 2.4 configuration of the corpus case $(basename "$d")
ServerRoot "$d"
DefaultRuntimeDir $d/run
PidFile $d/run/apache2.pid
Mutex file:$d/run default
Timeout 30
KeepAlive Off

LoadModule mpm_prefork_module /usr/lib/apache2/modules/mod_mpm_prefork.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
LoadModule mime_module /usr/lib/apache2/modules/mod_mime.so
LoadModule dir_module /usr/lib/apache2/modules/mod_dir.so
LoadModule php_module /usr/lib/apache2/modules/libphp$PHPV.so

ServerName localhost
Listen 127.0.0.1:$port
User www-data
Group www-data
ErrorLog $elog
LogLevel warn
TypesConfig /etc/mime.types

DocumentRoot $docroot
<Directory />
    AllowOverride None
    Require all denied
</Directory>
<Directory $docroot>
    Require all granted
</Directory>
DirectoryIndex index.html index.php
<FilesMatch "\.php\$">
    SetHandler application/x-httpd-php
</FilesMatch>
$extra
EOF
}

# ===========================================================================
# the cases
# ===========================================================================

# ------------------------------------------------------------------ Python
py_cases() {
	mk py-config-missing
	mkdir -p "$D/etc"
	put "$D/etc/logging.ini" <<<'[loggers]'
	put "$D/app.py" <<EOF
import configparser

CONFIG = "$D/etc/app.ini"

def load():
    parser = configparser.ConfigParser()
    with open(CONFIG) as fh:
        parser.read_file(fh)
    return parser

if __name__ == "__main__":
    cfg = load()
    print("listening on", cfg["server"]["port"])
EOF
	snap
	trace "$CASE" plain -- python3 app.py
	trace "$CASE" f-tt-T-y -- python3 app.py

	mk py-import-typo
	put "$D/helpers.py" <<'EOF'
def greet(name):
    return "hello " + name
EOF
	put "$D/main.py" <<'EOF'
from helpres import greet

print(greet("world"))
EOF
	snap
	trace "$CASE" f -- python3 main.py

	mk py-eacces
	put "$D/data/secret.csv" <<<'id,token'
	chmod 600 "$D/data/secret.csv"
	put "$D/report.py" <<EOF
import csv

with open("$D/data/secret.csv", newline="") as fh:
    rows = list(csv.reader(fh))
print(len(rows), "rows")
EOF
	chmod 755 "$D/data"
	snap
	trace "$CASE" f-tt-T-y HOME=/var/www -- setpriv --reuid=www-data --regid=www-data --init-groups python3 report.py

	mk py-connect-refused
	put "$D/client.py" <<'EOF'
import socket

sock = socket.create_connection(("127.0.0.1", 18931))
sock.sendall(b"PING\r\n")
print(sock.recv(64))
EOF
	snap
	trace "$CASE" f-yy -- python3 client.py

	mk py-data-dir-missing
	put "$D/process.py" <<EOF
import csv
import os

INBOX = os.path.join("$D", "incoming")

total = 0
with open(os.path.join(INBOX, "orders.csv"), newline="") as fh:
    for row in csv.DictReader(fh):
        total += int(row["qty"])
print("total", total)
EOF
	mkdir -p "$D/processed"
	snap
	trace "$CASE" f-ttt -- python3 process.py

	mk py-site-packages-plugin
	local sp=$D/venv/lib/python3.11/site-packages
	put "$sp/shopapp/__init__.py" <<'EOF'
import importlib.util
import os

PLUGIN_DIR = os.path.join(os.path.dirname(__file__), "plugins")

def load_plugin(name):
    path = os.path.join(PLUGIN_DIR, name + ".py")
    spec = importlib.util.spec_from_file_location("shopapp.plugins." + name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
EOF
	put "$sp/shopapp/plugins/shipping.py" <<<'RATE = 5'
	put "$D/run.py" <<'EOF'
import shopapp

for name in ("shipping", "payments"):
    shopapp.load_plugin(name)
print("plugins loaded")
EOF
	snap
	trace "$CASE" f "PYTHONPATH=$sp" -- python3 run.py

	mk py-home-config
	put "$D/notes.py" <<'EOF'
import os
import sys

path = os.path.expanduser("~/.config/notes/config.toml")
try:
    with open(path) as fh:
        settings = fh.read()
except OSError as e:
    sys.stderr.write("notes: cannot read %s: %s\n" % (path, e.strerror))
    sys.exit(1)
print(settings)
EOF
	snap
	trace "$CASE" f-tt-T-y-s64 -- python3 notes.py

	# a job run as www-data without resetting HOME (sudo -u style): ~/.my.cnf
	# is /root/.my.cnf, which www-data cannot read.
	mk py-home-eacces
	put "$D/dbdump.py" <<'EOF2'
import configparser
import os

cnf = os.path.expanduser("~/.my.cnf")
parser = configparser.ConfigParser()
with open(cnf) as fh:
    parser.read_file(fh)
print("user", parser["client"]["user"])
EOF2
	snap
	trace "$CASE" f-ttt HOME=/root -- setpriv --reuid=www-data --regid=www-data --init-groups python3 dbdump.py

	mk py-access-check
	put "$D/license.py" <<EOF
import os
import sys

LICENSE = "$D/license.key"
if not os.path.exists(LICENSE):
    sys.stderr.write("license file %s is missing, refusing to start\n" % LICENSE)
    sys.exit(1)
print("licensed")
EOF
	snap
	trace "$CASE" f-e-file-process-write -- python3 license.py

	# connect() times out: a listener in a private network namespace whose
	# accept queue is full drops our SYN; SYN retries lowered to 1 (about 3 s).
	mk py-connect-timeout
	put "$D/busy_server.py" <<'EOF'
import socket, sys, time
srv = socket.socket()
srv.bind(("127.0.0.1", 18932))
srv.listen(0)
fillers = []
for _ in range(2):
    c = socket.socket()
    c.setblocking(False)
    try:
        c.connect(("127.0.0.1", 18932))
    except BlockingIOError:
        pass
    fillers.append(c)
time.sleep(0.3)
open(sys.argv[1], "w").close()
time.sleep(20)
EOF
	put "$D/netns.sh" <<EOF
#!/bin/sh
# private network namespace: loopback only, a busy listener on 127.0.0.1:18932
ip link set lo up
sysctl -qw net.ipv4.tcp_syn_retries=1
python3 $D/busy_server.py $D/ready &
while [ ! -e $D/ready ]; do sleep 0.1; done
exec "\$@"
EOF
	put "$D/fetch.py" <<'EOF'
import socket

sock = socket.create_connection(("127.0.0.1", 18932))
sock.sendall(b"GET / HTTP/1.0\r\n\r\n")
print(sock.recv(128))
EOF
	snap
	PRE=(unshare -n -- sh "$D/netns.sh")
	trace "$CASE" f-tt-T-y -- python3 fetch.py

	mk py-host-unreachable
	put "$D/netns.sh" <<'EOF'
#!/bin/sh
# private network namespace: loopback up, 10.77.0.0/24 routed as unreachable
ip link set lo up
ip route add unreachable 10.77.0.0/24
exec "$@"
EOF
	put "$D/dbcheck.py" <<'EOF'
import socket

sock = socket.create_connection(("10.77.0.5", 5432))
print("database reachable")
EOF
	snap
	PRE=(unshare -n -- sh "$D/netns.sh")
	trace "$CASE" f-y-s512 -- python3 dbcheck.py
}

# -------------------------------------------------------------------- curl
curl_cases() {
	mk curl-net-unreachable
	put "$D/netns.sh" <<'EOF'
#!/bin/sh
# private network namespace with no usable interface and no route at all
exec "$@"
EOF
	put "$D/healthcheck.sh" <<'EOF'
#!/bin/sh
# health check of the backend
curl -sS --max-time 5 -o /dev/null http://10.77.0.5:8080/health
EOF
	snap
	PRE=(unshare -n -- sh "$D/netns.sh")
	trace "$CASE" f -- sh healthcheck.sh
}

# --------------------------------------------------------------------- PHP
php_cases() {
	mk php-require-typo
	put "$D/lib/config.php" <<'EOF'
<?php
return ['db' => 'shop', 'user' => 'shop'];
EOF
	put "$D/index.php" <<'EOF'
<?php
$config = require __DIR__ . '/lib/config.phpp';
echo "database: ", $config['db'], "\n";
EOF
	snap
	trace "$CASE" f-tt-T-y -- php index.php
	trace "$CASE" f-r -- php index.php

	mk php-include-missing
	put "$D/partials/header.php" <<'EOF'
<?php
function render_header() { echo "<header>shop</header>\n"; }
EOF
	put "$D/page.php" <<'EOF'
<?php
include 'partials/header.php';
include 'partials/footer.php';
render_header();
echo "<main>catalogue</main>\n";
render_footer();
EOF
	snap
	trace "$CASE" f -- php page.php

	mk php-fopen-eacces
	put "$D/data/customers.csv" <<<'id,name'
	chmod 600 "$D/data/customers.csv"
	put "$D/export.php" <<EOF
<?php
\$fh = fopen('$D/data/customers.csv', 'r');
if (\$fh === false) {
    fwrite(STDERR, "export: cannot open customers.csv\n");
    exit(1);
}
while ((\$row = fgetcsv(\$fh)) !== false) { echo implode(';', \$row), "\n"; }
EOF
	snap
	trace "$CASE" f-y-s512 HOME=/var/www -- setpriv --reuid=www-data --regid=www-data --init-groups php export.php

	mk php-auto-prepend-missing
	put "$D/bootstrap/autoload.php" <<'EOF'
<?php
spl_autoload_register(function ($c) { require __DIR__ . "/../src/$c.php"; });
EOF
	put "$D/php.ini" <<EOF
; application php.ini (php -c)
memory_limit = 64M
log_errors = On
display_errors = Off
auto_prepend_file = $D/bootstrap/prepend.php
EOF
	put "$D/run.php" <<'EOF'
<?php
echo "job done\n";
EOF
	snap
	trace "$CASE" f-ttt -- php -c "$D/php.ini" run.php

	mk php-share-php-missing
	put "$D/mail.php" <<'EOF'
<?php
require_once '/usr/share/php/Net/SMTP.php';
$smtp = new Net_SMTP('localhost');
echo "connected\n";
EOF
	snap
	trace "$CASE" f-yy -- php mail.php

	mk php-session-path-typo
	put "$D/login.php" <<'EOF'
<?php
ini_set('session.save_path', '/var/lib/php/session');
session_id('corpus0session0id');
if (!session_start()) {
    fwrite(STDERR, "login: cannot start session\n");
    exit(1);
}
$_SESSION['user'] = 'alice';
echo "logged in\n";
EOF
	snap
	trace "$CASE" f-tt-T-y -- php login.php

	mk php-session-eacces
	mkdir -p "$D/sessions"
	chmod 700 "$D/sessions"
	put "$D/login.php" <<EOF
<?php
ini_set('session.save_path', '$D/sessions');
session_id('corpus0session0id');
if (!session_start()) {
    fwrite(STDERR, "login: cannot start session\n");
    exit(1);
}
\$_SESSION['user'] = 'alice';
echo "logged in\n";
EOF
	snap
	trace "$CASE" f-r HOME=/var/www -- setpriv --reuid=www-data --regid=www-data --init-groups php login.php
}

# ------------------------------------------------------------------- shell
sh_cases() {
	mk sh-default-missing
	put "$D/start.sh" <<'EOF'
#!/bin/sh
# start wrapper: settings come from /etc/default/myapp
set -e
. /etc/default/myapp
echo "starting myapp on port ${PORT:-8000}"
EOF
	chmod 755 "$D/start.sh"
	snap
	trace "$CASE" plain -- sh start.sh
	trace "$CASE" f-tt-T-y-s64 -- sh start.sh

	mk sh-cat-missing
	mkdir -p "$D/templates"
	put "$D/templates/welcome.html" <<<'<h1>Welcome</h1>'
	put "$D/motd.sh" <<EOF
#!/bin/sh
set -e
cat $D/templates/banner.txt
echo "---"
EOF
	snap
	trace "$CASE" f-e-file-process-write -- sh motd.sh

	mk sh-cat-security
	put "$D/limits.sh" <<'EOF'
#!/bin/sh
set -e
echo "applying limits"
cat /etc/security/myapp.conf
EOF
	snap
	trace "$CASE" f-ttt -- sh limits.sh

	mk sh-command-not-found
	put "$D/deploy.sh" <<'EOF'
#!/bin/sh
set -e
echo "deploying assets"
rsync-assets --target /srv/www
echo done
EOF
	snap
	trace "$CASE" f -- sh deploy.sh
	trace "$CASE" f-tt-T-y -- sh deploy.sh

	mk bash-command-not-found
	put "$D/install.sh" <<'EOF'
#!/bin/bash
set -e
echo "installing dependencies"
composer install --no-dev
EOF
	snap
	trace "$CASE" f-y-s512 -- bash install.sh

	mk sh-cd-missing
	mkdir -p "$D/releases/2024-05-01"
	put "$D/switch.sh" <<EOF
#!/bin/sh
set -e
cd $D/releases/current
./migrate
EOF
	snap
	trace "$CASE" plain -- sh switch.sh

	mk sh-redirect-logdir
	put "$D/backup.sh" <<EOF
#!/bin/sh
# all output of the job goes to its log file
exec >>$D/log/backup.log 2>&1
echo "backup started"
tar cf - -C /etc hostname >/dev/null
EOF
	snap
	trace "$CASE" f-r -- sh backup.sh

	mk sh-usr-local-bin
	put "$D/nightly.sh" <<'EOF'
#!/bin/sh
set -e
echo "nightly backup"
/usr/local/bin/backup-tool --all
EOF
	snap
	trace "$CASE" f-yy -- sh nightly.sh

	mk sh-ls-nonexistent
	put "$D/check-home.sh" <<'EOF'
#!/bin/sh
# list the home directory of the service account
home=$(getent passwd nobody | cut -d: -f6)
echo "home of nobody: $home"
ls -la "$home"
EOF
	snap
	trace "$CASE" f -- sh check-home.sh
}

# ------------------------------------------------------------------- nginx
# Searches that find nothing: a command along a $PATH with a relative entry.
search_cases() {
	mk sh-path-relative-entry
	put "$D/docs.sh" <<'EOF'
#!/bin/sh
# builds the documentation; PATH is set by the CI job that calls it
mkdocs build --strict
EOF
	mkdir -p "$D/site"
	snap
	trace "$CASE" f-tt-T-y PATH=bb:/opt/tools/bin:/usr/bin:/bin -- sh docs.sh
}

nginx_cases() {
	mk nginx-ssl-cert-missing
	mkdir -p "$D/ssl" "$D/www"
	echo ok >"$D/www/index.html"
	openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=localhost \
		-keyout "$D/ssl/site.key" -out "$D/ssl/localhost.pem" 2>/dev/null
	nginx_conf "$D" 18080 "        listen 127.0.0.1:18443 ssl;
        ssl_certificate $D/ssl/site.crt;
        ssl_certificate_key $D/ssl/site.key;"
	snap
	trace "$CASE" f-y-s512 -- nginx -t -e stderr -c "$D/nginx.conf"

	mk nginx-tls-key-missing
	mkdir -p "$D/etc/tls/certs" "$D/etc/tls/private" "$D/www"
	echo ok >"$D/www/index.html"
	openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=localhost \
		-keyout "$D/etc/tls/private/other.key" -out "$D/etc/tls/certs/site.crt" 2>/dev/null
	nginx_conf "$D" 18080 "        listen 127.0.0.1:18443 ssl;
        ssl_certificate $D/etc/tls/certs/site.crt;
        ssl_certificate_key $D/etc/tls/private/site.key;"
	rm -f "$D/etc/tls/private/other.key"
	snap
	trace "$CASE" f-tt-T-y -- nginx -t -e stderr -c "$D/nginx.conf"

	mk nginx-include-missing
	mkdir -p "$D/conf.d" "$D/www"
	put "$D/conf.d/gzip.conf" <<<'gzip on;'
	nginx_conf "$D" 18080 "" "    include $D/conf.d/gzip.conf;
    include $D/conf.d/upstream.conf;"
	snap
	trace "$CASE" f -- nginx -t -e stderr -c "$D/nginx.conf"

	mk nginx-errorlog-dir-missing
	mkdir -p "$D/www" "$D/var"
	nginx_conf "$D" 18080 "" "" "$D/var/log/nginx/error.log"
	rm -rf "$D/logs"
	snap
	trace "$CASE" f-ttt -- nginx -t -e stderr -c "$D/nginx.conf"

	mk nginx-unknown-directive
	mkdir -p "$D/www"
	nginx_conf "$D" 18080 "        sever_tokens off;"
	snap
	trace "$CASE" f-tt-T-y -- nginx -t -e stderr -c "$D/nginx.conf"
	trace "$CASE" plain -- nginx -t -e stderr -c "$D/nginx.conf"

	mk nginx-root-eacces
	mkdir -p "$D/www"
	echo '<h1>shop</h1>' >"$D/www/index.html"
	chmod 700 "$D/www"
	nginx_conf "$D" 18081 ""
	snap
	trace_bg "$CASE" ff -- nginx -e stderr -c "$D/nginx.conf" -g 'daemon off;'
	wait_port 18081 && get "$CASE" 18081 / 403
	stop_bg QUIT

	mk nginx-upstream-refused
	mkdir -p "$D/www"
	nginx_conf "$D" 18082 "        location / {
            proxy_pass http://127.0.0.1:18931;
        }"
	snap
	trace_bg "$CASE" f-tt-T-y -- nginx -e stderr -c "$D/nginx.conf" -g 'daemon off;'
	wait_port 18082 && get "$CASE" 18082 /cart 502
	stop_bg QUIT

	mk nginx-fpm-socket-missing
	mkdir -p "$D/www" "$D/run"
	put "$D/www/index.php" <<<'<?php echo "shop";'
	nginx_conf "$D" 18083 "        index index.php;
        location ~ \\.php\$ {
            include /etc/nginx/fastcgi_params;
            fastcgi_param SCRIPT_FILENAME \$document_root\$fastcgi_script_name;
            fastcgi_pass unix:$D/run/php-fpm.sock;
        }"
	snap
	trace_bg "$CASE" f-yy -- nginx -e stderr -c "$D/nginx.conf" -g 'daemon off;'
	wait_port 18083 && get "$CASE" 18083 /index.php 502
	stop_bg QUIT
}

# ----------------------------------------------------------------- php-fpm
fpm_cases() {
	mk fpm-pool-include-missing
	mkdir -p "$D/pool.d" "$D/run" "$D/logs"
	put "$D/php-fpm.conf" <<EOF
; php-fpm main configuration of the corpus case
[global]
pid = $D/run/php-fpm.pid
error_log = /proc/self/fd/2
daemonize = no

include = $D/pool.d/www.conf
EOF
	put "$D/pool.d/www.conf.dpkg-dist" <<EOF
[www]
user = www-data
group = www-data
listen = $D/run/php-fpm.sock
pm = static
pm.max_children = 1
EOF
	snap
	trace "$CASE" f-tt-T-y -- php-fpm$PHPV -F -O -y "$D/php-fpm.conf"

	mk fpm-socket-dir-missing
	mkdir -p "$D/run" "$D/logs"
	put "$D/php-fpm.conf" <<EOF
; php-fpm main configuration of the corpus case
[global]
pid = $D/run/php-fpm.pid
error_log = /proc/self/fd/2
daemonize = no

[www]
user = www-data
group = www-data
listen = $D/run/php/www.sock
pm = static
pm.max_children = 1
EOF
	snap
	trace "$CASE" f -- php-fpm$PHPV -F -O -y "$D/php-fpm.conf"
}

# ------------------------------------------------------------------ daemons
daemon_cases() {
	mk daemon-conf-missing
	put "$D/sbin/culpritd" <<'EOF'
#!/usr/bin/python3
"""culpritd: a small queue daemon (runs in the foreground, like under systemd)."""
import os
import sys

CONF = os.environ.get("CULPRITD_CONF", "/etc/culpritd/culpritd.conf")

def main():
    try:
        with open(CONF) as fh:
            lines = [l.strip() for l in fh if l.strip() and not l.startswith("#")]
    except OSError as e:
        print("culpritd: cannot read configuration %s: %s" % (CONF, e.strerror), file=sys.stderr)
        return 78
    settings = dict(l.split("=", 1) for l in lines)
    with open(settings["pidfile"], "w") as fh:
        fh.write("%d\n" % os.getpid())
    print("culpritd: ready", flush=True)
    return 0

sys.exit(main())
EOF
	chmod 755 "$D/sbin/culpritd"
	snap
	trace "$CASE" f-tt-T-y -- "$D/sbin/culpritd"
	trace "$CASE" plain -- "$D/sbin/culpritd"

	mk daemon-piddir-missing
	put "$D/etc/syncd.conf" <<'EOF'
# culprit-syncd settings
INTERVAL=1
PIDFILE=/run/culprit-syncd/syncd.pid
EOF
	put "$D/sbin/culprit-syncd" <<'EOF'
#!/bin/sh
# culprit-syncd: foreground sync daemon; -c CONFIG
set -e
CONF=/etc/culprit-syncd/syncd.conf
[ "$1" = "-c" ] && CONF=$2
. "$CONF"
echo $$ >"$PIDFILE"
echo "culprit-syncd: started"
EOF
	chmod 755 "$D/sbin/culprit-syncd"
	snap
	trace "$CASE" f-e-file-process-write -- "$D/sbin/culprit-syncd" -c "$D/etc/syncd.conf"
}

# ---------------------------------------------------------------------- git
git_init() { # DIR
	git init -q -b main "$1"
	git -C "$1" config user.name "Corpus Builder"
	git -C "$1" config user.email "corpus@example.test"
	echo "hello" >"$1/README"
	git -C "$1" add README
	GIT_AUTHOR_DATE=2024-01-01T00:00:00Z GIT_COMMITTER_DATE=2024-01-01T00:00:00Z git -C "$1" commit -q -m initial
}

git_cases() {
	mk git-config-eacces
	mkdir -p "$D/home"
	git_init "$D/repo"
	chown -R www-data:www-data "$D/repo" "$D/home"
	chown root:root "$D/repo/.git/config"
	chmod 600 "$D/repo/.git/config"
	snap
	trace "$CASE" f-tt-T-y HOME="$D/home" -- setpriv --reuid=www-data --regid=www-data --init-groups git -C "$D/repo" status

	mk git-missing-repo
	mkdir -p "$D/repos/blog"
	snap
	trace "$CASE" f-y-s512 -- git -C "$D/repos/shop" status

	mk git-hook-interpreter
	git_init "$D/repo"
	# hooks shared through the work tree (core.hooksPath)
	put "$D/repo/githooks/pre-commit" <<'EOF'
#!/usr/bin/python2
print "checking"
EOF
	chmod 755 "$D/repo/githooks/pre-commit"
	git -C "$D/repo" config core.hooksPath githooks
	echo "more" >>"$D/repo/README"
	git -C "$D/repo" add README
	snap
	trace "$CASE" f -- git -C "$D/repo" commit -q -m change

}

# --------------------------------------------------------------------- cron
cron_cases() {
	mk runparts-crlf
	mkdir -p "$D/cron.daily"
	printf '#!/bin/sh\necho rotated\n' >"$D/cron.daily/10-rotate"
	printf '#!/bin/sh\r\necho cleaned\r\n' >"$D/cron.daily/20-cleanup"
	chmod 755 "$D/cron.daily/"*
	snap
	trace "$CASE" ff -- run-parts --report "$D/cron.daily"
	trace "$CASE" f-e-file-process-write -- run-parts --report "$D/cron.daily"

	mk runparts-venv-interp
	mkdir -p "$D/cron.hourly" "$D/venv/lib"
	printf '#!%s/venv/bin/python3\nprint("stats")\n' "$D" >"$D/cron.hourly/stats"
	chmod 755 "$D/cron.hourly/stats"
	snap
	trace "$CASE" f-tt-T-y -- run-parts --report "$D/cron.hourly"

	mk runparts-env-python2
	mkdir -p "$D/cron.weekly"
	printf '#!/usr/bin/env python2\nprint "report"\n' >"$D/cron.weekly/report"
	chmod 755 "$D/cron.weekly/report"
	snap
	trace "$CASE" f -- run-parts --report "$D/cron.weekly"
}

# ------------------------------------------------------------------- ld.so
ldso_cases() {
	mk ldso-missing-lib
	c_sources "$D"
	mkdir -p "$D/build"
	gcc -shared -fPIC -Wl,-soname,libgreet.so.1 -o "$D/build/libgreet.so.1" "$D/src/greet.c"
	ln -sf libgreet.so.1 "$D/build/libgreet.so"
	gcc -o "$D/greet" "$D/src/main.c" -L"$D/build" -lgreet
	rm -rf "$D/build"
	snap
	trace "$CASE" f-tt-T-y -- "$D/greet"
	trace "$CASE" f-r -- "$D/greet"

	mk ldso-rpath-lib-removed
	c_sources "$D"
	mkdir -p "$D/lib"
	gcc -shared -fPIC -Wl,-soname,libgreet.so.1 -o "$D/lib/libgreet.so.1" "$D/src/greet.c"
	ln -sf libgreet.so.1 "$D/lib/libgreet.so"
	gcc -o "$D/greet" "$D/src/main.c" -L"$D/lib" -lgreet -Wl,-rpath,"$D/lib"
	rm -f "$D/lib/libgreet.so.1" "$D/lib/libgreet.so"
	snap
	trace "$CASE" f-yy -- "$D/greet"

	mk ldso-bad-interp
	c_sources "$D"
	put "$D/run.sh" <<EOF
#!/bin/sh
exec $D/app
EOF
	gcc -o "$D/app" "$D/src/greet.c" "$D/src/main.c" -Wl,--dynamic-linker=/lib/nonexistent/ld.so
	snap
	trace "$CASE" f -- sh run.sh

	mk ldso-patchelf-interp
	c_sources "$D"
	put "$D/run.sh" <<EOF
#!/bin/bash
$D/app
EOF
	gcc -o "$D/app" "$D/src/greet.c" "$D/src/main.c"
	patchelf --set-interpreter /lib64/ld-linux-x86-64.so.3 "$D/app"
	snap
	trace "$CASE" f-tt-T-y -- bash run.sh
}

# ------------------------------------------------------------------ Apache
apache_cases() {
	mk apache-include-missing
	mkdir -p "$D/htdocs" "$D/sites"
	echo ok >"$D/htdocs/index.html"
	put "$D/sites/blog.conf" <<<'# blog vhost'
	apache_conf "$D" 18090 "Include $D/sites/blog.conf
Include $D/sites/shop.conf"
	snap
	trace "$CASE" f-y-s512 -- apache2 -t -f "$D/apache2.conf"

	mk apache-loadmodule-typo
	mkdir -p "$D/htdocs"
	apache_conf "$D" 18090 "LoadModule headers_module /usr/lib/apache2/modules/mod_heaers.so"
	snap
	trace "$CASE" f -- apache2 -t -f "$D/apache2.conf"

	mk apache-errorlog-dir-missing
	mkdir -p "$D/htdocs"
	echo ok >"$D/htdocs/index.html"
	apache_conf "$D" 18091 "" "$D/var/log/apache2/error.log"
	rm -rf "$D/logs"
	snap
	trace "$CASE" f-tt-T-y -- apache2 -X -f "$D/apache2.conf"

	mk apache-docroot-missing
	apache_conf "$D" 18092 "" "" "$D/public"
	snap
	trace "$CASE" f-tt-T-y -- apache2 -X -f "$D/apache2.conf"

	mk apache-file-403
	mkdir -p "$D/htdocs"
	echo '<h1>home</h1>' >"$D/htdocs/index.html"
	echo '<h1>report</h1>' >"$D/htdocs/report.html"
	chmod 600 "$D/htdocs/report.html"
	apache_conf "$D" 18093 ""
	snap
	trace_bg "$CASE" f-y-s512 -- apache2 -X -f "$D/apache2.conf"
	wait_port 18093 && get "$CASE" 18093 /report.html 403
	stop_bg TERM

	mk apache-htaccess-403
	mkdir -p "$D/htdocs/members"
	echo '<h1>members</h1>' >"$D/htdocs/members/index.html"
	echo 'Require all granted' >"$D/htdocs/members/.htaccess"
	chmod 000 "$D/htdocs/members/.htaccess"
	apache_conf "$D" 18094 "<Directory $D/htdocs/members>
    AllowOverride All
</Directory>"
	snap
	trace_bg "$CASE" f-tt-T-y -- apache2 -X -f "$D/apache2.conf"
	wait_port 18094 && get "$CASE" 18094 /members/ 403
	stop_bg TERM

	mk apache-php-require-typo
	mkdir -p "$D/htdocs/inc"
	put "$D/htdocs/inc/db.php" <<'EOF'
<?php
function db_name() { return 'shop'; }
EOF
	put "$D/htdocs/index.php" <<'EOF'
<?php
require __DIR__ . '/inc/db.phpp';
echo "<h1>", db_name(), "</h1>\n";
EOF
	apache_conf "$D" 18095 ""
	snap
	trace_bg "$CASE" f -- apache2 -X -f "$D/apache2.conf"
	wait_port 18095 && get "$CASE" 18095 /index.php 500
	stop_bg TERM
}

# ----------------------------------------------------------------- healthy
healthy_cases() {
	mk ok-ls-etc
	snap
	trace "$CASE" plain -- ls /etc

	mk ok-python-import
	snap
	trace "$CASE" f -- python3 -c 'import json, email; print(json.dumps({"ok": True}))'

	mk ok-php-echo
	snap
	trace "$CASE" plain -- php -r 'echo 1, "\n";'

	# git run as www-data with HOME still /root: the per-user config files are
	# unreadable (EACCES), which git tolerates silently.
	mk ok-git-log-foreign-home
	git_init "$D/repo"
	chown -R www-data:www-data "$D/repo"
	snap
	trace "$CASE" f-ttt HOME=/root -- setpriv --reuid=www-data --regid=www-data --init-groups git -C "$D/repo" log --oneline

	mk ok-git-status
	git_init "$D/repo"
	echo "draft" >"$D/repo/NOTES"
	snap
	trace "$CASE" f-tt-T-y -- git -C "$D/repo" status --short

	mk ok-shell-work
	put "$D/report.sh" <<EOF
#!/bin/sh
set -e
out=$D/out
mkdir -p "\$out"
for i in 1 2 3; do echo "line \$i" >>"\$out/lines.txt"; done
wc -l <"\$out/lines.txt" >"\$out/count.txt"
grep -c line "\$out/lines.txt"
cp "\$out/count.txt" "\$out/count.bak"
echo "report ready"
EOF
	snap
	trace "$CASE" f-e-file-process-write -- sh report.sh

	mk ok-make
	put "$D/hello.c" <<'EOF'
#include <stdio.h>
int main(void) { puts("hello"); return 0; }
EOF
	printf 'hello: hello.c\n\tcc -O2 -o hello hello.c\n' >"$D/Makefile"
	snap
	trace "$CASE" f-r -- make -C "$D"

	mk ok-sort-gzip
	printf 'pear\napple\nfig\nbanana\n' >"$D/fruit.txt"
	snap
	trace "$CASE" f-ttt -- sh -c "sort $D/fruit.txt | gzip -c >$D/fruit.txt.gz"

	mk ok-tar
	mkdir -p "$D/site/css"
	echo '<h1>hi</h1>' >"$D/site/index.html"
	echo 'body{}' >"$D/site/css/main.css"
	snap
	trace "$CASE" f-y-s512 -- tar -czf "$D/site.tar.gz" -C "$D" site

	mk ok-runparts
	mkdir -p "$D/cron.daily"
	printf '#!/bin/sh\necho rotated\n' >"$D/cron.daily/10-rotate"
	printf '#!/bin/sh\necho cleaned\n' >"$D/cron.daily/20-cleanup"
	chmod 755 "$D/cron.daily/"*
	snap
	trace "$CASE" ff -- run-parts --report "$D/cron.daily"

	mk ok-nginx-200
	mkdir -p "$D/www"
	echo '<h1>shop</h1>' >"$D/www/index.html"
	nginx_conf "$D" 18084 ""
	snap
	trace_bg "$CASE" f-tt-T-y -- nginx -e stderr -c "$D/nginx.conf" -g 'daemon off;'
	wait_port 18084 && get "$CASE" 18084 / 200
	stop_bg QUIT

	mk ok-apache-php-200
	mkdir -p "$D/htdocs"
	put "$D/htdocs/index.php" <<'EOF'
<?php
echo "<h1>", htmlspecialchars("shop"), "</h1>\n";
EOF
	apache_conf "$D" 18096 ""
	snap
	trace_bg "$CASE" f -- apache2 -X -f "$D/apache2.conf"
	wait_port 18096 && get "$CASE" 18096 /index.php 200
	stop_bg TERM
}

# ===========================================================================
main() {
	preflight
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	mkdir -p "$C" "$CONSOLE" "$LOGS" "$ROOTS"
	touch "$MARKER"
	chmod 755 "$C"
	local only=${1:-}
	# the corpus is rebuilt from scratch
	[[ -n $only ]] || rm -rf "${LOGS:?}"/* "${ROOTS:?}"/*
	local fn
	for fn in py_cases curl_cases php_cases sh_cases nginx_cases fpm_cases daemon_cases git_cases \
		cron_cases ldso_cases apache_cases search_cases healthy_cases; do
		if [[ -z $only || $fn == "$only" ]]; then
			note "running $fn"
			"$fn"
		fi
	done
	chown -R --reference="$HERE" "$LOGS" "$ROOTS"
	chmod -R u+rwX,go+rX,go-w "$LOGS" "$ROOTS"
	note "logs: $(find "$LOGS" -type f | wc -l) files, $(du -sh "$LOGS" | cut -f1)"
	if ((${#WARNINGS[@]})); then
		note "${#WARNINGS[@]} warning(s):"
		printf '  %s\n' "${WARNINGS[@]}" >&2
		exit 1
	fi
}

main "$@"
