#include "tracer/ptrace/attach.h"

#include <dirent.h>
#include <fmt/format.h>
#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstring>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include "tracer/ptrace/ptrace_ops.h"
#include "tracer/ptrace/tracee.h"

namespace culprit::tracer {
namespace {

std::vector<Pid> numeric_entries(const std::string& dir) {
  std::vector<Pid> out;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) {
    return out;
  }
  while (const dirent* e = readdir(d)) {
    char* end = nullptr;
    const long value = std::strtol(e->d_name, &end, 10);
    if (end != e->d_name && *end == '\0' && value > 0) {
      out.push_back(static_cast<Pid>(value));
    }
  }
  closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

std::string read_first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

// A field ("TracerPid", "Uid") of /proc/PID/status, "" when absent.
std::string status_field(Pid pid, std::string_view field) {
  std::ifstream in(fmt::format("/proc/{}/status", pid));
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() > field.size() && line.compare(0, field.size(), field) == 0 &&
        line[field.size()] == ':') {
      const auto start = line.find_first_not_of(" \t", field.size() + 1);
      return start == std::string::npos ? std::string() : line.substr(start);
    }
  }
  return {};
}

std::string exe_basename(Pid pid) {
  char buf[PATH_MAX];
  const ssize_t n = readlink(fmt::format("/proc/{}/exe", pid).c_str(), buf, sizeof buf);
  if (n <= 0) {
    return {};
  }
  std::string exe(buf, static_cast<std::size_t>(n));
  constexpr std::string_view kDeleted = " (deleted)";  // binary replaced by an upgrade
  if (exe.size() > kDeleted.size() && exe.ends_with(kDeleted)) {
    exe.resize(exe.size() - kDeleted.size());
  }
  return exe.substr(exe.rfind('/') + 1);
}

// PF_KTHREAD in the flags (field 9) of /proc/PID/stat. (An empty cmdline is no test: a zombie
// leader whose threads still run has none either.)
bool is_kernel_thread(Pid pid) {
  constexpr unsigned long kPfKthread = 0x00200000;
  const std::string text = read_first_line(fmt::format("/proc/{}/stat", pid));
  const auto close = text.rfind(')');
  if (close == std::string::npos) {
    return false;
  }
  // After "PID (comm)": state ppid pgrp session tty_nr tpgid flags.
  std::istringstream fields(text.substr(close + 1));
  std::string skipped;
  for (int i = 0; i < 6; ++i) {
    fields >> skipped;
  }
  unsigned long flags = 0;
  fields >> flags;
  return (flags & kPfKthread) != 0;
}

// Whether CAP_SYS_PTRACE is in culprit's effective set (CapEff of /proc/self/status): without it
// only processes of culprit's own uid can be traced, also as root (a container drops it).
bool has_cap_sys_ptrace(std::string& cap_eff) {
  constexpr int kCapSysPtrace = 19;
  cap_eff = status_field(getpid(), "CapEff");
  if (cap_eff.empty()) {
    return geteuid() == 0;  // no capability line (an odd /proc): assume root has them all
  }
  const unsigned long long caps = std::strtoull(cap_eff.c_str(), nullptr, 16);
  return (caps >> kCapSysPtrace & 1U) != 0;
}

// The pids of `pid` in the PID namespaces it is in, outermost (ours) first: "NSpid: 4242 1" for
// a container's init. Empty when the kernel has no NSpid line (< 4.1) or the process is gone.
std::vector<std::string> ns_pids(Pid pid) {
  std::istringstream in(status_field(pid, "NSpid"));
  std::vector<std::string> out;
  for (std::string p; in >> p;) {
    out.push_back(p);
  }
  return out;
}

// The namespace link /proc/PID/ns/NAME ("pid:[4026531836]"), "" when unreadable.
std::string ns_link(const std::string& pid, const char* name) {
  char buf[64];
  const ssize_t n = readlink(fmt::format("/proc/{}/ns/{}", pid, name).c_str(), buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

// "in another PID namespace (a container; its pid there is 1)" when `pid` runs in a PID
// namespace below culprit's, "" otherwise.
std::string other_pid_namespace(Pid pid) {
  const auto theirs = ns_pids(pid);
  const auto ours = ns_pids(getpid());
  const std::string their_ns = ns_link(std::to_string(pid), "pid");
  const bool deeper = !theirs.empty() && !ours.empty() && theirs.size() > ours.size();
  const bool differs = !their_ns.empty() && their_ns != ns_link("self", "pid");
  if (!deeper && !differs) {
    return {};
  }
  if (deeper) {
    return fmt::format("it runs in another PID namespace (a container; its pid there is {})",
                       theirs.back());
  }
  return "it runs in another PID namespace (a container)";
}

std::string user_name(uid_t uid) {
  if (const passwd* pw = getpwuid(uid); pw != nullptr) {
    return pw->pw_name;
  }
  return std::to_string(uid);
}

// Undoes a seize (+ interrupt) of `tid` that turned out to be of the wrong process: waits for the
// stop the interrupt asked for and detaches there. A signal-delivery-stop hands its signal back
// (strace's detach); a group-stop (PTRACE_EVENT_STOP with a stop signal) stays stopped, as the
// process was before we came. Only `tid` is waited for: the session's tracees are not touched.
void release(Pid tid) {
  int status = 0;
  pid_t got = -1;
  do {
    got = waitpid(tid, &status, __WALL);
  } while (got < 0 && errno == EINTR);
  if (got != tid || !WIFSTOPPED(status)) {
    return;  // it exited meanwhile (reaped here: a tracer collects its tracee's exit)
  }
  const int sig = WSTOPSIG(status);
  const bool signal_delivery = (status >> 16) == 0 && sig != (SIGTRAP | 0x80);
  (void)ptrace_ops::detach(tid, signal_delivery ? sig : 0);
}

// Seizes and interrupts `tid`; the errno of the seize, 0 on success.
int seize_and_interrupt(Pid tid) {
  if (auto r = ptrace_ops::seize(tid, kFollowOptions); !r.ok()) {
    return r.error().code;
  }
  // ESRCH here means the thread exited right after the seize; the session sees its exit.
  (void)ptrace_ops::interrupt(tid);
  return 0;
}

}  // namespace

bool process_matches_name(Pid pid, const std::string& name) {
  if (name.empty()) {
    return false;
  }
  // comm is the first 15 bytes of the executable name (TASK_COMM_LEN - 1).
  constexpr std::size_t kCommLen = 15;
  const std::string comm = read_first_line(fmt::format("/proc/{}/comm", pid));
  const bool comm_match =
      !comm.empty() &&
      (comm == name || (name.size() > kCommLen && comm == name.substr(0, kCommLen)));
  if (!comm_match && exe_basename(pid) != name) {
    return false;
  }
  if (is_kernel_thread(pid)) {
    return false;
  }
  // A zombie cannot be traced any more, but a zombie leader whose threads run on is a live
  // process (the leader called pthread_exit): it is traced through those threads.
  const char state = read_proc_state(pid);
  if (state == '\0') {
    return false;
  }
  if (state != 'Z' && state != 'X') {
    return true;
  }
  for (const Pid tid : numeric_entries(fmt::format("/proc/{}/task", pid))) {
    if (const char s = read_proc_state(tid, pid); s != 'Z' && s != 'X' && s != '\0') {
      return true;
    }
  }
  return false;
}

std::vector<Pid> find_processes_by_name(const std::string& name) {
  std::vector<Pid> out;
  if (name.empty()) {
    return out;
  }
  const Pid self = getpid();
  for (const Pid pid : numeric_entries("/proc")) {
    if (pid != self && process_matches_name(pid, name)) {
      out.push_back(pid);
    }
  }
  return out;
}

Error diagnose_attach_failure(Pid pid, int err) {
  const char state = read_proc_state(pid);
  if (state == '\0' || err == ESRCH) {
    if (state == '\0') {
      // Inside a container, the pids a user copies from the host's ps are not culprit's.
      const bool contained = ns_pids(getpid()).size() > 1;
      return make_error(ESRCH, fmt::format("cannot attach to process {}: no such process{}", pid,
                                           contained ? "\nhint: culprit runs in a PID namespace "
                                                       "(a container): give pids as seen inside it"
                                                     : ""));
    }
  }
  if (state == 'Z' || state == 'X') {
    return make_error(ESRCH,
                      fmt::format("cannot attach to process {}: it is a zombie (it has exited "
                                  "and waits for its parent to collect it)",
                                  pid));
  }
  if (pid == getpid()) {
    return make_error(EPERM, "cannot attach to culprit itself");
  }
  if (err == EPERM) {
    const std::string tracer = status_field(pid, "TracerPid");
    if (!tracer.empty() && tracer != "0") {
      const std::string comm = read_first_line(fmt::format("/proc/{}/comm", tracer));
      return make_error(EPERM,
                        fmt::format("cannot attach to process {}: it is already traced by "
                                    "process {} ({})\nhint: a process can have one tracer only; "
                                    "stop or detach {} (strace, gdb, another culprit) first",
                                    pid, tracer, comm.empty() ? "?" : comm, tracer));
    }
    // "Uid:" lists real, effective, saved, fs uids.
    const std::string uids = status_field(pid, "Uid");
    const uid_t target = static_cast<uid_t>(std::strtoul(uids.c_str(), nullptr, 10));
    std::string cap_eff;
    const bool cap = has_cap_sys_ptrace(cap_eff);
    if (!uids.empty() && !cap && target != geteuid()) {
      if (geteuid() != 0) {
        return make_error(EPERM,
                          fmt::format("cannot attach to process {}: operation not permitted: it "
                                      "belongs to user {}\nhint: run culprit as {} or as root",
                                      pid, user_name(target), user_name(target)));
      }
      return make_error(EPERM,
                        fmt::format("cannot attach to process {}: operation not permitted: it "
                                    "belongs to user {} and culprit runs without CAP_SYS_PTRACE "
                                    "(CapEff {})\nhint: a container drops it unless given "
                                    "(docker run --cap-add=SYS_PTRACE)",
                                    pid, user_name(target), cap_eff));
    }
    const std::string scope = read_first_line("/proc/sys/kernel/yama/ptrace_scope");
    if (!scope.empty() && scope != "0") {
      return make_error(EPERM,
                        fmt::format("cannot attach to process {}: operation not permitted: "
                                    "kernel.yama.ptrace_scope is {}\nhint: run culprit as root "
                                    "(with CAP_SYS_PTRACE), or `sysctl kernel.yama.ptrace_scope=0`",
                                    pid, scope));
    }
    if (const std::string ns = other_pid_namespace(pid); !ns.empty()) {
      return make_error(EPERM,
                        fmt::format("cannot attach to process {}: operation not permitted: {}\n"
                                    "hint: run culprit inside the container (docker exec, nsenter "
                                    "-t {} -a), or on the host as root with CAP_SYS_PTRACE",
                                    pid, ns, pid));
    }
    if (!cap) {
      return make_error(EPERM,
                        fmt::format("cannot attach to process {}: operation not permitted: culprit "
                                    "runs without CAP_SYS_PTRACE (CapEff {})\nhint: a container "
                                    "drops it unless given (docker run --cap-add=SYS_PTRACE)",
                                    pid, cap_eff));
    }
    return make_error(EPERM,
                      fmt::format("cannot attach to process {}: operation not permitted\nhint: "
                                  "look for an AppArmor or SELinux denial in the kernel log",
                                  pid));
  }
  return make_error(err, fmt::format("cannot attach to process {}: {}", pid, std::strerror(err)));
}

namespace {

// attach_process, with the leader `tgid` already seized and registered when `leader_seized`.
Result<std::size_t> attach_threads(Session& session, Pid pid, Pid tgid, bool leader_seized) {
  std::size_t seized = leader_seized ? 1 : 0;
  int first_error = 0;
  std::set<Pid> tried;
  if (leader_seized) {
    tried.insert(tgid);
  }
  // Threads may be created while we attach: those created by a thread we have already seized are
  // auto-attached (TRACECLONE); the others show up in the next scan. Stop when a scan is stable.
  constexpr int kMaxRounds = 100;
  for (int round = 0; round < kMaxRounds; ++round) {
    bool found_new = false;
    for (const Pid tid : numeric_entries(fmt::format("/proc/{}/task", tgid))) {
      if (session.traced(tid) || !tried.insert(tid).second) {
        continue;
      }
      found_new = true;
      if (const char state = read_proc_state(tid, tgid); state == 'Z' || state == 'X') {
        continue;  // an exited thread not yet reaped: nothing left to trace
      }
      if (const int err = seize_and_interrupt(tid); err != 0) {
        if (err == EPERM && status_field(tid, "TracerPid") == std::to_string(getpid())) {
          continue;  // auto-attached through a thread we seized: it reports through the session
        }
        if (err != ESRCH && first_error == 0) {
          first_error = err;
        }
        continue;
      }
      // The listing is older than the seize: a thread that exited in between may have had its tid
      // reused by another process. Seized, the tid is pinned, so its tgid can be checked now.
      if (tid != tgid) {
        if (const Pid owner = read_tgid(tid); owner != 0 && owner != tgid) {
          release(tid);
          continue;
        }
      }
      session.add(tid, tgid);
      ++seized;
    }
    if (!found_new) {
      break;
    }
  }
  if (seized == 0) {
    return diagnose_attach_failure(pid, first_error != 0 ? first_error : ESRCH);
  }
  return seized;
}

}  // namespace

namespace {

// The thread group of `pid`, or why it cannot be attached to (not a pid, culprit itself, gone).
Result<Pid> attachable_tgid(Pid pid) {
  if (pid <= 0) {
    return make_error(EINVAL, fmt::format("cannot attach to process {}: not a process id", pid));
  }
  if (pid == getpid()) {
    return diagnose_attach_failure(pid, EPERM);
  }
  const Pid tgid = read_tgid(pid);
  if (tgid == 0) {
    return diagnose_attach_failure(pid, ESRCH);
  }
  return tgid;
}

}  // namespace

Result<std::size_t> attach_process(Session& session, Pid pid) {
  const Pid tgid = CULPRIT_TRY(attachable_tgid(pid));
  return attach_threads(session, pid, tgid, false);
}

Result<std::size_t> attach_matching_process(Session& session, Pid pid, const ProcessMatch& match) {
  const Pid tgid = CULPRIT_TRY(attachable_tgid(pid));
  if (session.traced(tgid)) {
    return attach_threads(session, pid, tgid, false);  // a child the session follows already
  }
  if (const char state = read_proc_state(tgid); state == 'Z' || state == 'X') {
    // A zombie leader (it called pthread_exit) cannot be seized, so it cannot pin the pid: check
    // the match before seizing the threads. Its pid stays taken while any of them lives.
    if (!match.matches(tgid)) {
      return make_error(
          ESRCH, fmt::format("cannot attach to process {}: it is no longer {}", pid, match.what));
    }
    return attach_threads(session, pid, tgid, false);
  }
  if (const int err = seize_and_interrupt(tgid); err != 0) {
    return diagnose_attach_failure(pid, err);
  }
  // Seized, the pid cannot be reused before we reap it: what it names now is what we attach to.
  if (read_tgid(tgid) != tgid || !match.matches(tgid)) {
    release(tgid);
    return make_error(ESRCH, fmt::format("cannot attach to process {}: it is no longer {} ({}, or "
                                         "it exited and its pid was reused)",
                                         pid, match.what, match.change));
  }
  session.add(tgid, tgid);
  return attach_threads(session, pid, tgid, true);
}

Result<std::size_t> attach_named_process(Session& session, Pid pid, const std::string& name) {
  const ProcessMatch match{[&name](Pid p) { return process_matches_name(p, name); },
                           fmt::format("named '{}'", name), "it exec'd another program"};
  return attach_matching_process(session, pid, match);
}

Result<void> attach_groups(Session& session, const std::vector<ProcessGroup>& groups,
                           std::vector<std::string>& notes) {
  struct Tally {
    std::set<Pid> listed;
    std::size_t attached = 0;
    std::optional<Error> first_error;
  };
  std::vector<Tally> tallies(groups.size());
  std::set<Pid> tried;
  constexpr int kMaxScans = 5;
  for (int scan = 0; scan < kMaxScans; ++scan) {
    bool found_new = false;
    for (std::size_t g = 0; g < groups.size(); ++g) {
      for (const Pid pid : groups[g].list()) {
        tallies[g].listed.insert(pid);
        if (session.traced(pid) || !tried.insert(pid).second || is_kernel_thread(pid)) {
          continue;
        }
        found_new = true;
        // ESRCH: gone, or its pid now names another process (left as it was).
        if (auto r = attach_matching_process(session, pid, groups[g].match); r.ok()) {
          ++tallies[g].attached;
        } else if (r.error().code != ESRCH) {
          notes.push_back(r.error().message);
          if (!tallies[g].first_error) {
            tallies[g].first_error = r.error();
          }
        }
      }
    }
    if (!found_new) {
      break;
    }
  }
  std::optional<Error> failure;
  for (std::size_t g = 0; g < groups.size(); ++g) {
    const Tally& t = tallies[g];
    // Attached here, or through another group or -p (the same process named twice).
    if (t.attached > 0 || std::any_of(t.listed.begin(), t.listed.end(),
                                      [&session](Pid pid) { return session.traced(pid); })) {
      continue;
    }
    Error why = t.first_error ? *t.first_error
                : t.listed.empty()
                    ? make_error(ESRCH, groups[g].none)
                    : make_error(ESRCH, fmt::format("every process {} exited before culprit could "
                                                    "attach to it",
                                                    groups[g].match.what));
    if (!t.first_error) {
      notes.push_back(why.message);  // refusals are noted already
    }
    if (!failure) {
      failure = std::move(why);
    }
  }
  if (session.empty() && failure) {
    return *failure;
  }
  return {};
}

}  // namespace culprit::tracer
