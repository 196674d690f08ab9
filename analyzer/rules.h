// Rule files (rules/*.yaml): benign-failure patterns and error-message patterns. The built-in
// files are compiled in (embedded_rules); users add more with --rules FILE.
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
