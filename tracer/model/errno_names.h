// errno value <-> symbolic name ("ENOENT"), from glibc's strerrorname_np; the reverse map is built
// once at first use. Also the kernel-internal restart codes strace prints (ERESTARTSYS ...).
#pragma once

#include <string>
#include <string_view>

namespace culprit::tracer {

// "ENOENT" for 2; "ERESTARTSYS" for 512 ...; "" when unknown.
std::string_view errno_name(int err);

// 2 for "ENOENT"; 0 when unknown.
int errno_from_name(std::string_view name);

// strerror text for a name ("No such file or directory"); "" when unknown.
std::string errno_text(std::string_view name);

}  // namespace culprit::tracer
