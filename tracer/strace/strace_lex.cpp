// Lexing of strace's text (see strace_lex.h).
#include "tracer/strace/strace_lex.h"

#include <algorithm>
#include <charconv>

#include "tracer/strace/process_state.h"

namespace culprit::tracer::detail {

std::size_t parse_int(std::string_view s, std::int64_t& out) {
  std::size_t i = 0;
  bool neg = false;
  if (i < s.size() && s[i] == '-') {
    neg = true;
    ++i;
  }
  if (i + 1 < s.size() && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
    std::uint64_t v = 0;
    const auto [p, ec] = std::from_chars(s.data() + i + 2, s.data() + s.size(), v, 16);
    if (ec != std::errc() || p == s.data() + i + 2) {
      return 0;
    }
    out = static_cast<std::int64_t>(v);
    out = neg ? -out : out;
    return static_cast<std::size_t>(p - s.data());
  }
  // Decimal: a plain loop (from_chars' generality costs on every pid, time and return value).
  // More than 18 digits would overflow: hand those to from_chars, which reports it.
  std::uint64_t v = 0;
  std::size_t j = i;
  while (j < s.size() && j - i < 18 && is_digit(s[j])) {
    v = v * 10 + static_cast<std::uint64_t>(s[j] - '0');
    ++j;
  }
  if (j == i) {
    return 0;
  }
  if (j < s.size() && is_digit(s[j])) {
    const auto [p, ec] = std::from_chars(s.data() + i, s.data() + s.size(), v, 10);
    if (ec != std::errc()) {
      return 0;
    }
    j = static_cast<std::size_t>(p - s.data());
  }
  out = static_cast<std::int64_t>(v);
  out = neg ? -out : out;
  return j;
}

std::int32_t parse_octal(std::string_view s) {
  std::uint32_t v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 8);
  if (ec != std::errc() || p == s.data()) {
    return -1;
  }
  return static_cast<std::int32_t>(v & 07777777);
}

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

}  // namespace

void unescape_into(std::string_view s, std::string& out) {
  // Most strings (paths) have no escape at all: copy runs between backslashes in bulk.
  const void* bs = s.empty() ? nullptr : std::memchr(s.data(), '\\', s.size());
  if (bs == nullptr) {
    out.append(s);
    return;
  }
  const auto first = static_cast<std::size_t>(static_cast<const char*>(bs) - s.data());
  out.append(s.substr(0, first));
  for (std::size_t i = first; i < s.size(); ++i) {
    const char c = s[i];
    if (c != '\\' || i + 1 == s.size()) {
      out += c;
      continue;
    }
    const char n = s[++i];
    switch (n) {
      case 'n':
        out += '\n';
        continue;
      case 't':
        out += '\t';
        continue;
      case 'r':
        out += '\r';
        continue;
      case 'v':
        out += '\v';
        continue;
      case 'f':
        out += '\f';
        continue;
      case 'a':
        out += '\a';
        continue;
      case 'b':
        out += '\b';
        continue;
      case 'x': {
        int v = 0;
        int digits = 0;
        while (digits < 2 && i + 1 < s.size() && hex_value(s[i + 1]) >= 0) {
          v = v * 16 + hex_value(s[++i]);
          ++digits;
        }
        out += digits == 0 ? 'x' : static_cast<char>(v);
        continue;
      }
      default:
        break;
    }
    if (n >= '0' && n <= '7') {
      int v = n - '0';
      int digits = 1;
      while (digits < 3 && i + 1 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '7') {
        v = v * 8 + (s[++i] - '0');
        ++digits;
      }
      out += static_cast<char>(v & 0xff);
      continue;
    }
    out += n;  // \" \\ and anything unknown: the character itself
  }
}

std::size_t string_end(std::string_view s, std::size_t i) {
  while (i < s.size()) {
    const void* q = std::memchr(s.data() + i, '"', s.size() - i);
    if (q == nullptr) {
      return s.size();
    }
    const auto at = static_cast<std::size_t>(static_cast<const char*>(q) - s.data());
    std::size_t backslashes = 0;
    while (at - backslashes > i && s[at - backslashes - 1] == '\\') {
      ++backslashes;
    }
    if (backslashes % 2 == 0) {
      return at;
    }
    i = at + 1;
  }
  return s.size();
}

bool quoted_at(std::string_view s, std::string_view& body, bool& truncated, std::size_t& end) {
  std::size_t i = 0;
  while (i < s.size() && s[i] == ' ') {
    ++i;
  }
  if (i < s.size() && s[i] == '@') {
    ++i;  // abstract unix socket name: @"name"
  }
  if (i >= s.size() || s[i] != '"') {
    return false;
  }
  const std::size_t start = ++i;
  i = string_end(s, i);
  if (i >= s.size()) {
    body = s.substr(start);  // unterminated (truncated line): take what is there
    truncated = true;
    end = s.size();
    return true;
  }
  body = s.substr(start, i - start);
  ++i;
  truncated = s.substr(i, 3) == "...";
  end = truncated ? i + 3 : i;
  return true;
}

std::size_t annotation_end(std::string_view s, std::size_t i) {
  std::size_t j = i + 1;
  while (j < s.size()) {
    const void* gt = std::memchr(s.data() + j, '>', s.size() - j);
    if (gt == nullptr) {
      break;
    }
    j = static_cast<std::size_t>(static_cast<const char*>(gt) - s.data());
    if (s[j - 1] == '-' && j + 1 < s.size() && (is_digit(s[j + 1]) || s[j + 1] == '[')) {
      ++j;
      continue;
    }
    return j;
  }
  return std::string_view::npos;
}

namespace {

// Characters split_args must look at; everything else is skipped in a tight loop.
constexpr std::array<bool, 256> kArgSpecial = [] {
  std::array<bool, 256> t{};
  for (const unsigned char c : std::string_view("\"()[]{},</")) {
    t[c] = true;
  }
  return t;
}();

}  // namespace

void split_args(std::string_view s, Args& a) {
  a.n = 0;
  a.closed = false;
  int depth = 0;
  std::size_t start = 0;
  std::size_t i = 0;
  auto push = [&](std::size_t end) {
    const std::string_view arg = trim(s.substr(start, end - start));
    if (a.n < kMaxArgs && !(arg.empty() && a.n == 0 && end == s.size())) {
      if (!arg.empty() || a.n > 0 || (i < s.size() && s[i] == ',')) {
        a.v[a.n++] = arg;
      }
    }
  };
  while (i < s.size()) {
    while (i < s.size() && !kArgSpecial[static_cast<unsigned char>(s[i])]) {
      ++i;
    }
    if (i >= s.size()) {
      break;
    }
    const char c = s[i];
    switch (c) {
      case '"':
        i = string_end(s, i + 1) + 1;
        continue;
      case '(':
      case '[':
      case '{':
        ++depth;
        break;
      case ']':
      case '}':
        --depth;
        break;
      case ')':
        if (depth == 0) {
          push(i);
          a.closed = true;
          a.rest = s.substr(i + 1);
          return;
        }
        --depth;
        break;
      case ',':
        if (depth == 0) {
          push(i);
          start = i + 1;
        }
        break;
      case '<': {
        const std::size_t e = annotation_end(s, i);
        if (e == std::string_view::npos) {
          i = s.size();
          continue;
        }
        i = e + 1;
        continue;
      }
      case '/':
        if (i + 1 < s.size() && s[i + 1] == '*') {
          const std::size_t e = s.find("*/", i + 2);
          i = e == std::string_view::npos ? s.size() : e + 2;
          continue;
        }
        break;
      default:
        break;
    }
    ++i;
  }
  // Not closed: keep the last (partial) argument if there is one.
  const std::string_view last = trim(s.substr(std::min(start, s.size())));
  if (!last.empty() && a.n < kMaxArgs) {
    a.v[a.n++] = last;
  }
  a.rest = {};
}

bool parse_fd(std::string_view a, int& fd, std::string_view& annotation) {
  annotation = {};
  std::size_t i = 0;
  if (starts_with(a, "AT_FDCWD")) {
    fd = kAtFdCwd;
    i = 8;
  } else {
    std::int64_t v = 0;
    i = parse_int(a, v);
    if (i == 0) {
      return false;
    }
    fd = static_cast<int>(v);
  }
  if (i < a.size() && a[i] == '<') {
    const std::size_t e = annotation_end(a, i);
    annotation = a.substr(i + 1, (e == std::string_view::npos ? a.size() : e) - i - 1);
  }
  return true;
}

namespace {

struct FlagName {
  std::string_view name;
  std::int32_t value;
};
// Linux generic values (x86-64, aarch64), as strace prints them.
constexpr FlagName kOpenFlags[] = {
    {"O_RDONLY", 0},          {"O_WRONLY", 01},         {"O_RDWR", 02},
    {"O_CREAT", 0100},        {"O_EXCL", 0200},         {"O_NOCTTY", 0400},
    {"O_TRUNC", 01000},       {"O_APPEND", 02000},      {"O_NONBLOCK", 04000},
    {"O_NDELAY", 04000},      {"O_DSYNC", 010000},      {"O_ASYNC", 020000},
    {"FASYNC", 020000},       {"O_DIRECT", 040000},     {"O_LARGEFILE", 0100000},
    {"O_DIRECTORY", 0200000}, {"O_NOFOLLOW", 0400000},  {"O_NOATIME", 01000000},
    {"O_CLOEXEC", 02000000},  {"O_SYNC", 04010000},     {"O_RSYNC", 04010000},
    {"O_PATH", 010000000},    {"O_TMPFILE", 020200000},
};

}  // namespace

std::int32_t parse_open_flags(std::string_view a) {
  if (const std::size_t c = a.find("/*"); c != std::string_view::npos) {
    a = trim(a.substr(0, c));  // -X verbose: the number comes first
  }
  std::int32_t flags = 0;
  bool known = false;
  while (!a.empty()) {
    const std::size_t bar = a.find('|');
    const std::string_view tok = trim(a.substr(0, bar));
    a = bar == std::string_view::npos ? std::string_view() : a.substr(bar + 1);
    if (tok.empty()) {
      continue;
    }
    if (is_digit(tok.front())) {
      std::int64_t v = 0;
      if (tok.size() > 1 && tok[0] == '0' && tok[1] != 'x') {
        v = parse_octal(tok);
      } else {
        parse_int(tok, v);
      }
      flags |= static_cast<std::int32_t>(v);
      known = true;
      continue;
    }
    for (const FlagName& f : kOpenFlags) {
      if (f.name == tok) {
        flags |= f.value;
        known = true;
        break;
      }
    }
  }
  // Nothing readable ("...", where a log was shortened by hand): unknown, not O_RDONLY.
  return known ? flags : -1;
}

std::int32_t parse_mode(std::string_view a) {
  const std::size_t bar = a.rfind('|');
  if (bar != std::string_view::npos) {
    a = a.substr(bar + 1);
  }
  a = trim(a.substr(0, a.find(' ')));
  if (a.empty() || !is_digit(a.front())) {
    return -1;
  }
  return parse_octal(a);
}

bool is_sol_socket_so_error(std::string_view level, std::string_view option) {
  const bool sol = level.find("SOL_SOCKET") != std::string_view::npos || level == "1";
  const bool err = option.find("SO_ERROR") != std::string_view::npos || option == "4";
  return sol && err;
}

std::int32_t parse_access_mode(std::string_view a) {
  if (!a.empty() && is_digit(a.front())) {
    std::int64_t v = 0;
    parse_int(a, v);
    return static_cast<std::int32_t>(v);
  }
  std::int32_t m = 0;
  if (a.find("R_OK") != std::string_view::npos) m |= 4;
  if (a.find("W_OK") != std::string_view::npos) m |= 2;
  if (a.find("X_OK") != std::string_view::npos) m |= 1;
  return m;
}

std::string_view struct_field(std::string_view s, std::string_view key) {
  std::size_t pos = 0;
  while ((pos = s.find(key, pos)) != std::string_view::npos) {
    if (pos == 0 || s[pos - 1] == '{' || s[pos - 1] == ' ' || s[pos - 1] == ',') {
      break;
    }
    pos += key.size();
  }
  if (pos == std::string_view::npos) {
    return {};
  }
  std::string_view v = s.substr(pos + key.size());
  int depth = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const char c = v[i];
    if (c == '"') {
      i = string_end(v, i + 1);
    } else if (c == '(' || c == '[' || c == '{') {
      ++depth;
    } else if ((c == ')' || c == ']' || c == '}') && depth-- == 0) {
      return v.substr(0, i);
    } else if (c == ',' && depth == 0) {
      return v.substr(0, i);
    }
  }
  return v;
}

}  // namespace culprit::tracer::detail
