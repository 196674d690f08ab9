#include "tracer/strace/process_state.h"

namespace culprit::tracer {

ProcessState::Proc& ProcessState::proc(Pid pid) {
  Proc& p = procs_[pid];
  if (!p.fs) {
    p.fs = std::make_shared<Fs>();
  }
  if (!p.files) {
    p.files = std::make_shared<Files>();
  }
  return p;
}

const ProcessState::Proc* ProcessState::find(Pid pid) const {
  const auto it = procs_.find(pid);
  return it == procs_.end() ? nullptr : &it->second;
}

std::string_view ProcessState::cwd(Pid pid) const {
  const Proc* p = find(pid);
  return p == nullptr ? std::string_view() : std::string_view(p->fs->cwd);
}

void ProcessState::set_cwd(Pid pid, std::string_view dir) {
  std::string& cwd = proc(pid).fs->cwd;
  if (cwd != dir) {
    cwd.assign(dir);
  }
}

std::string_view ProcessState::fd_path(Pid pid, int fd) const {
  const Proc* p = find(pid);
  if (p == nullptr) {
    return {};
  }
  const auto it = p->files->fds.find(fd);
  return it == p->files->fds.end() ? std::string_view() : std::string_view(it->second);
}

void ProcessState::set_fd(Pid pid, int fd, std::string_view path) {
  if (fd < 0) {
    return;
  }
  std::string& slot = proc(pid).files->fds[fd];
  if (slot != path) {
    slot.assign(path);
  }
}

void ProcessState::close_fd(Pid pid, int fd) {
  // The entry is emptied rather than erased: fds are reused at once (open/close pairs), and
  // keeping the node and its string's capacity avoids an allocation per open.
  if (const auto it = procs_.find(pid); it != procs_.end()) {
    if (const auto f = it->second.files->fds.find(fd); f != it->second.files->fds.end()) {
      f->second.clear();
    }
  }
}

void ProcessState::dup_fd(Pid pid, int from, int to) {
  if (to < 0) {
    return;
  }
  Proc& p = proc(pid);
  if (from == to) {
    return;
  }
  std::string& dst = p.files->fds[to];  // references survive rehashing (unlike iterators)
  const auto it = p.files->fds.find(from);
  if (it == p.files->fds.end()) {
    dst.clear();
    return;
  }
  dst = it->second;
}

void ProcessState::on_clone(Pid parent, Pid child, bool share_fs, bool share_files) {
  if (child <= 0 || child == parent) {
    return;
  }
  Proc& par = proc(parent);
  const auto it = procs_.find(child);
  if (it == procs_.end()) {
    Proc c;
    c.fs = share_fs ? par.fs : std::make_shared<Fs>(*par.fs);
    c.files = share_files ? par.files : std::make_shared<Files>(*par.files);
    procs_.emplace(child, std::move(c));
    return;
  }
  // The child spoke first: keep what it learnt, add what the parent knew.
  Proc& c = it->second;
  if (c.fs->cwd.empty()) {
    c.fs->cwd = par.fs->cwd;
  }
  for (const auto& [fd, path] : par.files->fds) {
    if (!path.empty()) {
      c.files->fds.emplace(fd, path);
    }
  }
}

void ProcessState::on_exit(Pid pid) { procs_.erase(pid); }

void ProcessState::join(std::string_view dir, std::string_view path, std::string& out) {
  out.assign(dir);
  std::size_t i = 0;
  while (i < path.size()) {
    std::size_t j = path.find('/', i);
    if (j == std::string_view::npos) {
      j = path.size();
    }
    const std::string_view part = path.substr(i, j - i);
    i = j + 1;
    if (part.empty() || part == ".") {
      continue;
    }
    if (out.empty() || out.back() != '/') {
      out += '/';
    }
    out.append(part);
  }
  if (out.empty()) {
    out = "/";
  }
  // A trailing slash is meaningful to the kernel (ENOTDIR); keep it.
  if (!path.empty() && path.back() == '/' && out.back() != '/') {
    out += '/';
  }
}

bool ProcessState::resolve(Pid pid, int dirfd, std::string_view base, std::string_view path,
                           std::string& out) const {
  if (!path.empty() && path.front() == '/') {
    out.assign(path);
    return true;
  }
  std::string_view dir = base;
  if (dir.empty()) {
    dir = dirfd == kAtFdCwd ? cwd(pid) : fd_path(pid, dirfd);
  }
  if (dir.empty() || dir.front() != '/' || path.empty()) {
    out.assign(path);
    return false;
  }
  join(dir, path, out);
  return true;
}

}  // namespace culprit::tracer
