#include "analyzer/core/finding.h"

#include <fmt/format.h>

#include "analyzer/core/finding_kinds.h"

namespace culprit::analyzer {

Finding::Finding() = default;
Finding::~Finding() = default;
Finding::Finding(const Finding&) = default;
Finding::Finding(Finding&&) noexcept = default;
Finding& Finding::operator=(const Finding&) = default;
Finding& Finding::operator=(Finding&&) noexcept = default;

std::string_view to_string(FindingKind kind) { return kind_info(kind).name; }

std::optional<FindingKind> finding_kind_from_string(std::string_view name) {
  for (const auto& k : all_kinds()) {
    if (k.name == name) {
      return k.kind;
    }
  }
  return std::nullopt;
}

std::string_view to_string(CommandFate::State state) {
  switch (state) {
    case CommandFate::State::Exited:
      return "exited";
    case CommandFate::State::Killed:
      return "killed";
    case CommandFate::State::Running:
      return "running";
    case CommandFate::State::NotStarted:
      return "not-started";
  }
  return "running";
}

std::string describe_fate(const CommandFate& fate) {
  switch (fate.state) {
    case CommandFate::State::Exited:
      return fmt::format("exited with {}", fate.exit_code);
    case CommandFate::State::Killed:
      return fmt::format("was killed by {}", fate.signal);
    case CommandFate::State::Running:
      return "was still running when the report was written";
    case CommandFate::State::NotStarted:
      return fate.detail.empty() ? std::string("did not start")
                                 : fmt::format("did not start ({})", fate.detail);
  }
  return {};
}

}  // namespace culprit::analyzer
