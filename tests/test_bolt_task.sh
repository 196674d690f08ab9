#!/bin/bash
# contrib/bolt without Bolt (not in Debian): tasks/culprit.sh run the way Bolt runs a task with
# input_method "environment" (each parameter as PT_NAME), on three hosts' sample logs. Checked by
# hand-written expectations: every result is a culprit.report/1 document naming the host it was
# told; the results merge into one finding "on 2 of 3 hosts"; culprit's failures come back as
# Bolt's {"_error": ...} with culprit's message; the metadata declares exactly the PT_ variables
# the script reads; the plan parses.
# usage: test_bolt_task.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$(cd "${1:?usage: test_bolt_task.sh BUILD_DIR SOURCE_DIR}" && pwd)
src=$(cd "${2:?usage: test_bolt_task.sh BUILD_DIR SOURCE_DIR}" && pwd)
culprit=$build/cli/culprit
task=$src/contrib/bolt/tasks/culprit.sh
for tool in python3 sh; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool is missing"; exit 77; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# Bolt runs a task with a clean environment plus the PT_ variables.
run_task() {
  env -i PATH="$PATH" PT_culprit="$culprit" "$@" sh "$task"
}

status=0
run_task PT_mode=replay PT_log="$src/samples/wp-typo.f-tt-T-y.log" PT_host_name=web-1 \
  >"$tmp/web-1.json" || status=$?
[ "$status" -eq 0 ] || fail "replay on web-1: exit $status, expected 0 (findings are a success)"
run_task PT_mode=replay PT_log="$src/samples/wp-typo.f-ttt.log" PT_host_name=web-2 \
  >"$tmp/web-2.json" || fail "replay on web-2 failed"
run_task PT_mode=replay PT_log="$src/samples/missing-dir.f-tt-T.log" PT_host_name=web-3 \
  >"$tmp/web-3.json" || fail "replay on web-3 failed"
for h in web-1 web-2 web-3; do
  python3 - "$tmp/$h.json" "$h" <<'PY' || fail "$h: the task's output is not its report"
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["schema"] == "culprit.report/1" and doc["source"]["host"] == sys.argv[2], doc["source"]
assert doc["source"]["mode"] == "replay"
PY
done
if command -v python3 >/dev/null && python3 -c "import jsonschema" 2>/dev/null; then
  python3 "$src/tests/schema/validate_reports.py" "$src/docs/report.schema.json" "$tmp"/web-*.json \
    >"$tmp/schema.log" || { cat "$tmp/schema.log" >&2; fail "a task result breaks the schema"; }
fi

# What the plan does on the controller: merge the results.
status=0
"$culprit" merge "$tmp"/web-*.json -F json -o "$tmp/merged.json" --manifest "$tmp/fleet.pp" \
  --script "$tmp/fleet.sh" || status=$?
[ "$status" -eq 1 ] || fail "culprit merge: exit $status, expected 1 (findings)"
python3 - "$tmp/merged.json" <<'PY' || fail "the merged results are not grouped as expected"
import json, sys
doc = json.load(open(sys.argv[1]))
got = [(g["kind"], g["path"], g["count"], g["of"], g["hosts"]) for g in doc["groups"]]
assert got == [
    ("mistyped-path", "/srv/culprit-demo/wp-typo/wp-includes/class-wp-locale.phpp", 2, 3,
     ["web-1", "web-2"]),
    ("missing-directory", "/srv/culprit-demo/missing-dir/logs/app.log", 1, 3, ["web-3"]),
], got
PY
sh -n "$tmp/fleet.sh" || fail "sh -n on the merged script"

# Failures: Bolt's _error object with culprit's message, and culprit's exit status.
status=0
run_task PT_mode=replay PT_log="$tmp/no such log" >"$tmp/err.json" || status=$?
[ "$status" -eq 2 ] || fail "a missing log: exit $status, expected 2"
python3 - "$tmp/err.json" "$tmp/no such log" <<'PY' || fail "a missing log: not a Bolt _error"
import json, sys
err = json.load(open(sys.argv[1]))["_error"]
assert err["kind"] == "culprit/failed" and sys.argv[2] in err["msg"], err
assert err["details"]["exit_code"] == 2
PY
status=0
run_task PT_mode=replay >"$tmp/err.json" || status=$?
[ "$status" -ne 0 ] || fail "replay without a log succeeded"
grep -q '"culprit/usage"' "$tmp/err.json" || fail "replay without a log: $(cat "$tmp/err.json")"
status=0
run_task PT_mode=bogus >"$tmp/err.json" || status=$?
python3 -c 'import json,sys; json.load(open(sys.argv[1]))["_error"]' "$tmp/err.json" ||
  fail "mode=bogus: not JSON: $(cat "$tmp/err.json")"
# A message with quotes, backslashes and a newline stays one valid JSON string.
status=0
run_task PT_mode=replay PT_log="$tmp/a \"quoted\\\" log
name" >"$tmp/err.json" || status=$?
python3 -c 'import json,sys; assert "quoted" in json.load(open(sys.argv[1]))["_error"]["msg"]' \
  "$tmp/err.json" || fail "an awkward log name: not JSON: $(cat "$tmp/err.json")"

# The metadata and the script agree on the parameters.
python3 - "$src/contrib/bolt/tasks/culprit.json" "$task" <<'PY' || fail "culprit.json and culprit.sh disagree"
import json, re, sys
meta = json.load(open(sys.argv[1]))
assert meta["input_method"] == "environment"
declared = set(meta["parameters"])
used = set(re.findall(r"PT_([a-z_]+)", open(sys.argv[2]).read()))
assert declared == used, (sorted(declared), sorted(used))
PY
if command -v shellcheck >/dev/null; then
  shellcheck -s sh "$task" || fail "shellcheck on the task"
fi
if command -v puppet >/dev/null; then
  puppet parser validate --tasks "$src/contrib/bolt/plans/fleet.pp" 2>"$tmp/plan.log" ||
    { cat "$tmp/plan.log" >&2; fail "puppet parser validate --tasks on the plan"; }
fi

[ "$failures" -eq 0 ] || exit 1
echo "PASS"
