#include "tracer/ptrace/launch.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>

#include "tracer/ptrace/ptrace_ops.h"

namespace culprit::tracer {
namespace {

// What the child sends when a step before exec fails.
// The steps of the child between fork and exec, in order; the index of kStageNames.
enum Stage : int { kDupStdout, kNoNewPrivs, kSeccomp, kExec, kStageCount };
struct LaunchFailure {
  int stage = 0;  // a Stage
  int err = 0;
};
constexpr const char* kStageNames[kStageCount] = {
    "dup2(stderr, stdout)", "prctl(PR_SET_NO_NEW_PRIVS)", "loading the seccomp filter", "execve"};

[[noreturn]] void child_fail(int fd, int stage, int err) {
  const LaunchFailure failure{stage, err};
  // Nothing to do if the write fails: the parent still sees the exit status. The shell's codes:
  // 127 for a command that is not there, 126 for one that cannot be run.
  [[maybe_unused]] const ssize_t n = write(fd, &failure, sizeof failure);
  _exit(err == ENOENT ? 127 : 126);
}

bool executable(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(path.c_str(), X_OK) == 0;
}

}  // namespace

Result<std::string> find_program(const std::string& program) {
  if (program.empty()) {
    return make_error(ENOENT, "no command given");
  }
  if (program.find('/') != std::string::npos) {
    struct stat st {};
    if (stat(program.c_str(), &st) != 0) {
      const int err = errno;
      return make_error(err, fmt::format("cannot run '{}': {}", program, std::strerror(err)));
    }
    if (S_ISDIR(st.st_mode)) {
      return make_error(EISDIR, fmt::format("cannot run '{}': it is a directory", program));
    }
    return program;
  }
  const char* env = std::getenv("PATH");
  const std::string path = env != nullptr ? env : "/usr/local/bin:/usr/bin:/bin";
  std::string not_executable;  // execvp's EACCES: found, but no entry could be run
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t end = std::min(path.find(':', start), path.size());
    // An empty PATH entry means the current directory.
    const std::string dir = end > start ? path.substr(start, end - start) : std::string(".");
    std::string candidate = fmt::format("{}/{}", dir, program);
    if (executable(candidate)) {
      return candidate;
    }
    struct stat st {};
    if (not_executable.empty() && stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
      not_executable = std::move(candidate);
    }
    start = end + 1;
  }
  if (!not_executable.empty()) {
    return not_executable;
  }
  return make_error(ENOENT, fmt::format("cannot run '{}': command not found in PATH", program));
}

Result<Launched> launch(const std::vector<std::string>& command, const SeccompProgram& program,
                        bool stdout_to_stderr, const sigset_t* exec_mask) {
  if (command.empty()) {
    return make_error(EINVAL, "no command given");
  }
  const std::string exe = CULPRIT_TRY(find_program(command.front()));
  // Everything the child needs is prepared here: between fork and exec it must not allocate.
  std::vector<char*> argv;
  argv.reserve(command.size() + 1);
  for (const std::string& arg : command) {
    argv.push_back(const_cast<char*>(arg.c_str()));  // NOLINT: execv's historical signature
  }
  argv.push_back(nullptr);

  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    return make_error(errno, fmt::format("cannot create a pipe: {}", std::strerror(errno)));
  }
  const pid_t pid = fork();
  if (pid < 0) {
    const int err = errno;
    close(fds[0]);
    close(fds[1]);
    return make_error(err, fmt::format("cannot fork: {}", std::strerror(err)));
  }
  if (pid == 0) {
    close(fds[0]);
    if (stdout_to_stderr && dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
      child_fail(fds[1], kDupStdout, errno);
    }
    // Stop until the parent has seized us, so that the filter and exec are traced.
    raise(SIGSTOP);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
      child_fail(fds[1], kNoNewPrivs, errno);
    }
    if (const int err = program.install(); err != 0) {
      child_fail(fds[1], kSeccomp, err);
    }
    if (exec_mask != nullptr) {
      sigprocmask(SIG_SETMASK, exec_mask, nullptr);
    }
    execv(exe.c_str(), argv.data());
    child_fail(fds[1], kExec, errno);
  }
  close(fds[1]);
  fcntl(fds[0], F_SETFL, O_NONBLOCK);

  auto fail = [&](int err, const std::string& what) -> Error {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    close(fds[0]);
    return make_error(
        err, fmt::format("cannot trace '{}': {}: {}", command.front(), what, std::strerror(err)));
  };

  int status = 0;
  if (waitpid(pid, &status, WSTOPPED) != pid) {
    return fail(errno, "waitpid");
  }
  if (!WIFSTOPPED(status)) {
    return fail(ECHILD, "the child did not stop");
  }
  constexpr unsigned kRunOptions = kFollowOptions | PTRACE_O_TRACESECCOMP | PTRACE_O_EXITKILL;
  if (auto r = ptrace_ops::seize(pid, kRunOptions); !r.ok()) {
    return fail(r.error().code, "PTRACE_SEIZE");
  }
  // The child is in group-stop from its own SIGSTOP; SIGCONT lets it go on, now traced.
  kill(pid, SIGCONT);
  return Launched{pid, fds[0]};
}

LaunchError read_launch_error(int error_fd, const std::string& program) {
  if (error_fd < 0) {
    return {};
  }
  LaunchFailure failure{};
  const ssize_t n = read(error_fd, &failure, sizeof failure);
  close(error_fd);
  if (n != static_cast<ssize_t>(sizeof failure) || failure.stage < 0 ||
      failure.stage >= kStageCount) {
    return {};
  }
  LaunchError error;
  error.at_exec = failure.stage == kExec;
  error.message = fmt::format("cannot run '{}': {}: {}", program, kStageNames[failure.stage],
                              std::strerror(failure.err));
  if (failure.stage == kSeccomp && failure.err == EINVAL) {
    error.message +=
        " (hint: the kernel lacks CONFIG_SECCOMP_FILTER; use `culprit attach` instead)";
  }
  return error;
}

}  // namespace culprit::tracer
