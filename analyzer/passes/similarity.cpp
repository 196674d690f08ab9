#include "analyzer/passes/similarity.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <vector>

namespace culprit::analyzer {
namespace {

char fold(char c, bool ci) {
  return ci ? static_cast<char>(std::tolower(static_cast<unsigned char>(c))) : c;
}

bool iequal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return fold(x, true) == fold(y, true);
         });
}

std::size_t allowed_distance(std::string_view wanted) { return wanted.size() <= 4 ? 1 : 2; }

}  // namespace

std::size_t edit_distance(std::string_view a, std::string_view b, std::size_t max_distance,
                          bool case_insensitive) {
  const std::size_t n = a.size();
  const std::size_t m = b.size();
  const std::size_t diff = n > m ? n - m : m - n;
  if (diff > max_distance) {
    return max_distance + 1;
  }
  // Three rolling rows: OSA needs the row two back for transpositions.
  std::vector<std::size_t> prev2(m + 1), prev(m + 1), cur(m + 1);
  for (std::size_t j = 0; j <= m; ++j) {
    prev[j] = j;
  }
  for (std::size_t i = 1; i <= n; ++i) {
    cur[0] = i;
    std::size_t row_min = cur[0];
    for (std::size_t j = 1; j <= m; ++j) {
      const bool same = fold(a[i - 1], case_insensitive) == fold(b[j - 1], case_insensitive);
      std::size_t v = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (same ? 0 : 1)});
      if (i > 1 && j > 1 && fold(a[i - 1], case_insensitive) == fold(b[j - 2], case_insensitive) &&
          fold(a[i - 2], case_insensitive) == fold(b[j - 1], case_insensitive)) {
        v = std::min(v, prev2[j - 2] + 1);
      }
      cur[j] = v;
      row_min = std::min(row_min, v);
    }
    if (row_min > max_distance) {
      return max_distance + 1;
    }
    std::swap(prev2, prev);
    std::swap(prev, cur);
  }
  return std::min(prev[m], max_distance + 1);
}

bool extension_variant(std::string_view a, std::string_view b) {
  const auto da = a.rfind('.');
  const auto db = b.rfind('.');
  if (da == std::string_view::npos || db == std::string_view::npos || da == 0 || db == 0) {
    return false;
  }
  if (a.substr(0, da) != b.substr(0, db)) {
    return false;
  }
  const auto ea = a.substr(da + 1);
  const auto eb = b.substr(db + 1);
  if (ea == eb || ea.empty() || eb.empty()) {
    return false;
  }
  const auto& shorter = ea.size() < eb.size() ? ea : eb;
  const auto& longer = ea.size() < eb.size() ? eb : ea;
  return longer.substr(0, shorter.size()) == shorter;
}

std::optional<std::size_t> name_similarity(std::string_view wanted, std::string_view candidate) {
  if (wanted == candidate || wanted.empty() || candidate.empty()) {
    return std::nullopt;
  }
  if (iequal(wanted, candidate)) {
    return 0;
  }
  if (extension_variant(wanted, candidate)) {
    return 1;
  }
  const std::size_t limit = allowed_distance(wanted);
  const std::size_t d = edit_distance(wanted, candidate, limit);
  if (d > limit) {
    return std::nullopt;
  }
  // A short name one letter longer or shorter is another word ("popt" is not "opt"); only a
  // changed or swapped letter is a typo there.
  if (wanted.size() <= 4 && wanted.size() != candidate.size()) {
    return std::nullopt;
  }
  // Same name, another type: "license.key" is not a typo of "license.py" although two edits
  // turn one into the other. A changed extension is a typo only one edit away (.cnf/.conf).
  const auto wd = wanted.rfind('.');
  const auto cd = candidate.rfind('.');
  if (wd != std::string_view::npos && cd != std::string_view::npos && wd > 0 && cd > 0 &&
      wanted.substr(0, wd) == candidate.substr(0, cd) &&
      edit_distance(wanted.substr(wd + 1), candidate.substr(cd + 1), 1) > 1) {
    return std::nullopt;
  }
  // Rank a change that keeps the extension above one that alters it: "x.php" for "x.phpp" before
  // "y.phpp" when both are one edit away.
  return d + 1;
}

std::optional<std::string> best_sibling(std::string_view wanted,
                                        std::span<const std::string> candidates) {
  std::optional<std::string> best;
  std::size_t best_score = 0;
  for (const auto& c : candidates) {
    const auto s = name_similarity(wanted, c);
    if (!s) {
      continue;
    }
    if (!best || *s < best_score || (*s == best_score && c < *best)) {
      best = c;
      best_score = *s;
    }
  }
  return best;
}

std::optional<std::string> nearest_word(std::string_view token, std::span<const std::string> words,
                                        bool case_insensitive) {
  std::optional<std::string> best;
  std::size_t best_d = 0;
  const std::size_t limit = allowed_distance(token);
  for (const auto& w : words) {
    if (case_insensitive ? iequal(token, w) : token == w) {
      return w;
    }
    const std::size_t d = edit_distance(token, w, limit, case_insensitive);
    if (d <= limit && (!best || d < best_d || (d == best_d && w < *best))) {
      best = w;
      best_d = d;
    }
  }
  return best;
}

}  // namespace culprit::analyzer
