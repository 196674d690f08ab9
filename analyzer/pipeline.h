// Runs the analyzer passes over an event stream in a fixed order:
//   process state → group failures → drop noise → classify (siblings, permission walk,
//   messages) → find referrer → rank → fixes.
// It is an EventSink: sources push events; memory grows with distinct failures and distinct files
// seen, not with the number of events. `finish` runs the whole-trace passes and returns the Report.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "analyzer/filesystem.h"
#include "analyzer/finding.h"
#include "analyzer/rules.h"
#include "tracer/event.h"

namespace culprit::analyzer {

struct PipelineOptions {
  std::string mode = "replay";      // "replay" | "attach" | "run"
  std::vector<std::string> inputs;  // log files or "pid 123" / the command line
  std::size_t max_groups = 200000;  // failure groups kept; more are counted, not stored
  std::size_t max_findings = 25;    // findings reported (after ranking)
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
