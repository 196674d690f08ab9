#!/bin/sh
# Re-records the live Apache samples in samples/live/: runs the real Apache + mod_php scenarios of
# tests/test_apache.cpp (mistyped require, config typo, permission, missing file, forked worker)
# with CULPRIT_SAMPLE_DIR set, so that each keeps the strace-format log culprit saved with
# --save-log and a JSON entry (the expected.json form) for replaying it without the files
# (--log-only). The entry's kind and path are what the scenario planted, written by hand in
# tests/test_apache.cpp (the run fails when the replay disagrees); its suggestion, referrer and
# benign paths are what the replay gave: check them by hand against the scenario before
# committing (git diff). tests/test_replay_cli.cpp replays them all. Needs root and
# scripts/setup.sh.
set -eu
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
ninja -C "$BUILD_DIR" culprit tests/test_apache tests/test_strace_log
rm -f samples/live/apache-live-*
CULPRIT_SAMPLE_DIR="$(pwd)/samples/live" "$BUILD_DIR/tests/test_apache"
# The reader's golden dumps of the new logs (review the diff of tests/golden/live/).
CULPRIT_UPDATE_GOLDEN=1 "$BUILD_DIR/tests/test_strace_log" "every samples/*.log matches its golden dump"
ls -l samples/live
