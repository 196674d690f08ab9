#include "analyzer/core/quote.h"

#include <fmt/format.h>

#include "tracer/model/result.h"

namespace culprit::analyzer {

namespace {

// Length of the well-formed UTF-8 sequence starting at `s[i]`, or 0 when it is not one (Unicode 15,
// table 3-7: exact second-byte ranges rule out overlongs and surrogates).
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char b0 = byte(i);
  if (b0 < 0x80) {
    return 1;
  }
  std::size_t len = 0;
  unsigned char lo = 0x80;
  unsigned char hi = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
  } else if (b0 == 0xE0) {
    len = 3;
    lo = 0xA0;
  } else if ((b0 >= 0xE1 && b0 <= 0xEC) || b0 == 0xEE || b0 == 0xEF) {
    len = 3;
  } else if (b0 == 0xED) {
    len = 3;
    hi = 0x9F;
  } else if (b0 == 0xF0) {
    len = 4;
    lo = 0x90;
  } else if (b0 >= 0xF1 && b0 <= 0xF3) {
    len = 4;
  } else if (b0 == 0xF4) {
    len = 4;
    hi = 0x8F;
  } else {
    return 0;
  }
  if (i + len > s.size()) {
    return 0;
  }
  if (byte(i + 1) < lo || byte(i + 1) > hi) {
    return 0;
  }
  for (std::size_t k = 2; k < len; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) {
      return 0;
    }
  }
  return len;
}

bool is_control(unsigned char c) { return c < 0x20 || c == 0x7F; }

void assert_no_nul(std::string_view bytes) {
  CULPRIT_ASSERT(bytes.find('\0') == std::string_view::npos) << "NUL byte in a quoted value";
}

}  // namespace

bool is_valid_utf8(std::string_view bytes) {
  for (std::size_t i = 0; i < bytes.size();) {
    const std::size_t len = utf8_sequence_length(bytes, i);
    if (len == 0) {
      return false;
    }
    i += len;
  }
  return true;
}

std::string shell_quote(std::string_view bytes) {
  assert_no_nul(bytes);
  std::string out;
  out.reserve(bytes.size() + 2);
  out += '\'';
  for (const char c : bytes) {
    if (c == '\'') {
      // Close the quote, add an escaped quote, reopen: the shell concatenates the three.
      out += "'\\''";
    } else {
      out += c;
    }
  }
  out += '\'';
  return out;
}

bool puppet_representable(std::string_view text) {
  if (!is_valid_utf8(text)) {
    return false;
  }
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (is_control(u) && c != '\t' && c != '\n') {
      return false;
    }
  }
  return true;
}

std::string puppet_dq_escape(std::string_view text) {
  CULPRIT_ASSERT(puppet_representable(text)) << "not representable in Puppet";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '$':  // always: "$x" and "${x}" would interpolate
        out += "\\$";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
        break;
    }
  }
  return out;
}

std::string puppet_quote(std::string_view text) {
  CULPRIT_ASSERT(puppet_representable(text)) << "not representable in Puppet";
  const bool needs_double = text.find("${") != std::string_view::npos ||
                            text.find_first_of("\t\n") != std::string_view::npos;
  if (needs_double) {
    return "\"" + puppet_dq_escape(text) + "\"";
  }
  std::string out = "'";
  for (const char c : text) {
    if (c == '\\' || c == '\'') {
      out += '\\';
    }
    out += c;
  }
  out += '\'';
  return out;
}

std::optional<char> sed_delimiter(std::string_view a, std::string_view b) {
  for (const char c : std::string_view("|#,@!%:+=~")) {
    if (a.find(c) == std::string_view::npos && b.find(c) == std::string_view::npos) {
      return c;
    }
  }
  return std::nullopt;
}

std::optional<std::string> sed_regex_literal(std::string_view literal, char delim) {
  assert_no_nul(literal);
  if (literal.find('\n') != std::string_view::npos ||
      literal.find(delim) != std::string_view::npos) {
    return std::nullopt;
  }
  std::string out;
  for (const char c : literal) {
    // The BRE special characters (POSIX 9.3.3), whose escaped forms are defined as literals. ]
    // needs nothing: with every [ escaped no bracket expression can open.
    if (c == '\\' || c == '.' || c == '*' || c == '[' || c == '^' || c == '$') {
      out += '\\';
    }
    out += c;
  }
  return out;
}

std::optional<std::string> sed_replacement_literal(std::string_view literal, char delim) {
  assert_no_nul(literal);
  if (literal.find('\n') != std::string_view::npos ||
      literal.find(delim) != std::string_view::npos) {
    return std::nullopt;
  }
  std::string out;
  for (const char c : literal) {
    if (c == '\\' || c == '&') {
      out += '\\';
    }
    out += c;
  }
  return out;
}

std::string display_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const auto u = static_cast<unsigned char>(text[i]);
    const std::size_t len = utf8_sequence_length(text, i);
    if (len == 0) {
      out += fmt::format("\\x{:02x}", u);
      ++i;
      continue;
    }
    if (len == 1) {
      if (text[i] == '\\') {
        out += "\\\\";
      } else if (text[i] == '\t') {
        out += "\\t";
      } else if (text[i] == '\n') {
        out += "\\n";
      } else if (is_control(u)) {
        out += fmt::format("\\x{:02x}", u);
      } else {
        out += text[i];
      }
    } else {
      // U+0080..U+009F are C1 controls (terminal escapes); U+2028/2029 break lines in some viewers.
      const std::string_view seq = text.substr(i, len);
      const bool c1 = len == 2 && u == 0xC2 && static_cast<unsigned char>(text[i + 1]) < 0xA0;
      const bool line_sep = seq == "\u2028" || seq == "\u2029";
      if (c1 || line_sep) {
        for (const char b : seq) {
          out += fmt::format("\\x{:02x}", static_cast<unsigned char>(b));
        }
      } else {
        out += seq;
      }
    }
    i += len;
  }
  return out;
}

}  // namespace culprit::analyzer
