// The first, stateless pass over a block of strace text: splits it into lines and classifies each
// line (prefix, call name and table row, top-level argument split, and whether it is a successful
// call outside the table that only needs counting). Pure functions of each line's bytes: the
// read-ahead thread runs it beside the parser, and the parser's own decisions about call lines
// are classify_call()'s too.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "tracer/model/event.h"
#include "tracer/model/syscall_table.h"
#include "tracer/strace/strace_lex.h"

namespace culprit::tracer::detail {

// The stateless reading of a call line, shared by the scanning thread (LineScanner) and the
// parser (syscall_line()): a line the scanner marks kSkip is exactly one the parser would only
// count, because both decide it here.
struct CallLine {
  enum class Kind : std::uint8_t {
    Unfinished,  // "name(args <unfinished ...>" (#19, #21, #22): `text` ends before the marker
    Detached,    // "name(args <detached ...>": `text` ends before the marker
    Skip,        // a complete, successful call outside the table: only counted
    Call,        // anything else: deliver_call() reads it
  };
  Kind kind = Kind::Call;
  std::string_view text;             // the call text, trailing blanks trimmed
  const SyscallInfo* row = nullptr;  // find_syscall() of the name
};

// `body` is a line after its prefix, "name(...", with its '(' at `paren`. With `all_syscalls`
// nothing is skipped.
CallLine classify_call(std::string_view body, std::size_t paren, bool all_syscalls);

// What the scanning pass learnt about one line of a block, so that the parsing pass neither
// searches for the line's end nor parses its prefix again, and can step over lines that it would
// only count (kSkip).
struct LineRec {
  static constexpr std::uint8_t kPrefix = 1;  // pid/ts/body are the prefix parse of the line
  static constexpr std::uint8_t kHasPid = 2;  // the line carried a pid
  static constexpr std::uint8_t kSkip = 4;    // a complete, successful call outside the table
  static constexpr std::uint32_t kNoArgs = 0xffffffffU;
  std::size_t off = 0;     // in the block
  std::size_t len = 0;     // without the '\n'
  std::uint32_t body = 0;  // offset of the body (after the prefix) in the line
  Pid pid = 0;
  std::uint8_t flags = 0;
  // split_args() of the call's text (the trimmed body from just after '('), in the block's
  // `args` vector, or kNoArgs; `text_len` is the length of that trimmed body.
  std::uint32_t args = kNoArgs;
  std::size_t text_len = 0;
  const SyscallInfo* row = nullptr;  // the call's table row (with `args`)
  Timestamp ts;
};

// A scanned block: its lines and the argument splits of its call lines.
struct ScannedLines {
  std::vector<LineRec> lines;
  std::vector<Args> args;
  bool has_escape = false;
  void clear() {
    lines.clear();
    args.clear();
    has_escape = false;
  }
};

// The first, stateless pass over a block: splits lines and classifies each from its first and last
// bytes. It runs on the read-ahead thread, beside the parser, so both cores share the reading.
// Its decisions about call lines are classify_call()'s, the parser's own: a kSkip line is one the
// parser's syscall_line() would only count as recognised, and a pre-split line is one it would
// hand to deliver_call().
class LineScanner {
 public:
  explicit LineScanner(bool all_syscalls) : all_syscalls_(all_syscalls) {}

  // Splits `block` into `out` (cleared first).
  void scan(std::string_view block, ScannedLines& scanned) const;

 private:
  void classify(std::string_view line, LineRec& r, std::vector<Args>& args) const;
  // The split deliver_call() will need for the call text `t` ("name(args) = ret", paren at k).
  static void split(std::string_view t, std::size_t k, LineRec& r, std::vector<Args>& args);

  bool all_syscalls_;
};

}  // namespace culprit::tracer::detail
