#!/bin/sh
# Set-up command 1: installs what is missing, builds, and replays a bundled sample: the WordPress
# incident (wp-settings.php requires class-wp-locale.phpp) recorded with strace -f -tt -T -y.
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup.sh
sh scripts/build.sh
echo
echo "\$ culprit replay --root samples/root/wp-typo samples/wp-typo.f-tt-T-y.log"
status=0
build/cli/culprit replay --root samples/root/wp-typo samples/wp-typo.f-tt-T-y.log || status=$?
# Exit status 1 means "findings reported", which is what this demo expects.
[ "$status" -eq 1 ]
