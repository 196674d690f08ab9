#include "tracer/model/trigger.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <pthread.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <memory>

#include "tracer/model/live_helpers.h"

extern char** environ;  // NOLINT(readability-redundant-declaration): for posix_spawn

namespace culprit::tracer {

Trigger::Trigger(std::string command) : command_(std::move(command)) {}

Trigger::~Trigger() { stop(); }

void Trigger::start() {
  if (thread_.joinable() || done()) {
    return;
  }
  thread_ = std::thread([this] { run(); });
}

void Trigger::run() {
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, nullptr);
  const std::unique_ptr<std::FILE, int (*)(std::FILE*)> output(std::tmpfile(), &std::fclose);
  if (output == nullptr) {
    error_ = fmt::format("no temporary file: {}", std::strerror(errno));
  } else {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, fileno(output.get()), STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, fileno(output.get()), STDERR_FILENO);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t defaults;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    for (const int sig : kStopSignals) {
      sigaddset(&defaults, sig);
    }
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    std::string sh = "/bin/sh";
    std::string dash_c = "-c";
    char* argv[] = {sh.data(), dash_c.data(), command_.data(), nullptr};
    pid_t pid = 0;
    const int err = posix_spawn(&pid, sh.c_str(), &actions, &attr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (err != 0) {
      error_ = fmt::format("{}: {}", sh, std::strerror(err));
    } else {
      pid_.store(pid);
      int raw = 0;
      pid_t got = 0;
      do {
        got = waitpid(pid, &raw, 0);
      } while (got < 0 && errno == EINTR);
      if (got == pid && WIFSIGNALED(raw)) {
        signal_ = WTERMSIG(raw);
      } else if (got == pid) {
        status_ = WEXITSTATUS(raw);
      } else {
        error_ = fmt::format("waitpid: {}", std::strerror(errno));
      }
      KeptLines kept = keep_first_lines(output.get(), kKeepLines, kKeepLineBytes);
      lines_ = std::move(kept.lines);
      dropped_ = kept.dropped;
    }
  }
  done_at_ = Clock::now();
  done_.store(true, std::memory_order_release);
}

void Trigger::stop() {
  if (!thread_.joinable()) {
    return;
  }
  // The thread may not have spawned the command yet: it is signalled once its pid is known.
  Clock::time_point termed{};
  bool killed = false;
  while (!done()) {
    if (const pid_t pid = pid_.load(); pid > 0) {
      if (termed == Clock::time_point{}) {
        kill(pid, SIGTERM);
        termed = Clock::now();
      } else if (!killed && Clock::now() - termed >= kKillAfter) {
        kill(pid, SIGKILL);
        killed = true;
      }
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
  r.note = signal_ != 0 ? fmt::format("--trigger was killed by {}", signal_name(signal_))
                        : fmt::format("--trigger exited with {}", status_);
  r.output = lines_;
  if (dropped_ > 0) {
    r.output.push_back(fmt::format("[{} more line{}]", dropped_, dropped_ == 1 ? "" : "s"));
  }
  return r;
}

}  // namespace culprit::tracer
