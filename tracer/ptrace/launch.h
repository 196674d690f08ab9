// `run`: start a command traced from its first instruction (rr's Task::spawn). The seccomp program
// is built in the parent; the child only stops itself, sets NO_NEW_PRIVS, installs the program and
// execs, reporting a failure over a close-on-exec pipe.
#pragma once

#include <csignal>
#include <string>
#include <vector>

#include "tracer/model/event.h"
#include "tracer/model/result.h"
#include "tracer/ptrace/seccomp_filter.h"

namespace culprit::tracer {

struct Launched {
  Pid pid = 0;
  int error_fd = -1;  // read end of the exec-error pipe (non-blocking, close-on-exec); owned
};

// Looks `program` up like execvp (a name with a '/' is taken as is). Fails with a clear message
// when nothing by that name exists. A file that exists but cannot be executed (no x bit, a noexec
// mount, a missing #! interpreter or ELF loader) is returned: its execve fails under the tracer,
// where the analyzer can say why.
Result<std::string> find_program(const std::string& program);

// Forks the command, waits for the child's self-SIGSTOP, PTRACE_SEIZEs it with
// TRACESECCOMP|EXITKILL|TRACECLONE|TRACEFORK|TRACEVFORK|TRACEEXEC|TRACESYSGOOD and sends SIGCONT.
// The caller then drives it with a Session (Mode::Run); the child's first traced stop is its
// execve. On error nothing is left running.
// With stdout_to_stderr the command's standard output is its standard error (so that a report on
// culprit's stdout is never mixed with the command's output). With exec_mask the command execs
// with that signal mask (the caller's own, when it blocks signals around the launch).
Result<Launched> launch(const std::vector<std::string>& command, const SeccompProgram& program,
                        bool stdout_to_stderr = false, const sigset_t* exec_mask = nullptr);

// Why the launched child exited without a successful exec.
struct LaunchError {
  std::string message;   // "cannot run 'X': execve: Permission denied"; "" when none was sent
  bool at_exec = false;  // the execve itself failed (a traced call), not culprit's set-up before it
};

// After the launched child exited without a successful exec: the reason it sent. Closes the fd.
LaunchError read_launch_error(int error_fd, const std::string& program);

}  // namespace culprit::tracer
