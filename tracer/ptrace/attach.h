// `attach`: finding the processes (by pid or name), seizing every thread of each (re-scanning
// /proc/PID/task until no new thread appears), and explaining a refusal the way strace's
// diagnose_attach_eperm does (already traced, another user's process, Yama ptrace_scope), and
// also missing CAP_SYS_PTRACE and container boundaries.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "tracer/model/event.h"
#include "tracer/model/result.h"
#include "tracer/ptrace/session.h"

namespace culprit::tracer {

// Every process (thread-group leader) whose comm or executable basename is `name`, culprit itself,
// kernel threads and zombies excluded. Sorted by pid.
std::vector<Pid> find_processes_by_name(const std::string& name);

// Whether the live process `pid` is one `find_processes_by_name(name)` would list: comm or exe
// basename is `name`, not a kernel thread, not a zombie.
bool process_matches_name(Pid pid, const std::string& name);

// Seizes (PTRACE_SEIZE without EXITKILL, then PTRACE_INTERRUPT) every live thread of the process
// holding `pid` and registers each with `session`. Threads that exit meanwhile (ESRCH) and zombie
// threads are skipped, and so is a tid that, once seized, turns out to belong to another process
// (a thread that exited between the /proc/PID/task listing and the seize, its tid reused; it is
// released again); threads the session's tracees have just cloned are already ours (EPERM
// with TracerPid == us) and arrive through the session. Returns the number of threads seized.
// Fails when not one thread could be seized, with diagnose_attach_failure's message.
Result<std::size_t> attach_process(Session& session, Pid pid);

// `attach -n NAME`: attach_process for a pid that find_processes_by_name(name) listed a moment
// ago. Between the listing and the seize the process may have exec'd something else, or exited
// and had its pid reused by another program: so the leader is seized first (which pins the pid:
// a traced process's pid is not reused before its tracer has reaped it) and its name checked
// again; a process that no longer matches is released at once (detached, left running or stopped
// as it was, its pending signal re-injected) and ESRCH returned ("process N is no longer named
// 'NAME'"), with nothing registered in `session`.
Result<std::size_t> attach_named_process(Session& session, Pid pid, const std::string& name);

// What made a listed process a target (a name, a cgroup), checked again once it is seized.
struct ProcessMatch {
  std::function<bool(Pid)> matches;  // whether the live process `pid` still is a target
  std::string what;                  // "named 'apache2'", "in cgroup /sys/fs/cgroup/x"
  std::string change;                // how a process stops matching: "it exec'd another program"
};

// attach_named_process for any ProcessMatch: the leader is seized, `match` checked, the process
// released with ESRCH ("process N is no longer WHAT") when it fails.
Result<std::size_t> attach_matching_process(Session& session, Pid pid, const ProcessMatch& match);

// Processes the user named by what they share (-n NAME, -u UNIT, --cgroup PATH): listed again
// while culprit attaches, since a server forks while we attach.
struct ProcessGroup {
  std::function<std::vector<Pid>()> list;  // the group's processes now (culprit excluded)
  ProcessMatch match;
  std::string none;  // why nothing was attached when it lists no process: "no process named 'x'"
};

// Attaches (attach_matching_process) to every process of every group, listing them again until a
// listing shows no process not tried yet (at most 5 listings; children of the processes seized
// are followed by the session anyway). Kernel threads are skipped; processes that exit meanwhile
// are skipped silently, refusals are noted in `notes`, and so is a group none of whose processes
// is traced. Fails when the session has no process at all then: with the first refusal, or why
// the first group came out empty.
Result<void> attach_groups(Session& session, const std::vector<ProcessGroup>& groups,
                           std::vector<std::string>& notes);

// Why attaching to `pid` failed with `err`: "no such process", "already traced by PID N (comm)",
// "belongs to user X", culprit without CAP_SYS_PTRACE, "kernel.yama.ptrace_scope is N", "another
// PID namespace (a container)", "is a zombie" — with a hint line.
Error diagnose_attach_failure(Pid pid, int err);

}  // namespace culprit::tracer
