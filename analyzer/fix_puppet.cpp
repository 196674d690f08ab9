// The whole Puppet manifest: header, the per-finding resources, the shared ones, footer.
#include <set>
#include <string>

#include <fmt/format.h>

#include "analyzer/fix.h"
#include "analyzer/quote.h"

namespace culprit::analyzer {

namespace {

// puppet-lint warns about lines over 140 columns; a long path cannot be wrapped inside a Puppet
// string, so such a block is fenced with puppet-lint's own control comments instead.
constexpr std::size_t kLintLineLimit = 140;

bool has_long_line(std::string_view text) {
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    // puppet-lint counts characters, not bytes; bytes over-count, which only fences earlier.
    if (end - start > kLintLineLimit) {
      return true;
    }
    start = end + 1;
  }
  return false;
}

void append_block(std::string& out, std::string_view block) {
  if (block.empty()) {
    return;
  }
  const bool fence = has_long_line(block);
  if (fence) {
    out += "# lint:ignore:140chars\n";
  }
  out += block;
  if (block.back() != '\n') {
    out += '\n';
  }
  if (fence) {
    out += "# lint:endignore\n";
  }
  out += '\n';
}

}  // namespace

std::string puppet_manifest(const Report& report, std::size_t top_n,
                            const FixTemplates& templates) {
  const std::size_t n = std::min(top_n, report.findings.size());
  FixValues header_values;
  header_values["inputs_text"] = inputs_comment(report);
  header_values["count"] = std::to_string(n);

  std::string out = FixTemplates::expand(templates.manifest_header(), header_values);
  out += '\n';
  std::map<std::string, std::size_t> seen_keys;
  std::set<std::string> shared_seen;
  std::vector<const std::string*> shared;
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
    append_block(out, f.fix->puppet);
    if (!f.fix->puppet_shared.empty() && shared_seen.insert(f.fix->puppet_shared).second) {
      shared.push_back(&f.fix->puppet_shared);
    }
  }
  for (const auto* block : shared) {
    append_block(out, *block);
  }
  out += FixTemplates::expand(templates.manifest_footer(), header_values);
  while (out.size() > 1 && out.ends_with("\n\n")) {
    out.pop_back();
  }
  return out;
}

}  // namespace culprit::analyzer
