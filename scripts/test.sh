#!/bin/sh
# Set-up command 2: installs what is missing, builds with warnings as errors, runs every test.
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup.sh
sh scripts/build.sh -DCULPRIT_WERROR=ON
cd "${BUILD_DIR:-build}"
# Tests that trace live or drive the machine's Apache and php-fpm run one at a time; the others
# share nothing and run two at a time, one per core.
PTRACE_TESTS=${CULPRIT_PTRACE_TESTS:-tracer|attach|live|differential|apache|run_cli|report_schema}
status=0
ctest --output-on-failure --timeout 1200 -j "${JOBS:-2}" -E "$PTRACE_TESTS" || status=$?
ctest --output-on-failure --timeout 1200 -j1 --no-tests=ignore -R "$PTRACE_TESTS" || status=$?
exit $status
