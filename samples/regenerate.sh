#!/usr/bin/env bash
# regenerate.sh - rebuild every strace sample in samples/ from REAL runs.
#
# For each scenario this script builds a small program/site under the fixed
# location /srv/culprit-demo/<scenario>/, runs it under the real strace, and
# writes the resulting log into samples/.  The files come from one template
# per program in samples/sites/ (wordpress/ serves three scenarios, apache/
# two); build_scenario() copies it and makes the scenario's own changes (the
# misspelled require, the extra require, the file modes, ...), so every
# difference between the scenarios is written there.  It then copies the demo
# files into samples/root/<scenario>/ (for `culprit --root`), writes
# samples/expected.json and samples/README.md, and finally deletes
# /srv/culprit-demo again.
#
# No log is ever edited by hand.  The only derived file is
# samples/wp-typo.pasted.log, produced by make_pasted() below from a real log
# by a deterministic transformation that imitates a sloppy terminal paste.
#
# Determinism: each traced command runs in its own PID namespace with a fixed
# ns_last_pid, so the traced processes get the same PIDs on every run, and with
# ASLR disabled (setarch -R), so addresses repeat too.  Timestamps, durations,
# inode numbers and random bytes still change from run to run.
#
# Needs: root, strace, php (php-cli 8.2), apache2, setpriv, unshare, setarch,
# jq, a "www-data" user.  Run from anywhere:  sudo samples/regenerate.sh
#
# sudo samples/regenerate.sh --sites-only DIR  only builds every scenario's
# files into DIR/<scenario>/ (as they are in /srv/culprit-demo before the
# traces): nothing traced, samples/ untouched.  tests/test_sample_sites.sh
# uses it to check samples/root/ against the template.
set -euo pipefail

SAMPLES=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$SAMPLES")
SITES="$SAMPLES/sites"
DEMO=/srv/culprit-demo
MARKER="$DEMO/.culprit-demo"
CONSOLE="$DEMO/console"
ARCH=$(uname -m)
CLEAN_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# Include path handed to php-cli (directories that do not exist on a stock
# Debian are probed and fail with ENOENT: benign noise by design).
PHP_INCLUDE_PATH=.:/usr/share/php:/usr/share/pear
# strace forks a few throw-away children at start-up (ptrace feature checks)
# before it forks the tracee; the tracee gets ns_last_pid + PID_OFFSET.
PID_OFFSET=3

WORK=
USE_PIDNS=1
USE_SETARCH=1

die() { printf 'regenerate.sh: error: %s\n' "$*" >&2; exit 1; }
note() { printf 'regenerate.sh: %s\n' "$*" >&2; }

cleanup() {
	if [[ -f "$MARKER" ]]; then
		rm -rf "$DEMO"
	fi
	if [[ -n "$WORK" && -d "$WORK" ]]; then
		rm -rf "$WORK"
	fi
}

preflight() {
	[[ $(id -u) -eq 0 ]] || die "must run as root (it traces a program as www-data and writes to $DEMO)"
	local tool
	for tool in strace php apache2 setpriv unshare setarch jq awk; do
		command -v "$tool" >/dev/null || die "missing tool: $tool"
	done
	id www-data >/dev/null 2>&1 || die "missing user www-data"
	if [[ -e "$DEMO" && ! -f "$MARKER" ]]; then
		die "$DEMO exists and was not made by this script; refusing to touch it"
	fi
	[[ ! -e /run/mysqld/mysqld.sock ]] || die "/run/mysqld/mysqld.sock exists; socket-gone needs it absent"
	local port
	for port in 6379 11300 8089; do
		if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			die "something listens on 127.0.0.1:$port; the socket-gone/apache samples need it closed"
		fi
	done
	if ! unshare --pid --fork --mount-proc -- true 2>/dev/null; then
		note "unshare --pid not permitted here: PIDs in the logs will not be stable"
		USE_PIDNS=0
	fi
	if ! setarch "$ARCH" -R true 2>/dev/null; then
		note "setarch -R not permitted here: addresses in the logs will not be stable"
		USE_SETARCH=0
	fi
}

# run_traced PID CWD STDOUT STDERR ENV... -- CMD...
# Runs CMD (normally "strace ... program ...") in CWD with a clean environment
# made of the ENV assignments, so that the tracee's PID is PID.  Never fails:
# the traced programs are supposed to fail.
run_traced() {
	local pid=$1 cwd=$2 out=$3 err=$4
	shift 4
	local -a envs=()
	while [[ $# -gt 0 && $1 != -- ]]; do
		envs+=("$1")
		shift
	done
	shift
	local -a wrap=()
	if [[ $USE_PIDNS -eq 1 ]]; then
		# shellcheck disable=SC2016 # $1/$@ belong to the inner sh
		wrap+=(unshare --pid --fork --mount-proc -- sh -c 'echo "$1" >/proc/sys/kernel/ns_last_pid && shift && exec "$@"' sh "$((pid - PID_OFFSET))")
	fi
	if [[ $USE_SETARCH -eq 1 ]]; then
		wrap+=(setarch "$ARCH" -R)
	fi
	(cd "$cwd" && exec "${wrap[@]}" env -i "${envs[@]}" "$@") >"$out" 2>"$err" || true
}

# The environment every traced program gets (plus HOME where noted).
base_env() {
	printf '%s\n' "PATH=$CLEAN_PATH" LANG=C.UTF-8
}

# ---------------------------------------------------------------------------
# expectations: collected as JSON lines, turned into expected.json at the end
# ---------------------------------------------------------------------------
EXPECT_JSONL=
README_ROWS=

# expect NAME KIND PATH ERRNO SUGGESTION REF_FILE REF_LINE ROOT BENIGN(comma list) LOG...
# Empty strings become null.  Extra keys can be merged with EXTRA_JSON='{...}'.
EXTRA_JSON='{}'
expect() {
	local name=$1 kind=$2 path=$3 errno=$4 suggestion=$5 ref_file=$6 ref_line=$7 root=$8 benign=$9
	shift 9
	local -a logs=("$@")
	jq -cn \
		--arg name "$name" --arg kind "$kind" --arg path "$path" --arg errno "$errno" \
		--arg suggestion "$suggestion" --arg ref_file "$ref_file" --arg ref_line "$ref_line" \
		--arg root "$root" --arg benign "$benign" --argjson extra "$EXTRA_JSON" \
		--args '{
			name: $name,
			logs: $ARGS.positional,
			root: (if $root == "" then null else $root end),
			kind: $kind,
			path: $path,
			errno: (if $errno == "" then null else $errno end),
			suggestion: (if $suggestion == "" then null else $suggestion end),
			referenced_from: (if $ref_file == "" then null else {file: $ref_file, line: ($ref_line | tonumber)} end),
			benign: ($benign | split(",") | map(select(. != "")))
		} + $extra' "${logs[@]}" >>"$EXPECT_JSONL"
	EXTRA_JSON='{}'
}

# readme_row NAME LOGS COMMAND PROGRAM FINDING
readme_row() {
	printf '%s\t%s\t%s\t%s\t%s\n' "$@" >>"$README_ROWS"
}

# check_log LOG FIXED-STRING...: the log must contain every string.
check_log() {
	local log=$1
	shift
	local s
	for s in "$@"; do
		grep -qF -- "$s" "$log" || die "$(basename "$log"): expected text not found: $s"
	done
}

# check_benign LOG PATH...: each path must appear in a failing syscall.
check_benign() {
	local log=$1
	shift
	local p
	for p in "$@"; do
		grep -F -- "\"$p\"" "$log" | grep -qE -- '= -1 |<unfinished' ||
			die "$(basename "$log"): benign path does not fail in the log: $p"
	done
}

# line_of FILE FIXED-STRING: number of the (single) line containing the string.
line_of() {
	local n
	n=$(grep -nF -- "$2" "$1" | cut -d: -f1)
	[[ -n $n && $n != *$'\n'* ]] || die "line_of: need exactly one line with '$2' in $1 (got '${n//$'\n'/,}')"
	printf '%s\n' "$n"
}

rel() { printf '%s\n' "${1#"$REPO"/}"; }

# ---------------------------------------------------------------------------
# scenario sources: one template per program in samples/sites/, plus each
# scenario's own edits (build_scenario below: every difference between the
# scenarios is there)
# ---------------------------------------------------------------------------

# Every scenario, in the order the samples are recorded; each one's files are
# built in $DEMO/<scenario>/ and copied to samples/root/<scenario>/.
SCENARIOS=(wp-typo perm-denied missing-dir missing-file socket-gone bad-interpreter apache-config apache-module-soo)

# copy_template TEMPLATE DIR SITE_DIR
# Copies samples/sites/TEMPLATE/ to DIR with fixed modes (directories 0755,
# files 0644, whatever the checkout made of them).  A file named NAME.in is
# written as NAME with every "@SITE_DIR@" replaced by SITE_DIR, the directory
# the files will be found in when traced ($DEMO/<scenario>): DIR itself,
# except with --sites-only.
copy_template() {
	local src="$SITES/$1" d=$2 site_dir=$3 in
	[[ -d $src ]] || die "no template $src"
	mkdir -p "$d"
	cp -R "$src/." "$d/"
	while IFS= read -r -d '' in; do
		# literal replacement (no regex, no sed escaping of the path)
		SITE_DIR=$site_dir awk '{
			out = ""
			while ((i = index($0, "@SITE_DIR@")) > 0) {
				out = out substr($0, 1, i - 1) ENVIRON["SITE_DIR"]
				$0 = substr($0, i + 10)
			}
			print out $0
		}' "$in" >"${in%.in}"
		rm "$in"
	done < <(find "$d" -type f -name '*.in' -print0)
	find "$d" -type d -exec chmod 0755 {} +
	find "$d" -type f -exec chmod 0644 {} +
}

# replace_once FILE OLD NEW
# Replaces the text OLD (a plain string, not a pattern) by NEW in FILE; OLD
# must occur exactly once in FILE.
replace_once() {
	local f=$1 hits
	hits=$(OLD=$2 awk '{
		while ((i = index($0, ENVIRON["OLD"])) > 0) { n++; $0 = substr($0, i + length(ENVIRON["OLD"])) }
	} END { print n + 0 }' "$f")
	[[ $hits -eq 1 ]] || die "replace_once: '$2' occurs $hits times in $f (expected once)"
	OLD=$2 NEW=$3 awk '{
		i = index($0, ENVIRON["OLD"])
		if (i > 0) $0 = substr($0, 1, i - 1) ENVIRON["NEW"] substr($0, i + length(ENVIRON["OLD"]))
		print
	}' "$f" >"$f.new"
	cat "$f.new" >"$f"
	rm "$f.new"
}

# insert_before FILE PREFIX TEXT
# Inserts the lines of TEXT before the one line of FILE that starts with PREFIX.
insert_before() {
	local f=$1 hits
	hits=$(PREFIX=$2 awk 'index($0, ENVIRON["PREFIX"]) == 1 { n++ } END { print n + 0 }' "$f")
	[[ $hits -eq 1 ]] || die "insert_before: $hits lines of $f start with '$2' (expected 1)"
	PREFIX=$2 TEXT=$3 awk 'index($0, ENVIRON["PREFIX"]) == 1 { print ENVIRON["TEXT"] } { print }' "$f" >"$f.new"
	cat "$f.new" >"$f"
	rm "$f.new"
}

# build_scenario SCENARIO DIR [SITE_DIR]
# Builds SCENARIO's program or site in DIR: a template from samples/sites/ and
# the scenario's own changes.  SITE_DIR (default DIR) is where the files claim
# to live; only the Apache configuration names it, the other templates name
# their $DEMO/<scenario> paths literally.  Files are root's, as written by root.
build_scenario() {
	local sc=$1 d=$2 site_dir=${3:-$2}
	[[ ! -e $d ]] || die "build_scenario: $d already exists"
	case $sc in
		wp-typo)
			copy_template wordpress "$d" "$site_dir"
			# the culprit: a require of a file name with one letter too many
			replace_once "$d/wp-settings.php" "/class-wp-locale.php'" "/class-wp-locale.phpp'"
			;;
		perm-denied)
			copy_template wordpress "$d" "$site_dir"
			# the culprit: wp-config.php is 0600 root, PHP runs as www-data
			chown -R root:root "$d"
			chmod -R u=rwX,go=rX "$d"
			chmod 0600 "$d/wp-config.php"
			;;
		missing-file)
			copy_template wordpress "$d" "$site_dir"
			# the culprit: wp-config.php requires a HyperDB config that was
			# never deployed (no file of a similar name either)
			insert_before "$d/wp-config.php" "/* That's all, stop editing!" \
				'/** Replica/partitioning settings for the HyperDB drop-in. */
require_once __DIR__ . "/wp-content/db-config.php";
'
			;;
		missing-dir)
			copy_template cleanup-cron "$d" "$site_dir"
			# the culprit is what is NOT there: config.php logs to logs/app.log
			# and logs/ is not created; var/ (lock file, spool) is
			mkdir -m 0755 "$d/var"
			;;
		socket-gone)
			# the culprit is outside: nothing listens on the socket or ports
			# of config.php (preflight checks that)
			copy_template shop-services "$d" "$site_dir"
			;;
		bad-interpreter)
			copy_template nightly-report "$d" "$site_dir"
			# the culprit: report.py's #! names an interpreter that does not exist
			replace_once "$d/bin/report.py" '#!/usr/bin/python3' '#!/usr/bin/pythn3'
			mkdir -m 0755 "$d/reports"
			chmod 0755 "$d/bin/nightly-report.sh" "$d/bin/report.py"
			;;
		apache-config | apache-module-soo)
			copy_template apache "$d" "$site_dir"
			# run/ and logs/ are named by apache2.conf (git keeps no empty directory)
			mkdir -m 0755 "$d/run" "$d/logs"
			if [[ $sc == apache-config ]]; then
				# the culprit: a misspelled directive
				replace_once "$d/apache2.conf" 'LoadModule alias_module' 'LoadModlue alias_module'
			else
				# the culprit: a module file name with one letter too many
				replace_once "$d/apache2.conf" '/mod_rewrite.so' '/mod_rewrite.soo'
			fi
			;;
		*) die "build_scenario: unknown scenario $sc" ;;
	esac
}

# build_sites DIR: every scenario's files in DIR/<scenario>/, as main() builds
# them in $DEMO before tracing (--sites-only).
build_sites() {
	local out=$1 sc
	mkdir -p "$out"
	for sc in "${SCENARIOS[@]}"; do
		build_scenario "$sc" "$out/$sc" "$DEMO/$sc"
	done
}

# ---------------------------------------------------------------------------
# the pasted-from-a-terminal sample (the only derived log)
# ---------------------------------------------------------------------------
# make_pasted SRC DST PROMPT
# Deterministic transformation of the real log SRC:
#  * the shell prompt + command is glued onto the first log line (no newline);
#  * every 3rd line longer than 80 columns, and every line mentioning the
#    culprit (".phpp"), is hard-wrapped at 80 columns; continuation lines start
#    with 8 spaces;
#  * the whole session appears twice (the second copy glued right after the
#    first one); the second copy stops at the first line past the middle of
#    the log that contains a quoted string, cut off in the middle of that
#    string, without a final newline.
make_pasted() {
	local src=$1 dst=$2 prompt=$3 cut_line total
	local copy1="$WORK/pasted.1" trunc="$WORK/pasted.src2" copy2="$WORK/pasted.2"
	total=$(wc -l <"$src")
	cut_line=$(awk -v half="$((total / 2))" 'NR > half && index($0, "\"") > 0 && length($0) - index($0, "\"") > 24 { print NR; exit }' "$src")
	[[ -n $cut_line ]] || die "make_pasted: no line to cut in $src"
	# the truncated source: lines before the cut, then half of the cut line
	head -n "$((cut_line - 1))" "$src" >"$trunc"
	sed -n "${cut_line}p" "$src" | awk '{ i = index($0, "\""); print substr($0, 1, i + 8) }' >>"$trunc"
	# shellcheck disable=SC2016 # an awk program, not shell
	local glue_wrap='
		NR == 1 { $0 = prompt $0 }
		{
			if (length($0) > 80 && (NR % 3 == 0 || index($0, ".phpp") > 0)) {
				print substr($0, 1, 80)
				rest = substr($0, 81)
				while (length(rest) > 72) {
					print "        " substr(rest, 1, 72)
					rest = substr(rest, 73)
				}
				if (length(rest) > 0) print "        " rest
			} else {
				print
			}
		}'
	awk -v prompt="$prompt" "$glue_wrap" "$src" >"$copy1"
	awk -v prompt="$prompt" "$glue_wrap" "$trunc" >"$copy2"
	{
		cat "$copy1"
		# second paste: drop the very last newline (the paste was cut off)
		head -c -1 "$copy2"
	} >"$dst"
}

# ---------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------
main() {
	case $# in
		0) ;;
		2) [[ $1 == --sites-only ]] || die "usage: regenerate.sh [--sites-only DIR]" ;;
		*) die "usage: regenerate.sh [--sites-only DIR]" ;;
	esac
	if [[ $# -eq 2 ]]; then
		# only the files: every scenario's site in DIR/<scenario>/, nothing
		# traced, nothing in samples/ or $DEMO touched
		[[ $(id -u) -eq 0 ]] || die "--sites-only must run as root (the sites are root's files, perm-denied's wp-config.php 0600)"
		build_sites "$2"
		return
	fi
	preflight
	trap cleanup EXIT
	WORK=$(mktemp -d /tmp/culprit-regen.XXXXXX)
	EXPECT_JSONL="$WORK/expected.jsonl"
	README_ROWS="$WORK/readme.tsv"
	: >"$EXPECT_JSONL"
	: >"$README_ROWS"

	rm -rf "$DEMO"
	mkdir -p "$DEMO" "$CONSOLE"
	touch "$MARKER"

	# remove everything this script generates (keeps the script itself)
	rm -rf "$SAMPLES/root"
	find "$SAMPLES" -maxdepth 1 -type f \( -name '*.log' -o -name 'wp-typo.ff-tt.*' -o -name expected.json -o -name README.md \) -delete

	local -a env_root env_www
	mapfile -t env_root < <(base_env)
	env_root+=(HOME=/root)
	mapfile -t env_www < <(base_env)
	env_www+=(HOME=/var/www)

	local S=$SAMPLES
	local wp="$DEMO/wp-typo"
	local php_cmd=(php -d "include_path=$PHP_INCLUDE_PATH" index.php)

	# ----------------------------------------------------------- a. wp-typo
	build_scenario wp-typo "$wp"
	local wp_line wp_culprit="$wp/wp-includes/class-wp-locale.phpp" wp_fix="$wp/wp-includes/class-wp-locale.php"
	wp_line=$(line_of "$wp/wp-settings.php" "class-wp-locale.phpp")
	local wp_benign="/etc/ld.so.preload,$wp/wp-config-local.php,$wp/.maintenance,/usr/share/php/Text/Diff.php,$wp/wp-content/object-cache.php"
	local wp_benign_nof="/etc/ld.so.preload,/usr/lib/locale/C.UTF-8/LC_CTYPE,$wp/wp-config-local.php,/usr/share/php/Text/Diff.php,$wp/wp-content/object-cache.php"
	local -a benign_arr
	IFS=, read -r -a benign_arr <<<"$wp_benign"
	local wp_finding="mistyped-path $wp_culprit (ENOENT), suggest $wp_fix, from wp-settings.php:$wp_line"
	local wp_prog="php-cli: WordPress-like site, index.php -> wp-blog-header.php -> wp-load.php -> wp-config.php -> wp-settings.php"

	# name|strace flags (the log goes to samples/wp-typo.<name>.log)
	local variant log pid=23817
	local -a fl
	for variant in \
		"f-tt-T-y|-f -tt -T -y" \
		"f-ttt|-f -ttt" \
		"f-r|-f -r" \
		"plain|" \
		"f-yy-s512|-f -yy -s 512" \
		"f-X-raw|-f -X raw" \
		"f-X-verbose|-f -X verbose"; do
		local name=${variant%%|*}
		read -r -a fl <<<"${variant#*|}"
		log="$S/wp-typo.$name.log"
		run_traced "$pid" "$wp" "$CONSOLE/wp-typo.$name.out" "$CONSOLE/wp-typo.$name.out" "${env_root[@]}" -- \
			strace "${fl[@]}" -o "$log" "${php_cmd[@]}"
		check_log "$log" "\"$wp_culprit\"" 'PHP Warning:  require(' 'exited with 255'
		if [[ $name == plain ]]; then
			IFS=, read -r -a benign_arr <<<"$wp_benign_nof"
			check_benign "$log" "${benign_arr[@]}"
			expect "wp-typo-$name" mistyped-path "$wp_culprit" ENOENT "$wp_fix" "$wp/wp-settings.php" "$wp_line" samples/root/wp-typo "$wp_benign_nof" "$(rel "$log")"
		else
			IFS=, read -r -a benign_arr <<<"$wp_benign"
			check_benign "$log" "${benign_arr[@]}"
			expect "wp-typo-$name" mistyped-path "$wp_culprit" ENOENT "$wp_fix" "$wp/wp-settings.php" "$wp_line" samples/root/wp-typo "$wp_benign" "$(rel "$log")"
		fi
		readme_row "wp-typo-$name" "$(rel "$log")" "cd $wp && strace ${fl[*]}${fl[*]:+ }-o LOG ${php_cmd[*]}" "$wp_prog" "$wp_finding"
	done
	check_log "$S/wp-typo.f-yy-s512.log" "in $wp/wp-settings.php on line $wp_line" "in $wp/wp-settings.php:$wp_line"

	# -ff -o PREFIX: one file per process, named PREFIX.PID by strace
	local ffdir="$WORK/ff"
	mkdir -p "$ffdir"
	run_traced "$pid" "$wp" "$CONSOLE/wp-typo.ff.out" "$CONSOLE/wp-typo.ff.out" "${env_root[@]}" -- \
		strace -ff -tt -o "$ffdir/wp-typo.ff-tt" "${php_cmd[@]}"
	local -a fflogs=()
	local f
	for f in "$ffdir"/wp-typo.ff-tt.*; do
		mv "$f" "$S/"
		fflogs+=("$(rel "$S/$(basename "$f")")")
	done
	[[ ${#fflogs[@]} -ge 2 ]] || die "-ff produced only ${#fflogs[@]} file(s)"
	cat "$S"/wp-typo.ff-tt.* >"$WORK/ff.all"
	check_log "$WORK/ff.all" "\"$wp_culprit\"" '"/usr/local/sbin/uname"'
	local wp_benign_ff="/etc/ld.so.preload,$wp/.maintenance,/usr/share/php/Text/Diff.php,$wp/wp-content/object-cache.php,/usr/local/sbin/uname"
	IFS=, read -r -a benign_arr <<<"$wp_benign_ff"
	check_benign "$WORK/ff.all" "${benign_arr[@]}"
	expect "wp-typo-ff-tt" mistyped-path "$wp_culprit" ENOENT "$wp_fix" "$wp/wp-settings.php" "$wp_line" samples/root/wp-typo "$wp_benign_ff" "${fflogs[@]}"
	readme_row "wp-typo-ff-tt" "${fflogs[*]}" "cd $wp && strace -ff -tt -o wp-typo.ff-tt ${php_cmd[*]}" "$wp_prog (forks sh -c 'uname -m' via shell_exec)" "$wp_finding"

	# strace's own output on stderr, mixed with the program's stderr
	log="$S/wp-typo.f-stderr-mixed.log"
	run_traced "$pid" "$wp" "$CONSOLE/wp-typo.mixed.out" "$log" "${env_root[@]}" -- \
		strace -f "${php_cmd[@]}"
	check_log "$log" "\"$wp_culprit\"" "PHP Fatal error:  Uncaught Error: Failed opening required '$wp_culprit'"
	IFS=, read -r -a benign_arr <<<"$wp_benign"
	check_benign "$log" "${benign_arr[@]}"
	expect "wp-typo-f-stderr-mixed" mistyped-path "$wp_culprit" ENOENT "$wp_fix" "$wp/wp-settings.php" "$wp_line" samples/root/wp-typo "$wp_benign" "$(rel "$log")"
	readme_row "wp-typo-f-stderr-mixed" "$(rel "$log")" "cd $wp && strace -f ${php_cmd[*]} 2> LOG" "$wp_prog; strace's trace and PHP's own stderr share one file" "$wp_finding"

	# pasted from a terminal: derived from the mixed log above
	make_pasted "$log" "$S/wp-typo.pasted.log" "root@web1:$wp# strace -f ${php_cmd[*]}"
	EXTRA_JSON='{"derived_from": "samples/wp-typo.f-stderr-mixed.log"}'
	expect "wp-typo-pasted" mistyped-path "$wp_culprit" ENOENT "$wp_fix" "$wp/wp-settings.php" "$wp_line" samples/root/wp-typo "$wp_benign" samples/wp-typo.pasted.log
	readme_row "wp-typo-pasted" samples/wp-typo.pasted.log "(derived) make_pasted() applied to samples/wp-typo.f-stderr-mixed.log" "NOT a direct strace output: a real log transformed to look like a terminal paste" "$wp_finding"

	# ------------------------------------------------------ b. perm-denied
	local pd="$DEMO/perm-denied" pd_line
	build_scenario perm-denied "$pd"
	pd_line=$(line_of "$pd/wp-load.php" "require_once ABSPATH . 'wp-config.php';")
	log="$S/perm-denied.f-tt-T-y-s256.log"
	run_traced 3106 "$pd" "$CONSOLE/perm-denied.out" "$CONSOLE/perm-denied.out" "${env_www[@]}" -- \
		strace -f -tt -T -y -s 256 -o "$log" setpriv --reuid=www-data --regid=www-data --clear-groups "${php_cmd[@]}"
	check_log "$log" "\"$pd/wp-config.php\", O_RDONLY) = -1 EACCES" "Permission denied in $pd/wp-load.php on line $pd_line"
	local pd_benign="/etc/ld.so.preload,/usr/local/bin/php,/var/run/nscd/socket,/usr/lib/locale/C.UTF-8/LC_CTYPE,/usr/bin/php-cli.ini"
	IFS=, read -r -a benign_arr <<<"$pd_benign"
	check_benign "$log" "${benign_arr[@]}"
	expect perm-denied permission-denied "$pd/wp-config.php" EACCES "" "$pd/wp-load.php" "$pd_line" samples/root/perm-denied "$pd_benign" "$(rel "$log")"
	readme_row perm-denied "$(rel "$log")" "cd $pd && strace -f -tt -T -y -s 256 -o LOG setpriv --reuid=www-data --regid=www-data --clear-groups ${php_cmd[*]}" \
		"php-cli as www-data; wp-config.php is mode 0600 owned by root" \
		"permission-denied $pd/wp-config.php (EACCES), no suggestion, from wp-load.php:$pd_line"

	# ------------------------------------------------------ c. missing-dir
	local md="$DEMO/missing-dir" md_line md_site
	build_scenario missing-dir "$md"
	md_line=$(line_of "$md/config.php" "/missing-dir/logs/app.log")
	md_site=$(line_of "$md/lib/Logger.php" "file_put_contents(")
	log="$S/missing-dir.f-tt-T.log"
	run_traced 5120 "$md" "$CONSOLE/missing-dir.out" "$CONSOLE/missing-dir.out" "${env_root[@]}" -- \
		strace -f -tt -T -o "$log" php cron.php
	check_log "$log" "\"$md/logs/app.log\", O_WRONLY|O_CREAT|O_APPEND, 0666) = -1 ENOENT"
	local md_benign="/etc/ld.so.preload,/etc/culprit-demo/cron.ini,$md/var/cron.lock,/usr/bin/php-cli.ini"
	IFS=, read -r -a benign_arr <<<"$md_benign"
	check_benign "$log" "${benign_arr[@]}"
	EXTRA_JSON=$(jq -cn --arg dir "$md/logs" --arg f "$md/lib/Logger.php" --argjson l "$md_site" \
		'{missing_directory: $dir, error_site: {file: $f, line: $l}}')
	expect missing-dir missing-directory "$md/logs/app.log" ENOENT "" "$md/config.php" "$md_line" samples/root/missing-dir "$md_benign" "$(rel "$log")"
	readme_row missing-dir "$(rel "$log")" "cd $md && strace -f -tt -T -o LOG php cron.php" \
		"php-cli cron job appending to a log file whose directory logs/ does not exist" \
		"missing-directory $md/logs (open O_CREAT of $md/logs/app.log, ENOENT), fix: create the directory; path literal in config.php:$md_line (PHP reports lib/Logger.php:$md_site)"

	# ----------------------------------------------------- d. missing-file
	local mf="$DEMO/missing-file" mf_line
	build_scenario missing-file "$mf"
	mf_line=$(line_of "$mf/wp-config.php" "db-config.php")
	log="$S/missing-file.f-ttt-T-y-s256.log"
	run_traced 7781 "$mf" "$CONSOLE/missing-file.out" "$CONSOLE/missing-file.out" "${env_root[@]}" -- \
		strace -f -ttt -T -y -s 256 -o "$log" "${php_cmd[@]}"
	check_log "$log" "\"$mf/wp-content/db-config.php\", O_RDONLY) = -1 ENOENT" "in $mf/wp-config.php on line $mf_line"
	local mf_benign="/etc/ld.so.preload,$mf/wp-config-local.php,/usr/lib/locale/C.UTF-8/LC_CTYPE"
	IFS=, read -r -a benign_arr <<<"$mf_benign"
	check_benign "$log" "${benign_arr[@]}"
	expect missing-file missing-path "$mf/wp-content/db-config.php" ENOENT "" "$mf/wp-config.php" "$mf_line" samples/root/missing-file "$mf_benign" "$(rel "$log")"
	readme_row missing-file "$(rel "$log")" "cd $mf && strace -f -ttt -T -y -s 256 -o LOG ${php_cmd[*]}" \
		"php-cli: WordPress-like site whose wp-config.php requires wp-content/db-config.php (absent, no similar name)" \
		"missing-path $mf/wp-content/db-config.php (ENOENT), no suggestion, from wp-config.php:$mf_line"

	# ------------------------------------------------------ e. socket-gone
	local sg="$DEMO/socket-gone" sg_line
	build_scenario socket-gone "$sg"
	sg_line=$(line_of "$sg/config.php" "/run/mysqld/mysqld.sock")
	log="$S/socket-gone-unix.f-tt-T-yy.log"
	run_traced 9034 "$sg" "$CONSOLE/socket-gone-unix.out" "$CONSOLE/socket-gone-unix.out" "${env_root[@]}" -- \
		strace -f -tt -T -yy -o "$log" php bin/db-check.php
	check_log "$log" 'sun_path="/run/mysqld/mysqld.sock"}, 25) = -1 ENOENT'
	local sg_benign="/etc/ld.so.preload,/var/run/nscd/socket,/usr/bin/php-cli.ini"
	IFS=, read -r -a benign_arr <<<"$sg_benign"
	check_benign "$log" "${benign_arr[@]}"
	expect socket-gone-unix connection-refused /run/mysqld/mysqld.sock ENOENT "" "$sg/config.php" "$sg_line" samples/root/socket-gone "$sg_benign" "$(rel "$log")"
	readme_row socket-gone-unix "$(rel "$log")" "cd $sg && strace -f -tt -T -yy -o LOG php bin/db-check.php" \
		"php-cli health check: stream_socket_client('unix:///run/mysqld/mysqld.sock'); the database is not running (/run/mysqld absent)" \
		"connection-refused /run/mysqld/mysqld.sock (connect ENOENT: the socket is gone — is the database running?), no suggestion, from config.php:$sg_line; glibc's connect to /var/run/nscd/socket also fails ENOENT and is benign"

	sg_line=$(line_of "$sg/config.php" "tcp://127.0.0.1:6379")
	log="$S/socket-gone-tcp-nonblock.f-tt-T-y.log"
	run_traced 9051 "$sg" "$CONSOLE/socket-gone-tcp-nonblock.out" "$CONSOLE/socket-gone-tcp-nonblock.out" "${env_root[@]}" -- \
		strace -f -tt -T -y -o "$log" php bin/cache-warm.php
	check_log "$log" 'sin_port=htons(6379), sin_addr=inet_addr("127.0.0.1")}, 16) = -1 EINPROGRESS' 'SO_ERROR, [ECONNREFUSED]'
	sg_benign="/etc/ld.so.preload,/usr/bin/php-cli.ini,/usr/lib/locale/C.UTF-8/LC_CTYPE"
	IFS=, read -r -a benign_arr <<<"$sg_benign"
	check_benign "$log" "${benign_arr[@]}"
	EXTRA_JSON='{"note": "non-blocking connect: connect() = -1 EINPROGRESS, then getsockopt(SO_ERROR) = 0 with [ECONNREFUSED]"}'
	expect socket-gone-tcp-nonblock connection-refused 127.0.0.1:6379 ECONNREFUSED "" "$sg/config.php" "$sg_line" samples/root/socket-gone "$sg_benign" "$(rel "$log")"
	readme_row socket-gone-tcp-nonblock "$(rel "$log")" "cd $sg && strace -f -tt -T -y -o LOG php bin/cache-warm.php" \
		"php-cli: stream_socket_client('tcp://127.0.0.1:6379'), nothing listens there" \
		"connection-refused 127.0.0.1:6379 (connect EINPROGRESS, then getsockopt SO_ERROR = ECONNREFUSED), from config.php:$sg_line"

	sg_line=$(line_of "$sg/config.php" "127.0.0.1:11300")
	log="$S/socket-gone-tcp.f-tt-T-y.log"
	run_traced 9077 "$sg" "$CONSOLE/socket-gone-tcp.out" "$CONSOLE/socket-gone-tcp.out" "${env_root[@]}" -- \
		strace -f -tt -T -y -o "$log" php bin/queue-worker.php
	check_log "$log" 'sin_port=htons(11300), sin_addr=inet_addr("127.0.0.1")}, 16) = -1 ECONNREFUSED'
	check_benign "$log" "${benign_arr[@]}"
	expect socket-gone-tcp connection-refused 127.0.0.1:11300 ECONNREFUSED "" "$sg/config.php" "$sg_line" samples/root/socket-gone "$sg_benign" "$(rel "$log")"
	readme_row socket-gone-tcp "$(rel "$log")" "cd $sg && strace -f -tt -T -y -o LOG php bin/queue-worker.php" \
		"php-cli: socket_connect() (blocking) to beanstalkd at 127.0.0.1:11300, nothing listens there" \
		"connection-refused 127.0.0.1:11300 (connect = -1 ECONNREFUSED), from config.php:$sg_line"

	# -------------------------------------------------- f. bad-interpreter
	local bi="$DEMO/bad-interpreter"
	build_scenario bad-interpreter "$bi"
	log="$S/bad-interpreter.f-tt-T-y-s128.log"
	run_traced 12205 "$bi" "$CONSOLE/bad-interpreter.out" "$CONSOLE/bad-interpreter.out" "${env_root[@]}" -- \
		strace -f -tt -T -y -s 128 -o "$log" "$bi/bin/nightly-report.sh"
	check_log "$log" "execve(\"$bi/bin/report.py\"" "$bi/bin/report.py: not found"
	grep -F "execve(\"$bi/bin/report.py\"" "$log" | grep -qF '= -1 ENOENT' || die "bad-interpreter: execve of report.py did not fail with ENOENT"
	local bi_benign="/etc/ld.so.preload,/usr/local/sbin/date,/usr/local/bin/mkdir,/usr/share/zoneinfo/UTC0,/etc/selinux/config"
	IFS=, read -r -a benign_arr <<<"$bi_benign"
	check_benign "$log" "${benign_arr[@]}"
	local bi_sugg=""
	[[ -x /usr/bin/python3 ]] && bi_sugg=/usr/bin/python3
	EXTRA_JSON=$(jq -cn --arg s "$bi/bin/report.py" '{script: $s}')
	expect bad-interpreter bad-interpreter /usr/bin/pythn3 ENOENT "$bi_sugg" "$bi/bin/report.py" 1 samples/root/bad-interpreter "$bi_benign" "$(rel "$log")"
	readme_row bad-interpreter "$(rel "$log")" "strace -f -tt -T -y -s 128 -o LOG $bi/bin/nightly-report.sh" \
		"/bin/sh cron script running bin/report.py whose shebang is #!/usr/bin/pythn3" \
		"bad-interpreter /usr/bin/pythn3 (execve of the existing $bi/bin/report.py = -1 ENOENT), suggest ${bi_sugg:-none}, from report.py:1"

	# --------------------------------------------------- g. apache-config
	local ac="$DEMO/apache-config" ac_line
	build_scenario apache-config "$ac"
	ac_line=$(line_of "$ac/apache2.conf" "LoadModlue")
	log="$S/apache-config.f-s512.log"
	run_traced 1733 "$ac" "$CONSOLE/apache-config.out" "$CONSOLE/apache-config.out" "${env_root[@]}" -- \
		strace -f -s 512 -o "$log" apache2 -t -f "$ac/apache2.conf"
	check_log "$log" "AH00526: Syntax error on line $ac_line of $ac/apache2.conf:" "Invalid command 'LoadModlue', perhaps misspelled"
	local ac_benign="/etc/ld.so.preload,/var/run/nscd/socket,/usr/lib/apache2/suexec"
	IFS=, read -r -a benign_arr <<<"$ac_benign"
	check_benign "$log" "${benign_arr[@]}"
	EXTRA_JSON='{"directive": {"found": "LoadModlue", "expected": "LoadModule"}}'
	expect apache-config config-error "$ac/apache2.conf" "" "" "$ac/apache2.conf" "$ac_line" samples/root/apache-config "$ac_benign" "$(rel "$log")"
	readme_row apache-config "$(rel "$log")" "strace -f -s 512 -o LOG apache2 -t -f $ac/apache2.conf" \
		"apache2 -t (config test only) with a misspelled directive" \
		"config-error $ac/apache2.conf line $ac_line: Invalid command 'LoadModlue' (AH00526), from apache2.conf:$ac_line"

	# ----------------------------------------------- h. apache-module-soo
	local am="$DEMO/apache-module-soo" am_line
	build_scenario apache-module-soo "$am"
	am_line=$(line_of "$am/apache2.conf" "mod_rewrite.soo")
	log="$S/apache-module-soo.f-s512.log"
	run_traced 1760 "$am" "$CONSOLE/apache-module-soo.out" "$CONSOLE/apache-module-soo.out" "${env_root[@]}" -- \
		strace -f -s 512 -o "$log" apache2 -t -f "$am/apache2.conf"
	check_log "$log" '"/usr/lib/apache2/modules/mod_rewrite.soo", O_RDONLY|O_CLOEXEC) = -1 ENOENT' \
		"Syntax error on line $am_line of $am/apache2.conf: Cannot load /usr/lib/apache2/modules/mod_rewrite.soo into server"
	local am_benign="/etc/ld.so.preload,/var/run/nscd/socket"
	IFS=, read -r -a benign_arr <<<"$am_benign"
	check_benign "$log" "${benign_arr[@]}"
	expect apache-module-soo mistyped-path /usr/lib/apache2/modules/mod_rewrite.soo ENOENT /usr/lib/apache2/modules/mod_rewrite.so "$am/apache2.conf" "$am_line" samples/root/apache-module-soo "$am_benign" "$(rel "$log")"
	readme_row apache-module-soo "$(rel "$log")" "strace -f -s 512 -o LOG apache2 -t -f $am/apache2.conf" \
		"apache2 -t with LoadModule pointing at mod_rewrite.soo" \
		"mistyped-path /usr/lib/apache2/modules/mod_rewrite.soo (ENOENT), suggest /usr/lib/apache2/modules/mod_rewrite.so, from apache2.conf:$am_line"

	# ------------------------------------------------------ --root copies
	local sc
	for sc in "${SCENARIOS[@]}"; do
		mkdir -p "$S/root/$sc$DEMO"
		cp -R "$DEMO/$sc" "$S/root/$sc$DEMO/"
	done
	# run-time leftovers are not part of the demo sources
	rm -f "$S/root/missing-dir$DEMO/missing-dir/var/cron.lock"
	# System files the analyzer needs for sibling look-ups are represented
	# by EMPTY stand-ins (a directory listing, not the real binaries).
	mkdir -p "$S/root/apache-module-soo/usr/lib/apache2/modules" "$S/root/bad-interpreter/usr/bin"
	for f in /usr/lib/apache2/modules/*.so; do
		: >"$S/root/apache-module-soo/usr/lib/apache2/modules/$(basename "$f")"
	done
	for f in /usr/bin/python3*; do
		[[ -e $f ]] && : >"$S/root/bad-interpreter/usr/bin/$(basename "$f")"
	done
	chown -R --reference="$SAMPLES" "$S/root"
	chmod -R u+rwX,go+rX,go-w "$S/root"
	chmod 0755 "$S/root/bad-interpreter$bi/bin/"*

	# ------------------------------------------------------- sizes / owner
	for f in "$S"/*.log "$S"/wp-typo.ff-tt.*; do
		local size
		size=$(stat -c %s "$f")
		[[ $size -lt 400000 ]] || note "warning: $(basename "$f") is $size bytes"
	done
	chown --reference="$SAMPLES" "$S"/*.log "$S"/wp-typo.ff-tt.*

	jq -s '.' "$EXPECT_JSONL" >"$S/expected.json"
	write_readme >"$S/README.md"
	chown --reference="$SAMPLES" "$S/expected.json" "$S/README.md"
	note "done: $(find "$S" -maxdepth 1 -type f \( -name '*.log' -o -name 'wp-typo.ff-tt.*' \) | wc -l) logs in $(rel "$S")/"
}

write_readme() {
	cat <<EOF
# strace samples

Real strace logs of small failing programs, for developing and testing culprit.
**Do not edit them by hand**: everything here is generated by
[\`regenerate.sh\`](regenerate.sh) (run it as root from anywhere; it needs
strace, php-cli, apache2, setpriv, unshare, setarch and jq).

The script builds each demo program or site under the fixed location
\`$DEMO/<scenario>/\` (so the paths in the logs are stable), runs it under
strace 6.1, copies the demo files to \`root/<scenario>/\`, writes
\`expected.json\` and this file, and deletes \`$DEMO\` again.

The demo files are real files under \`sites/\`, one copy of each: \`wordpress/\`
(a small WordPress-like site, used by wp-typo, perm-denied and missing-file),
\`cleanup-cron/\` (missing-dir), \`shop-services/\` (socket-gone),
\`nightly-report/\` (bad-interpreter) and \`apache/\` (apache-config and
apache-module-soo; its \`apache2.conf.in\` has \`@SITE_DIR@\` where the site's
directory goes).  The templates are the healthy programs: \`build_scenario()\` in
\`regenerate.sh\` copies one (directories 0755, files 0644) and then makes that
scenario's fault (the misspelled require in wp-typo, the require of a missing
HyperDB config in missing-file, the 0600 \`wp-config.php\` in perm-denied, the
\`#!/usr/bin/pythn3\` in bad-interpreter, ...); that function is the one place
where the scenarios differ.  \`regenerate.sh --sites-only DIR\` builds every
scenario's files into \`DIR/<scenario>/\` without tracing anything.

* Each traced command runs in a fresh PID namespace with a preset
  \`ns_last_pid\`, and with ASLR off (\`setarch -R\`), so PIDs and addresses are
  the same on every run; timestamps, durations and inode numbers are not.
* The programs run with the environment \`PATH=$CLEAN_PATH LANG=C.UTF-8\`
  and \`HOME\`; their stdout/stderr go to \`$CONSOLE/<sample>.out\` (that is the
  path you see on fd 1 and 2 with \`-y\`), except in \`wp-typo.f-stderr-mixed.log\`.
* php-cli runs with \`-d include_path=$PHP_INCLUDE_PATH\`; the demo site's
  \`wp_debug_mode()\` turns \`display_errors\` off and \`log_errors\` on, so PHP's
  "PHP Warning" / "PHP Fatal error" lines are written to stderr (fd 2).
* **\`wp-typo.pasted.log\` is not a direct strace output.** It is
  \`wp-typo.f-stderr-mixed.log\` transformed by \`make_pasted()\` in
  \`regenerate.sh\` to look like a sloppy terminal paste: the shell prompt and
  command glued onto the first line, some lines longer than 80 columns
  hard-wrapped with continuation lines starting with 8 spaces, the whole
  session pasted twice, and the second copy cut off in the middle of a string
  (no final newline).

## --root copies

\`root/<scenario>/\` mirrors the demo files at their absolute paths, e.g.
\`root/wp-typo$DEMO/wp-typo/wp-settings.php\`, so that
\`culprit --root samples/root/wp-typo samples/wp-typo.f-tt-T-y.log\` can look up
siblings and referencing lines.  Git does not keep file modes: the real
\`perm-denied\` \`wp-config.php\` was 0600 root:root (the trace shows it in the
\`newfstatat\` result).  System files are not copied, with two exceptions made
of **empty stand-in files** so that sibling look-ups work:
\`root/apache-module-soo/usr/lib/apache2/modules/*.so\` (the module directory
listing) and \`root/bad-interpreter/usr/bin/python3*\`.
\`tests/test_sample_sites.sh\` checks that each \`root/<scenario>/\` still holds
what the templates make (after editing a template, regenerate).

## expected.json

One object per log (one per \`-ff\` set):
\`name\`, \`logs\` (paths relative to the repository root), \`root\`, \`kind\`
(mistyped-path, missing-path, missing-directory, permission-denied,
config-error, connection-refused, bad-interpreter), \`path\` (the culprit; for
connection-refused it is \`host:port\`, for config-error the config file, for
bad-interpreter the missing interpreter), \`errno\` (null for config-error),
\`suggestion\` (or null), \`referenced_from\` (\`{file, line}\` of the line that
names the culprit, or null) and \`benign\` (paths that fail in that log but are
harmless and must not be reported).  Optional extra keys:
\`missing_directory\` and \`error_site\` (missing-dir: the directory to create,
and the line PHP itself blames, which is not the line that names the path),
\`script\` (bad-interpreter: the script whose \`#!\` line is wrong),
\`directive\` (config-error) and \`note\`.

## Samples

| sample | log(s) | command | program | expected top finding |
| --- | --- | --- | --- | --- |
EOF
	awk -F'\t' '{
		gsub(/\|/, "\\|")
		n = split($2, logs, " ")
		l = ""
		for (i = 1; i <= n; i++) {
			sub(/^samples\//, "", logs[i])
			l = l (i > 1 ? "<br>" : "") "`" logs[i] "`"
		}
		printf "| %s | %s | `%s` | %s | %s |\n", $1, l, $3, $4, $5
	}' "$README_ROWS"
	cat <<'EOF'

In the commands, `LOG` is the log file in this directory (`-ff` writes
`wp-typo.ff-tt.<PID>`, one file per process).  Every command actually ran as
`unshare --pid --fork --mount-proc` + `setarch -R` + `env -i ...` + the command
shown (see `run_traced()` in `regenerate.sh`).

Benign failures present in most logs: `/etc/ld.so.preload` (ld.so), locale
files under `/usr/lib/locale/` (glibc), `php-cli.ini`/`php.ini` probes next to
the binary and in `/etc/php/8.2/cli/` (php-cli), PHP looking for its own binary
along `PATH`, include_path probes (`./Text/Diff.php`, `/usr/share/php/...`,
`/usr/share/pear/...`), `file_exists()` probes of optional files
(`.maintenance`, `wp-config-local.php`, `wp-content/object-cache.php`,
`wp-content/db.php`, `wp-content/advanced-cache.php`), glibc's NSS connecting
to `/var/run/nscd/socket`, and the shell searching `PATH` for `date`/`mkdir`.

## Format quirks seen in these logs (things a parser must handle)

* PID prefixes: with `-f -o FILE` every line starts with the PID and two
  spaces (`23817  openat(...)`); `-ff` files have no PID column; with `-f` to
  stderr (`wp-typo.f-stderr-mixed.log`) lines get `[pid 23818] ` only while
  more than one process is traced, and the first process's lines have no
  prefix before the first fork.
* Split calls: `clone3(... <unfinished ...>` then `<... clone3 resumed>) = 23818`;
  the resumed part may carry the remaining arguments, e.g.
  `<... newfstatat resumed>{st_mode=S_IFIFO|0600, st_size=0, ...}, AT_EMPTY_PATH) = 0`
  or `<... rt_sigprocmask resumed>NULL, 8) = 0`.  Lines of different PIDs
  interleave.
* Mixed stderr: strace's own messages land mid-line
  (`..., 88strace: Process 23818 attached` then ` <unfinished ...>` on the next
  line), and the program's own stderr text is printed between a write()'s
  arguments and its result:
  `write(2, "PHP Warning:  require(/srv/culpr"..., 189PHP Warning:  require(...) ... on line 111`
  followed by `) = 189` on a line of its own; multi-line messages (PHP stack
  traces) sit in between.
* Timestamps: `-tt` `01:18:44.258835`, `-ttt` `1795310324.446859`, `-r`
  right-aligned relative seconds (`     0.000009 `), `-T` a trailing
  `<0.000004>`.
* `-y`: descriptors are decorated: `AT_FDCWD</srv/culprit-demo/wp-typo>`,
  `3</etc/php/8.2/cli/php.ini>`, `4<pipe:[19801]>`, `4<socket:[20298]>`;
  `-yy` adds socket details (`4<UNIX-STREAM:[20836]>`).
* `-X raw`: `openat(-100, "...", 0)`, flags as hex (`0x100`), but the errno is
  still symbolic (`= -1 ENOENT (No such file or directory)`).  `-X verbose`:
  `openat(-100 /* AT_FDCWD */, "...", 0 /* O_RDONLY */)`.
* Truncated strings and arrays: `"PHP Warning:  require(/srv/culpr"...` (default
  `-s 32`), also inside execve argv; `-s 512` still truncates PHP's 568-byte
  fatal error message.  The complete text is in the mixed log.
* One missing file shows up several times: PHP does `newfstatat` twice and then
  `openat` (all ENOENT) for one `require`; `file_exists()` is an
  `access(path, F_OK)` call; an include_path probe looks like
  `/srv/culprit-demo/wp-typo/./Text/Diff.php` (note the `/./`).
* Failures that are not ENOENT/EACCES and are noise: `ioctl(..., TCGETS, ...) = -1 ENOTTY`
  on every file PHP opens, `prctl(PR_SET_VMA, ...) = -1 EINVAL`,
  `wait4(...) = -1 ECHILD`, `mkdir("reports", 0777) = -1 EEXIST`.
* `execve` failing with ENOENT is normal during a PATH search (setpriv's
  `execvp` tries `/usr/local/sbin/php`, `/usr/local/bin/php`, `/usr/sbin/php`
  before `/usr/bin/php`), but in `bad-interpreter` the execve of an *existing*
  script fails with ENOENT because its `#!` interpreter is missing; the
  interpreter path never appears in the trace (only the shell's
  "not found" message does), so it must be read from the script.
* A non-blocking TCP connect does not fail in the connect call:
  `connect(...) = -1 EINPROGRESS`, `poll(...)`, then
  `getsockopt(4, SOL_SOCKET, SO_ERROR, [ECONNREFUSED], [4]) = 0`.
* glibc's NSS tries
  `connect(..., {sa_family=AF_UNIX, sun_path="/var/run/nscd/socket"}, 110) = -1 ENOENT`:
  a unix-socket ENOENT that is benign (unlike `/run/mysqld/mysqld.sock`).
* Apache: a config error has no failing syscall at all; the evidence is the
  `write(2, "AH00526: Syntax error on line 15 of ...")`.  Apache keeps reading
  after the bad line (LoadModule and IncludeOptional act while reading, so
  mod_rewrite.so and conf.d/ are opened after line 15) and reports the error
  afterwards.  Its start-up makes ~4200 `getrandom` calls.
* The end of a process: `exit_group(255) = ?` then `+++ exited with 255 +++`.

## Live Apache samples (`samples/live/`)

`samples/regenerate-apache.sh` re-records them: it runs the real Apache + mod_php scenarios of
`tests/test_apache.cpp` (mistyped require, misspelled directive, file mode 0600, missing file,
worker forked during the trace) with `CULPRIT_SAMPLE_DIR` set. Each scenario keeps the
strace-format log that `culprit attach`/`culprit run` saved with `--save-log` as
`apache-live-<scenario>.log`, and writes `apache-live-<scenario>.json`, an entry in the form of
`expected.json` saying what replaying the log without the files (`--log-only`) yields; the test has
already checked that it names the same culprit as the live run. The document roots lived in a
temporary directory, so these logs are replayed with `--log-only`. After regenerating, the script
refreshes the reader's golden dumps (`tests/golden/live/`); review that diff.
EOF
}

main "$@"
