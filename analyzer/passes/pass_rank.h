// Pass 5: which finding is the culprit. A failure the process itself wrote an error message about
// ranks highest; then the newest real failure before an HTTP 5xx answer, an error write or a
// non-zero exit; failures repeated in every failing request matter more than one-offs.
// Suppressed groups never reach this pass.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "analyzer/core/finding.h"

namespace culprit::analyzer {

struct RankSignals {
  bool in_message = false;            // an error message written by the process names it
  std::string message_rule;           // the rule id / short name of that message
  std::uint64_t last_before_5xx = 0;  // newest real failure before this many 5xx answers
  std::uint64_t near_5xx = 0;         // failed during this many requests that got a 5xx
  std::uint64_t total_5xx = 0;        // 5xx answers in the whole trace
  std::uint64_t before_error_write = 0;
  std::uint64_t before_bad_exit = 0;
  std::uint64_t named_in_error = 0;          // error lines of the process that name it
  std::uint64_t last_before_exit = 0;        // blamed for a non-zero exit / fatal signal
  std::uint64_t last_before_error_line = 0;  // newest failure when an error line began
  std::uint64_t last_before_http_error = 0;  // newest failure before a 4xx/5xx answer
  std::string rule;  // id of the noise rule that matched but was overridden by the evidence
};

// Sets finding.score and finding.rank_reason from the signals and the finding's kind.
void score_finding(Finding& finding, const RankSignals& signals);

// Sorts by score (ties: with a referrer first, then first seen), numbers ranks from 1 and keeps
// the first `max_findings`.
void rank_findings(std::vector<Finding>& findings, std::size_t max_findings);

}  // namespace culprit::analyzer
