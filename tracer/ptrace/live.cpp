// trace_run / trace_attach: the session plus what surrounds it — signal handlers, the periodic
// tick, --duration, --trigger (tracer/model/trigger.h) and the status line.
#include "tracer/ptrace/live.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <vector>

#include "tracer/model/event_batcher.h"
#include "tracer/model/live_helpers.h"
#include "tracer/model/trigger.h"
#include "tracer/ptrace/attach.h"
#include "tracer/ptrace/cgroup.h"
#include "tracer/ptrace/launch.h"
#include "tracer/ptrace/ptrace_ops.h"
#include "tracer/ptrace/seccomp_filter.h"
#include "tracer/ptrace/session.h"
#include "tracer/ptrace/wait_status.h"

namespace culprit::tracer {
namespace {

using Clock = std::chrono::steady_clock;

// The Session's poll window: options.spin_us, or none when this process may run on a single CPU
// (a poll loop there would only take turns with the tracees it waits for).
std::chrono::microseconds spin_window(const LiveOptions& options) {
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  if (sched_getaffinity(0, sizeof cpus, &cpus) != 0 || CPU_COUNT(&cpus) < 2) {
    return std::chrono::microseconds(0);
  }
  return std::chrono::microseconds(options.spin_us);
}

std::atomic<int> g_stop_signal{0};
std::atomic<unsigned> g_stop_count{0};         // stop signals received in this scope
std::atomic<bool> g_stop_from_process{false};  // the last one was sent by a process (kill(2))
std::atomic<bool> g_tick{false};

extern "C" void on_stop_signal(int sig, siginfo_t* info, void* /*context*/) {
  g_stop_signal.store(sig, std::memory_order_relaxed);
  // SI_USER, SI_QUEUE, SI_TKILL (<= 0): kill(2) and friends. A terminal's ^C, ^\ and hang-up come
  // from the kernel (SI_KERNEL) and reach the whole foreground process group, the command too.
  g_stop_from_process.store(info != nullptr && info->si_code <= 0, std::memory_order_relaxed);
  g_stop_count.fetch_add(1, std::memory_order_relaxed);
}
extern "C" void on_tick_signal(int /*sig*/) { g_tick.store(true, std::memory_order_relaxed); }

constexpr int kTickSignal = SIGALRM;
constexpr long kTickNanos = 200'000'000;  // 5 ticks/s: status refresh rate and stop latency

// Installs the stop handlers and a periodic tick aimed at this thread (SIGEV_THREAD_ID), so that
// the blocking wait4 of the session returns EINTR at least 5 times a second; restores everything
// on destruction. Handlers are installed without SA_RESTART for that reason, and also when the
// signal was inherited as ignored (nohup, `cmd &`): culprit must always detach cleanly. SIGPIPE is
// ignored meanwhile: a report written to a closed pipe must not kill culprit while it still holds
// traced processes (`run` holds them until they exit).
class SignalScope {
 public:
  // `restore_mask`: the signal mask to restore at the end (the caller's, when it blocked the stop
  // signals itself before the scope began); the mask at construction otherwise.
  explicit SignalScope(const sigset_t* restore_mask = nullptr) {
    g_stop_signal.store(0);
    g_stop_count.store(0);
    g_stop_from_process.store(false);
    g_tick.store(false);
    struct sigaction sa {};
    sa.sa_sigaction = on_stop_signal;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    for (std::size_t i = 0; i < std::size(kStopSignals); ++i) {
      sigaction(kStopSignals[i], &sa, &old_[i]);
    }
    struct sigaction tick {};
    tick.sa_handler = on_tick_signal;
    sigemptyset(&tick.sa_mask);
    sigaction(kTickSignal, &tick, &old_tick_);
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    sigaction(SIGPIPE, &ignore, &old_pipe_);
    sigset_t unblock;
    sigemptyset(&unblock);
    for (const int sig : kStopSignals) {
      sigaddset(&unblock, sig);
    }
    sigaddset(&unblock, kTickSignal);
    pthread_sigmask(SIG_UNBLOCK, &unblock, &old_mask_);
    if (restore_mask != nullptr) {
      old_mask_ = *restore_mask;
    }

    sigevent sev{};
    sev.sigev_notify = SIGEV_THREAD_ID;
    sev.sigev_signo = kTickSignal;
    sev._sigev_un._tid = static_cast<pid_t>(syscall(SYS_gettid));
    if (timer_create(CLOCK_MONOTONIC, &sev, &timer_) == 0) {
      timer_ok_ = true;
      itimerspec spec{};
      spec.it_interval.tv_nsec = kTickNanos;
      spec.it_value.tv_nsec = kTickNanos;
      timer_settime(timer_, 0, &spec, nullptr);
    }
  }
  SignalScope(const SignalScope&) = delete;
  SignalScope& operator=(const SignalScope&) = delete;
  ~SignalScope() {
    if (timer_ok_) {
      timer_delete(timer_);
    }
    for (std::size_t i = 0; i < std::size(kStopSignals); ++i) {
      sigaction(kStopSignals[i], &old_[i], nullptr);
    }
    sigaction(kTickSignal, &old_tick_, nullptr);
    sigaction(SIGPIPE, &old_pipe_, nullptr);
    pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
  }

 private:
  struct sigaction old_[std::size(kStopSignals)]{};
  struct sigaction old_tick_ {};
  struct sigaction old_pipe_ {};
  sigset_t old_mask_{};
  timer_t timer_{};
  bool timer_ok_ = false;
};

// The stop conditions and the status line, checked by the session between stops.
class Controller {
 public:
  Controller(const LiveOptions& options, Session& session, SourceStats& stats)
      : options_(options), session_(session), stats_(stats), start_(Clock::now()) {
    if (!options.trigger.empty()) {
      trigger_ = std::make_unique<Trigger>(options.trigger);
    }
  }
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;
  ~Controller() { clear_status(); }

  // Called on every periodic tick (the delivery thread's flush).
  void on_tick(std::function<void()> hook) { tick_hook_ = std::move(hook); }

  void start_trigger() {
    if (trigger_) {
      trigger_->start();
    }
  }

  // Cheap unless a tick is pending; true when tracing must stop.
  bool poll() {
    if (const int sig = g_stop_signal.load(std::memory_order_relaxed); sig != 0) {
      reason_ = fmt::format("stopped by {}", signal_name(sig));
      return true;
    }
    if (!g_tick.load(std::memory_order_relaxed)) {
      return false;
    }
    g_tick.store(false, std::memory_order_relaxed);
    if (tick_hook_) {
      tick_hook_();
    }
    const auto now = Clock::now();
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    if (options_.duration_s > 0 && elapsed >= options_.duration_s) {
      reason_ = fmt::format("--duration of {}s reached", options_.duration_s);
      return true;
    }
    if (trigger_ && trigger_->done() &&
        std::chrono::duration<double>(now - trigger_->done_at()).count() >= options_.settle_s) {
      reason_ = "--trigger finished";
      return true;
    }
    if (options_.status_line) {
      // Never fmt::print: it throws when the terminal is gone (a dropped ssh session), and culprit
      // must go on serving its tracees then.
      const std::string line =
          fmt::format("\r\033[Kculprit: {} processes, {} threads, {} events, {} failures, {:.1f}s",
                      session_.live_processes(), session_.live_threads(), stats_.events,
                      session_.failures(), elapsed);
      std::fputs(line.c_str(), stderr);
      std::fflush(stderr);
      status_shown_ = true;
    }
    return false;
  }

  void clear_status() {
    if (status_shown_) {
      std::fputs("\r\033[K", stderr);
      std::fflush(stderr);
      status_shown_ = false;
    }
  }

  // Why the loop ended early ("stopped by SIGINT"), "" when every tracee exited.
  [[nodiscard]] const std::string& reason() const { return reason_; }

  void finish() {
    clear_status();
    if (trigger_) {
      trigger_->stop();
    }
  }

  // The trigger's exit status, once finish() has joined its thread.
  void trigger_result(LiveOutcome& out) const {
    if (!trigger_) {
      return;
    }
    TriggerResult r = trigger_->result();
    if (!r.ran) {
      return;
    }
    out.trigger_status = r.status;
    out.trigger_signal = r.signal;
    out.trigger_output = std::move(r.output);
    out.notes.push_back(std::move(r.note));
  }

 private:
  const LiveOptions& options_;
  Session& session_;
  SourceStats& stats_;
  Clock::time_point start_;
  std::unique_ptr<Trigger> trigger_;
  std::function<void()> tick_hook_;
  std::string reason_;
  bool status_shown_ = false;
};

// The sink's events go through a consumer thread (EventBatcher), woken once per 512 events and on
// the periodic tick (flush), never waited for: the tracees are resumed without waiting for the
// sink's work, and on a loaded machine a consumer woken per event would also compete with the
// tracees for a CPU.
constexpr EventBatcher::Options kDeliveryBatching{512, 0};

// "1 thread in 1 process", "7 threads in 3 processes".
std::string count_threads(std::size_t threads, std::size_t processes) {
  return fmt::format("{} thread{} in {} process{}", threads, threads == 1 ? "" : "s", processes,
                     processes == 1 ? "" : "es");
}

// The loop and the detach that ends it (attach).
Result<void> drive(Session& session, Controller& control, LiveOutcome& out) {
  control.start_trigger();
  auto looped = session.loop([&control] { return control.poll(); });
  if (!control.reason().empty()) {
    out.notes.push_back(control.reason());
  }
  if (!session.empty()) {
    const std::size_t threads = session.live_threads();
    const std::size_t processes = session.live_processes();
    session.detach_all();
    out.detached = true;
    out.notes.push_back(
        fmt::format("detached from {}, left running", count_threads(threads, processes)));
  }
  control.finish();
  control.trigger_result(out);
  out.processes = session.processes_seen();
  out.threads = session.threads_seen();
  out.failures = session.failures();
  return looped;
}

}  // namespace

struct CommandRun::State {
  State(const LiveOptions& o, EventSink& s, SourceStats& st) : options(o), sink(s), stats(st) {}
  State(const State&) = delete;
  State& operator=(const State&) = delete;
  ~State() {
    if (launched.error_fd >= 0) {
      close(launched.error_fd);
    }
  }

  // After the launch, with the stop signals blocked: the delivery thread inherits that mask, so
  // a stop signal is never delivered to it (where its default action would kill culprit).
  void start_session() {
    if (options.deliver_thread) {
      delivery.emplace(sink, kDeliveryBatching);
    }
    session.emplace(Session::Mode::Run, DecodeOptions{options.string_limit},
                    delivery ? static_cast<EventSink&>(*delivery) : sink, stats);
  }

  // A stop signal sent by a process, not yet passed on to the command: a signal sent to culprit's
  // whole process group (timeout, systemd's KillMode=control-group, kill -PGID) reaches the
  // command by itself, and is not passed on again.
  struct PendingForward {
    int signal = 0;
    Clock::time_point arrived{};
  };

  const LiveOptions& options;
  EventSink& sink;
  SourceStats& stats;
  std::optional<PendingForward> pending;
  std::optional<EventBatcher> delivery;
  std::optional<Session> session;
  std::optional<SignalScope> signals;
  Launched launched;
  bool recorded = false;
  bool served = false;
  unsigned signals_seen = 0;  // g_stop_count already acted on
};

CommandRun::CommandRun(const LiveOptions& options, EventSink& sink, SourceStats& stats)
    : state_(std::make_unique<State>(options, sink, stats)) {}

CommandRun::~CommandRun() {
  if (state_->recorded && !state_->served) {
    LiveOutcome ignored;
    serve_to_end(ignored, {});
  }
}

// After a stop signal, how long the report waits for the command to end (it got the signal too).
constexpr std::chrono::milliseconds kExitGrace{1000};

// How long a stop signal that a process sent to culprit waits before it is passed on to the
// command: long enough for the command's own copy, if the sender signalled the process group, to
// show as a signal-delivery-stop.
constexpr std::chrono::milliseconds kForwardDelay{150};

// A stop signal that a process sent to culprit is passed on to the command culprit started, unless
// the command received the same signal around the same time (a signal to the process group, or
// the terminal's ^C, which comes from the kernel and is never passed on): `kill` and `timeout`
// end the command as they would have without culprit, once. Called between stops.
static void forward_stop_signal(CommandRun::State& st) {
  Session& session = *st.session;
  const unsigned count = g_stop_count.load(std::memory_order_relaxed);
  if (count != st.signals_seen) {
    st.signals_seen = count;
    if (g_stop_from_process.load(std::memory_order_relaxed)) {
      st.pending = CommandRun::State::PendingForward{g_stop_signal.load(std::memory_order_relaxed),
                                                     Clock::now()};
    }
  }
  if (!st.pending) {
    return;
  }
  const auto& p = *st.pending;
  const bool got_it = session.launched_signal_at(p.signal) + kForwardDelay >= p.arrived;
  if (got_it || !session.traced(st.launched.pid)) {
    st.pending.reset();
  } else if (Clock::now() >= p.arrived + kForwardDelay) {
    kill(st.launched.pid, p.signal);
    st.pending.reset();
  }
}

Result<LiveOutcome> CommandRun::record() {
  State& st = *state_;
  const LiveOptions& options = st.options;
  if (options.command.empty()) {
    return make_error(EINVAL, "no command to run (usage: culprit run -- CMD ARGS...)");
  }
  const SeccompProgram program = CULPRIT_TRY(SeccompProgram::build());
  // Launch before installing handlers and starting threads: the command must inherit culprit's
  // original dispositions (an ignored SIGINT stays ignored across exec; a handled one would
  // become default), and fork is simplest from a single-threaded process. The stop signals are
  // blocked meanwhile, so that one arriving between the launch and the handlers cannot kill
  // culprit (and with it the command); the child gets the original mask back before its exec.
  sigset_t stops;
  sigemptyset(&stops);
  for (const int sig : kStopSignals) {
    sigaddset(&stops, sig);
  }
  sigset_t original;
  pthread_sigmask(SIG_BLOCK, &stops, &original);
  auto launched = launch(options.command, program, options.command_stdout_to_stderr, &original);
  if (!launched.ok()) {
    pthread_sigmask(SIG_SETMASK, &original, nullptr);
    return launched.take_error();
  }
  st.launched = std::move(launched).value();
  st.start_session();
  Session& session = *st.session;
  session.set_spin(spin_window(options));
  Tracee& t = session.add(st.launched.pid, st.launched.pid);
  t.launched = true;
  t.ignore_sigcont = true;
  st.signals.emplace(&original);  // unblocks the stop signals, pending ones are handled now
  st.recorded = true;

  // If anything below throws (the sink runs in the loop), nothing may be delivered any more: the
  // caller's sink is on its way out. Recording is abandoned and the delivery thread stopped; the
  // destructor then serves the command to its end.
  struct Unwind {
    explicit Unwind(State& state) : st(state) {}
    Unwind(const Unwind&) = delete;
    Unwind& operator=(const Unwind&) = delete;
    ~Unwind() {
      if (!armed) {
        return;
      }
      st.session->abandon_recording();
      if (st.delivery) {
        try {
          st.delivery->finish();
        } catch (...) {  // NOLINT(bugprone-empty-catch): already unwinding
        }
      }
    }
    State& st;
    bool armed = true;
  } unwind(st);

  LiveOutcome out;
  Controller control(options, session, st.stats);
  if (st.delivery) {
    control.on_tick([&st] { st.delivery->flush(); });
  }
  control.start_trigger();
  auto looped = session.loop([&control] { return control.poll(); });
  if (!control.reason().empty()) {
    out.notes.push_back(control.reason());
  }
  forward_stop_signal(st);
  session.stop_recording();
  if (st.signals_seen > 0 && !session.empty()) {
    // The command got the signal too: most commands end at once, and then the report can say how
    // they ended. Served (not recorded) for a moment before the report is written.
    const auto until = Clock::now() + kExitGrace;
    (void)session.loop([&] {
      forward_stop_signal(st);
      return session.launched_done() || Clock::now() >= until;
    });
  }
  control.finish();
  control.trigger_result(out);
  if (st.delivery) {
    st.delivery->finish();
  }
  unwind.armed = false;
  out.processes = session.processes_seen();
  out.threads = session.threads_seen();
  out.failures = session.failures();
  out.still_running = !session.empty();
  if (out.still_running) {
    out.notes.push_back(fmt::format(
        "recording stopped; {} still running{}: they started under culprit's seccomp filter and "
        "cannot make the calls it stops on without culprit, so culprit serves them until they "
        "exit",
        count_threads(session.live_threads(), session.live_processes()),
        session.traced(st.launched.pid) ? fmt::format(" (the command is pid {})", st.launched.pid)
                                        : std::string()));
  }

  // When recording stopped before the exec, the error pipe stays open until the State goes: the
  // child may still write its failure there, and a write with no reader would kill it (SIGPIPE).
  if (session.launched_exec_seen()) {
    close(st.launched.error_fd);
    st.launched.error_fd = -1;
  } else if (session.launched_done()) {
    // The command never ran. A failed execve is an event like any other (the analyzer explains
    // a missing interpreter or loader, a mode or mount without exec); the steps before it are
    // culprit's own and stop here.
    LaunchError why = read_launch_error(st.launched.error_fd, options.command[0]);
    st.launched.error_fd = -1;
    if (!why.message.empty() && !why.at_exec) {
      return make_error(ENOEXEC, why.message);
    }
    out.exec_error = why.message;
  }
  if (!looped.ok()) {
    return looped.take_error();
  }
  if (session.launched_done()) {
    out.exit_status = session.launched_exit_status();
    out.term_signal = session.launched_term_signal();
  }
  return out;
}

void CommandRun::serve_to_end(LiveOutcome& out,
                              const std::function<void(const std::string&)>& say) {
  State& st = *state_;
  if (!st.recorded || st.served) {
    return;
  }
  st.served = true;
  Session& session = *st.session;
  bool told = false;
  // Wait errors other than "no children" cannot be acted on here: the loop is left and whatever
  // is still traced goes with culprit (PTRACE_O_EXITKILL).
  (void)session.loop([&] {
    const unsigned before = st.signals_seen;
    forward_stop_signal(st);
    if (before != st.signals_seen && !told && say) {
      told = true;
      say(fmt::format("still serving {}: culprit exits when they do",
                      count_threads(session.live_threads(), session.live_processes())));
    }
    return false;
  });
  if (session.launched_done()) {
    out.exit_status = session.launched_exit_status();
    out.term_signal = session.launched_term_signal();
  }
  out.still_running = false;
  st.signals.reset();
}

Result<LiveOutcome> trace_run(const LiveOptions& options, EventSink& sink, SourceStats& stats) {
  CommandRun run(options, sink, stats);
  auto out = run.record();
  if (out.ok()) {
    run.serve_to_end(*out, {});
  }
  return out;
}

Result<LiveOutcome> trace_attach(const LiveOptions& options, EventSink& sink, SourceStats& stats) {
  if (options.pids.empty() && options.name.empty() && options.units.empty() &&
      options.cgroups.empty()) {
    return make_error(EINVAL, "nothing to attach to (give -p PID, -n NAME, -u UNIT or --cgroup)");
  }
  // Units and cgroups are resolved before anything is attached: a typo attaches nothing.
  std::vector<ProcessGroup> groups;
  if (!options.name.empty()) {
    const std::string& name = options.name;
    groups.push_back({[&name] { return find_processes_by_name(name); },
                      {[&name](Pid p) { return process_matches_name(p, name); },
                       fmt::format("named '{}'", name), "it exec'd another program"},
                      fmt::format("no process named '{}'", name)});
  }
  auto add_cgroup = [&groups](std::vector<std::string> dirs, const std::string& what,
                              std::string none) {
    auto listed = [dirs = std::move(dirs)] {
      auto pids = cgroup_processes(dirs);
      std::erase(pids, getpid());
      return pids;
    };
    groups.push_back({listed,
                      {[listed](Pid p) {
                         const auto pids = listed();
                         return std::binary_search(pids.begin(), pids.end(), p);
                       },
                       what, "it moved to another cgroup"},
                      std::move(none)});
  };
  for (const auto& given : options.units) {
    const std::string unit = unit_name(given);
    auto dirs = CULPRIT_TRY(unit_cgroup_dirs(unit));
    const std::string none =
        fmt::format("unit {} has no process (its cgroup {} is empty)", unit, fmt::join(dirs, ", "));
    add_cgroup(std::move(dirs), "in " + unit, none);
  }
  for (const auto& path : options.cgroups) {
    add_cgroup(CULPRIT_TRY(cgroup_dirs(path)), "in cgroup " + path,
               fmt::format("cgroup {} has no process", path));
  }

  std::optional<EventBatcher> delivery;
  if (options.deliver_thread) {
    delivery.emplace(sink, kDeliveryBatching);
  }
  Session session(Session::Mode::Attach, DecodeOptions{options.string_limit},
                  delivery ? static_cast<EventSink&>(*delivery) : sink, stats);
  session.set_spin(spin_window(options));
  LiveOutcome out;
  SignalScope signals;

  auto give_up = [&session](Error error) -> Error {
    session.detach_all();
    return error;
  };
  // Of several targets, one that has exited (or is a zombie) by the time it is seized is left out
  // with a note: `-p "$(pgrep apache2)"` lists workers that a server recycles at any moment. A
  // single target, or every target, gone is an error; so is any other refusal (EPERM: another
  // tracer, Yama, a missing capability), which would refuse the others too.
  const bool several = options.pids.size() + groups.size() > 1;
  std::optional<Error> gone;
  for (const Pid pid : options.pids) {
    if (session.traced(pid)) {
      continue;  // given twice, or a thread of a process given before
    }
    if (auto r = attach_process(session, pid); !r.ok()) {
      Error error = r.take_error();
      if (!several || error.code != ESRCH) {
        return give_up(std::move(error));
      }
      out.notes.push_back(fmt::format("skipped: {}", error.message));
      gone = std::move(error);
    }
  }
  if (auto r = attach_groups(session, groups, out.notes); !r.ok()) {
    return give_up(r.take_error());
  }
  if (gone && session.live_processes() == 0) {
    return give_up(std::move(*gone));
  }
  out.notes.push_back(fmt::format("attached to {}",
                                  count_threads(session.live_threads(), session.live_processes())));

  Controller control(options, session, stats);
  if (delivery) {
    control.on_tick([&delivery] { delivery->flush(); });
  }
  auto looped = drive(session, control, out);
  if (delivery) {
    delivery->finish();
  }
  CULPRIT_TRY_VOID(std::move(looped));
  return out;
}

}  // namespace culprit::tracer
