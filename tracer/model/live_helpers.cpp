#include "tracer/model/live_helpers.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <algorithm>
#include <csignal>
#include <cstddef>
#include <cstring>
#include <string_view>
#include <vector>

namespace culprit::tracer {

std::string join_path(const std::string& dir, std::string_view rel) {
  if (dir.empty()) {
    return {};
  }
  while (rel.size() >= 2 && rel.substr(0, 2) == "./") {
    rel.remove_prefix(2);
  }
  if (rel == ".") {
    return dir;
  }
  std::string out = dir;
  if (out.back() != '/') {
    out += '/';
  }
  out += rel;
  return out;
}

void decode_sockaddr(std::string_view bytes, const std::string& cwd, Event& out) {
  if (bytes.size() < sizeof(sa_family_t)) {
    return;
  }
  sockaddr_storage ss{};
  std::memcpy(&ss, bytes.data(), std::min(bytes.size(), sizeof ss));
  switch (ss.ss_family) {
    case AF_UNIX: {
      const std::size_t offset = offsetof(sockaddr_un, sun_path);
      if (bytes.size() <= offset) {
        return;
      }
      std::string_view sun = bytes.substr(offset);
      if (sun.front() == '\0') {
        // Abstract socket: strace prints sun_path=@"name".
        out.path = "@" + std::string(sun.substr(1));
        return;
      }
      sun = sun.substr(0, sun.find('\0'));
      out.path = std::string(sun);
      out.path_absolute = !out.path.empty() && out.path.front() == '/';
      if (!out.path.empty() && !out.path_absolute) {
        if (std::string abs = join_path(cwd, out.path); !abs.empty()) {
          out.path = std::move(abs);
          out.path_absolute = true;
        }
      }
      return;
    }
    case AF_INET: {
      sockaddr_in in{};
      std::memcpy(&in, &ss, sizeof in);
      char text[INET_ADDRSTRLEN] = {};
      inet_ntop(AF_INET, &in.sin_addr, text, sizeof text);
      out.address = fmt::format("{}:{}", text, ntohs(in.sin_port));
      return;
    }
    case AF_INET6: {
      sockaddr_in6 in6{};
      std::memcpy(&in6, &ss, sizeof in6);
      char text[INET6_ADDRSTRLEN] = {};
      inet_ntop(AF_INET6, &in6.sin6_addr, text, sizeof text);
      out.address = fmt::format("[{}]:{}", text, ntohs(in6.sin6_port));
      return;
    }
    default:
      return;
  }
}

std::string signal_name(int sig) {
  constexpr int kKernelRtMin = 32;
  if (sig >= kKernelRtMin && sig <= SIGRTMAX) {
    return sig == kKernelRtMin ? "SIGRTMIN" : "SIGRT_" + std::to_string(sig - kKernelRtMin);
  }
  if (const char* abbrev = sigabbrev_np(sig); abbrev != nullptr) {
    return std::string("SIG") + abbrev;
  }
  return "SIG" + std::to_string(sig);
}

KeptLines keep_first_lines(std::FILE* file, std::size_t max_lines, std::size_t max_bytes,
                           std::uint64_t read_limit) {
  KeptLines kept;
  std::rewind(file);
  std::string line;
  bool in_line = false;  // bytes of a line not yet ended have been seen
  auto end_line = [&] {
    if (kept.lines.size() < max_lines) {
      if (line.size() > max_bytes) {
        line.resize(max_bytes);
        line += "...";
      }
      kept.lines.push_back(line);
    } else {
      ++kept.dropped;
    }
    line.clear();
    in_line = false;
  };
  std::vector<char> block(std::size_t{64} * 1024);
  std::uint64_t left = read_limit;
  while (left > 0) {
    const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(block.size(), left));
    const std::size_t got = std::fread(block.data(), 1, want, file);
    if (got == 0) {
      break;
    }
    left -= got;
    std::string_view rest(block.data(), got);
    while (!rest.empty()) {
      const std::size_t nl = rest.find('\n');
      const std::string_view part = rest.substr(0, nl);
      if (kept.lines.size() < max_lines && line.size() <= max_bytes) {
        line.append(part.substr(0, max_bytes + 1 - line.size()));
      }
      in_line = in_line || !part.empty();
      if (nl == std::string_view::npos) {
        break;
      }
      end_line();
      rest.remove_prefix(nl + 1);
    }
  }
  if (left == 0 && std::fgetc(file) != EOF) {
    kept.cut = true;
  }
  if (in_line) {
    end_line();  // the last line has no newline
  }
  return kept;
}

}  // namespace culprit::tracer
