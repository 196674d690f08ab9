#include "analyzer/passes/pass_noise.h"

#include <fmt/format.h>

namespace culprit::analyzer {

const NoiseRule* match_noise_rule(const Rules& rules, std::string_view syscall,
                                  tracer::Family family, std::string_view err,
                                  std::string_view path) {
  for (const auto& r : rules.noise()) {
    if (r.matches(syscall, family, err, path)) {
      return &r;
    }
  }
  return nullptr;
}

void ProbeTracker::watch(std::uint32_t group, std::string_view path) {
  const auto base = base_name(path);
  if (base.empty() || base == "/") {
    return;
  }
  auto it = by_basename_.find(base);
  if (it == by_basename_.end()) {
    it = by_basename_.emplace(std::string(base), std::vector<std::uint32_t>{}).first;
  }
  it->second.push_back(group);
}

void ProbeTracker::on_success(std::string_view path, tracer::Pid pid,
                              std::vector<FailureGroup>& groups) {
  const auto it = by_basename_.find(base_name(path));
  if (it == by_basename_.end()) {
    return;
  }
  for (const auto index : it->second) {
    FailureGroup& g = groups[index];
    // Only failures that end in "not there" are searches; EACCES followed by a success elsewhere
    // may still be the file the program wanted.
    if (!g.probe_success.empty() || !g.has_pid(pid) ||
        (g.errno_name != "ENOENT" && g.errno_name != "ENOTDIR")) {
      continue;
    }
    g.probe_success.assign(path);
  }
}

namespace {

// What points at the group: an error line or message naming it, or being the last failure
// before a consequence. Empty when nothing does.
std::string consequence_evidence(const FailureGroup& g) {
  if (!g.messages.empty()) {
    return "an error message names it";
  }
  if (g.named_in_error > 0) {
    return "an error line the process wrote names it";
  }
  if (g.last_before_exit > 0) {
    return "it was the last failure before the process exited with an error or was killed";
  }
  if (g.last_before_http_error > 0 || g.last_before_5xx > 0) {
    return "it was the last failure before an HTTP error answer";
  }
  if (g.last_before_error_line > 0) {
    return "it was the last failure before the process wrote an error";
  }
  return {};
}

std::string recovery(const FailureGroup& g) {
  if (g.probe_success.empty()) {
    return {};
  }
  if (g.probe_success == g.path) {
    return fmt::format(
        "the same process later used {} successfully (checked, then created or "
        "retried)",
        g.path);
  }
  return fmt::format("a search: the same process then found {} at {}", base_name(g.path),
                     g.probe_success);
}

}  // namespace

NoiseVerdict judge_noise(const FailureGroup& g) {
  const std::string evidence = consequence_evidence(g);
  const std::string recovered = recovery(g);
  const bool named = !g.messages.empty() || g.named_in_error > 0;
  // The program said it mattered: nothing hides that.
  if (named) {
    return {};
  }
  // The last failure before a consequence, and nothing recovered from it: it stays, whatever a
  // rule or heuristic says (ranked lower when a rule matched).
  if (!evidence.empty() && recovered.empty()) {
    return {};
  }
  std::string weighed = "no error line or message names it";
  if (!recovered.empty()) {
    weighed += "; recovered";
  } else if (g.ended_well) {
    weighed += "; the process exited 0";
  } else {
    weighed += "; it was not the last failure before an error, a non-zero exit or an HTTP error";
  }
  // Recovery is evidence about this very failure; a rule only about failures like it.
  if (!recovered.empty()) {
    if (g.rule != nullptr) {
      weighed += fmt::format("; noise rule {} also matches", g.rule->id);
    }
    return {true, recovered, "probe", std::move(weighed)};
  }
  if (g.rule != nullptr) {
    return {true, g.rule->why, g.rule->id, std::move(weighed)};
  }
  if (g.path.empty() && g.address.empty()) {
    // Nothing to point at: e.g. "<... openat resumed>) = -1 ENOENT" whose start is not in the
    // log (the trace began mid-call), or an fd call on an fd of unknown origin. A finding needs a
    // file, socket or address a person can act on.
    return {true,
            fmt::format("{} failed on nothing the trace names (no path, fd or address recorded)",
                        g.syscall.empty() ? std::string("a call") : g.syscall),
            "no-object", std::move(weighed)};
  }
  if (!g.used && g.family == tracer::Family::File &&
      (g.errno_name == "ENOENT" || g.errno_name == "ENOTDIR")) {
    return {true,
            fmt::format("only checked for existence ({}) and never opened: an optional file the "
                        "program does without",
                        g.syscall),
            "existence-check", std::move(weighed)};
  }
  if (g.answered_ok > 0 && g.near_5xx == 0 && g.last_before_http_error == 0 &&
      g.before_bad_exit == 0 && g.before_error_write == 0) {
    return {true,
            "the request it failed in was answered successfully (1xx-3xx) and no error was "
            "written: the server did without it",
            "succeeded", std::move(weighed)};
  }
  if (g.ended_well && g.near_5xx == 0 && g.before_bad_exit == 0 && g.before_error_write == 0) {
    return {true,
            "the process carried on and exited 0 without reporting an error: it did without it",
            "succeeded", std::move(weighed)};
  }
  return {};
}

Suppressed to_suppressed(const FailureGroup& g, const NoiseVerdict& v) {
  Suppressed s;
  s.path = g.path.empty() ? g.address : g.path;
  s.errno_name = g.errno_name;
  s.syscall = g.syscall;
  s.count = g.count;
  s.reason = v.reason;
  s.rule = v.rule;
  s.weighed = v.weighed;
  return s;
}

}  // namespace culprit::analyzer
