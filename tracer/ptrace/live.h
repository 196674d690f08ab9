// The live tracer as the CLI sees it: `culprit run -- CMD` and `culprit attach -p/-n/-u/--cgroup`.
// Both deliver tracer::Events to a sink (the analyzer, and the log writer for --save-log) until
// the traced processes are gone or the user stops it (Ctrl-C/SIGTERM/SIGHUP/SIGQUIT, --duration,
// --trigger).
//
// How each ends (docs/live-tracing.md):
// - attach: stopping detaches from every thread and leaves it running as it was (a stopped
//   process stays stopped, pending signals are re-injected). attach never kills a tracee, also not
//   when culprit itself is killed.
// - run: the command runs under a seccomp filter whose stops need a tracer: without one, every
//   call the filter stops on fails with ENOSYS, and a filter cannot be removed. So run never
//   detaches. Stopping ends the recording; culprit then serves the filter's stops (one
//   PTRACE_CONT each, nothing decoded) until every traced process has exited. A stop signal that
//   a process sent to culprit (kill, timeout) is passed on to the command; the terminal's ^C
//   reaches the command by itself. If culprit itself dies (SIGKILL, a crash), the kernel kills
//   the traced processes (PTRACE_O_EXITKILL) rather than leave them failing their calls.
//
// Both install their own SIGINT/SIGTERM/SIGHUP/SIGQUIT handlers (also when a signal was inherited
// as ignored) and ignore SIGPIPE for as long as they hold tracees, and restore the previous
// dispositions afterwards. Not reentrant: one trace at a time per process. Requires Linux >= 5.3
// (PTRACE_GET_SYSCALL_INFO).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tracer/model/event.h"
#include "tracer/model/result.h"

namespace culprit::tracer {

struct LiveOptions {
  std::vector<Pid> pids;             // attach -p: processes (all their threads are traced)
  std::string name;                  // attach -n: every process whose comm or exe basename matches
  std::vector<std::string> units;    // attach -u: every process of each systemd unit's cgroup
  std::vector<std::string> cgroups;  // attach --cgroup: every process of each cgroup and below
  std::vector<std::string> command;  // run: argv of the command (argv[0] looked up in PATH)
  bool command_stdout_to_stderr = false;  // run: the command's stdout goes to culprit's stderr
  double duration_s = 0;                  // stop after this many seconds (0 = no limit)
  std::string trigger;  // shell command run (sh -c) once tracing has started; when it
                        // has finished and settle_s has passed, tracing stops
  double settle_s = 0.5;
  std::size_t string_limit = 256;  // -s: bytes of written data and of argv strings recorded
  bool status_line = false;        // one-line live status on stderr, ~5 refreshes/s at most
  // After each stop, poll this long for the next one before sleeping (Session::set_spin). Zero
  // (the default) always sleeps, as strace does; ignored when culprit may run on one CPU only (it
  // would compete with the tracees for it). See Session::set_spin for when polling pays.
  unsigned spin_us = 0;
  // Deliver events to the sink from a second thread, in order, never concurrently (on by
  // default): the tracees are resumed without waiting for the sink's work (the analyzer, the log
  // writer). Events are handed over in batches (512 events, or whatever is queued every 200 ms),
  // so the sink may lag that much behind the tracees. Every event has been delivered when
  // trace_run/trace_attach return.
  bool deliver_thread = true;
};

struct LiveOutcome {
  int exit_status = -1;  // run: the command's exit code (-1: killed by a signal or still running)
  int term_signal = 0;   // run: the signal that killed the command (0: none)
  std::size_t processes = 0;   // distinct processes traced over the session
  std::size_t threads = 0;     // distinct threads traced over the session
  std::uint64_t failures = 0;  // failed syscalls among the events
  bool detached = false;    // tracing was stopped (signal, duration, trigger) and the tracees left
                            // running, rather than all of them having exited
  int trigger_status = -1;  // exit code of --trigger (-1: none, not run, or killed)
  int trigger_signal = 0;   // the signal that killed --trigger (0: none)
  std::vector<std::string> trigger_output;  // its first lines of output (stdout and stderr)
  // run: the command never started; its failed execve is among the events ("cannot run './x':
  // execve: No such file or directory").
  std::string exec_error;
  // run: recording ended while traced processes still ran; CommandRun::serve_to_end follows them
  // to their end.
  bool still_running = false;
  std::vector<std::string> notes;  // human-readable remarks: processes skipped, why tracing stopped
};

// `run` in two steps, so that the report can be written when recording stops while the command
// runs on: record() starts `options.command` under a seccomp filter that stops only on the
// syscalls the table marks `trace`, follows every child, and returns when all of them are gone or
// tracing is stopped. serve_to_end() then serves the processes still traced until they exit (see
// above) and fills in the command's exit status; the destructor does it if the caller did not.
// Errors of record(): empty command, no such command, seccomp or ptrace refused. A command that
// exists but cannot be executed is not an error: its failed execve is reported (exec_error).
class CommandRun {
 public:
  CommandRun(const LiveOptions& options, EventSink& sink, SourceStats& stats);
  CommandRun(const CommandRun&) = delete;
  CommandRun& operator=(const CommandRun&) = delete;
  ~CommandRun();

  Result<LiveOutcome> record();
  // `say` (may be empty) is told, once, when a stop signal arrives while serving.
  void serve_to_end(LiveOutcome& out, const std::function<void(const std::string&)>& say);

  struct State;  // opaque (live.cpp)

 private:
  std::unique_ptr<State> state_;
};

// record() and serve_to_end() in one call.
Result<LiveOutcome> trace_run(const LiveOptions& options, EventSink& sink, SourceStats& stats);

// `attach`: attaches to every thread of options.pids, of the processes matching options.name and
// of those in the cgroups of options.units and options.cgroups (culprit itself excluded), follows
// their children, returns when all are gone (or on stop). The sources add up; a name, unit or
// cgroup that yields no process is a note when another source yielded one.
// Errors (nothing is left attached): no such process, already traced by another tracer (its pid),
// permission denied (other user / Yama ptrace_scope / no CAP_SYS_PTRACE / container), no process
// named X, no cgroup for unit X, no such cgroup, an empty cgroup.
Result<LiveOutcome> trace_attach(const LiveOptions& options, EventSink& sink, SourceStats& stats);

}  // namespace culprit::tracer
