// Paste repair: gives back the lines strace wrote when its output reached culprit through a web
// page, a mail client, a README or a terminal (docs/strace-format.md #48-#53, #55).
//
// What pasting does to a log, and what is undone here, in this order:
//   - HTML (#49): tags (`<br>`, `<pre>`, `<strong>`, ...) and entities (`&quot;`, `&lt;`, ...);
//     a line-breaking tag ends a line;
//   - mail quoting (#50): `> ` markers, nested (`> > `, `>> `);
//   - line numbers (#55): a listing copied with its numbers (`cat -n`, `nl`, a code viewer's
//     gutter, a page's number column glued to the line: `3execve(`);
//   - indentation (#51): a markdown code block, a list, a mail client's indent;
//   - wraps with no padding (#52): a mail client breaking at a space before ~78 columns, or a
//     terminal cut at a fixed width; the pieces are joined back.
// Colour escapes are removed before this (#47); the same block pasted twice is dropped after it
// (tracer/strace/pasted_twice.h); wraps whose continuation is indented, shell prompts and a cut
// last line are left to the reader itself (#48).
//
// The damage is judged once per input from its start (detect_paste_damage: the first block the
// reader gets, at least 64 KiB or the whole input, at most kSampleLines lines of it), so a clean
// log pays nothing and a damaged one is repaired the same way from its first line to its last.
// Detection looks for what strace itself never prints: a tag or entity where a strace line starts
// or ends, a line starting with '>', strace lines indented alike, calls cut before their return and
// continued on a line that is not strace's.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace culprit::tracer {

struct PasteDamage {
  enum class Wrap { None, Mail, FixedWidth };
  bool html = false;
  int quote_depth = 0;     // '>' markers to remove from every quoted line
  std::size_t indent = 0;  // leading blanks to remove from every line that has them
  Wrap wrap = Wrap::None;
  std::size_t width = 0;  // FixedWidth: the column lines were cut at
  // Lines numbered in sequence from first_number (0: not numbered).
  std::uint64_t first_number = 0;
  bool numbered = false;

  bool any() const {
    return html || quote_depth > 0 || numbered || indent > 0 || wrap != Wrap::None;
  }
  // "HTML, mail quoting (depth 1), indented by 4, wrapped by a mail client": for the note the
  // reader gives when it repairs.
  std::string describe() const;
};

// Judges the damage from the start of an input (the reader passes its first block).
PasteDamage detect_paste_damage(std::string_view sample);

// Turns pasted lines back into strace's lines. Feed every input line (without its '\n') in
// order with its line number; `out` receives repaired lines with the number of the input line
// each starts on. A line may be held until the next one shows whether it continues it: call
// finish() at the end of the input.
class PasteRepair {
 public:
  using Out = std::function<void(std::string_view line, std::uint64_t line_no)>;
  explicit PasteRepair(const PasteDamage& damage)
      : damage_(damage), next_number_(damage.first_number) {}

  void feed(std::string_view line, std::uint64_t line_no, const Out& out);
  void finish(const Out& out);

 private:
  // One line after HTML, quoting and indentation are undone: joins wraps.
  void unwrap(std::string_view line, std::uint64_t line_no, bool cut_at_width, const Out& out);
  void release(const Out& out);

  // Removes the line number a listing line starts with, when it is the next in sequence.
  std::string_view unnumber(std::string_view line);

  PasteDamage damage_;
  std::uint64_t next_number_ = 0;
  std::string html_;  // the line with tags and entities undone ('\n' where a tag broke it)
  std::string held_;  // a call cut before its end, waiting for its continuation
  std::uint64_t held_line_ = 0;
  bool held_cut_ = false;  // the last piece of held_ ended exactly at the fixed width
  std::size_t held_pieces_ = 0;
};

// Whether a strace line (its prefix included) stops before strace finished writing it: a call
// without its closing parenthesis and return, a return without its errno or with the errno's text
// cut, a signal or exit line without its closing marks. Unfinished calls
// ("... <unfinished ...>") are whole.
bool strace_line_cut(std::string_view line);

}  // namespace culprit::tracer
