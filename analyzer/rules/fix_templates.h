// The fix templates of rules/fixes.yaml, loaded and checked: every placeholder of every template
// must be one the variant provides (an unknown one is an error citing the file and line), and every
// template must expand with fmt. See the comment at the top of rules/fixes.yaml for the
// placeholders and variants; analyzer/fix/fix.h for the functions that use them.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "analyzer/core/finding.h"
#include "tracer/model/result.h"

namespace YAML {
class Node;
}

namespace culprit::analyzer {

// The language a template is written in; decides how placeholder values are quoted.
enum class FixLanguage : std::uint8_t {
  Summary,  // one line of display text
  Puppet,
  Shell,
};

// One way of fixing (or explaining) one kind of finding.
struct FixVariant {
  bool actionable = false;
  std::string summary;
  std::string puppet;
  std::string shell;
};

// A service to reload after a change to one of its files.
struct ReloadRule {
  std::string id;
  std::vector<std::string> files;  // fnmatch(3) globs, no FNM_PATHNAME
  std::string puppet_hook;         // template; {title} = the changing resource's quoted title
  std::string puppet;              // shared resource (no placeholders)
  std::string shell_hook;          // line run after a change (no placeholders)
  std::string shell;               // shared block (no placeholders)
};

// Placeholder values for one expansion: name -> value already quoted for the language.
using FixValues = std::map<std::string, std::string, std::less<>>;

class FixTemplates {
 public:
  // Parses and checks the text of a fixes file. `file_name` is used in error messages
  // ("rules/fixes.yaml:97: unknown placeholder {targte} in kinds.mistyped-path.edit-line.puppet").
  static Result<FixTemplates> parse(std::string_view text, std::string file_name);

  // The compiled-in rules/fixes.yaml (analyzer/rules/rules.h embedded_rules()). An error here is a
  // packaging bug; the tests load it.
  static Result<FixTemplates> load_embedded();

  // The variant named `variant` of `kind`; never null for the variants culprit selects (the loader
  // requires them all).
  [[nodiscard]] const FixVariant& variant(FindingKind kind, std::string_view variant) const;

  // The first reload rule whose globs match `file`, or null.
  [[nodiscard]] const ReloadRule* reload_for(std::string_view file) const;

  [[nodiscard]] const std::string& manifest_header() const { return manifest_header_; }
  [[nodiscard]] const std::string& manifest_footer() const { return manifest_footer_; }
  [[nodiscard]] const std::string& script_header() const { return script_header_; }
  [[nodiscard]] const std::string& script_footer() const { return script_footer_; }
  [[nodiscard]] const std::string& no_reload(FixLanguage language) const;

  // The placeholder names a template uses, in order of appearance (for lazy quoting).
  static std::vector<std::string> placeholders(std::string_view tmpl);

  // Expands a template that was checked at load. `values` must hold every name the template uses
  // (asserted: the loader guarantees the names, the fixer provides them).
  static std::string expand(std::string_view tmpl, const FixValues& values);

 private:
  static Result<FixTemplates> parse_tree(const YAML::Node& root, std::string_view text,
                                         const std::string& file_name);

  std::map<std::string, FixVariant, std::less<>> variants_;  // key "mistyped-path/edit-line"
  std::vector<ReloadRule> reloads_;
  std::string manifest_header_;
  std::string manifest_footer_;
  std::string script_header_;
  std::string script_footer_;
  std::string no_reload_puppet_;
  std::string no_reload_shell_;
};

// What a variant provides. `data` values are arbitrary bytes from the trace (quoted per language,
// with `_text` and, in Puppet, `sh_` forms); `plain` values are safe ASCII made by culprit. `code`
// values are sh commands culprit composes from quoted words (the edit guard): `x` in shell
// templates, `sh_x` (escaped for a Puppet "..." string) in Puppet templates.
struct VariantSpec {
  std::string_view name;
  std::vector<std::string_view> data;
  std::vector<std::string_view> plain;
  std::vector<std::string_view> code;
};
// The spec of variant `name`, or null for an unknown name.
const VariantSpec* variant_spec(std::string_view name);

}  // namespace culprit::analyzer
