#include "tracer/ptrace/remote_memory.h"

#include <sys/ptrace.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>

namespace culprit::tracer {
namespace {

std::size_t page_size() {
  static const auto size = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  return size;
}

// Bytes from `addr` to the end of its page.
std::size_t to_page_end(RemoteAddr addr) {
  return page_size() - static_cast<std::size_t>(addr.value % page_size());
}

// Once process_vm_readv is refused for a reason other than the address (EPERM from an LSM,
// ENOSYS), it will be refused again: remember it and go straight to PEEKDATA.
std::atomic<bool> g_vm_readv_broken{false};

}  // namespace

Result<std::size_t> RemoteMemory::read_chunk(RemoteAddr addr, char* out, std::size_t length) const {
  if (!g_vm_readv_broken.load(std::memory_order_relaxed)) {
    iovec local{out, length};
    iovec remote{reinterpret_cast<void*>(addr.value), length};
    const ssize_t n = process_vm_readv(tid_, &local, 1, &remote, 1, 0);
    if (n >= 0) {
      return static_cast<std::size_t>(n);
    }
    if (errno == EFAULT || errno == ESRCH) {
      return make_error(errno, "process_vm_readv");
    }
    g_vm_readv_broken.store(true, std::memory_order_relaxed);
  }
  return peek_chunk(addr, out, length);
}

Result<std::size_t> RemoteMemory::peek_chunk(RemoteAddr addr, char* out, std::size_t length) const {
  // PEEKDATA reads aligned words; copy the part of each word that lies in the range.
  constexpr std::size_t kWord = sizeof(long);
  std::size_t done = 0;
  while (done < length) {
    const std::uint64_t at = addr.value + done;
    const std::uint64_t aligned = at - at % kWord;
    errno = 0;
    const long word = ptrace(PTRACE_PEEKDATA, tid_, reinterpret_cast<void*>(aligned), nullptr);
    if (errno != 0) {
      if (done > 0) {
        break;
      }
      return make_error(errno, "PTRACE_PEEKDATA");
    }
    const std::size_t skip = static_cast<std::size_t>(at - aligned);
    const std::size_t take = std::min(kWord - skip, length - done);
    std::memcpy(out + done, reinterpret_cast<const char*>(&word) + skip, take);
    done += take;
  }
  return done;
}

Result<RemoteString> RemoteMemory::read_string(RemoteAddr addr, std::size_t limit) const {
  RemoteString out;
  if (addr.null()) {
    return make_error(EFAULT, "null string pointer");
  }
  char buf[4096];
  while (out.bytes.size() < limit) {
    // Never cross a page boundary in one request: the next page may be unmapped, and the string
    // usually ends before it.
    const std::size_t want = std::min({to_page_end(addr), limit - out.bytes.size(), sizeof buf});
    auto got = read_chunk(addr, buf, want);
    if (!got.ok()) {
      if (out.bytes.empty()) {
        return got.take_error();
      }
      // The readable prefix had no NUL and the next page is unreadable: the string is cut.
      out.truncated = true;
      return out;
    }
    const std::size_t n = *got;
    if (const void* nul = std::memchr(buf, '\0', n); nul != nullptr) {
      out.bytes.append(buf, static_cast<std::size_t>(static_cast<const char*>(nul) - buf));
      return out;
    }
    out.bytes.append(buf, n);
    if (n < want) {
      out.truncated = true;
      return out;
    }
    addr = addr + n;
  }
  out.truncated = true;
  return out;
}

Result<std::string> RemoteMemory::read_bytes(RemoteAddr addr, std::size_t length) const {
  std::string out(length, '\0');
  std::size_t done = 0;
  while (done < length) {
    // A single request may fail as a whole when it spans an unmapped page, so go page by page
    // after the first failure-prone boundary.
    const std::size_t want = std::min(to_page_end(addr + done), length - done);
    auto got = read_chunk(addr + done, out.data() + done, want);
    if (!got.ok()) {
      if (done == 0) {
        return got.take_error();
      }
      break;
    }
    done += *got;
    if (*got < want) {
      break;
    }
  }
  out.resize(done);
  return out;
}

}  // namespace culprit::tracer
