// The progress line of `replay` on a big input: on a terminal only, from the first second on,
// redrawn at most five times a second on stderr and cleared before the report or any warning:
//   culprit: reading 212 MB of 544 MB (39%), 1.9 M lines/s, 81,214 failed calls, 2 s left
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace culprit::cli {

struct Progress {
  std::uint64_t bytes = 0;  // read so far
  std::uint64_t lines = 0;
  std::uint64_t failures = 0;
};

class ProgressLine {
 public:
  // `total_bytes` 0: unknown (stdin, a pipe); the line then has no percentage and no time left.
  // `plain`: a terminal without cursor control (TERM=dumb): the line is blanked with spaces.
  // `after`: seconds of reading before the line first appears.
  ProgressLine(bool enabled, std::uint64_t total_bytes, bool plain, double after = 1.0);
  ~ProgressLine();
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  void update(const Progress& p);
  // Removes the line, if one was drawn. Idempotent.
  void clear();

  // The text of the line for `p` after `elapsed` seconds (no terminal control; for tests).
  static std::string format(const Progress& p, std::uint64_t total_bytes, double elapsed);

 private:
  using Clock = std::chrono::steady_clock;
  bool enabled_;
  bool plain_;
  double after_;
  std::uint64_t total_;
  Clock::time_point start_;
  Clock::time_point last_draw_{};
  std::size_t drawn_ = 0;    // width of the line on screen, 0 when none
  std::size_t columns_ = 0;  // the terminal's width, 0 when unknown
};

}  // namespace culprit::cli
