// Catch2 2.x has no SKIP: a test that cannot run on this machine (not root, a tool missing) says
// why with CULPRIT_SKIP and returns; the ptrace runner (ptrace_main.cpp) then exits 77, which
// CTest reports as skipped, unless something failed. So a skipped test never passes silently.
#pragma once

#include <catch2/catch.hpp>

namespace culprit::test {

// How many tests were skipped in this run.
inline int& skipped_tests() {
  static int count = 0;
  return count;
}

}  // namespace culprit::test

#define CULPRIT_SKIP(reason)            \
  do {                                  \
    WARN("SKIPPED: " << reason);        \
    ++::culprit::test::skipped_tests(); \
    return;                             \
  } while (false)
