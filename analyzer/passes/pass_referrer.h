// Pass 4: who asked for the failing path. Candidates are the files the failing process (and its
// parents) opened before the failure, newest first, plus files named by its error messages; each is
// read through FileSystem (or, in log-only analysis, from read() data recorded in the log) and
// searched for the path, its last components, or its basename.
#pragma once

#include <deque>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "analyzer/core/filesystem.h"
#include "analyzer/core/finding.h"

namespace culprit::analyzer {

// Text of a candidate file: from the filesystem or from the log. nullopt when unknown.
using ContentSource = std::function<std::optional<std::string>(const std::string& file)>;

// A content source reading through `fs`, falling back to `recorded` (log data) when the file cannot
// be read; the result is cached per file.
class ContentCache {
 public:
  ContentCache(const FileSystem& fs,
               std::function<const std::string*(std::string_view file)> recorded);
  // nullptr when neither source has the file; binary files (NUL bytes) are returned as empty.
  const std::string* get(const std::string& file);
  // True when the text came from the log, not from the filesystem.
  [[nodiscard]] bool from_log(const std::string& file) const;

 private:
  const FileSystem& fs_;
  std::function<const std::string*(std::string_view)> recorded_;
  std::deque<std::pair<std::string, std::optional<std::string>>> cache_;  // stable addresses
  std::vector<std::string> from_log_;
};

// What to look for, most specific first: the path, its last two components, its basename.
std::vector<std::string> needles_for(std::string_view path);

// The 1-based line of `text` that contains `needle` as a whole token (not part of a longer name).
// 0 when absent. `line_text` receives the line.
std::uint64_t find_token_line(std::string_view text, std::string_view needle,
                              std::string* line_text = nullptr);

// Line `line` (1-based) of `text`, without the newline; nullopt when out of range.
std::optional<std::string> line_of(std::string_view text, std::uint64_t line);

// The first candidate (in order) that mentions the most specific needle. `exclude` is not searched
// (the failing path itself).
std::optional<SourceLocation> find_referrer(ContentCache& contents,
                                            std::span<const std::string> candidates,
                                            std::span<const std::string> needles,
                                            std::string_view exclude = {});

}  // namespace culprit::analyzer
