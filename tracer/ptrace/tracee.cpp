#include "tracer/ptrace/tracee.h"

#include <fmt/format.h>

#include <fstream>
#include <string>

namespace culprit::tracer {

Pid read_tgid(Pid tid) {
  std::ifstream in(fmt::format("/proc/{}/status", tid));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("Tgid:", 0) == 0) {
      return static_cast<Pid>(std::stol(line.substr(5)));
    }
  }
  return 0;
}

char read_proc_state(Pid tid, Pid tgid) {
  const std::string path = tgid != 0 ? fmt::format("/proc/{}/task/{}/stat", tgid, tid)
                                     : fmt::format("/proc/{}/stat", tid);
  std::ifstream in(path);
  std::string text;
  std::getline(in, text);
  // "PID (comm) S ...": comm may contain spaces and parentheses, so look after the last ')'.
  const auto close = text.rfind(')');
  if (close == std::string::npos || close + 2 >= text.size()) {
    return '\0';
  }
  return text[close + 2];
}

}  // namespace culprit::tracer
