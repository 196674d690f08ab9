#include "tracer/ptrace/decode.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <linux/openat2.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstring>

#include "tracer/model/errno_names.h"
#include "tracer/model/live_helpers.h"
#include "tracer/ptrace/remote_memory.h"

namespace culprit::tracer {
namespace {

constexpr std::size_t kPathLimit = PATH_MAX;
constexpr std::size_t kMaxArgv = 256;
constexpr std::size_t kMaxIov = 64;
constexpr std::int64_t kAtFdCwd = AT_FDCWD;

// "/proc/TID/<rest>" formatted into a stack buffer (no allocation per event).
struct ProcPath {
  char text[64];
  ProcPath(Pid tid, const char* rest) {
    std::snprintf(text, sizeof text, "/proc/%d/%s", static_cast<int>(tid), rest);
  }
  ProcPath(Pid tid, std::int64_t fd) {
    std::snprintf(text, sizeof text, "/proc/%d/fd/%lld", static_cast<int>(tid),
                  static_cast<long long>(fd));
  }
};

std::string read_link(const char* proc_path) {
  char buf[PATH_MAX];
  const ssize_t n = readlink(proc_path, buf, sizeof buf);
  if (n <= 0) {
    return {};
  }
  return std::string(buf, static_cast<std::size_t>(n));
}

// A syscall argument as the signed int the kernel sees (fds, dirfds, flags are 32-bit ints).
std::int32_t as_int(std::uint64_t raw) { return static_cast<std::int32_t>(raw); }

// The thread being decoded and where its cwd is cached.
struct Where {
  Pid tid;
  CwdCache& cwds;
};

// Reads path argument `index`, relative to dirfd argument `dirfd_index` (-1: the cwd), into
// `path`; returns whether it is absolute.
bool read_path(const Where& w, const SyscallArgs& args, PathArg pa, std::string& path) {
  const Pid tid = w.tid;
  const RemoteMemory mem(tid);
  auto s = mem.read_string(RemoteAddr{args[static_cast<std::size_t>(pa.path)]}, kPathLimit);
  if (!s.ok()) {
    path.clear();  // EFAULT (or the tracee is gone): the event still goes out, without a path
    return false;
  }
  path = std::move(s->bytes);
  if (path.empty()) {
    return false;  // AT_EMPTY_PATH style call: the fd is the object
  }
  if (path.front() == '/') {
    return true;
  }
  const std::int64_t dirfd =
      pa.dirfd < 0 ? kAtFdCwd : as_int(args[static_cast<std::size_t>(pa.dirfd)]);
  std::string dir_path;
  if (dirfd != kAtFdCwd) {
    dir_path = fd_path(tid, dirfd);
  }
  const std::string& base = dirfd == kAtFdCwd ? w.cwds.get(tid) : dir_path;
  if (base.empty() || base.front() != '/') {
    return false;  // the dirfd is not a directory path (socket, anon inode) or /proc is gone
  }
  path = join_path(base, path);
  return true;
}

void decode_sockaddr(const Where& w, RemoteAddr addr, std::uint64_t length, Event& out) {
  if (addr.null() || length < sizeof(sa_family_t)) {
    return;
  }
  const RemoteMemory mem(w.tid);
  auto bytes = mem.read_bytes(addr, std::min<std::uint64_t>(length, sizeof(sockaddr_storage)));
  if (!bytes.ok()) {
    return;
  }
  tracer::decode_sockaddr(std::string_view(bytes->data(), bytes->size()), w.cwds.get(w.tid), out);
}

// Gathers the first `limit` bytes of an iovec array.
void decode_iov(Pid tid, RemoteAddr iov_addr, std::uint64_t count, std::size_t limit, Event& out) {
  const RemoteMemory mem(tid);
  const std::uint64_t all = count;
  count = std::min<std::uint64_t>(count, kMaxIov);
  auto raw = mem.read_bytes(iov_addr, count * sizeof(iovec));
  if (!raw.ok()) {
    return;
  }
  const std::size_t n = raw->size() / sizeof(iovec);
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < n; ++i) {
    iovec iov{};
    std::memcpy(&iov, raw->data() + i * sizeof(iovec), sizeof iov);
    total += iov.iov_len;
    if (out.data.size() < limit && iov.iov_len > 0) {
      const std::size_t want = std::min<std::size_t>(iov.iov_len, limit - out.data.size());
      auto bytes = mem.read_bytes(RemoteAddr{reinterpret_cast<std::uint64_t>(iov.iov_base)}, want);
      if (bytes.ok()) {
        out.data += *bytes;
      }
    }
  }
  out.data_truncated = total > out.data.size() || all > n;
}

void decode_buffer(Pid tid, RemoteAddr addr, std::uint64_t length, std::size_t limit, Event& out) {
  if (addr.null() || length == 0) {
    return;
  }
  const RemoteMemory mem(tid);
  auto bytes = mem.read_bytes(addr, std::min<std::uint64_t>(length, limit));
  if (bytes.ok()) {
    out.data = std::move(*bytes);
  }
  out.data_truncated = length > out.data.size();
}

void decode_argv(Pid tid, RemoteAddr addr, std::size_t limit, Event& out) {
  const RemoteMemory mem(tid);
  for (std::size_t i = 0; i < kMaxArgv && !addr.null(); ++i) {
    auto ptr = mem.read<std::uint64_t>(addr + i * sizeof(std::uint64_t));
    if (!ptr.ok() || *ptr == 0) {
      return;
    }
    auto s = mem.read_string(RemoteAddr{*ptr}, limit);
    out.argv.push_back(s.ok() ? std::move(s->bytes) : std::string());
  }
}

}  // namespace

std::string fd_path(Pid tid, std::int64_t fd) {
  if (fd < 0) {
    return {};
  }
  return read_link(ProcPath(tid, fd).text);
}

std::string cwd_of(Pid tid) { return read_link(ProcPath(tid, "cwd").text); }

const std::string& CwdCache::get(Pid tid) {
  if (const auto it = by_tid_.find(tid); it != by_tid_.end()) {
    return it->second;
  }
  std::string cwd = cwd_of(tid);
  if (cwd.empty()) {
    return empty_;  // gone or unreadable: ask again next time
  }
  return by_tid_.emplace(tid, std::move(cwd)).first->second;
}

void decode_entry(Pid tid, const SyscallInfo& info, const SyscallArgs& args,
                  const DecodeOptions& options, CwdCache& cwds, Event& out) {
  const Where w{tid, cwds};
  out.clear();
  out.kind = EventKind::Syscall;
  out.pid = tid;
  out.syscall = info.name;

  if (info.paths[0].path >= 0) {
    out.path_absolute = read_path(w, args, info.paths[0], out.path);
    if (info.paths[1].path >= 0) {
      const bool abs2 = read_path(w, args, info.paths[1], out.path2);
      out.path_absolute = out.path_absolute && abs2;
    }
  }

  const int fd_index = info.fd_arg();
  if (fd_index >= 0) {
    out.fd = as_int(args[static_cast<std::size_t>(fd_index)]);
    out.fd_path = fd_path(tid, out.fd);
  }

  bool creates = true;  // whether a Mode argument is meaningful (open without O_CREAT ignores it)
  for (std::size_t i = 0; i < info.args.size(); ++i) {
    switch (info.args[i]) {
      case ArgType::OpenFlags:
        out.open_flags = as_int(args[i]);
        creates = (out.open_flags & (O_CREAT | O_TMPFILE)) != 0;
        break;
      case ArgType::Mode:
        if (creates) {
          out.mode = as_int(args[i]) & 07777;
        }
        break;
      case ArgType::AccessMode:
        out.mode = as_int(args[i]);
        break;
      case ArgType::SockAddr:
        if (info.trace) {
          const std::uint64_t len = i + 1 < args.size() ? args[i + 1] : sizeof(sockaddr_storage);
          decode_sockaddr(w, RemoteAddr{args[i]}, len, out);
        }
        break;
      case ArgType::Buffer:
        // Only buffers of traced (write-like) rows: what a process writes carries the error
        // messages; what it reads is not evidence (and its length is only known at exit).
        if (info.trace && i + 1 < args.size()) {
          decode_buffer(tid, RemoteAddr{args[i]}, args[i + 1], options.string_limit, out);
        }
        break;
      case ArgType::Argv:
        decode_argv(tid, RemoteAddr{args[i]}, options.string_limit, out);
        break;
      // Structs the table names: the interesting parts of these calls sit inside them.
      case ArgType::Iovec:
        if (i + 1 < args.size()) {
          decode_iov(tid, RemoteAddr{args[i]}, args[i + 1], options.string_limit, out);
        }
        break;
      case ArgType::Msghdr: {
        const RemoteMemory mem(tid);
        if (auto msg = mem.read<msghdr>(RemoteAddr{args[i]}); msg.ok()) {
          decode_sockaddr(w, RemoteAddr{reinterpret_cast<std::uint64_t>(msg->msg_name)},
                          msg->msg_namelen, out);
          decode_iov(tid, RemoteAddr{reinterpret_cast<std::uint64_t>(msg->msg_iov)},
                     msg->msg_iovlen, options.string_limit, out);
        }
        break;
      }
      case ArgType::OpenHow: {
        const RemoteMemory mem(tid);
        if (auto how = mem.read<open_how>(RemoteAddr{args[i]}); how.ok()) {
          out.open_flags = static_cast<std::int32_t>(how->flags);
          if ((how->flags & (O_CREAT | O_TMPFILE)) != 0) {
            out.mode = static_cast<std::int32_t>(how->mode & 07777);
          }
        }
        break;
      }
      default:
        break;
    }
  }
}

bool decode_wanted(const SyscallInfo& info, const SyscallArgs& args) {
  if (info.has(Trait::SoError)) {
    return as_int(args[1]) == SOL_SOCKET && as_int(args[2]) == SO_ERROR;
  }
  // fstat() in newfstatat/statx form: what run's filter lets through, attach does not decode.
  return !info.is_fd_form(args);
}

void decode_exit(Pid tid, const SyscallInfo& info, const SyscallArgs& args, std::int64_t rval,
                 Event& out) {
  // Kernel convention (x86-64 and aarch64): -4095..-1 is an error; the restart codes
  // (ERESTARTSYS 512 .. ERESTART_RESTARTBLOCK 516) are seen by a tracer when a signal interrupts
  // the call, which is then restarted or fails with EINTR: strace prints "= ? ERESTARTSYS".
  if (rval < 0 && rval >= -4095) {
    const int err = static_cast<int>(-rval);
    const std::string_view name = errno_name(err);
    out.err = name.empty() ? fmt::format("E{}", err) : std::string(name);
    out.ret = -1;
    out.ret_known = !(err >= 512 && err <= 516);
    return;
  }
  out.ret = rval;
  out.ret_known = true;
  if (const int k = info.id_arg; k >= 0) {
    // setuid family: the id used for file access from now on; (uid_t)-1 means "unchanged".
    const auto id = static_cast<std::uint32_t>(args[static_cast<std::size_t>(k)]);
    if (id != 0xFFFFFFFFU) {
      out.set_id = id;
    }
    return;
  }
  if (info.has(Trait::ReturnsFd) && !(out.path_absolute && info.has(Trait::OpensPath))) {
    out.ret_path = fd_path(tid, rval);
  } else if (info.has(Trait::SoError) && decode_wanted(info, args)) {
    // SO_ERROR: the pending error of the socket (and clears it), an int at args[3].
    const RemoteMemory mem(tid);
    if (auto value = mem.read<std::int32_t>(RemoteAddr{args[3]}); value.ok() && *value > 0) {
      const std::string_view name = errno_name(*value);
      out.data = name.empty() ? fmt::format("E{}", *value) : std::string(name);
    }
  }
}

}  // namespace culprit::tracer
