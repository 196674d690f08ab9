#include "analyzer/passes/pass_referrer_disk.h"

#include <algorithm>
#include <deque>
#include <set>
#include <utility>

#include "analyzer/passes/pass_group.h"
#include "analyzer/passes/pass_referrer.h"

namespace culprit::analyzer {
bool is_system_directory(std::string_view dir) {
  // /tmp itself, not what people unpack and run below it.
  if (dir == "/" || dir.empty() || dir == "/tmp" || dir == "/var/tmp") {
    return true;
  }
  for (const std::string_view p :
       {"/usr", "/lib", "/lib64", "/bin", "/sbin", "/proc", "/sys", "/dev", "/run", "/var/lib",
        "/var/cache", "/var/log", "/etc/perl", "/etc/alternatives", "/snap"}) {
    if (dir == p ||
        (dir.size() > p.size() && dir.substr(0, p.size()) == p && dir[p.size()] == '/')) {
      return true;
    }
  }
  return false;
}

namespace {

// Code and configuration: what asks for a file by name. Notes, logs and data do not.
bool may_refer(std::string_view name) {
  if (name == ".htaccess" || name == ".user.ini" || name == "Makefile" || name == "Dockerfile") {
    return true;
  }
  const auto dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0) {
    return false;
  }
  const std::string_view ext = name.substr(dot + 1);
  for (const std::string_view e :
       {"php",  "inc",   "phtml", "py",         "pl",      "pm",     "rb",    "js",
        "mjs",  "cjs",   "ts",    "json",       "yaml",    "yml",    "toml",  "ini",
        "conf", "cnf",   "cfg",   "xml",        "html",    "htm",    "sh",    "bash",
        "tpl",  "twig",  "lua",   "properties", "service", "socket", "timer", "env",
        "load", "vhost", "cron",  "rules",      "tmpl"}) {
    if (ext == e) {
      return true;
    }
  }
  return false;
}

int depth_of(std::string_view dir) {
  return static_cast<int>(std::count(dir.begin(), dir.end(), '/'));
}

}  // namespace

std::vector<std::string> referrer_search_roots(const FileSystem& fs, std::string_view path,
                                               std::span<const std::string> read_files) {
  std::vector<std::string> roots;
  auto add = [&](std::string_view dir) {
    if (dir.empty() || dir == "/" || depth_of(dir) < 2 || is_system_directory(dir)) {
      return;
    }
    if (std::find(roots.begin(), roots.end(), dir) == roots.end()) {
      const auto info = fs.stat(dir);
      if (info && info->is_directory) {
        roots.emplace_back(dir);
      }
    }
  };
  std::string_view dir = dir_name(path);
  for (int up = 0; up < 4 && !dir.empty() && dir != "/"; ++up) {
    add(dir);
    dir = dir_name(dir);
  }
  for (const auto& f : read_files) {
    add(dir_name(f));
  }
  return roots;
}

DiskSearch search_referrer_on_disk(const FileSystem& fs, std::span<const std::string> roots,
                                   std::span<const std::string> needles, std::string_view exclude,
                                   const DiskSearchBudget& budget) {
  DiskSearch out;
  out.roots.assign(roots.begin(), roots.end());
  if (!fs.available() || needles.empty()) {
    return out;
  }
  std::set<std::string, std::less<>> seen_dirs;
  std::set<std::string, std::less<>> seen_files;
  std::size_t bytes = 0;
  std::size_t best_needle = needles.size();
  for (const auto& root : roots) {
    std::deque<std::pair<std::string, int>> queue{{root, 0}};
    while (!queue.empty()) {
      auto [dir, depth] = std::move(queue.front());
      queue.pop_front();
      if (!seen_dirs.insert(dir).second) {
        continue;  // an ancestor root already covered it
      }
      auto names = fs.list(dir, 5000);
      std::sort(names.begin(), names.end());
      for (const auto& name : names) {
        if (name == ".git" || name == ".svn" || name == "node_modules") {
          continue;
        }
        const std::string file = join_path(dir, name);
        const auto info = fs.stat(file);
        if (!info) {
          continue;
        }
        if (info->is_directory) {
          if (depth + 1 <= budget.max_depth) {
            queue.emplace_back(file, depth + 1);
          }
          continue;
        }
        if (!info->is_regular || info->size > budget.max_file_size || file == exclude ||
            !may_refer(name) || !seen_files.insert(file).second) {
          continue;
        }
        if (out.files_read >= budget.max_files || bytes + info->size > budget.max_bytes) {
          out.cut_short = true;
          return out;
        }
        auto text = fs.read(file, budget.max_file_size);
        ++out.files_read;
        if (!text) {
          continue;
        }
        bytes += text->size();
        if (text->substr(0, 8192).find('\0') != std::string::npos) {
          continue;  // binary
        }
        for (std::size_t n = 0; n < best_needle; ++n) {
          std::string line_text;
          if (const auto line = find_token_line(*text, needles[n], &line_text); line != 0) {
            out.found = SourceLocation{file, line, std::move(line_text)};
            best_needle = n;
            break;
          }
        }
        if (best_needle == 0) {
          return out;  // the whole path named: nothing more specific exists
        }
      }
    }
    if (out.found) {
      return out;  // the nearest root that names it wins over farther ones
    }
  }
  return out;
}

}  // namespace culprit::analyzer
