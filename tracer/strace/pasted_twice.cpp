// The same session pasted twice (#48): see pasted_twice.h.
#include "tracer/strace/pasted_twice.h"

#include "tracer/strace/strace_lex.h"
#include "tracer/strace/strace_prefix.h"

namespace culprit::tracer {
namespace {

// Blank lines and bare prompts ("root@host:~# ") between pasted copies.
bool skippable(std::string_view s) {
  s = detail::trim(s);
  std::size_t at = 0;
  return s.empty() ||
         (detail::has_prompt(s, at) && at == 0 && (s.back() == '#' || s.back() == '$'));
}

}  // namespace

void PastedTwice::reset() {
  record_.clear();
  record_bytes_ = 0;
  full_ = false;
  matching_ = false;
  cut_held_ = false;
  match_pos_ = 0;
  copy_start_ = 0;
  held_.clear();
}

void PastedTwice::remember(std::string_view line) {
  if (record_bytes_ >= kWindowBytes) {
    full_ = true;  // positions after this are unknown: no more matching
    return;
  }
  record_.emplace_back(line);
  record_bytes_ += line.size() + sizeof(std::string);
}

void PastedTwice::feed(std::string_view line, std::uint64_t line_no, const Out& out,
                       const Dropped& dropped) {
  if (full_ && !matching_) {
    out(line, line_no);
    return;
  }
  const bool blank = skippable(line);
  if (!matching_) {
    // Cheap test first: same length and bytes as the first remembered line.
    if (!record_.empty() && line.size() == record_[0].size() && line == record_[0]) {
      matching_ = true;
      match_pos_ = 1;
      copy_start_ = record_.size();
      held_.clear();
      held_.emplace_back(std::string(line), line_no);
      remember(line);
      return;
    }
    if (!blank) {
      remember(line);
    }
    out(line, line_no);
    return;
  }
  if (blank) {
    held_.emplace_back(std::string(line), line_no);
    return;
  }
  if (match_pos_ < copy_start_ && !cut_held_) {
    const std::string& expected = record_[match_pos_];
    if (expected == line ||
        (line.size() < expected.size() && detail::starts_with(expected, line))) {
      // A strict prefix can only be the paste's cut-off last line; anything after it ends the
      // match.
      cut_held_ = expected != line;
      held_.emplace_back(std::string(line), line_no);
      ++match_pos_;
      remember(line);
      return;
    }
  }
  end_match(false, out, dropped);
  remember(line);
  out(line, line_no);
}

// Ends a match: a repeat of everything before it is dropped, a partial one is passed on.
void PastedTwice::end_match(bool at_eof, const Out& out, const Dropped& dropped) {
  if (!matching_) {
    return;
  }
  matching_ = false;
  const bool complete = (match_pos_ == copy_start_ && !cut_held_) || (at_eof && match_pos_ > 1);
  cut_held_ = false;
  auto held = std::move(held_);
  held_.clear();
  if (complete) {
    if (record_.size() > copy_start_) {
      record_.resize(copy_start_);  // the copy adds nothing to compare a third copy with
    }
    dropped(held.front().second, held.back().second);
    return;
  }
  for (const auto& [text, no] : held) {
    out(text, no);
  }
}

}  // namespace culprit::tracer
