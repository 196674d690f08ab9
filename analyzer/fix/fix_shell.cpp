// The whole shell script: header (set -eu, LC_ALL=C), the per-finding blocks, the shared ones
// (service reloads, run only when a block changed something), footer (exit status).
#include <fmt/format.h>

#include <string>

#include "analyzer/core/quote.h"
#include "analyzer/fix/fix.h"

namespace culprit::analyzer {

namespace {

void append_block(std::string& out, std::string_view block) {
  out += block;
  if (!block.empty() && block.back() != '\n') {
    out += '\n';
  }
  out += '\n';
}

}  // namespace

std::string shell_script(const Report& report, std::size_t top_n, const FixTemplates& templates) {
  return assemble_fixes(report, top_n,
                        FixLayout{templates.script_header(), templates.script_footer(), &Fix::shell,
                                  &Fix::shell_shared, append_block});
}

}  // namespace culprit::analyzer
