#include "tracer/ptrace/ptrace_ops.h"

#include <cerrno>
#include <cstring>
#include <string>

namespace culprit::tracer::ptrace_ops {
namespace {

// The fourth ptrace argument is a pointer-sized integer for options/signals.
void* as_data(unsigned long value) { return reinterpret_cast<void*>(value); }

Error ptrace_error(const char* request, Pid tid) {
  const int err = errno;
  return make_error(
      err, std::string(request) + " of " + std::to_string(tid) + ": " + std::strerror(err));
}

}  // namespace

Result<void> seize(Pid tid, unsigned options) {
  if (ptrace(PTRACE_SEIZE, tid, nullptr, as_data(options)) != 0) {
    return ptrace_error("PTRACE_SEIZE", tid);
  }
  return {};
}

Result<void> interrupt(Pid tid) {
  if (ptrace(PTRACE_INTERRUPT, tid, nullptr, nullptr) != 0) {
    return ptrace_error("PTRACE_INTERRUPT", tid);
  }
  return {};
}

Result<void> resume(Pid tid, Resume how, int signal) {
  __ptrace_request request = PTRACE_CONT;
  const char* name = "PTRACE_CONT";
  switch (how) {
    case Resume::Cont:
      break;
    case Resume::Syscall:
      request = PTRACE_SYSCALL;
      name = "PTRACE_SYSCALL";
      break;
    case Resume::Listen:
      // PTRACE_LISTEN takes no signal: the tracee stays in group-stop.
      request = PTRACE_LISTEN;
      name = "PTRACE_LISTEN";
      signal = 0;
      break;
  }
  if (ptrace(request, tid, nullptr, as_data(static_cast<unsigned long>(signal))) != 0) {
    return ptrace_error(name, tid);
  }
  return {};
}

Result<void> detach(Pid tid, int signal) {
  if (ptrace(PTRACE_DETACH, tid, nullptr, as_data(static_cast<unsigned long>(signal))) != 0) {
    return ptrace_error("PTRACE_DETACH", tid);
  }
  return {};
}

Result<unsigned long> event_message(Pid tid) {
  unsigned long msg = 0;
  if (ptrace(PTRACE_GETEVENTMSG, tid, nullptr, &msg) != 0) {
    return ptrace_error("PTRACE_GETEVENTMSG", tid);
  }
  return msg;
}

Result<__ptrace_syscall_info> syscall_info(Pid tid) {
  __ptrace_syscall_info info{};
  // Returns the number of bytes the kernel would fill; a shorter answer than the op needs means
  // an older kernel layout, which we do not support (ptrace(2): PTRACE_GET_SYSCALL_INFO).
  if (ptrace(PTRACE_GET_SYSCALL_INFO, tid, as_data(sizeof info), &info) < 0) {
    return ptrace_error("PTRACE_GET_SYSCALL_INFO", tid);
  }
  return info;
}

}  // namespace culprit::tracer::ptrace_ops
