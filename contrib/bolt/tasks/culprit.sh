#!/bin/sh
# Bolt task: runs culprit on the target and prints its JSON report on stdout, which Bolt reads as
# the task's result. Parameters arrive as PT_* environment variables (tasks/culprit.json).
# culprit's 0 (no finding) and 1 (findings) are both a success here; any other status is a
# failure, reported as Bolt's {"_error": ...} object with culprit's own message.
set -u

fail() {
  # $1: kind, $2: message. JSON-escape the message: \ and " escaped, control characters dropped.
  msg=$(printf '%s' "$2" | tr -d '\000-\010\013-\037' | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' |
    awk 'NR > 1 { printf "\\n" } { printf "%s", $0 }')
  printf '{"_error": {"kind": "culprit/%s", "msg": "%s", "details": {"exit_code": %s}}}\n' \
    "$1" "$msg" "${3:-2}"
  exit "${3:-2}"
}

culprit=${PT_culprit:-culprit}
case ${PT_mode:-attach} in
  replay)
    [ -n "${PT_log:-}" ] || fail usage "mode replay needs the parameter log"
    set -- replay "$PT_log"
    ;;
  attach)
    set -- attach -n "${PT_process:-apache2}" --duration "${PT_duration:-10}"
    if [ -n "${PT_trigger:-}" ]; then
      set -- "$@" --trigger "$PT_trigger"
    fi
    ;;
  *)
    fail usage "mode is attach or replay, not ${PT_mode}"
    ;;
esac
if [ -n "${PT_host_name:-}" ]; then
  set -- "$@" --host-name "$PT_host_name"
fi

err=$(mktemp) || fail internal "cannot make a temporary file"
status=0
"$culprit" "$@" --format json -o - -q 2>"$err" || status=$?
message=$(cat "$err")
rm -f "$err"
case $status in
  0 | 1) exit 0 ;;
  *) fail failed "${message:-culprit exited with $status}" "$status" ;;
esac
