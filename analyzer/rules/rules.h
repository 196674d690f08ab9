// Rule files (rules/*.yaml): benign-failure patterns and error-message patterns. The built-in
// files are compiled in (embedded_rules); users add more with --rules FILE.
//
// Schema (one file may hold any of the three top-level keys):
//   noise:                         # failures that are not faults
//     - id: ld.so-search-path      # unique, shown as Suppressed::rule
//       why: text                  # shown as Suppressed::reason
//       syscalls: [openat, stat]   # optional; any when absent
//       families: [file, exec]     # optional (file|exec|network|process|io|other)
//       errno: [ENOENT, ENOTDIR]   # optional; any when absent
//       paths: ["/lib/**/glibc-hwcaps/**"]   # optional globs: * ? [..] within a component, **
//       across regex: '^/proc/[0-9]+/'    # optional ECMAScript regex on the path
//   messages:                      # error messages a process writes
//     - id: apache-syntax-error
//       match: 'Syntax error on line (?<line>\d+) of (?<file>[^:]+):'   # named groups
//                                        # (path is used as captured: keep prefixes such as
//                                        # nginx's "unix:" outside the group)
//       captures: {line: 1, file: 2}     # or numbered groups (file, line, token, path)
//       contains: ["Syntax error"]       # literal prefilter; without it only stderr/log writes
//       kind: config-error               # finding kind the message reports (optional)
//       words: apache-directives         # known-word list for good_token (optional)
//       continues: true                  # gives the token for the previous message's location
//       token_files: ["{}.py"]           # optional: the token names a file looked for beside
//                                        # the program's own files (a near-named one is a typo)
//       errno: EACCES                    # optional: the errno a `path` message means (a known
//                                        # name, tracer/model/errno_names.h); set it when the
//                                        pattern # itself says why (": Permission denied"); without
//                                        it # the errno is guessed from the message's text
//       why: text
//   words:                         # known words for "did you mean"
//     apache-directives: {case_insensitive: true, list: [LoadModule, ServerName]}
// Load errors are Errors citing the rule file and 1-based line.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <regex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "analyzer/core/finding.h"
#include "analyzer/rules/embedded_rules.h"
#include "tracer/model/result.h"
#include "tracer/model/syscall_table.h"

namespace culprit::analyzer {

// Glob match of a whole path: `*` and `?` do not cross '/', `**` does, `[abc]`/`[!a-z]` classes,
// backslash escapes.
bool glob_match(std::string_view pattern, std::string_view path);

// "file" -> Family::File ...; nullopt for an unknown name.
std::optional<tracer::Family> family_from_string(std::string_view name);

struct NoiseRule {
  std::string id;
  std::string why;
  std::vector<std::string> syscalls;     // empty: any
  std::vector<tracer::Family> families;  // empty: any
  std::vector<std::string> errnos;       // empty: any
  std::vector<std::string> paths;        // globs; any of them
  std::string regex_text;
  std::optional<std::regex> regex;
  // What a program does while it prints an error (looking up a message catalog to translate
  // it): such a failure follows the fault, so it is blamed for the exit or the error line only
  // when no earlier failure of the process can be.
  bool while_reporting = false;
  std::string file;  // rule file and line, for messages
  std::uint64_t line = 0;

  // The failure matches when every given condition holds (paths/regex: either one matches).
  [[nodiscard]] bool matches(std::string_view syscall, tracer::Family family, std::string_view err,
                             std::string_view path) const;
};

struct MessageRule {
  std::string id;
  std::string why;
  std::string pattern;  // as written
  std::regex regex;     // named groups stripped
  std::vector<std::string> contains;
  int file_group = 0;  // capture numbers, 0 = not captured
  int line_group = 0;
  int token_group = 0;
  int path_group = 0;
  std::optional<FindingKind> kind;
  std::string words;
  bool continues = false;
  // The errno a message with a `path` reports when no failed call of the trace carries the path
  // ("ENOENT"); empty: guessed from the message's text (Pipeline, errno_for_message).
  std::string errno_name;
  // The token names a file the program looked for beside its own files: "{}.py" and
  // "{}/__init__.py" for Python's "No module named 'x'" (dots in the token become '/').
  std::vector<std::string> token_files;
  // The path names a directory the program writes its files into (Apache's log directories): when
  // it is missing, the fix creates it rather than asking for its contents back.
  bool writes_into = false;
  std::string file;
  std::uint64_t line = 0;
};

struct WordList {
  bool case_insensitive = false;
  std::vector<std::string> words;
};

class Rules {
 public:
  Rules() = default;

  // The embedded rules/noise.yaml and rules/messages.yaml. An error here is a build defect.
  static Result<Rules> builtin();

  // Adds the rules of a user file (--rules FILE). Error (file:line) on unreadable or bad files;
  // on error nothing of the file is added.
  Result<void> add_file(const std::string& path);
  // Adds rules from text; `name` is the file name errors cite.
  Result<void> add_text(std::string_view name, std::string_view text);

  // Adds words to a known-word list (e.g. "apache-directives" from `apache2 -L`), creating it.
  void add_known_words(std::string_view list, std::span<const std::string> words,
                       bool case_insensitive);

  [[nodiscard]] const std::vector<NoiseRule>& noise() const { return noise_; }
  [[nodiscard]] const std::vector<MessageRule>& messages() const { return messages_; }
  // nullptr when no such list.
  [[nodiscard]] const WordList* words(std::string_view list) const;

 private:
  std::vector<NoiseRule> noise_;
  std::vector<MessageRule> messages_;
  std::map<std::string, WordList, std::less<>> words_;
};

}  // namespace culprit::analyzer
