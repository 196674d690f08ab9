// What culprit knows about each system call it decodes: argument roles, which arguments are paths
// and relative to which dirfd, and whether the seccomp filter of `run` stops on it.
// Names and numbers come from libseccomp; this table only adds culprit's knowledge, keyed by name.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

namespace culprit::tracer {

enum class Family : std::uint8_t {
  File,     // open/stat/access/readlink/unlink/rename/mkdir/chmod/...
  Exec,     // execve/execveat
  Network,  // socket/connect/bind/accept/sendto/recvfrom
  Process,  // clone/fork/vfork/exit/wait/chdir/fchdir (state tracking)
  Io,       // read/write/pread/pwrite/readv/writev/close/dup
  Other,
};

enum class ArgType : std::uint8_t {
  None,        // no such argument
  Int,         // plain integer
  Ptr,         // pointer not decoded
  Path,        // NUL-terminated path string
  DirFd,       // dirfd (AT_FDCWD = -100)
  Fd,          // file descriptor
  OpenFlags,   // O_* flags
  Mode,        // mode_t permission bits
  AccessMode,  // access(2) F_OK/R_OK/W_OK/X_OK
  AtFlags,     // AT_* flags
  Buffer,      // data buffer whose length is the next argument (write) or the return value (read)
  Size,        // size of the previous Buffer/SockAddr
  SockAddr,    // struct sockaddr*
  Argv,        // char *const argv[]
  String,      // other NUL-terminated string (e.g. xattr name): not a path
};

// A path argument and the dirfd it is relative to (-1: relative to the cwd).
struct PathArg {
  std::int8_t path = -1;
  std::int8_t dirfd = -1;
};

struct SyscallInfo {
  std::string_view name;
  Family family = Family::Other;
  std::array<ArgType, 6> args{};
  std::array<PathArg, 2> paths{};  // unused entries have path == -1
  bool trace = false;              // stop on it under `run`'s seccomp filter

  [[nodiscard]] int arg_count() const;
  [[nodiscard]] int fd_arg() const;  // index of the first Fd/DirFd-less Fd argument, or -1
};

// All rows, sorted by name.
std::span<const SyscallInfo> all_syscalls();

// Row for a syscall name as strace prints it ("openat", "newfstatat", "stat"); nullptr if culprit
// does not decode it.
const SyscallInfo* find_syscall(std::string_view name);

// Row for a native (x86-64 or aarch64 build host) syscall number; nullptr if none.
const SyscallInfo* find_syscall(long number);

// For the setuid/setgid family: the index of the argument that sets the id used for file access
// (setuid/setgid/setfsuid/setfsgid: 0; setreuid/setregid/setresuid/setresgid: 1, the effective
// id), or -1 for any other call. An argument of -1 means "unchanged".
int effective_id_arg(std::string_view name);

// Native number of a row, < 0 when the syscall does not exist on this architecture.
long native_number(const SyscallInfo& info);

}  // namespace culprit::tracer
