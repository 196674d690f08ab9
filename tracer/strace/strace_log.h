// The recorded source: strace text → Events. Reads logs written with any common flag set
// (-f/-ff, -t/-tt/-ttt/-r, -T, -y/-yy, -s, -x/-xx, -X, -k, -Y, -n, -i, -c, --color, ...), gzip or
// zstd compressed or not, and logs pasted through a terminal, a web page, a mail client or a
// markdown file (tracer/strace/paste_repair.h: wrapped lines, quoting, indentation, HTML; shell
// prompts, the same session pasted twice, a truncated last line). See docs/strace-format.md for
// every case.
//
// Contract:
//   - Streaming: memory grows with distinct pids and pending unfinished calls, not with log size
//     (plus fixed buffers: 4 MiB read blocks and their line scans, event batches, an 8 MiB
//     pasted-twice window; a single line longer than a block is held whole up to 16 MiB).
//   - A line that cannot be understood never ends the read: it is counted in
//     SourceStats::malformed and the first few become diagnostics with file:line.
//   - An input that cannot be read (missing, a directory, no permission) or that is not an strace
//     log at all (binary data, or no strace line in the first ReadOptions::detect_lines lines /
//     detect_bytes bytes) is an Error naming the file; events delivered before that point stay
//     delivered.
//   - Events carry absolute paths when the cwd/dirfd is known (ProcessState: chdir/fchdir, -y
//     annotations, open/dup/close); otherwise the path stays relative with path_absolute = false.
//   - Which lines become events: every syscall in the syscall table (tracer/model/syscall_table.h),
//   every
//     failed syscall (even those not in the table), signals and exits. Successful calls outside
//     the table are skipped cheaply (ReadOptions::all_syscalls delivers them too).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tracer/model/event.h"
#include "tracer/model/result.h"

namespace culprit::tracer {

// How far a read has come, for a progress line: input bytes (decompressed), lines and failed
// calls so far, over all inputs.
struct ReadProgress {
  std::uint64_t bytes = 0;
  std::uint64_t lines = 0;
  std::uint64_t failures = 0;
};

struct ReadOptions {
  // Not-an-strace-log detection window: the first this many lines or bytes must contain at least
  // one recognisable strace line.
  std::size_t detect_lines = 1000;
  std::size_t detect_bytes = 256 * 1024;
  // Deliver successful calls of syscalls outside the table too (mmap, brk, ...); off by default:
  // nothing downstream uses them and skipping them is most of the reader's speed.
  bool all_syscalls = false;
  // Use a second thread to read ahead (on by default; off makes profiling simpler). That thread
  // also splits each block into lines and classifies them (prefix, call name, argument split,
  // successful calls outside the table), so the parsing thread does only the stateful part.
  bool read_ahead = true;
  // Deliver events to the sink on a second thread, in order (on by default), so the sink's work
  // overlaps parsing. The sink is then called from that thread, never concurrently; every event
  // has been delivered when read_file/read_text/finish/read_logs return.
  bool deliver_thread = true;
  // Called on the parsing thread after each block of input (4 MiB), if set.
  std::function<void(const ReadProgress&)> progress = {};
};

// Reads `inputs` in order ("-" = standard input) and sends their events to `sink`. Files named
// PREFIX.PID that all share one PREFIX are an `strace -ff` set: each file's pid is its suffix, and
// the set is merged by timestamp when the lines have timestamps (else read file by file).
Result<void> read_logs(std::span<const std::string> inputs, EventSink& sink, SourceStats& stats,
                       const ReadOptions& options = {});

// The reader behind read_logs, for callers that feed text themselves (tests, fuzzing).
class StraceLogReader {
 public:
  StraceLogReader(EventSink& sink, SourceStats& stats, ReadOptions options = {});
  ~StraceLogReader();
  StraceLogReader(const StraceLogReader&) = delete;
  StraceLogReader& operator=(const StraceLogReader&) = delete;

  // Reads one file ("-" = stdin); `pid` > 0 is the pid of every line without a pid prefix (-ff).
  // An empty file is an Error ("not an strace log (empty file)") unless `pid` > 0.
  Result<void> read_file(const std::string& path, Pid pid = 0);
  // Parses in-memory text as the file `name`. Event origins point to an interned copy of the
  // file name that lives until the process ends. Call finish() after the last input.
  Result<void> read_text(std::string_view text, const std::string& name, Pid pid = 0);
  // Reads an `strace -ff` set line by line in timestamp order (ties: in the given order); each
  // file's lines without a pid prefix get its pid. The files must carry -t/-tt/-ttt timestamps.
  Result<void> read_merged(const std::vector<std::pair<std::string, Pid>>& files);
  // Delivers calls left unfinished at the end of all input. Called by read_logs at the end.
  void finish();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace culprit::tracer
