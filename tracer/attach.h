// `attach`: finding the processes (by pid or name), seizing every thread of each (re-scanning
// /proc/PID/task until no new thread appears), and explaining a refusal the way strace's
// diagnose_attach_eperm does (already traced, another user's process, Yama ptrace_scope).
#pragma once

#include <string>
#include <vector>

#include "tracer/event.h"
#include "tracer/result.h"
#include "tracer/session.h"

namespace culprit::tracer {

// Every process (thread-group leader) whose comm or executable basename is `name`, culprit itself,
// kernel threads and zombies excluded. Sorted by pid.
std::vector<Pid> find_processes_by_name(const std::string& name);

// Seizes (PTRACE_SEIZE without EXITKILL, then PTRACE_INTERRUPT) every live thread of the process
// holding `pid` and registers each with `session`. Threads that exit meanwhile (ESRCH) and zombie
// threads are skipped; threads the session's tracees have just cloned are already ours (EPERM
// with TracerPid == us) and arrive through the session. Returns the number of threads seized.
// Fails when not one thread could be seized, with diagnose_attach_failure's message.
Result<std::size_t> attach_process(Session& session, Pid pid);

// Why attaching to `pid` failed with `err`: "no such process", "already traced by PID N (comm)",
// "belongs to user X", "kernel.yama.ptrace_scope is N", "is a zombie" — with a hint line.
Error diagnose_attach_failure(Pid pid, int err);

}  // namespace culprit::tracer
