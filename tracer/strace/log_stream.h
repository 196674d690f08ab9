// The bytes of a log file, decompressed when it is compressed: gzip (.gz, also several members
// one after another, as `cat a.gz b.gz` and some log rotations make) and zstd (.zst), recognised
// by their first bytes rather than by the name, so a compressed stdin is read too. Anything else
// passes through unchanged.
#pragma once

#include <sys/types.h>

#include <cerrno>
#include <cstddef>
#include <memory>
#include <string>

namespace culprit::tracer {

class LogStream {
 public:
  enum class Format { Plain, Gzip, Zstd };

  explicit LogStream(int fd);  // does not own `fd`
  ~LogStream();
  LogStream(const LogStream&) = delete;
  LogStream& operator=(const LogStream&) = delete;

  // Like read(2): the bytes placed in `buf` (at most `n`), 0 at the end, -1 on an error with
  // errno set (EILSEQ for corrupt or truncated compressed data; error() says more).
  ssize_t read(char* buf, std::size_t n);

  Format format() const { return format_; }
  const std::string& error() const { return error_; }

 private:
  bool sniff();
  bool refill();  // more compressed input; false at its end or on an error (error_ set)
  // Whether the decoder has input; if not, `end` is what read() returns: 0 at a clean end, -1
  // on an error or when the data stops inside a member/frame.
  bool next_input(const char* format, ssize_t& end);
  ssize_t read_gzip(char* buf, std::size_t n);
  ssize_t read_zstd(char* buf, std::size_t n);
  ssize_t fail(std::string message, int err = EILSEQ);

  struct Codec;
  int fd_;
  Format format_ = Format::Plain;
  bool sniffed_ = false;
  bool eof_ = false;        // the file is read to its end
  bool ended_ = false;      // the decompressed stream is complete
  bool in_frame_ = false;   // inside a compressed member/frame that has not ended yet
  std::string in_;          // compressed input
  std::size_t in_pos_ = 0;  // consumed part of in_
  std::unique_ptr<Codec> codec_;
  std::string error_;
  int read_errno_ = 0;  // errno of a failed read(2), kept for the caller
};

}  // namespace culprit::tracer
