#include "analyzer/passes/pass_evidence.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

#include "analyzer/core/text.h"

namespace culprit::analyzer {
namespace {

constexpr std::size_t kMaxLine = 4096;

// Characters that end a word naming a file in a message: space, quotes, brackets, separators.
bool token_break(char c) {
  return c == ' ' || c == '\t' || c == '\'' || c == '"' || c == '`' || c == '(' || c == ')' ||
         c == '[' || c == ']' || c == '<' || c == '>' || c == '{' || c == '}' || c == ',' ||
         c == ';' || c == '=' || c == '\r' || c == '\n';
}

}  // namespace

bool errno_can_be_complained_about(std::string_view err) {
  static constexpr std::string_view kProbes[] = {
      "EINVAL",  "ENOTTY", "ESPIPE",      "ENODATA",  "EOPNOTSUPP",
      "ENOTSUP", "ENOSYS", "EAGAIN",      "EINTR",    "EWOULDBLOCK",
      "ECHILD",  "ESRCH",  "EINPROGRESS", "EALREADY", "ENOPROTOOPT"};
  return std::find(std::begin(kProbes), std::end(kProbes), err) == std::end(kProbes);
}

bool looks_like_error(std::string_view line) {
  static constexpr std::array<std::string_view, 24> kWords = {
      "error",           "fail",          "cannot",
      "can't",           "could not",     "couldn't",
      "unable",          "no such file",  "not found",
      "denied",          "fatal",         "missing",
      "invalid",         "refused",       "timed out",
      "warning",         "not permitted", "bad interpreter",
      "no route",        "unreachable",   "does not exist",
      "not a directory", "panic",         "traceback"};
  // Every write of a traced server passes here: the line is lower-cased once, and each word
  // found with memchr-based search (a per-byte tolower per word was most of eBPF attach's CPU).
  const std::string lower = ascii_lower(line);
  const std::string_view hay = lower;
  for (const auto w : kWords) {
    for (std::size_t at = hay.find(w); at != std::string_view::npos; at = hay.find(w, at + 1)) {
      // Words inside paths do not count ("/srv/py-connect-refused/client.py" is no refusal).
      std::size_t b = at;
      while (b > 0 && !token_break(line[b - 1])) {
        --b;
      }
      std::size_t e = at + w.size();
      while (e < line.size() && !token_break(line[e])) {
        ++e;
      }
      if (line.substr(b, e - b).find('/') == std::string_view::npos) {
        return true;
      }
    }
  }
  return false;
}

namespace {

// Whether the word `token` denotes `path`: the same path, the same basename, or a relative
// path that is a suffix of it at a component boundary.
bool token_denotes(std::string_view token, std::string_view path, std::string_view base) {
  // Trailing punctuation of the sentence around the name: "x.conf:", "x.conf.", "x.conf...".
  while (!token.empty() && (token.back() == ':' || token.back() == '.' || token.back() == '!')) {
    token.remove_suffix(1);
  }
  while (token.size() > 2 && token.substr(0, 2) == "./") {
    token.remove_prefix(2);
  }
  if (token == path || token == base) {
    return true;
  }
  if (token.empty() || token.front() == '/' || token.size() >= path.size()) {
    return false;
  }
  return path.substr(path.size() - token.size()) == token &&
         path[path.size() - token.size() - 1] == '/';
}

// Letters and dashes only: a name that is also an ordinary word.
bool plain_word(std::string_view name) {
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
  });
}

}  // namespace

bool line_names(std::string_view line, std::string_view path) {
  if (path.empty() || line.empty()) {
    return false;
  }
  while (path.size() > 1 && path.back() == '/') {
    path.remove_suffix(1);
  }
  // A name with a newline in it spans lines: a line holds it only up to the newline, at its end
  // (a closing quote may follow).
  if (const auto nl = path.find('\n'); nl != std::string_view::npos) {
    const std::string_view head = path.substr(0, nl);
    const auto at = line.rfind(head);
    return head.size() > 1 && head.front() == '/' && at != std::string_view::npos &&
           at + head.size() + 2 >= line.size();
  }
  std::string_view base = path;
  if (const auto slash = base.rfind('/'); slash != std::string_view::npos) {
    base.remove_prefix(slash + 1);
  }
  if (base.size() < 3) {
    return false;
  }
  for (std::size_t pos = line.find(base); pos != std::string_view::npos;
       pos = line.find(base, pos + 1)) {
    std::size_t b = pos;
    while (b > 0 && !token_break(line[b - 1])) {
      --b;
    }
    std::size_t e = pos + base.size();
    while (e < line.size() && !token_break(line[e])) {
      ++e;
    }
    std::string_view token = line.substr(b, e - b);
    // "name: reason" (coreutils, shells): the colon after the name ends the word.
    if (const auto colon = token.find(':', pos - b + base.size());
        colon != std::string_view::npos) {
      token = token.substr(0, colon);
    }
    // "sh: 1: name" / "PREFIX:name": a colon before the name starts it.
    if (const auto colon = token.rfind(':', pos - b);
        colon != std::string_view::npos && colon < pos - b) {
      token.remove_prefix(colon + 1);
    }
    if (!token_denotes(token, path, base)) {
      continue;
    }
    // A plain word ("composer", "host", "config") names the failure only where messages put a
    // name: quoted, or as a "PROG: NAME: reason" field; elsewhere it is just a word.
    if (plain_word(base) && token == base) {
      const char before = b > 0 ? line[b - 1] : '\0';
      const bool quoted = before == '\'' || before == '"' || before == '`';
      const bool field = (b == 0 || (b >= 2 && line[b - 2] == ':' && line[b - 1] == ' ')) &&
                         pos + base.size() < line.size() && line[pos + base.size()] == ':';
      if (!quoted && !field) {
        continue;
      }
    }
    return true;
  }
  return false;
}

bool line_names_address(std::string_view line, std::string_view address) {
  const auto colon = address.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 >= address.size()) {
    return false;
  }
  if (line.find(address) != std::string_view::npos) {
    return true;
  }
  std::string_view host = address.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const std::string_view port = address.substr(colon + 1);
  const auto at = line.find(host);
  if (at == std::string_view::npos) {
    return false;
  }
  const std::string_view rest = line.substr(at + host.size());
  for (const std::string_view sep : {" port ", ", port ", "\" port "}) {
    if (rest.substr(0, sep.size()) == sep) {
      const std::string_view p = rest.substr(sep.size(), port.size());
      const std::size_t after = sep.size() + port.size();
      return p == port &&
             (after >= rest.size() || std::isdigit(static_cast<unsigned char>(rest[after])) == 0);
    }
  }
  return false;
}

std::uint64_t LineAssembler::key(tracer::Pid pid, std::int32_t fd) {
  return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(pid)) << 32) |
         static_cast<std::uint32_t>(fd);
}

std::vector<LineAssembler::Line> LineAssembler::add(const tracer::Event& write, bool& began) {
  std::vector<Line> done;
  const auto k = key(write.pid, write.fd);
  auto it = partial_.find(k);
  began = it == partial_.end();
  std::string_view d = write.data;
  while (!d.empty()) {
    if (it == partial_.end()) {
      Line fresh;
      fresh.first = write;
      fresh.first.data.clear();
      it = partial_.emplace(k, std::move(fresh)).first;
    }
    const auto nl = d.find('\n');
    const auto piece = d.substr(0, nl);
    Line& cur = it->second;
    cur.text.append(piece.substr(0, kMaxLine - std::min(kMaxLine, cur.text.size())));
    if (nl == std::string_view::npos) {
      // strace cut the buffer here (-s): what the program wrote next is unknown, so the line
      // ends; joining the next write to it would make up a message.
      if (cur.text.size() >= kMaxLine || write.data_truncated) {
        done.push_back(std::move(cur));
        partial_.erase(it);
        it = partial_.end();
      }
      break;
    }
    d.remove_prefix(nl + 1);
    if (!cur.text.empty() && cur.text.back() == '\r') {
      cur.text.pop_back();
    }
    done.push_back(std::move(cur));
    partial_.erase(it);
    it = partial_.end();
  }
  return done;
}

std::vector<LineAssembler::Line> LineAssembler::flush(tracer::Pid pid) {
  std::vector<Line> out;
  for (auto it = partial_.begin(); it != partial_.end();) {
    if (static_cast<tracer::Pid>(it->first >> 32) == pid) {
      out.push_back(std::move(it->second));
      it = partial_.erase(it);
    } else {
      ++it;
    }
  }
  return out;
}

std::vector<LineAssembler::Line> LineAssembler::flush_all() {
  std::vector<Line> out;
  for (auto& [k, line] : partial_) {
    out.push_back(std::move(line));
  }
  partial_.clear();
  std::sort(out.begin(), out.end(),
            [](const Line& a, const Line& b) { return a.first.time.micros < b.first.time.micros; });
  return out;
}

}  // namespace culprit::analyzer
