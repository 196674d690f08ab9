#include "analyzer/passes/pass_rank.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "analyzer/core/finding_kinds.h"

namespace culprit::analyzer {
namespace {

double kind_weight(FindingKind k) { return kind_info(k).weight; }

std::string times(std::uint64_t n) { return n == 1 ? "once" : fmt::format("{} times", n); }

}  // namespace

void score_finding(Finding& f, const RankSignals& s) {
  double score = kind_weight(f.kind);
  std::vector<std::string> why;
  if (s.in_message) {
    score += 1000;
    why.push_back(
        s.message_rule.empty()
            ? std::string("the process wrote an error message naming it")
            : fmt::format("the process wrote an error message naming it ({})", s.message_rule));
  }
  if (s.last_before_5xx > 0) {
    score += 300 + 10 * std::min<std::uint64_t>(s.last_before_5xx, 20);
    why.push_back(s.total_5xx > 1
                      ? fmt::format("it was the last failure before {} of the {} HTTP 5xx answers",
                                    s.last_before_5xx, s.total_5xx)
                      : std::string("it was the last failure before the HTTP 5xx answer"));
  }
  if (s.near_5xx > 0) {
    score += 100 + 5 * std::min<std::uint64_t>(s.near_5xx, 20);
    if (s.total_5xx > 1 && s.near_5xx >= s.total_5xx) {
      score += 50;
      why.push_back(
          fmt::format("it failed in every one of the {} requests answered with 5xx", s.total_5xx));
    } else if (s.last_before_5xx == 0) {
      why.push_back(fmt::format(
          "it failed during {} that answered 5xx",
          s.near_5xx == 1 ? std::string("a request") : fmt::format("{} requests", s.near_5xx)));
    }
  }
  if (s.before_error_write > 0) {
    score += 80;
    why.push_back(
        fmt::format("the process wrote an error right after it ({})", times(s.before_error_write)));
  }
  if (s.before_bad_exit > 0) {
    score += 80;
    why.push_back("the process then exited with an error or was killed");
  }
  if (!s.in_message && s.named_in_error > 0) {
    score += 900;
    why.push_back(fmt::format(
        "the process wrote an error line naming it{}",
        s.named_in_error > 1 ? fmt::format(" ({})", times(s.named_in_error)) : std::string()));
  }
  if (s.last_before_exit > 0) {
    score += 150;
    why.push_back("it was the last failure before the process exited with an error or was killed");
  }
  if (s.last_before_error_line > 0 && s.before_error_write == 0) {
    score += 60;
    why.push_back("it was the last failure before the process wrote an error");
  }
  if (s.last_before_http_error > 0 && s.last_before_5xx == 0) {
    score += 120;
    why.push_back("it was the last failure before an HTTP error answer");
  }
  if (!s.rule.empty()) {
    // The rule is a prior: it lowers the rank, and the report says the evidence overrode it.
    score -= 30;
    why.push_back(
        fmt::format("noise rule {} matched, but the evidence above overrides it", s.rule));
  }
  if (f.referenced_from) {
    score += 5;
  }
  score += std::log2(1.0 + static_cast<double>(f.count));
  f.score = score;
  if (why.empty()) {
    why.push_back(fmt::format("an unexplained {} failure ({}), not tied to an error answer",
                              f.errno_name.empty() ? std::string("reported") : f.errno_name,
                              times(f.count)));
  }
  std::string reason;
  for (std::size_t i = 0; i < why.size(); ++i) {
    reason += i == 0 ? "" : "; ";
    reason += why[i];
  }
  f.rank_reason = std::move(reason);
}

void rank_findings(std::vector<Finding>& findings, std::size_t max_findings) {
  std::stable_sort(findings.begin(), findings.end(), [](const Finding& a, const Finding& b) {
    if (a.score != b.score) {
      return a.score > b.score;
    }
    if (a.referenced_from.has_value() != b.referenced_from.has_value()) {
      return a.referenced_from.has_value();
    }
    return a.first_seen.micros < b.first_seen.micros;
  });
  if (findings.size() > max_findings) {
    findings.resize(max_findings);
  }
  for (std::size_t i = 0; i < findings.size(); ++i) {
    findings[i].rank = static_cast<int>(i + 1);
  }
}

}  // namespace culprit::analyzer
