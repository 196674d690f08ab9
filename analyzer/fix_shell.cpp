// The whole shell script: header (set -eu, LC_ALL=C), the per-finding blocks, the shared ones
// (service reloads, run only when a block changed something), footer (exit status).
#include <map>
#include <set>
#include <string>

#include <fmt/format.h>

#include "analyzer/fix.h"
#include "analyzer/quote.h"

namespace culprit::analyzer {

std::string shell_script(const Report& report, std::size_t top_n, const FixTemplates& templates) {
  const std::size_t n = std::min(top_n, report.findings.size());
  FixValues header_values;
  header_values["inputs_text"] = inputs_comment(report);
  header_values["count"] = std::to_string(n);

  std::string out = FixTemplates::expand(templates.script_header(), header_values);
  out += '\n';
  std::map<std::string, std::size_t> seen_keys;
  std::set<std::string> shared_seen;
  std::vector<const std::string*> shared;
  const auto append = [&out](std::string_view block) {
    out += block;
    if (!block.empty() && block.back() != '\n') {
      out += '\n';
    }
    out += '\n';
  };
  for (std::size_t i = 0; i < n; ++i) {
    const Finding& f = report.findings[i];
    if (!f.fix) {
      continue;
    }
    if (!f.fix->key.empty()) {
      const auto [it, inserted] = seen_keys.emplace(f.fix->key, i + 1);
      if (!inserted) {
        out += fmt::format(
            "# culprit finding {} ({}): the same change as "
            "finding {} above.\n\n",
            i + 1, to_string(f.kind), it->second);
        continue;
      }
    }
    append(f.fix->shell);
    if (!f.fix->shell_shared.empty() && shared_seen.insert(f.fix->shell_shared).second) {
      shared.push_back(&f.fix->shell_shared);
    }
  }
  for (const auto* block : shared) {
    append(*block);
  }
  out += FixTemplates::expand(templates.script_footer(), header_values);
  return out;
}

}  // namespace culprit::analyzer
