#include "analyzer/passes/pass_search.h"

#include <algorithm>
#include <map>
#include <string>
#include <utility>

#include "analyzer/passes/pass_referrer_disk.h"

namespace culprit::analyzer {
namespace {

bool searchable(const FailureGroup& g) {
  return !g.path.empty() && g.probe_success.empty() && !g.pids.empty() &&
         (g.errno_name == "ENOENT" || g.errno_name == "ENOTDIR") &&
         (g.family == tracer::Family::File || g.family == tracer::Family::Exec) && !g.creates();
}

// A hardware-capability subdirectory ld.so tries inside each library directory.
bool loader_variant_dir(std::string_view dir) {
  for (const std::string_view c : {"/glibc-hwcaps/", "/tls/", "/haswell/", "/x86_64/", "/avx512_1/",
                                   "/i686/", "/sse2/", "/cmov/", "/x86-64-v"}) {
    std::string d(dir);
    d += '/';
    if (d.find(c) != std::string::npos) {
      return true;
    }
  }
  return false;
}

void fold(FailureGroup& into, FailureGroup& from) {
  into.count += from.count;
  into.named_in_error += from.named_in_error;
  if (into.named_line.empty()) {
    into.named_line = from.named_line;
  }
  into.last_before_error_line += from.last_before_error_line;
  into.last_before_exit += from.last_before_exit;
  into.last_before_http_error += from.last_before_http_error;
  into.last_before_5xx += from.last_before_5xx;
  into.near_5xx = std::max(into.near_5xx, from.near_5xx);
  into.before_error_write = std::max(into.before_error_write, from.before_error_write);
  into.before_bad_exit = std::max(into.before_bad_exit, from.before_bad_exit);
  into.messages.insert(into.messages.end(), from.messages.begin(), from.messages.end());
  into.used = into.used || from.used;
  if (from.rule == nullptr) {
    into.rule = nullptr;  // one try no rule explains: the search as a whole is not a known probe
  }
  if (from.family == tracer::Family::Exec) {
    into.family = tracer::Family::Exec;
  }
  if (from.first_seq < into.first_seq) {
    into.first_seq = from.first_seq;
    into.first_seen = from.first_seen;
  }
  for (auto& ev : from.evidence) {
    if (into.evidence.size() >= FailureGroup::kMaxEvidence + 3) {
      break;
    }
    into.evidence.push_back(ev);
  }
}

}  // namespace

void merge_failed_searches(std::vector<FailureGroup>& groups,
                           std::vector<std::size_t>& merged_into) {
  merged_into.assign(groups.size(), kNotMerged);
  // (first pid, basename) -> group indexes, in creation order.
  std::map<std::pair<tracer::Pid, std::string>, std::vector<std::size_t>> searches;
  for (std::size_t i = 0; i < groups.size(); ++i) {
    if (searchable(groups[i])) {
      searches[{groups[i].pids.front(), std::string(base_name(groups[i].path))}].push_back(i);
    }
  }
  for (auto& [key, members] : searches) {
    if (members.size() < 2) {
      continue;
    }
    std::vector<std::string_view> dirs;
    for (const auto i : members) {
      const auto d = dir_name(groups[i].path);
      if (std::find(dirs.begin(), dirs.end(), d) == dirs.end()) {
        dirs.push_back(d);
      }
    }
    if (dirs.size() < 2) {
      continue;
    }
    std::sort(members.begin(), members.end(), [&](std::size_t a, std::size_t b) {
      return groups[a].first_seq < groups[b].first_seq;
    });
    // Which try stands for the search: the first one in a directory of the program's own
    // (`use lib`, a venv, the working directory before its parents: where its author meant the
    // name to be), else the last one tried ($PATH, ld.so's directories, all system ones).
    std::size_t last = *std::max_element(
        members.begin(), members.end(),
        [&](std::size_t a, std::size_t b) { return groups[a].last_seq < groups[b].last_seq; });
    for (const auto i : members) {
      const std::string_view dir = dir_name(groups[i].path);
      // ld.so's hardware-capability subdirectories are its own variants, not where anyone put
      // the library.
      if (!loader_variant_dir(dir) && !is_system_directory(dir)) {
        last = i;
        break;
      }
    }
    FailureGroup& into = groups[last];
    into.search_paths.clear();
    for (const auto i : members) {
      if (std::find(into.search_paths.begin(), into.search_paths.end(), groups[i].path) ==
          into.search_paths.end()) {
        into.search_paths.push_back(groups[i].path);
      }
      if (i != last) {
        fold(into, groups[i]);
        merged_into[i] = last;
      }
    }
  }
}

}  // namespace culprit::analyzer
