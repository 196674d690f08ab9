// Typed wrappers over ptrace(2) requests. Each returns Result; the Error's `code` is the errno, so
// callers can tell ESRCH (the tracee vanished or is not in a ptrace-stop: an ordinary outcome, as
// rr's ptrace_if_stopped treats it) from real failures.
#pragma once

#include <sys/ptrace.h>

#include <cstdint>
#include <string>
#include <utility>

#include "tracer/model/event.h"
#include "tracer/model/result.h"

namespace culprit::tracer {

// Error with an errno-like code and a message (spelled out: Error{code, message} trips
// -Wmissing-field-initializers).
inline Error make_error(int code, std::string message) {
  Error e;
  e.code = code;
  e.message = std::move(message);
  return e;
}

// An address in a tracee (rr's remote_ptr): never dereferenced locally.
struct RemoteAddr {
  std::uint64_t value = 0;
  [[nodiscard]] bool null() const { return value == 0; }
  friend RemoteAddr operator+(RemoteAddr a, std::uint64_t off) { return RemoteAddr{a.value + off}; }
};

// How to let a stopped tracee go on.
enum class Resume : std::uint8_t {
  Cont,     // PTRACE_CONT: run until the next signal/event (or seccomp stop)
  Syscall,  // PTRACE_SYSCALL: also stop at the next syscall entry/exit
  Listen,   // PTRACE_LISTEN: stay in group-stop, but report SIGCONT/events (seized tracees only)
};

// Options both `run` and `attach` use: follow every kind of child, report exec, mark syscall stops.
inline constexpr unsigned kFollowOptions = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACECLONE |
                                           PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
                                           PTRACE_O_TRACEEXEC;

namespace ptrace_ops {

// PTRACE_SEIZE: attach without stopping. Fails with EPERM (not allowed / already traced) or ESRCH.
Result<void> seize(Pid tid, unsigned options);
// PTRACE_INTERRUPT: make a seized tracee report a PTRACE_EVENT_STOP (or another pending stop).
Result<void> interrupt(Pid tid);
// Resumes a tracee in a ptrace-stop, delivering `signal` (0 = none) where a signal can be injected.
Result<void> resume(Pid tid, Resume how, int signal = 0);
// PTRACE_DETACH from a ptrace-stop, delivering `signal` (0 = none).
Result<void> detach(Pid tid, int signal = 0);
// PTRACE_GETEVENTMSG: new child's pid at a fork/clone event, former tid at an exec event.
Result<unsigned long> event_message(Pid tid);
// PTRACE_GET_SYSCALL_INFO (Linux 5.3+): entry/exit/seccomp op, number, args, return value.
Result<__ptrace_syscall_info> syscall_info(Pid tid);

}  // namespace ptrace_ops
}  // namespace culprit::tracer
