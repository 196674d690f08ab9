// The whole Puppet manifest: header, the per-finding resources, the shared ones, footer.
#include <fmt/format.h>

#include <set>
#include <string>

#include "analyzer/core/quote.h"
#include "analyzer/fix/fix.h"

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

bool is_puppet_class_name(std::string_view name) {
  static const std::set<std::string_view> reserved = {
      "and",      "application", "attr",     "case",        "component", "consumes", "default",
      "define",   "elsif",       "else",     "environment", "false",     "function", "if",
      "import",   "in",          "inherits", "node",        "or",        "private",  "produces",
      "regexp",   "site",        "true",     "type",        "undef",     "unit",     "unless",
      "settings", "main",        "class"};
  if (name.empty() || name.size() > 200) {
    return false;
  }
  std::size_t start = 0;
  while (true) {
    const std::size_t end = std::min(name.find("::", start), name.size());
    const std::string_view seg = name.substr(start, end - start);
    if (seg.empty() || seg.front() < 'a' || seg.front() > 'z' || reserved.contains(seg)) {
      return false;
    }
    for (const char c : seg) {
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
        return false;
      }
    }
    if (end == name.size()) {
      return true;
    }
    start = end + 2;
  }
}

std::string puppet_manifest(const Report& report, std::size_t top_n, const FixTemplates& templates,
                            std::string_view puppet_class) {
  CULPRIT_ASSERT(puppet_class.empty() || is_puppet_class_name(puppet_class))
      << "invalid Puppet class name";
  const std::string open =
      puppet_class.empty()
          ? std::string()
          : fmt::format(
                "# @summary Fixes culprit wrote for the findings above; include it to apply.\n"
                "class {} {{\n",
                puppet_class);
  std::string out = assemble_fixes(
      report, top_n,
      FixLayout{templates.manifest_header(), templates.manifest_footer(), &Fix::puppet,
                &Fix::puppet_shared, append_block, open, puppet_class.empty() ? "" : "}\n"});
  while (out.size() > 1 && out.ends_with("\n\n")) {
    out.pop_back();
  }
  return out;
}

}  // namespace culprit::analyzer
