// One traced thread: what the session knows about its stop state between two ptrace stops.
#pragma once

#include <array>
#include <cstdint>

#include "tracer/model/event.h"
#include "tracer/model/syscall_table.h"

namespace culprit::tracer {

struct Tracee {
  Pid tid = 0;
  Pid tgid = 0;  // thread-group (process) id; == tid for a process's main thread

  // Between the entry (or seccomp) stop of a decoded syscall and its exit stop: `pending` holds the
  // entry half, `info` its row, `entry_micros` the entry time (CLOCK_REALTIME).
  bool in_syscall = false;
  const SyscallInfo* info = nullptr;
  std::array<std::uint64_t, 6> args{};  // the entry's raw arguments (getsockopt's result pointer)
  Event pending;
  std::int64_t entry_micros = 0;

  // Attach mode: the last syscall stop was the entry of a call we do not decode, so the next
  // syscall stop is its exit and needs no PTRACE_GET_SYSCALL_INFO (the kernel pairs entry and exit
  // stops under PTRACE_SYSCALL; a wrong guess is corrected at the next stop, which asks again).
  bool undecoded_exit_next = false;
  bool group_stopped = false;   // in group-stop, resumed with PTRACE_LISTEN
  bool detaching = false;       // PTRACE_INTERRUPT sent by detach; detach at its next stop
  bool ignore_sigcont = false;  // `run`'s SIGCONT that started the command: not the command's
  bool launched = false;        // the process `run` started (its exit status is the outcome)
  bool exec_seen = false;       // `launched` only: the command's execve succeeded

  // Forgets the decoded entry (after emitting it, or when superseded by an exec).
  void clear_syscall() {
    in_syscall = false;
    info = nullptr;
  }
};

// Process id (Tgid) of a thread from /proc/TID/status; 0 when the thread is gone.
Pid read_tgid(Pid tid);

// The one-letter state from /proc/PID/stat ('R', 'S', 'T', 't', 'Z', ...) or '\0' when gone.
// `task` selects /proc/TGID/task/TID/stat when tgid is given.
char read_proc_state(Pid tid, Pid tgid = 0);

}  // namespace culprit::tracer
