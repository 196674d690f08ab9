// Quoting of untrusted bytes (paths and tokens come from file names and traced programs) for
// every language a fix is written in. This is the ONLY way a path or token reaches a fix: the
// fixers fill rule templates with values produced here, never with raw text.
//
// Layers, innermost first, as they appear in a generated Puppet exec:
//   sed_regex_literal / sed_replacement_literal  -> a sed `s` command
//   shell_quote                                  -> one POSIX sh word
//   puppet_dq_escape                             -> the inside of a Puppet "..." string
// Each layer is complete on its own, so their composition is safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace culprit::analyzer {

// True when `bytes` is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool is_valid_utf8(std::string_view bytes);

// One POSIX sh word that the shell reads back as exactly `bytes`: '...' with each ' written as
// '\''. Handles every byte except NUL (impossible in paths and argv; asserted). A leading '-' is
// not special to the shell: commands that take the word as an operand must be given `--`.
std::string shell_quote(std::string_view bytes);

// Whether `text` can be written into a Puppet manifest as a string: valid UTF-8 and no control
// characters other than tab and newline (manifests must be UTF-8, and other control characters
// would need \u escapes, which puppet-lint rejects in strings without variables).
bool puppet_representable(std::string_view text);

// A complete Puppet string literal whose value is exactly `text`:
//   '...' escaping \ and ' (Puppet single quotes still interpret \\ and \'), or, when the text
//   contains "${" (puppet-lint: single_quote_string_with_variables), a tab or a newline,
//   "..." escaping \ " $ and writing \t \n.
// Precondition: puppet_representable(text) (asserted).
std::string puppet_quote(std::string_view text);

// The inside of a Puppet double-quoted string (without the quotes) whose value is exactly `text`:
// escapes \ " $ and writes tab/newline as \t \n. Used to embed shell words in exec commands.
// Precondition: puppet_representable(text) (asserted).
std::string puppet_dq_escape(std::string_view text);

// A sed `s` command delimiter that appears in none of the given strings, chosen from "|#,@!%:+=~";
// nullopt when every candidate appears.
std::optional<char> sed_delimiter(std::string_view a, std::string_view b);

// `literal` as a sed basic regular expression that matches exactly those bytes (in the C locale):
// escapes \ . * [ ^ $ (POSIX defines the escaped forms as literals). nullopt if `literal` holds a
// newline (sed matches within one line) or `delim`.
std::optional<std::string> sed_regex_literal(std::string_view literal, char delim);

// `literal` as the replacement part of a sed `s` command: escapes \ & and `delim`. nullopt if it
// holds a newline or `delim`.
std::optional<std::string> sed_replacement_literal(std::string_view literal, char delim);

// `text` made safe for a one-line comment (# ...) or a human message in any output: printable
// UTF-8 kept; tab, newline and other control bytes (also C1 controls and U+2028/9) as \t \n
// \xHH; invalid UTF-8 bytes as \xHH; a backslash doubled so that the escaping is unambiguous.
// Always valid UTF-8, never multi-line, never a terminal escape sequence.
std::string display_text(std::string_view text);

}  // namespace culprit::analyzer
