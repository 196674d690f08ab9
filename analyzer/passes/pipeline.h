// Runs the analyzer over an event stream. Per event: failures grouped (pass_group), error lines
// assembled and matched (pass_evidence, pass_messages), consequences noted (exits, 4xx/5xx,
// error lines) with the failures they follow. At the end, the passes listed above
// Pipeline::State::finish in pipeline.cpp: messages → failures, processes that ended well,
// failed searches, noise prior vs evidence, classification and referrer, shared blockers,
// ranking, referrers on disk.
// It is an EventSink: sources push events; memory grows with distinct failures and distinct files
// seen, not with the number of events. `finish` runs the whole-trace passes and returns the Report.
//
// What it reads from events (sources fill these; anything absent just means less evidence):
//   - failed calls (err != ""): grouped by path (or address / fd_path), errno and family;
//   - successful path calls: what exists (probe heuristic, log-only sibling inference); open of
//     a regular file for reading: referrer candidates (last 64 per pid, parents included);
//   - read()/readv() data with fd_path: file text for log-only referrer search (first opening);
//   - write/send data: "HTTP/1.x 5xx" / "Status: 5xx" answers, stderr (fd 2) and *.log writes,
//     error messages matched by rules/messages.yaml;
//   - clone/fork/vfork return values: parent links; setuid/setresuid... `set_id`: the uid (gid)
//     the permission walk judges for; Exit events: non-zero exits and kills;
//   - getsockopt(SO_ERROR) with the error name in `data` ("ECONNREFUSED") after a connect() that
//     failed with EINPROGRESS: reported as that connect's failure (also inferred when the next
//     call on the socket fails with ECONNREFUSED).
// Cost per uninteresting event: one small hash lookup of the syscall name, no allocation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "analyzer/core/filesystem.h"
#include "analyzer/core/finding.h"
#include "analyzer/rules/rules.h"
#include "tracer/model/event.h"

namespace culprit::analyzer {

class ServerCatalog;

struct PipelineOptions {
  std::string mode = "replay";      // "replay" | "attach" | "run"
  std::vector<std::string> inputs;  // log files or "pid 123" / the command line
  std::size_t max_groups = 50000;   // failure groups kept; more are counted, not stored
  std::size_t max_findings = 25;    // findings reported (after ranking)
  // uid/gid of the traced processes when the caller knows them (e.g. from /proc/PID/status under
  // `attach`); setuid/setresuid events in the trace override them per process.
  std::optional<std::uint32_t> process_uid;
  std::optional<std::uint32_t> process_gid;
  // Live tracing: read each new pid's filesystem uid/gid from /proc/PID/status when it first
  // appears (attach finds workers that dropped privileges long before it).
  bool read_proc_ids = false;
  std::size_t max_known_paths = 1000000;       // distinct successful paths remembered (log facts)
  std::size_t max_recorded_bytes = 64U << 20;  // read() data kept for log-only referrer search
  // Live analyses only: asks server binaries on this machine about their configuration language
  // (apache2 -L); null for replays, whose binaries belong to another machine or time.
  const ServerCatalog* catalog = nullptr;
};

class Pipeline final : public tracer::EventSink {
 public:
  // `rules` and `fs` must outlive the pipeline.
  Pipeline(const Rules& rules, const FileSystem& fs, PipelineOptions options);
  ~Pipeline() override;
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  void on_event(const tracer::Event& event) override;

  // Runs the whole-trace passes. Call once, after the last event.
  Report finish(const tracer::SourceStats& source_stats);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace culprit::analyzer
