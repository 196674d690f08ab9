#include "tracer/ptrace/seccomp_filter.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>

#include "tracer/model/syscall_table.h"
#include "tracer/ptrace/ptrace_ops.h"

namespace culprit::tracer {
namespace {

struct CtxDeleter {
  void operator()(void* ctx) const { seccomp_release(ctx); }
};

Error seccomp_error(const std::string& what, int rc) {
  // libseccomp returns negative errno values.
  return make_error(-rc, "cannot build the seccomp filter: " + what + ": " + std::strerror(-rc));
}

}  // namespace

Result<SeccompProgram> SeccompProgram::build() {
  std::unique_ptr<void, CtxDeleter> ctx(seccomp_init(SCMP_ACT_ALLOW));
  if (!ctx) {
    return make_error(ENOMEM, "cannot build the seccomp filter: seccomp_init failed");
  }
  SeccompProgram out;
  for (const SyscallInfo& info : all_syscalls()) {
    if (!info.trace) {
      continue;
    }
    const long nr = native_number(info);
    if (nr < 0) {
      continue;  // not on this architecture (e.g. open/stat on aarch64)
    }
    // The action data (16 bits) would be visible to the tracer as PTRACE_GETEVENTMSG; we decode
    // from the syscall number instead, so it stays 0.
    int rc = 0;
    if (info.name == "getsockopt") {
      // Only SO_ERROR at SOL_SOCKET is evidence (a non-blocking connect's result); servers call
      // getsockopt for other options often. The arguments are C ints: compare the low 32 bits.
      rc = seccomp_rule_add(ctx.get(), SCMP_ACT_TRACE(0), static_cast<int>(nr), 2,
                            SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffU, SOL_SOCKET),
                            SCMP_A2(SCMP_CMP_MASKED_EQ, 0xffffffffU, SO_ERROR));
    } else if (info.has(Trait::FdFormWithEmptyPath)) {
      // Rules of one syscall are OR-ed: stop unless AT_EMPTY_PATH is set and the dirfd is not
      // AT_FDCWD, i.e. unless it is fstat() on an fd. (A relative name with AT_EMPTY_PATH and a
      // real dirfd would also pass unseen; glibc, musl and Rust pass "" with the flag.)
      const int flags = info.arg_index(ArgType::AtFlags);
      const int dirfd = info.arg_index(ArgType::DirFd);
      if (flags < 0 || dirfd < 0) {
        return seccomp_error("rule for " + std::string(info.name) + ": no AtFlags/DirFd argument",
                             -EINVAL);
      }
      rc = seccomp_rule_add(
          ctx.get(), SCMP_ACT_TRACE(0), static_cast<int>(nr), 1,
          scmp_arg_cmp{static_cast<unsigned>(flags), SCMP_CMP_MASKED_EQ, AT_EMPTY_PATH, 0});
      if (rc == 0) {
        rc = seccomp_rule_add(ctx.get(), SCMP_ACT_TRACE(0), static_cast<int>(nr), 1,
                              scmp_arg_cmp{static_cast<unsigned>(dirfd), SCMP_CMP_MASKED_EQ,
                                           0xffffffffU, static_cast<std::uint32_t>(AT_FDCWD)});
      }
    } else {
      rc = seccomp_rule_add(ctx.get(), SCMP_ACT_TRACE(0), static_cast<int>(nr), 0);
    }
    if (rc != 0) {
      return seccomp_error("rule for " + std::string(info.name), rc);
    }
    out.traced_.emplace_back(info.name);
  }
  // Tracees must not be able to escape the filter by switching to the 32-bit ABI: libseccomp adds
  // the architecture check itself and kills on a foreign arch by default (SCMP_FLTATR_ACT_BADARCH).
  const int memfd = memfd_create("culprit-seccomp", MFD_CLOEXEC);
  if (memfd < 0) {
    return make_error(errno, std::string("cannot build the seccomp filter: memfd_create: ") +
                                 std::strerror(errno));
  }
  struct FdCloser {
    int fd;
    ~FdCloser() { close(fd); }
  } closer{memfd};
  if (const int rc = seccomp_export_bpf(ctx.get(), memfd); rc != 0) {
    return seccomp_error("seccomp_export_bpf", rc);
  }
  const off_t size = lseek(memfd, 0, SEEK_END);
  if (size <= 0 || size % static_cast<off_t>(sizeof(sock_filter)) != 0) {
    return make_error(EINVAL, "cannot build the seccomp filter: exported program has odd size " +
                                  std::to_string(size));
  }
  out.insns_.resize(static_cast<std::size_t>(size) / sizeof(sock_filter));
  if (pread(memfd, out.insns_.data(), static_cast<std::size_t>(size), 0) != size) {
    return make_error(EIO, "cannot build the seccomp filter: short read of the exported program");
  }
  return out;
}

int SeccompProgram::install() const {
  sock_fprog prog{};
  prog.len = static_cast<unsigned short>(insns_.size());
  prog.filter = const_cast<sock_filter*>(insns_.data());  // NOLINT: kernel API is non-const
  if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) != 0) {
    return errno;
  }
  return 0;
}

std::string seccomp_library_version() {
  const scmp_version* v = seccomp_version();
  return v == nullptr ? std::string("unknown")
                      : fmt::format("{}.{}.{}", v->major, v->minor, v->micro);
}

}  // namespace culprit::tracer
