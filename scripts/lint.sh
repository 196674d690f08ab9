#!/bin/sh
# Style and static checks (CI runs it after scripts/test.sh, which leaves build/ configured):
#   1. clang-format: every C/C++ file of the project matches .clang-format (samples/ holds other
#      people's code as data and is left alone);
#   2. clang-tidy (.clang-tidy: bugprone, performance, modernize subsets) on the C++ files changed
#      since LINT_BASE (default: the previous commit), so that a change is checked, not history;
#   3. layering (scripts/check_layers.py): no file includes outside what its layer may use, and
#      the check itself is seen failing on a copy of the tree with one include across layers.
# usage: scripts/lint.sh            LINT_BASE=origin/main scripts/lint.sh     BUILD_DIR=build
set -eu
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
status=0

files=$(git ls-files '*.cpp' '*.h' '*.c' | grep -v '^samples/' || true)
drift=""
for f in $files; do
  clang-format-14 --dry-run -Werror "$f" >/dev/null 2>&1 || drift="$drift $f"
done
if [ -n "$drift" ]; then
  echo "lint: not formatted as .clang-format says (clang-format-14 -i FILE):$drift" >&2
  status=1
fi

if ! python3 scripts/check_layers.py .; then
  echo "lint: an include crosses the layers (docs/ARCHITECTURE.md)" >&2
  status=1
fi
layer_probe=$(mktemp -d)
cp -r tracer analyzer cli "$layer_probe/"
printf '#include "tracer/strace/strace_log.h"\n' >>"$layer_probe/analyzer/passes/pipeline.cpp"
if python3 scripts/check_layers.py "$layer_probe" 2>/dev/null; then
  echo "lint: check_layers.py did not see analyzer/passes including tracer/strace" >&2
  status=1
fi
rm -rf "$layer_probe"

base=${LINT_BASE:-HEAD~1}
if ! git rev-parse -q --verify "$base^{commit}" >/dev/null; then
  echo "lint: no $base to compare with: clang-tidy skipped" >&2
  exit $status
fi
[ -f "$BUILD_DIR/compile_commands.json" ] || {
  echo "lint: $BUILD_DIR/compile_commands.json missing (build first)" >&2
  exit 2
}
command -v clang-tidy-14 >/dev/null || {
  echo "lint: clang-tidy-14 is not installed (scripts/setup.sh installs it)" >&2
  exit 2
}
changed=$(git diff --name-only --diff-filter=AM "$base" -- '*.cpp' | grep -v '^samples/' || true)
if [ -n "$changed" ]; then
  echo "lint: clang-tidy on $(echo "$changed" | wc -l) changed file(s) since $base" >&2
  # shellcheck disable=SC2086
  clang-tidy-14 -p "$BUILD_DIR" --quiet $changed 2>&1 | grep -E '(warning|error):' >&2 && status=1
fi
exit $status
