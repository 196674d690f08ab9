// Decoding of a call's arguments and return value into an Event (see syscall_decode.h). The
// table is read by argument role; each role has its decoder below.
#include "tracer/strace/syscall_decode.h"

#include <fmt/format.h>

#include <algorithm>

#include "tracer/model/errno_names.h"

namespace culprit::tracer::detail {

namespace {

// Whether every path of the call is absolute, and whether it has any.
struct PathFlags {
  bool all_absolute = true;
  bool any_path = false;
};

// Paths, each relative to its dirfd or the cwd (the open, stat, access, rename, link, unlink,
// mkdir, chdir and exec families: SyscallInfo::paths).
void decode_paths(const SyscallInfo& row, const Args& args, std::size_t n, Event& ev,
                  DecodeContext& cx, PathFlags& flags) {
  for (std::size_t pi = 0; pi < row.paths.size(); ++pi) {
    const PathArg& pa = row.paths[pi];
    if (pa.path < 0 || static_cast<std::size_t>(pa.path) >= n) {
      continue;
    }
    std::string_view body;
    bool truncated = false;
    std::size_t end = 0;
    if (!quoted_at(args.v[static_cast<std::size_t>(pa.path)], body, truncated, end)) {
      continue;  // NULL path (utimensat on an fd)
    }
    int dirfd = kAtFdCwd;
    std::string_view base;
    if (pa.dirfd >= 0 && static_cast<std::size_t>(pa.dirfd) < n) {
      std::string_view annotation;
      if (parse_fd(args.v[static_cast<std::size_t>(pa.dirfd)], dirfd, annotation) &&
          !annotation.empty()) {
        cx.resolved.clear();
        unescape_into(annotation, cx.resolved);
        if (dirfd == kAtFdCwd) {
          cx.state.set_cwd(ev.pid, cx.resolved);  // -y: "AT_FDCWD</srv/app>" (strace >= 5.15)
        } else {
          cx.state.set_fd(ev.pid, dirfd, cx.resolved);
        }
        base = dirfd == kAtFdCwd ? cx.state.cwd(ev.pid) : cx.state.fd_path(ev.pid, dirfd);
      }
    }
    std::string& target = pi == 0 ? ev.path : ev.path2;
    if (!body.empty() && body.front() == '/') {
      // Absolute: resolve() would copy it unchanged; unescape it in place instead.
      target.clear();
      unescape_into(body, target);
      flags.any_path = true;
      continue;
    }
    cx.scratch.clear();
    unescape_into(body, cx.scratch);
    if (cx.scratch.empty()) {
      continue;  // "" with AT_EMPTY_PATH: the call is about the dirfd itself
    }
    flags.any_path = true;
    if (!cx.state.resolve(ev.pid, dirfd, base, cx.scratch, target)) {
      flags.all_absolute = false;
    }
  }
}

// The call's fd (read/write, dup/close/fcntl, fchdir, ...): its number, and its path from -y's
// annotation or from what the ProcessState knows.
void decode_fd(std::string_view a, Event& ev, DecodeContext& cx) {
  int fd = -1;
  std::string_view annotation;
  if (parse_fd(a, fd, annotation)) {
    ev.fd = fd;
    if (!annotation.empty()) {
      ev.fd_path.clear();
      unescape_into(annotation, ev.fd_path);
      if (!ev.fd_path.empty() && ev.fd_path.front() == '/') {
        cx.state.set_fd(ev.pid, fd, ev.fd_path);
      }
    } else {
      ev.fd_path.assign(cx.state.fd_path(ev.pid, fd));
    }
  }
}

// The data of read/write-like calls, as strace shows it (cut at -s).
void decode_buffer(std::string_view a, Event& ev) {
  std::string_view body;
  bool truncated = false;
  std::size_t end = 0;
  if (quoted_at(a, body, truncated, end)) {
    unescape_into(body, ev.data);
    ev.data_truncated = truncated;
  }
}

// The socket address of connect/bind/sendto: a unix socket's path, or "ip:port".
void decode_sockaddr(std::string_view a, Event& ev, DecodeContext& cx, PathFlags& flags) {
  if (a.empty() || a.front() != '{') {
    return;
  }
  // strace before 4.8 wrote AF_FILE (later AF_LOCAL, now AF_UNIX) and `path=` where it
  // now writes `sun_path=`.
  std::string_view sun = struct_field(a, "sun_path=");
  if (sun.empty() && (a.find("=AF_FILE") != std::string_view::npos ||
                      a.find("=AF_LOCAL") != std::string_view::npos ||
                      a.find("=AF_UNIX") != std::string_view::npos)) {
    sun = struct_field(a, "path=");
  }
  std::string_view body;
  bool truncated = false;
  std::size_t end = 0;
  if (!sun.empty() && quoted_at(sun, body, truncated, end)) {
    cx.scratch.clear();
    if (trim(sun).front() == '@') {
      cx.scratch += '@';  // abstract socket: never a file
    }
    unescape_into(body, cx.scratch);
    flags.any_path = true;
    if (!cx.state.resolve(ev.pid, kAtFdCwd, {}, cx.scratch, ev.path) && cx.scratch[0] != '@') {
      flags.all_absolute = false;
    } else if (cx.scratch[0] == '@') {
      ev.path = cx.scratch;
      flags.all_absolute = false;
    }
    return;
  }
  std::string_view port = struct_field(a, "sin_port=htons(");
  std::string_view ip;
  bool v6 = false;
  if (port.empty()) {
    port = struct_field(a, "sin6_port=htons(");
    v6 = true;
    if (const std::size_t p = a.find("inet_pton(AF_INET6, ");
        p != std::string_view::npos && quoted_at(a.substr(p + 20), body, truncated, end)) {
      ip = body;
    }
  } else if (const std::size_t p = a.find("inet_addr(");
             p != std::string_view::npos && quoted_at(a.substr(p + 10), body, truncated, end)) {
    ip = body;
  }
  if (!ip.empty()) {
    std::int64_t pn = 0;
    parse_int(port, pn);
    ev.address = v6 ? fmt::format("[{}]:{}", ip, pn) : fmt::format("{}:{}", ip, pn);
  }
}

// exec's argv.
void decode_argv(std::string_view a, Event& ev) {
  if (a.empty() || a.front() != '[') {
    return;
  }
  std::string_view rest = a.substr(1);
  std::string_view body;
  bool truncated = false;
  std::size_t end = 0;
  while (quoted_at(rest, body, truncated, end)) {
    ev.argv.emplace_back();
    unescape_into(body, ev.argv.back());
    rest.remove_prefix(end);
    if (!rest.empty() && rest.front() == ',') {
      rest.remove_prefix(1);
    }
  }
}

// symlink's target (path2).
void decode_link_target(std::string_view a, Event& ev, PathFlags& flags) {
  std::string_view body;
  bool truncated = false;
  std::size_t end = 0;
  if (quoted_at(a, body, truncated, end)) {
    unescape_into(body, ev.path2);  // the link's content, verbatim
    flags.all_absolute = flags.all_absolute && !ev.path2.empty() && ev.path2.front() == '/';
  }
}

// Struct-borne fields: openat2's open_how.
void decode_open_how(std::string_view a, Event& ev) {
  const std::string_view flags = struct_field(a, "flags=");
  if (!flags.empty()) {
    ev.open_flags = parse_open_flags(flags);
  }
  const std::string_view mode = struct_field(a, "mode=");
  if (!mode.empty() && ev.open_flags >= 0 && (ev.open_flags & (open_flag::Creat)) != 0) {
    ev.mode = parse_mode(mode);
  }
}

// Struct-borne fields: the iovecs of writev/sendmsg.
void decode_iovec(std::string_view a, Event& ev) {
  std::size_t pos = 0;
  while ((pos = a.find("iov_base=", pos)) != std::string_view::npos) {
    pos += 9;
    std::string_view body;
    bool truncated = false;
    std::size_t end = 0;
    if (quoted_at(a.substr(pos), body, truncated, end)) {
      unescape_into(body, ev.data);
      ev.data_truncated = ev.data_truncated || truncated;
      pos += end;
    }
  }
}

// getsockopt(SOL_SOCKET, SO_ERROR).
void decode_so_error(const SyscallInfo& row, const Args& args, std::size_t n, Event& ev) {
  if (row.has(Trait::SoError) && n >= 4 && is_sol_socket_so_error(args.v[1], args.v[2])) {
    // getsockopt(4<socket:[29321]>, SOL_SOCKET, SO_ERROR, [ECONNREFUSED], [4]): the outcome of a
    // non-blocking connect. Like the live decoder (decode.cpp): the errno name in `data` when the
    // pending error is not 0.
    std::string_view v = args.v[3];
    if (v.size() >= 2 && v.front() == '[' && v.back() == ']') {
      v = trim(v.substr(1, v.size() - 2));
      std::int64_t num = 0;
      if (!v.empty() && v.front() == 'E' &&
          std::all_of(v.begin(), v.end(), [](char c) { return is_name_char(c); })) {
        ev.data.assign(v);
      } else if (!v.empty() && parse_int(v, num) == v.size() && num > 0 && num < 4096) {
        const std::string_view name = errno_name(static_cast<int>(num));
        ev.data = name.empty() ? fmt::format("E{}", num) : std::string(name);
      }
    }
  }
}

// The setuid family's id.
void decode_set_id(const SyscallInfo& row, const Args& args, std::size_t n, Event& ev) {
  // setuid family: the id the process uses for file access from now on (a successful call;
  // setfs*id return the previous id, so any known return counts for them).
  if (const int k = row.id_arg;
      k >= 0 && static_cast<std::size_t>(k) < n && ev.ret_known && ev.err.empty()) {
    std::int64_t id = -1;
    const std::string_view v = trim(args.v[static_cast<std::size_t>(k)]);
    if (parse_decimal_or_int(v, id) == v.size() && id >= 0 && id <= 0xFFFFFFFE) {
      ev.set_id = id;
    }
  }
}

}  // namespace

void parse_return(std::string_view rest, Event& ev) {
  std::size_t i = 0;
  while (i < rest.size() && rest[i] == ' ') {
    ++i;
  }
  if (i >= rest.size() || rest[i] != '=') {
    return;
  }
  ++i;
  while (i < rest.size() && rest[i] == ' ') {
    ++i;
  }
  std::string_view r = rest.substr(i);
  if (starts_with(r, "?")) {  // #14, #15, #17
    r.remove_prefix(1);
    ev.ret_known = false;
  } else {
    std::int64_t v = 0;
    const std::size_t n = parse_decimal_or_int(r, v);
    if (n == 0) {
      return;
    }
    ev.ret = v;
    ev.ret_known = true;
    r.remove_prefix(n);
    if (!r.empty() && r.front() == '<') {  // #34: "= 3</etc/hostname>"
      const std::size_t e = annotation_end(r, 0);
      ev.ret_path.clear();
      unescape_into(r.substr(1, (e == std::string_view::npos ? r.size() : e) - 1), ev.ret_path);
      r.remove_prefix(e == std::string_view::npos ? r.size() : e + 1);
    }
  }
  while (!r.empty() && r.front() == ' ') {
    r.remove_prefix(1);
  }
  if (!r.empty() && r.front() == 'E' && (ev.ret < 0 || !ev.ret_known)) {
    std::size_t k = 0;
    while (k < r.size() && is_name_char(r[k])) {
      ++k;
    }
    ev.err.assign(r.substr(0, k));
    r.remove_prefix(k);
  } else if (starts_with(r, "(errno ") && ev.ret < 0) {  // #3
    std::int64_t v = 0;
    parse_int(r.substr(7), v);
    const std::string_view name = errno_name(static_cast<int>(v));
    ev.err = name.empty() ? fmt::format("errno {}", v) : std::string(name);
  }
  // -T duration: the last "<digits.digits>" (#40).
  if (!r.empty() && r.back() == '>') {
    const std::size_t lt = r.rfind('<');
    if (lt != std::string_view::npos) {
      const std::string_view d = r.substr(lt + 1, r.size() - lt - 2);
      // Nearly always "<0.000017>": plain digits before the dot (what parse_int would accept
      // in full, with the same value); anything else takes the general route.
      std::size_t dot = 0;
      std::int64_t secs = 0;
      while (dot < d.size() && dot < 18 && is_digit(d[dot])) {
        secs = secs * 10 + (d[dot] - '0');
        ++dot;
      }
      if (dot == 0 || dot == 18 || dot >= d.size() || d[dot] != '.') {
        dot = d.find('.');
        secs = 0;
        if (dot != std::string_view::npos && parse_int(d.substr(0, dot), secs) != dot) {
          dot = std::string_view::npos;
        }
      }
      if (dot != std::string_view::npos) {
        std::int64_t frac = 0;
        std::size_t digits = 0;
        for (std::size_t k = dot + 1; k < d.size() && is_digit(d[k]); ++k) {
          if (digits < 6) {
            frac = frac * 10 + (d[k] - '0');
            ++digits;
          }
        }
        while (digits++ < 6) {
          frac *= 10;
        }
        ev.duration_us = secs * 1'000'000 + frac;
      }
    }
  }
}

void decode_args(const SyscallInfo& row, const Args& args, Event& ev, DecodeContext& cx) {
  const std::size_t n = std::min<std::size_t>(args.n, static_cast<std::size_t>(row.arg_count()));
  PathFlags flags;
  decode_paths(row, args, n, ev, cx, flags);
  // Other arguments by role.
  const int fd_index = row.fd_arg();
  for (std::size_t k = 0; k < n; ++k) {
    const std::string_view a = args.v[k];
    switch (row.args[k]) {
      case ArgType::Fd:
        if (static_cast<int>(k) == fd_index) {
          decode_fd(a, ev, cx);
        }
        break;
      case ArgType::OpenFlags:
        ev.open_flags = parse_open_flags(a);
        break;
      case ArgType::Mode:
        ev.mode = parse_mode(a);
        break;
      case ArgType::AccessMode:
        ev.mode = parse_access_mode(a);
        break;
      case ArgType::Buffer:
        decode_buffer(a, ev);
        break;
      case ArgType::SockAddr:
        decode_sockaddr(a, ev, cx, flags);
        break;
      case ArgType::Argv:
        decode_argv(a, ev);
        break;
      case ArgType::LinkTarget:
        decode_link_target(a, ev, flags);
        break;
      case ArgType::OpenHow:
        decode_open_how(a, ev);
        break;
      case ArgType::Iovec:
      case ArgType::Msghdr:
        decode_iovec(a, ev);
        break;
      default:
        break;
    }
  }
  decode_so_error(row, args, n, ev);
  ev.path_absolute = flags.any_path && flags.all_absolute;
  decode_set_id(row, args, n, ev);
}

void update_state(const SyscallInfo* row, const Args& args, Event& ev, DecodeContext& cx) {
  const bool ok = ev.ret_known && ev.err.empty() && ev.ret >= 0 && !ev.unfinished;
  if (row == nullptr || !ok) {
    return;
  }
  const Pid pid = ev.pid;
  const int ret = static_cast<int>(ev.ret);
  if (row->has(Trait::OpensPath)) {
    if (ev.ret_path.empty() && ev.path_absolute) {
      ev.ret_path = ev.path;
    }
    if (!ev.ret_path.empty()) {
      cx.state.set_fd(pid, ret, ev.ret_path);
    } else {
      cx.state.close_fd(pid, ret);  // a stale entry would be worse than none
    }
    return;
  }
  switch (row->family) {
    case Family::Io:
      if (row->has(Trait::ClosesFd)) {  // close
        cx.state.close_fd(pid, ev.fd);
      } else if (row->has(Trait::ReturnsFd)) {  // dup, dup2, dup3
        cx.state.dup_fd(pid, ev.fd, ret);
        if (ev.ret_path.empty()) {
          ev.ret_path.assign(cx.state.fd_path(pid, ret));
        }
      } else if (row->has(Trait::DupsFdByCommand) && args.n >= 2 &&
                 starts_with(args.v[1], "F_DUPFD")) {  // fcntl F_DUPFD, F_DUPFD_CLOEXEC
        cx.state.dup_fd(pid, ev.fd, ret);
      }
      return;
    case Family::Network:
      if (row->has(Trait::ReturnsFd) && !ev.ret_path.empty()) {  // socket, accept, accept4
        cx.state.set_fd(pid, ret, ev.ret_path);
      }
      return;
    case Family::Process:
      // chroot (ChangesRoot) leaves the cwd alone: its path must not become the cwd here.
      if (row->has(Trait::ChangesCwd)) {
        if (row->paths[0].path >= 0) {  // chdir: the path argument
          if (ev.path_absolute) {
            cx.state.set_cwd(pid, ev.path);
          }
        } else if (!ev.fd_path.empty() && ev.fd_path.front() == '/') {  // fchdir: the fd's path
          cx.state.set_cwd(pid, ev.fd_path);
        }
      } else if (row->has(Trait::ReportsCwd)) {  // getcwd
        std::string_view body;
        bool truncated = false;
        std::size_t end = 0;
        if (args.n >= 1 && quoted_at(args.v[0], body, truncated, end)) {
          cx.scratch.clear();
          unescape_into(body, cx.scratch);
          cx.state.set_cwd(pid, cx.scratch);
        }
      } else if (row->has(Trait::CloneLike)) {
        if (ret > 0) {
          std::string_view flags = args.n >= 1 ? args.v[0] : std::string_view();
          for (std::size_t k = 1; k < args.n; ++k) {
            if (args.v[k].find("flags=") != std::string_view::npos) {
              flags = args.v[k];
            }
          }
          const bool thread = flags.find("CLONE_THREAD") != std::string_view::npos;
          cx.state.on_clone(pid, static_cast<Pid>(ret),
                            thread || flags.find("CLONE_FS") != std::string_view::npos,
                            thread || flags.find("CLONE_FILES") != std::string_view::npos);
        }
      }
      return;
    default:
      return;
  }
}

}  // namespace culprit::tracer::detail
