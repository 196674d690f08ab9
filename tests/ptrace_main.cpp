// Catch2 runner for tests that need ptrace: exits 77 (CTest's SKIP_RETURN_CODE) when this
// environment does not allow tracing a child (seccomp'd container, Yama ptrace_scope 3, no
// CAP_SYS_PTRACE), so that such a machine reports "skipped" rather than a failure; and also when a
// test skipped itself with CULPRIT_SKIP (tests/skip.h) and nothing failed.
#define CATCH_CONFIG_RUNNER
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>

#include <catch2/catch.hpp>

#include "tests/skip.h"

namespace {

// Seizes a paused child and asks for its syscall info (Linux >= 5.3, which the tracer needs).
bool ptrace_permitted(std::string& why) {
  const pid_t child = fork();
  if (child < 0) {
    why = std::string("fork: ") + std::strerror(errno);
    return false;
  }
  if (child == 0) {
    pause();
    _exit(0);
  }
  bool ok = false;
  if (ptrace(PTRACE_SEIZE, child, nullptr, nullptr) != 0) {
    why = std::string("PTRACE_SEIZE: ") + std::strerror(errno);
  } else if (ptrace(PTRACE_INTERRUPT, child, nullptr, nullptr) != 0) {
    why = std::string("PTRACE_INTERRUPT: ") + std::strerror(errno);
  } else {
    int status = 0;
    waitpid(child, &status, __WALL);
    __ptrace_syscall_info info{};
    if (ptrace(PTRACE_GET_SYSCALL_INFO, child, sizeof info, &info) < 0) {
      why = std::string("PTRACE_GET_SYSCALL_INFO: ") + std::strerror(errno);
    } else {
      ok = true;
    }
  }
  kill(child, SIGKILL);
  waitpid(child, nullptr, __WALL);
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  std::string why;
  if (!ptrace_permitted(why)) {
    std::fprintf(stderr, "skipping: ptrace is not permitted here (%s)\n", why.c_str());
    return 77;
  }
  const int failed = Catch::Session().run(argc, argv);
  if (failed == 0 && culprit::test::skipped_tests() > 0) {
    std::fprintf(stderr, "%d test(s) skipped (see the SKIPPED warnings above)\n",
                 culprit::test::skipped_tests());
    return 77;
  }
  return failed;
}
