// Fuzz target: the rule loaders (analyzer/rules/rules.h: noise/messages/words;
// analyzer/rules/fix_templates.h: fixes.yaml) on arbitrary YAML, and what a loaded rule is then
// used for: glob and regex matching of paths and message rules on written data. Rule files come
// from the user (--rules FILE); a bad one must be an Error citing file:line, never a crash, an
// uncaught exception or a hang. Input layout: the whole input is the rule text; its last line
// (after the last '\n', if any) is also used as a path / written data to match the loaded rules
// against.
#include <cstddef>
#include <cstdint>
#include <regex>
#include <string>
#include <string_view>

#include "analyzer/core/finding.h"
#include "analyzer/core/quote.h"
#include "analyzer/rules/fix_templates.h"
#include "analyzer/rules/rules.h"
#include "tracer/model/result.h"
#include "tracer/model/syscall_table.h"

namespace {

using culprit::analyzer::FixTemplates;
using culprit::analyzer::Rules;

// Written data matched against user regexes is capped as the pipeline caps it per message; a
// longer subject only measures std::regex's recursion depth.
constexpr std::size_t kMaxSubject = 512;

const Rules& builtin() {
  static const Rules r = [] {
    auto loaded = Rules::builtin();
    CULPRIT_ASSERT(loaded.ok()) << loaded.error().describe();
    return std::move(loaded).value();
  }();
  return r;
}

void check_error(const culprit::Error& e) {
  CULPRIT_ASSERT(!e.message.empty()) << "empty error message";
  CULPRIT_ASSERT(e.file == "fuzz.yaml") << "error names " << e.file << " not the rule file";
}

void exercise(const Rules& rules, std::string_view subject) {
  static const char* const kPaths[] = {"/lib/x86_64-linux-gnu/glibc-hwcaps/x86-64-v3/libc.so.6",
                                       "/var/www/html/.htaccess",
                                       "/usr/share/locale/de/LC_MESSAGES", "relative/path", ""};
  for (const auto& rule : rules.noise()) {
    for (const char* p : kPaths) {
      (void)rule.matches("openat", culprit::tracer::Family::File, "ENOENT", p);
    }
    (void)rule.matches("stat", culprit::tracer::Family::File, "EACCES", subject);
  }
  for (const auto& rule : rules.messages()) {
    std::smatch m;
    const std::string s(subject.substr(0, kMaxSubject));
    if (std::regex_search(s, m, rule.regex)) {
      for (int g : {rule.file_group, rule.line_group, rule.token_group, rule.path_group}) {
        if (g > 0 && static_cast<std::size_t>(g) < m.size()) {
          (void)m[static_cast<std::size_t>(g)].str();
        }
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::size_t last_nl = text.rfind('\n');
  const std::string_view subject =
      last_nl == std::string_view::npos ? text : text.substr(last_nl + 1);

  // A fresh rule set, and the built-in one extended (ids and word lists may collide).
  Rules fresh;
  auto added = fresh.add_text("fuzz.yaml", text);
  if (added.ok()) {
    exercise(fresh, subject);
  } else {
    check_error(added.error());
    // "on error nothing of the file is added"
    CULPRIT_ASSERT(fresh.noise().empty() && fresh.messages().empty())
        << "a rejected file left rules behind";
  }
  Rules extended = builtin();
  const std::size_t noise_before = extended.noise().size();
  const std::size_t messages_before = extended.messages().size();
  auto added2 = extended.add_text("fuzz.yaml", text);
  if (!added2.ok()) {
    check_error(added2.error());
    CULPRIT_ASSERT(extended.noise().size() == noise_before &&
                   extended.messages().size() == messages_before)
        << "a rejected file changed the built-in rules";
  }

  // Globs: first line = pattern, the subject = path (user patterns meet traced paths).
  const std::size_t first_nl = text.find('\n');
  if (first_nl != std::string_view::npos) {
    (void)culprit::analyzer::glob_match(text.substr(0, first_nl), subject);
  }

  // The fixes.yaml loader; a file that loads must expand its fixed texts.
  auto templates = FixTemplates::parse(text, "fuzz.yaml");
  if (templates.ok()) {
    (void)templates->reload_for(subject);
    (void)templates->manifest_header();
    (void)templates->script_footer();
  } else {
    check_error(templates.error());
  }
  (void)FixTemplates::placeholders(text);
  return 0;
}
