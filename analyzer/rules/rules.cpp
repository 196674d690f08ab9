#include "analyzer/rules/rules.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "tracer/model/errno_names.h"

namespace culprit::analyzer {
namespace {

// Glob matcher over (pattern index, subject index) with a memo of failed states, so patterns like
// "*a*a*a*a*b" from a user file stay polynomial (rows are allocated once per thread and reused).
class GlobMatcher {
 public:
  GlobMatcher(std::string_view p, std::string_view s) : p_(p), s_(s) {
    static thread_local std::vector<std::uint8_t> memo;
    memo.assign((p.size() + 1) * (s.size() + 1), 0);
    memo_ = &memo;
  }
  bool match(std::size_t pi, std::size_t si) {
    std::uint8_t& seen = (*memo_)[pi * (s_.size() + 1) + si];
    if (seen != 0) {
      return seen == 2;
    }
    const bool r = compute(pi, si);
    (*memo_)[pi * (s_.size() + 1) + si] = r ? 2 : 1;
    return r;
  }

 private:
  bool compute(std::size_t pi, std::size_t si) {
    while (pi < p_.size()) {
      const char c = p_[pi];
      if (c == '*') {
        const bool deep = pi + 1 < p_.size() && p_[pi + 1] == '*';
        const std::size_t rest = pi + (deep ? 2 : 1);
        // "**/" also matches zero directories: "/a/**/b" matches "/a/b".
        if (deep && rest < p_.size() && p_[rest] == '/' && match(rest + 1, si)) {
          return true;
        }
        for (std::size_t i = si;; ++i) {
          if (match(rest, i)) {
            return true;
          }
          if (i >= s_.size() || (!deep && s_[i] == '/')) {
            return false;
          }
        }
      }
      if (si >= s_.size()) {
        return false;
      }
      const char sc = s_[si];
      if (c == '?') {
        if (sc == '/') {
          return false;
        }
        ++pi;
        ++si;
        continue;
      }
      if (c == '[') {
        std::size_t i = pi + 1;
        bool negate = false;
        if (i < p_.size() && (p_[i] == '!' || p_[i] == '^')) {
          negate = true;
          ++i;
        }
        bool found = false;
        const std::size_t start = i;
        while (i < p_.size() && (p_[i] != ']' || i == start)) {
          if (i + 2 < p_.size() && p_[i + 1] == '-' && p_[i + 2] != ']') {
            found = found || (sc >= p_[i] && sc <= p_[i + 2]);
            i += 3;
          } else {
            found = found || sc == p_[i];
            ++i;
          }
        }
        if (i >= p_.size()) {  // unterminated class: a literal '['
          if (sc != '[') {
            return false;
          }
          ++pi;
          ++si;
          continue;
        }
        if (found == negate || sc == '/') {
          return false;
        }
        pi = i + 1;
        ++si;
        continue;
      }
      if (c == '\\' && pi + 1 < p_.size()) {
        if (sc != p_[pi + 1]) {
          return false;
        }
        pi += 2;
        ++si;
        continue;
      }
      if (c != sc) {
        return false;
      }
      ++pi;
      ++si;
    }
    return si == s_.size();
  }

  std::string_view p_;
  std::string_view s_;
  std::vector<std::uint8_t>* memo_;
};

Error located(const std::string& file, const YAML::Node& node, std::string message) {
  const auto mark = node.Mark();
  return Error{0, std::move(message), file,
               mark.line >= 0 ? static_cast<std::uint64_t>(mark.line) + 1 : 0};
}

Result<std::vector<std::string>> string_list(const std::string& file, const YAML::Node& node,
                                             std::string_view key) {
  std::vector<std::string> out;
  if (node.IsScalar()) {
    out.push_back(node.Scalar());
    return out;
  }
  if (!node.IsSequence()) {
    return located(file, node, fmt::format("'{}' must be a string or a list of strings", key));
  }
  for (const auto& item : node) {
    if (!item.IsScalar()) {
      return located(file, item, fmt::format("'{}' entries must be strings", key));
    }
    out.push_back(item.Scalar());
  }
  return out;
}

bool valid_identifier(std::string_view s, bool upper) {
  if (s.empty()) {
    return false;
  }
  return std::all_of(s.begin(), s.end(), [upper](char c) {
    return (upper ? (c >= 'A' && c <= 'Z') : (c >= 'a' && c <= 'z')) || (c >= '0' && c <= '9') ||
           c == '_';
  });
}

// Converts (?<name>...) and (?P<name>...) to plain groups and records each name's number, so that
// std::regex (ECMAScript without named groups) can run rules written with names.
Result<std::string> strip_named_groups(std::string_view pattern,
                                       std::map<std::string, int, std::less<>>& names) {
  std::string out;
  int group = 0;
  bool in_class = false;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\\' && i + 1 < pattern.size()) {
      out += c;
      out += pattern[++i];
      continue;
    }
    if (in_class) {
      in_class = c != ']';
      out += c;
      continue;
    }
    if (c == '[') {
      in_class = true;
      out += c;
      continue;
    }
    if (c != '(') {
      out += c;
      continue;
    }
    if (i + 1 < pattern.size() && pattern[i + 1] == '?') {
      std::size_t name_start = 0;
      if (i + 2 < pattern.size() && pattern[i + 2] == '<' && i + 3 < pattern.size() &&
          pattern[i + 3] != '=' && pattern[i + 3] != '!') {
        name_start = i + 3;
      } else if (i + 3 < pattern.size() && pattern[i + 2] == 'P' && pattern[i + 3] == '<') {
        name_start = i + 4;
      }
      if (name_start == 0) {
        out += c;  // (?: (?= (?! ...: not a capture
        continue;
      }
      const auto end = pattern.find('>', name_start);
      if (end == std::string_view::npos) {
        return Error{0, "unterminated group name in regex", {}, 0};
      }
      names[std::string(pattern.substr(name_start, end - name_start))] = ++group;
      out += '(';
      i = end;
      continue;
    }
    ++group;
    out += c;
  }
  return out;
}

const std::set<std::string_view> kNoiseKeys{"id",    "why",   "syscalls", "families",
                                            "errno", "paths", "regex",    "while_reporting"};
const std::set<std::string_view> kMessageKeys{"id",       "why",         "match",      "captures",
                                              "contains", "kind",        "words",      "continues",
                                              "errno",    "token_files", "writes_into"};

Result<void> check_keys(const std::string& file, const YAML::Node& node,
                        const std::set<std::string_view>& allowed, std::string_view what) {
  for (const auto& kv : node) {
    const auto key = kv.first.as<std::string>();
    if (allowed.count(key) == 0) {
      return located(file, kv.first, fmt::format("unknown key '{}' in {} rule", key, what));
    }
  }
  return {};
}

Result<std::string> required_string(const std::string& file, const YAML::Node& rule,
                                    std::string_view key, std::string_view what) {
  const auto n = rule[std::string(key)];
  if (!n) {
    return located(file, rule, fmt::format("{} rule without '{}'", what, key));
  }
  if (!n.IsScalar() || n.Scalar().empty()) {
    return located(file, n, fmt::format("'{}' must be a non-empty string", key));
  }
  return n.Scalar();
}

Result<NoiseRule> parse_noise(const std::string& file, const YAML::Node& node) {
  if (!node.IsMap()) {
    return located(file, node, "a noise rule must be a mapping");
  }
  CULPRIT_TRY_VOID(check_keys(file, node, kNoiseKeys, "noise"));
  NoiseRule r;
  r.file = file;
  r.line = static_cast<std::uint64_t>(node.Mark().line + 1);
  r.id = CULPRIT_TRY(required_string(file, node, "id", "noise"));
  r.why = CULPRIT_TRY(required_string(file, node, "why", "noise"));
  if (auto n = node["syscalls"]) {
    r.syscalls = CULPRIT_TRY(string_list(file, n, "syscalls"));
    for (const auto& s : r.syscalls) {
      if (!valid_identifier(s, false)) {
        return located(file, n, fmt::format("'{}' is not a syscall name", s));
      }
    }
  }
  if (auto n = node["families"]) {
    for (const auto& s : CULPRIT_TRY(string_list(file, n, "families"))) {
      const auto f = family_from_string(s);
      if (!f) {
        return located(
            file, n,
            fmt::format("unknown family '{}' (file, exec, network, process, io, other)", s));
      }
      r.families.push_back(*f);
    }
  }
  if (auto n = node["errno"]) {
    r.errnos = CULPRIT_TRY(string_list(file, n, "errno"));
    for (const auto& s : r.errnos) {
      if (s.size() < 2 || s[0] != 'E' || !valid_identifier(s, true)) {
        return located(file, n, fmt::format("'{}' is not an errno name like ENOENT", s));
      }
    }
  }
  if (auto n = node["paths"]) {
    r.paths = CULPRIT_TRY(string_list(file, n, "paths"));
  }
  if (auto n = node["regex"]) {
    if (!n.IsScalar()) {
      return located(file, n, "'regex' must be a string");
    }
    r.regex_text = n.Scalar();
    try {
      r.regex.emplace(r.regex_text, std::regex::ECMAScript | std::regex::optimize);
    } catch (const std::regex_error& e) {
      return located(file, n, fmt::format("bad regex '{}': {}", r.regex_text, e.what()));
    }
  }
  if (auto n = node["while_reporting"]) {
    try {
      r.while_reporting = n.as<bool>();
    } catch (const YAML::Exception&) {
      return located(file, n, "'while_reporting' must be true or false");
    }
  }
  if (r.syscalls.empty() && r.families.empty() && r.errnos.empty() && r.paths.empty() && !r.regex) {
    return located(
        file, node,
        fmt::format("noise rule '{}' has no condition and would hide every failure", r.id));
  }
  return r;
}

Result<MessageRule> parse_message(const std::string& file, const YAML::Node& node) {
  if (!node.IsMap()) {
    return located(file, node, "a message rule must be a mapping");
  }
  CULPRIT_TRY_VOID(check_keys(file, node, kMessageKeys, "message"));
  MessageRule r;
  r.file = file;
  r.line = static_cast<std::uint64_t>(node.Mark().line + 1);
  r.id = CULPRIT_TRY(required_string(file, node, "id", "message"));
  r.pattern = CULPRIT_TRY(required_string(file, node, "match", "message"));
  if (auto n = node["why"]) {
    r.why = n.Scalar();
  }
  std::map<std::string, int, std::less<>> names;
  auto stripped = strip_named_groups(r.pattern, names);
  if (!stripped) {
    return located(file, node["match"],
                   fmt::format("bad regex '{}': {}", r.pattern, stripped.error().message));
  }
  try {
    r.regex = std::regex(*stripped, std::regex::ECMAScript | std::regex::optimize);
  } catch (const std::regex_error& e) {
    return located(file, node["match"], fmt::format("bad regex '{}': {}", r.pattern, e.what()));
  }
  const auto groups = static_cast<int>(r.regex.mark_count());
  if (auto n = node["captures"]) {
    if (!n.IsMap()) {
      return located(file, n, "'captures' must map file/line/token/path to group numbers");
    }
    for (const auto& kv : n) {
      int number = 0;
      try {
        number = kv.second.as<int>();
      } catch (const YAML::Exception&) {
        return located(file, kv.second, "capture numbers must be integers");
      }
      names[kv.first.as<std::string>()] = number;
    }
  }
  for (const auto& [name, number] : names) {
    if (number < 1 || number > groups) {
      return located(file, node["match"],
                     fmt::format("capture '{}' refers to group {}, but the regex has {}", name,
                                 number, groups));
    }
    if (name == "file") {
      r.file_group = number;
    } else if (name == "line") {
      r.line_group = number;
    } else if (name == "token") {
      r.token_group = number;
    } else if (name == "path") {
      r.path_group = number;
    } else {
      return located(file, node["match"],
                     fmt::format("unknown capture '{}' (file, line, token, path)", name));
    }
  }
  if (auto n = node["contains"]) {
    r.contains = CULPRIT_TRY(string_list(file, n, "contains"));
  }
  if (auto n = node["kind"]) {
    r.kind = finding_kind_from_string(n.Scalar());
    if (!r.kind) {
      return located(file, n, fmt::format("unknown finding kind '{}'", n.Scalar()));
    }
  }
  if (auto n = node["words"]) {
    r.words = n.Scalar();
  }
  if (auto n = node["continues"]) {
    try {
      r.continues = n.as<bool>();
    } catch (const YAML::Exception&) {
      return located(file, n, "'continues' must be true or false");
    }
  }
  if (auto n = node["writes_into"]) {
    try {
      r.writes_into = n.as<bool>();
    } catch (const YAML::Exception&) {
      return located(file, n, "'writes_into' must be true or false");
    }
    if (r.path_group == 0) {
      return located(file, n, "'writes_into' needs a 'path' capture");
    }
  }
  if (auto n = node["token_files"]) {
    r.token_files = CULPRIT_TRY(string_list(file, n, "token_files"));
    for (const auto& t : r.token_files) {
      if (t.find("{}") == std::string::npos || t.find('/') == 0) {
        return located(file, n,
                       fmt::format("message rule '{}': each of 'token_files' is a relative file "
                                   "name holding {{}} for the token, like '{{}}.py'",
                                   r.id));
      }
    }
  }
  if (auto n = node["errno"]) {
    // One errno, not a list as in noise rules: it is what the message means, not a filter.
    if (!n.IsScalar() || tracer::errno_from_name(n.Scalar()) == 0) {
      return located(file, n,
                     fmt::format("message rule '{}': 'errno' must be one errno name like ENOENT{}",
                                 r.id, n.IsScalar() ? fmt::format(", not '{}'", n.Scalar()) : ""));
    }
    r.errno_name = n.Scalar();
  }
  return r;
}

}  // namespace

bool glob_match(std::string_view pattern, std::string_view path) {
  return GlobMatcher(pattern, path).match(0, 0);
}

std::optional<tracer::Family> family_from_string(std::string_view name) {
  using tracer::Family;
  if (name == "file") return Family::File;        // NOLINT
  if (name == "exec") return Family::Exec;        // NOLINT
  if (name == "network") return Family::Network;  // NOLINT
  if (name == "process") return Family::Process;  // NOLINT
  if (name == "io") return Family::Io;            // NOLINT
  if (name == "other") return Family::Other;      // NOLINT
  return std::nullopt;
}

bool NoiseRule::matches(std::string_view syscall, tracer::Family family, std::string_view err,
                        std::string_view path) const {
  if (!syscalls.empty() && std::find(syscalls.begin(), syscalls.end(), syscall) == syscalls.end()) {
    return false;
  }
  if (!families.empty() && std::find(families.begin(), families.end(), family) == families.end()) {
    return false;
  }
  if (!errnos.empty() && std::find(errnos.begin(), errnos.end(), err) == errnos.end()) {
    return false;
  }
  if (paths.empty() && !regex) {
    return true;
  }
  for (const auto& g : paths) {
    if (glob_match(g, path)) {
      return true;
    }
  }
  return regex && std::regex_search(path.begin(), path.end(), *regex);
}

Result<Rules> Rules::builtin() {
  Rules rules;
  for (const auto& f : embedded_rules()) {
    const std::string_view name(f.name);
    if (name == "rules/noise.yaml" || name == "rules/messages.yaml") {
      CULPRIT_TRY_VOID(rules.add_text(name, f.text));
    }
  }
  return rules;
}

Result<void> Rules::add_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Error{errno, fmt::format("cannot read rule file: {}", std::strerror(errno)), path, 0};
  }
  std::ostringstream text;
  text << in.rdbuf();
  return add_text(path, text.str());
}

Result<void> Rules::add_text(std::string_view name, std::string_view text) {
  const std::string file(name);
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::ParserException& e) {
    return Error{0, fmt::format("invalid YAML: {}", e.msg), file,
                 static_cast<std::uint64_t>(e.mark.line + 1)};
  } catch (const YAML::Exception& e) {
    return Error{0, fmt::format("invalid YAML: {}", e.what()), file, 0};
  }
  if (root.IsNull()) {
    return {};
  }
  if (!root.IsMap()) {
    return located(file, root, "a rule file must be a mapping with noise/messages/words keys");
  }
  // Parse everything first so that a bad file adds nothing.
  std::vector<NoiseRule> noise;
  std::vector<MessageRule> messages;
  std::vector<std::pair<std::string, WordList>> words;
  try {
    for (const auto& kv : root) {
      const auto key = kv.first.as<std::string>();
      const YAML::Node& value = kv.second;
      if (key == "noise" || key == "messages") {
        if (!value.IsSequence()) {
          return located(file, value, fmt::format("'{}' must be a list of rules", key));
        }
        for (const auto& item : value) {
          if (key == "noise") {
            noise.push_back(CULPRIT_TRY(parse_noise(file, item)));
          } else {
            messages.push_back(CULPRIT_TRY(parse_message(file, item)));
          }
        }
      } else if (key == "words") {
        if (!value.IsMap()) {
          return located(file, value, "'words' must map list names to {case_insensitive, list}");
        }
        for (const auto& w : value) {
          WordList list;
          const YAML::Node& body = w.second;
          if (!body.IsMap() || !body["list"]) {
            return located(file, body, "a word list needs 'list' (and optional case_insensitive)");
          }
          if (auto ci = body["case_insensitive"]) {
            list.case_insensitive = ci.as<bool>();
          }
          list.words = CULPRIT_TRY(string_list(file, body["list"], "list"));
          words.emplace_back(w.first.as<std::string>(), std::move(list));
        }
      } else if (key == "fixes") {
        // Fix templates are loaded by the fixers (rules/fixes.yaml); not ours to check.
      } else {
        return located(file, kv.first,
                       fmt::format("unknown top-level key '{}' (noise, messages, words)", key));
      }
    }
  } catch (const YAML::Exception& e) {
    return Error{0, fmt::format("bad rule: {}", e.msg), file,
                 static_cast<std::uint64_t>(e.mark.line + 1)};
  }
  std::set<std::string_view> ids;
  for (const auto& r : noise_) {
    ids.insert(r.id);
  }
  for (const auto& r : messages_) {
    ids.insert(r.id);
  }
  for (const auto& r : noise) {
    if (!ids.insert(r.id).second) {
      return Error{0, fmt::format("duplicate rule id '{}'", r.id), file, r.line};
    }
  }
  for (const auto& r : messages) {
    if (!ids.insert(r.id).second) {
      return Error{0, fmt::format("duplicate rule id '{}'", r.id), file, r.line};
    }
  }
  std::move(noise.begin(), noise.end(), std::back_inserter(noise_));
  std::move(messages.begin(), messages.end(), std::back_inserter(messages_));
  for (auto& [list_name, list] : words) {
    add_known_words(list_name, list.words, list.case_insensitive);
  }
  return {};
}

void Rules::add_known_words(std::string_view list, std::span<const std::string> words,
                            bool case_insensitive) {
  auto it = words_.find(list);
  if (it == words_.end()) {
    it = words_.emplace(std::string(list), WordList{}).first;
  }
  it->second.case_insensitive = it->second.case_insensitive || case_insensitive;
  for (const auto& w : words) {
    if (std::find(it->second.words.begin(), it->second.words.end(), w) == it->second.words.end()) {
      it->second.words.push_back(w);
    }
  }
}

const WordList* Rules::words(std::string_view list) const {
  const auto it = words_.find(list);
  return it == words_.end() ? nullptr : &it->second;
}

}  // namespace culprit::analyzer
