// Writes Events as strace -f -tt -T -y lines. Values are written the way the reader parses them
// back: numbers for flags (as strace -X raw prints them), -y annotations for fds and returned
// paths, strace's string escaping (with '<' and '>' escaped inside annotations, as strace does).
#include "tracer/strace/log_writer.h"

#include <fmt/format.h>

#include <cstdint>

#include "tracer/model/errno_names.h"
#include "tracer/model/syscall_table.h"

namespace culprit::tracer {
namespace {

void quoted(std::string& out, std::string_view s, bool truncated = false) {
  out += '"';
  out += escape_bytes(s);
  out += '"';
  if (truncated) {
    out += "...";
  }
}

// Inside "<...>" strace escapes the brackets themselves as octal.
void annotation(std::string& out, std::string_view s) {
  out += '<';
  for (const char c : escape_bytes(s)) {
    if (c == '<') {
      out += "\\74";
    } else if (c == '>') {
      out += "\\76";
    } else {
      out += c;
    }
  }
  out += '>';
}

void fd_arg(std::string& out, int fd, std::string_view path) {
  out += fmt::format("{}", fd);
  if (!path.empty()) {
    annotation(out, path);
  }
}

void sockaddr(std::string& out, const Event& e) {
  if (!e.path.empty()) {
    out += "{sa_family=AF_UNIX, sun_path=";
    if (e.path.front() == '@') {
      out += '@';
      quoted(out, std::string_view(e.path).substr(1));
    } else {
      quoted(out, e.path);
    }
    out += '}';
    return;
  }
  const std::size_t colon = e.address.rfind(':');
  if (e.address.empty() || colon == std::string::npos) {
    out += "NULL";
    return;
  }
  const std::string_view port = std::string_view(e.address).substr(colon + 1);
  if (e.address.front() == '[') {
    const std::string_view ip = std::string_view(e.address).substr(1, colon - 2);
    out += fmt::format(
        "{{sa_family=AF_INET6, sin6_port=htons({}), sin6_flowinfo=htonl(0), "
        "inet_pton(AF_INET6, \"{}\", &sin6_addr), sin6_scope_id=0}}",
        port, ip);
  } else {
    out += fmt::format("{{sa_family=AF_INET, sin_port=htons({}), sin_addr=inet_addr(\"{}\")}}",
                       port, std::string_view(e.address).substr(0, colon));
  }
}

// The length strace prints beside a buffer: the recorded bytes, or, when the record was cut
// (-s, --no-data), the byte count the call returned, the best known lower bound of the request.
std::size_t buffer_length(const Event& e) {
  if (e.data_truncated && e.ret_known && e.ret > 0 &&
      static_cast<std::uint64_t>(e.ret) > e.data.size()) {
    return static_cast<std::size_t>(e.ret);
  }
  return e.data.size();
}

void iovec(std::string& out, const Event& e) {
  out += "[{iov_base=";
  quoted(out, e.data, e.data_truncated);
  out += fmt::format(", iov_len={}}}]", buffer_length(e));
}

void syscall_args(std::string& out, const Event& e, const SyscallInfo& row) {
  const int n = row.arg_count();
  for (int k = 0; k < n; ++k) {
    const ArgType t = row.args[static_cast<std::size_t>(k)];
    if ((t == ArgType::Mode || t == ArgType::AccessMode) && e.mode < 0) {
      break;  // strace prints open's mode only with O_CREAT/O_TMPFILE: it is the last argument
    }
    if (k > 0) {
      out += ", ";
    }
    switch (t) {
      case ArgType::Path:
        quoted(out, row.paths[1].path == k ? e.path2 : e.path);
        break;
      case ArgType::DirFd:
        out += "AT_FDCWD";
        break;
      case ArgType::Fd:
        if (k == row.fd_arg() && e.fd >= 0) {
          fd_arg(out, e.fd, e.fd_path);
        } else {
          out += "-1";
        }
        break;
      case ArgType::OpenFlags:
        out += fmt::format("{:#x}", e.open_flags < 0 ? 0 : e.open_flags);
        break;
      case ArgType::Mode:
      case ArgType::AccessMode:
        out += fmt::format("0{:o}", e.mode < 0 ? 0 : e.mode);
        break;
      case ArgType::Buffer:
        if (e.data.empty() && !e.data_truncated) {
          out += "NULL";
        } else {
          quoted(out, e.data, e.data_truncated);
        }
        break;
      case ArgType::Size:
        out += fmt::format("{}", buffer_length(e));
        break;
      case ArgType::SockAddr:
        sockaddr(out, e);
        break;
      case ArgType::Argv:
        out += '[';
        for (std::size_t i = 0; i < e.argv.size(); ++i) {
          if (i > 0) {
            out += ", ";
          }
          quoted(out, e.argv[i]);
        }
        out += ']';
        break;
      case ArgType::LinkTarget:
        quoted(out, e.path2);
        break;
      case ArgType::String:
        out += "\"\"";
        break;
      case ArgType::OpenHow:
        out += fmt::format("{{flags={:#x}, mode=0{:o}, resolve=0}}",
                           e.open_flags < 0 ? 0 : e.open_flags, e.mode < 0 ? 0 : e.mode);
        break;
      case ArgType::Iovec:
        iovec(out, e);
        break;
      case ArgType::Msghdr:
        out += "{msg_name=NULL, msg_namelen=0, msg_iov=";
        iovec(out, e);
        out += ", msg_iovlen=1, msg_controllen=0, msg_flags=0}";
        break;
      case ArgType::Ptr:
        out += "NULL";
        break;
      case ArgType::Int:
      case ArgType::AtFlags:
      case ArgType::None:
        out += '0';
        break;
    }
  }
}

}  // namespace

LogWriter::LogWriter(std::FILE* out) : out_(out) {}

std::string LogWriter::format_line(const Event& e) {
  std::string out = fmt::format("{:<5} ", e.pid);
  if (e.time.known()) {
    out += e.time.format();
    out += ' ';
  }
  if (append_signal_or_exit(e, out)) {
    return out;
  }
  out += e.syscall;
  out += '(';
  if (const SyscallInfo* row = find_syscall(std::string_view(e.syscall)); row != nullptr) {
    syscall_args(out, e, *row);
  }
  if (e.unfinished) {
    out += " <detached ...>";
    return out;
  }
  out += ") = ";
  if (!e.ret_known) {
    out += '?';
  } else {
    out += fmt::format("{}", e.ret);
    if (!e.ret_path.empty()) {
      annotation(out, e.ret_path);
    }
  }
  if (!e.err.empty()) {
    const std::string text = errno_text(e.err);
    out += fmt::format(" {} ({})", e.err, text.empty() ? "Unknown error" : text);
  }
  if (e.duration_us >= 0) {
    out += fmt::format(" <{}.{:06}>", e.duration_us / 1'000'000, e.duration_us % 1'000'000);
  }
  return out;
}

void LogWriter::on_event(const Event& event) {
  line_ = format_line(event);
  line_ += '\n';
  std::fwrite(line_.data(), 1, line_.size(), out_);
}

}  // namespace culprit::tracer
