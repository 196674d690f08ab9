// The BPF program of `run`: SCMP_ACT_TRACE for every syscall-table row marked `trace` that exists
// on this architecture, SCMP_ACT_ALLOW for everything else. Built in the parent with libseccomp
// (which in 2.5 exports only to an fd: a memfd is read back into sock_filter instructions), so the
// child does nothing between fork and exec but load it with prctl(2).
#pragma once

#include <linux/filter.h>

#include <string>
#include <vector>

#include "tracer/model/result.h"

namespace culprit::tracer {

class SeccompProgram {
 public:
  // Builds the filter from all_syscalls(). Fails when libseccomp refuses (message says which call).
  static Result<SeccompProgram> build();

  // Names of the syscalls the filter stops on (for tests and --verbose).
  [[nodiscard]] const std::vector<std::string>& traced() const { return traced_; }
  [[nodiscard]] std::size_t size() const { return insns_.size(); }

  // For the child after fork: installs the program with prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER).
  // Async-signal-safe (no allocation). Requires PR_SET_NO_NEW_PRIVS or CAP_SYS_ADMIN.
  // Returns 0 or the errno.
  [[nodiscard]] int install() const;

 private:
  std::vector<sock_filter> insns_;
  std::vector<std::string> traced_;
};

// The libseccomp this binary runs with ("2.5.4"), for --version.
std::string seccomp_library_version();

}  // namespace culprit::tracer
