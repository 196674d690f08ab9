#!/bin/bash
# contrib/ansible end to end: an inventory of four local hosts (ansible_connection: local, each
# named by culprit's --host-name and replaying its own strace log from samples/) runs the
# playbook, which fetches every report and runs `culprit merge`. Checked by hand-written
# expectations: the typo of two hosts is one finding "on 2 of 4 hosts", the missing directory of
# the third is its own, the fourth (a clean trace) is a host without finding; the merged manifest
# applied as web-1 fixes web-1's fault only, and a second apply changes nothing; the script does
# the same for web-3.
# usage: test_fleet_ansible.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$(cd "${1:?usage: test_fleet_ansible.sh BUILD_DIR SOURCE_DIR}" && pwd)
src=$(cd "${2:?usage: test_fleet_ansible.sh BUILD_DIR SOURCE_DIR}" && pwd)
culprit=$build/cli/culprit
for tool in ansible-playbook puppet strace python3; do
  if ! command -v "$tool" >/dev/null; then
    echo "SKIP: $tool is missing (scripts/setup.sh installs it)"
    exit 77
  fi
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# A throw-away copy of the sample sites; the logs name it instead of /srv/culprit-demo (the
# absolute paths where the samples were recorded), so that fixes change only this copy.
site=$tmp/site
mkdir -p "$site"
cp -a "$src/samples/root/wp-typo/srv" "$src/samples/root/missing-dir/srv" "$site/"
for sample in wp-typo.f-tt-T-y missing-dir.f-tt-T; do
  sed "s|/srv/culprit-demo|$site/srv/culprit-demo|g" "$src/samples/$sample.log" >"$tmp/$sample.log"
done
# A clean host: a real trace of a command that fails nothing that matters.
strace -f -o "$tmp/clean.log" true 2>/dev/null

cat >"$tmp/inventory.yml" <<INVENTORY
all:
  vars:
    ansible_connection: local
    ansible_python_interpreter: $(command -v python3)
    culprit_mode: replay
  hosts:
    web-1:
      culprit_host_name: web-1
      culprit_log: $tmp/wp-typo.f-tt-T-y.log
    web-2:
      culprit_host_name: web-2
      culprit_log: $tmp/wp-typo.f-tt-T-y.log
    web-3:
      culprit_host_name: web-3
      culprit_log: $tmp/missing-dir.f-tt-T.log
    web-4:
      culprit_host_name: web-4
      culprit_log: $tmp/clean.log
INVENTORY

# The playbook writes beside itself: run a copy.
cp -r "$src/contrib/ansible" "$tmp/ansible"
export ANSIBLE_HOME=$tmp/ansible-home ANSIBLE_LOCAL_TEMP=$tmp/ansible-local \
  ANSIBLE_REMOTE_TEMP=$tmp/ansible-remote ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0 \
  ANSIBLE_LOCALHOST_WARNING=0 ANSIBLE_INVENTORY_UNPARSED_WARNING=0
start=$(date +%s)
if ! ansible-playbook -i "$tmp/inventory.yml" "$tmp/ansible/culprit-fleet.yml" \
  -e "culprit_bin=$culprit" >"$tmp/ansible.log" 2>&1; then
  cat "$tmp/ansible.log" >&2
  echo "FAIL: ansible-playbook failed" >&2
  exit 1
fi
echo "ansible-playbook: $(($(date +%s) - start)) s"
out=$tmp/ansible/culprit-out
for f in reports/web-1.json reports/web-2.json reports/web-3.json reports/web-4.json merged.json \
  merged.txt fleet.pp fleet.sh; do
  [ -s "$out/$f" ] || fail "the playbook did not write $f"
done
[ "$failures" -eq 0 ] || exit 1

# The merged report, against expectations written by hand.
python3 - "$out/merged.json" "$site" <<'PY' || fail "merged.json does not group as expected"
import json, sys
doc = json.load(open(sys.argv[1]))
site = sys.argv[2] + "/srv/culprit-demo"
assert doc["schema"] == "culprit.merge/1", doc["schema"]
assert [h["host"] for h in doc["hosts"]] == ["web-1", "web-2", "web-3", "web-4"], doc["hosts"]
assert doc["clean_hosts"] == ["web-4"], doc["clean_hosts"]
groups = [(g["kind"], g["path"], g["count"], g["of"], g["hosts"]) for g in doc["groups"]]
assert groups == [
    ("mistyped-path", site + "/wp-typo/wp-includes/class-wp-locale.phpp", 2, 4, ["web-1", "web-2"]),
    ("missing-directory", site + "/missing-dir/logs/app.log", 1, 4, ["web-3"]),
], groups
typo = doc["groups"][0]
assert typo["best_rank"] == 1 and typo["errno"] == "ENOENT", typo
assert [f["hosts"] for f in typo["fixes"]] == [["web-1", "web-2"]], typo["fixes"]
assert typo["fixes"][0]["actionable"] and typo["fixes"][0]["variant"] == "edit-line"
PY
python3 "$src/tests/schema/validate_reports.py" "$src/docs/merge.schema.json" "$out/merged.json" \
  >"$tmp/schema.log" || { cat "$tmp/schema.log" >&2; fail "merged.json breaks docs/merge.schema.json"; }
python3 "$src/tests/schema/validate_reports.py" "$src/docs/report.schema.json" "$out"/reports/*.json \
  >"$tmp/schema.log" || { cat "$tmp/schema.log" >&2; fail "a fetched report breaks the schema"; }
grep -q "class-wp-locale.phpp  on 2 of 4 hosts" "$out/merged.txt" || fail "merged.txt: no 'on 2 of 4 hosts'"
grep -q "No finding on 1 of 4 hosts: web-4" "$out/merged.txt" || fail "merged.txt: web-4 not clean"

# The manifest as web-1 (certname; facts name this machine): web-1's fix only, then nothing.
settings=$site/srv/culprit-demo/wp-typo/wp-settings.php
logs=$site/srv/culprit-demo/missing-dir/logs
puppet_apply() {
  puppet apply --detailed-exitcodes --color=false --certname "$1" "$out/fleet.pp" \
    >"$tmp/puppet.log" 2>&1 || return $?
}
puppet parser validate "$out/fleet.pp" || fail "puppet parser validate fleet.pp"
grep -q "/class-wp-locale.phpp';" "$settings" || fail "the site copy is not broken to begin with"
status=0
puppet_apply web-1 || status=$?
[ "$status" -eq 2 ] || { cat "$tmp/puppet.log" >&2; fail "first apply as web-1: exit $status, expected 2"; }
grep -q "/class-wp-locale.php';" "$settings" || fail "the apply did not fix line 111"
grep -q "class-wp-locale.phpp" "$settings" && fail "the bad token is still there"
[ -e "$logs" ] && fail "web-1's apply made web-3's directory"
status=0
puppet_apply web-1 || status=$?
[ "$status" -eq 0 ] || { cat "$tmp/puppet.log" >&2; fail "second apply as web-1: exit $status, expected 0"; }
# A host the fleet has no finding for: nothing to do.
status=0
puppet_apply web-4 || status=$?
[ "$status" -eq 0 ] || { cat "$tmp/puppet.log" >&2; fail "apply as web-4: exit $status, expected 0"; }

# The script as web-3: its directory, then nothing; sh -n first.
sh -n "$out/fleet.sh" || fail "sh -n fleet.sh"
CULPRIT_HOST=web-3 sh "$out/fleet.sh" 2>"$tmp/script.log" || fail "fleet.sh as web-3 failed"
[ -d "$logs" ] || fail "fleet.sh as web-3 did not make $logs"
grep -q "created" "$tmp/script.log" || fail "fleet.sh as web-3 said nothing of what it made"
CULPRIT_HOST=web-3 sh "$out/fleet.sh" 2>"$tmp/script.log" || fail "second fleet.sh as web-3 failed"
[ -s "$tmp/script.log" ] && fail "a second run as web-3 still changed something: $(cat "$tmp/script.log")"

[ "$failures" -eq 0 ] || exit 1
echo "PASS"
