// The one event type every source produces: the ptrace engine (`run`, `attach`) and the strace
// log reader (`replay`). Nothing downstream of a source may depend on which one made an event.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tracer/model/result.h"

namespace culprit::tracer {

// A thread id as the kernel and strace print it (strace's "pid" is the tid). 0 = unknown (a log
// recorded without -f carries no pid on its lines).
using Pid = std::int32_t;

struct Timestamp {
  enum class Kind : std::uint8_t {
    None,       // not recorded
    TimeOfDay,  // -t / -tt: microseconds since local midnight
    Epoch,      // -ttt, live tracing: microseconds since 1970-01-01 UTC
    Relative,   // -r: microseconds since the first event of the trace (deltas are summed)
  };
  Kind kind = Kind::None;
  std::int64_t micros = 0;

  [[nodiscard]] bool known() const { return kind != Kind::None; }
  // "14:03:07.123456" for TimeOfDay and Epoch (local time), "+12.000077" for Relative, "" for None.
  [[nodiscard]] std::string format() const;
  friend bool operator==(const Timestamp&, const Timestamp&) = default;
};

// Where an event came from: a log file and 1-based line (the line of the entry half for a
// resumed call), or a live process (file empty, line 0).
struct Origin {
  std::string_view file;  // owned by the source; valid while the source lives
  std::uint64_t line = 0;
};

enum class EventKind : std::uint8_t {
  Syscall,  // a completed (or never-completed) system call
  Signal,   // "--- SIGCHLD {...} ---" / signal-delivery-stop
  Exit,     // "+++ exited with N +++" / "+++ killed by SIG +++" / tracee exit
};

// Values of `open_flags` bits (Linux x86-64/aarch64 generic values), so that analyzer code does
// not need <fcntl.h> semantics of the build host.
namespace open_flag {
inline constexpr std::int32_t AccMode = 03;
inline constexpr std::int32_t WrOnly = 01;
inline constexpr std::int32_t RdWr = 02;
inline constexpr std::int32_t Creat = 0100;
inline constexpr std::int32_t Excl = 0200;
inline constexpr std::int32_t Trunc = 01000;
inline constexpr std::int32_t Append = 02000;
inline constexpr std::int32_t Directory = 0200000;
inline constexpr std::int32_t NoFollow = 0400000;
}  // namespace open_flag

struct Event {
  EventKind kind = EventKind::Syscall;
  Pid pid = 0;
  Timestamp time;
  Origin origin;

  // ---- Syscall ----
  std::string syscall;         // name as printed/resolved: "openat", "stat", "syscall_0x1b6"
  std::string path;            // first path argument, unescaped raw bytes; absolute when resolvable
  std::string path2;           // second path (rename/link/symlink target), same rules
  bool path_absolute = false;  // `path` (and path2 if set) is absolute (resolved or was already)
  std::int32_t fd = -1;  // fd argument of fd-based calls (read/write/connect/fchdir...), -1 none
  std::string fd_path;   // what `fd` refers to when known (-y annotation, /proc, fd table)
  std::int32_t open_flags = -1;  // open/openat/openat2/creat flags (open_flag bits), -1 if none
  std::int32_t mode = -1;        // create mode (open with O_CREAT, mkdir, chmod) or access() mode
  std::string address;  // connect/bind/sendto to AF_INET/6: "127.0.0.1:3306"; AF_UNIX: in path
  std::string data;     // write/read/send/recv buffer as far as recorded (unescaped bytes)
  bool data_truncated = false;    // the buffer was longer than recorded (strace's "..."/-s limit)
  std::vector<std::string> argv;  // execve/execveat argv as recorded
  std::int64_t set_id = -1;       // setuid/setgid/setreuid/setregid/setresuid/setresgid/setfsuid/
                                  // setfsgid: the effective id the call sets (its first arg for
  // setuid/setgid/setfs*, second for setre*/setres*); -1 unknown/"-1"

  bool ret_known = false;  // false for "= ?" and for calls that never completed
  std::int64_t ret = 0;    // return value (-1 on failure, fd, byte count, ...)
  std::string err;         // errno symbol on failure ("ENOENT", "ERESTARTSYS"), "" on success
  std::string ret_path;    // -y annotation / resolved path of a returned fd ("= 3</etc/x>")
  std::int64_t duration_us = -1;  // -T: time spent in the call, -1 unknown
  bool unfinished = false;        // the call never completed in the record (detached, killed, EOF)

  // ---- Signal ----
  std::string signal;  // "SIGCHLD"

  // ---- Exit ----
  bool killed = false;  // killed by `signal` (above) rather than exited
  bool core_dumped = false;
  std::int32_t exit_code = 0;

  [[nodiscard]] bool failed() const { return kind == EventKind::Syscall && !err.empty(); }
  // Clears every field but keeps string capacity (sources refill one Event per line).
  void clear();
};

// Receives events in the order the source produced them (for a log: file order, with resumed
// calls delivered at their completion; for live tracing: completion order).
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void on_event(const Event& event) = 0;
};

// What a source saw beside its events.
struct SourceStats {
  std::uint64_t lines = 0;      // input lines read (log) / stops handled (ptrace) / records (eBPF)
  std::uint64_t events = 0;     // events delivered
  std::uint64_t malformed = 0;  // lines that could not be understood (each skipped, never fatal)
  // Events the source knows it missed (the eBPF ring buffer was full); -1 when the source cannot
  // lose events (a log, ptrace, which stops the process until its call is read).
  std::int64_t lost = -1;
  std::vector<Error> diagnostics;  // first few problems, each with file and line
  static constexpr std::size_t kMaxDiagnostics = 10;
  void add_diagnostic(Error error) {
    if (diagnostics.size() < kMaxDiagnostics) {
      diagnostics.push_back(std::move(error));
    }
  }
};

// Canonical one-line dump of an event, stable across sources: used by golden files and the
// live-vs-log differential test. Omits origin and timestamps unless `with_origin`.
std::string dump(const Event& event, bool with_origin = false);

// Appends strace's line for a Signal or Exit event ("--- SIGCHLD ---", "+++ exited with 1 +++",
// "+++ killed by SIGKILL (core dumped) +++") and returns true; false (nothing appended) for a
// Syscall. Shared by dump() and the log writer so both print these lines the same way.
bool append_signal_or_exit(const Event& event, std::string& out);

// Escapes bytes the way strace prints strings (\n, \", octal for the rest): for messages and dumps.
std::string escape_bytes(std::string_view bytes);

}  // namespace culprit::tracer

template <>
struct fmt::formatter<culprit::tracer::Timestamp> : fmt::formatter<std::string_view> {
  template <typename Ctx>
  auto format(const culprit::tracer::Timestamp& t, Ctx& ctx) const {
    return fmt::formatter<std::string_view>::format(t.format(), ctx);
  }
};

template <>
struct fmt::formatter<culprit::tracer::Event> : fmt::formatter<std::string_view> {
  template <typename Ctx>
  auto format(const culprit::tracer::Event& e, Ctx& ctx) const {
    return fmt::formatter<std::string_view>::format(culprit::tracer::dump(e), ctx);
  }
};
