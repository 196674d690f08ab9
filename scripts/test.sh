#!/bin/sh
# Set-up command 2: installs what is missing, builds with warnings as errors, runs every test.
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup.sh
sh scripts/build.sh -DCULPRIT_WERROR=ON
cd "${BUILD_DIR:-build}"
ctest --output-on-failure --timeout 1200 -j1
