// strace text → Events. The reader is built for speed on big logs (hundreds of MB) and uses both
// cores in a three-stage pipeline:
//   1. read-ahead thread: reads 4 MiB blocks and scans them (LineScanner: line ends, the
//      "PID HH:MM:SS.uuuuuu " prefix, call name and table row, the top-level argument split, and
//      whether a line is a successful call outside the table that only needs counting);
//   2. calling thread: the stateful part, in order (pasted-twice and wrapped lines,
//      unfinished/resumed pairing, ProcessState, path resolution), reusing the scan whenever
//      the bytes it parses are the very bytes that were scanned, and filling Events in place;
//   3. delivery thread: hands batches of events to the sink (the analyzer) in order.
// Every decision of stage 1 is a pure function of the line's bytes that stage 2 would otherwise
// make itself, so the result is the same with or without it (read_text scans inline).
// Format cases: docs/strace-format.md (numbers in comments refer to its table
// rows).
#include "tracer/strace_log.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <limits>
#include <mutex>
#include <queue>
#include <thread>
#include <unordered_map>
#include <vector>

#include "tracer/errno_names.h"
#include "tracer/event_batcher.h"
#include "tracer/line_scanner.h"
#include "tracer/process_state.h"
#include "tracer/strace_lex.h"
#include "tracer/strace_prefix.h"
#include "tracer/syscall_decode.h"
#include "tracer/syscall_table.h"

namespace culprit::tracer {

using namespace detail;  // the reader's stages (strace_lex.h, ...)

namespace {

constexpr std::size_t kBlockSize = 4 << 20;
// Longer "lines" (binary data) are cut and counted. Real lines can be long: a write() of a 10 MB
// buffer under `strace -s 10000000` is one line, and must parse as one (tests/test_hardening.cpp).
constexpr std::size_t kMaxLine = 16 << 20;

struct Pending {
  bool active = false;  // an entry half waits for its resumption
  std::string text;     // "name(args so far"
  std::uint64_t line = 0;
  std::string_view file;
  Timestamp time;
  bool clone_like = false;
};

struct LineStats {
  std::uint64_t recognised = 0;
  std::uint64_t lines = 0;
  std::uint64_t bytes = 0;
};

// File names live for the whole process: Event origins point into them, and analyzers keep events
// (evidence) after the reader is gone. There are only as many as input files.
std::string_view intern_name(const std::string& name) {
  static std::mutex mu;
  static std::deque<std::string> names;
  std::lock_guard<std::mutex> lock(mu);
  for (const std::string& n : names) {
    if (n == name) {
      return n;
    }
  }
  names.push_back(name);
  return names.back();
}

}  // namespace

class StraceLogReader::Impl {
 public:
  Impl(EventSink& sink, SourceStats& stats, ReadOptions options)
      : sink_(sink), stats_(stats), options_(options), scanner_(options.all_syscalls) {
    if (options_.deliver_thread) {
      deliverer_ = std::make_unique<EventBatcher>(sink_);
    }
  }

  // ---- input ----

  Result<void> read_file(const std::string& path, Pid pid);
  Result<void> read_text(std::string_view text, const std::string& name, Pid pid);
  Result<void> read_merged(const std::vector<std::pair<std::string, Pid>>& files);
  void finish();

  // Per-file context.
  void begin_file(const std::string& name, Pid pid) {
    file_ = intern_name(name);
    default_pid_ = pid;
    lstats_ = {};
    line_no_ = 0;
    carry_.clear();
    carry_extra_.clear();
    carry_extra_lines_ = 0;
    in_summary_ = false;
    has_escape_ = true;
    last_was_call_ = false;
    record_.clear();
    record_bytes_ = 0;
    record_full_ = false;
    cut_held_ = false;
    matching_ = false;
    held_.clear();
  }
  Result<void> end_file() {
    end_match(true);
    if (!carry_.empty()) {
      drop_carry();
    }
    if (lstats_.recognised == 0 && lstats_.lines > 0) {
      return not_a_log("no strace line found");
    }
    return {};
  }

  // One block of complete lines (ending in '\n', except possibly at EOF), split by
  // LineScanner::scan into `lines`.
  Result<void> feed_block(std::string_view block, const ScannedLines& scanned) {
    has_escape_ = scanned.has_escape;
    for (const LineRec& r : scanned.lines) {
      const std::string_view line(block.data() + r.off, r.len);
      if (lstats_.recognised == 0 && !line.empty() &&
          std::memchr(line.data(), '\0', line.size()) != nullptr) {
        // strace escapes every byte it prints: a NUL before any strace line means binary data.
        return not_a_log("binary data");
      }
      if ((r.flags & LineRec::kSkip) != 0 && carry_.empty() && !matching_ &&
          (record_full_ || merging_) && lstats_.recognised > 0) {
        // What feed_line() → handle_line() → process() → syscall_line() do with this line when
        // nothing is held: count it. (dedup() returns at once when record_full_.)
        ++line_no_;
        ++stats_.lines;
        ++lstats_.lines;
        lstats_.bytes += r.len + 1;
        last_was_call_ = true;
        recognised();
        continue;
      }
      pre_ = &r;
      pre_data_ = line.data();
      if (r.args != LineRec::kNoArgs) {
        pre_args_ = &scanned.args[r.args];
        pre_text_ = line.data() + r.body;
        pre_text_len_ = r.text_len;
        pre_row_ = r.row;
      }
      feed_line(line);
      pre_ = nullptr;
      pre_args_ = nullptr;
      if (lstats_.recognised == 0 &&
          (lstats_.lines >= options_.detect_lines || lstats_.bytes >= options_.detect_bytes)) {
        return not_a_log(fmt::format("no strace line in the first {} lines", lstats_.lines));
      }
    }
    return {};
  }

  Error not_a_log(std::string_view why) {
    return Error{EINVAL, fmt::format("not an strace log ({})", why), std::string(file_), 0};
  }

  // ---- lines ----

  void feed_line(std::string_view line) {
    ++line_no_;
    ++stats_.lines;
    ++lstats_.lines;
    lstats_.bytes += line.size() + 1;
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    if (has_escape_ && line.find('\x1b') != std::string_view::npos) {
      strip_ansi(line, ansi_);
      line = ansi_;
    }
    if (dedup(line)) {
      return;
    }
    handle_line(line, line_no_);
  }

  // The same session pasted twice (#48): the lines from a repeat of the file's first line on are
  // held while they repeat the file's beginning; a complete repeat (or one cut off at the end of
  // the file) is dropped, anything else is read normally. Only the first kDedupBytes of a file are
  // remembered, so memory stays bounded; longer pastes are read as they are.
  static constexpr std::size_t kDedupBytes = 8 << 20;
  // Blank lines and bare prompts ("root@host:~# ") between pasted copies.
  static bool dedup_skippable(std::string_view s) {
    s = trim(s);
    std::size_t at = 0;
    return s.empty() || (has_prompt(s, at) && at == 0 && (s.back() == '#' || s.back() == '$'));
  }
  void remember(std::string_view line) {
    if (record_bytes_ >= kDedupBytes) {
      record_full_ = true;  // positions after this are unknown: no more matching
      return;
    }
    record_.emplace_back(line);
    record_bytes_ += line.size() + sizeof(std::string);
  }
  bool dedup(std::string_view line) {
    if (record_full_ || merging_) {
      return false;
    }
    const bool skippable = dedup_skippable(line);
    if (!matching_) {
      // Cheap test first: same length and bytes as the first remembered line.
      if (!record_.empty() && line.size() == record_[0].size() && line == record_[0]) {
        matching_ = true;
        match_pos_ = 1;
        copy_start_ = record_.size();
        held_.clear();
        held_.emplace_back(std::string(line), line_no_);
        remember(line);
        return true;
      }
      if (!skippable) {
        remember(line);
      }
      return false;
    }
    if (skippable) {
      held_.emplace_back(std::string(line), line_no_);
      return true;
    }
    if (match_pos_ < copy_start_ && !cut_held_) {
      const std::string& expected = record_[match_pos_];
      if (expected == line || (line.size() < expected.size() && starts_with(expected, line))) {
        // A strict prefix can only be the paste's cut-off last line; anything after it ends
        // the match.
        cut_held_ = expected != line;
        held_.emplace_back(std::string(line), line_no_);
        ++match_pos_;
        remember(line);
        return true;
      }
    }
    end_match(false);
    remember(line);
    return false;
  }
  // Ends a match: a repeat of everything before it is dropped, a partial one is read.
  void end_match(bool at_eof) {
    if (!matching_) {
      return;
    }
    matching_ = false;
    const bool complete = (match_pos_ == copy_start_ && !cut_held_) || (at_eof && match_pos_ > 1);
    cut_held_ = false;
    if (complete) {
      if (record_.size() > copy_start_) {
        record_.resize(copy_start_);  // the copy adds nothing to compare a third copy with
      }
      stats_.add_diagnostic(
          Error{0,
                fmt::format("lines {}-{} repeat the start of the log (pasted twice?): "
                            "read once",
                            held_.front().second, held_.back().second),
                std::string(file_), held_.front().second});
      held_.clear();
      return;
    }
    auto held = std::move(held_);
    held_.clear();
    for (const auto& [text, no] : held) {
      handle_line(text, no);
    }
  }

  void handle_line(std::string_view line, std::uint64_t line_no) {
    if (!carry_.empty()) {
      if (!carry_extra_.empty() || (!line.empty() && line.front() != ' ' && line.front() != '\t')) {
        // Program output written to the same terminal as strace (stderr mode, #27-like):
        // 'write(2, "PHP Warning:  req"..., 189PHP Warning: ...' + more output lines + ') = 189'.
        if (starts_with(line, ")")) {
          complete_interleaved(line);
          return;
        }
        if (!looks_like_strace(line) && carry_extra_.size() < kMaxInterleaved) {
          carry_extra_.append(line);
          carry_extra_ += '\n';
          ++carry_extra_lines_;
          return;
        }
      } else if (!starts_with(line, " > ") && !looks_like_relative_ts(line)) {
        // A hard-wrapped line pasted from a terminal continues on a line that starts with
        // spaces (reference #48), and strace's own "<unfinished ...>" after a glued message.
        std::size_t k = 0;
        while (k < line.size() && (line[k] == ' ' || line[k] == '\t')) {
          ++k;
        }
        joined_ = carry_;
        joined_.append(line.substr(k));
        carry_.clear();
        last_was_call_ = false;
        process(joined_, carry_line_, true);
        return;
      }
      drop_carry();
    } else if (last_was_call_ && starts_with(line, "  ") && !looks_like_relative_ts(line)) {
      // The wrapped tail of a call that parsed without it ("... (No such file or dir" +
      // "   ectory)"): the errno text is not needed.
      recognised();
      last_was_call_ = false;
      return;
    }
    last_was_call_ = false;
    process(line, line_no, false);
  }

  static constexpr std::size_t kMaxInterleaved = 64 * 1024;

  // "exit_group(128)" (or exit) with nothing after it: the process ended before strace could
  // print " = ?" (an interrupted strace, a paste cut at the end); the call itself is whole.
  static bool whole_exit_call(std::string_view line) {
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) {
      line.remove_suffix(1);
    }
    for (const std::string_view name : {"exit_group(", "exit("}) {
      const std::size_t at = line.rfind(name);
      if (at == std::string_view::npos || (at > 0 && line[at - 1] != ' ' && line[at - 1] != ']')) {
        continue;
      }
      std::string_view arg = line.substr(at + name.size());
      if (arg.size() < 2 || arg.back() != ')') {
        continue;
      }
      arg.remove_suffix(1);
      if (!arg.empty() && arg.front() == '-') {
        arg.remove_prefix(1);
      }
      if (!arg.empty() && std::all_of(arg.begin(), arg.end(), is_digit)) {
        return true;
      }
    }
    return false;
  }

  // The held incomplete line never completed: it and any output held with it are malformed
  // (an exit call with its " = ?" lost is read as it is).
  void drop_carry() {
    if (carry_extra_.empty() && whole_exit_call(carry_)) {
      std::string whole = std::move(carry_);
      whole += " = ?";
      carry_.clear();
      process(whole, carry_line_, true);
      return;
    }
    malformed(carry_line_, "truncated line");
    stats_.malformed += carry_extra_lines_;
    carry_.clear();
    carry_extra_.clear();
    carry_extra_lines_ = 0;
  }

  // `close` (") = 189 ...") completes the held call; what the program printed in between is
  // the glued tail of the held line plus the held output lines.
  void complete_interleaved(std::string_view close) {
    const std::size_t paren = carry_.find('(');
    std::size_t glue = carry_.size();
    if (paren != std::string::npos) {
      Args a;
      split_args(std::string_view(carry_).substr(paren + 1), a);
      if (a.n > 0) {
        const std::string_view last = a.v[a.n - 1];
        std::size_t d = 0;
        while (d < last.size() && is_digit(last[d])) {
          ++d;
        }
        if (d > 0 && d < last.size()) {
          glue = static_cast<std::size_t>(last.data() - carry_.data()) + d;
        }
      }
    }
    interleaved_.assign(carry_, glue, std::string::npos);
    if (glue < carry_.size() || !carry_extra_.empty()) {
      interleaved_ += '\n';
    }
    interleaved_ += carry_extra_;
    joined_.assign(carry_, 0, glue);
    joined_.append(close);
    const std::uint64_t line_no = carry_line_;
    carry_.clear();
    carry_extra_.clear();
    carry_extra_lines_ = 0;
    use_interleaved_ = true;
    process(joined_, line_no, true);
    use_interleaved_ = false;
  }

  static bool looks_like_relative_ts(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size() && s[i] == ' ') {
      ++i;
    }
    const std::size_t d = i;
    while (i < s.size() && is_digit(s[i])) {
      ++i;
    }
    return i > d && i < s.size() && s[i] == '.';
  }

  static void strip_ansi(std::string_view in, std::string& out) {
    out.clear();
    for (std::size_t i = 0; i < in.size(); ++i) {
      if (in[i] == '\x1b' && i + 1 < in.size() && in[i + 1] == '[') {
        std::size_t j = i + 2;
        while (j < in.size() && !(in[j] >= '@' && in[j] <= '~')) {
          ++j;
        }
        i = j;
        continue;
      }
      out += in[i];
    }
  }

  void malformed(std::uint64_t line, std::string_view why) {
    ++stats_.malformed;
    if (stats_.diagnostics.size() < SourceStats::kMaxDiagnostics) {
      stats_.add_diagnostic(
          Error{0, fmt::format("malformed strace line ({})", why), std::string(file_), line});
    }
  }

  void recognised() { ++lstats_.recognised; }

  // Parses the prefix ([pid N] / N / N<comm> / timestamps) and dispatches on the body.
  void process(std::string_view line, std::uint64_t line_no, bool joined);

  // ---- syscalls ----
  // `body` is the line after its prefix, with the '(' after the call's name at `paren`.
  void syscall_line(std::string_view body, std::size_t paren, Pid pid, const Timestamp& ts,
                    std::uint64_t line_no, bool joined, std::string_view whole);
  void resumed_line(std::string_view body, Pid pid, const Timestamp& ts, std::uint64_t line_no);
  // A call's text "name(args) = ret ..." (or an unfinished "name(args") and what the caller
  // already learnt about it, so that deliver_call() neither searches nor splits it again.
  struct CallText {
    std::string_view text;
    std::size_t paren = std::string_view::npos;  // of the '(' in `text`; npos: search it
    bool row_known = false;                      // `row` is find_syscall(name) (maybe nullptr)
    const SyscallInfo* row = nullptr;
    const Args* args = nullptr;  // split_args() of `text` after the '(', when already split
  };
  // Full parse of the call and delivery; false when the text is not a complete call (no ')' and
  // return: wrapped or cut off) unless `unfinished`.
  bool deliver_call(const CallText& call, Pid pid, const Timestamp& ts, std::uint64_t line_no,
                    std::string_view file, bool unfinished);
  void flush_pending(Pid pid, Pending& p);

  void emit(Event& ev) {
    // The kernel reads a path up to its first NUL, so a "\0" escape inside a logged path can only
    // come from a corrupt or crafted log. Cut it there: no NUL may reach the analyzer, whose
    // quoting refuses NUL (analyzer/quote.h). Found by fuzz/fuzz_strace_log.cpp; reproducer
    // fuzz/crashes/strace_log/nul-in-path.log.
    for (std::string* p : {&ev.path, &ev.path2, &ev.fd_path, &ev.ret_path}) {
      if (const std::size_t nul = p->find('\0'); nul != std::string::npos) {
        p->resize(nul);
      }
    }
    ++stats_.events;
    if (deliverer_) {
      CULPRIT_ASSERT(&ev == &deliverer_->slot()) << "emit of an event not made in slot()";
      deliverer_->commit();
    } else {
      sink_.on_event(ev);
    }
  }
  // The Event to fill for the next delivery (cleared by the caller). Only one may be in the
  // making at a time: emit() it or abandon it before asking for the next.
  Event& slot() { return deliverer_ ? deliverer_->slot() : ev_; }
  void drain() {
    if (deliverer_) {
      deliverer_->drain();
    }
  }

  EventSink& sink_;
  SourceStats& stats_;
  ReadOptions options_;
  LineScanner scanner_;
  ScannedLines scanned_;            // read_text's scan (read_file's comes from BlockSource)
  const Args* pre_args_ = nullptr;  // split_args() of the call text at pre_text_
  const char* pre_text_ = nullptr;
  std::size_t pre_text_len_ = 0;
  const SyscallInfo* pre_row_ = nullptr;
  const LineRec* pre_ = nullptr;  // the scan of the line being fed, if it is `pre_data_`
  const char* pre_data_ = nullptr;
  std::unique_ptr<EventBatcher> deliverer_;
  ProcessState state_;
  Event ev_;
  Args args_;
  std::string_view file_;
  Pid default_pid_ = 0;
  LineStats lstats_;
  std::uint64_t line_no_ = 0;
  std::string carry_;
  std::uint64_t carry_line_ = 0;
  std::string carry_extra_;  // program output lines held with carry_
  std::uint64_t carry_extra_lines_ = 0;
  std::string interleaved_;  // program output of the call being completed
  bool use_interleaved_ = false;
  std::string joined_;
  std::string ansi_;
  std::string scratch_;
  std::string resolved_;
  DecodeContext decode_{state_, scratch_, resolved_};
  bool in_summary_ = false;
  bool has_escape_ = true;
  bool last_was_call_ = false;
  // Pasted-twice detection.
  std::vector<std::string> record_;
  std::size_t record_bytes_ = 0;
  bool record_full_ = false;
  bool merging_ = false;  // reading an -ff set line by line: files are machine-written
  bool cut_held_ = false;
  bool matching_ = false;
  std::size_t match_pos_ = 0;
  std::size_t copy_start_ = 0;
  std::vector<std::pair<std::string, std::uint64_t>> held_;
  std::int64_t relative_sum_ = 0;
  std::unordered_map<Pid, Pending> pending_;
  std::unordered_map<Pid, Pid> superseded_;  // leader pid -> pid whose execve replaced it
};

void StraceLogReader::Impl::process(std::string_view line, std::uint64_t line_no, bool joined) {
  std::string_view s = line;
  if (s.empty()) {
    return;
  }
  Pid pid = default_pid_;
  Timestamp ts;
  if (pre_ != nullptr && line.data() == pre_data_ && (pre_->flags & LineRec::kPrefix) != 0 &&
      pre_->body <= line.size()) {
    // The scanner parsed this very line's prefix (same bytes, same '\r' handling).
    s.remove_prefix(pre_->body);
    if ((pre_->flags & LineRec::kHasPid) != 0) {
      pid = pre_->pid;
    }
    ts = pre_->ts;
    pre_ = nullptr;
  } else if (!parse_prefix(s, pid, ts)) {
    malformed(line_no, "bad pid prefix");
    return;
  }
  if (ts.kind == Timestamp::Kind::Relative) {
    // -r prints the delta since the previous line. (Saturating: a crafted log of huge deltas
    // must not overflow the sum.)
    relative_sum_ = relative_sum_ > std::numeric_limits<std::int64_t>::max() - ts.micros
                        ? std::numeric_limits<std::int64_t>::max()
                        : relative_sum_ + ts.micros;
    ts.micros = relative_sum_;
  }
  if (s.empty()) {
    malformed(line_no, "no call after the prefix");
    return;
  }
  // ---- body ----
  const char c = s.front();
  if (is_name_char(c) && !(is_digit(c))) {
    std::size_t k = 0;
    while (k < s.size() && is_name_char(s[k])) {
      ++k;
    }
    if (k < s.size() && s[k] == '(') {
      syscall_line(s, k, pid, ts, line_no, joined, line);
      return;
    }
    if (starts_with(s, "strace: ") || starts_with(s, "Process ")) {  // #28
      recognised();
      return;
    }
  }
  switch (c) {
    case '<':
      if (starts_with(s, "<... ")) {
        resumed_line(s, pid, ts, line_no);
        return;
      }
      break;
    case '-':
      if (starts_with(s, "--- ")) {  // #30, #31
        std::string_view rest = s.substr(4);
        if (starts_with(rest, "stopped by ")) {
          rest.remove_prefix(11);
        }
        std::size_t k = 0;
        while (k < rest.size() && is_name_char(rest[k])) {
          ++k;
        }
        if (k == 0) {
          break;
        }
        recognised();
        Event& ev = slot();
        ev.clear();
        ev.kind = EventKind::Signal;
        ev.pid = pid;
        ev.time = ts;
        ev.origin = Origin{file_, line_no};
        ev.signal.assign(rest.substr(0, k));
        emit(ev);
        return;
      }
      if (starts_with(s, "------") && in_summary_) {
        recognised();
        return;
      }
      break;
    case '+':
      if (starts_with(s, "+++ ")) {  // #32, #33
        std::string_view rest = s.substr(4);
        recognised();
        if (starts_with(rest, "superseded by execve in pid ")) {
          std::int64_t v = 0;
          parse_int(rest.substr(28), v);
          superseded_[pid] = static_cast<Pid>(v);
          return;
        }
        const bool exited = starts_with(rest, "exited with ");
        if (!exited && !starts_with(rest, "killed by ")) {
          return;
        }
        // A call the process was in when it died never completes: deliver it first.
        if (auto it = pending_.find(pid); it != pending_.end()) {
          if (it->second.active) {
            flush_pending(pid, it->second);
          }
          pending_.erase(it);
        }
        Event& ev = slot();
        ev.clear();
        ev.kind = EventKind::Exit;
        ev.pid = pid;
        ev.time = ts;
        ev.origin = Origin{file_, line_no};
        if (exited) {
          std::int64_t v = 0;
          parse_int(rest.substr(12), v);
          ev.exit_code = static_cast<std::int32_t>(v);
        } else {
          rest.remove_prefix(10);
          std::size_t k = 0;
          while (k < rest.size() && is_name_char(rest[k])) {
            ++k;
          }
          ev.killed = true;
          ev.signal.assign(rest.substr(0, k));
          ev.core_dumped = rest.find("(core dumped)") != std::string_view::npos;
        }
        emit(ev);
        state_.on_exit(pid);
        return;
      }
      break;
    case '[':
      if (starts_with(s, "[ Process PID=")) {  // #29
        recognised();
        return;
      }
      break;
    case ' ':
      if (starts_with(s, " > ")) {  // #41 -k stack frame
        recognised();
        return;
      }
      break;
    case '%':
      if (starts_with(s, "% time")) {  // #44
        in_summary_ = true;
        recognised();
        return;
      }
      break;
    default:
      break;
  }
  if (in_summary_) {
    // "  0.00    0.000000           0         5         2 openat" / "100.00 ... total"
    if (is_digit(trim(s).empty() ? 'x' : trim(s).front())) {
      recognised();
      if (ends_with(trim(s), "total")) {
        in_summary_ = false;
      }
      return;
    }
  }
  std::size_t at = 0;
  if (has_prompt(line, at)) {
    // A shell prompt pasted in (#48): the prompt line itself is not a problem; what came before
    // it on the same line is a call cut off by the paste.
    if (!trim(line.substr(0, at)).empty()) {
      malformed(line_no, "line cut off by a shell prompt");
      return;
    }
    // The first strace line may be glued to the command typed at the prompt:
    // "root@web1:~# strace -f php index.phpexecve("/usr/bin/php", ...".
    const std::string_view after = line.substr(at);
    for (const std::string_view marker : {"execve(", "strace: Process ", "Process "}) {
      const std::size_t q = after.find(marker);
      if (q != std::string_view::npos) {
        process(after.substr(q), line_no, joined);
        return;
      }
    }
    return;
  }
  if (trim(s).empty()) {
    return;
  }
  malformed(line_no, "not an strace line");
}

void StraceLogReader::Impl::syscall_line(std::string_view body, std::size_t paren, Pid pid,
                                         const Timestamp& ts, std::uint64_t line_no, bool joined,
                                         std::string_view whole) {
  last_was_call_ = true;
  // The scanner already classified this very line as a Call and split its arguments.
  const bool scanned =
      pre_args_ != nullptr && body.data() == pre_text_ && pre_text_len_ <= body.size();
  CallLine c;
  if (scanned) {
    c.text = body.substr(0, pre_text_len_);
    c.row = pre_row_;
  } else {
    c = classify_call(body, paren, options_.all_syscalls);
  }
  const Args* const pre = scanned ? pre_args_ : nullptr;
  pre_args_ = nullptr;
  switch (c.kind) {
    case CallLine::Kind::Unfinished: {  // #19, #21, #22
      recognised();
      Pending& p = pending_[pid];
      if (p.active) {
        flush_pending(pid, p);
      }
      p.active = true;
      p.text.assign(c.text);
      p.line = line_no;
      p.file = file_;
      p.time = ts;
      p.clone_like = c.row != nullptr && c.row->has(Trait::CloneLike);
      return;
    }
    case CallLine::Kind::Detached:
      recognised();
      deliver_call(CallText{c.text, paren, true, c.row, nullptr}, pid, ts, line_no, file_, true);
      return;
    case CallLine::Kind::Skip:  // successful calls culprit has no use for
      recognised();
      return;
    case CallLine::Kind::Call:
      break;
  }
  std::string_view t = c.text;
  if (!deliver_call(CallText{t, paren, true, c.row, pre}, pid, ts, line_no, file_, false)) {
    // strace's own message glued into the line (#27): "vfork(strace: Process 15971 attached",
    // the call goes on with " <unfinished ...>" on the next line.
    if (const std::size_t m = t.find("strace: Process "); m != std::string_view::npos) {
      t = t.substr(0, m);
      recognised();
      carry_.assign(whole.substr(0, static_cast<std::size_t>(t.data() - whole.data()) + t.size()));
      carry_line_ = line_no;
      return;
    }
    // No ")" + return: a line wrapped by a terminal, or cut at the end of the file.
    if (!joined || carry_.empty()) {
      std::size_t at = 0;
      if (has_prompt(whole, at)) {
        malformed(line_no, "line cut off by a shell prompt");
        return;
      }
      carry_.assign(whole);
      carry_line_ = line_no;
    }
  }
}

void StraceLogReader::Impl::resumed_line(std::string_view body, Pid pid, const Timestamp& ts,
                                         std::uint64_t line_no) {
  // "<... openat resumed>) = -1 ENOENT (...)", "<... select resumed #89567>" (#19, #20, #22).
  const std::size_t gt = body.find('>');
  const std::size_t sp = body.find(' ', 5);
  if (gt == std::string_view::npos || sp == std::string_view::npos || sp > gt) {
    malformed(line_no, "bad resumed line");
    return;
  }
  recognised();
  const std::string_view name = body.substr(5, sp - 5);
  std::string_view tail = body.substr(gt + 1);
  auto usable = [&](auto iter) {
    return iter != pending_.end() && iter->second.active && starts_with(iter->second.text, name);
  };
  auto it = pending_.find(pid);
  if (!usable(it)) {
    // A thread's execve completes under the leader's pid (#33).
    if (auto sup = superseded_.find(pid); sup != superseded_.end()) {
      it = pending_.find(sup->second);
      superseded_.erase(sup);
    }
  }
  if (!usable(it)) {
    // The entry half was never seen (log started mid-call): keep what the exit half says.
    scratch_.assign(name);
    scratch_ += '(';
    scratch_.append(tail);
    deliver_call(CallText{scratch_}, pid, ts, line_no, file_, false);
    return;
  }
  // The entry stays in the map, inactive, so its buffer is reused by the pid's next
  // unfinished call (no allocation per unfinished/resumed pair).
  Pending& p = it->second;
  while (!tail.empty() && tail.front() == ' ') {
    tail.remove_prefix(1);
  }
  p.text.append(tail);
  p.active = false;
  deliver_call(CallText{p.text}, pid, p.time, p.line, p.file, false);
  p.text.clear();
}

void StraceLogReader::Impl::flush_pending(Pid pid, Pending& p) {
  p.active = false;
  deliver_call(CallText{p.text}, pid, p.time, p.line, p.file, true);
  p.text.clear();
}

bool StraceLogReader::Impl::deliver_call(const CallText& call, Pid pid, const Timestamp& ts,
                                         std::uint64_t line_no, std::string_view file,
                                         bool unfinished) {
  const std::string_view text = call.text;
  const std::size_t paren = call.paren != std::string_view::npos ? call.paren : text.find('(');
  if (paren == std::string_view::npos) {
    return false;
  }
  if (call.args == nullptr) {
    split_args(text.substr(paren + 1), args_);
  }
  const Args& args = call.args != nullptr ? *call.args : args_;  // the scanner's split: no copy
  if (!args.closed && !unfinished) {
    return false;
  }
  const std::string_view name = text.substr(0, paren);
  const SyscallInfo* row = call.row_known ? call.row : find_syscall(name);
  Event& ev = slot();
  ev.clear();
  ev.kind = EventKind::Syscall;
  ev.pid = pid;
  ev.time = ts;
  ev.origin = Origin{file, line_no};
  ev.syscall.assign(name);
  if (unfinished) {
    ev.unfinished = true;
  } else {
    parse_return(args.rest, ev);
    if (!ev.ret_known && ev.err.empty()) {
      // ")" but no "= ret", or "= " with nothing after it: cut off (or wrapped by a terminal).
      const std::size_t eq = args.rest.find('=');
      if (eq == std::string_view::npos || trim(args.rest.substr(eq + 1)).empty()) {
        return false;
      }
    } else if (ev.ret == -1 && ev.err.empty() && ends_with(trim(args.rest), "-1")) {
      return false;  // "= -1" and the errno wrapped onto the next line
    }
  }
  recognised();
  if (row == nullptr && !options_.all_syscalls && !ev.failed()) {
    return true;
  }
  if (!state_.known(pid)) {
    // A pid's first line may come before its parent's clone returned (the parent's clone is
    // then pending): inherit from the most recent such parent.
    for (auto& [ppid, p] : pending_) {
      if (p.active && p.clone_like && ppid != pid) {
        const bool thread = p.text.find("CLONE_THREAD") != std::string::npos;
        state_.on_clone(ppid, pid, thread || p.text.find("CLONE_FS") != std::string::npos,
                        thread || p.text.find("CLONE_FILES") != std::string::npos);
        break;
      }
    }
  }
  if (row != nullptr) {
    decode_args(*row, args, ev, decode_);
  }
  if (use_interleaved_ && !interleaved_.empty() && ev.data_truncated &&
      std::string_view(interleaved_).substr(0, ev.data.size()) == ev.data) {
    // The terminal shows what the program wrote in full; strace's copy was cut at -s.
    ev.data = interleaved_;
    ev.data_truncated = ev.ret_known && static_cast<std::int64_t>(ev.data.size()) < ev.ret;
  }
  update_state(row, args, ev, decode_);
  emit(ev);
  return true;
}

// ---- input ----

namespace {

// A growable byte buffer that is not zero-filled on growth (std::string::resize is, and that
// showed up as ~5% of the reader's instructions).
class ByteBuffer {
 public:
  [[nodiscard]] char* data() { return data_.get(); }
  [[nodiscard]] std::size_t size() const { return size_; }
  void clear() { size_ = 0; }
  void set_size(std::size_t n) { size_ = n; }
  // Makes room for `extra` more bytes after size().
  void reserve_more(std::size_t extra) {
    if (size_ + extra <= capacity_) {
      return;
    }
    const std::size_t cap = std::max(size_ + extra, capacity_ * 2);
    std::unique_ptr<char[]> bigger(new char[cap]);
    if (size_ > 0) {
      std::memcpy(bigger.get(), data_.get(), size_);
    }
    data_ = std::move(bigger);
    capacity_ = cap;
  }
  void append(const char* p, std::size_t n) {
    if (n == 0) {
      // memcpy from a null `p` is undefined even for 0 bytes (UBSan, empty file; reproducer
      // fuzz/crashes/strace_log/empty.log).
      return;
    }
    reserve_more(n);
    std::memcpy(data_.get() + size_, p, n);
    size_ += n;
  }
  [[nodiscard]] std::string_view view() const { return {data_.get(), size_}; }

 private:
  std::unique_ptr<char[]> data_;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

// Reads a file descriptor in big blocks, optionally on a second thread (read-ahead), handing out
// runs of complete lines, each split and classified by `scanner` (on the read-ahead thread when
// there is one). The last block may end without '\n'.
class BlockSource {
 public:
  // A run of lines and its scan; valid until the next call of next().
  struct View {
    std::string_view text;
    const ScannedLines* scanned = nullptr;
  };

  BlockSource(int fd, bool read_ahead, const LineScanner& scanner)
      : fd_(fd), threaded_(read_ahead), scanner_(scanner) {
    if (threaded_) {
      worker_ = std::thread([this] { run(); });
    }
  }
  ~BlockSource() {
    if (threaded_) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        stop_ = true;
      }
      cv_.notify_all();
      worker_.join();
    }
  }
  BlockSource(const BlockSource&) = delete;
  BlockSource& operator=(const BlockSource&) = delete;

  // Next run of complete lines; empty text at EOF. Valid until the next call. On a read error
  // returns false with errno in `err`.
  bool next(View& out, int& err) {
    if (!threaded_) {
      std::string_view text;
      if (!fill(current_.data, tail_, done_, text, err)) {
        return false;
      }
      scanner_.scan(text, current_.scanned);
      out = View{text, &current_.scanned};
      return true;
    }
    std::unique_lock<std::mutex> lock(mu_);
    if (have_current_) {
      free_.push_back(std::move(current_));
      have_current_ = false;
      cv_.notify_all();
    }
    cv_.wait(lock, [this] { return !ready_.empty(); });
    Chunk c = std::move(ready_.front());
    ready_.pop_front();
    cv_.notify_all();
    if (c.err != 0) {
      err = c.err;
      return false;
    }
    current_ = std::move(c);
    have_current_ = true;
    out = View{current_.data.view(), &current_.scanned};
    return true;
  }

 private:
  struct Chunk {
    ByteBuffer data;
    ScannedLines scanned;
    int err = 0;
  };

  // Reads one block into `buf`: `tail` holds the unfinished line of the previous block.
  bool fill(ByteBuffer& buf, ByteBuffer& tail, bool& done, std::string_view& out, int& err) {
    buf.clear();
    if (done) {
      out = {};
      return true;
    }
    buf.append(tail.data(), tail.size());
    tail.clear();
    while (true) {
      const std::size_t have = buf.size();
      buf.reserve_more(kBlockSize);
      ssize_t n = 0;
      do {
        n = ::read(fd_, buf.data() + have, kBlockSize);
      } while (n < 0 && errno == EINTR);
      if (n < 0) {
        err = errno;
        return false;
      }
      buf.set_size(have + static_cast<std::size_t>(n));
      if (n == 0) {
        done = true;
        out = buf.view();
        return true;
      }
      const void* nl = memrchr(buf.data() + have, '\n', static_cast<std::size_t>(n));
      if (nl != nullptr) {
        const auto cut = static_cast<std::size_t>(static_cast<const char*>(nl) - buf.data()) + 1;
        tail.append(buf.data() + cut, buf.size() - cut);
        buf.set_size(cut);
        out = buf.view();
        return true;
      }
      if (buf.size() > kMaxLine) {
        // No newline in a long run (binary data): hand it out as one "line".
        out = buf.view();
        return true;
      }
    }
  }

  void run() {
    ByteBuffer tail;
    bool done = false;
    while (true) {
      Chunk c;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [this] { return stop_ || ready_.size() < 2; });
        if (stop_) {
          return;
        }
        if (!free_.empty()) {
          c = std::move(free_.back());
          free_.pop_back();
        }
      }
      std::string_view out;
      int err = 0;
      const bool ok = fill(c.data, tail, done, out, err);
      if (!ok) {
        c.err = err;
      } else {
        scanner_.scan(out, c.scanned);
      }
      const bool last = !ok || c.data.size() == 0;
      {
        std::lock_guard<std::mutex> lock(mu_);
        ready_.push_back(std::move(c));
      }
      cv_.notify_all();
      if (last) {
        return;
      }
    }
  }

  int fd_;
  bool threaded_;
  const LineScanner& scanner_;
  // Single-threaded state.
  Chunk current_;
  ByteBuffer tail_;
  bool done_ = false;
  bool have_current_ = false;
  // Read-ahead state.
  std::thread worker_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Chunk> ready_;
  std::vector<Chunk> free_;
  bool stop_ = false;
};

Error open_error(const std::string& path, int err) {
  return Error{err, fmt::format("cannot read {}: {}", path, std::strerror(err)), path, 0};
}

}  // namespace

Result<void> StraceLogReader::Impl::read_file(const std::string& path, Pid pid) {
  int fd = 0;
  const bool is_stdin = path == "-";
  if (!is_stdin) {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      return open_error(path, errno);
    }
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
      ::close(fd);
      return open_error(path, EISDIR);
    }
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  }
  begin_file(is_stdin ? std::string("<stdin>") : path, pid);
  Result<void> result;
  {
    BlockSource source(fd, options_.read_ahead, scanner_);
    while (true) {
      BlockSource::View block;
      int err = 0;
      if (!source.next(block, err)) {
        result = open_error(path, err);
        break;
      }
      if (block.text.empty()) {
        break;
      }
      if (auto r = feed_block(block.text, *block.scanned); !r.ok()) {
        result = r.take_error();
        break;
      }
    }
  }
  if (!is_stdin) {
    ::close(fd);
  }
  if (!result.ok()) {
    drain();
    return result;
  }
  auto end = end_file();
  drain();
  if (end.ok() && lstats_.lines == 0 && pid == 0) {
    // An empty log is a wrong -o path or an strace that never ran: "no findings" would be a
    // false all-clear. (Files of an -ff set, pid > 0, may be empty: a process that had just
    // started when the trace ended.)
    return not_a_log("empty file");
  }
  return end;
}

Result<void> StraceLogReader::Impl::read_text(std::string_view text, const std::string& name,
                                              Pid pid) {
  begin_file(name, pid);
  // In blocks of whole lines, like read_file, so that the scan's memory stays bounded.
  while (!text.empty()) {
    std::size_t cut = text.size();
    if (cut > kBlockSize) {
      const void* nl = std::memchr(text.data() + kBlockSize, '\n', text.size() - kBlockSize);
      cut = nl == nullptr
                ? text.size()
                : static_cast<std::size_t>(static_cast<const char*>(nl) - text.data()) + 1;
    }
    const std::string_view block = text.substr(0, cut);
    text.remove_prefix(cut);
    scanner_.scan(block, scanned_);
    auto fed = feed_block(block, scanned_);
    if (!fed.ok()) {
      drain();
      return fed;
    }
  }
  auto end = end_file();
  drain();
  return end;
}

void StraceLogReader::Impl::finish() {
  if (!carry_.empty()) {
    drop_carry();
  }
  // Calls still pending at the end of the record never completed (#21).
  std::vector<Pid> pids;
  pids.reserve(pending_.size());
  for (const auto& [pid, p] : pending_) {
    if (p.active) {
      pids.push_back(pid);
    }
  }
  std::sort(pids.begin(), pids.end(),
            [this](Pid a, Pid b) { return pending_[a].line < pending_[b].line; });
  for (const Pid pid : pids) {
    flush_pending(pid, pending_[pid]);
  }
  pending_.clear();
  drain();
}

namespace {

// One file of an -ff set read line by line: each item is a line plus the continuation lines
// (starting with spaces) that belong to it, with the item's timestamp for the merge.
class LineCursor {
 public:
  LineCursor() = default;
  LineCursor(const LineCursor&) = delete;
  LineCursor& operator=(const LineCursor&) = delete;
  ~LineCursor() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  Result<void> open(const std::string& path) {
    path_ = path;
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) {
      return open_error(path, errno);
    }
    return {};
  }
  // Next item into lines(); false at the end of the file.
  Result<bool> next() {
    lines_.clear();
    std::string_view line;
    if (have_peek_) {
      lines_.push_back(peek_);
      have_peek_ = false;
    } else {
      bool got = false;
      CULPRIT_TRY_VOID(physical(line, got));
      if (!got) {
        return false;
      }
      lines_.emplace_back(line);
    }
    Pid pid = 0;
    Timestamp ts;
    std::string_view first = lines_.front();
    if (parse_prefix(first, pid, ts) && ts.known()) {
      time_ = ts.micros;
    }
    while (true) {
      bool got = false;
      CULPRIT_TRY_VOID(physical(line, got));
      if (!got) {
        break;
      }
      if (!line.empty() && (line.front() == ' ' || line.front() == '\t') &&
          !starts_with(line, " > ")) {
        lines_.emplace_back(line);
        continue;
      }
      peek_.assign(line);
      have_peek_ = true;
      break;
    }
    return true;
  }
  [[nodiscard]] const std::vector<std::string>& lines() const { return lines_; }
  [[nodiscard]] std::int64_t time() const { return time_; }

 private:
  Result<void> physical(std::string_view& line, bool& got) {
    got = false;
    while (true) {
      const void* nl = std::memchr(buf_.data() + pos_, '\n', buf_.size() - pos_);
      if (nl != nullptr || eof_) {
        if (pos_ == buf_.size()) {
          return {};
        }
        const std::size_t end =
            nl != nullptr ? static_cast<std::size_t>(static_cast<const char*>(nl) - buf_.data())
                          : buf_.size();
        line = std::string_view(buf_).substr(pos_, end - pos_);
        pos_ = nl != nullptr ? end + 1 : end;
        got = true;
        return {};
      }
      buf_.erase(0, pos_);
      pos_ = 0;
      const std::size_t have = buf_.size();
      buf_.resize(have + kChunk);
      ssize_t n = 0;
      do {
        n = ::read(fd_, buf_.data() + have, kChunk);
      } while (n < 0 && errno == EINTR);
      if (n < 0) {
        return open_error(path_, errno);
      }
      buf_.resize(have + static_cast<std::size_t>(n));
      eof_ = n == 0;
    }
  }

  static constexpr std::size_t kChunk = 64 * 1024;
  std::string path_;
  int fd_ = -1;
  std::string buf_;
  std::size_t pos_ = 0;
  bool eof_ = false;
  std::vector<std::string> lines_;
  std::string peek_;
  bool have_peek_ = false;
  std::int64_t time_ = 0;
};

}  // namespace

Result<void> StraceLogReader::Impl::read_merged(
    const std::vector<std::pair<std::string, Pid>>& files) {
  struct Source {
    LineCursor cursor;
    std::string_view name;
    Pid pid = 0;
    LineStats lstats;
    std::uint64_t line_no = 0;
  };
  std::vector<std::unique_ptr<Source>> sources;
  using Key = std::pair<std::int64_t, std::size_t>;  // (time, source index)
  std::priority_queue<Key, std::vector<Key>, std::greater<>> heap;
  for (const auto& [path, pid] : files) {
    auto src = std::make_unique<Source>();
    if (auto r = src->cursor.open(path); !r.ok()) {
      return r;
    }
    src->name = intern_name(path);
    src->pid = pid;
    auto got = src->cursor.next();
    if (!got.ok()) {
      return got.take_error();
    }
    if (*got) {
      heap.emplace(src->cursor.time(), sources.size());
    }
    sources.push_back(std::move(src));
  }
  merging_ = true;
  std::size_t current = static_cast<std::size_t>(-1);
  Result<void> result;
  auto switch_to = [&](std::size_t i) {
    if (i == current) {
      return;
    }
    if (current != static_cast<std::size_t>(-1)) {
      if (!carry_.empty()) {
        drop_carry();
      }
      sources[current]->lstats = lstats_;
      sources[current]->line_no = line_no_;
    }
    current = i;
    Source& s = *sources[i];
    file_ = s.name;
    default_pid_ = s.pid;
    lstats_ = s.lstats;
    line_no_ = s.line_no;
    has_escape_ = true;
  };
  while (!heap.empty() && result.ok()) {
    const std::size_t i = heap.top().second;
    heap.pop();
    switch_to(i);
    Source& s = *sources[i];
    for (const std::string& line : s.cursor.lines()) {
      if (lstats_.recognised == 0 && !line.empty() &&
          std::memchr(line.data(), '\0', line.size()) != nullptr) {
        result = not_a_log("binary data");
        break;
      }
      feed_line(line);
    }
    if (!result.ok()) {
      break;
    }
    if (lstats_.recognised == 0 &&
        (lstats_.lines >= options_.detect_lines || lstats_.bytes >= options_.detect_bytes)) {
      result = not_a_log(fmt::format("no strace line in the first {} lines", lstats_.lines));
      break;
    }
    auto got = s.cursor.next();
    if (!got.ok()) {
      result = got.take_error();
      break;
    }
    if (*got) {
      heap.emplace(s.cursor.time(), i);
    }
  }
  if (result.ok()) {
    if (current != static_cast<std::size_t>(-1)) {
      if (!carry_.empty()) {
        drop_carry();
      }
      sources[current]->lstats = lstats_;
    }
    for (const auto& src : sources) {
      if (src->lstats.recognised == 0 && src->lstats.lines > 0) {
        file_ = src->name;
        result = not_a_log("no strace line found");
        break;
      }
    }
  }
  merging_ = false;
  drain();
  return result;
}

// ---- public ----

StraceLogReader::StraceLogReader(EventSink& sink, SourceStats& stats, ReadOptions options)
    : impl_(std::make_unique<Impl>(sink, stats, options)) {}
StraceLogReader::~StraceLogReader() = default;

Result<void> StraceLogReader::read_file(const std::string& path, Pid pid) {
  return impl_->read_file(path, pid);
}
Result<void> StraceLogReader::read_text(std::string_view text, const std::string& name, Pid pid) {
  return impl_->read_text(text, name, pid);
}
void StraceLogReader::finish() { impl_->finish(); }
Result<void> StraceLogReader::read_merged(const std::vector<std::pair<std::string, Pid>>& files) {
  return impl_->read_merged(files);
}

namespace {

// "prefix.1234" → 1234, else 0.
Pid ff_suffix(const std::string& path, std::string& prefix) {
  const std::size_t dot = path.rfind('.');
  if (dot == std::string::npos || dot + 1 == path.size() ||
      path.find('/', dot) != std::string::npos) {
    return 0;
  }
  std::int64_t v = 0;
  const std::string_view suffix(path.data() + dot + 1, path.size() - dot - 1);
  if (parse_int(suffix, v) != suffix.size() || v <= 0 || v > 0x7fffffff) {
    return 0;
  }
  prefix = path.substr(0, dot);
  return static_cast<Pid>(v);
}

// The first timestamp of a file's first syscall-looking line, to order an -ff set; the files of
// an -ff set start when their process starts, so ordering whole files by it keeps parents before
// children (a full line-by-line merge would need every file open at once).
Result<std::int64_t> first_timestamp(const std::string& path, bool& has_time) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return open_error(path, errno);
  }
  char buf[256];
  const ssize_t n = ::read(fd, buf, sizeof buf);
  ::close(fd);
  has_time = false;
  if (n <= 0) {
    return std::int64_t{0};
  }
  std::string_view s(buf, static_cast<std::size_t>(n));
  Pid pid = 0;
  Timestamp ts;
  bool has_pid = false;
  // An -ff file's lines carry no pid (a file whose lines do is read file by file, unmerged), and
  // -r deltas (Relative) order nothing across files.
  if (!parse_prefix(s, pid, ts, has_pid) || has_pid ||
      (ts.kind != Timestamp::Kind::TimeOfDay && ts.kind != Timestamp::Kind::Epoch)) {
    return std::int64_t{0};
  }
  has_time = true;
  return ts.micros;
}

}  // namespace

// An -ff set is merged line by line with one open file per process; above this many processes
// it is read file by file (ordered by start time) to stay within the fd limit.
constexpr std::size_t kMaxMergedFiles = 512;

Result<void> read_logs(std::span<const std::string> inputs, EventSink& sink, SourceStats& stats,
                       const ReadOptions& options) {
  StraceLogReader reader(sink, stats, options);
  // Recognise -ff sets: every input named PREFIX.PID with one shared PREFIX, more than one file.
  std::string prefix;
  std::string first_prefix;
  bool ff = inputs.size() > 1;
  for (const std::string& path : inputs) {
    if (!ff) {
      break;
    }
    if (ff_suffix(path, prefix) == 0 || (!first_prefix.empty() && prefix != first_prefix)) {
      ff = false;
    }
    first_prefix = prefix;
  }
  if (!ff) {
    for (const std::string& path : inputs) {
      CULPRIT_TRY_VOID(reader.read_file(path));
    }
    reader.finish();
    return {};
  }
  struct FfFile {
    std::string path;
    Pid pid;
    std::int64_t start;
    bool has_time;
  };
  std::vector<FfFile> files;
  bool all_timed = true;
  for (const std::string& path : inputs) {
    std::string p;
    FfFile f{path, ff_suffix(path, p), 0, false};
    f.start = CULPRIT_TRY(first_timestamp(path, f.has_time));
    all_timed = all_timed && f.has_time;
    files.push_back(std::move(f));
  }
  std::stable_sort(files.begin(), files.end(), [all_timed](const FfFile& a, const FfFile& b) {
    return all_timed ? std::pair(a.start, a.pid) < std::pair(b.start, b.pid) : a.pid < b.pid;
  });
  if (all_timed && files.size() <= kMaxMergedFiles) {
    std::vector<std::pair<std::string, Pid>> set;
    set.reserve(files.size());
    for (const FfFile& f : files) {
      set.emplace_back(f.path, f.pid);
    }
    CULPRIT_TRY_VOID(reader.read_merged(set));
    reader.finish();
    return {};
  }
  // Without timestamps (or too many files to hold open), file by file: parents start first.
  for (const FfFile& f : files) {
    CULPRIT_TRY_VOID(reader.read_file(f.path, f.pid));
  }
  reader.finish();
  return {};
}

}  // namespace culprit::tracer
