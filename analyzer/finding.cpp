#include "analyzer/finding.h"

#include "analyzer/finding_kinds.h"

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

}  // namespace culprit::analyzer
