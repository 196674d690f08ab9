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
  std::string out = assemble_fixes(
      report, top_n,
      FixLayout{templates.manifest_header(), templates.manifest_footer(), &Fix::puppet,
                &Fix::puppet_shared, append_block});
  while (out.size() > 1 && out.ends_with("\n\n")) {
    out.pop_back();
  }
  return out;
}

}  // namespace culprit::analyzer
