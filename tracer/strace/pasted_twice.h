// The same session pasted twice (docs/strace-format.md #48), a stage of paste repair: the lines
// from a repeat of the input's first line on are held while they repeat the input's beginning;
// a complete repeat (or one cut off at the end of the input) is dropped, anything else is passed
// on as it came. Blank lines and bare shell prompts between the copies are part of the repeat.
// Only the first kWindowBytes of an input are remembered, so memory stays bounded; longer pastes
// are read as they are.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace culprit::tracer {

class PastedTwice {
 public:
  using Out = std::function<void(std::string_view line, std::uint64_t line_no)>;
  // A repeat that was dropped: its first and last line numbers.
  using Dropped = std::function<void(std::uint64_t first, std::uint64_t last)>;
  static constexpr std::size_t kWindowBytes = 8 << 20;

  void reset();
  // Passes `line` on through `out` (after any held lines that turned out not to be a repeat), or
  // holds it while it repeats the beginning.
  void feed(std::string_view line, std::uint64_t line_no, const Out& out, const Dropped& dropped);
  // The end of the input: a repeat cut off there is dropped too; other held lines are passed on.
  void finish(const Out& out, const Dropped& dropped) { end_match(true, out, dropped); }
  // Past the remembered window with nothing held: every further line would pass straight on.
  bool settled() const { return full_ && !matching_; }

 private:
  void remember(std::string_view line);
  void end_match(bool at_eof, const Out& out, const Dropped& dropped);

  std::vector<std::string> record_;  // the input's first lines
  std::size_t record_bytes_ = 0;
  bool full_ = false;
  bool matching_ = false;
  bool cut_held_ = false;  // the last held line was a strict prefix of its original
  std::size_t match_pos_ = 0;
  std::size_t copy_start_ = 0;
  std::vector<std::pair<std::string, std::uint64_t>> held_;
};

}  // namespace culprit::tracer
