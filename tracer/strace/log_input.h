// Input framing for the reader: a file or standard input read in 4 MiB blocks of whole lines,
// optionally on a read-ahead thread that also runs the LineScanner over each block.
#pragma once

#include <unistd.h>

#include <condition_variable>
#include <cstddef>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "tracer/model/result.h"
#include "tracer/strace/line_scanner.h"
#include "tracer/strace/log_stream.h"

namespace culprit::tracer::detail {

constexpr std::size_t kBlockSize = 4 << 20;
// Longer "lines" (binary data) are cut and counted. Real lines can be long: a write() of a 10 MB
// buffer under `strace -s 10000000` is one line, and must parse as one (tests/test_hardening.cpp).
constexpr std::size_t kMaxLine = 16 << 20;

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

// Reads a log (LogStream: plain or decompressed) in big blocks, optionally on a second thread
// (read-ahead), handing out runs of complete lines, each split and classified by `scanner` (on the
// read-ahead thread when there is one). The last block may end without '\n'.
class BlockSource {
 public:
  // A run of lines and its scan; valid until the next call of next().
  struct View {
    std::string_view text;
    const ScannedLines* scanned = nullptr;
  };

  BlockSource(LogStream& in, bool read_ahead, const LineScanner& scanner)
      : in_(in), threaded_(read_ahead), scanner_(scanner) {
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
        n = in_.read(buf.data() + have, kBlockSize);
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

  LogStream& in_;
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

// "cannot read PATH: strerror" for an input that cannot be opened or read.
Error open_error(const std::string& path, int err);

}  // namespace culprit::tracer::detail
