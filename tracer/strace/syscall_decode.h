// Decoding of a call's text into an Event: the return value ("= -1 ENOENT (...)", -y's
// "= 3</path>", -T's "<0.000017>") and the arguments, each by its role in the syscall table, which
// is what tells the syscall families apart (paths of the open/stat/rename/link/unlink/chdir/exec
// families, the fd of read/write/dup/close/fcntl, the sockaddr of connect/bind, exec's argv, ...);
// plus what a successful call changes in the ProcessState (fds opened, duplicated and closed,
// cwd, clones). No I/O and no reader state beyond the DecodeContext.
#pragma once

#include <string>
#include <string_view>

#include "tracer/model/event.h"
#include "tracer/model/syscall_table.h"
#include "tracer/strace/process_state.h"
#include "tracer/strace/strace_lex.h"

namespace culprit::tracer::detail {

// What the decoders use of the reader: its ProcessState (path resolution, fd and cwd tracking)
// and its scratch strings (kept by the reader so that their capacity is reused call after call).
struct DecodeContext {
  ProcessState& state;
  std::string& scratch;
  std::string& resolved;
};

// " = ret ..." after a call's ')': ret, ret_known, ret_path (-y), err and duration_us (-T).
void parse_return(std::string_view rest, Event& ev);

// The arguments of a call of the table row `row`, split in `args`, into `ev` (paths made absolute
// when the cwd/dirfd is known, and path_absolute).
void decode_args(const SyscallInfo& row, const Args& args, Event& ev, DecodeContext& cx);

// What a successful call of `row` changes in cx.state: fds opened, duplicated and closed, cwd
// changes (chdir, fchdir, getcwd), clones; also the path of an fd a call returned (ev.ret_path).
void update_state(const SyscallInfo* row, const Args& args, Event& ev, DecodeContext& cx);

}  // namespace culprit::tracer::detail
