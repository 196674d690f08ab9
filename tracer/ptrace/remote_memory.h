// Reading a tracee's memory: process_vm_readv(2) first (one syscall for many bytes), falling back
// to PTRACE_PEEKDATA word by word when process_vm_readv is refused (e.g. EPERM under some LSMs or
// ENOSYS). Reads are bounded; a bad address (EFAULT) is an ordinary outcome.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "tracer/model/event.h"
#include "tracer/model/result.h"
#include "tracer/ptrace/ptrace_ops.h"

namespace culprit::tracer {

struct RemoteString {
  std::string bytes;       // up to the NUL (excluded) or `limit` bytes
  bool truncated = false;  // no NUL within `limit` bytes
};

class RemoteMemory {
 public:
  explicit RemoteMemory(Pid tid) : tid_(tid) {}

  // NUL-terminated string of at most `limit` bytes. Page-boundary aware: never asks for a page
  // past the one holding the NUL, so a string at the end of a mapping reads fine.
  // Fails with EFAULT for an unreadable address, ESRCH when the tracee is gone.
  Result<RemoteString> read_string(RemoteAddr addr, std::size_t limit) const;

  // Up to `length` bytes at `addr`; may return fewer when the range crosses into unmapped memory
  // (then at least the readable prefix). Fails when not even the first byte is readable.
  Result<std::string> read_bytes(RemoteAddr addr, std::size_t length) const;

  // Reads a trivially copyable T (sockaddr, iovec, pointer array element ...).
  template <typename T>
  Result<T> read(RemoteAddr addr) const {
    auto bytes = CULPRIT_TRY(read_bytes(addr, sizeof(T)));
    if (bytes.size() < sizeof(T)) {
      return make_error(EFAULT, "short read");
    }
    T value;
    std::memcpy(&value, bytes.data(), sizeof(T));
    return value;
  }

 private:
  // One process_vm_readv call for [addr, addr+length); returns bytes read.
  Result<std::size_t> read_chunk(RemoteAddr addr, char* out, std::size_t length) const;
  Result<std::size_t> peek_chunk(RemoteAddr addr, char* out, std::size_t length) const;

  Pid tid_;
};

}  // namespace culprit::tracer
