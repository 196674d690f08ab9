// `run`: start a command traced from its first instruction (rr's Task::spawn). The seccomp program
// is built in the parent; the child only stops itself, sets NO_NEW_PRIVS, installs the program and
// execs, reporting a failure over a close-on-exec pipe.
#pragma once

#include <string>
#include <vector>

#include "tracer/event.h"
#include "tracer/result.h"
#include "tracer/seccomp_filter.h"

namespace culprit::tracer {

struct Launched {
  Pid pid = 0;
  int error_fd = -1;  // read end of the exec-error pipe (non-blocking, close-on-exec); owned
};

// Looks `program` up like execvp (a name with a '/' is taken as is). Fails with a clear message
// when it is not found or not executable.
Result<std::string> find_program(const std::string& program);

// Forks the command, waits for the child's self-SIGSTOP, PTRACE_SEIZEs it with
// TRACESECCOMP|EXITKILL|TRACECLONE|TRACEFORK|TRACEVFORK|TRACEEXEC|TRACESYSGOOD and sends SIGCONT.
// The caller then drives it with a Session (Mode::Run); the child's first traced stop is its
// execve. On error nothing is left running.
Result<Launched> launch(const std::vector<std::string>& command, const SeccompProgram& program);

// After the launched child exited without a successful exec: the reason it sent ("cannot run
// 'X': execve: Permission denied"), or "" when none was sent. Closes the fd.
std::string read_launch_error(int error_fd, const std::string& program);

}  // namespace culprit::tracer
