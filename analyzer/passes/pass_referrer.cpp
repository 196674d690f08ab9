#include "analyzer/passes/pass_referrer.h"

#include <algorithm>

namespace culprit::analyzer {
namespace {

bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.';
}

}  // namespace

ContentCache::ContentCache(const FileSystem& fs,
                           std::function<const std::string*(std::string_view)> recorded)
    : fs_(fs), recorded_(std::move(recorded)) {}

const std::string* ContentCache::get(const std::string& file) {
  for (auto& [name, text] : cache_) {
    if (name == file) {
      return text ? &*text : nullptr;
    }
  }
  std::optional<std::string> text;
  if (fs_.available()) {
    auto r = fs_.read(file, 4U << 20);
    if (r) {
      text = std::move(*r);
    }
  }
  if (!text && recorded_) {
    if (const std::string* rec = recorded_(file)) {
      text = *rec;
      from_log_.push_back(file);
    }
  }
  // Binary files (ELF libraries, ld.so.cache) name libraries too, but are not what a user edits.
  if (text && text->substr(0, 8192).find('\0') != std::string::npos) {
    text = std::string();
  }
  cache_.emplace_back(file, std::move(text));
  return cache_.back().second ? &*cache_.back().second : nullptr;
}

bool ContentCache::from_log(const std::string& file) const {
  return std::find(from_log_.begin(), from_log_.end(), file) != from_log_.end();
}

std::vector<std::string> needles_for(std::string_view path) {
  std::vector<std::string> out;
  if (path.empty()) {
    return out;
  }
  out.emplace_back(path);
  // Last two components ("wp-includes/class-wp-locale.phpp"): relative requires name them.
  const auto last = path.rfind('/');
  if (last != std::string_view::npos && last > 0) {
    const auto prev = path.rfind('/', last - 1);
    if (prev != std::string_view::npos) {
      out.emplace_back(path.substr(prev + 1));
    }
  }
  if (last != std::string_view::npos && last + 1 < path.size()) {
    out.emplace_back(path.substr(last + 1));
  }
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::uint64_t find_token_line(std::string_view text, std::string_view needle,
                              std::string* line_text) {
  if (needle.empty()) {
    return 0;
  }
  // Every whole-token occurrence is scored: comment lines lose, lines that load something
  // (require, include, LoadModule, open...) win, so "the wp-config.php file" in a header comment
  // does not hide `require_once ABSPATH . 'wp-config.php';`.
  std::size_t best_begin = 0;
  std::size_t best_end = 0;
  std::size_t best_pos = std::string_view::npos;
  int best_score = 0;
  std::size_t pos = 0;
  while ((pos = text.find(needle, pos)) != std::string_view::npos) {
    const bool left_ok =
        pos == 0 || !name_char(text[pos - 1]) || needle.front() == '/' || text[pos - 1] == '/';
    const std::size_t end = pos + needle.size();
    // A trailing '.' may end a sentence; any other name character continues the name. A needle
    // ending in '/' names a directory: what follows is inside it ("/var/log/x/" in
    // "ErrorLog /var/log/x/error.log").
    const bool right_ok =
        end >= text.size() || !name_char(text[end]) || needle.back() == '/' ||
        (text[end] == '.' && (end + 1 >= text.size() || !name_char(text[end + 1])));
    if (left_ok && right_ok) {
      const auto line_start = text.rfind('\n', pos);
      const std::size_t begin = line_start == std::string_view::npos ? 0 : line_start + 1;
      auto line_end = text.find('\n', pos);
      if (line_end == std::string_view::npos) {
        line_end = text.size();
      }
      const std::string_view line = text.substr(begin, line_end - begin);
      const std::string_view body =
          line.substr(std::min(line.find_first_not_of(" \t"), line.size()));
      int score = 10;
      if (body.rfind("*", 0) == 0 || body.rfind("#", 0) == 0 || body.rfind("//", 0) == 0 ||
          body.rfind(";", 0) == 0 || body.rfind("/*", 0) == 0 || body.rfind("--", 0) == 0) {
        score -= 8;
      }
      for (const std::string_view kw :
           {"require", "include", "Include", "Load", "load", "open", "import", "source", "exec",
            "connect", "socket", "=>", "define(", "="}) {
        if (line.find(kw) != std::string_view::npos) {
          score += 3;
          break;
        }
      }
      if (line.find("exists") != std::string_view::npos) {
        score -= 1;  // file_exists()/-e checks name the file too, but do not fail on it
      }
      if (score > best_score) {
        best_score = score;
        best_begin = begin;
        best_end = line_end;
        best_pos = pos;
      }
    }
    pos += 1;
  }
  // Only comments mention it: a comment asks for nothing.
  if (best_pos == std::string_view::npos || best_score <= 2) {
    return 0;
  }
  if (line_text != nullptr) {
    *line_text = std::string(text.substr(best_begin, best_end - best_begin));
    if (!line_text->empty() && line_text->back() == '\r') {
      line_text->pop_back();
    }
  }
  return 1 + static_cast<std::uint64_t>(std::count(
                 text.begin(), text.begin() + static_cast<std::ptrdiff_t>(best_pos), '\n'));
}

std::optional<std::string> line_of(std::string_view text, std::uint64_t line) {
  if (line == 0) {
    return std::nullopt;
  }
  std::size_t begin = 0;
  for (std::uint64_t i = 1; i < line; ++i) {
    const auto nl = text.find('\n', begin);
    if (nl == std::string_view::npos) {
      return std::nullopt;
    }
    begin = nl + 1;
  }
  if (begin > text.size() || (begin == text.size() && line > 1)) {
    return std::nullopt;
  }
  auto end = text.find('\n', begin);
  if (end == std::string_view::npos) {
    end = text.size();
  }
  std::string out(text.substr(begin, end - begin));
  if (!out.empty() && out.back() == '\r') {
    out.pop_back();
  }
  return out;
}

std::optional<SourceLocation> find_referrer(ContentCache& contents,
                                            std::span<const std::string> candidates,
                                            std::span<const std::string> needles,
                                            std::string_view exclude) {
  for (const auto& needle : needles) {
    for (const auto& file : candidates) {
      if (file == exclude) {
        continue;
      }
      const std::string* text = contents.get(file);
      if (text == nullptr || text->empty()) {
        continue;
      }
      std::string line_text;
      const auto line = find_token_line(*text, needle, &line_text);
      if (line != 0) {
        return SourceLocation{file, line, std::move(line_text)};
      }
    }
  }
  return std::nullopt;
}

}  // namespace culprit::analyzer
