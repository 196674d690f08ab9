// The reader's stateful stage, StraceLogReader::Impl: per-file state, pasted-log handling,
// dispatch of each line, unfinished/resumed pairing and delivery. Internal: shared by the files
// that define its members (strace_log.cpp: lines and calls; log_input.cpp: read_file/read_text;
// ff_merge.cpp: read_merged). The stateless stages it uses are in strace_lex.h, strace_prefix.h,
// line_scanner.h and syscall_decode.h.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "tracer/model/event_batcher.h"
#include "tracer/model/syscall_table.h"
#include "tracer/strace/line_scanner.h"
#include "tracer/strace/paste_repair.h"
#include "tracer/strace/pasted_twice.h"
#include "tracer/strace/process_state.h"
#include "tracer/strace/strace_lex.h"
#include "tracer/strace/strace_log.h"
#include "tracer/strace/strace_prefix.h"
#include "tracer/strace/syscall_decode.h"

namespace culprit::tracer {

namespace detail {

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
std::string_view intern_name(const std::string& name);

}  // namespace detail

using namespace detail;  // NOLINT(google-build-using-namespace): the reader's own stages

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
    twice_.reset();
    repair_.reset();
    repair_judged_ = false;
    sample_.clear();
  }
  Result<void> end_file() {
    if (!sample_.empty()) {
      CULPRIT_TRY_VOID(feed_sample());
    }
    if (repair_) {
      repair_->finish(repaired_);
    }
    twice_.finish(to_lines_, dropped_);
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
    if (!repair_judged_ && !merging_) {
      // Paste damage is judged on a sample of at least kPasteMinSample bytes (a pipe or a
      // terminal may hand the input over a line at a time): a short first block is kept until
      // the sample is complete or the input ends.
      if (sample_.empty() && block.size() >= kPasteMinSample) {
        judge_paste(block);
      } else {
        sample_.append(block);
        if (sample_.size() < kPasteMinSample) {
          return {};
        }
        return feed_sample();
      }
    }
    return feed_lines(block, scanned);
  }

  // The kept sample, judged and read (end of the input, or enough of it).
  Result<void> feed_sample() {
    judge_paste(sample_);
    const std::string text = std::move(sample_);
    sample_.clear();
    scanner_.scan(text, sample_scan_);
    return feed_lines(text, sample_scan_);
  }

  Result<void> feed_lines(std::string_view block, const ScannedLines& scanned) {
    has_escape_ = scanned.has_escape;
    for (const LineRec& r : scanned.lines) {
      const std::string_view line(block.data() + r.off, r.len);
      if (lstats_.recognised == 0 && !line.empty() &&
          std::memchr(line.data(), '\0', line.size()) != nullptr) {
        // strace escapes every byte it prints: a NUL before any strace line means binary data.
        return not_a_log("binary data");
      }
      if ((r.flags & LineRec::kSkip) != 0 && carry_.empty() && (merging_ || twice_.settled()) &&
          lstats_.recognised > 0 && !repair_) {
        // What feed_line() → handle_line() → process() → syscall_line() do with this line when
        // nothing is held: count it. (twice_ passes every line on once it is settled.)
        ++line_no_;
        ++stats_.lines;
        ++lstats_.lines;
        lstats_.bytes += r.len + 1;
        last_was_call_ = true;
        recognised();
        continue;
      }
      if (repair_) {
        feed_line(line);  // repaired lines are new text: the scan does not apply to them
        if (lstats_.recognised == 0 &&
            (lstats_.lines >= options_.detect_lines || lstats_.bytes >= options_.detect_bytes)) {
          return not_a_log(fmt::format("no strace line in the first {} lines", lstats_.lines));
        }
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
    progress_bytes_ += block.size();
    if (options_.progress) {
      options_.progress(ReadProgress{progress_bytes_, stats_.lines, failures_});
    }
    return {};
  }

  // Paste repair (#49-#52) is judged once per file from its start (the first block, or at least
  // kPasteMinSample bytes); -ff files are strace's own.
  void judge_paste(std::string_view block) {
    repair_judged_ = true;
    if (merging_) {
      return;
    }
    const PasteDamage damage =
        detect_paste_damage(block.substr(0, std::min(block.size(), kPasteSample)));
    if (!damage.any()) {
      return;
    }
    repair_.emplace(damage);
    stats_.add_diagnostic(Error{
        0, fmt::format("read as pasted text ({}): repaired before reading", damage.describe()),
        std::string(file_), 0});
  }
  static constexpr std::size_t kPasteSample = 1 << 20;
  static constexpr std::size_t kPasteMinSample = 64 * 1024;

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
    if (repair_) {
      repair_->feed(line, line_no_, repaired_);
      return;
    }
    if (merging_ || twice_.settled()) {  // -ff files are strace's own
      handle_line(line, line_no_);
      return;
    }
    twice_.feed(line, line_no_, to_lines_, dropped_);
  }
  // Where paste repair hands its lines.
  const PasteRepair::Out repaired_ = [this](std::string_view line, std::uint64_t no) {
    twice_.feed(line, no, to_lines_, dropped_);
  };
  const PastedTwice::Out to_lines_ = [this](std::string_view line, std::uint64_t no) {
    handle_line(line, no);
  };
  const PastedTwice::Dropped dropped_ = [this](std::uint64_t first, std::uint64_t last) {
    stats_.add_diagnostic(
        Error{0,
              fmt::format("lines {}-{} repeat the start of the log (pasted twice?): read once",
                          first, last),
              std::string(file_), first});
  };

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
    // quoting refuses NUL (analyzer/core/quote.h). Found by fuzz/fuzz_strace_log.cpp; reproducer
    // fuzz/crashes/strace_log/nul-in-path.log.
    for (std::string* p : {&ev.path, &ev.path2, &ev.fd_path, &ev.ret_path}) {
      if (const std::size_t nul = p->find('\0'); nul != std::string::npos) {
        p->resize(nul);
      }
    }
    ++stats_.events;
    failures_ += ev.failed() ? 1 : 0;
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
  PastedTwice twice_;     // the same session pasted twice (#48)
  bool merging_ = false;  // reading an -ff set line by line: files are machine-written
  std::int64_t relative_sum_ = 0;
  // Paste repair of the current file, when its first block showed damage.
  std::optional<PasteRepair> repair_;
  bool repair_judged_ = false;
  std::string sample_;  // the input's start while it is shorter than kPasteMinSample
  ScannedLines sample_scan_;
  // Progress, over all files.
  std::uint64_t progress_bytes_ = 0;
  std::uint64_t failures_ = 0;
  std::unordered_map<Pid, Pending> pending_;
  std::unordered_map<Pid, Pid> superseded_;  // leader pid -> pid whose execve replaced it
};

}  // namespace culprit::tracer
