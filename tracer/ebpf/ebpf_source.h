// The eBPF capture backend of `attach`: a BPF program (culprit.bpf.c) on the sys_enter and sys_exit
// raw tracepoints filters in the kernel and never stops the traced processes. It sends a record
// only for a call that failed, changed state the analyzer needs (an open's fd, chdir, execve,
// connect, setuid...) or wrote data, plus forks and exits; this side turns the records into
// tracer::Events (absolute paths, fd paths, errno names, timestamps) and delivers them to a sink as
// the ptrace backend does. docs/live-tracing.md says what it sees and what it does not.
//
// Uses the model only: the CLI finds the processes (-p, -n, -u, --cgroup) and passes their pids
// and a way to list them again.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tracer/model/event.h"
#include "tracer/model/result.h"

namespace culprit::tracer {

struct EbpfOptions {
  std::vector<Pid> pids;  // processes traced from the start (a thread id stands for its process)
  // Lists the targets again once the programs are attached (-n, -u, --cgroup: a server forks
  // while culprit starts); may be empty.
  std::function<std::vector<Pid>()> list;
  double duration_s = 0;           // stop after this many seconds (0: no limit)
  std::string trigger;             // shell command run (sh -c) once tracing has started
  double settle_s = 0.5;           // tracing stops this long after the trigger finished
  std::size_t string_limit = 256;  // -s: bytes of written data kept per call (at most 4095)
  bool status_line = false;        // one-line live status on stderr, ~5 refreshes/s
  bool deliver_thread = true;      // deliver events from a second thread (EventBatcher)
  // The ring buffer's size (a power of two, >= the page size). Small enough to stay in the CPU
  // caches between the kernel writing a record and culprit reading it: 16 MiB cost a tenth of a
  // traced Apache's request rate more than 2 MiB; the reader is woken every eighth of it.
  std::size_t ring_bytes = 2 << 20;
};

struct EbpfOutcome {
  std::size_t processes = 0;   // distinct processes traced over the session
  std::size_t threads = 0;     // distinct threads seen (started with, created, or seen calling)
  std::uint64_t failures = 0;  // failed syscalls among the events
  std::uint64_t lost = 0;      // records the kernel dropped: the ring buffer was full
  bool detached = false;       // stopped while traced processes still ran (they run on)
  int trigger_status = -1;     // exit code of --trigger (-1: none, not run, or killed)
  int trigger_signal = 0;      // the signal that killed --trigger (0: it exited, or none)
  std::vector<std::string> trigger_output;  // its first lines of output (stdout and stderr)
  std::vector<std::string> notes;           // remarks: why tracing stopped, processes skipped
};

// "" when this process may load the backend here (BTF present; root's capabilities, or CAP_BPF
// and CAP_PERFMON); otherwise why not, in a few words.
std::string ebpf_unavailable_reason();

// A loaded BPF program: load() checks everything that can fail before any process is touched,
// so that `--backend auto` can still fall back to ptrace. trace() attaches (BPF links owned by
// this process: they go with it, also when it is killed), runs until every target has exited,
// --duration, the trigger, or SIGINT/SIGTERM/SIGHUP/SIGQUIT, then detaches. One trace per object.
class EbpfTracer {
 public:
  // Errors: the program cannot be opened or loaded (the verifier's or the kernel's refusal).
  static Result<std::unique_ptr<EbpfTracer>> load(const EbpfOptions& options);
  ~EbpfTracer();
  EbpfTracer(const EbpfTracer&) = delete;
  EbpfTracer& operator=(const EbpfTracer&) = delete;

  // Errors: no process given, no such process, attach refused.
  Result<EbpfOutcome> trace(EventSink& sink, SourceStats& stats);

  struct State;  // opaque (ebpf_source.cpp)

 private:
  explicit EbpfTracer(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace culprit::tracer
