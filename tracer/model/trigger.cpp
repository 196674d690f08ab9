#include "tracer/model/trigger.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <pthread.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <system_error>

#include "tracer/model/live_helpers.h"

extern char** environ;  // NOLINT(readability-redundant-declaration): for posix_spawn

namespace culprit::tracer {
namespace {

// posix_spawn's attribute and file-action objects, destroyed on every path.
struct SpawnSetup {
  posix_spawn_file_actions_t actions{};
  posix_spawnattr_t attr{};
  bool have_actions = false;
  bool have_attr = false;
  int error = 0;  // the first step that failed (an errno value), 0 if none

  explicit SpawnSetup(int output_fd) {
    have_actions = (error = posix_spawn_file_actions_init(&actions)) == 0;
    if (!have_actions) {
      return;
    }
    have_attr = (error = posix_spawnattr_init(&attr)) == 0;
    if (!have_attr) {
      return;
    }
    sigset_t defaults;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    for (const int sig : kStopSignals) {
      sigaddset(&defaults, sig);
    }
    sigset_t none;
    sigemptyset(&none);
    const int steps[] = {
        posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0),
        posix_spawn_file_actions_adddup2(&actions, output_fd, STDOUT_FILENO),
        posix_spawn_file_actions_adddup2(&actions, output_fd, STDERR_FILENO),
        posix_spawnattr_setsigdefault(&attr, &defaults),
        posix_spawnattr_setsigmask(&attr, &none),
        posix_spawnattr_setpgroup(&attr, 0),
        posix_spawnattr_setflags(
            &attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP),
    };
    for (const int step : steps) {
      if (step != 0 && error == 0) {
        error = step;
      }
    }
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
  ~SpawnSetup() {
    if (have_actions) {
      posix_spawn_file_actions_destroy(&actions);
    }
    if (have_attr) {
      posix_spawnattr_destroy(&attr);
    }
  }
};

}  // namespace

Trigger::Trigger(std::string command) : command_(std::move(command)) {}

Trigger::~Trigger() { stop(); }

void Trigger::start() {
  if (thread_.joinable() || done()) {
    return;
  }
  // The thread is created with every signal blocked (it inherits the mask), so that not even its
  // first instructions can take a stop signal meant for the tracing thread.
  sigset_t all;
  sigset_t old;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old);
  try {
    thread_ = std::thread([this] { run(); });
  } catch (const std::system_error& e) {
    error_ = fmt::format("no thread to run it: {}", e.what());
    done_at_ = Clock::now();
    done_.store(true, std::memory_order_release);
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

void Trigger::run() {
  const std::unique_ptr<std::FILE, int (*)(std::FILE*)> output(std::tmpfile(), &std::fclose);
  if (output == nullptr) {
    error_ = fmt::format("no temporary file: {}", std::strerror(errno));
  } else {
    SpawnSetup setup(fileno(output.get()));
    std::string sh = "/bin/sh";
    std::string dash_c = "-c";
    char* argv[] = {sh.data(), dash_c.data(), command_.data(), nullptr};
    pid_t pid = 0;
    int err = setup.error;
    if (err == 0) {
      std::lock_guard lock(group_mutex_);
      err = posix_spawn(&pid, sh.c_str(), &setup.actions, &setup.attr, argv, environ);
      if (err == 0) {
        pid_ = pid;
      }
    }
    if (err != 0) {
      error_ = fmt::format("{}: {}", sh, std::strerror(err));
    } else {
      // Waited for without reaping, so that stop() can signal the group until it is gone.
      siginfo_t info{};
      int got = 0;
      do {
        got = waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT);
      } while (got < 0 && errno == EINTR);
      const int wait_errno = errno;
      struct stat st {};
      const std::uint64_t written =
          fstat(fileno(output.get()), &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
      {
        std::lock_guard lock(group_mutex_);
        pid_ = 0;
        int raw = 0;
        if (got == 0 && waitpid(pid, &raw, 0) == pid) {
          if (WIFSIGNALED(raw)) {
            signal_ = WTERMSIG(raw);
          } else {
            status_ = WEXITSTATUS(raw);
          }
        } else {
          // SIGCHLD ignored by whoever started culprit: the kernel reaps the child by itself.
          wait_error_ = std::strerror(got == 0 ? errno : wait_errno);
        }
      }
      KeptLines kept =
          keep_first_lines(output.get(), kKeepLines, kKeepLineBytes, std::min(written, kReadLimit));
      lines_ = std::move(kept.lines);
      dropped_ = kept.dropped;
      cut_ = kept.cut || written > kReadLimit;
    }
  }
  done_at_ = Clock::now();
  done_.store(true, std::memory_order_release);
}

bool Trigger::signal_group(int sig) {
  std::lock_guard lock(group_mutex_);
  return pid_ > 0 && kill(-pid_, sig) == 0;
}

void Trigger::stop() {
  if (!thread_.joinable()) {
    return;
  }
  // The thread may not have spawned the command yet: it is signalled once its group exists.
  std::optional<Clock::time_point> termed;
  bool killed = false;
  while (!done()) {
    if (!termed) {
      if (signal_group(SIGTERM)) {
        termed = Clock::now();
      }
    } else if (!killed && Clock::now() - *termed >= kKillAfter) {
      killed = signal_group(SIGKILL);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  thread_.join();
}

TriggerResult Trigger::result() const {
  TriggerResult r;
  if (!done() || thread_.joinable()) {
    return r;
  }
  r.ran = true;
  if (!error_.empty()) {
    r.note = fmt::format("--trigger could not run: {}", error_);
    return r;
  }
  r.status = status_;
  r.signal = signal_;
  if (!wait_error_.empty()) {
    r.note = fmt::format("--trigger ended; how is unknown: {}", wait_error_);
  } else if (signal_ != 0) {
    r.note = fmt::format("--trigger was killed by {}", signal_name(signal_));
  } else {
    r.note = fmt::format("--trigger exited with {}", status_);
  }
  r.output = lines_;
  if (dropped_ > 0 || cut_) {
    r.output.push_back(fmt::format("[{}{} more line{}]", cut_ ? "at least " : "", dropped_,
                                   dropped_ == 1 ? "" : "s"));
  }
  return r;
}

}  // namespace culprit::tracer
