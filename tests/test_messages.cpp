// The built-in message rules (rules/messages.yaml) against real lines: tests/messages/*.txt hold
// lines captured from the real programs (Apache, PHP, nginx, php-fpm, Python, shells, coreutils,
// ld.so, git, run-parts) on Debian 12, each with the rule that must match it first and the
// captures it must give. Format, one block per line, blocks separated by blank lines:
//
//   # comment (how the lines were produced)
//   line: the line as the program printed it
//   rule: the id of the first matching rule ("none": no rule may match)
//   path: / file: / line_no: / token:   expected captures (absent: must be empty)
//   errno: ENOENT                       the rule's errno (absent: the rule has none)
//   stream: out                         matched as a stdout write (default: stderr)
//   then: RULE                          the second rule of a location-only first match; the
//   then_path: / then_token: ...        keys after it describe that second hit
//
// Matching follows the analyzer (analyzer/passes/pipeline.cpp match_line): HTML tags of PHP's
// html_errors output are stripped, lines are capped at 1024 bytes, rules are tried in order with
// their `contains` prefilter (rules without one only see stderr), and a match that gives only a
// file (and line) lets the rest of the line be matched once more.
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "analyzer/rules/rules.h"
#include "test_util.h"

namespace {

using culprit::analyzer::MessageRule;
using culprit::analyzer::Rules;
namespace fs = std::filesystem;

const Rules& builtin_rules() {
  static const Rules rules = [] {
    auto r = Rules::builtin();
    REQUIRE(r.ok());
    return std::move(r).value();
  }();
  return rules;
}

struct Hit {
  const MessageRule* rule = nullptr;
  std::string file, line, token, path;
};

// The analyzer's strip_html: drops short tags (<b>, </b>, <br />).
std::string strip_html(const std::string& line) {
  std::string out;
  for (std::size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '<') {
      const auto end = line.find('>', i);
      if (end != std::string::npos && end - i <= 8) {
        i = end;
        continue;
      }
    }
    out += line[i];
  }
  return out;
}

// Up to two hits, as the analyzer's match_line finds them.
std::vector<Hit> match(const Rules& rules, std::string raw, bool err_stream) {
  std::vector<Hit> hits;
  if (raw.size() > 1024) {
    raw.resize(1024);
  }
  std::string line = raw;
  if (raw.find("<b>") != std::string::npos || raw.find("<br") != std::string::npos) {
    line = strip_html(raw);
  }
  for (int round = 0; round < 2 && line.size() >= 8; ++round) {
    const MessageRule* matched = nullptr;
    std::smatch m;
    for (const auto& rule : rules.messages()) {
      if (rule.contains.empty()) {
        if (!err_stream) {
          continue;
        }
      } else if (std::none_of(
                     rule.contains.begin(), rule.contains.end(),
                     [&](const std::string& c) { return line.find(c) != std::string::npos; })) {
        continue;
      }
      if (std::regex_search(line, m, rule.regex)) {
        matched = &rule;
        break;
      }
    }
    if (matched == nullptr) {
      break;
    }
    auto cap = [&](int g) { return g > 0 && m[g].matched ? m[g].str() : std::string(); };
    Hit h{matched, cap(matched->file_group), cap(matched->line_group), cap(matched->token_group),
          cap(matched->path_group)};
    const bool location_only = !h.file.empty() && h.token.empty() && h.path.empty();
    const std::string rest = m.suffix().str();
    hits.push_back(std::move(h));
    if (!location_only) {
      break;
    }
    line = rest;
  }
  return hits;
}

struct Block {
  std::string source;  // fixture file:line
  std::map<std::string, std::string> keys;
};

std::vector<Block> load_fixtures(std::set<std::string>* files = nullptr) {
  std::vector<Block> blocks;
  const fs::path dir = culprit::test::source_dir() / "tests/messages";
  std::vector<fs::path> paths;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".txt") {
      paths.push_back(entry.path());
    }
  }
  std::sort(paths.begin(), paths.end());
  for (const auto& p : paths) {
    if (files != nullptr) {
      files->insert(p.filename().string());
    }
    std::ifstream in(p, std::ios::binary);
    std::string text;
    std::size_t n = 0;
    Block cur;  // empty source: no block open
    auto flush = [&] {
      if (!cur.source.empty() && !cur.keys.empty()) {
        blocks.push_back(std::move(cur));
      }
      cur = Block{};
    };
    while (std::getline(in, text)) {
      ++n;
      if (text.empty()) {
        flush();
        continue;
      }
      if (text[0] == '#') {
        continue;
      }
      const auto colon = text.find(':');
      REQUIRE(colon != std::string::npos);
      std::string key = text.substr(0, colon);
      std::string value = text.substr(colon + 1);
      if (!value.empty() && value[0] == ' ') {
        value.erase(0, 1);
      }
      if (cur.source.empty()) {
        cur = Block{p.filename().string() + ":" + std::to_string(n), {}};
      }
      const bool second = cur.keys.count("then") != 0 && key != "then";
      if (second) {
        key = "then_" + key;
      }
      INFO(cur.source << ": key " << key);
      REQUIRE(cur.keys.count(key) == 0);
      cur.keys[key] = value;
    }
    flush();
  }
  return blocks;
}

std::string get(const Block& b, const std::string& key) {
  const auto it = b.keys.find(key);
  return it == b.keys.end() ? std::string() : it->second;
}

void check_hit(const Block& b, const Hit& h, const std::string& prefix) {
  CHECK(h.path == get(b, prefix + "path"));
  CHECK(h.file == get(b, prefix + "file"));
  CHECK(h.line == get(b, prefix + "line_no"));
  CHECK(h.token == get(b, prefix + "token"));
  CHECK(h.rule->errno_name == get(b, prefix + "errno"));
}

}  // namespace

TEST_CASE("every real line is matched by its rule with the expected captures", "[messages]") {
  std::set<std::string> files;
  const auto blocks = load_fixtures(&files);
  REQUIRE(files.size() >= 8);
  REQUIRE(blocks.size() >= 100);
  const Rules& rules = builtin_rules();
  for (const Block& b : blocks) {
    INFO(b.source << "\n  line: " << get(b, "line"));
    REQUIRE(b.keys.count("line") == 1);
    REQUIRE(b.keys.count("rule") == 1);
    const auto stream = get(b, "stream");
    REQUIRE((stream.empty() || stream == "out" || stream == "err"));
    const auto hits = match(rules, get(b, "line"), stream != "out");
    if (get(b, "rule") == "none") {
      CHECK(hits.empty());
      if (!hits.empty()) {
        INFO("matched by " << hits[0].rule->id);
      }
      continue;
    }
    REQUIRE_FALSE(hits.empty());
    CHECK(hits[0].rule->id == get(b, "rule"));
    check_hit(b, hits[0], "");
    if (b.keys.count("then") != 0) {
      REQUIRE(hits.size() == 2);
      CHECK(hits[1].rule->id == get(b, "then"));
      check_hit(b, hits[1], "then_");
    } else {
      CHECK(hits.size() == 1);
    }
  }
}

TEST_CASE("every built-in message rule has a real line", "[messages]") {
  const auto blocks = load_fixtures();
  std::set<std::string> covered;
  for (const Block& b : blocks) {
    covered.insert(get(b, "rule"));
    if (b.keys.count("then") != 0) {
      covered.insert(get(b, "then"));
    }
  }
  // Rules kept from before this suite whose message no program on this machine prints.
  const std::map<std::string, std::string> no_real_line = {
      {"apache-ah-error-with-file",
       "no AH format of Apache 2.4.71 (strings apache2 modules/*.so) ends in 'PATH: No such file "
       "or directory'; a catch-all for other versions and third-party modules"},
      {"wordpress-db-connect", "WordPress is not installed (its page text, not a program's)"},
  };
  std::set<std::string> ids;
  for (const auto& rule : builtin_rules().messages()) {
    INFO("rule " << rule.id << " (" << rule.file << ":" << rule.line << ")");
    CHECK(ids.insert(rule.id).second);
    if (no_real_line.count(rule.id) == 0) {
      CHECK(covered.count(rule.id) == 1);
    }
  }
  // And no fixture names a rule that does not exist.
  for (const auto& id : covered) {
    INFO("fixture rule " << id);
    CHECK((id == "none" || ids.count(id) == 1));
  }
}

TEST_CASE("message rules stay fast on long hostile lines", "[messages]") {
  // Near-misses of every rule, at the 1024-byte cap: std::regex must neither blow up nor crawl.
  const Rules& rules = builtin_rules();
  const std::vector<std::string> seeds = {
      "AH00526: Syntax error on line 1 of /",
      "PHP Fatal error:  x in /",
      "[emerg] 1#1: open() \"/",
      "Failed to open stream: ",
      "File \"/",
      "bash: line 1: /",
      "No such file or directory '/",
      "FileNotFoundError: [Errno 2] No such file or directory: '/",
      "cat: '/"};
  for (const auto& seed : seeds) {
    for (const char fill : {'a', '/', ' ', ':', '\''}) {
      std::string line = seed + std::string(1024 - seed.size(), fill);
      (void)match(rules, line, true);
    }
  }
  SUCCEED();
}

#include "analyzer/passes/pass_messages.h"

TEST_CASE("LiteralSet finds every literal a text holds, in one pass", "[messages]") {
  culprit::analyzer::LiteralSet set;
  const auto fatal = set.add("PHP Fatal error");
  const auto no = set.add("No");  // shorter than four bytes: found with find
  const auto denied = set.add("denied");
  const auto deni = set.add("deni");   // the first four bytes of "denied": the same bucket
  const auto empty = set.add("");      // occurs in every text
  CHECK(set.add("denied") == denied);  // the same literal twice has one id
  CHECK(set.size() == 5);

  std::vector<char> present;
  set.find_all("AH01630: client denied by server configuration", present);
  REQUIRE(present.size() == 5);
  CHECK(present[denied] == 1);
  CHECK(present[deni] == 1);
  CHECK(present[fatal] == 0);
  CHECK(present[no] == 0);
  CHECK(present[empty] == 1);

  // At the very start and the very end, and case matters.
  set.find_all("PHP Fatal error", present);
  CHECK(present[fatal] == 1);
  set.find_all("php fatal error: No", present);
  CHECK(present[fatal] == 0);
  CHECK(present[no] == 1);
  set.find_all("xx deni", present);
  CHECK(present[deni] == 1);
  CHECK(present[denied] == 0);
  set.find_all("den", present);  // shorter than the literals
  CHECK(present[deni] == 0);

  culprit::analyzer::LiteralSet words;
  words.add("Permission denied");
  words.add("Errno");
  CHECK(words.any("open: Permission denied"));
  CHECK(words.any("[Errno 2]"));
  CHECK_FALSE(words.any("HTTP/1.1 200 OK\r\nContent-Length: 20\r\n"));
  CHECK_FALSE(words.any(""));
  CHECK_FALSE(culprit::analyzer::LiteralSet().any("anything"));
}
