// The rules/*.yaml files compiled into the binary (cmake/EmbedRules.cmake writes their definition),
// so that a copied `culprit` works on its own. Read by the rule loader and the fix templates.
#pragma once

#include <span>

namespace culprit::analyzer {

// A rules/*.yaml file compiled into the binary ("rules/noise.yaml", its text).
struct EmbeddedRuleFile {
  const char* name;
  const char* text;
};
std::span<const EmbeddedRuleFile> embedded_rules();

}  // namespace culprit::analyzer
