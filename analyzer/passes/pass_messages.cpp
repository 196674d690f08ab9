#include "analyzer/passes/pass_messages.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace culprit::analyzer {
namespace {

constexpr std::size_t kMaxHits = 2000;

// Drops the HTML markup PHP puts around its messages when display_errors is on.
std::string strip_html(std::string_view line) {
  std::string out;
  out.reserve(line.size());
  for (std::size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '<') {
      const auto end = line.find('>', i);
      if (end != std::string_view::npos && end - i <= 8) {
        i = end;
        continue;
      }
    }
    out += line[i];
  }
  return out;
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

}  // namespace

std::string first_line(std::string_view s, std::size_t limit) {
  while (!s.empty() && (s.front() == '\n' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  auto nl = s.find('\n');
  auto line = s.substr(0, nl);
  if (!line.empty() && line.back() == '\r') {
    line.remove_suffix(1);
  }
  std::string out(line.substr(0, limit));
  if (line.size() > limit) {
    out += "...";
  }
  return out;
}

// Does a path named by a message denote this group's path? Absolute: equal; relative: a suffix
// at a component boundary.
bool message_names(std::string_view group_path, std::string_view msg_path) {
  if (msg_path.empty() || group_path.empty()) {
    return false;
  }
  if (msg_path.front() == '/') {
    // A name with a newline in it is cut there by line-based messages: "cat: '/x/new" for
    // "/x/new\nline.phpp".
    return group_path == msg_path ||
           (group_path.size() > msg_path.size() && starts_with(group_path, msg_path) &&
            group_path[msg_path.size()] == '\n');
  }
  while (starts_with(msg_path, "./")) {
    msg_path.remove_prefix(2);
  }
  if (msg_path.find('/') == std::string_view::npos) {
    return false;  // a bare name: only the newest failure with that basename (see finish)
  }
  return group_path.size() > msg_path.size() &&
         group_path.substr(group_path.size() - msg_path.size()) == msg_path &&
         group_path[group_path.size() - msg_path.size() - 1] == '/';
}

// The errno a message that names a path means, for a path no failed call carries: the `errno` of
// the rule that captured the path (a merged hit's base is location-only, so its path comes from
// the continuation), else a guess from the text. The guess stays for rules whose errno depends on
// the message, not the pattern ("connect() to ... failed (111: Connection refused)", PHP's
// "Failed opening required", whose reason is on another line), and for user rules without the key.
std::string errno_for_message(const MessageHit& hit) {
  const MessageRule* path_rule = hit.continuation != nullptr ? hit.continuation : hit.rule;
  if (!path_rule->errno_name.empty()) {
    return path_rule->errno_name;
  }
  const auto& t = hit.text;
  if (t.find("Permission denied") != std::string::npos ||
      t.find("permissions deny") != std::string::npos) {
    return "EACCES";
  }
  if (t.find("Connection refused") != std::string::npos) {
    return "ECONNREFUSED";
  }
  return "ENOENT";
}

std::uint32_t LiteralSet::add(std::string_view literal) {
  for (std::size_t i = 0; i < literals_.size(); ++i) {
    if (literals_[i] == literal) {
      return static_cast<std::uint32_t>(i);
    }
  }
  const auto id = static_cast<std::uint32_t>(literals_.size());
  literals_.emplace_back(literal);
  if (literal.size() >= 4) {
    buckets_[bucket_of(literal.data())].push_back(id);
  } else {
    short_.push_back(id);
  }
  return id;
}

std::uint32_t LiteralSet::bucket_of(const char* four) {
  std::uint32_t v = 0;
  std::memcpy(&v, four, sizeof v);
  return (v * 2654435761U) >> (32 - kGramBits);
}

template <typename OnFound>
void LiteralSet::scan(std::string_view text, OnFound&& on_found) const {
  for (const std::uint32_t id : short_) {
    if (text.find(literals_[id]) != std::string_view::npos && on_found(id)) {
      return;
    }
  }
  for (std::size_t i = 0; i + 4 <= text.size(); ++i) {
    for (const std::uint32_t id : buckets_[bucket_of(text.data() + i)]) {
      const std::string& lit = literals_[id];
      if (text.compare(i, lit.size(), lit) == 0 && on_found(id)) {
        return;
      }
    }
  }
}

void LiteralSet::find_all(std::string_view text, std::vector<char>& present) const {
  present.assign(literals_.size(), 0);
  scan(text, [&](std::uint32_t id) {
    present[id] = 1;
    return false;
  });
}

bool LiteralSet::any(std::string_view text) const {
  bool found = false;
  scan(text, [&](std::uint32_t) { return found = true; });
  return found;
}

MessageMatcher::MessageMatcher(const Rules& rules, CandidatesFn candidates, NoteFn note,
                               ProgramFn program)
    : rules_(rules),
      candidates_(std::move(candidates)),
      program_(std::move(program)),
      note_(std::move(note)) {
  for (const auto& rule : rules_.messages()) {
    auto& ids = rule_lits_.emplace_back();
    for (const auto& lit : rule.contains) {
      ids.push_back(literals_.add(lit));
    }
  }
}

void MessageMatcher::flush(tracer::Pid pid) {
  if (auto it = pending_.find(pid); it != pending_.end()) {
    MessageHit old = std::move(it->second);
    pending_.erase(it);
    commit(std::move(old));
  }
}

void MessageMatcher::flush_all() {
  for (auto it = pending_.begin(); it != pending_.end(); it = pending_.begin()) {
    MessageHit old = std::move(it->second);
    pending_.erase(it);
    commit(std::move(old));
  }
}

void MessageMatcher::scan_write(const tracer::Event& e, bool err_stream) {
  const std::string_view d = e.data;
  if (!err_stream && !literals_.any(d)) {
    return;
  }
  std::size_t begin = 0;
  while (begin < d.size()) {
    auto end = d.find('\n', begin);
    if (end == std::string_view::npos) {
      end = d.size();
    }
    // Lines are capped: real messages are shorter, and std::regex recursion grows with input.
    std::string_view line = d.substr(begin, std::min<std::size_t>(end - begin, 1024));
    begin = end + 1;
    if (line.size() < 8) {
      continue;
    }
    match_line(e, line, err_stream);
  }
}

bool MessageMatcher::match_line(const tracer::Event& e, std::string_view raw, bool err_stream) {
  std::string cleaned;
  std::string_view line = raw;
  if (raw.find("<b>") != std::string_view::npos || raw.find("<br") != std::string_view::npos) {
    cleaned = strip_html(raw);
    line = cleaned;
  }
  // One rule per line, except that a location-only match ("Syntax error on line 16 of F:")
  // lets the rest of the same line give the reason ("Cannot load X into server").
  for (int round = 0; round < 2 && line.size() >= 8; ++round) {
    const MessageRule* matched = nullptr;
    std::match_results<std::string_view::const_iterator> m;
    literals_.find_all(line, present_);
    const auto& all = rules_.messages();
    for (std::size_t r = 0; r < all.size(); ++r) {
      const auto& rule = all[r];
      if (rule.contains.empty()) {
        if (!err_stream) {
          continue;
        }
      } else if (std::none_of(rule_lits_[r].begin(), rule_lits_[r].end(),
                              [&](std::uint32_t id) { return present_[id] != 0; })) {
        continue;
      }
      if (std::regex_search(line.begin(), line.end(), m, rule.regex)) {
        matched = &rule;
        break;
      }
    }
    if (matched == nullptr) {
      return round > 0;
    }
    const MessageRule& rule = *matched;
    auto cap = [&](int group) {
      // A capture holding a NUL byte cannot name a real file (the kernel stops at NUL), and no
      // fix may quote it (analyzer/core/quote.h asserts): treat it as not captured. Found by
      // fuzz/fuzz_strace_log.cpp; reproducer fuzz/crashes/strace_log/message-nul-file.log.
      //
      std::string s = group > 0 && m[group].matched ? m[group].str() : std::string();
      return s.find('\0') == std::string::npos ? s : std::string();
    };
    MessageHit hit;
    hit.rule = &rule;
    hit.pid = e.pid;
    hit.time = e.time;
    hit.evidence = EvidenceRef{std::string(e.origin.file), e.origin.line, e.pid, e.time,
                               first_line(line, 300)};
    hit.text = first_line(line, 1000);
    hit.file = cap(rule.file_group);
    const auto line_text = cap(rule.line_group);
    hit.line = line_text.empty() ? 0 : std::strtoull(line_text.c_str(), nullptr, 10);
    hit.token = cap(rule.token_group);
    hit.path = cap(rule.path_group);
    const bool location_only = !hit.file.empty() && hit.token.empty() && hit.path.empty();
    const auto rest = static_cast<std::size_t>(m.suffix().first - line.begin());
    on_hit(std::move(hit));
    if (!location_only) {
      return true;
    }
    line = line.substr(rest);
  }
  return true;  // a location-only match (and maybe its reason on the same line)
}

void MessageMatcher::on_hit(MessageHit hit) {
  const tracer::Pid pid = hit.pid;
  auto pend = pending_.find(pid);
  if (hit.rule->continues && pend != pending_.end()) {
    MessageHit& base = pend->second;
    base.continuation = hit.rule;
    if (base.token.empty()) {
      base.token = hit.token;
    }
    if (base.path.empty()) {
      base.path = hit.path;
    }
    base.text += '\n';
    base.text += hit.text;
    MessageHit merged = std::move(base);
    pending_.erase(pend);
    commit(std::move(merged));
    return;
  }
  if (pend != pending_.end()) {
    MessageHit old = std::move(pend->second);
    pending_.erase(pend);
    commit(std::move(old));
  }
  if (!hit.file.empty() && hit.token.empty() && hit.path.empty()) {
    pending_.emplace(pid, std::move(hit));
    return;
  }
  commit(std::move(hit));
}

void MessageMatcher::commit(MessageHit hit) {
  std::string key =
      fmt::format("{}\n{}\n{}\n{}\n{}", hit.rule->id, hit.file, hit.line, hit.token, hit.path);
  if (const auto it = hit_index_.find(std::string_view(key)); it != hit_index_.end()) {
    ++hits_[it->second].count;
    return;
  }
  if (hits_.size() >= kMaxHits) {
    ++dropped_;
    return;
  }
  hit.count = 1;
  hit.candidates = candidates_(hit.pid);
  if (program_) {
    hit.program = program_(hit.pid);
  }
  note_(hit.time, hit.pid,
        fmt::format("error message ({}): {}", hit.rule->id, first_line(hit.text, 300)));
  hit_index_.emplace(std::move(key), hits_.size());
  hits_.push_back(std::move(hit));
}

}  // namespace culprit::analyzer
