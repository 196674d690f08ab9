// Reading culprit.report/1 documents back and grouping their findings across hosts.
#include "analyzer/fleet/fleet.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <utility>

namespace culprit::analyzer {

namespace {

using json = nlohmann::json;

std::string string_or_empty(const json& obj, const char* key) {
  const auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Error report_error(const std::string& origin, std::string message) {
  return Error{0, std::move(message), origin, 0};
}

// `text` without a trailing "\n" + `shared` (fix.puppet is the per-finding part, a newline and
// the shared part); the whole text when it does not end so.
std::string without_shared(const std::string& text, const std::string& shared) {
  if (shared.empty()) {
    return text;
  }
  const std::string tail = "\n" + shared;
  if (text.size() >= tail.size() && text.ends_with(tail)) {
    return text.substr(0, text.size() - tail.size());
  }
  return text;
}

// The title written in a fix: the report's own, or (reports written before it was recorded) the
// one the fixer gives the finding at that position.
std::string fix_title(const json& fix, const std::string& kind, std::size_t index) {
  std::string title = string_or_empty(fix, "title");
  if (!fix.contains("title")) {
    title = fmt::format("culprit-{}-{}", kind, index + 1);
  }
  return title;
}

}  // namespace

std::string rename_puppet_title(const std::string& text, const std::string& from,
                                const std::string& to) {
  if (from.empty()) {
    return text;
  }
  const std::pair<std::string, std::string> forms[] = {{"{ '" + from + "':", "{ '" + to + "':"},
                                                       {"['" + from + "']", "['" + to + "']"}};
  std::string out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    end = end == std::string::npos ? text.size() : end + 1;
    std::string line = text.substr(start, end - start);
    const std::size_t first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] != '#') {
      for (const auto& [old_form, new_form] : forms) {
        for (std::size_t at = line.find(old_form); at != std::string::npos;
             at = line.find(old_form, at + new_form.size())) {
          line.replace(at, old_form.size(), new_form);
        }
      }
    }
    out += line;
    start = end;
  }
  return out;
}

namespace {

// How many findings, from the first, the single-report outputs hold for `top`: up to the top-th
// actionable fix (analyzer/fix fix_span, on the JSON form).
std::size_t span_of(const std::vector<json>& findings, std::size_t top) {
  std::size_t actionable = 0;
  std::size_t last = 0;
  for (std::size_t i = 0; i < findings.size() && actionable < top; ++i) {
    const auto fix = findings[i].find("fix");
    if (fix != findings[i].end() && fix->is_object() && fix->value("actionable", false)) {
      ++actionable;
      last = i + 1;
    }
  }
  return std::min(findings.size(), std::max(last, top));
}

FleetFix fix_of(const json& fix, const std::string& kind, std::size_t index) {
  FleetFix out;
  out.summary = string_or_empty(fix, "summary");
  out.variant = string_or_empty(fix, "variant");
  out.key = string_or_empty(fix, "key");
  out.actionable = fix.value("actionable", false);
  out.puppet_shared = string_or_empty(fix, "puppet_shared");
  out.shell_shared = string_or_empty(fix, "shell_shared");
  out.puppet = without_shared(string_or_empty(fix, "puppet"), out.puppet_shared);
  out.shell = without_shared(string_or_empty(fix, "shell"), out.shell_shared);
  out.title = fix_title(fix, kind, index);
  // JSON carries text that is not UTF-8 only as display text (the *_escaped siblings): such a
  // fix cannot be written back exactly.
  if (fix.contains("puppet_escaped") || fix.contains("puppet_shared_escaped")) {
    out.puppet_problem = "its text is not UTF-8, which the JSON report cannot carry exactly";
  } else if (!puppet_fragment_closed(out.puppet) || !puppet_fragment_closed(out.puppet_shared)) {
    out.puppet_problem = "its text is not a closed piece of Puppet";
  }
  if (fix.contains("shell_escaped") || fix.contains("shell_shared_escaped")) {
    out.shell_problem = "its text is not UTF-8, which the JSON report cannot carry exactly";
  } else if (!shell_fragment_closed(out.shell) || !shell_fragment_closed(out.shell_shared)) {
    out.shell_problem = "its text is not a closed piece of sh";
  }
  return out;
}

// `text` without its comment lines (which number the finding in its own report).
std::string without_comments(const std::string& text) {
  std::string out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    end = end == std::string::npos ? text.size() : end + 1;
    const std::string_view line = std::string_view(text).substr(start, end - start);
    const std::size_t first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos || line[first] != '#') {
      out += line;
    }
    start = end;
  }
  return out;
}

// Fixes that differ only in their title and comments are one change.
bool same_fix(const FleetFix& a, const FleetFix& b) {
  return a.variant == b.variant && a.key == b.key && a.actionable == b.actionable &&
         a.puppet_shared == b.puppet_shared && a.shell_shared == b.shell_shared &&
         without_comments(a.shell) == without_comments(b.shell) &&
         a.puppet_problem == b.puppet_problem && a.shell_problem == b.shell_problem &&
         without_comments(rename_puppet_title(a.puppet, a.title, "T")) ==
             without_comments(rename_puppet_title(b.puppet, b.title, "T"));
}

}  // namespace

Result<HostReport> parse_host_report(std::string_view text, const std::string& origin) {
  json doc = json::parse(text.begin(), text.end(), nullptr, false);
  if (doc.is_discarded()) {
    return report_error(origin, "not JSON (a culprit report is written by --format json)");
  }
  if (!doc.is_object() || !doc.contains("schema")) {
    return report_error(origin, "not a culprit report: no \"schema\" field");
  }
  if (doc["schema"] != "culprit.report/1") {
    return report_error(origin, fmt::format("not a culprit report: schema is {}, expected "
                                            "\"culprit.report/1\"",
                                            doc["schema"].dump()));
  }
  const json& source = doc["source"];
  if (!source.is_object()) {
    return report_error(origin, "malformed report: \"source\" is not an object");
  }
  HostReport report;
  report.origin = origin;
  report.host = string_or_empty(source, "host");
  if (report.host.empty()) {
    return report_error(origin,
                        "the report names no host (source.host); write it again with "
                        "--host-name NAME");
  }
  if (report.host.find('\0') != std::string::npos) {
    return report_error(origin, "malformed report: source.host holds a NUL character");
  }
  report.generated_at = string_or_empty(source, "generated_at");
  report.mode = string_or_empty(source, "mode");
  const json& findings = doc["findings"];
  if (!findings.is_array()) {
    return report_error(origin, "malformed report: \"findings\" is not an array");
  }
  for (std::size_t i = 0; i < findings.size(); ++i) {
    const json& f = findings[i];
    const auto bad = [&](const char* what) {
      return report_error(origin, fmt::format("malformed report: finding {} {}", i + 1, what));
    };
    if (!f.is_object()) {
      return bad("is not an object");
    }
    if (!f.contains("kind") || !f["kind"].is_string() || !f.contains("path") ||
        !f["path"].is_string()) {
      return bad("has no kind or path");
    }
    if (f.contains("rank") && !f["rank"].is_number_integer()) {
      return bad("has a rank that is not a number");
    }
    if (f.contains("fix") && !f["fix"].is_null()) {
      const json& fix = f["fix"];
      if (!fix.is_object()) {
        return bad("has a fix that is not an object");
      }
      for (const char* key : {"summary", "puppet", "shell", "variant", "title", "key",
                              "puppet_shared", "shell_shared"}) {
        if (fix.contains(key) && !fix[key].is_string()) {
          return bad("has a fix field that is not a string");
        }
      }
      if (fix.contains("actionable") && !fix["actionable"].is_boolean()) {
        return bad("has a fix whose \"actionable\" is not true or false");
      }
    }
    for (const char* key : {"errno", "address"}) {
      if (f.contains(key) && !f[key].is_null() && !f[key].is_string()) {
        return bad("has an errno or address that is not a string");
      }
    }
    report.findings.push_back(f);
  }
  return report;
}

std::string group_key(const json& f) {
  const auto text = [&](const char* key) {
    const auto it = f.find(key);
    return it != f.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  std::string key = text("kind");
  key += '\0';
  key += text("path");
  key += '\0';
  key += text("address");
  key += '\0';
  key += text("errno");
  if (key.starts_with("config-error")) {
    const json& ref = f.value("referenced_from", json());
    if (ref.is_object()) {
      key += '\0';
      key += ref.value("file", std::string());
      key += ':';
      key += ref.contains("line") && ref["line"].is_number() ? ref["line"].dump() : "";
    }
  }
  return key;
}

Fleet merge_reports(std::vector<HostReport> reports, std::size_t top) {
  Fleet fleet;
  fleet.top = top;
  // One report per host: the newest, the later one given on a tie.
  std::map<std::string, std::size_t> by_host;
  std::vector<bool> used(reports.size(), true);
  for (std::size_t i = 0; i < reports.size(); ++i) {
    const auto [it, inserted] = by_host.emplace(reports[i].host, i);
    if (inserted) {
      continue;
    }
    const std::size_t old = it->second;
    const bool newer = reports[i].generated_at >= reports[old].generated_at;
    const std::size_t kept = newer ? i : old;
    const std::size_t dropped = newer ? old : i;
    used[dropped] = false;
    it->second = kept;
    fleet.replaced.push_back(
        ReplacedReport{reports[i].host, reports[dropped].origin, reports[kept].origin});
  }
  for (const auto& [host, index] : by_host) {
    fleet.hosts.push_back(std::move(reports[index]));
  }
  for (auto& r : fleet.replaced) {
    // The kept report of a host replaced twice is the last one standing.
    r.kept_origin = std::find_if(fleet.hosts.begin(), fleet.hosts.end(), [&](const HostReport& h) {
                      return h.host == r.host;
                    })->origin;
  }

  std::map<std::string, std::size_t> groups;
  for (const HostReport& host : fleet.hosts) {
    const std::size_t span = span_of(host.findings, top);
    std::set<std::string> keys_here;
    for (std::size_t i = 0; i < host.findings.size(); ++i) {
      const json& f = host.findings[i];
      const std::string key = group_key(f);
      const int rank = f.contains("rank") ? f["rank"].get<int>() : static_cast<int>(i + 1);
      auto [it, inserted] = groups.emplace(key, fleet.groups.size());
      if (inserted) {
        FleetGroup g;
        g.kind = f["kind"].get<std::string>();
        g.path = f["path"].get<std::string>();
        g.address = string_or_empty(f, "address");
        g.errno_name = string_or_empty(f, "errno");
        if (g.kind == "config-error" && f.contains("referenced_from") &&
            f["referenced_from"].is_object()) {
          const json& ref = f["referenced_from"];
          g.location = string_or_empty(ref, "file");
          if (ref.contains("line") && ref["line"].is_number()) {
            g.location += ":" + ref["line"].dump();
          }
        }
        g.best_rank = rank;
        g.representative = host.host;
        g.finding = f;
        fleet.groups.push_back(std::move(g));
      }
      FleetGroup& g = fleet.groups[it->second];
      if (!keys_here.insert(key).second) {
        continue;  // one report holding the same fault twice: the first (better) one counts
      }
      g.hosts.push_back(host.host);
      if (rank < g.best_rank) {
        g.best_rank = rank;
        g.representative = host.host;
        g.finding = f;
      }
      if (i >= span || !f.contains("fix") || !f["fix"].is_object()) {
        continue;
      }
      FleetFix fix = fix_of(f["fix"], g.kind, i);
      const auto same = std::find_if(g.fixes.begin(), g.fixes.end(),
                                     [&](const FleetFix& other) { return same_fix(other, fix); });
      if (same != g.fixes.end()) {
        same->hosts.push_back(host.host);
      } else {
        fix.hosts.push_back(host.host);
        g.fixes.push_back(std::move(fix));
      }
    }
  }
  std::stable_sort(
      fleet.groups.begin(), fleet.groups.end(), [](const FleetGroup& a, const FleetGroup& b) {
        if (a.hosts.size() != b.hosts.size()) {
          return a.hosts.size() > b.hosts.size();
        }
        if (a.best_rank != b.best_rank) {
          return a.best_rank < b.best_rank;
        }
        return std::tie(a.kind, a.path, a.address) < std::tie(b.kind, b.path, b.address);
      });
  return fleet;
}

// ---- closed fragments

bool puppet_fragment_closed(std::string_view text) {
  std::string open;  // the closers expected, innermost last
  std::size_t i = 0;
  const auto variable_start = [](char c) {
    return c == '{' || c == '_' || c == ':' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9');
  };
  while (i < text.size()) {
    const char c = text[i];
    if (c == '#') {
      const std::size_t end = text.find('\n', i);
      i = end == std::string_view::npos ? text.size() : end + 1;
      continue;
    }
    if (c == '/' && i + 1 < text.size() && text[i + 1] == '*') {
      const std::size_t end = text.find("*/", i + 2);
      if (end == std::string_view::npos) {
        return false;
      }
      i = end + 2;
      continue;
    }
    if (c == '\'' || c == '"') {
      std::size_t j = i + 1;
      for (; j < text.size() && text[j] != c; ++j) {
        if (text[j] == '\n') {
          return false;  // culprit writes a newline in a string as \n; indenting would change it
        }
        if (text[j] == '\\') {
          ++j;  // '...' knows only \\ and \'; skipping any one byte after \ is the same there
        } else if (c == '"' && text[j] == '$' && j + 1 < text.size() &&
                   variable_start(text[j + 1])) {
          return false;  // interpolation: an expression inside the string
        }
      }
      if (j >= text.size()) {
        return false;
      }
      i = j + 1;
      continue;
    }
    // A regular expression /.../ or a heredoc @(...) would be read differently by Puppet than by
    // this scan, and virtual or exported resources (@, @@) do not belong in a fix.
    if (c == '/' || c == '@' || c == '`') {
      return false;
    }
    if (c == '{' || c == '[' || c == '(') {
      open += c == '{' ? '}' : c == '[' ? ']' : ')';
    } else if (c == '}' || c == ']' || c == ')') {
      if (open.empty() || open.back() != c) {
        return false;
      }
      open.pop_back();
    }
    ++i;
  }
  return open.empty();
}

bool shell_fragment_closed(std::string_view text) {
  // Contexts: 'c' code (closed by the char in `closers`), 'd' inside "...".
  struct Frame {
    char mode;
    char closer;
  };
  std::vector<Frame> stack{{'c', '\0'}};
  const auto word_break = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == ';' || c == '&' || c == '|' || c == '(' ||
           c == ')';
  };
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    const Frame top = stack.back();
    if (c == '\\') {
      i += 2;
      continue;
    }
    if (c == '`') {
      return false;
    }
    if (c == '$' && i + 1 < text.size() && (text[i + 1] == '(' || text[i + 1] == '{')) {
      stack.push_back({'c', text[i + 1] == '(' ? ')' : '}'});
      i += 2;
      continue;
    }
    if (top.mode == 'd') {
      if (c == '"') {
        stack.pop_back();
      }
      ++i;
      continue;
    }
    const bool word_start = i == 0 || word_break(text[i - 1]);
    if (c == '#' && word_start) {
      const std::size_t end = text.find('\n', i);
      i = end == std::string_view::npos ? text.size() : end + 1;
      continue;
    }
    if (c == '\'') {
      const std::size_t end = text.find('\'', i + 1);
      if (end == std::string_view::npos) {
        return false;
      }
      i = end + 1;
      continue;
    }
    if (c == '"') {
      stack.push_back({'d', '"'});
      ++i;
      continue;
    }
    if (text.substr(i, 2) == ";;" || text.substr(i, 2) == "<<") {
      return false;
    }
    if (word_start && text.substr(i, 4) == "esac" &&
        (i + 4 == text.size() || word_break(text[i + 4]))) {
      return false;
    }
    if (c == '(' || c == '{') {
      stack.push_back({'c', c == '(' ? ')' : '}'});
    } else if (c == ')' || c == '}') {
      if (stack.size() == 1 || top.closer != c) {
        return false;
      }
      stack.pop_back();
    }
    ++i;
  }
  return stack.size() == 1;
}

}  // namespace culprit::analyzer
