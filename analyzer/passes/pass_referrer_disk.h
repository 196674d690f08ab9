// Pass 4b: who asks for a missing path when the trace does not show it being read (PHP with
// opcache never re-opens wp-settings.php; a server read its configuration before the trace
// began). Text files near the failing path and beside the files the process read are searched
// on disk, within a budget, for the literal name; the report says when the budget cut it short.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "analyzer/core/filesystem.h"
#include "analyzer/core/finding.h"

namespace culprit::analyzer {

struct DiskSearch {
  std::optional<SourceLocation> found;
  std::size_t files_read = 0;
  bool cut_short = false;          // the budget ran out before every file was read
  std::vector<std::string> roots;  // the directories searched, nearest first
};

struct DiskSearchBudget {
  std::size_t max_files = 4000;
  std::size_t max_bytes = 64U << 20;
  std::size_t max_file_size = 1U << 20;
  int max_depth = 5;
};

// /usr, /lib, /proc, /run, /var/lib ...: where packages and the kernel keep files, not where a
// site or an application's own files live.
bool is_system_directory(std::string_view dir);

// Where to look for what names `path`: its existing ancestors, nearest first, at most three
// levels up and never a top-level directory itself (/srv, /etc, /usr: too wide), then the
// directories of `read_files` (the files the process opened) that are not system directories.
std::vector<std::string> referrer_search_roots(const FileSystem& fs, std::string_view path,
                                               std::span<const std::string> read_files);

// Reads code and configuration files (by extension: .php, .conf, .py, .yaml ...) under `roots`
// (breadth-first per root, no symlink loops, .git skipped) and
// returns the first whole-token mention of the most specific needle. `exclude` (the failing path
// itself) is not read.
DiskSearch search_referrer_on_disk(const FileSystem& fs, std::span<const std::string> roots,
                                   std::span<const std::string> needles, std::string_view exclude,
                                   const DiskSearchBudget& budget = {});

}  // namespace culprit::analyzer
