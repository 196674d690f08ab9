#include "analyzer/pass_noise.h"

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

NoiseVerdict judge_noise(const FailureGroup& g) {
  if (!g.messages.empty()) {
    return {};
  }
  if (g.rule != nullptr) {
    return {true, g.rule->why, g.rule->id};
  }
  if (!g.probe_success.empty()) {
    if (g.probe_success == g.path) {
      return {true,
              fmt::format("the same process later used {} successfully (checked, then created "
                          "or retried)",
                          g.path),
              "probe"};
    }
    return {true,
            fmt::format("a search: the same process then found {} at {}", base_name(g.path),
                        g.probe_success),
            "probe"};
  }
  if (g.path.empty() && g.address.empty()) {
    // Nothing to point at: e.g. "<... openat resumed>) = -1 ENOENT" whose start is not in the
    // log (the trace began mid-call), or an fd call on an fd of unknown origin. A finding needs a
    // file, socket or address a person can act on.
    return {true,
            fmt::format("{} failed on nothing the trace names (no path, fd or address recorded)",
                        g.syscall.empty() ? std::string("a call") : g.syscall),
            "no-object"};
  }
  if (!g.used && g.family == tracer::Family::File &&
      (g.errno_name == "ENOENT" || g.errno_name == "ENOTDIR")) {
    return {true,
            fmt::format("only checked for existence ({}) and never opened: an optional file the "
                        "program does without",
                        g.syscall),
            "existence-check"};
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
  return s;
}

}  // namespace culprit::analyzer
