// errno <-> name from glibc (strerrorname_np / strerrordesc_np, glibc >= 2.32) so culprit never
// carries its own errno table, plus the kernel-internal restart codes that only strace shows
// (include/linux/errno.h: they never reach user space, so glibc does not know them).
#include "tracer/model/errno_names.h"

#include <cerrno>
#include <cstring>
#include <string>
#include <unordered_map>

namespace culprit::tracer {
namespace {

struct KernelCode {
  int value;
  std::string_view name;
  std::string_view text;  // as strace prints it (src/linux/errnoent.h comments)
};

// include/linux/errno.h; texts as strace prints them after "= ? ".
constexpr KernelCode kKernelCodes[] = {
    {512, "ERESTARTSYS", "To be restarted if SA_RESTART is set"},
    {513, "ERESTARTNOINTR", "To be restarted"},
    {514, "ERESTARTNOHAND", "To be restarted if no handler"},
    {515, "ENOIOCTLCMD", "No ioctl command"},
    {516, "ERESTART_RESTARTBLOCK", "Interrupted by signal"},
    {517, "EPROBE_DEFER", "Driver requests probe retry"},
    {518, "EOPENSTALE", "Open found a stale dentry"},
    {519, "ENOPARAM", "Parameter not supported"},
    {521, "EBADHANDLE", "Illegal NFS file handle"},
    {522, "ENOTSYNC", "Update synchronization mismatch"},
    {523, "EBADCOOKIE", "Cookie is stale"},
    {524, "ENOTSUPP", "Operation is not supported"},
    {525, "ETOOSMALL", "Buffer or request is too small"},
    {526, "ESERVERFAULT", "An untranslatable error occurred"},
    {527, "EBADTYPE", "Type not supported by server"},
    {528, "EJUKEBOX", "Request initiated, but will not complete before timeout"},
    {529, "EIOCBQUEUED", "iocb queued, will get completion event"},
    {530, "ERECALLCONFLICT", "Conflict with recalled state"},
};

// The highest errno glibc names is < 200 on every Linux architecture.
constexpr int kMaxUserErrno = 200;

const std::unordered_map<std::string_view, int>& reverse_map() {
  static const std::unordered_map<std::string_view, int> map = [] {
    std::unordered_map<std::string_view, int> m;
    for (int e = 1; e < kMaxUserErrno; ++e) {
      if (const char* name = strerrorname_np(e); name != nullptr) {
        // Aliases (EWOULDBLOCK = EAGAIN, EDEADLOCK = EDEADLK) share a value; glibc returns the
        // primary name, which is also the one strace prints.
        m.emplace(name, e);
      }
    }
    // strace prints these aliases on some architectures; accept them on input.
    m.emplace("EWOULDBLOCK", EWOULDBLOCK);
    m.emplace("EDEADLOCK", EDEADLOCK);
    m.emplace("ENOTSUP", ENOTSUP);
    for (const KernelCode& k : kKernelCodes) {
      m.emplace(k.name, k.value);
    }
    return m;
  }();
  return map;
}

}  // namespace

std::string_view errno_name(int err) {
  if (err > 0 && err < kMaxUserErrno) {
    if (const char* name = strerrorname_np(err); name != nullptr) {
      return name;
    }
  }
  for (const KernelCode& k : kKernelCodes) {
    if (k.value == err) {
      return k.name;
    }
  }
  return {};
}

int errno_from_name(std::string_view name) {
  const auto& map = reverse_map();
  const auto it = map.find(name);
  return it == map.end() ? 0 : it->second;
}

std::string errno_text(std::string_view name) {
  const int err = errno_from_name(name);
  if (err == 0) {
    return {};
  }
  for (const KernelCode& k : kKernelCodes) {
    if (k.value == err) {
      return std::string(k.text);
    }
  }
  const char* text = strerrordesc_np(err);
  return text == nullptr ? std::string() : std::string(text);
}

}  // namespace culprit::tracer
