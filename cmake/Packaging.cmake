# CPack: `cpack -G DEB` (scripts/package.sh) builds culprit_VERSION_ARCH.deb from the "runtime"
# install component and culprit-dbgsym_VERSION_ARCH.deb (the separate debug file) from "debug".
set(CPACK_PACKAGE_NAME culprit)
set(CPACK_PACKAGE_VENDOR "culprit")
set(CPACK_PACKAGE_CONTACT "culprit maintainers <culprit@localhost>")
# No CPACK_PACKAGE_DESCRIPTION_SUMMARY: CPackDeb would put it above every component's description;
# the first line of each description below is its package's synopsis.
set(CPACK_DEBIAN_RUNTIME_DESCRIPTION
  "find the failing file behind an error (a 500) from system calls
culprit reads strace logs (culprit replay), runs a command under its own
ptrace/seccomp tracer (culprit run) or attaches to running servers (culprit
attach), finds the failing file behind an HTTP 500 or a service that will not
start, explains why it failed, and writes a Puppet manifest and a shell script
that fix it.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES OFF)  # the build already split the binary from its debug file

set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL runtime debug)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${CPACK_PACKAGE_CONTACT}")
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "strace, puppet")

set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME culprit)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SHLIBDEPS ON)  # dpkg-shlibdeps writes Depends

set(CPACK_DEBIAN_DEBUG_PACKAGE_NAME culprit-dbgsym)
set(CPACK_DEBIAN_DEBUG_PACKAGE_SECTION debug)
set(CPACK_DEBIAN_DEBUG_PACKAGE_DEPENDS "culprit (= ${PROJECT_VERSION})")
set(CPACK_DEBIAN_DEBUG_DESCRIPTION "debug symbols for culprit
The separate debug file of /usr/bin/culprit, found by gdb through the
binary's .gnu_debuglink.")

include(CPack)
