// Registers + SyscallInfo -> Event, for the live tracer. Paths are read from the tracee at the
// entry stop and made absolute there (dirfd via /proc/TID/fd/N, cwd via /proc/TID/cwd), because
// the call itself may change what they resolve against (chdir, rename of a directory).
// Decodes only what the analyzer uses: paths, fd and its path, open flags/mode, socket address,
// the first bytes written, execve argv; the return value, errno name and returned fd's path.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "tracer/event.h"
#include "tracer/syscall_table.h"

namespace culprit::tracer {

struct DecodeOptions {
  std::size_t string_limit = 256;  // bytes of write/send buffers and of each argv string (-s)
};

// Raw syscall arguments at entry (PTRACE_GET_SYSCALL_INFO entry/seccomp args).
using SyscallArgs = std::array<std::uint64_t, 6>;

// Fills `out` (cleared first) with the entry half: syscall name, pid, paths, fd, flags, mode,
// address, data, argv. Never fails: unreadable memory leaves the field empty (EFAULT), a vanished
// tracee leaves what was read so far.
void decode_entry(Pid tid, const SyscallInfo& info, const SyscallArgs& args,
                  const DecodeOptions& options, Event& out);

// Completes `out` with the exit half: ret/err, ret_path for a returned fd. `rval` is the raw
// kernel return value (negative errno on failure).
void decode_exit(Pid tid, const SyscallInfo& info, std::int64_t rval, Event& out);

// Target of /proc/TID/fd/FD ("" when unreadable).
std::string fd_path(Pid tid, std::int64_t fd);

// "/proc/TID/cwd" target ("" when unreadable).
std::string cwd_of(Pid tid);

}  // namespace culprit::tracer
