// What both live backends (ptrace and eBPF) do alike with what they capture: relative paths
// joined to a directory, a socket address decoded into an event, signals named as strace names
// them, the first lines of a trigger's output kept for the report, the signals that stop a session.
#pragma once

#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "tracer/model/event.h"

namespace culprit::tracer {

// The signals that end a live session (and that its --trigger gets back at their defaults).
inline constexpr int kStopSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

// dir + "/" + rel, with rel's leading "./" dropped; dir itself for "."; "" when dir is empty.
std::string join_path(const std::string& dir, std::string_view rel);

// A sockaddr as the call passed it (`bytes`: at most sizeof(sockaddr_storage), as copied from the
// caller): AF_UNIX into out.path ("@name" for an abstract socket; a relative path joined to `cwd`
// when it is known), AF_INET/AF_INET6 into out.address ("127.0.0.1:3306", "[::1]:80"). Anything
// shorter than a family or of another family leaves `out` alone.
void decode_sockaddr(std::string_view bytes, const std::string& cwd, Event& out);

// "SIGSEGV"; real-time signals counted from the kernel's 32 as strace does (32 is "SIGRTMIN", 34
// "SIGRT_2", glibc's SIGRTMIN being 34); "SIG99" for a number with no name.
std::string signal_name(int sig);

// The first `max_lines` lines of `file`, read from its start, each cut at `max_bytes` (marked
// "..."); `dropped` counts the lines after them. At most `read_limit` bytes are read (a file that
// something still writes to would never end): `cut` says that the count stopped there.
struct KeptLines {
  std::vector<std::string> lines;
  std::size_t dropped = 0;
  bool cut = false;
};
KeptLines keep_first_lines(std::FILE* file, std::size_t max_lines, std::size_t max_bytes,
                           std::uint64_t read_limit = UINT64_MAX);

}  // namespace culprit::tracer
