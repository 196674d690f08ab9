// Reading a log file, standard input or in-memory text into the reader, block by block (see
// log_input.h).
#include "tracer/strace/log_input.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "tracer/strace/strace_reader.h"

namespace culprit::tracer {

namespace detail {

Error open_error(const std::string& path, int err) {
  return Error{err, fmt::format("cannot read {}: {}", path, std::strerror(err)), path, 0};
}

}  // namespace detail

Result<void> StraceLogReader::Impl::read_file(const std::string& path, Pid pid) {
  int fd = 0;
  const bool is_stdin = path == "-";
  if (!is_stdin) {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      return open_error(path, errno);
    }
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
      ::close(fd);
      return open_error(path, EISDIR);
    }
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  }
  begin_file(is_stdin ? std::string("<stdin>") : path, pid);
  Result<void> result;
  {
    LogStream stream(fd);
    BlockSource source(stream, options_.read_ahead, scanner_);
    while (true) {
      BlockSource::View block;
      int err = 0;
      if (!source.next(block, err)) {
        // A corrupt or cut compressed file says what is wrong with it, not strerror(EILSEQ).
        result = err == EILSEQ && !stream.error().empty()
                     ? Error{err, fmt::format("cannot read {}: {}", path, stream.error()), path, 0}
                     : open_error(path, err);
        break;
      }
      if (block.text.empty()) {
        break;
      }
      if (auto r = feed_block(block.text, *block.scanned); !r.ok()) {
        result = r.take_error();
        break;
      }
    }
  }
  if (!is_stdin) {
    ::close(fd);
  }
  if (!result.ok()) {
    drain();
    return result;
  }
  auto end = end_file();
  drain();
  if (end.ok() && lstats_.lines == 0 && pid == 0) {
    // An empty log is a wrong -o path or an strace that never ran: "no findings" would be a
    // false all-clear. (Files of an -ff set, pid > 0, may be empty: a process that had just
    // started when the trace ended.)
    return not_a_log("empty file");
  }
  return end;
}

Result<void> StraceLogReader::Impl::read_text(std::string_view text, const std::string& name,
                                              Pid pid) {
  begin_file(name, pid);
  // In blocks of whole lines, like read_file, so that the scan's memory stays bounded.
  while (!text.empty()) {
    std::size_t cut = text.size();
    if (cut > kBlockSize) {
      const void* nl = std::memchr(text.data() + kBlockSize, '\n', text.size() - kBlockSize);
      cut = nl == nullptr
                ? text.size()
                : static_cast<std::size_t>(static_cast<const char*>(nl) - text.data()) + 1;
    }
    const std::string_view block = text.substr(0, cut);
    text.remove_prefix(cut);
    scanner_.scan(block, scanned_);
    auto fed = feed_block(block, scanned_);
    if (!fed.ok()) {
      drain();
      return fed;
    }
  }
  auto end = end_file();
  drain();
  return end;
}

}  // namespace culprit::tracer
