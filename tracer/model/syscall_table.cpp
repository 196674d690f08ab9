// The syscall table: culprit's knowledge about each syscall it decodes, keyed by name; numbers come
// from libseccomp at start-up, so no number is written here. Like strace's syscallent.h, one row
// per syscall, and like falco's event table each path argument names the dirfd it is relative to,
// so no code needs a per-syscall switch to resolve paths.
//
// What `trace` (the seccomp filter of `run`) stops on, and why:
//   - every syscall with a Path argument: failures on paths are what culprit is about;
//   - execve/execveat: argv and the program path;
//   - connect/bind/sendto/sendmsg: a missing unix socket or a refused database port;
//   - write/writev/pwrite64/sendto/sendmsg: error messages and "HTTP/1.1 500" status lines;
//   - chdir/fchdir: the cwd that relative paths in later events are resolved against;
//   - getsockopt(SOL_SOCKET, SO_ERROR) only (an argument check in the filter): the result of a
//     non-blocking connect (EINPROGRESS, then SO_ERROR = ECONNREFUSED).
// Let through by an argument check although they have a Path argument: newfstatat/fstatat64/statx
// with AT_EMPTY_PATH on a real fd (trait FdFormWithEmptyPath). That is how glibc and Rust make
// fstat(): a third of all file calls of short-lived processes, none of which can fail on a path.
// Not traced: clone/fork/vfork/exit (PTRACE_O_TRACECLONE/FORK/VFORK/EXIT report them without a
// syscall stop), close/dup/fcntl/socket/accept (the live decoder reads fd paths from /proc at the
// stop, so it does not need to rebuild the fd table), read/recv (too frequent to be worth a stop;
// their data is not evidence of a failure), kill/wait (signals and exits come as ptrace stops).
#include "tracer/model/syscall_table.h"

#include <seccomp.h>

#include <algorithm>
#include <cstdlib>
#include <vector>

#include "tracer/model/result.h"

namespace culprit::tracer {
namespace {

using A = ArgType;
using F = Family;
using T = Trait;

// Row builder: keeps the table below one row per line.
constexpr SyscallInfo row(std::string_view name, Family family, std::array<ArgType, 6> args,
                          std::array<PathArg, 2> paths, bool trace, Trait traits = Trait::None,
                          std::int8_t id_arg = -1) {
  return SyscallInfo{name, family, args, paths, trace, traits, id_arg};
}

constexpr std::array<PathArg, 2> kNoPath{PathArg{-1, -1}, PathArg{-1, -1}};
// One path relative to the cwd (arg p) or to dirfd d.
constexpr std::array<PathArg, 2> p1(std::int8_t p, std::int8_t d = -1) {
  return {PathArg{p, d}, PathArg{-1, -1}};
}
constexpr std::array<PathArg, 2> p2(std::int8_t p, std::int8_t d, std::int8_t q, std::int8_t e) {
  return {PathArg{p, d}, PathArg{q, e}};
}

constexpr bool kTrace = true;
constexpr bool kNoTrace = false;

// clang-format off
constexpr std::array kTable{
  row("accept",            F::Network, {A::Fd, A::SockAddr, A::Ptr},                            kNoPath, kNoTrace, T::ReturnsFd | T::PeerAddr),
  row("accept4",           F::Network, {A::Fd, A::SockAddr, A::Ptr, A::Int},                    kNoPath, kNoTrace, T::ReturnsFd | T::PeerAddr),
  row("access",            F::File,    {A::Path, A::AccessMode},                                p1(0), kTrace),
  row("bind",              F::Network, {A::Fd, A::SockAddr, A::Size},                           kNoPath, kTrace),
  row("chdir",             F::Process, {A::Path},                                               p1(0), kTrace, T::ChangesCwd),
  row("chmod",             F::File,    {A::Path, A::Mode},                                      p1(0), kTrace),
  row("chown",             F::File,    {A::Path, A::Int, A::Int},                               p1(0), kTrace),
  row("chroot",            F::File,    {A::Path},                                               p1(0), kTrace, T::ChangesRoot),
  row("clone",             F::Process, {A::Int, A::Ptr, A::Ptr, A::Ptr, A::Int},                kNoPath, kNoTrace, T::CloneLike),
  row("clone3",            F::Process, {A::Ptr, A::Size},                                       kNoPath, kNoTrace, T::CloneLike),
  row("close",             F::Io,      {A::Fd},                                                 kNoPath, kNoTrace, T::ClosesFd),
  row("connect",           F::Network, {A::Fd, A::SockAddr, A::Size},                           kNoPath, kTrace, T::Connects | T::SendsToAddress),
  row("creat",             F::File,    {A::Path, A::Mode},                                      p1(0), kTrace, T::ReturnsFd | T::OpensPath),
  row("dup",               F::Io,      {A::Fd},                                                 kNoPath, kNoTrace, T::ReturnsFd),
  row("dup2",              F::Io,      {A::Fd, A::Int},                                         kNoPath, kNoTrace, T::ReturnsFd),
  row("dup3",              F::Io,      {A::Fd, A::Int, A::Int},                                 kNoPath, kNoTrace, T::ReturnsFd),
  row("execve",            F::Exec,    {A::Path, A::Argv, A::Ptr},                              p1(0), kTrace),
  row("execveat",          F::Exec,    {A::DirFd, A::Path, A::Argv, A::Ptr, A::AtFlags},        p1(1, 0), kTrace),
  row("exit",              F::Process, {A::Int},                                                kNoPath, kNoTrace),
  row("exit_group",        F::Process, {A::Int},                                                kNoPath, kNoTrace),
  row("faccessat",         F::File,    {A::DirFd, A::Path, A::AccessMode},                      p1(1, 0), kTrace),
  row("faccessat2",        F::File,    {A::DirFd, A::Path, A::AccessMode, A::AtFlags},          p1(1, 0), kTrace),
  row("fchdir",            F::Process, {A::Fd},                                                 kNoPath, kTrace, T::ChangesCwd),
  row("fchmod",            F::File,    {A::Fd, A::Mode},                                        kNoPath, kNoTrace),
  row("fchmodat",          F::File,    {A::DirFd, A::Path, A::Mode},                            p1(1, 0), kTrace),
  row("fchmodat2",         F::File,    {A::DirFd, A::Path, A::Mode, A::AtFlags},                p1(1, 0), kTrace),
  row("fchown",            F::File,    {A::Fd, A::Int, A::Int},                                 kNoPath, kNoTrace),
  row("fchownat",          F::File,    {A::DirFd, A::Path, A::Int, A::Int, A::AtFlags},         p1(1, 0), kTrace),
  row("fcntl",             F::Io,      {A::Fd, A::Int, A::Int},                                 kNoPath, kNoTrace, T::DupsFdByCommand),
  row("fgetxattr",         F::File,    {A::Fd, A::String, A::Ptr, A::Size},                     kNoPath, kNoTrace),
  row("flistxattr",        F::File,    {A::Fd, A::Ptr, A::Size},                                kNoPath, kNoTrace),
  row("fork",              F::Process, {},                                                      kNoPath, kNoTrace, T::CloneLike),
  row("fremovexattr",      F::File,    {A::Fd, A::String},                                      kNoPath, kNoTrace),
  row("fsetxattr",         F::File,    {A::Fd, A::String, A::Ptr, A::Size, A::Int},             kNoPath, kNoTrace),
  row("fstat",             F::File,    {A::Fd, A::Ptr},                                         kNoPath, kNoTrace),
  row("fstatat64",         F::File,    {A::DirFd, A::Path, A::Ptr, A::AtFlags},                 p1(1, 0), kTrace, T::FdFormWithEmptyPath),
  row("fstatfs",           F::File,    {A::Fd, A::Ptr},                                         kNoPath, kNoTrace),
  row("ftruncate",         F::File,    {A::Fd, A::Int},                                         kNoPath, kNoTrace),
  row("getcwd",            F::Process, {A::String, A::Size},                                    kNoPath, kNoTrace, T::ReportsCwd),
  // getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len): where a non-blocking connect's refusal
  // shows. The filter stops only on that level/option (seccomp_filter.cpp); attach decodes only it.
  row("getsockopt",        F::Network, {A::Fd, A::Int, A::Int, A::Ptr, A::Ptr},                 kNoPath, kTrace, T::SoError),
  row("getxattr",          F::File,    {A::Path, A::String, A::Ptr, A::Size},                   p1(0), kTrace),
  row("inotify_add_watch", F::File,    {A::Fd, A::Path, A::Int},                                p1(1), kTrace),
  row("kill",              F::Process, {A::Int, A::Int},                                        kNoPath, kNoTrace),
  row("lchown",            F::File,    {A::Path, A::Int, A::Int},                               p1(0), kTrace),
  row("lgetxattr",         F::File,    {A::Path, A::String, A::Ptr, A::Size},                   p1(0), kTrace),
  row("link",              F::File,    {A::Path, A::Path},                                      p2(0, -1, 1, -1), kTrace),
  row("linkat",            F::File,    {A::DirFd, A::Path, A::DirFd, A::Path, A::AtFlags},      p2(1, 0, 3, 2), kTrace),
  row("listxattr",         F::File,    {A::Path, A::Ptr, A::Size},                              p1(0), kTrace),
  row("llistxattr",        F::File,    {A::Path, A::Ptr, A::Size},                              p1(0), kTrace),
  row("lremovexattr",      F::File,    {A::Path, A::String},                                    p1(0), kTrace),
  row("lsetxattr",         F::File,    {A::Path, A::String, A::Ptr, A::Size, A::Int},           p1(0), kTrace),
  row("lstat",             F::File,    {A::Path, A::Ptr},                                       p1(0), kTrace),
  row("lstat64",           F::File,    {A::Path, A::Ptr},                                       p1(0), kTrace),
  row("mkdir",             F::File,    {A::Path, A::Mode},                                      p1(0), kTrace),
  row("mkdirat",           F::File,    {A::DirFd, A::Path, A::Mode},                            p1(1, 0), kTrace),
  row("mknod",             F::File,    {A::Path, A::Mode, A::Int},                              p1(0), kTrace),
  row("mknodat",           F::File,    {A::DirFd, A::Path, A::Mode, A::Int},                    p1(1, 0), kTrace),
  row("newfstatat",        F::File,    {A::DirFd, A::Path, A::Ptr, A::AtFlags},                 p1(1, 0), kTrace, T::FdFormWithEmptyPath),
  row("open",              F::File,    {A::Path, A::OpenFlags, A::Mode},                        p1(0), kTrace, T::ReturnsFd | T::OpensPath),
  row("openat",            F::File,    {A::DirFd, A::Path, A::OpenFlags, A::Mode},              p1(1, 0), kTrace, T::ReturnsFd | T::OpensPath),
  row("openat2",           F::File,    {A::DirFd, A::Path, A::OpenHow, A::Size},                p1(1, 0), kTrace, T::ReturnsFd | T::OpensPath),
  row("pread64",           F::Io,      {A::Fd, A::Buffer, A::Size, A::Int},                     kNoPath, kNoTrace, T::ReadsData),
  row("preadv",            F::Io,      {A::Fd, A::Ptr, A::Int, A::Int},                         kNoPath, kNoTrace, T::ReadsData),
  row("pwrite64",          F::Io,      {A::Fd, A::Buffer, A::Size, A::Int},                     kNoPath, kTrace, T::WritesData),
  row("pwritev",           F::Io,      {A::Fd, A::Iovec, A::Int, A::Int},                       kNoPath, kTrace, T::WritesData),
  row("read",              F::Io,      {A::Fd, A::Buffer, A::Size},                             kNoPath, kNoTrace, T::ReadsData),
  row("readlink",          F::File,    {A::Path, A::Ptr, A::Size},                              p1(0), kTrace),
  row("readlinkat",        F::File,    {A::DirFd, A::Path, A::Ptr, A::Size},                    p1(1, 0), kTrace),
  row("readv",             F::Io,      {A::Fd, A::Ptr, A::Int},                                 kNoPath, kNoTrace, T::ReadsData),
  row("recvfrom",          F::Network, {A::Fd, A::Buffer, A::Size, A::Int, A::SockAddr, A::Ptr}, kNoPath, kNoTrace, T::PeerAddr),
  row("recvmsg",           F::Network, {A::Fd, A::Ptr, A::Int},                                 kNoPath, kNoTrace),
  row("removexattr",       F::File,    {A::Path, A::String},                                    p1(0), kTrace),
  row("rename",            F::File,    {A::Path, A::Path},                                      p2(0, -1, 1, -1), kTrace),
  row("renameat",          F::File,    {A::DirFd, A::Path, A::DirFd, A::Path},                  p2(1, 0, 3, 2), kTrace),
  row("renameat2",         F::File,    {A::DirFd, A::Path, A::DirFd, A::Path, A::Int},          p2(1, 0, 3, 2), kTrace),
  row("rmdir",             F::File,    {A::Path},                                               p1(0), kTrace),
  row("sendmsg",           F::Network, {A::Fd, A::Msghdr, A::Int},                              kNoPath, kTrace, T::WritesData | T::SendsToAddress),
  row("sendto",            F::Network, {A::Fd, A::Buffer, A::Size, A::Int, A::SockAddr, A::Size}, kNoPath, kTrace, T::WritesData | T::SendsToAddress),
  row("setfsgid",          F::Process, {A::Int},                                                kNoPath, kTrace, T::SetsGid, 0),
  row("setfsuid",          F::Process, {A::Int},                                                kNoPath, kTrace, T::SetsUid, 0),
  row("setgid",            F::Process, {A::Int},                                                kNoPath, kTrace, T::SetsGid, 0),
  row("setregid",          F::Process, {A::Int, A::Int},                                        kNoPath, kTrace, T::SetsGid, 1),
  row("setresgid",         F::Process, {A::Int, A::Int, A::Int},                                kNoPath, kTrace, T::SetsGid, 1),
  row("setresuid",         F::Process, {A::Int, A::Int, A::Int},                                kNoPath, kTrace, T::SetsUid, 1),
  row("setreuid",          F::Process, {A::Int, A::Int},                                        kNoPath, kTrace, T::SetsUid, 1),
  row("setuid",            F::Process, {A::Int},                                                kNoPath, kTrace, T::SetsUid, 0),
  row("setxattr",          F::File,    {A::Path, A::String, A::Ptr, A::Size, A::Int},           p1(0), kTrace),
  row("socket",            F::Network, {A::Int, A::Int, A::Int},                                kNoPath, kNoTrace, T::ReturnsFd),
  row("stat",              F::File,    {A::Path, A::Ptr},                                       p1(0), kTrace),
  row("stat64",            F::File,    {A::Path, A::Ptr},                                       p1(0), kTrace),
  row("statfs",            F::File,    {A::Path, A::Ptr},                                       p1(0), kTrace),
  row("statx",             F::File,    {A::DirFd, A::Path, A::AtFlags, A::Int, A::Ptr},         p1(1, 0), kTrace, T::FdFormWithEmptyPath),
  // symlink(target, linkpath): the target is stored verbatim in the link, never resolved by the
  // call, so it is a LinkTarget, not a Path; the path that can fail (EEXIST, EACCES, ENOENT) is
  // linkpath.
  row("symlink",           F::File,    {A::LinkTarget, A::Path},                                p1(1), kTrace),
  row("symlinkat",         F::File,    {A::LinkTarget, A::DirFd, A::Path},                      p1(2, 1), kTrace),
  row("tgkill",            F::Process, {A::Int, A::Int, A::Int},                                kNoPath, kNoTrace),
  row("tkill",             F::Process, {A::Int, A::Int},                                        kNoPath, kNoTrace),
  row("truncate",          F::File,    {A::Path, A::Int},                                       p1(0), kTrace),
  row("unlink",            F::File,    {A::Path},                                               p1(0), kTrace),
  row("unlinkat",          F::File,    {A::DirFd, A::Path, A::AtFlags},                         p1(1, 0), kTrace),
  row("utime",             F::File,    {A::Path, A::Ptr},                                       p1(0), kTrace),
  row("utimensat",         F::File,    {A::DirFd, A::Path, A::Ptr, A::AtFlags},                 p1(1, 0), kTrace),
  row("utimes",            F::File,    {A::Path, A::Ptr},                                       p1(0), kTrace),
  row("vfork",             F::Process, {},                                                      kNoPath, kNoTrace, T::CloneLike),
  row("wait4",             F::Process, {A::Int, A::Ptr, A::Int, A::Ptr},                        kNoPath, kNoTrace),
  row("waitid",            F::Process, {A::Int, A::Int, A::Ptr, A::Int, A::Ptr},                kNoPath, kNoTrace),
  row("write",             F::Io,      {A::Fd, A::Buffer, A::Size},                             kNoPath, kTrace, T::WritesData),
  row("writev",            F::Io,      {A::Fd, A::Iovec, A::Int},                               kNoPath, kTrace, T::WritesData),
};
// clang-format on

constexpr bool sorted_and_unique() {
  for (std::size_t i = 1; i < kTable.size(); ++i) {
    if (!(kTable[i - 1].name < kTable[i].name)) {
      return false;
    }
  }
  return true;
}
static_assert(sorted_and_unique(), "kTable rows must be sorted by name, each name once");

// Name -> row, probed on every line of a replayed log: an open-addressing table with a cheap
// hash, built at compile time, beats both a binary search over the names and std::hash over the
// whole name.
constexpr std::size_t name_hash(std::string_view n) {
  std::size_t h = n.size() * 0x9E3779B1U;
  for (const char c : n) {
    h = (h ^ static_cast<unsigned char>(c)) * 0x01000193U;
  }
  return h ^ (h >> 13);
}
constexpr std::size_t kNameSlots = 512;  // > 4x the rows: short probe chains
static_assert(kTable.size() * 4 < kNameSlots, "grow kNameSlots");
// Slot -> 1 + row index; 0 = empty.
constexpr std::array<std::int16_t, kNameSlots> kNameIndex = [] {
  std::array<std::int16_t, kNameSlots> slots{};
  for (std::size_t r = 0; r < kTable.size(); ++r) {
    std::size_t i = name_hash(kTable[r].name) & (kNameSlots - 1);
    while (slots[i] != 0) {
      i = (i + 1) & (kNameSlots - 1);
    }
    slots[i] = static_cast<std::int16_t>(r + 1);
  }
  return slots;
}();

// Number-indexed view, built once: libseccomp's name resolution is a linear search per call.
struct NumberIndex {
  std::vector<long> numbers;                  // parallel to kTable
  std::vector<const SyscallInfo*> by_number;  // native number -> row
};

const NumberIndex& number_index() {
  static const NumberIndex index = [] {
    NumberIndex idx;
    idx.numbers.reserve(kTable.size());
    long max_number = -1;
    for (const SyscallInfo& info : kTable) {
      const std::string name(info.name);
      const long number = seccomp_syscall_resolve_name(name.c_str());
      idx.numbers.push_back(number);
      max_number = std::max(max_number, number);
    }
    idx.by_number.assign(static_cast<std::size_t>(max_number + 1), nullptr);
    for (std::size_t i = 0; i < kTable.size(); ++i) {
      if (idx.numbers[i] >= 0) {
        idx.by_number[static_cast<std::size_t>(idx.numbers[i])] = &kTable[i];
      }
    }
    return idx;
  }();
  return index;
}

}  // namespace

int SyscallInfo::arg_count() const {
  int n = 0;
  while (n < static_cast<int>(args.size()) && args[static_cast<std::size_t>(n)] != ArgType::None) {
    ++n;
  }
  return n;
}

int SyscallInfo::arg_index(ArgType type) const {
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == type) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

bool SyscallInfo::is_fd_form(const std::array<std::uint64_t, 6>& values) const {
  if (!has(Trait::FdFormWithEmptyPath)) {
    return false;
  }
  const int flags = arg_index(ArgType::AtFlags);
  const int dirfd = arg_index(ArgType::DirFd);
  if (flags < 0 || dirfd < 0) {
    return false;
  }
  constexpr std::uint64_t kAtEmptyPath = 0x1000;  // AT_EMPTY_PATH, the same on every Linux ABI
  constexpr std::int32_t kAtFdCwd = -100;
  return (values[static_cast<std::size_t>(flags)] & kAtEmptyPath) != 0 &&
         static_cast<std::int32_t>(values[static_cast<std::size_t>(dirfd)]) != kAtFdCwd;
}

int SyscallInfo::fd_arg() const {
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == ArgType::Fd) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

std::span<const SyscallInfo> all_syscalls() { return {kTable.data(), kTable.size()}; }

const SyscallInfo* find_syscall(std::string_view name) {
  std::size_t i = name_hash(name) & (kNameSlots - 1);
  while (const std::int16_t r = kNameIndex[i]) {
    const SyscallInfo& info = kTable[static_cast<std::size_t>(r - 1)];
    if (info.name == name) {
      return &info;
    }
    i = (i + 1) & (kNameSlots - 1);
  }
  return nullptr;
}

const SyscallInfo* find_syscall(long number) {
  const NumberIndex& idx = number_index();
  if (number < 0 || static_cast<std::size_t>(number) >= idx.by_number.size()) {
    return nullptr;
  }
  return idx.by_number[static_cast<std::size_t>(number)];
}

long native_number(const SyscallInfo& info) {
  const NumberIndex& idx = number_index();
  // Look the row up by name rather than by address so a copy of a row works too.
  const SyscallInfo* row_in_table = find_syscall(info.name);
  CULPRIT_ASSERT(row_in_table != nullptr) << "syscall not in the table: " << info.name;
  return idx.numbers[static_cast<std::size_t>(row_in_table - kTable.data())];
}

}  // namespace culprit::tracer
