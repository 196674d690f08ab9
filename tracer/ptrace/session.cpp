#include "tracer/ptrace/session.h"

#include <sched.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <ctime>
#include <thread>

#include "tracer/model/live_helpers.h"
#include "tracer/ptrace/ptrace_ops.h"

namespace culprit::tracer {

std::int64_t now_epoch_micros() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000 + ts.tv_nsec / 1000;
}

Session::Session(Mode mode, DecodeOptions options, EventSink& sink, SourceStats& stats)
    : mode_(mode), options_(options), sink_(sink), stats_(&stats) {}

Tracee& Session::add(Pid tid, Pid tgid) { return ensure(tid, tgid); }

Tracee& Session::ensure(Pid tid, Pid tgid_hint) {
  auto it = tracees_.find(tid);
  if (it != tracees_.end()) {
    return it->second;
  }
  Pid tgid = tgid_hint != 0 ? tgid_hint : read_tgid(tid);
  if (tgid == 0) {
    tgid = tid;  // already gone from /proc: its exit follows
  }
  Tracee& t = tracees_[tid];
  t.tid = tid;
  t.tgid = tgid;
  cwds_.forget(tid);  // a new thread (maybe a reused tid): its cwd is read afresh
  ++threads_seen_;
  tgids_seen_.insert(tgid);
  return t;
}

std::size_t Session::live_processes() const {
  std::set<Pid> tgids;
  for (const auto& [tid, t] : tracees_) {
    tgids.insert(t.tgid);
  }
  return tgids.size();
}

void Session::emit(Event& event) {
  if (!recording_) {
    return;
  }
  ++stats_->events;
  if (event.failed()) {
    ++failures_;
  }
  sink_.on_event(event);
}

Result<void> Session::loop(const std::function<bool()>& poll) {
  while (!tracees_.empty()) {
    if (poll()) {
      return {};
    }
    int raw = 0;
    const pid_t pid = wait_next(raw);
    if (pid < 0) {
      if (errno == EINTR) {
        continue;
      }
      if (errno == ECHILD) {
        tracees_.clear();  // every tracee is gone without us seeing it (cannot normally happen)
        return {};
      }
      return make_error(errno,
                        std::string("waiting for traced processes: ") + std::strerror(errno));
    }
    ++stats_->lines;
    handle(pid, WaitStatus(raw));
  }
  return {};
}

pid_t Session::wait_next(int& raw) const {
  // __WNOTHREAD: only this thread's children and tracees. The --trigger command is started from
  // another thread; its exit must stay for that thread to collect.
  constexpr int kFlags = __WALL | __WNOTHREAD;
  if (spin_.count() > 0) {
    const auto until = std::chrono::steady_clock::now() + spin_;
    do {
      if (const pid_t pid = wait4(-1, &raw, kFlags | WNOHANG, nullptr); pid != 0) {
        return pid;
      }
      // A tracee that shares this CPU (or anything else runnable here) goes first.
      sched_yield();
    } while (std::chrono::steady_clock::now() < until);
  }
  return wait4(-1, &raw, kFlags, nullptr);
}

void Session::resume(Tracee& t, int signal) {
  const Resume how = (mode_ == Mode::Attach || t.in_syscall) ? Resume::Syscall : Resume::Cont;
  // ESRCH: the tracee was killed meanwhile (SIGKILL needs no stop); its exit is reported next.
  (void)ptrace_ops::resume(t.tid, how, signal);
}

void Session::handle(Pid tid, WaitStatus status) {
  using K = WaitStatus::Kind;
  const K kind = status.kind();
  if (kind == K::Exited || kind == K::Killed) {
    handle_exit(tid, status);
    return;
  }
  // An unknown tid is a child auto-attached through TRACECLONE/FORK/VFORK whose first stop came
  // before its parent's event stop.
  Tracee& t = ensure(tid, 0);
  switch (kind) {
    case K::SyscallStop:
      handle_syscall_stop(t);
      return;
    case K::EventStop:
      handle_event_stop(t, status.event());
      return;
    case K::GroupStop:
      // ptrace(2) "group-stop": PTRACE_LISTEN keeps it stopped yet lets us see SIGCONT and be
      // interrupted for detach; PTRACE_CONT here would wrongly resume a stopped process.
      t.group_stopped = true;
      (void)ptrace_ops::resume(tid, Resume::Listen);
      return;
    case K::InterruptStop:
      // PTRACE_INTERRUPT after attach, a new child's first stop, or the end of a group-stop.
      t.group_stopped = false;
      resume(t);
      return;
    case K::SignalStop: {
      const int sig = status.stop_signal();
      if (t.launched) {
        launched_tgid_ = t.tgid;
      }
      // A process-directed signal stops whichever thread takes it: any thread of the command.
      if (launched_tgid_ != 0 && t.tgid == launched_tgid_ && sig > 0 &&
          static_cast<std::size_t>(sig) < launched_signal_at_.size()) {
        launched_signal_at_[static_cast<std::size_t>(sig)] = std::chrono::steady_clock::now();
      }
      // Re-inject first, emit after: the tracee gets every signal it was sent, and spends as
      // little time as possible in signal-delivery-stop, where a dying tracer would lose it.
      resume(t, sig);
      if (t.ignore_sigcont && sig == SIGCONT) {
        t.ignore_sigcont = false;  // `run`'s own SIGCONT, not something the command received
        return;
      }
      scratch_.clear();
      scratch_.kind = EventKind::Signal;
      scratch_.pid = tid;
      scratch_.time = Timestamp{Timestamp::Kind::Epoch, now_epoch_micros()};
      scratch_.signal = signal_name(sig);
      emit(scratch_);
      return;
    }
    case K::Exited:
    case K::Killed:
      break;
  }
}

void Session::handle_syscall_stop(Tracee& t) {
  if (t.undecoded_exit_next) {
    // The exit of a call we did not decode: nothing to read, only the stop to end. In attach mode
    // half of all stops are these.
    t.undecoded_exit_next = false;
    resume(t);
    return;
  }
  auto info = ptrace_ops::syscall_info(t.tid);
  if (info.ok()) {
    switch (info->op) {
      case PTRACE_SYSCALL_INFO_ENTRY: {
        SyscallArgs args{};
        std::copy(std::begin(info->entry.args), std::end(info->entry.args), args.begin());
        start_syscall(t, static_cast<long>(info->entry.nr), args);
        t.undecoded_exit_next = !t.in_syscall;
        break;
      }
      case PTRACE_SYSCALL_INFO_EXIT:
        // Without a decoded entry this is the exit of an undecoded call, or of the call the
        // thread was in when we attached.
        if (t.in_syscall) {
          finish_syscall(t, info->exit.rval);
        }
        break;
      default:
        break;
    }
  }
  resume(t);
}

void Session::handle_seccomp_stop(Tracee& t) {
  if (!recording_) {
    resume(t);  // serving only: the call goes on, nothing read
    return;
  }
  auto info = ptrace_ops::syscall_info(t.tid);
  if (info.ok() && info->op == PTRACE_SYSCALL_INFO_SECCOMP) {
    SyscallArgs args{};
    std::copy(std::begin(info->seccomp.args), std::end(info->seccomp.args), args.begin());
    start_syscall(t, static_cast<long>(info->seccomp.nr), args);
  }
  // A seccomp stop is the entry: PTRACE_SYSCALL (in_syscall) makes the exit stop report errno.
  resume(t);
}

// chdir/fchdir/chroot change what relative paths resolve against, for the caller's process and
// for any process sharing its fs_struct (CLONE_FS): the whole cwd cache goes, at entry and exit.
bool Session::changes_cwd(const SyscallInfo* info) {
  return info != nullptr && (info->has(Trait::ChangesCwd) || info->has(Trait::ChangesRoot));
}

void Session::start_syscall(Tracee& t, long nr, const SyscallArgs& args) {
  const SyscallInfo* info = find_syscall(nr);
  if (!recording_ || info == nullptr || !info->trace || !decode_wanted(*info, args)) {
    // Not something the analyzer needs: no decoding, the stop is all it costs.
    t.clear_syscall();
    return;
  }
  if (changes_cwd(info)) {
    cwds_.clear();
  }
  t.entry_micros = now_epoch_micros();
  t.args = args;
  decode_entry(t.tid, *info, args, options_, cwds_, t.pending);
  t.pending.time = Timestamp{Timestamp::Kind::Epoch, t.entry_micros};
  t.info = info;
  t.in_syscall = true;
}

void Session::finish_syscall(Tracee& t, std::int64_t rval) {
  if (changes_cwd(t.info)) {
    cwds_.clear();
  }
  decode_exit(t.tid, *t.info, t.args, rval, t.pending);
  t.pending.duration_us = now_epoch_micros() - t.entry_micros;
  t.clear_syscall();
  emit(t.pending);
}

void Session::flush_unfinished(Tracee& t) {
  if (!t.in_syscall || t.info == nullptr) {
    return;
  }
  t.pending.unfinished = true;
  t.pending.ret_known = false;
  t.clear_syscall();
  emit(t.pending);
}

void Session::handle_event_stop(Tracee& t, int event) {
  switch (event) {
    case PTRACE_EVENT_SECCOMP:
      handle_seccomp_stop(t);
      return;
    case PTRACE_EVENT_FORK:
    case PTRACE_EVENT_VFORK:
    case PTRACE_EVENT_CLONE:
      // The child is already traced (same options); register it now so that the session does
      // not end, or miss it, before its first stop arrives.
      if (auto child = ptrace_ops::event_message(t.tid); child.ok() && *child != 0) {
        // A fork/vfork child leads its own thread group: no need to read /proc/PID/status for
        // its tgid. A clone may be a thread or a process: ask.
        const auto child_tid = static_cast<Pid>(*child);
        ensure(child_tid, event == PTRACE_EVENT_CLONE ? 0 : child_tid);
      }
      break;
    case PTRACE_EVENT_EXEC:
      // ptrace(2) "execve under ptrace": a non-leader thread that execs takes over the leader's
      // tid; its old tid is the event message and is never reported again. The leader's own
      // unfinished call is superseded.
      if (auto former = ptrace_ops::event_message(t.tid); former.ok()) {
        const auto former_tid = static_cast<Pid>(*former);
        if (former_tid != t.tid) {
          flush_unfinished(t);
          if (auto it = tracees_.find(former_tid); it != tracees_.end()) {
            Tracee& f = it->second;
            t.in_syscall = f.in_syscall;
            t.info = f.info;
            t.entry_micros = f.entry_micros;
            std::swap(t.pending, f.pending);
            t.pending.pid = t.tid;  // strace reports the resumed execve under the leader's pid
            tracees_.erase(it);
          }
        }
      }
      cwds_.forget(t.tid);  // exec keeps the cwd; one readlink per exec guards against staleness
      // The next syscall stop is the exit of execve, whichever thread was where before.
      t.undecoded_exit_next = false;
      if (t.launched) {
        launched_exec_seen_ = true;
      }
      break;
    default:
      break;
  }
  resume(t);
}

void Session::handle_exit(Pid tid, WaitStatus status) {
  auto it = tracees_.find(tid);
  if (it == tracees_.end()) {
    return;  // not ours (cannot happen with __WNOTHREAD unless a tracee was dropped)
  }
  Tracee& t = it->second;
  flush_unfinished(t);
  cwds_.forget(t.tid);
  scratch_.clear();
  scratch_.kind = EventKind::Exit;
  scratch_.pid = tid;
  scratch_.time = Timestamp{Timestamp::Kind::Epoch, now_epoch_micros()};
  if (status.kind() == WaitStatus::Kind::Exited) {
    scratch_.exit_code = status.exit_code();
  } else {
    scratch_.killed = true;
    scratch_.signal = signal_name(status.term_signal());
    scratch_.core_dumped = status.core_dumped();
  }
  if (t.launched) {
    launched_done_ = true;
    if (scratch_.killed) {
      launched_signal_ = status.term_signal();
    } else {
      launched_exit_ = status.exit_code();
    }
  }
  tracees_.erase(it);
  emit(scratch_);
}

void Session::drop(Pid tid) {
  auto it = tracees_.find(tid);
  if (it != tracees_.end()) {
    flush_unfinished(it->second);
    tracees_.erase(it);
  }
  detached_.insert(tid);
}

void Session::handle_detach_stop(Pid tid, WaitStatus status) {
  using K = WaitStatus::Kind;
  const K kind = status.kind();
  if (kind == K::Exited || kind == K::Killed) {
    handle_exit(tid, status);
    return;
  }
  int signal = 0;
  switch (kind) {
    case K::SignalStop:
      // strace's detach: a signal caught in its delivery-stop is handed back with the detach.
      signal = status.stop_signal();
      break;
    case K::EventStop:
      if (const int ev = status.event();
          ev == PTRACE_EVENT_FORK || ev == PTRACE_EVENT_VFORK || ev == PTRACE_EVENT_CLONE) {
        // The new child is traced already and will report its first stop: wait for it too.
        if (auto child = ptrace_ops::event_message(tid); child.ok() && *child != 0) {
          const auto child_tid = static_cast<Pid>(*child);
          if (detached_.count(child_tid) == 0) {
            ensure(child_tid, 0).detaching = true;
          }
        }
      }
      break;
    case K::GroupStop:
      // Detaching in group-stop leaves the process stopped, as it was before we came.
    case K::SyscallStop:
    case K::InterruptStop:
    case K::Exited:
    case K::Killed:
      break;
  }
  (void)ptrace_ops::detach(tid, signal);
  drop(tid);
}

void Session::stop_recording() {
  for (auto& [tid, t] : tracees_) {
    // Its exit stop still comes (the tracee was resumed with PTRACE_SYSCALL) and is ignored: with
    // no decoded entry the exit of a call is not reported.
    flush_unfinished(t);
  }
  recording_ = false;
  stats_ = &idle_stats_;
}

void Session::abandon_recording() {
  for (auto& [tid, t] : tracees_) {
    t.clear_syscall();
  }
  recording_ = false;
  stats_ = &idle_stats_;
}

std::chrono::steady_clock::time_point Session::launched_signal_at(int sig) const {
  return sig > 0 && static_cast<std::size_t>(sig) < launched_signal_at_.size()
             ? launched_signal_at_[static_cast<std::size_t>(sig)]
             : std::chrono::steady_clock::time_point{};
}

void Session::detach_all(double timeout_s) {
  detached_.clear();
  for (auto& [tid, t] : tracees_) {
    t.detaching = true;
    // Every tracee is running (or listening) between our stops: PTRACE_INTERRUPT makes it report a
    // stop at which it can be detached. ESRCH: it is dying; its exit or zombie state shows below.
    (void)ptrace_ops::interrupt(tid);
  }
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::microseconds(static_cast<std::int64_t>(timeout_s * 1e6));
  while (!tracees_.empty()) {
    int raw = 0;
    const pid_t pid = wait4(-1, &raw, __WALL | __WNOTHREAD | WNOHANG, nullptr);
    if (pid > 0) {
      ++stats_->lines;
      if (tracees_.count(pid) == 0 && detached_.count(pid) == 0) {
        ensure(pid, 0).detaching = true;  // a child auto-attached just before the interrupt
      }
      if (tracees_.count(pid) != 0) {
        handle_detach_stop(pid, WaitStatus(raw));
      } else if (!WIFEXITED(raw) && !WIFSIGNALED(raw)) {
        (void)ptrace_ops::detach(pid, 0);
      }
      continue;
    }
    if (pid < 0 && errno == EINTR) {
      continue;
    }
    if (pid < 0 && errno == ECHILD) {
      break;
    }
    // Nothing to report yet. A zombie (a thread-group leader waiting for its threads, or a
    // process its parent has not reaped) never stops again: let it go.
    std::vector<Pid> gone;
    for (const auto& [tid, t] : tracees_) {
      const char state = read_proc_state(tid, t.tgid);
      if (state == 'Z' || state == 'X' || state == '\0') {
        gone.push_back(tid);
      }
    }
    for (const Pid tid : gone) {
      drop(tid);
    }
    if (std::chrono::steady_clock::now() > deadline) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
  for (auto& [tid, t] : tracees_) {
    flush_unfinished(t);
  }
  tracees_.clear();
}

}  // namespace culprit::tracer
