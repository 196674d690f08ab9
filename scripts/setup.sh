#!/bin/sh
# Installs everything culprit needs to build and test on Debian 12 (bookworm).
# Idempotent: packages already present are left alone. Must run as root (or via sudo).
set -eu

BUILD_DEPS="build-essential cmake ninja-build pkg-config git
  libseccomp-dev libboost-dev libboost-filesystem-dev libfmt-dev
  catch2 libcli11-dev nlohmann-json3-dev libyaml-cpp-dev clang-14 libclang-rt-14-dev
  clang-format-14 clang-tidy-14
  zlib1g-dev libzstd-dev libbpf-dev bpftool"
# Tools the tests drive for real.
TEST_DEPS="strace php-cli puppet puppet-lint puppet-module-puppetlabs-stdlib shellcheck
  apache2 libapache2-mod-php curl procps time
  nginx-light php-fpm python3 python3-jsonschema patchelf openssl iproute2 util-linux
  php-mysql mariadb-client-core postgresql-client acl zstd
  man-db zsh dpkg-dev ansible-core"

# What only the benchmarks use (bench/apache_bench.sh): CULPRIT_SETUP_BENCH=1 sh scripts/setup.sh
BENCH_DEPS="apache2-utils bpftrace"

missing=""
for p in $BUILD_DEPS ${CULPRIT_SETUP_BUILD_ONLY:+} ${CULPRIT_SETUP_BUILD_ONLY:-$TEST_DEPS} \
  ${CULPRIT_SETUP_BENCH:+$BENCH_DEPS}; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing="$missing $p"
  fi
done

if [ -n "$missing" ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  echo "setup: installing:$missing" >&2
  $SUDO apt-get update -qq
  # Apache must not grab port 80 or start on install inside containers; policy-rc.d stops that.
  DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 $SUDO apt-get install -y -qq --no-install-recommends $missing >&2
else
  echo "setup: all packages present" >&2
fi
