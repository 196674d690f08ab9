// Event helpers: timestamp formatting, the canonical dump used by golden files and the
// live-vs-log differential test, and strace-style byte escaping.
#include "tracer/model/event.h"

#include <fmt/format.h>

#include <ctime>

namespace culprit::tracer {

std::string Timestamp::format() const {
  constexpr std::int64_t kMicrosPerSecond = 1'000'000;
  constexpr std::int64_t kSecondsPerDay = 86'400;
  switch (kind) {
    case Kind::None:
      return {};
    case Kind::Relative: {
      const std::int64_t abs = micros < 0 ? -micros : micros;
      return fmt::format("{}{}.{:06}", micros < 0 ? '-' : '+', abs / kMicrosPerSecond,
                         abs % kMicrosPerSecond);
    }
    case Kind::TimeOfDay: {
      const std::int64_t secs = (micros / kMicrosPerSecond) % kSecondsPerDay;
      return fmt::format("{:02}:{:02}:{:02}.{:06}", secs / 3600, (secs / 60) % 60, secs % 60,
                         micros % kMicrosPerSecond);
    }
    case Kind::Epoch: {
      // Local time, as strace -tt prints it (it calls localtime on the event's wall clock).
      const auto secs = static_cast<std::time_t>(micros / kMicrosPerSecond);
      std::tm tm{};
      localtime_r(&secs, &tm);
      return fmt::format("{:02}:{:02}:{:02}.{:06}", tm.tm_hour, tm.tm_min, tm.tm_sec,
                         micros % kMicrosPerSecond);
    }
  }
  return {};
}

void Event::clear() {
  kind = EventKind::Syscall;
  pid = 0;
  time = Timestamp{};
  origin = Origin{};
  syscall.clear();
  path.clear();
  path2.clear();
  path_absolute = false;
  fd = -1;
  fd_path.clear();
  open_flags = -1;
  mode = -1;
  address.clear();
  set_id = -1;
  data.clear();
  data_truncated = false;
  argv.clear();
  ret_known = false;
  ret = 0;
  err.clear();
  ret_path.clear();
  duration_us = -1;
  unfinished = false;
  signal.clear();
  killed = false;
  core_dumped = false;
  exit_code = 0;
}

bool append_signal_or_exit(const Event& e, std::string& out) {
  switch (e.kind) {
    case EventKind::Signal:
      out += fmt::format("--- {} ---", e.signal);
      return true;
    case EventKind::Exit:
      if (e.killed) {
        // strace.c print_signalled(): "+++ killed by %s %s+++".
        out +=
            fmt::format("+++ killed by {} {}+++", e.signal, e.core_dumped ? "(core dumped) " : "");
      } else {
        out += fmt::format("+++ exited with {} +++", e.exit_code);
      }
      return true;
    case EventKind::Syscall:
      break;
  }
  return false;
}

std::string escape_bytes(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    switch (c) {
      case '\t':
        out += "\\t";
        continue;
      case '\n':
        out += "\\n";
        continue;
      case '\v':
        out += "\\v";
        continue;
      case '\f':
        out += "\\f";
        continue;
      case '\r':
        out += "\\r";
        continue;
      case '"':
        out += "\\\"";
        continue;
      case '\\':
        out += "\\\\";
        continue;
      default:
        break;
    }
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
      continue;
    }
    // strace's rule (util.c print_quoted_string_ex): the shortest octal form, unless the next
    // byte is an octal digit, which would otherwise be read as part of the escape.
    const bool next_is_octal = i + 1 < bytes.size() && bytes[i + 1] >= '0' && bytes[i + 1] <= '7';
    out += '\\';
    if (next_is_octal || c >= 0100) {
      out += static_cast<char>('0' + (c >> 6));
      out += static_cast<char>('0' + ((c >> 3) & 7));
    } else if (c >= 010) {
      out += static_cast<char>('0' + ((c >> 3) & 7));
    }
    out += static_cast<char>('0' + (c & 7));
  }
  return out;
}

std::string dump(const Event& e, bool with_origin) {
  std::string out;
  if (with_origin) {
    if (!e.origin.file.empty()) {
      out += fmt::format("{}:{} ", e.origin.file, e.origin.line);
    }
    if (e.time.known()) {
      out += e.time.format();
      out += ' ';
    }
  }
  out += fmt::format("{} ", e.pid);
  if (append_signal_or_exit(e, out)) {
    return out;
  }
  out += e.syscall;
  if (!e.path.empty()) {
    out += fmt::format(" path=\"{}\"", escape_bytes(e.path));
  }
  if (!e.path2.empty()) {
    out += fmt::format(" path2=\"{}\"", escape_bytes(e.path2));
  }
  if ((!e.path.empty() || !e.path2.empty()) && !e.path_absolute) {
    out += " relative";
  }
  if (e.fd >= 0) {
    out += fmt::format(" fd={}", e.fd);
  }
  if (!e.fd_path.empty()) {
    out += fmt::format(" fd_path=\"{}\"", escape_bytes(e.fd_path));
  }
  if (e.open_flags >= 0) {
    out += fmt::format(" flags={:#o}", e.open_flags);
  }
  if (e.mode >= 0) {
    out += fmt::format(" mode={:#o}", e.mode);
  }
  if (e.set_id >= 0) {
    out += fmt::format(" id={}", e.set_id);
  }
  if (!e.address.empty()) {
    out += fmt::format(" address=\"{}\"", escape_bytes(e.address));
  }
  if (!e.data.empty() || e.data_truncated) {
    out += fmt::format(" data=\"{}\"{}", escape_bytes(e.data), e.data_truncated ? "..." : "");
  }
  if (!e.argv.empty()) {
    out += " argv=[";
    for (std::size_t i = 0; i < e.argv.size(); ++i) {
      out += fmt::format("{}\"{}\"", i == 0 ? "" : ", ", escape_bytes(e.argv[i]));
    }
    out += ']';
  }
  if (e.unfinished) {
    out += " <unfinished>";
  } else if (!e.ret_known) {
    out += " = ?";
  } else {
    out += fmt::format(" = {}", e.ret);
  }
  if (!e.err.empty()) {
    out += fmt::format(" {}", e.err);
  }
  if (!e.ret_path.empty()) {
    out += fmt::format(" <{}>", escape_bytes(e.ret_path));
  }
  if (with_origin && e.duration_us >= 0) {
    out += fmt::format(" <{}.{:06}>", e.duration_us / 1'000'000, e.duration_us % 1'000'000);
  }
  return out;
}

}  // namespace culprit::tracer
