// Lexing of strace's text: numbers, quoted strings and their escapes, the top-level split of a
// call's arguments, fd annotations (-y/-yy) and flag words (open flags, modes, access modes).
// Pure functions of the bytes, shared by the line scanner, the prefix parser and the decoders.
// The helpers that run on every line are inline here (the reader is benchmarked against grep).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace culprit::tracer::detail {

inline bool is_digit(char c) { return c >= '0' && c <= '9'; }
constexpr std::array<bool, 256> kNameChar = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c) {
    t[static_cast<std::size_t>(c)] =
        (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || (c >= 'A' && c <= 'Z');
  }
  return t;
}();
inline bool is_name_char(char c) { return kNameChar[static_cast<unsigned char>(c)]; }

inline bool starts_with(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.compare(0, p.size(), p) == 0;
}
// For literals: a constant length lets the compiler inline the comparison (hot path).
template <std::size_t N>
inline bool starts_with(std::string_view s, const char (&p)[N]) {
  return s.size() >= N - 1 && std::memcmp(s.data(), p, N - 1) == 0;
}
inline bool ends_with(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

inline std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

// Parses a (possibly negative) decimal or 0x-hex integer at the start of `s`; returns the number
// of characters used, 0 if none.
std::size_t parse_int(std::string_view s, std::int64_t& out);

// parse_int() with an inlined path for the common short decimal ("-1", "0", "832").
inline std::size_t parse_decimal_or_int(std::string_view s, std::int64_t& out) {
  const std::size_t i = !s.empty() && s[0] == '-' ? 1 : 0;
  std::size_t j = i;
  std::int64_t v = 0;
  while (j < s.size() && j - i < 12 && is_digit(s[j])) {
    v = v * 10 + (s[j] - '0');
    ++j;
  }
  if (j == i || (j < s.size() && (is_digit(s[j]) || s[j] == 'x' || s[j] == 'X'))) {
    return parse_int(s, out);  // none, long, or hex ("0x7f...")
  }
  out = i == 1 ? -v : v;
  return j;
}

// An octal number ("0644"), masked to mode bits; -1 if none.
std::int32_t parse_octal(std::string_view s);

// Unescapes strace's string escapes (\n \t \" \\ \ooo up to 3 digits, \xHH from -x/-xx) of the
// body of a quoted string (without quotes), appending to `out`.
void unescape_into(std::string_view s, std::string& out);

// Index of the quote closing a string whose body starts at s[i], or s.size() if unterminated.
std::size_t string_end(std::string_view s, std::size_t i);

// A quoted string at the start of `s` (after optional spaces): its raw body, whether strace
// marked it truncated ("..." after the quote), and the position after it. Returns false when `s`
// does not start with a string (NULL, a pointer).
bool quoted_at(std::string_view s, std::string_view& body, bool& truncated, std::size_t& end);

// Ends of a "<...>" annotation starting at s[i] == '<': the index of its closing '>'. Inside
// annotations strace escapes '<' and '>' of paths as \74 \76, so the first '>' closes it, except
// the "->" of a -yy socket pair ("TCP:[1.2.3.4:80->5.6.7.8:9]").
std::size_t annotation_end(std::string_view s, std::size_t i);

// Splits "name(a, b, {c, d}, "e,)") = ret ..." into top-level arguments. `s` starts right after
// '('. Returns true when the closing ')' was found; `rest` is what follows it.
constexpr std::size_t kMaxArgs = 8;
struct Args {
  std::array<std::string_view, kMaxArgs> v{};
  std::size_t n = 0;
  bool closed = false;
  std::string_view rest;
};

void split_args(std::string_view s, Args& a);

// "3</path>" / "AT_FDCWD</cwd>" / "-100 /* AT_FDCWD */" / "3<TCP:[...]>(deleted)": the number
// (kAtFdCwd for AT_FDCWD) and the raw annotation body.
bool parse_fd(std::string_view a, int& fd, std::string_view& annotation);

// "O_RDONLY|O_CLOEXEC", "0x80000 /* O_... */", "0", "O_RDONLY|0x1000000".
std::int32_t parse_open_flags(std::string_view a);

// "0644", "S_IFREG|0644", "000", "0755 /* ... */".
std::int32_t parse_mode(std::string_view a);

// getsockopt's level and option are SOL_SOCKET and SO_ERROR ("SOL_SOCKET", "0x1 /* SOL_SOCKET */"
// with -X verbose, "1" / "4" with -X raw).
bool is_sol_socket_so_error(std::string_view level, std::string_view option);

// "R_OK|W_OK", "F_OK", "4".
std::int32_t parse_access_mode(std::string_view a);

// The value of "key=" inside a struct argument, up to the next top-level ',' or '}'.
std::string_view struct_field(std::string_view s, std::string_view key);

}  // namespace culprit::tracer::detail
