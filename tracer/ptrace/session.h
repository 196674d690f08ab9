// The set of tracees and the wait loop shared by `run` and `attach`: follows clone/fork/vfork
// (auto-attached children), exec (a thread's exec moves it to the leader's tid), group-stops
// (PTRACE_LISTEN), signal-delivery-stops (re-injected), and detaches from everything on request.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <unordered_map>

#include "tracer/model/event.h"
#include "tracer/model/result.h"
#include "tracer/ptrace/decode.h"
#include "tracer/ptrace/tracee.h"
#include "tracer/ptrace/wait_status.h"

namespace culprit::tracer {

class Session {
 public:
  enum class Mode : std::uint8_t {
    Run,     // seccomp stops are entries; PTRACE_CONT between traced syscalls
    Attach,  // no filter: PTRACE_SYSCALL all the way, entry/exit told by PTRACE_GET_SYSCALL_INFO
  };

  Session(Mode mode, DecodeOptions options, EventSink& sink, SourceStats& stats);
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Registers a thread the caller has seized (and, for attach, interrupted).
  Tracee& add(Pid tid, Pid tgid);
  [[nodiscard]] bool traced(Pid tid) const { return tracees_.count(tid) != 0; }
  [[nodiscard]] bool empty() const { return tracees_.empty(); }

  // After handling a stop, poll for the next one for up to `window` (yielding the CPU between
  // polls) before sleeping in wait4; zero (the default) always sleeps, as strace does. A tracer
  // asleep in wait4 is woken on its own CPU at every stop; where an idle CPU is expensive to wake
  // (a VM whose idle vCPU halts) that wake-up costs more than the rest of the stop, and polling
  // makes syscall-dense work 1.5-3x faster to trace (bench/tracer_bench.sh). But it keeps one CPU
  // busy while the tracees are, and on work that forks and execs many short processes it made
  // every stop slower (2x on the same VM); the effect also lingers for a while after switching,
  // so it could not be measured and chosen automatically. Hence opt-in.
  void set_spin(std::chrono::microseconds window) { spin_ = window; }

  // Waits for and handles stops until no tracee is left or `poll` returns true. `poll` is called
  // before every wait and whenever the wait is interrupted by a signal (the caller arranges a
  // periodic one so that it runs even when no tracee stops): it must be cheap. Returns an error
  // only for a wait failure other than "no children".
  Result<void> loop(const std::function<bool()>& poll);

  // Detaches from every tracee (strace's detach: interrupt the running ones, detach each at its
  // next stop with its pending signal re-injected, leave group-stopped ones stopped). Pending
  // syscalls are delivered as unfinished events. Gives up on tracees that do not stop within
  // `timeout_s` (zombies are dropped at once).
  void detach_all(double timeout_s = 5.0);

  // `run` only, when tracing is stopped: the calls in progress are delivered as unfinished, and
  // from then on no event is emitted and nothing is decoded. The stops go on being served (a
  // seccomp stop costs one PTRACE_CONT), signals passed on, children followed, exits collected:
  // a process under run's filter cannot make a traced call without its tracer (ENOSYS), so run
  // never detaches; it keeps serving until the last process has exited.
  void stop_recording();
  // The same without delivering anything (unwinding after an error: the sink may be unusable).
  void abandon_recording();
  // When the launched process last had a signal-delivery-stop for `sig` (steady clock), or the
  // epoch: whether a signal sent to culprit's process group reached the command by itself.
  [[nodiscard]] std::chrono::steady_clock::time_point launched_signal_at(int sig) const;
  [[nodiscard]] bool recording() const { return recording_; }

  // The exit of the process `run` launched (tracee flagged `launched`).
  [[nodiscard]] bool launched_done() const { return launched_done_; }
  [[nodiscard]] bool launched_exec_seen() const { return launched_exec_seen_; }
  [[nodiscard]] int launched_exit_status() const { return launched_exit_; }
  [[nodiscard]] int launched_term_signal() const { return launched_signal_; }

  [[nodiscard]] std::size_t live_processes() const;
  [[nodiscard]] std::size_t live_threads() const { return tracees_.size(); }
  [[nodiscard]] std::size_t processes_seen() const { return tgids_seen_.size(); }
  [[nodiscard]] std::size_t threads_seen() const { return threads_seen_; }
  [[nodiscard]] std::uint64_t failures() const { return failures_; }

 private:
  // The next stop's tid and raw status (wait4's result: -1 with errno on failure).
  pid_t wait_next(int& raw) const;
  void handle(Pid tid, WaitStatus status);
  void handle_syscall_stop(Tracee& t);
  void handle_seccomp_stop(Tracee& t);
  void handle_event_stop(Tracee& t, int event);
  void handle_exit(Pid tid, WaitStatus status);
  void handle_detach_stop(Pid tid, WaitStatus status);
  void drop(Pid tid);
  void start_syscall(Tracee& t, long nr, const SyscallArgs& args);
  void finish_syscall(Tracee& t, std::int64_t rval);
  void flush_unfinished(Tracee& t);
  // Lets the tracee go on after a stop, in the way the mode and its state need.
  void resume(Tracee& t, int signal = 0);
  void emit(Event& event);
  Tracee& ensure(Pid tid, Pid tgid_hint);
  // chdir/fchdir (Trait::ChangesCwd) and chroot (Trait::ChangesRoot).
  [[nodiscard]] static bool changes_cwd(const SyscallInfo* info);

  Mode mode_;
  DecodeOptions options_;
  EventSink& sink_;
  SourceStats*
      stats_;  // the caller's; after stop_recording, idle_stats_ (the caller's may be gone)
  SourceStats idle_stats_;
  std::unordered_map<Pid, Tracee> tracees_;
  std::set<Pid> tgids_seen_;
  std::size_t threads_seen_ = 0;
  std::uint64_t failures_ = 0;
  Event scratch_;  // reused for signal/exit events
  CwdCache cwds_;
  std::chrono::microseconds spin_{0};
  std::set<Pid> detached_;  // during detach_all: already let go (a late fork event must not re-add)
  bool recording_ = true;
  std::array<std::chrono::steady_clock::time_point, 65> launched_signal_at_{};
  Pid launched_tgid_ = 0;

  bool launched_done_ = false;
  bool launched_exec_seen_ = false;
  int launched_exit_ = -1;
  int launched_signal_ = 0;
};

// Microseconds since the epoch (CLOCK_REALTIME), for Event::time.
std::int64_t now_epoch_micros();

}  // namespace culprit::tracer
