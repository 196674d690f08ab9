// Line prefixes of strace logs (see strace_prefix.h).
#include "tracer/strace/strace_prefix.h"

#include <algorithm>

namespace culprit::tracer::detail {

bool has_prompt(std::string_view s, std::size_t& at) {
  // user@host:dir# or user@host:dir$ (bash's default PS1), as pasted from a terminal.
  std::size_t from = 0;
  while (true) {
    const std::size_t atsign = s.find('@', from);
    if (atsign == std::string_view::npos) {
      return false;
    }
    from = atsign + 1;
    std::size_t b = atsign;
    while (b > 0 && (is_name_char(s[b - 1]) || s[b - 1] == '-' || s[b - 1] == '.')) {
      --b;
    }
    if (b == atsign) {
      continue;
    }
    std::size_t e = atsign + 1;
    while (e < s.size() && (is_name_char(s[e]) || s[e] == '-' || s[e] == '.')) {
      ++e;
    }
    if (e == atsign + 1 || e >= s.size() || s[e] != ':') {
      continue;
    }
    const std::size_t mark = s.find_first_of("#$", e);
    if (mark == std::string_view::npos ||
        s.substr(e, mark - e).find(' ') != std::string_view::npos) {
      continue;
    }
    if (mark + 1 == s.size() || s[mark + 1] == ' ') {
      at = b;
      return true;
    }
  }
}

bool parse_prefix_general(std::string_view& s, Pid& pid, Timestamp& ts, bool& has_pid) {
  const char* p = s.data();
  const char* const end = p + s.size();
  auto digits = [&](const char*& q, std::int64_t& v) {
    const char* start = q;
    v = 0;
    while (q < end && q - start < 18) {
      const unsigned d = static_cast<unsigned char>(*q) - static_cast<unsigned>('0');
      if (d > 9) {
        break;
      }
      v = v * 10 + d;
      ++q;
    }
    return q > start;
  };
  // ---- pid (#23-#25) ----
  if (end - p >= 4 && std::memcmp(p, "[pid", 4) == 0) {
    const char* q = p + 4;
    while (q < end && *q == ' ') {
      ++q;
    }
    std::int64_t v = 0;
    if (!digits(q, v) || q >= end || *q != ']') {
      return false;
    }
    pid = static_cast<Pid>(v);
    has_pid = true;
    p = std::min(end, q + 2);
  } else if (p < end && is_digit(*p)) {
    const char* q = p;
    std::int64_t v = 0;
    digits(q, v);
    if (q < end && (*q == ' ' || *q == '<')) {
      pid = static_cast<Pid>(v);
      has_pid = true;
      if (*q == '<') {  // -Y: "16895<cat> "; a comm may contain spaces but not "> "
        const std::size_t e = std::string_view(q, static_cast<std::size_t>(end - q)).find("> ");
        if (e == std::string_view::npos) {
          return false;
        }
        q += e + 1;
      }
      while (q < end && *q == ' ') {
        ++q;
      }
      p = q;
    }
  }
  // ---- timestamps (#39): HH:MM:SS[.frac], SECS.frac (-ttt, -r), "(+ delta) " after -t ----
  const char* q = p;
  while (q < end && *q == ' ') {
    ++q;
  }
  std::int64_t a = 0;
  // Bounds keep `micros` from overflowing on digit runs that are no timestamp (UBSan; reproducer
  // fuzz/crashes/strace_log/timestamp-overflow.log): hours of -t/-tt have two digits, seconds of
  // -ttt/-r fewer than 13 (the year 33658).
  if (digits(q, a) && q < end && ((*q == ':' && a < 100) || (*q == '.' && a < 1'000'000'000'000))) {
    std::int64_t micros = 0;
    Timestamp::Kind kind = Timestamp::Kind::None;
    bool ok = true;
    if (*q == ':') {
      if (end - q >= 6 && q[3] == ':' && is_digit(q[1]) && is_digit(q[2]) && is_digit(q[4]) &&
          is_digit(q[5])) {
        const int m = (q[1] - '0') * 10 + (q[2] - '0');
        const int sec = (q[4] - '0') * 10 + (q[5] - '0');
        micros = ((a * 60 + m) * 60 + sec) * 1'000'000;
        kind = Timestamp::Kind::TimeOfDay;
        q += 6;
      } else {
        ok = false;
      }
    } else {
      micros = a * 1'000'000;
      kind = a >= 100'000'000 ? Timestamp::Kind::Epoch : Timestamp::Kind::Relative;
    }
    if (ok && q < end && *q == '.') {
      ++q;
      std::int64_t frac = 0;
      int n = 0;
      while (q < end && is_digit(*q)) {
        if (n < 6) {
          frac = frac * 10 + (*q - '0');
          ++n;
        }
        ++q;
      }
      for (; n < 6; ++n) {
        frac *= 10;
      }
      micros += frac;
    }
    if (ok && q < end && *q == ' ') {
      ts.kind = kind;
      ts.micros = micros;
      p = q + 1;
      if (end - p >= 2 && p[0] == '(' && p[1] == '+') {  // -t -r: "(+     0.000078) "
        const std::size_t e = std::string_view(p, static_cast<std::size_t>(end - p)).find(") ");
        if (e != std::string_view::npos) {
          p += e + 2;
        }
      }
    }
  }
  s = std::string_view(p, static_cast<std::size_t>(end - p));
  return true;
}

std::size_t bracket_field(std::string_view s) {
  const std::size_t close = s.find(']', 1);
  if (close == std::string_view::npos || close > 256 || close + 1 >= s.size() ||
      s[close + 1] != ' ') {
    return 0;
  }
  const std::string_view body = s.substr(1, close - 1);
  if (body.empty() || starts_with(body, "pid")) {
    return 0;
  }
  auto all = [&](auto pred) { return std::all_of(body.begin(), body.end(), pred); };
  const std::string_view digits = trim(body);
  const bool number = !digits.empty() && std::all_of(digits.begin(), digits.end(), is_digit);
  const bool pointer = (body.size() == 8 || body.size() == 16) && all([](char c) {
                         return is_digit(c) || (c >= 'a' && c <= 'f') || c == '?';
                       });
  // SELinux contexts: user:role:type:level[:categories] ("system_u:system_r:httpd_t:s0"), or
  // the type alone ("httpd_t", --secontext without =full). Not any bracketed text with a colon:
  // a program's "[2024-01-01T10:00:00]" is output, not a field.
  const bool context = [&] {
    if (!all([](char c) {
          return is_name_char(c) || c == ':' || c == '.' || c == ',' || c == '-' || c == '!';
        })) {
      return false;
    }
    if (body.find(':') == std::string_view::npos) {
      return ends_with(body, "_t");
    }
    std::size_t from = 0;
    for (int field = 0; field < 2; ++field) {
      from = body.find(':', from);
      if (from == std::string_view::npos) {
        return false;
      }
      ++from;
    }
    const std::size_t type_end = body.find(':', from);
    return type_end != std::string_view::npos &&
           ends_with(body.substr(from, type_end - from), "_t");
  }();
  if (!number && !pointer && !context) {
    return 0;
  }
  std::size_t i = close + 1;
  while (i < s.size() && s[i] == ' ') {
    ++i;
  }
  return i;
}

bool looks_like_strace(std::string_view line) {
  Pid pid = 0;
  Timestamp ts;
  if (!parse_prefix(line, pid, ts) || line.empty()) {
    return false;
  }
  if (starts_with(line, "<... ") || starts_with(line, "--- ") || starts_with(line, "+++ ") ||
      starts_with(line, "strace: ") || starts_with(line, "[ Process PID=")) {
    return true;
  }
  std::size_t k = 0;
  while (k < line.size() && is_name_char(line[k])) {
    ++k;
  }
  return k > 0 && k < line.size() && line[k] == '(' && !is_digit(line[0]);
}

}  // namespace culprit::tracer::detail
