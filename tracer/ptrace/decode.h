// Registers + SyscallInfo -> Event, for the live tracer. Paths are read from the tracee at the
// entry stop and made absolute there (dirfd via /proc/TID/fd/N, cwd via /proc/TID/cwd), because
// the call itself may change what they resolve against (chdir, rename of a directory).
// Decodes only what the analyzer uses: paths, fd and its path, open flags/mode, socket address,
// the first bytes written, execve argv; the return value, errno name and returned fd's path.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>

#include "tracer/model/event.h"
#include "tracer/model/syscall_table.h"

namespace culprit::tracer {

struct DecodeOptions {
  std::size_t string_limit = 256;  // bytes of write/send buffers and of each argv string (-s)
};

// The cwd of each traced thread, read from /proc/TID/cwd on first use and kept until the session
// says it may have changed: relative paths are frequent (make, git, find's dirfd walks), and a
// readlink per event was a measurable part of the time per stop. Keyed by thread, not process: a
// thread may have its own cwd (unshare(CLONE_FS)). The session clears the whole cache at every
// chdir/fchdir/chroot (entry and exit: another thread or a CLONE_FS sibling may be mid-call), and
// forgets a thread when it appears (a reused tid), execs or exits. Not thread-safe.
class CwdCache {
 public:
  // cwd of thread `tid` ("" when unreadable; not cached then).
  const std::string& get(Pid tid);
  void forget(Pid tid) { by_tid_.erase(tid); }
  void clear() { by_tid_.clear(); }

 private:
  std::unordered_map<Pid, std::string> by_tid_;
  std::string empty_;
};

// Raw syscall arguments at entry (PTRACE_GET_SYSCALL_INFO entry/seccomp args).
using SyscallArgs = std::array<std::uint64_t, 6>;

// Fills `out` (cleared first) with the entry half: syscall name, pid, paths, fd, flags, mode,
// address, data, argv. Never fails: unreadable memory leaves the field empty (EFAULT), a vanished
// tracee leaves what was read so far. Relative paths are resolved against `cwds.get(tid)`.
void decode_entry(Pid tid, const SyscallInfo& info, const SyscallArgs& args,
                  const DecodeOptions& options, CwdCache& cwds, Event& out);

// Completes `out` with the exit half: ret/err, ret_path for a returned fd. `rval` is the raw
// kernel return value (negative errno on failure). ret_path is left empty for an open of an
// absolute path (out.path_absolute): the path already names the file, and the readlink of
// /proc/TID/fd/N per open is saved (consumers use ret_path only for relative paths).
// getsockopt(SOL_SOCKET, SO_ERROR) that succeeded gets `data` = the errno name read back
// ("ECONNREFUSED"; empty for 0): how a non-blocking connect's failure shows.
void decode_exit(Pid tid, const SyscallInfo& info, const SyscallArgs& args, std::int64_t rval,
                 Event& out);

// Whether a call of a traced row is worth an event with these arguments: false for getsockopt
// other than (SOL_SOCKET, SO_ERROR) (attach sees every call; `run`'s filter checks the same).
bool decode_wanted(const SyscallInfo& info, const SyscallArgs& args);

// Target of /proc/TID/fd/FD ("" when unreadable).
std::string fd_path(Pid tid, std::int64_t fd);

// "/proc/TID/cwd" target ("" when unreadable).
std::string cwd_of(Pid tid);

}  // namespace culprit::tracer
