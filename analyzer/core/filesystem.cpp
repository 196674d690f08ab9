#include "analyzer/core/filesystem.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

namespace culprit::analyzer {
namespace {

// Splits "/a//b/./c" into {"a", "b", "c"} (keeping ".." for the resolver).
std::vector<std::string> split_components(std::string_view path) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') {
      ++i;
    }
    std::size_t j = i;
    while (j < path.size() && path[j] != '/') {
      ++j;
    }
    if (j > i) {
      auto c = path.substr(i, j - i);
      if (c != ".") {
        out.emplace_back(c);
      }
    }
    i = j;
  }
  return out;
}

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) {
    out += '/';
    out += p;
  }
  return out.empty() ? "/" : out;
}

// Closes an fd on scope exit.
class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  ~FdCloser() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;

 private:
  int fd_;
};

}  // namespace

std::string FileSystem::user_name(std::uint32_t uid) const {
  struct passwd pw {};
  struct passwd* result = nullptr;
  std::vector<char> buf(16384);
  if (::getpwuid_r(uid, &pw, buf.data(), buf.size(), &result) != 0 || result == nullptr) {
    return {};
  }
  return result->pw_name;
}

std::string FileSystem::group_name(std::uint32_t gid) const {
  struct group gr {};
  struct group* result = nullptr;
  std::vector<char> buf(16384);
  if (::getgrgid_r(gid, &gr, buf.data(), buf.size(), &result) != 0 || result == nullptr) {
    return {};
  }
  return result->gr_name;
}

std::optional<std::vector<std::string>> FileSystem::group_members(std::uint32_t gid) const {
  struct group gr {};
  struct group* result = nullptr;
  std::vector<char> buf(1 << 16);
  if (::getgrgid_r(gid, &gr, buf.data(), buf.size(), &result) != 0 || result == nullptr) {
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (char** m = result->gr_mem; m != nullptr && *m != nullptr; ++m) {
    out.emplace_back(*m);
  }
  // Primary members: the user database, walked once (setpwent/getpwent_r are not reentrant
  // across threads; the analysis runs on one).
  std::vector<char> pbuf(16384);
  struct passwd pw {};
  struct passwd* p = nullptr;
  ::setpwent();
  while (::getpwent_r(&pw, pbuf.data(), pbuf.size(), &p) == 0 && p != nullptr) {
    if (p->pw_gid == gid) {
      out.emplace_back(p->pw_name);
    }
  }
  ::endpwent();
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::optional<FileSystem::Mount> FileSystem::mount_of(std::string_view /*path*/) const {
  return std::nullopt;
}

namespace {

// mountinfo writes space, tab, newline and backslash in paths as \ooo.
std::string unescape_mount_path(const std::string& field) {
  std::string out;
  for (std::size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size()) {
      const std::string oct = field.substr(i + 1, 3);
      if (oct.size() == 3 && oct.find_first_not_of("01234567") == std::string::npos) {
        out += static_cast<char>(std::stoi(oct, nullptr, 8));
        i += 3;
        continue;
      }
    }
    out += field[i];
  }
  return out;
}

// Whether `path` is `point` or below it, component-wise.
bool under_mount(std::string_view path, std::string_view point) {
  if (point == "/") {
    return true;
  }
  return path.starts_with(point) && (path.size() == point.size() || path[point.size()] == '/');
}

}  // namespace

std::optional<FileSystem::Mount> RealFileSystem::mount_of(std::string_view path) const {
  if (!root_.empty() || path.empty() || path.front() != '/') {
    return std::nullopt;  // another machine's files: its mounts are not ours
  }
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  std::optional<Mount> best;
  // Later lines are later mounts: one mounted over another at the same point wins.
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string id, parent, dev, root, point, options;
    if (!(fields >> id >> parent >> dev >> root >> point >> options)) {
      continue;
    }
    point = unescape_mount_path(point);
    if (under_mount(path, point) && (!best || point.size() >= best->point.size())) {
      best = Mount{point, options};
    }
  }
  return best;
}

RealFileSystem::RealFileSystem(std::string root) : root_(std::move(root)) {
  while (root_.size() > 1 && root_.back() == '/') {
    root_.pop_back();
  }
  if (root_ == "/") {
    root_.clear();
  }
}

// Under a root, resolves the logical path like a chroot would: symlinks are followed inside the
// root (an absolute target restarts at the root, ".." stops at it), so no lookup escapes DIR.
// Without a root the kernel resolves the path itself.
std::string RealFileSystem::host_path(std::string_view path) const {
  if (root_.empty()) {
    return std::string(path);
  }
  std::vector<std::string> pending = split_components(path);
  std::vector<std::string> done;
  std::size_t next = 0;
  int links = 0;
  while (next < pending.size()) {
    std::string comp = pending[next++];
    if (comp == "..") {
      if (!done.empty()) {
        done.pop_back();
      }
      continue;
    }
    done.push_back(comp);
    const std::string host = root_ + join(done);
    struct stat st {};
    if (::lstat(host.c_str(), &st) != 0) {
      // Missing: the rest cannot be symlinks; append it unresolved.
      for (; next < pending.size(); ++next) {
        if (pending[next] == "..") {
          if (!done.empty()) {
            done.pop_back();
          }
        } else {
          done.push_back(pending[next]);
        }
      }
      break;
    }
    if (!S_ISLNK(st.st_mode)) {
      continue;
    }
    if (++links > 40) {  // ELOOP, as the kernel's MAXSYMLINKS
      break;
    }
    std::vector<char> buf(4096);
    const ssize_t n = ::readlink(host.c_str(), buf.data(), buf.size() - 1);
    if (n <= 0) {
      break;
    }
    const std::string_view target(buf.data(), static_cast<std::size_t>(n));
    done.pop_back();
    if (!target.empty() && target.front() == '/') {
      done.clear();
    }
    std::vector<std::string> rest = split_components(target);
    rest.insert(rest.end(), pending.begin() + static_cast<std::ptrdiff_t>(next), pending.end());
    pending = std::move(rest);
    next = 0;
  }
  return root_ + join(done);
}

std::optional<FileInfo> RealFileSystem::stat(std::string_view path) const {
  const std::string host = host_path(path);
  struct stat st {};
  if (::stat(host.c_str(), &st) != 0) {
    return std::nullopt;
  }
  FileInfo info;
  info.exists = true;
  info.is_directory = S_ISDIR(st.st_mode);
  info.is_regular = S_ISREG(st.st_mode);
  info.mode = st.st_mode & 07777;
  info.uid = st.st_uid;
  info.gid = st.st_gid;
  info.size = static_cast<std::uint64_t>(st.st_size);
  return info;
}

std::vector<std::string> RealFileSystem::list(std::string_view dir, std::size_t limit) const {
  std::vector<std::string> names;
  const std::string host = host_path(dir);
  DIR* d = ::opendir(host.c_str());
  if (d == nullptr) {
    return names;
  }
  while (names.size() < limit) {
    errno = 0;
    const dirent* e = ::readdir(d);
    if (e == nullptr) {
      break;
    }
    const std::string_view name(e->d_name);
    if (name != "." && name != "..") {
      names.emplace_back(name);
    }
  }
  ::closedir(d);
  return names;
}

Result<std::string> RealFileSystem::read(std::string_view path, std::size_t max_bytes) const {
  const std::string host = host_path(path);
  const int fd = ::open(host.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    const int e = errno;
    return Error{e, fmt::format("cannot read {}: {}", path, std::strerror(e)), std::string(path),
                 0};
  }
  FdCloser closer(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    return Error{EINVAL, fmt::format("cannot read {}: not a regular file", path), std::string(path),
                 0};
  }
  std::string out;
  out.resize(std::min<std::size_t>(max_bytes, static_cast<std::size_t>(st.st_size) + 1));
  std::size_t have = 0;
  while (have < out.size()) {
    const ssize_t n = ::read(fd, out.data() + have, out.size() - have);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      const int e = errno;
      return Error{e, fmt::format("cannot read {}: {}", path, std::strerror(e)), std::string(path),
                   0};
    }
    if (n == 0) {
      break;
    }
    have += static_cast<std::size_t>(n);
  }
  out.resize(have);
  return out;
}

}  // namespace culprit::analyzer
