// The stateless line scan of a block (see line_scanner.h).
#include "tracer/strace/line_scanner.h"

#include <cstring>

#include "tracer/strace/strace_prefix.h"

namespace culprit::tracer::detail {

namespace {

// Whether a call text outside the table is a complete, successful call: the return after the
// last '=' (annotations of failures never contain one) is neither "-1" nor "? E...", and the '='
// follows a blank. Good enough for "a line with ')' and a return": what is skipped is only counted.
bool complete_success(std::string_view t) {
  const void* found = memrchr(t.data(), '=', t.size());
  if (found == nullptr) {
    return false;
  }
  const char* const eq = static_cast<const char*>(found);
  const std::string_view ret = trim(t.substr(static_cast<std::size_t>(eq - t.data()) + 1));
  return !ret.empty() && !(starts_with(ret, "-1") || starts_with(ret, "? E")) && eq > t.data() &&
         *(eq - 1) == ' ';
}

}  // namespace

CallLine classify_call(std::string_view body, std::size_t paren, bool all_syscalls) {
  CallLine c;
  c.row = find_syscall(body.substr(0, paren));
  std::string_view t = body;
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) {
    t.remove_suffix(1);
  }
  if (!t.empty() && t.back() == '>') {
    const std::size_t lt = t.rfind('<');
    if (lt != std::string_view::npos) {
      const std::string_view marker = t.substr(lt);
      if (starts_with(marker, "<unfinished")) {
        c.kind = CallLine::Kind::Unfinished;
        c.text = t.substr(0, lt);
        return c;
      }
      if (starts_with(marker, "<detached")) {
        c.kind = CallLine::Kind::Detached;
        c.text = t.substr(0, lt);
        return c;
      }
    }
  }
  c.text = t;
  if (c.row == nullptr && !all_syscalls && complete_success(t)) {
    c.kind = CallLine::Kind::Skip;
  }
  return c;
}

void LineScanner::scan(std::string_view block, ScannedLines& scanned) const {
  scanned.clear();
  std::vector<LineRec>& out = scanned.lines;
  // (memchr on an empty view's null data() is undefined even for 0 bytes.)
  const bool has_escape =
      !block.empty() && std::memchr(block.data(), '\x1b', block.size()) != nullptr;
  scanned.has_escape = has_escape;
  const char* const base = block.data();
  const char* p = base;
  const char* const end = p + block.size();
  while (p < end) {
    const char* nl =
        static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
    const char* e = nl == nullptr ? end : nl;
    LineRec& r = out.emplace_back();
    r.off = static_cast<std::size_t>(p - base);
    r.len = static_cast<std::size_t>(e - p);
    if (!has_escape) {
      classify(std::string_view(p, r.len), r, scanned.args);
    }
    p = nl == nullptr ? end : nl + 1;
  }
}

void LineScanner::classify(std::string_view line, LineRec& r, std::vector<Args>& args) const {
  if (!line.empty() && line.back() == '\r') {
    line.remove_suffix(1);  // as feed_line() does
  }
  if (line.empty() || line.size() > 0xffffffffU) {
    return;
  }
  std::string_view s = line;
  bool has_pid = false;
  if (!parse_prefix(s, r.pid, r.ts, has_pid)) {
    return;
  }
  r.flags = LineRec::kPrefix | (has_pid ? LineRec::kHasPid : 0);
  r.body = static_cast<std::uint32_t>(s.data() - line.data());
  // kSkip: the fast path of syscall_line(). Not for lines that handle_line() may take as a
  // continuation (leading blank) or whose -r delta process() must sum.
  if (s.empty() || line.front() == ' ' || line.front() == '\t' ||
      r.ts.kind == Timestamp::Kind::Relative || all_syscalls_) {
    return;
  }
  const char c = s.front();
  if (!is_name_char(c) || is_digit(c)) {
    return;
  }
  std::size_t k = 0;
  while (k < s.size() && is_name_char(s[k])) {
    ++k;
  }
  if (k >= s.size() || s[k] != '(') {
    return;
  }
  const CallLine call = classify_call(s, k, all_syscalls_);
  switch (call.kind) {
    case CallLine::Kind::Unfinished:
    case CallLine::Kind::Detached:
      return;  // the parser's: pending calls are state
    case CallLine::Kind::Skip:
      r.flags |= LineRec::kSkip;
      return;
    case CallLine::Kind::Call:
      split(call.text, k, r, args);
      r.row = call.row;
      return;
  }
}

void LineScanner::split(std::string_view t, std::size_t k, LineRec& r, std::vector<Args>& args) {
  r.args = static_cast<std::uint32_t>(args.size());
  r.text_len = t.size();
  split_args(t.substr(k + 1), args.emplace_back());
}

}  // namespace culprit::tracer::detail
