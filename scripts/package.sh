#!/bin/sh
# Builds a Release culprit in ${BUILD_DIR:-build-release} (prefix /usr) and packages it with CPack:
# culprit_VERSION_ARCH.deb (stripped binary, man page, bash and zsh completion, rules as
# documentation; Depends from dpkg-shlibdeps) and culprit-dbgsym_VERSION_ARCH.deb (the binary's
# separate debug file). Prints the paths of the packages. Extra arguments go to cmake.
set -eu
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build-release}
# Release at Debian's -O2 (GCC 12's -O3 warns falsely, -Wrestrict, inside libstdc++'s string code),
# with -g: the debug information goes to culprit-dbgsym, the packaged binary is stripped.
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O2 -g -DNDEBUG" \
  -DCMAKE_INSTALL_PREFIX=/usr -DCULPRIT_TESTS=OFF -DCULPRIT_WERROR=ON "$@" >/dev/null
# Only what the packages hold: the binary, its stripped copy and debug file, man page, completions.
ninja -C "$BUILD_DIR" ${JOBS:+-j "$JOBS"} culprit_install_files >&2
rm -f "$BUILD_DIR"/culprit_*.deb "$BUILD_DIR"/culprit-dbgsym_*.deb
(cd "$BUILD_DIR" && cpack -G DEB >&2)
for deb in "$BUILD_DIR"/culprit_*.deb "$BUILD_DIR"/culprit-dbgsym_*.deb; do
  echo "$(cd "$(dirname "$deb")" && pwd)/$(basename "$deb")"
done
