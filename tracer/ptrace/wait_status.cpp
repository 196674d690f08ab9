#include "tracer/ptrace/wait_status.h"

#include <sys/ptrace.h>
#include <sys/wait.h>

#include <csignal>
#include <cstring>

#include "tracer/model/live_helpers.h"

namespace culprit::tracer {

WaitStatus::Kind WaitStatus::kind() const {
  if (WIFEXITED(raw_)) {
    return Kind::Exited;
  }
  if (WIFSIGNALED(raw_)) {
    return Kind::Killed;
  }
  const int sig = WSTOPSIG(raw_);
  if (sig == (SIGTRAP | 0x80)) {
    return Kind::SyscallStop;
  }
  const int ev = event();
  if (ev == PTRACE_EVENT_STOP) {
    // ptrace(2) "group-stop": for a seized tracee the stop signal tells a group-stop
    // (SIGSTOP/SIGTSTP/SIGTTIN/SIGTTOU) from an interrupt/notification stop (SIGTRAP).
    if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU) {
      return Kind::GroupStop;
    }
    return Kind::InterruptStop;
  }
  if (ev != 0) {
    return Kind::EventStop;
  }
  return Kind::SignalStop;
}

int WaitStatus::exit_code() const { return WEXITSTATUS(raw_); }
int WaitStatus::term_signal() const { return WTERMSIG(raw_); }
bool WaitStatus::core_dumped() const { return WCOREDUMP(raw_); }
int WaitStatus::stop_signal() const { return WSTOPSIG(raw_) & 0x7f; }
int WaitStatus::event() const {
  return WIFSTOPPED(raw_) ? static_cast<int>((static_cast<unsigned>(raw_) >> 16) & 0xff) : 0;
}

std::string WaitStatus::describe() const {
  switch (kind()) {
    case Kind::Exited:
      return "exited with " + std::to_string(exit_code());
    case Kind::Killed:
      return "killed by " + signal_name(term_signal());
    case Kind::SyscallStop:
      return "syscall-stop";
    case Kind::EventStop:
      return "event-stop " + std::to_string(event());
    case Kind::GroupStop:
      return "group-stop by " + signal_name(stop_signal());
    case Kind::InterruptStop:
      return "interrupt-stop";
    case Kind::SignalStop:
      return "signal-delivery-stop " + signal_name(stop_signal());
  }
  return "?";
}

}  // namespace culprit::tracer
