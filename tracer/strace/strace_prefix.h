// The prefix of an strace line: "[pid N] " / "N " / "N<comm> " (-f, -Y), the -t/-tt/-ttt/-r
// timestamps, and the bracketed fields before the call (-i's instruction pointer, -n's syscall
// number, --secontext's context); plus the two tests that tell strace's lines from other
// text in a log pasted from a terminal (a shell prompt, a line that starts like strace output).
// No side effects: the scanning thread and the parser both use these. The parse of the usual
// layout runs on every line and is inline here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "tracer/model/event.h"
#include "tracer/strace/strace_lex.h"

namespace culprit::tracer::detail {

// user@host:dir# or user@host:dir$ (bash's default PS1) in `s`, as pasted from a terminal: `at` is
// where the prompt starts.
bool has_prompt(std::string_view s, std::size_t& at);

// Parses the line prefix: "[pid N] " / "N " / "N<comm> " / none (#23-#26), then -t/-tt/-ttt/-r
// or -t -r timestamps (#39). Returns false for a broken [pid N] prefix. A Relative timestamp is the
// raw delta (the caller sums). No side effects, so it can also classify lines.
bool parse_prefix_general(std::string_view& s, Pid& pid, Timestamp& ts, bool& has_pid);

// The layout of nearly every line of `strace -f -tt` (the usual flags): "PID HH:MM:SS.uuuuuu ".
// Checked at fixed offsets; anything else goes to the general parser, which gives the same result
// for this layout.
inline bool parse_prefix_fast(std::string_view& s, Pid& pid, Timestamp& ts, bool& has_pid) {
  const char* p = s.data();
  const std::size_t n = s.size();
  std::size_t i = 0;
  std::uint32_t v = 0;
  while (i < n && i < 9) {
    const unsigned d = static_cast<unsigned char>(p[i]) - static_cast<unsigned>('0');
    if (d > 9) {
      break;
    }
    v = v * 10 + d;
    ++i;
  }
  // i digits, then " HH:MM:SS.uuuuuu " (17 bytes), then a body that is not "(+" (-t -r).
  if (i == 0 || n < i + 18 || p[i] != ' ') {
    return false;
  }
  const char* t = p + i + 1;
  auto dd = [](const char* c) {
    const unsigned a = static_cast<unsigned char>(c[0]) - static_cast<unsigned>('0');
    const unsigned b = static_cast<unsigned char>(c[1]) - static_cast<unsigned>('0');
    return (a > 9 || b > 9) ? -1 : static_cast<int>(a * 10 + b);
  };
  const int h = dd(t);
  const int m = dd(t + 3);
  const int sec = dd(t + 6);
  if (h < 0 || m < 0 || sec < 0 || t[2] != ':' || t[5] != ':' || t[8] != '.' || t[15] != ' ') {
    return false;
  }
  std::int64_t frac = 0;
  for (int k = 9; k < 15; ++k) {
    const unsigned d = static_cast<unsigned char>(t[k]) - static_cast<unsigned>('0');
    if (d > 9) {
      return false;
    }
    frac = frac * 10 + d;
  }
  if (n >= i + 19 && t[16] == '(' && t[17] == '+') {
    return false;
  }
  pid = static_cast<Pid>(v);
  has_pid = true;
  ts.kind = Timestamp::Kind::TimeOfDay;
  ts.micros = ((static_cast<std::int64_t>(h) * 60 + m) * 60 + sec) * 1'000'000 + frac;
  s.remove_prefix(i + 17);
  return true;
}

// Bracketed fields between the timestamps and the call, in any order (#53, #54): -n's syscall
// number "[  59] ", -i's instruction pointer "[00007f4ef5c2bad7] " (8 or 16 hex digits, '?' when
// strace could not read it), --secontext's process context "[httpd_t] " or
// "[system_u:system_r:httpd_t:s0] ". Returns the length of the field and the blanks after it, 0
// if `s` does not start with one.
std::size_t bracket_field(std::string_view s);

inline void skip_bracket_fields(std::string_view& s) {
  // Hot: most lines have none, and "[pid N]" was taken by the pid parser.
  for (int k = 0; k < 3 && !s.empty() && s[0] == '['; ++k) {
    const std::size_t n = bracket_field(s);
    if (n == 0) {
      return;
    }
    s.remove_prefix(n);
  }
}

// Parses the prefix; `has_pid` tells whether the line carried a pid (else `pid` is unchanged).
inline bool parse_prefix(std::string_view& s, Pid& pid, Timestamp& ts, bool& has_pid) {
  // Hot: runs on every line.
  has_pid = false;
  if (parse_prefix_fast(s, pid, ts, has_pid) || parse_prefix_general(s, pid, ts, has_pid)) {
    skip_bracket_fields(s);
    return true;
  }
  return false;
}
inline bool parse_prefix(std::string_view& s, Pid& pid, Timestamp& ts) {
  bool has_pid = false;
  return parse_prefix(s, pid, ts, has_pid);
}

// Whether a line (after its prefix) starts like strace output: a call, a resumed call, a signal,
// an exit, or strace's own message. Used to tell program output mixed into a log from strace's.
bool looks_like_strace(std::string_view line);

}  // namespace culprit::tracer::detail
