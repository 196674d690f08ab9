// strace -ff sets: the line-by-line merge by timestamp (StraceLogReader::Impl::read_merged) and
// read_logs, which recognises a set among its inputs (see ff_merge.h).
#include "tracer/strace/ff_merge.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <queue>
#include <span>
#include <utility>

#include "tracer/strace/strace_reader.h"

namespace culprit::tracer {

namespace detail {

Pid ff_suffix(const std::string& path, std::string& prefix) {
  const std::size_t dot = path.rfind('.');
  if (dot == std::string::npos || dot + 1 == path.size() ||
      path.find('/', dot) != std::string::npos) {
    return 0;
  }
  std::int64_t v = 0;
  const std::string_view suffix(path.data() + dot + 1, path.size() - dot - 1);
  if (parse_int(suffix, v) != suffix.size() || v <= 0 || v > 0x7fffffff) {
    return 0;
  }
  prefix = path.substr(0, dot);
  return static_cast<Pid>(v);
}

Result<std::int64_t> first_timestamp(const std::string& path, bool& has_time) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return open_error(path, errno);
  }
  char buf[256];
  const ssize_t n = ::read(fd, buf, sizeof buf);
  ::close(fd);
  has_time = false;
  if (n <= 0) {
    return std::int64_t{0};
  }
  std::string_view s(buf, static_cast<std::size_t>(n));
  Pid pid = 0;
  Timestamp ts;
  bool has_pid = false;
  // An -ff file's lines carry no pid (a file whose lines do is read file by file, unmerged), and
  // -r deltas (Relative) order nothing across files.
  if (!parse_prefix(s, pid, ts, has_pid) || has_pid ||
      (ts.kind != Timestamp::Kind::TimeOfDay && ts.kind != Timestamp::Kind::Epoch)) {
    return std::int64_t{0};
  }
  has_time = true;
  return ts.micros;
}

}  // namespace detail

Result<void> StraceLogReader::Impl::read_merged(
    const std::vector<std::pair<std::string, Pid>>& files) {
  struct Source {
    LineCursor cursor;
    std::string_view name;
    Pid pid = 0;
    LineStats lstats;
    std::uint64_t line_no = 0;
  };
  std::vector<std::unique_ptr<Source>> sources;
  using Key = std::pair<std::int64_t, std::size_t>;  // (time, source index)
  std::priority_queue<Key, std::vector<Key>, std::greater<>> heap;
  for (const auto& [path, pid] : files) {
    auto src = std::make_unique<Source>();
    if (auto r = src->cursor.open(path); !r.ok()) {
      return r;
    }
    src->name = intern_name(path);
    src->pid = pid;
    auto got = src->cursor.next();
    if (!got.ok()) {
      return got.take_error();
    }
    if (*got) {
      heap.emplace(src->cursor.time(), sources.size());
    }
    sources.push_back(std::move(src));
  }
  merging_ = true;
  std::size_t current = static_cast<std::size_t>(-1);
  Result<void> result;
  auto switch_to = [&](std::size_t i) {
    if (i == current) {
      return;
    }
    if (current != static_cast<std::size_t>(-1)) {
      if (!carry_.empty()) {
        drop_carry();
      }
      sources[current]->lstats = lstats_;
      sources[current]->line_no = line_no_;
    }
    current = i;
    Source& s = *sources[i];
    file_ = s.name;
    default_pid_ = s.pid;
    lstats_ = s.lstats;
    line_no_ = s.line_no;
    has_escape_ = true;
  };
  while (!heap.empty() && result.ok()) {
    const std::size_t i = heap.top().second;
    heap.pop();
    switch_to(i);
    Source& s = *sources[i];
    for (const std::string& line : s.cursor.lines()) {
      if (lstats_.recognised == 0 && !line.empty() &&
          std::memchr(line.data(), '\0', line.size()) != nullptr) {
        result = not_a_log("binary data");
        break;
      }
      feed_line(line);
    }
    if (!result.ok()) {
      break;
    }
    if (lstats_.recognised == 0 &&
        (lstats_.lines >= options_.detect_lines || lstats_.bytes >= options_.detect_bytes)) {
      result = not_a_log(fmt::format("no strace line in the first {} lines", lstats_.lines));
      break;
    }
    auto got = s.cursor.next();
    if (!got.ok()) {
      result = got.take_error();
      break;
    }
    if (*got) {
      heap.emplace(s.cursor.time(), i);
    }
  }
  if (result.ok()) {
    if (current != static_cast<std::size_t>(-1)) {
      if (!carry_.empty()) {
        drop_carry();
      }
      sources[current]->lstats = lstats_;
    }
    for (const auto& src : sources) {
      if (src->lstats.recognised == 0 && src->lstats.lines > 0) {
        file_ = src->name;
        result = not_a_log("no strace line found");
        break;
      }
    }
  }
  merging_ = false;
  drain();
  return result;
}

// An -ff set is merged line by line with one open file per process; above this many processes
// it is read file by file (ordered by start time) to stay within the fd limit.
constexpr std::size_t kMaxMergedFiles = 512;

Result<void> read_logs(std::span<const std::string> inputs, EventSink& sink, SourceStats& stats,
                       const ReadOptions& options) {
  StraceLogReader reader(sink, stats, options);
  // Recognise -ff sets: every input named PREFIX.PID with one shared PREFIX, more than one file.
  std::string prefix;
  std::string first_prefix;
  bool ff = inputs.size() > 1;
  for (const std::string& path : inputs) {
    if (!ff) {
      break;
    }
    if (ff_suffix(path, prefix) == 0 || (!first_prefix.empty() && prefix != first_prefix)) {
      ff = false;
    }
    first_prefix = prefix;
  }
  if (!ff) {
    for (const std::string& path : inputs) {
      CULPRIT_TRY_VOID(reader.read_file(path));
    }
    reader.finish();
    return {};
  }
  struct FfFile {
    std::string path;
    Pid pid;
    std::int64_t start;
    bool has_time;
  };
  std::vector<FfFile> files;
  bool all_timed = true;
  for (const std::string& path : inputs) {
    std::string p;
    FfFile f{path, ff_suffix(path, p), 0, false};
    f.start = CULPRIT_TRY(first_timestamp(path, f.has_time));
    all_timed = all_timed && f.has_time;
    files.push_back(std::move(f));
  }
  std::stable_sort(files.begin(), files.end(), [all_timed](const FfFile& a, const FfFile& b) {
    return all_timed ? std::pair(a.start, a.pid) < std::pair(b.start, b.pid) : a.pid < b.pid;
  });
  if (all_timed && files.size() <= kMaxMergedFiles) {
    std::vector<std::pair<std::string, Pid>> set;
    set.reserve(files.size());
    for (const FfFile& f : files) {
      set.emplace_back(f.path, f.pid);
    }
    CULPRIT_TRY_VOID(reader.read_merged(set));
    reader.finish();
    return {};
  }
  // Without timestamps (or too many files to hold open), file by file: parents start first.
  for (const FfFile& f : files) {
    CULPRIT_TRY_VOID(reader.read_file(f.path, f.pid));
  }
  reader.finish();
  return {};
}

}  // namespace culprit::tracer