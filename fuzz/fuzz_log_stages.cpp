// Fuzz target: the log reader's stateless stages, each on its own, with the invariants the
// reader builds on (fuzz_strace_log covers them together, through the whole analysis):
//   - paste repair (tracer/strace/paste_repair.h): detect the damage, repair every line; repaired
//   lines
//     hold no '\n', their line numbers never go back and never pass the input's, and a clean
//     input (no damage found) comes out byte for byte as it went in (without '\r');
//   - pasted twice (tracer/strace/pasted_twice.h): what comes out is the input's lines in their
//   order,
//     minus whole dropped runs, each line with its own number;
//   - the line scanner (tracer/strace/line_scanner.h): line records cover the block in order,
//   inside it;
//   - lexing (tracer/strace/strace_lex.h): split_args never yields more than kMaxArgs arguments,
//   each a
//     view inside its input; quoted_at's end is inside the input; unescape_into never grows a
//     body by more than its length;
//   - the prefix parser (tracer/strace/strace_prefix.h): what is left is a suffix of the line.
// Also: compressed input (tracer/strace/log_stream.h) from a pipe, which must end or fail, never
// hang.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "tracer/strace/line_scanner.h"
#include "tracer/strace/log_stream.h"
#include "tracer/strace/paste_repair.h"
#include "tracer/strace/pasted_twice.h"
#include "tracer/strace/strace_lex.h"
#include "tracer/strace/strace_prefix.h"

namespace {

using namespace culprit::tracer;

void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz_log_stages: invariant broken: %s\n", what);
    std::abort();
  }
}

bool inside(std::string_view part, std::string_view whole) {
  return part.empty() ||
         (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

void paste(std::string_view text) {
  const PasteDamage damage = detect_paste_damage(text);
  PasteRepair repair(damage);
  std::uint64_t last = 0;
  std::string joined;
  const PasteRepair::Out out = [&](std::string_view line, std::uint64_t no) {
    require(line.find('\n') == std::string_view::npos, "a repaired line holds no newline");
    require(no >= last, "line numbers never go back");
    last = no;
    joined.append(line);
    joined += '\n';
  };
  std::uint64_t no = 0;
  std::string expect;
  for (std::size_t pos = 0; pos < text.size();) {
    const std::size_t nl = std::min(text.find('\n', pos), text.size());
    std::string_view line = text.substr(pos, nl - pos);
    repair.feed(line, ++no, out);
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    expect.append(line);
    expect += '\n';
    pos = nl + 1;
  }
  repair.finish(out);
  require(last <= no, "no line number past the input");
  if (!damage.any()) {
    require(joined == expect, "an undamaged input passes through unchanged");
  }
  (void)strace_line_cut(text.substr(0, std::min<std::size_t>(text.size(), 4096)));
}

void twice(std::string_view text) {
  std::vector<std::string_view> lines;
  for (std::size_t pos = 0; pos < text.size();) {
    const std::size_t nl = std::min(text.find('\n', pos), text.size());
    lines.push_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  PastedTwice filter;
  std::uint64_t next = 1;  // the first input line number not yet accounted for
  const PastedTwice::Out out = [&](std::string_view line, std::uint64_t no) {
    require(no >= next && no <= lines.size(), "lines come out in order, once");
    require(line == lines[no - 1], "a line comes out as it went in");
    next = no + 1;
  };
  const PastedTwice::Dropped dropped = [&](std::uint64_t first, std::uint64_t last) {
    require(first >= next && first <= last && last <= lines.size(), "a dropped run is in order");
    next = last + 1;
  };
  std::uint64_t no = 0;
  for (const std::string_view line : lines) {
    filter.feed(line, ++no, out, dropped);
  }
  filter.finish(out, dropped);
}

void scan(std::string_view text) {
  detail::LineScanner scanner(false);
  detail::ScannedLines scanned;
  scanner.scan(text, scanned);
  std::size_t end = 0;
  for (const auto& r : scanned.lines) {
    require(r.off >= end && r.off + r.len <= text.size(), "line records in order, in the block");
    end = r.off + r.len;
  }
}

void lex(std::string_view text) {
  const std::string_view line = text.substr(0, std::min(text.find('\n'), text.size()));
  detail::Args a;
  detail::split_args(line, a);
  require(a.n <= detail::kMaxArgs, "at most kMaxArgs arguments");
  for (std::size_t i = 0; i < a.n; ++i) {
    require(inside(a.v[i], line), "arguments are views of the line");
  }
  std::string_view body;
  bool truncated = false;
  std::size_t end = 0;
  if (detail::quoted_at(line, body, truncated, end)) {
    require(end <= line.size() && inside(body, line), "a string is inside its line");
    std::string out;
    detail::unescape_into(body, out);
    require(out.size() <= body.size(), "unescaping never grows a string");
  }
  int fd = 0;
  std::string_view annotation;
  if (detail::parse_fd(line, fd, annotation)) {
    require(inside(annotation, line), "an fd annotation is inside its argument");
  }
  (void)detail::parse_open_flags(line);
  (void)detail::parse_mode(line);
  std::string_view rest = line;
  Pid pid = 0;
  Timestamp ts;
  if (detail::parse_prefix(rest, pid, ts)) {
    require(inside(rest, line) && rest.data() + rest.size() == line.data() + line.size(),
            "the prefix parser leaves a suffix of the line");
  }
  (void)detail::looks_like_strace(line);
}

void compressed(std::string_view data) {
  int fds[2];
  if (data.size() > 60000 || pipe(fds) != 0) {
    return;  // a pipe buffer holds 64 KiB: write all, then read, in one thread
  }
  const ssize_t put = write(fds[1], data.data(), data.size());
  close(fds[1]);
  if (put == static_cast<ssize_t>(data.size())) {
    LogStream in(fds[0]);
    char buf[4096];
    std::size_t total = 0;
    for (ssize_t got = 0; (got = in.read(buf, sizeof buf)) > 0;) {
      total += static_cast<std::size_t>(got);
      require(total < (std::size_t{1} << 30), "decompression ends");
    }
  }
  close(fds[0]);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  paste(text);
  twice(text);
  scan(text);
  lex(text);
  compressed(text);
  return 0;
}
