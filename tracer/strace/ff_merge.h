// strace -ff sets (one file per process, PREFIX.PID): reading a file of the set line by line for
// the timestamp merge, and recognising the set (the PID suffix, a file's first timestamp).
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "tracer/model/event.h"
#include "tracer/model/result.h"
#include "tracer/strace/log_input.h"
#include "tracer/strace/strace_prefix.h"

namespace culprit::tracer::detail {

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

// "prefix.1234" → 1234, else 0.
Pid ff_suffix(const std::string& path, std::string& prefix);

// The first timestamp of a file's first syscall-looking line, to order an -ff set; the files of
// an -ff set start when their process starts, so ordering whole files by it keeps parents before
// children (a full line-by-line merge would need every file open at once).
Result<std::int64_t> first_timestamp(const std::string& path, bool& has_time);

}  // namespace culprit::tracer::detail
