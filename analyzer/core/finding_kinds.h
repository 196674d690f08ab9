// Every kind of finding in one table: its name, how much the kind alone says about a failure
// (ranking weight), the fix variants rules/fixes.yaml must define for it, and the preventive
// measure a postmortem proposes. A new kind is a new row here plus its templates in fixes.yaml.
#pragma once

#include <span>
#include <string_view>

#include "analyzer/core/finding.h"

namespace culprit::analyzer {

struct KindInfo {
  FindingKind kind;
  std::string_view name;  // "mistyped-path": reports, JSON, fixes.yaml keys
  double weight;          // prior for ranking: how specific a diagnosis the kind is
  std::span<const std::string_view> fix_variants;  // what the fixer may pick for it
  std::string_view prevention;                     // markdown: a measure that would have caught it
};

// All kinds, in FindingKind order.
std::span<const KindInfo> all_kinds();
const KindInfo& kind_info(FindingKind kind);

}  // namespace culprit::analyzer
