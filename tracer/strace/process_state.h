// Per-process state rebuilt from events: the cwd and the fd table of each pid, so that relative
// paths and fd arguments in a log can be made absolute (libsinsp's thread table, in small).
// Threads created with CLONE_FS share the cwd, with CLONE_FILES the fd table; fork copies both.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "tracer/model/event.h"

namespace culprit::tracer {

inline constexpr int kAtFdCwd = -100;

class ProcessState {
 public:
  // The cwd of `pid`, "" when unknown.
  [[nodiscard]] std::string_view cwd(Pid pid) const;
  void set_cwd(Pid pid, std::string_view dir);

  // What `fd` of `pid` refers to, "" when unknown.
  [[nodiscard]] std::string_view fd_path(Pid pid, int fd) const;
  void set_fd(Pid pid, int fd, std::string_view path);
  void close_fd(Pid pid, int fd);
  // dup2/dup3/fcntl(F_DUPFD): `to` now refers to what `from` refers to (forgotten if unknown).
  void dup_fd(Pid pid, int from, int to);

  // A new process or thread `child` made by `parent`. Sharing follows CLONE_FS / CLONE_FILES;
  // otherwise the child gets a copy. If `child` was already seen (its first line came before the
  // parent's clone returned), only what it does not know yet is filled in.
  void on_clone(Pid parent, Pid child, bool share_fs, bool share_files);
  // execve closes nothing we can know of (O_CLOEXEC is not in the table); nothing to do but keep
  // the pid. On exit the pid's view is dropped (shared tables live while another pid holds them).
  void on_exit(Pid pid);
  [[nodiscard]] bool known(Pid pid) const { return procs_.count(pid) != 0; }
  [[nodiscard]] std::size_t size() const { return procs_.size(); }

  // Makes `path` absolute for `pid`: relative to `dirfd` (kAtFdCwd: the cwd) or to `base` when
  // non-empty (a -y annotation of the dirfd). Returns false and leaves `out` = `path` when the
  // directory is unknown. "." and empty components are folded; ".." is kept (symlinks).
  bool resolve(Pid pid, int dirfd, std::string_view base, std::string_view path,
               std::string& out) const;

  // Joins `dir` and relative `path`, folding "./" and "//".
  static void join(std::string_view dir, std::string_view path, std::string& out);

 private:
  struct Fs {
    std::string cwd;
  };
  struct Files {
    std::unordered_map<int, std::string> fds;
  };
  struct Proc {
    std::shared_ptr<Fs> fs;
    std::shared_ptr<Files> files;
  };
  Proc& proc(Pid pid);
  [[nodiscard]] const Proc* find(Pid pid) const;

  std::unordered_map<Pid, Proc> procs_;
};

}  // namespace culprit::tracer
