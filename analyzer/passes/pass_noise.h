// Pass 2: benign failures. Two judges:
//   - rules (rules/noise.yaml + --rules files), matched once when a group is created;
//   - the probe heuristic: a failure followed, in the same process, by a success for the same
//     basename elsewhere (ld.so, $PATH, include_path search) or for the same path (stat, then
//     create) was a search, not a fault;
//   - existence checks: a path only ever access()'ed or stat()'ed (never opened, executed,
//     connected to) that was absent is an optional file the program does without.
// Neither judge is a verdict: a group that an error line or message names is never suppressed (the
// program itself said it mattered), nor is the last failure before a consequence (an error line,
// a non-zero exit or fatal signal, an HTTP 4xx/5xx answer) that nothing later recovered from. A
// failure in a process that exited 0 without reporting an error is hidden ("succeeded").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "analyzer/passes/pass_group.h"
#include "analyzer/rules/rules.h"

namespace culprit::analyzer {

// First rule matching the failure, or nullptr.
const NoiseRule* match_noise_rule(const Rules& rules, std::string_view syscall,
                                  tracer::Family family, std::string_view err,
                                  std::string_view path);

// Watches successes for basenames that failed earlier. Cheap per event: one hash lookup.
class ProbeTracker {
 public:
  // Registers a new group (only groups with a path and not already suppressed by a rule matter).
  void watch(std::uint32_t group, std::string_view path);
  // A successful call on `path` by `pid`: marks matching earlier failures of that pid as probes.
  void on_success(std::string_view path, tracer::Pid pid, std::vector<FailureGroup>& groups);
  [[nodiscard]] bool empty() const { return by_basename_.empty(); }

 private:
  StringMap<std::vector<std::uint32_t>> by_basename_;
};

struct NoiseVerdict {
  bool suppressed = false;
  std::string reason;
  std::string rule;     // rule id, or "probe" / "existence-check" / "succeeded" / "no-object"
  std::string weighed;  // the evidence weighed before hiding it
};

// The verdict for a group at the end of the trace; `weighed` says which evidence was looked at.
NoiseVerdict judge_noise(const FailureGroup& group);

// Suppressed entry for the report.
Suppressed to_suppressed(const FailureGroup& group, const NoiseVerdict& verdict);

}  // namespace culprit::analyzer
