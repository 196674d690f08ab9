// String similarity for "did you mean": Damerau–Levenshtein distance (optimal string alignment),
// file-name sibling matching (.phpp -> .php, .soo -> .so, .htm -> .html) and nearest known word
// (Apache directives, case-insensitive when the list says so).
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace culprit::analyzer {

// Optimal-string-alignment Damerau–Levenshtein distance between a and b (adjacent transposition
// counts 1). Returns max_distance + 1 as soon as the distance is known to exceed max_distance.
std::size_t edit_distance(std::string_view a, std::string_view b, std::size_t max_distance = 2,
                          bool case_insensitive = false);

// True when `a` and `b` share the stem before the last '.' and one extension is a prefix of the
// other (".htm"/".html", ".php"/".phpp", ".so"/".soo", ".conf"/".conff").
bool extension_variant(std::string_view a, std::string_view b);

// How close a candidate name is to the wanted one; lower is better. nullopt: not similar.
// Similar = distance <= 2 (<= 1 for names of 4 characters or less), an extension variant, or equal
// ignoring case. Identical names are not similar (they are the same file).
std::optional<std::size_t> name_similarity(std::string_view wanted, std::string_view candidate);

// The most similar of `candidates` to `wanted` (ties: the lexicographically smallest), or nullopt.
std::optional<std::string> best_sibling(std::string_view wanted,
                                        std::span<const std::string> candidates);

// The nearest word of `words` within distance 2 (1 for short words), ignoring case when asked.
// A word equal to `token` (under the same case rule) is returned as-is.
std::optional<std::string> nearest_word(std::string_view token, std::span<const std::string> words,
                                        bool case_insensitive);

}  // namespace culprit::analyzer
