// Paste repair (docs/strace-format.md #49-#52, #55): see paste_repair.h.
#include "tracer/strace/paste_repair.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>
#include <vector>

#include "tracer/strace/strace_lex.h"
#include "tracer/strace/strace_prefix.h"

namespace culprit::tracer {
namespace {

// A sample of this many lines is enough to judge how an input was pasted.
constexpr std::size_t kSampleLines = 4000;
// A cut call is joined with at most this many following pieces: a wrap of a 4 KB line at 72
// columns is ~60 pieces; past that the "continuation" is prose after a call that was cut for good.
constexpr std::size_t kMaxPieces = 64;
constexpr std::size_t kMaxHeld = std::size_t{64} * 1024;
// Mail clients wrap before this column (RFC 5322 recommends 78; some use 72 or 76).
constexpr std::size_t kMailWidth = 100;
// Lines of the sample looked at to tell a numbered listing.
constexpr std::size_t kListingLines = 200;

using detail::ends_with;
using detail::is_digit;
using detail::is_name_char;
using detail::starts_with;

// Blanks (and a '\r' left by CRLF) at the end; trim() of strace_lex.h takes both ends.
std::string_view trim_right(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}
std::string_view trim_left(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  return s;
}
char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }

// ---- HTML (#49) ----

struct Tag {
  std::string_view name;
  bool breaks;  // ends a line (block-level), else removed in place
};
// The tags a trace pasted into a page, a blog or a mail is wrapped in. Only these are tags: every
// other '<' is strace's own (`<unfinished ...>`, `3</etc/passwd>`, `<0.000012>`).
constexpr std::array kTags{
    Tag{"a", false},         Tag{"abbr", false}, Tag{"b", false},      Tag{"big", false},
    Tag{"blockquote", true}, Tag{"body", true},  Tag{"br", true},      Tag{"caption", true},
    Tag{"code", false},      Tag{"dd", true},    Tag{"del", false},    Tag{"div", true},
    Tag{"dl", true},         Tag{"dt", true},    Tag{"em", false},     Tag{"font", false},
    Tag{"h1", true},         Tag{"h2", true},    Tag{"h3", true},      Tag{"h4", true},
    Tag{"h5", true},         Tag{"h6", true},    Tag{"head", true},    Tag{"hr", true},
    Tag{"html", true},       Tag{"i", false},    Tag{"ins", false},    Tag{"kbd", false},
    Tag{"li", true},         Tag{"mark", false}, Tag{"ol", true},      Tag{"p", true},
    Tag{"pre", true},        Tag{"q", false},    Tag{"s", false},      Tag{"samp", false},
    Tag{"small", false},     Tag{"span", false}, Tag{"strike", false}, Tag{"strong", false},
    Tag{"sub", false},       Tag{"sup", false},  Tag{"table", true},   Tag{"tbody", true},
    Tag{"td", true},         Tag{"tfoot", true}, Tag{"th", true},      Tag{"thead", true},
    Tag{"title", true},      Tag{"tr", true},    Tag{"tt", false},     Tag{"u", false},
    Tag{"ul", true},         Tag{"var", false},  Tag{"wbr", false},
};

std::string lower_copy(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), lower);
  return out;
}

// The tag at s[i] == '<': its end (one past '>') and whether it breaks the line; 0 if s[i] starts
// no known tag.
std::size_t tag_at(std::string_view s, std::size_t i, bool& breaks) {
  std::size_t j = i + 1;
  const bool closing = j < s.size() && s[j] == '/';
  if (closing) {
    ++j;
  }
  const std::size_t name_start = j;
  while (j < s.size() && is_name_char(s[j]) && s[j] != '_' && j - name_start < 12) {
    ++j;
  }
  // "</var/tmp>" is a -y path annotation, not a closing </var>: a closing tag ends at its name,
  // an opening one may carry attributes or close itself ("<br/>", "<br />").
  if (j == name_start || j >= s.size() ||
      !(s[j] == '>' || (!closing && (s[j] == ' ' || s.substr(j, 2) == "/>")))) {
    return 0;
  }
  const std::string name = lower_copy(s.substr(name_start, j - name_start));
  const auto* tag =
      std::find_if(kTags.begin(), kTags.end(), [&](const Tag& t) { return t.name == name; });
  if (tag == kTags.end()) {
    return 0;
  }
  const std::size_t close = s.find('>', j);
  if (close == std::string_view::npos) {
    return 0;
  }
  // "</br>" after "<br>" is one break, not two: a closing br breaks nothing.
  breaks = tag->breaks && !(tag->name == "br" && closing);
  return close + 1;
}

void append_utf8(std::string& out, unsigned long cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x110000) {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// The entity at s[i] == '&': appends what it stands for and returns its length, 0 if none.
std::size_t entity_at(std::string_view s, std::size_t i, std::string& out) {
  const std::size_t semi = s.find(';', i);
  if (semi == std::string_view::npos || semi - i > 10 || semi == i + 1) {
    return 0;
  }
  const std::string_view name = s.substr(i + 1, semi - i - 1);
  static constexpr std::array<std::pair<std::string_view, char>, 6> kNamed{
      {{"quot", '"'}, {"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"apos", '\''}, {"nbsp", ' '}}};
  for (const auto& [n, c] : kNamed) {
    if (name == n) {
      out += c;
      return semi - i + 1;
    }
  }
  if (name[0] != '#' || name.size() < 2) {
    return 0;
  }
  const bool hex = name[1] == 'x' || name[1] == 'X';
  const std::string_view digits = name.substr(hex ? 2 : 1);
  if (digits.empty()) {
    return 0;
  }
  unsigned long cp = 0;
  for (const char c : digits) {
    const char lc = lower(c);
    const int v = is_digit(c) ? c - '0' : hex && lc >= 'a' && lc <= 'f' ? lc - 'a' + 10 : -1;
    if (v < 0) {
      return 0;
    }
    cp = cp * (hex ? 16 : 10) + static_cast<unsigned long>(v);
    if (cp > 0x10FFFF) {
      return 0;
    }
  }
  // A NUL cannot be in a path or a message the kernel saw; '\n' would split the line again.
  if (cp == 0 || cp == '\n') {
    return 0;
  }
  append_utf8(out, cp == 0xA0 ? ' ' : cp);
  return semi - i + 1;
}

// Undoes tags and entities of one line into `out`, with '\n' where a tag broke the line. Returns
// whether the line held a tag.
bool html_decode(std::string_view s, std::string& out) {
  out.clear();
  bool tags = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '<') {
      if (starts_with(s.substr(i), "<!--")) {
        const std::size_t end = s.find("-->", i + 4);
        if (end != std::string_view::npos) {
          i = end + 2;
          tags = true;
          continue;
        }
      }
      bool breaks = false;
      if (const std::size_t end = tag_at(s, i, breaks); end != 0) {
        if (breaks) {
          out += '\n';
        }
        tags = true;
        i = end - 1;
        continue;
      }
    } else if (c == '&') {
      if (const std::size_t n = entity_at(s, i, out); n != 0) {
        i += n - 1;
        continue;
      }
    } else if (c == '\xc2' && i + 1 < s.size() && s[i + 1] == '\xa0') {
      out += ' ';  // a no-break space, as browsers copy &nbsp;
      ++i;
      continue;
    }
    out += c;
  }
  return tags;
}

// What a raw line shows of HTML: `strong` for what only a page's source has (an entity where
// strace writes a quote or a '<', a no-break space, a <pre>/<code> right before a strace line),
// `line_break` for a line ending in <br> (a program's output can hold one, so it takes more).
struct HtmlSigns {
  bool strong = false;
  bool line_break = false;
};
HtmlSigns html_evidence(std::string_view line) {
  HtmlSigns h;
  const std::string_view t = trim_right(trim_left(line));
  if (t.empty()) {
    return h;
  }
  for (const std::string_view marker : {"(&quot;", ", &quot;", "&lt;... ", "&lt;unfinished",
                                        "(&#34;", ", &#34;", "AT_FDCWD&lt;", "\xc2\xa0"}) {
    if (t.find(marker) != std::string_view::npos) {
      h.strong = true;
      return h;
    }
  }
  bool breaks = false;
  for (const std::string_view open : {"<pre>", "<pre ", "<code>", "<code "}) {
    if (t.size() > open.size() && starts_with(lower_copy(t.substr(0, open.size())), open)) {
      if (const std::size_t end = tag_at(t, 0, breaks); end != 0) {
        h.strong = detail::looks_like_strace(t.substr(end));
        return h;
      }
    }
  }
  const std::string tail = lower_copy(t.substr(t.size() > 8 ? t.size() - 8 : 0));
  for (const std::string_view end :
       {"<br>", "<br/>", "<br />", "</br>", "</p>", "</div>", "</li>"}) {
    // (a digit before it would be a returned fd's -y path: "= 3</p>")
    if (ends_with(tail, end) && t.size() > end.size() && !is_digit(t[t.size() - end.size() - 1])) {
      h.line_break = true;
    }
  }
  return h;
}

// ---- mail quoting (#50) and indentation (#51) ----

// The '>' markers at the start of a line ("> ", "> > ", ">> "), at most `most` of them, and how
// many bytes they take.
int quote_markers(std::string_view s, std::size_t& len, int most = 64) {
  int depth = 0;
  std::size_t i = 0;
  while (depth < most) {
    std::size_t j = i;
    if (j < s.size() && s[j] == ' ' && depth > 0) {
      ++j;  // "> > "
    }
    if (j >= s.size() || s[j] != '>') {
      break;
    }
    ++j;
    ++depth;
    if (j < s.size() && s[j] == ' ') {
      ++j;
    }
    i = j;
  }
  len = i;
  return depth;
}

// Removes up to `depth` quote markers.
std::string_view unquote(std::string_view s, int depth) {
  std::size_t len = 0;
  quote_markers(s, len, depth);
  return s.substr(len);
}

// "0.000123 ", "14:03:07 ", "1700000000.123456 ": a timestamp, not a pid, starts the line.
// The length of the line number `expected` at the start of `s` with what separates it from the
// text (blanks, or one ':' or '|' then blanks), 0 when `s` does not start with it. A number glued
// to the text ("3execve(", "312345 read(" for pid 12345) is taken: the sequence says where it ends.
std::size_t line_number_length(std::string_view s, std::uint64_t expected) {
  std::size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) {
    ++i;
  }
  const std::string digits = std::to_string(expected);
  if (s.substr(i, digits.size()) != digits) {
    return 0;
  }
  i += digits.size();
  if (i < s.size() && (s[i] == ':' || s[i] == '|')) {
    ++i;
  }
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) {
    ++i;
  }
  return i;
}

// Whether `s` is a strace line, also behind a listing's line number ("12\t1234 read(", "3execve(").
bool strace_after_number(std::string_view s) {
  if (detail::looks_like_strace(s)) {
    return true;
  }
  std::size_t i = 0;
  while (i < s.size() && i < 9 && s[i] >= '0' && s[i] <= '9') {
    ++i;
  }
  if (i == 0) {
    return false;
  }
  if (i < s.size() && (s[i] == ':' || s[i] == '|')) {
    ++i;
  }
  const std::string_view rest = trim_left(s.substr(i));
  // Glued to a pid ("312345 read("): any split of the digits may be the right one.
  for (std::size_t k = 1; k <= i && i - k < s.size(); ++k) {
    if (detail::looks_like_strace(trim_left(s.substr(k)))) {
      return true;
    }
  }
  return detail::looks_like_strace(rest);
}

// Whether `lines` are a listing numbered from `first`: at least 4 lines, nine in ten carrying the
// next number of the sequence, and the text after the numbers strace's. A log's own pid column
// never counts up by one from line to line.
bool numbered_from(const std::vector<std::string_view>& lines, std::uint64_t first) {
  std::uint64_t next = first;
  std::size_t numbered = 0;
  std::size_t strace = 0;
  std::size_t nonblank = 0;
  for (const std::string_view l : lines) {
    if (trim_right(l).empty()) {
      continue;
    }
    ++nonblank;
    std::size_t n = line_number_length(l, next);
    if (n == 0 && (n = line_number_length(l, next + 1)) != 0) {
      ++next;  // a line the copy lost (an empty one, or a tag that ate it)
    }
    if (n == 0) {
      continue;
    }
    ++numbered;
    ++next;
    const std::string_view rest = l.substr(n);
    strace += detail::looks_like_strace(trim_left(rest)) || trim_right(rest).empty() ? 1 : 0;
  }
  return numbered >= 4 && numbered * 10 >= nonblank * 9 && strace * 2 >= numbered;
}

// The number a numbered listing starts from: each prefix of the leading digits of its first line is
// a candidate (it may be glued to a pid); nullopt when none
// makes a sequence.
std::optional<std::uint64_t> listing_start(const std::vector<std::string_view>& lines) {
  // The listing starts at the first line that starts with a digit (a mail or a post may say
  // something first).
  std::string_view first;
  std::size_t at = 0;
  for (; at < lines.size(); ++at) {
    const std::string_view t = trim_left(lines[at]);
    if (!t.empty() && t.front() >= '0' && t.front() <= '9') {
      first = t;
      break;
    }
  }
  const std::vector<std::string_view> listing(lines.begin() + static_cast<std::ptrdiff_t>(at),
                                              lines.end());
  std::size_t digits = 0;
  while (digits < first.size() && digits < 9 && first[digits] >= '0' && first[digits] <= '9') {
    ++digits;
  }
  for (std::size_t len = 1; len <= digits; ++len) {
    const std::uint64_t start = std::stoull(std::string(first.substr(0, len)));
    if (numbered_from(listing, start)) {
      return start;
    }
  }
  return std::nullopt;
}

bool starts_with_time(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && is_digit(s[i])) {
    ++i;
  }
  return i > 0 && i < s.size() && (s[i] == '.' || s[i] == ':');
}

std::size_t leading_blanks(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) {
    ++i;
  }
  return i;
}

std::string_view dedent(std::string_view s, std::size_t indent) {
  return s.substr(std::min(indent, leading_blanks(s)));
}

// ---- wraps (#52) ----

// "13375 07:30:23.172305": a pid and a timestamp with the call wrapped onto the next line.
bool prefix_only(std::string_view line) {
  line = trim_right(line);
  if (line.empty() || line.size() > 64 || !is_digit(line[0])) {
    return false;
  }
  std::string with_blank(line);
  with_blank += ' ';
  std::string_view s = with_blank;
  Pid pid = 0;
  Timestamp ts;
  return detail::parse_prefix(s, pid, ts) && trim_right(s).empty();
}

// A line that can continue a cut call: not strace's own line, not indented (the reader joins
// indented continuations itself, #48), not the ") = N" that closes a call split by program output.
// After a line that is only a prefix, the call itself is the continuation. A row may start with
// a blank after one cut at a fixed width (the cut fell before it) and in a mail (the client broke
// inside a run of spaces), but never a -k frame (" > ").
bool continues(std::string_view cut, std::string_view s, bool blanks_allowed) {
  const std::string_view t = trim_left(s);
  return !t.empty() && (blanks_allowed || t.size() == s.size()) && t.front() != ')' &&
         !starts_with(t, "> ") && !trim_right(t).empty() &&
         (!detail::looks_like_strace(t) || prefix_only(cut));
}

// "<0.000004>": a -T duration a mail client moved onto its own row.
bool bare_duration(std::string_view s) {
  s = trim_right(trim_left(s));
  if (s.size() < 3 || s.front() != '<' || s.back() != '>') {
    return false;
  }
  s = s.substr(1, s.size() - 2);
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](char c) { return is_digit(c) || c == '.'; });
}

// "write(2, "PHP Warning..."..., 189PHP Warning: ...": program output glued to a call that was
// printed to the same terminal (#27); the reader pairs it with the ") = 189" that follows.
bool glued_output(std::string_view s) {
  const std::size_t comma = s.rfind(", ");
  if (comma == std::string_view::npos) {
    return false;
  }
  std::size_t i = comma + 2;
  if (s.substr(i, 2) == "0x") {
    return false;  // a pointer or a hex number, not a count with output glued to it
  }
  const std::size_t digits = i;
  while (i < s.size() && is_digit(s[i])) {
    ++i;
  }
  return i > digits && i < s.size() && s[i] != ')' && s[i] != ',' && s[i] != ' ';
}

}  // namespace

bool strace_line_cut(std::string_view line) {
  std::string_view s = line;
  Pid pid = 0;
  Timestamp ts;
  if (!detail::parse_prefix(s, pid, ts)) {
    return false;
  }
  s = trim_right(s);
  if (s.empty() || prefix_only(line)) {
    return prefix_only(line);
  }
  if (starts_with(s, "--- ")) {
    return !ends_with(s, "---");
  }
  if (starts_with(s, "+++ ")) {
    return !ends_with(s, "+++");
  }
  std::size_t i = 0;
  if (starts_with(s, "<... ")) {
    const std::size_t close = s.find('>');
    if (close == std::string_view::npos) {
      return true;
    }
    i = close + 1;
  } else {
    while (i < s.size() && is_name_char(s[i])) {
      ++i;
    }
    if (i == 0 || i >= s.size() || s[i] != '(') {
      return false;  // not a call: nothing to judge
    }
    ++i;
  }
  // The arguments, to the ')' that closes the call.
  int depth = 1;
  bool in_string = false;
  for (; i < s.size() && depth > 0; ++i) {
    const char c = s[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '(':
      case '[':
      case '{':
        ++depth;
        break;
      case ')':
      case ']':
      case '}':
        --depth;
        break;
      default:
        break;
    }
  }
  if (depth > 0) {
    // Unfinished calls end in a marker instead: "<unfinished ...>", "<unfinished #3 ...>",
    // "<detached ...>".
    return !(ends_with(s, "...>") && (s.rfind("<unfinished") != std::string_view::npos ||
                                      s.rfind("<detached") != std::string_view::npos));
  }
  // The return: "= N", "= -1 ENAME (text)", "= ? ERESTARTSYS (...)", "= 3</path>", "<0.000012>".
  std::string_view rest = trim_left(s.substr(i));
  if (rest.empty()) {
    return true;
  }
  if (rest.front() != '=') {
    return false;  // a shape this check does not know: leave it to the reader
  }
  rest = trim_left(rest.substr(1));
  if (rest.empty()) {
    return true;
  }
  const std::size_t value_end = std::min(rest.find(' '), rest.size());
  const std::string_view value = rest.substr(0, value_end);
  std::string_view after = trim_left(rest.substr(value_end));
  if ((value == "-1" || value == "?") && !after.empty() && is_upper(after[0])) {
    // An errno name must be followed by its text in parentheses.
    const std::size_t name_end = std::min(after.find(' '), after.size());
    if (trim_left(after.substr(name_end)).empty()) {
      return true;
    }
  } else if (value == "-1" && after.empty()) {
    return true;
  }
  int parens = 0;
  int angles = 0;
  for (const char c : rest) {
    parens += c == '(' ? 1 : c == ')' ? -1 : 0;
    angles += c == '<' ? 1 : c == '>' ? -1 : 0;
  }
  return parens > 0 || angles > 0;
}

std::string PasteDamage::describe() const {
  std::vector<std::string> parts;
  if (html) {
    parts.emplace_back("HTML tags and entities");
  }
  if (quote_depth > 0) {
    parts.push_back("mail quoting" + (quote_depth > 1
                                          ? " (depth " + std::to_string(quote_depth) + ")"
                                          : std::string()));
  }
  if (numbered) {
    parts.push_back("line numbers from " + std::to_string(first_number));
  }
  if (indent > 0) {
    parts.push_back("indented by " + std::to_string(indent));
  }
  if (wrap == Wrap::Mail) {
    parts.emplace_back("lines wrapped at spaces");
  } else if (wrap == Wrap::FixedWidth) {
    parts.push_back("lines cut at " + std::to_string(width) + " columns");
  }
  std::string out;
  for (const std::string& p : parts) {
    out += out.empty() ? p : ", " + p;
  }
  return out;
}

PasteDamage detect_paste_damage(std::string_view sample) {
  PasteDamage d;
  std::vector<std::string> lines;
  for (std::size_t pos = 0; pos < sample.size() && lines.size() < kSampleLines;) {
    const std::size_t nl = std::min(sample.find('\n', pos), sample.size());
    std::string_view line = sample.substr(pos, nl - pos);
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    lines.emplace_back(line);
    pos = nl + 1;
  }
  // HTML: one sign only a page has, or most lines ending in a line break.
  std::size_t strong = 0;
  std::size_t line_breaks = 0;
  std::size_t nonblank = 0;
  for (const std::string& l : lines) {
    const HtmlSigns h = html_evidence(l);
    strong += h.strong ? 1 : 0;
    line_breaks += h.line_break ? 1 : 0;
    nonblank += trim_right(l).empty() ? 0 : 1;
  }
  if (strong > 0 || (line_breaks >= 2 && line_breaks * 2 >= nonblank)) {
    d.html = true;
    std::vector<std::string> decoded;
    std::string buf;
    for (const std::string& l : lines) {
      html_decode(l, buf);
      std::size_t pos = 0;
      while (pos <= buf.size()) {
        const std::size_t nl = std::min(buf.find('\n', pos), buf.size());
        if (nl > pos || buf.empty()) {
          decoded.emplace_back(buf.substr(pos, nl - pos));
        }
        pos = nl + 1;
      }
    }
    lines = std::move(decoded);
  }
  // Quoting: the depth at which most strace lines sit, when at least half of them are quoted
  // (a program's own output may start with '>': a shell's PS2, Python's ">>> ").
  std::array<std::size_t, 8> at_depth{};
  for (const std::string& l : lines) {
    std::size_t len = 0;
    const int depth = quote_markers(l, len);
    if (depth < static_cast<int>(at_depth.size()) &&
        strace_after_number(trim_left(std::string_view(l).substr(len)))) {
      ++at_depth[static_cast<std::size_t>(depth)];
    }
  }
  const auto most = std::max_element(at_depth.begin() + 1, at_depth.end());
  std::size_t strace_total = 0;
  for (const std::size_t n : at_depth) {
    strace_total += n;
  }
  if (*most > 0 && *most * 2 >= strace_total) {
    d.quote_depth = static_cast<int>(most - at_depth.begin());
  }
  // Line numbers: a listing's own sequence, ahead of the text. The lines are then kept unquoted
  // and unnumbered, as the repair will hand them on.
  int depth_left = d.quote_depth;
  {
    std::vector<std::string_view> quoted;
    quoted.reserve(std::min(lines.size(), kListingLines));
    for (std::size_t i = 0; i < lines.size() && i < kListingLines; ++i) {
      quoted.push_back(unquote(lines[i], d.quote_depth));
    }
    if (const auto start = listing_start(quoted)) {
      d.numbered = true;
      d.first_number = *start;
      std::uint64_t next = *start;
      for (std::string& l : lines) {
        const std::string_view q = unquote(l, d.quote_depth);
        std::size_t n = line_number_length(q, next);
        if (n == 0 && (n = line_number_length(q, next + 1)) != 0) {
          ++next;
        }
        if (n != 0) {
          ++next;
          l = std::string(q.substr(n));  // unquoted too: the later stages see it as the repair does
        } else {
          l = std::string(q);
        }
      }
      depth_left = 0;
    }
  }
  // Indentation: the least indent of the strace lines, when most of them have one.
  std::size_t strace_lines = 0;
  std::size_t indented = 0;
  std::size_t least = std::string_view::npos;
  for (const std::string& l : lines) {
    const std::string_view s = unquote(l, depth_left);
    const std::size_t blanks = leading_blanks(s);
    // Lines that start with a timestamp (-r, -t, -ttt without -f) are right-aligned by strace
    // itself, and the reader takes blanks before a timestamp anyway: they say nothing.
    if (!detail::looks_like_strace(s.substr(blanks)) || starts_with_time(s.substr(blanks))) {
      continue;
    }
    ++strace_lines;
    if (blanks > 0) {
      ++indented;
      least = std::min(least, blanks);
    }
  }
  if (strace_lines > 0 && indented * 10 >= strace_lines * 9) {
    d.indent = least;
  }
  // Wraps: calls cut before their end and continued on the next line.
  std::size_t cuts = 0;
  std::size_t widest = 0;
  std::vector<std::size_t> cut_lengths;
  std::vector<std::string_view> plain;
  for (const std::string& l : lines) {
    plain.push_back(dedent(unquote(l, depth_left), d.indent));
    widest = std::max(widest, plain.back().size());
  }
  // A line starting with ")" closes a call that the program's output, printed to the same
  // terminal, interrupted (#27): such a log is strace's own, and the reader joins it.
  // (A row that a fixed-width cut starts with ")" follows a row of the full width.)
  bool interleaved = false;
  for (std::size_t i = 1; i < plain.size(); ++i) {
    interleaved = interleaved ||
                  (starts_with(plain[i], ")") && plain[i].find('=') != std::string_view::npos &&
                   plain[i - 1].size() != widest);
  }
  for (std::size_t i = 0; i + 1 < plain.size() && !interleaved; ++i) {
    if (continues(plain[i], plain[i + 1], false) && !glued_output(plain[i]) &&
        strace_line_cut(plain[i])) {
      ++cuts;
      cut_lengths.push_back(plain[i].size());
    }
  }
  if (cuts > 0) {
    const auto at_widest =
        static_cast<std::size_t>(std::count(cut_lengths.begin(), cut_lengths.end(), widest));
    // A mail client breaks every line it can: a long line left whole has no space before the
    // width (a long path, a buffer of escapes). Lines it could have broken mean no mail wrap.
    std::size_t breakable_long = 0;
    for (const std::string_view l : plain) {
      if (l.size() > kMailWidth) {
        const std::size_t space = l.find(' ', kMailWidth / 4);
        breakable_long += space != std::string_view::npos && space < kMailWidth ? 1 : 0;
      }
    }
    // A terminal cuts every long line at the same column; a mail client's longest row is one of a
    // kind.
    const auto rows_at_widest = static_cast<std::size_t>(std::count_if(
        plain.begin(), plain.end(), [&](std::string_view l) { return l.size() == widest; }));
    if (widest >= 40 && rows_at_widest >= 2 && at_widest * 3 >= cuts * 2) {
      d.wrap = PasteDamage::Wrap::FixedWidth;
      d.width = widest;
    } else if (breakable_long * 50 <= plain.size()) {
      d.wrap = PasteDamage::Wrap::Mail;
    }
  }
  return d;
}

void PasteRepair::feed(std::string_view line, std::uint64_t line_no, const Out& out) {
  if (!line.empty() && line.back() == '\r') {
    line.remove_suffix(1);
  }
  auto rest = [&](std::string_view piece) {
    piece = dedent(unnumber(unquote(piece, damage_.quote_depth)), damage_.indent);
    const bool cut_at_width =
        damage_.wrap == PasteDamage::Wrap::FixedWidth && piece.size() == damage_.width;
    unwrap(piece, line_no, cut_at_width, out);
  };
  if (!damage_.html) {
    rest(line);
    return;
  }
  const bool tags = html_decode(line, html_);
  const std::string decoded = html_;  // pieces are handed on while html_ may be reused
  if (!tags) {
    rest(decoded);
    return;
  }
  std::size_t pos = 0;
  while (pos <= decoded.size()) {
    const std::size_t nl = std::min(decoded.find('\n', pos), decoded.size());
    const std::string_view piece = std::string_view(decoded).substr(pos, nl - pos);
    if (!trim_right(piece).empty()) {
      rest(piece);
    }
    pos = nl + 1;
  }
}

std::string_view PasteRepair::unnumber(std::string_view line) {
  if (!damage_.numbered) {
    return line;
  }
  std::size_t n = line_number_length(line, next_number_);
  if (n == 0 && (n = line_number_length(line, next_number_ + 1)) != 0) {
    ++next_number_;
  }
  if (n == 0) {
    return line;
  }
  ++next_number_;
  return line.substr(n);
}

void PasteRepair::unwrap(std::string_view line, std::uint64_t line_no, bool cut_at_width,
                         const Out& out) {
  if (damage_.wrap == PasteDamage::Wrap::None) {
    out(line, line_no);
    return;
  }
  const bool mail = damage_.wrap == PasteDamage::Wrap::Mail;
  if (!held_.empty()) {
    // A piece that fills the width may go on even when what is held reads as whole ("= 0x7f").
    const bool cut = held_cut_ || strace_line_cut(held_);
    if (held_pieces_ < kMaxPieces && held_.size() < kMaxHeld &&
        ((cut && continues(held_, line, held_cut_ || mail)) || (!cut && bare_duration(line)))) {
      // A fixed-width cut splits anywhere; a mail client breaks at a space, which it may drop.
      if (!held_cut_ && held_.back() != ' ' && line.front() != ' ') {
        held_ += ' ';
      }
      held_.append(line);
      held_cut_ = cut_at_width;
      ++held_pieces_;
      return;
    }
    release(out);
  }
  // Every strace line is held until the next one shows whether it goes on.
  if ((cut_at_width || detail::looks_like_strace(line) || strace_line_cut(line)) &&
      !glued_output(line)) {
    held_.assign(line);
    held_line_ = line_no;
    held_cut_ = cut_at_width;
    held_pieces_ = 1;
    return;
  }
  out(damage_.wrap == PasteDamage::Wrap::FixedWidth ? trim_right(line) : line, line_no);
}

void PasteRepair::release(const Out& out) {
  if (held_.empty()) {
    return;
  }
  const std::string whole = std::move(held_);
  held_.clear();
  held_pieces_ = 0;
  out(trim_right(whole), held_line_);
}

void PasteRepair::finish(const Out& out) { release(out); }

}  // namespace culprit::tracer
