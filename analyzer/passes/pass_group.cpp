#include "analyzer/passes/pass_group.h"

#include <fmt/format.h>

#include <algorithm>

namespace culprit::analyzer {
namespace {

// Keeps summaries short and printable: strace-like escapes for control bytes and quotes.
void append_quoted(std::string& out, std::string_view s, std::size_t limit = 200) {
  out += '"';
  std::size_t n = 0;
  for (const char ch : s) {
    if (++n > limit) {
      out += "\"...";
      return;
    }
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\{:o}", c);
    } else {
      out += ch;
    }
  }
  out += '"';
}

std::string open_flags_text(std::int32_t flags) {
  namespace of = tracer::open_flag;
  std::string out;
  switch (flags & of::AccMode) {
    case of::WrOnly:
      out = "O_WRONLY";
      break;
    case of::RdWr:
      out = "O_RDWR";
      break;
    default:
      out = "O_RDONLY";
  }
  const std::pair<std::int32_t, const char*> names[] = {
      {of::Creat, "O_CREAT"},   {of::Excl, "O_EXCL"},           {of::Trunc, "O_TRUNC"},
      {of::Append, "O_APPEND"}, {of::Directory, "O_DIRECTORY"}, {of::NoFollow, "O_NOFOLLOW"}};
  for (const auto& [bit, name] : names) {
    if ((flags & bit) != 0) {
      out += '|';
      out += name;
    }
  }
  return out;
}

}  // namespace

std::string summarize(const tracer::Event& e) {
  std::string out = e.syscall;
  out += '(';
  bool first = true;
  auto sep = [&] {
    if (!first) {
      out += ", ";
    }
    first = false;
  };
  if (e.fd >= 0 && e.path.empty()) {
    sep();
    out += std::to_string(e.fd);
  }
  if (!e.path.empty()) {
    sep();
    append_quoted(out, e.path);
  }
  if (!e.path2.empty()) {
    sep();
    append_quoted(out, e.path2);
  }
  if (!e.address.empty()) {
    sep();
    out += e.address;
  }
  if (e.open_flags >= 0) {
    sep();
    out += open_flags_text(e.open_flags);
  }
  if (!e.argv.empty() && !e.path.empty()) {
    sep();
    out += '[';
    for (std::size_t i = 0; i < e.argv.size() && i < 4; ++i) {
      if (i != 0) {
        out += ", ";
      }
      append_quoted(out, e.argv[i], 60);
    }
    out += e.argv.size() > 4 ? ", ...]" : "]";
  }
  out += ')';
  if (!e.ret_known) {
    out += " = ?";
  } else {
    out += fmt::format(" = {}", e.ret);
  }
  if (!e.err.empty()) {
    out += ' ';
    out += e.err;
  }
  return out;
}

bool is_check_syscall(std::string_view s) {
  static constexpr std::string_view kChecks[] = {
      "access",     "faccessat",  "faccessat2", "stat",     "lstat",      "stat64",   "lstat64",
      "newfstatat", "fstatat64",  "statx",      "readlink", "readlinkat", "getxattr", "lgetxattr",
      "listxattr",  "llistxattr", "statfs",     "statfs64", "utime",      "utimes",   "utimensat"};
  return std::find(std::begin(kChecks), std::end(kChecks), s) != std::end(kChecks);
}

namespace {
bool creating_syscall(std::string_view s) {
  return s == "mkdir" || s == "mkdirat" || s == "bind" || s == "mknod" || s == "mknodat" ||
         s == "creat" || s == "symlink" || s == "symlinkat";
}
}  // namespace

bool FailureGroup::creates() const {
  return create_seen || (open_flags >= 0 && (open_flags & tracer::open_flag::Creat) != 0);
}

bool FailureGroup::has_pid(tracer::Pid pid) const {
  return std::find(pids.begin(), pids.end(), pid) != pids.end();
}

std::optional<std::uint32_t> GroupTable::add(const tracer::Event& e, tracer::Family family,
                                             std::uint64_t seq, bool& created) {
  created = false;
  const std::string_view where =
      !e.path.empty()
          ? std::string_view(e.path)
          : (!e.address.empty() ? std::string_view(e.address) : std::string_view(e.fd_path));
  key_.assign(where);
  key_ += '\0';
  key_ += e.err;
  key_ += '\0';
  key_ += static_cast<char>('0' + static_cast<int>(family));
  if (where.empty()) {
    // No object: keep separate syscalls apart ("ioctl EINVAL" is not "read EINVAL").
    key_ += '\0';
    key_ += e.syscall;
  }
  std::uint32_t index = 0;
  if (const auto it = index_.find(std::string_view(key_)); it != index_.end()) {
    index = it->second;
  } else {
    if (groups_.size() >= max_groups_) {
      ++dropped_events_;
      // Count distinct dropped keys exactly up to a bound, then every new drop as a new group.
      const std::uint64_t h = StringHash{}(key_);
      if (dropped_keys_.size() < (1U << 20)) {
        if (dropped_keys_.insert(h).second) {
          ++dropped_groups_;
        }
      } else if (dropped_keys_.count(h) == 0) {
        ++dropped_groups_;
      }
      return std::nullopt;
    }
    index = static_cast<std::uint32_t>(groups_.size());
    index_.emplace(key_, index);
    FailureGroup& g = groups_.emplace_back();
    g.path = e.path;
    if (g.path.empty() && e.address.empty()) {
      g.path = e.fd_path;
    }
    g.address = e.address;
    g.errno_name = e.err;
    g.family = family;
    g.syscall = e.syscall;
    g.open_flags = e.open_flags;
    g.mode = e.mode;
    g.argv = e.argv;
    g.first_seen = e.time;
    g.first_seq = seq;
    created = true;
  }
  FailureGroup& g = groups_[index];
  if (!g.used && !is_check_syscall(e.syscall)) {
    g.used = true;
    // The call that uses the path tells what it wanted (O_CREAT...), not the stat before it.
    g.syscall = e.syscall;
  }
  if (e.open_flags >= 0 && (g.open_flags < 0 || (e.open_flags & tracer::open_flag::Creat) != 0)) {
    g.open_flags = e.open_flags;
  }
  if (creating_syscall(e.syscall)) {
    g.create_seen = true;  // connect() probe, then bind(): the group is about making the socket
  }
  ++g.count;
  g.last_seen = e.time;
  g.last_seq = seq;
  if (g.pids.size() < FailureGroup::kMaxPids && !g.has_pid(e.pid)) {
    g.pids.push_back(e.pid);
  }
  if (g.evidence.size() < FailureGroup::kMaxEvidence) {
    g.evidence.push_back(
        EvidenceRef{std::string(e.origin.file), e.origin.line, e.pid, e.time, summarize(e)});
  }
  return index;
}

}  // namespace culprit::analyzer
