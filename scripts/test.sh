#!/bin/sh
# Set-up command 2: installs what is missing, builds with warnings as errors, runs every test.
set -eu
cd "$(dirname "$0")/.."
root=$(pwd)
sh scripts/setup.sh
sh scripts/build.sh -DCULPRIT_WERROR=ON
cd "${BUILD_DIR:-build}"
# Tests that trace live, load BPF programs (the eBPF tests check what is loaded system-wide) or
# drive the machine's Apache and php-fpm run one at a time; the others share nothing and run two
# at a time, one per core.
PTRACE_TESTS=${CULPRIT_PTRACE_TESTS:-tracer|attach|live|differential|apache|run_cli|report_schema|ebpf}
status=0
rm -f junit-*.xml
ctest --output-on-failure --timeout 1200 -j "${JOBS:-2}" -E "$PTRACE_TESTS" \
  --output-junit "$PWD/junit-1.xml" || status=$?
ctest --output-on-failure --timeout 1200 -j1 --no-tests=ignore -R "$PTRACE_TESTS" \
  --output-junit "$PWD/junit-2.xml" || status=$?
# CULPRIT_FAIL_ON_SKIP=1 (.ci/run sets it): a skipped test (exit 77) fails the run.
if [ -n "${CULPRIT_FAIL_ON_SKIP:-}" ]; then
  python3 "$root/scripts/ctest_skips.py" junit-*.xml || status=1
fi
exit $status
