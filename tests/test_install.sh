#!/bin/bash
# cmake --install and the .deb, end to end: the installed binary runs and is stripped, the man page
# reads with man -l, and the man page and both completions name every option `--help` lists (and
# nothing else), command by command. Both are generated from the same CLI11 definitions; this
# catches a generator that misses a kind of option, or a stale file. No system-wide install: the
# tree goes to a DESTDIR and the .deb is unpacked with dpkg-deb -x.
# usage: test_install.sh BUILD_DIR   (after `ninja`, which builds the generated files)
set -euo pipefail
build=$(cd "${1:?usage: test_install.sh BUILD_DIR}" && pwd)
for tool in cmake cpack man dpkg-deb dpkg-shlibdeps readelf zsh; do
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

# --- cmake --install into a DESTDIR -----------------------------------------------------------
DESTDIR=$tmp/root cmake --install "$build" --prefix /usr >"$tmp/install.log"
usr=$tmp/root/usr
bin=$usr/bin/culprit
man_page=$usr/share/man/man1/culprit.1.gz
bash_completion=$usr/share/bash-completion/completions/culprit
zsh_completion=$usr/share/zsh/vendor-completions/_culprit
for f in "$bin" "$man_page" "$bash_completion" "$zsh_completion" \
  "$usr/share/doc/culprit/rules/noise.yaml" "$usr/share/doc/culprit/rules/messages.yaml" \
  "$usr/share/doc/culprit/rules/fixes.yaml"; do
  [ -s "$f" ] || fail "cmake --install did not install ${f#"$tmp"/root}"
done
version=$("$bin" --version)
[[ $version == "culprit "[0-9]* ]] || fail "the installed culprit --version: $version"
sections=$(readelf -S "$bin")
[[ $sections != *.debug_info* ]] || fail "the installed binary carries debug info"
[[ $sections == *.gnu_debuglink* ]] || fail "the installed binary has no debug link"
[ ! -e "$usr/lib/debug" ] || fail "the debug file is installed without --component debug"
echo "installed binary: $(stat -c %s "$bin") bytes (built: $(stat -c %s "$build/cli/culprit"))"

# man -l renders it, and groff (all warnings on) has nothing to say about it.
MANWIDTH=100 man --warnings -l "$man_page" >"$tmp/man.txt" 2>"$tmp/man.err" || fail "man -l failed"
[ ! -s "$tmp/man.err" ] || fail "man -l warns: $(cat "$tmp/man.err")"
for section in NAME SYNOPSIS DESCRIPTION OPTIONS COMMANDS 'EXIT STATUS' FILES 'SEE ALSO'; do
  grep -qx "$section" "$tmp/man.txt" || fail "man page has no $section section"
done
grep -q 'strace(1)' "$tmp/man.txt" || fail "man page: SEE ALSO strace(1)"
grep -q -- '--exit-status' <(sed -n '/^EXIT STATUS/,/^FILES/p' "$tmp/man.txt") ||
  fail "man page: EXIT STATUS does not mention run --exit-status"

# --- every option of --help, and only those, in the man page and the completions ----------------
help_options() {  # culprit [SUB] --help → one option name a line
  "$bin" "$@" --help | grep -E '^  -' | awk '{print $1}' | tr ',' '\n' | sed 's/=.*//' | sort -u
}
man_section() {  # the rendered man page's text for SUB (or the global OPTIONS)
  if [ "$1" = "" ]; then
    sed -n '/^OPTIONS$/,/^COMMANDS$/p' "$tmp/man.txt"
  else
    awk -v sub_="$1" '$0 == "   " sub_ {on = 1; next} on && /^(   )?[^ ]/ {on = 0} on' "$tmp/man.txt"
  fi
}
man_options() {  # the option names the man page's tags give for SUB
  man_section "$1" | grep -E '^       -' | sed -E 's/^ +//' | grep -oE '^-[^ ,]+(, -[^ ,]+)*' |
    sed 's/, /\n/g' | sort -u
}
bash_complete() {  # WORDS... (the last is the word being completed) → COMPREPLY, one a line
  bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _culprit
           printf "%s\n" "${COMPREPLY[@]}"' _ "$bash_completion" culprit "$@"
}
zsh_options() {  # the option names in SUB's _arguments specs
  local fn=_culprit_${1:-}
  [ -n "${1:-}" ] || fn=_culprit
  sed -n "/^$fn() {/,/^}/p" "$zsh_completion" | grep -oE "^ +('[^']*')?(\{[^}]*\}|-[-A-Za-z0-9]+)" |
    sed -E "s/^ +('[^']*')?//" | tr -d '{}' | tr ',' '\n' | sort -u
}
subcommands=$("$bin" --help | awk '/^Subcommands:/ {on = 1; next} on && /^  [a-z]/ {print $1}')
[ -n "$subcommands" ] || fail "culprit --help lists no subcommands"
for sub in "" $subcommands; do
  name=${sub:-culprit}
  # shellcheck disable=SC2086
  help_options $sub >"$tmp/help.$name"
  [ -s "$tmp/help.$name" ] || fail "$name --help lists no options"
  man_options "$sub" >"$tmp/man.$name"
  # shellcheck disable=SC2086
  bash_complete $sub - | sort -u >"$tmp/bash.$name"
  zsh_options "$sub" >"$tmp/zsh.$name"
  for kind in man bash zsh; do
    if ! diff -u "$tmp/help.$name" "$tmp/$kind.$name" >"$tmp/diff"; then
      fail "$name: the options of --help (-) and of the $kind file (+) differ:
$(tail -n +3 "$tmp/diff")"
    fi
  done
  echo "$name: $(wc -l <"$tmp/help.$name") options, the same in the man page and both completions"
done
# The hidden option (CLI11 group "") stays hidden.
grep -q -- '--progress-after' "$tmp/man.txt" "$bash_completion" "$zsh_completion" &&
  fail "the hidden --progress-after is documented"

# --- bash completion at work ---------------------------------------------------------------
expect_completion() {  # EXPECTED WORDS...
  local expected=$1 got
  shift
  got=$(bash_complete "$@" | sort -u | paste -sd' ')
  [[ " $got " == *" $expected "* ]] || fail "completing 'culprit $*' gave '$got', not '$expected'"
}
expect_completion replay re
expect_completion --format replay --fo
expect_completion "json" replay --format ''
expect_completion "markdown" run -F m
expect_completion "never" attach --color = n
expect_completion "echo" run -- ech
expect_completion "echo" run --format json ech
mkdir "$tmp/dir" && touch "$tmp/dir/x.log"
expect_completion "$tmp/dir/x.log" replay "$tmp/dir/x."
zsh -n "$zsh_completion" || fail "zsh -n rejects the zsh completion"

# --- the .deb, built from the same tree into a throw-away directory -------------------------
cpack -G DEB --config "$build/CPackConfig.cmake" -B "$tmp/pkg" >"$tmp/cpack.log" 2>&1 ||
  { cat "$tmp/cpack.log"; fail "cpack -G DEB failed"; }
deb=$(find "$tmp/pkg" -maxdepth 1 -name 'culprit_*_*.deb' | head -1)
dbgsym=$(find "$tmp/pkg" -maxdepth 1 -name 'culprit-dbgsym_*_*.deb' | head -1)
if [ -z "$deb" ] || [ -z "$dbgsym" ]; then
  fail "cpack made no culprit_VERSION_ARCH.deb and culprit-dbgsym: $(ls "$tmp/pkg")"
else
  echo "$(basename "$deb"): $(stat -c %s "$deb") bytes; $(basename "$dbgsym"): $(stat -c %s "$dbgsym") bytes"
  dpkg-deb -c "$deb" >"$tmp/deb.list"
  for f in ./usr/bin/culprit ./usr/share/man/man1/culprit.1.gz \
    ./usr/share/bash-completion/completions/culprit ./usr/share/zsh/vendor-completions/_culprit \
    ./usr/share/doc/culprit/rules/noise.yaml; do
    grep -q " $f\$" "$tmp/deb.list" || fail "the .deb lacks $f"
  done
  depends=$(dpkg-deb -f "$deb" Depends)
  [[ $depends == *libseccomp2* ]] || fail "the .deb's Depends has no libseccomp2: $depends"
  [ "$(dpkg-deb -f "$deb" Section)" = utils ] || fail "the .deb's section"
  dpkg-deb -f "$deb" Maintainer | grep -q . || fail "the .deb has no maintainer"
  dpkg-deb -x "$deb" "$tmp/deb-root"
  version=$("$tmp/deb-root/usr/bin/culprit" --version)
  [[ $version == "culprit "[0-9]* ]] || fail "culprit --version from the .deb: $version"
  dpkg-deb -c "$dbgsym" | grep -q ' ./usr/lib/debug/usr/bin/culprit.debug$' ||
    fail "the dbgsym .deb lacks /usr/lib/debug/usr/bin/culprit.debug"
fi

if [ "$failures" -ne 0 ]; then
  echo "$failures failure(s)" >&2
  exit 1
fi
echo "ok"
