// --trigger, for both live backends: `sh -c CMD` started once tracing has begun, its stdin from
// /dev/null, its stdout and stderr kept (first lines) for the report.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace culprit::tracer {

// What the report says of a trigger that ran: its status or the signal that killed it, a note
// ("--trigger exited with 22"), and its first lines of output.
struct TriggerResult {
  bool ran = false;                 // false: never started, or still running (nothing else is set)
  int status = -1;                  // exit code (-1: killed by a signal, could not run, unknown)
  int signal = 0;                   // the signal that killed it (0: it exited)
  std::string note;                 // one line for the report's notes
  std::vector<std::string> output;  // first lines, then "[N more lines]"
};

// The command is spawned (posix_spawn) and waited for by a helper thread that blocks every
// signal from its first instruction, so that:
//  - the ptrace tracer's wait4(-1, __WNOTHREAD) never reaps it (it is not that thread's child);
//  - culprit's stop signals and tick are never taken by the helper thread;
//  - the trigger starts with default dispositions and an empty mask (culprit ignores SIGPIPE and
//    handles or blocks the stop signals while it holds processes; an ignored SIGPIPE would be
//    inherited, and `yes | head -1` would never end).
// It runs in a process group of its own, so that stopping it reaches every process of a compound
// command (`curl A; curl B`), and never a pid recycled after it was reaped. Its output goes to an
// unlinked temporary file, not a pipe: a background process the trigger leaves behind (`curl URL
// &`) would hold a pipe open long after the trigger has ended; only what was written by the time
// the trigger exited is read (at most kReadLimit bytes).
class Trigger {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::size_t kKeepLines = 20;
  static constexpr std::size_t kKeepLineBytes = 300;
  static constexpr std::uint64_t kReadLimit = 16 << 20;
  // After SIGTERM, how long stop() waits before SIGKILL.
  static constexpr std::chrono::milliseconds kKillAfter{2000};

  explicit Trigger(std::string command);
  Trigger(const Trigger&) = delete;
  Trigger& operator=(const Trigger&) = delete;
  ~Trigger();

  void start();

  // Whether it has ended (exited, was killed, or could not start).
  [[nodiscard]] bool done() const { return done_.load(std::memory_order_acquire); }
  // When it ended; valid once done().
  [[nodiscard]] Clock::time_point done_at() const { return done_at_; }

  // Ends a trigger still running when tracing stopped first (^C, --duration): SIGTERM to its
  // process group, SIGKILL kKillAfter later; then waits for the helper thread. Nothing when it was
  // never started.
  void stop();

  // Valid after stop().
  [[nodiscard]] TriggerResult result() const;

 private:
  void run();
  bool signal_group(int sig);  // to the whole group while its leader is unreaped

  std::string command_;
  std::thread thread_;
  std::atomic<bool> done_{false};
  std::mutex group_mutex_;  // pid_ is signalled only while it is unreaped
  pid_t pid_ = 0;           // the shell, leader of the trigger's process group; 0 once reaped
  Clock::time_point done_at_{};
  int status_ = -1;
  int signal_ = 0;
  std::string error_;       // it could not be started
  std::string wait_error_;  // it ran, but how it ended could not be learnt
  std::vector<std::string> lines_;
  std::size_t dropped_ = 0;
  bool cut_ = false;
};

}  // namespace culprit::tracer
