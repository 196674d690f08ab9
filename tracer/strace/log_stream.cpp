#include "tracer/strace/log_stream.h"

#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <cerrno>
#include <cstring>

namespace culprit::tracer {

namespace {
constexpr std::size_t kInBlock = 256 * 1024;
}  // namespace

struct LogStream::Codec {
  z_stream z{};
  bool z_init = false;
  ZSTD_DStream* zstd = nullptr;
  ~Codec() {
    if (z_init) {
      inflateEnd(&z);
    }
    if (zstd != nullptr) {
      ZSTD_freeDStream(zstd);
    }
  }
};

LogStream::LogStream(int fd) : fd_(fd) {}
LogStream::~LogStream() = default;

ssize_t LogStream::fail(std::string message, int err) {
  error_ = std::move(message);
  errno = err;
  return -1;
}

bool LogStream::refill() {
  if (in_pos_ > 0) {
    in_.erase(0, in_pos_);
    in_pos_ = 0;
  }
  if (eof_) {
    return false;
  }
  const std::size_t had = in_.size();
  in_.resize(had + kInBlock);
  ssize_t got = 0;
  do {
    got = ::read(fd_, in_.data() + had, kInBlock);
  } while (got < 0 && errno == EINTR);
  if (got < 0) {
    read_errno_ = errno;
    error_ = std::strerror(errno);
    in_.resize(had);
    return false;
  }
  in_.resize(had + static_cast<std::size_t>(got));
  eof_ = got == 0;
  return got > 0;
}

// The first bytes decide the format. They are kept in in_ and handed out first when plain.
bool LogStream::sniff() {
  sniffed_ = true;
  while (in_.size() < 4 && refill()) {
  }
  if (!error_.empty()) {
    return false;
  }
  const auto byte = [&](std::size_t i) {
    return i < in_.size() ? static_cast<unsigned char>(in_[i]) : 0U;
  };
  codec_ = std::make_unique<Codec>();
  if (byte(0) == 0x1f && byte(1) == 0x8b) {
    format_ = Format::Gzip;
    if (inflateInit2(&codec_->z, 15 + 16) != Z_OK) {
      error_ = "cannot start the gzip decoder";
      return false;
    }
    codec_->z_init = true;
  } else if (byte(0) == 0x28 && byte(1) == 0xb5 && byte(2) == 0x2f && byte(3) == 0xfd) {
    format_ = Format::Zstd;
    codec_->zstd = ZSTD_createDStream();
    if (codec_->zstd == nullptr || ZSTD_isError(ZSTD_initDStream(codec_->zstd)) != 0) {
      error_ = "cannot start the zstd decoder";
      return false;
    }
  }
  return true;
}

ssize_t LogStream::read(char* buf, std::size_t n) {
  if (!sniffed_ && !sniff()) {
    return fail(error_, read_errno_ != 0 ? read_errno_ : EILSEQ);
  }
  if (format_ == Format::Plain) {
    if (in_pos_ < in_.size()) {
      const std::size_t k = std::min(n, in_.size() - in_pos_);
      std::memcpy(buf, in_.data() + in_pos_, k);
      in_pos_ += k;
      return static_cast<ssize_t>(k);
    }
    if (eof_) {
      return 0;
    }
    ssize_t got = 0;
    do {
      got = ::read(fd_, buf, n);
    } while (got < 0 && errno == EINTR);
    return got;
  }
  return format_ == Format::Gzip ? read_gzip(buf, n) : read_zstd(buf, n);
}

bool LogStream::next_input(const char* format, ssize_t& end) {
  if (ended_) {
    end = 0;
    return false;
  }
  if (in_pos_ < in_.size() || refill()) {
    return true;
  }
  if (!error_.empty()) {
    end = fail(error_, read_errno_ != 0 ? read_errno_ : EILSEQ);
  } else if (in_frame_) {
    end = fail(std::string("the ") + format + " data ends in the middle (a truncated file?)");
  } else {
    ended_ = true;
    end = 0;
  }
  return false;
}

ssize_t LogStream::read_gzip(char* buf, std::size_t n) {
  z_stream& z = codec_->z;
  ssize_t end = 0;
  while (next_input("gzip", end)) {
    z.next_in = reinterpret_cast<Bytef*>(in_.data() + in_pos_);
    z.avail_in = static_cast<uInt>(in_.size() - in_pos_);
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = static_cast<uInt>(std::min<std::size_t>(n, 1U << 30));
    const int rc = inflate(&z, Z_NO_FLUSH);
    in_pos_ = in_.size() - z.avail_in;
    const std::size_t produced =
        static_cast<std::size_t>(reinterpret_cast<char*>(z.next_out) - buf);
    if (rc == Z_STREAM_END) {
      in_frame_ = false;
      inflateReset(&z);  // another member may follow
      if (in_pos_ < in_.size() && in_[in_pos_] == '\0') {
        ended_ = true;  // zeros after the last member (a tape block, a preallocated file): ignored
      }
    } else if (rc == Z_OK || rc == Z_BUF_ERROR) {
      in_frame_ = true;
    } else {
      return fail(std::string("corrupt gzip data: ") +
                  (z.msg != nullptr ? z.msg : "inflate failed"));
    }
    if (produced > 0) {
      return static_cast<ssize_t>(produced);
    }
  }
  return end;
}

ssize_t LogStream::read_zstd(char* buf, std::size_t n) {
  ssize_t end = 0;
  while (next_input("zstd", end)) {
    ZSTD_inBuffer in{in_.data() + in_pos_, in_.size() - in_pos_, 0};
    ZSTD_outBuffer out{buf, n, 0};
    const std::size_t rc = ZSTD_decompressStream(codec_->zstd, &out, &in);
    in_pos_ += in.pos;
    if (ZSTD_isError(rc) != 0) {
      return fail(std::string("corrupt zstd data: ") + ZSTD_getErrorName(rc));
    }
    in_frame_ = rc != 0;  // 0: a frame just ended (another may follow)
    if (out.pos > 0) {
      return static_cast<ssize_t>(out.pos);
    }
  }
  return end;
}

}  // namespace culprit::tracer
