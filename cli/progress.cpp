#include "cli/progress.h"

#include <fmt/format.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>

namespace culprit::cli {
namespace {

std::string megabytes(std::uint64_t bytes) {
  if (bytes < 10'000'000) {
    return fmt::format("{:.1f} MB", static_cast<double>(bytes) / 1e6);
  }
  return fmt::format("{} MB", (bytes + 500'000) / 1'000'000);
}

std::string count(std::uint64_t n) {
  // 81214 -> "81,214"
  std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) {
      out += ',';
    }
    out += digits[i];
  }
  return out;
}

}  // namespace

ProgressLine::ProgressLine(bool enabled, std::uint64_t total_bytes, bool plain, double after)
    : enabled_(enabled), plain_(plain), after_(after), total_(total_bytes), start_(Clock::now()) {
  winsize ws{};
  if (enabled_ && ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0) {
    columns_ = ws.ws_col;
  }
}

ProgressLine::~ProgressLine() { clear(); }

std::string ProgressLine::format(const Progress& p, std::uint64_t total_bytes, double elapsed) {
  std::string line = "culprit: reading " + megabytes(p.bytes);
  if (total_bytes > 0) {
    const std::uint64_t done = std::min(p.bytes, total_bytes);
    line += fmt::format(" of {} ({}%)", megabytes(total_bytes), done * 100 / total_bytes);
  }
  if (elapsed > 0) {
    line += fmt::format(", {:.1f} M lines/s", static_cast<double>(p.lines) / elapsed / 1e6);
  }
  line += ", " + count(p.failures) + " failed call" + (p.failures == 1 ? "" : "s");
  if (total_bytes > 0 && p.bytes > 0 && p.bytes < total_bytes && elapsed > 0) {
    const double left =
        static_cast<double>(total_bytes - p.bytes) / (static_cast<double>(p.bytes) / elapsed);
    if (left >= 1) {
      line += fmt::format(", {:.0f} s left", left);
    }
  }
  return line;
}

void ProgressLine::update(const Progress& p) {
  if (!enabled_) {
    return;
  }
  const auto now = Clock::now();
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  if (elapsed < after_ || now - last_draw_ < std::chrono::milliseconds(200)) {
    return;
  }
  last_draw_ = now;
  std::string line = format(p, total_, elapsed);
  // Kept to one row: a line that wraps cannot be cleared with one carriage return.
  if (columns_ > 1 && line.size() >= columns_) {
    line.resize(columns_ - 1);
  }
  if (plain_) {
    const std::size_t pad = drawn_ > line.size() ? drawn_ - line.size() : 0;
    std::fprintf(stderr, "\r%s%*s", line.c_str(), static_cast<int>(pad), "");
  } else {
    std::fprintf(stderr, "\r\x1b[K%s", line.c_str());
  }
  std::fflush(stderr);
  drawn_ = line.size();
}

void ProgressLine::clear() {
  if (drawn_ == 0) {
    return;
  }
  if (plain_) {
    std::fprintf(stderr, "\r%*s\r", static_cast<int>(drawn_), "");
  } else {
    std::fprintf(stderr, "\r\x1b[K");
  }
  std::fflush(stderr);
  drawn_ = 0;
}

}  // namespace culprit::cli
