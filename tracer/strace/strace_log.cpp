// strace text → Events. The reader is built for speed on big logs (hundreds of MB) and uses both
// cores in a three-stage pipeline:
//   1. read-ahead thread: reads 4 MiB blocks (log_input.h) and scans them (line_scanner.h: line
//      ends, the "PID HH:MM:SS.uuuuuu " prefix, call name and table row, the top-level argument
//      split, and whether a line is a successful call outside the table that only needs counting);
//   2. calling thread: the stateful part, in order (strace_reader.h: pasted-twice and wrapped
//      lines, unfinished/resumed pairing, ProcessState, path resolution), reusing the scan
//      whenever the bytes it parses are the very bytes that were scanned, and filling Events in
//      place (syscall_decode.h);
//   3. delivery thread: hands batches of events to the sink (the analyzer) in order
//      (event_batcher.h).
// Every decision of stage 1 is a pure function of the line's bytes that stage 2 would otherwise
// make itself, so the result is the same with or without it (read_text scans inline).
// This file: the dispatch of each line, the pairing of unfinished/resumed calls, the delivery of
// calls, and the public API. -ff sets: ff_merge.h.
// Format cases: docs/strace-format.md (numbers in comments refer to its table
// rows).
#include "tracer/strace/strace_log.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <limits>
#include <mutex>
#include <vector>

#include "tracer/strace/strace_reader.h"

namespace culprit::tracer {

namespace detail {

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

}  // namespace detail

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

// ---- public ----

StraceLogReader::StraceLogReader(EventSink& sink, SourceStats& stats, ReadOptions options)
    : impl_(std::make_unique<Impl>(sink, stats, std::move(options))) {}
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

}  // namespace culprit::tracer
