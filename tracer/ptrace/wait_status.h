// A decoded waitpid(2) status word of a ptrace child (rr's WaitStatus): no raw status ints past
// this type.
#pragma once

#include <cstdint>
#include <string>

namespace culprit::tracer {

class WaitStatus {
 public:
  enum class Kind : std::uint8_t {
    Exited,         // exited normally: exit_code()
    Killed,         // killed by term_signal()
    SyscallStop,    // syscall entry/exit stop (SIGTRAP|0x80 under PTRACE_O_TRACESYSGOOD)
    EventStop,      // PTRACE_EVENT_* stop other than PTRACE_EVENT_STOP: event()
    GroupStop,      // PTRACE_EVENT_STOP with a stopping signal (seized tracee in group-stop)
    InterruptStop,  // PTRACE_EVENT_STOP with SIGTRAP: PTRACE_INTERRUPT, new child, SIGCONT notify
    SignalStop,     // signal-delivery-stop: stop_signal() is pending for the tracee
  };

  explicit WaitStatus(int raw) : raw_(raw) {}

  [[nodiscard]] Kind kind() const;
  [[nodiscard]] int exit_code() const;     // Exited only
  [[nodiscard]] int term_signal() const;   // Killed only
  [[nodiscard]] bool core_dumped() const;  // Killed only
  [[nodiscard]] int stop_signal() const;   // any stop: the WSTOPSIG (without the 0x80 bit)
  [[nodiscard]] int event() const;         // EventStop/GroupStop/InterruptStop: PTRACE_EVENT_*
  [[nodiscard]] int raw() const { return raw_; }
  [[nodiscard]] std::string describe() const;

 private:
  int raw_;
};

}  // namespace culprit::tracer
