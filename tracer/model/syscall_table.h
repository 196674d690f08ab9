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
  LinkTarget,  // symlink's target: stored verbatim in the link, never resolved by the call
  OpenHow,     // openat2's struct open_how* (flags, mode, resolve)
  Iovec,       // const struct iovec* of data written; its count is the next argument
  Msghdr,      // const struct msghdr* of a sent message (address and iovecs)
  // readv/preadv/recvmsg keep Ptr: what a process reads through them is not decoded.
};

// What a call does that code outside the argument decoders needs to know: bits of
// SyscallInfo::traits, set in the table rows so that no caller compares syscall names.
enum class Trait : std::uint32_t {
  None = 0,
  CloneLike = 1U << 0,   // creates a process or thread; returns the child's pid (clone, fork, ...)
  ReturnsFd = 1U << 1,   // a success returns a new fd (open family, socket, accept, dup)
  OpensPath = 1U << 2,   // ... and that fd is the file named by the path argument (open family)
  SetsUid = 1U << 3,     // setuid family: argument id_arg becomes the uid used for file access
  SetsGid = 1U << 4,     // setgid family: argument id_arg becomes the gid used for file access
  WritesData = 1U << 5,  // sends the caller's bytes: error messages, HTTP replies
  ReadsData = 1U << 6,   // reads bytes into the caller's buffers (file contents)
  Connects = 1U << 7,    // connect: EINPROGRESS is settled later (getsockopt SO_ERROR, first use)
  SoError = 1U << 8,     // getsockopt: only SOL_SOCKET/SO_ERROR (a connect's outcome) is decoded
  PeerAddr = 1U << 9,    // the SockAddr is filled by the kernel (the peer): names nothing to check
  // reaches a socket address the caller names (connect; sendto/sendmsg with a destination): a
  // unix socket needs write permission, a failure is a connection problem (connect, sendto,
  // sendmsg; not bind, which creates the socket file)
  SendsToAddress = 1U << 10,
  // a success makes the call's path argument (chdir) or its fd's path (fchdir) the caller's cwd,
  // which relative paths in later calls resolve against
  ChangesCwd = 1U << 11,
  // a success makes the path argument the caller's root (chroot): later paths resolve
  // differently although the cwd did not change
  ChangesRoot = 1U << 12,
  ClosesFd = 1U << 13,    // a success frees the fd argument (close)
  ReportsCwd = 1U << 14,  // a success writes the caller's cwd into its String argument (getcwd)
  // duplicates the fd argument only for some commands (fcntl F_DUPFD, F_DUPFD_CLOEXEC: the
  // command is argument 1), returning the new fd; unlike ReturnsFd, callers must check the command
  DupsFdByCommand = 1U << 15,
  // with AT_EMPTY_PATH in its AtFlags argument and a real fd as its DirFd, the call is about that
  // fd, not a path (glibc's fstat() is newfstatat(fd, "", buf, AT_EMPTY_PATH)): `run`'s filter lets
  // those calls through without a stop, as they cannot fail on a path
  FdFormWithEmptyPath = 1U << 16,
};

constexpr Trait operator|(Trait a, Trait b) {
  return static_cast<Trait>(static_cast<std::uint32_t>(a) | static_cast<std::uint32_t>(b));
}

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
  Trait traits = Trait::None;      // see Trait
  // SetsUid/SetsGid rows: the index of the argument that sets the id used for file access
  // (setuid/setgid/setfsuid/setfsgid: 0; setreuid/setregid/setresuid/setresgid: 1, the effective
  // id); -1 in every other row. An argument of -1 means "unchanged".
  std::int8_t id_arg = -1;

  [[nodiscard]] int arg_count() const;
  [[nodiscard]] int fd_arg() const;  // index of the first Fd/DirFd-less Fd argument, or -1
  [[nodiscard]] int arg_index(ArgType type) const;  // the first argument of this type, or -1
  // A FdFormWithEmptyPath row called with AT_EMPTY_PATH on a real fd (not AT_FDCWD): fstat(),
  // which cannot fail on a path. `values`: the raw argument registers.
  [[nodiscard]] bool is_fd_form(const std::array<std::uint64_t, 6>& values) const;
  [[nodiscard]] constexpr bool has(Trait t) const {
    return (static_cast<std::uint32_t>(traits) & static_cast<std::uint32_t>(t)) != 0;
  }
};

// All rows, sorted by name.
std::span<const SyscallInfo> all_syscalls();

// Row for a syscall name as strace prints it ("openat", "newfstatat", "stat"); nullptr if culprit
// does not decode it. Cheap (a hash probe in a table built at compile time): the log reader calls
// it on every line.
const SyscallInfo* find_syscall(std::string_view name);

// Row for a native (x86-64 or aarch64 build host) syscall number; nullptr if none.
const SyscallInfo* find_syscall(long number);

// Native number of a row, < 0 when the syscall does not exist on this architecture.
long native_number(const SyscallInfo& info);

}  // namespace culprit::tracer
