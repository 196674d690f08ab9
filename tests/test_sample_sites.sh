#!/bin/bash
# The --root snapshots against the template they were copied from: builds every scenario's site
# with `samples/regenerate.sh --sites-only` (samples/sites/ plus each scenario's edits; nothing is
# traced) and checks that each committed samples/root/<scenario>/srv/culprit-demo/<scenario>/ holds
# the same regular files, byte for byte and with the same owner-execute bit (git keeps no other
# mode, nor empty directories). The snapshots are what the tests analyse, so a template edit must
# come with its snapshots. The comparison is also seen failing on an altered copy.
# usage: test_sample_sites.sh   (as root: the sites are root's files; exit 77 otherwise)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [[ $(id -u) -ne 0 ]]; then
  echo "SKIP: needs root (regenerate.sh --sites-only makes root-owned files)"
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# regular files under $1, relative, one per line, with the owner-execute bit: "x path" / "- path"
files_of() {
  (cd "$1" && find . -type f -printf '%M %P\n' | awk '{ m = $1; sub(/^[^ ]+ /, ""); print substr(m, 4, 1) " " $0 }' | LC_ALL=C sort)
}

# same_tree SNAPSHOT BUILT: prints what differs, fails if anything does
same_tree() {
  local snap=$1 built=$2 status=0 f
  if ! diff <(files_of "$snap") <(files_of "$built") >"$tmp/list.diff"; then
    echo "files or execute bits differ (< snapshot, > built):" >&2
    sed 's/^/  /' "$tmp/list.diff" >&2
    status=1
  fi
  while IFS= read -r f; do
    [[ -f $built/$f ]] || continue
    if ! cmp -s "$snap/$f" "$built/$f"; then
      echo "content differs: $f" >&2
      diff -u "$snap/$f" "$built/$f" | head -20 >&2 || true
      status=1
    fi
  done < <(cd "$snap" && find . -type f -printf '%P\n')
  return $status
}

bash "$repo/samples/regenerate.sh" --sites-only "$tmp/sites"

demo=/srv/culprit-demo
built_scenarios=$(cd "$tmp/sites" && ls)
snapshot_scenarios=$(cd "$repo/samples/root" && ls)
[[ $built_scenarios == "$snapshot_scenarios" ]] ||
  fail "scenarios built: ${built_scenarios//$'\n'/ }; snapshots in samples/root: ${snapshot_scenarios//$'\n'/ }"
for sc in $snapshot_scenarios; do
  snap=$repo/samples/root/$sc$demo/$sc
  if [[ ! -d $snap ]]; then
    fail "samples/root/$sc has no ${demo#/}/$sc"
  elif [[ ! -d $tmp/sites/$sc ]]; then
    fail "regenerate.sh --sites-only did not build $sc"
  elif ! same_tree "$snap" "$tmp/sites/$sc"; then
    fail "samples/root/$sc is not what samples/sites and regenerate.sh make (regenerate the samples, or fix the template)"
  else
    echo "ok: $sc ($(files_of "$snap" | wc -l) files)"
  fi
done

# the comparison itself: one changed byte, one lost execute bit, one extra file
cp -R "$tmp/sites/wp-typo" "$tmp/altered"
sed -i 's/phpp/php/' "$tmp/altered/wp-settings.php"
same_tree "$repo/samples/root/wp-typo$demo/wp-typo" "$tmp/altered" 2>/dev/null &&
  fail "a changed wp-settings.php went unnoticed"
rm -rf "$tmp/altered" && cp -R "$tmp/sites/bad-interpreter" "$tmp/altered"
chmod a-x "$tmp/altered/bin/report.py"
same_tree "$repo/samples/root/bad-interpreter$demo/bad-interpreter" "$tmp/altered" 2>/dev/null &&
  fail "a lost execute bit went unnoticed"
rm -rf "$tmp/altered" && cp -R "$tmp/sites/socket-gone" "$tmp/altered"
: >"$tmp/altered/extra.php"
same_tree "$repo/samples/root/socket-gone$demo/socket-gone" "$tmp/altered" 2>/dev/null &&
  fail "an extra file went unnoticed"

if [[ $failures -ne 0 ]]; then
  echo "$failures failure(s)" >&2
  exit 1
fi
echo "all snapshots match the template"
