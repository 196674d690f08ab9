// Searches that found nothing: the same name tried in several directories by one process ($PATH
// lookup of a command, ld.so's library directories, an include path), failing in every one and
// never found. Each try is its own failure group; this pass folds them into the last one tried,
// which then carries the whole search (FailureGroup::search_paths) and the evidence of all of
// its tries. A search that later succeeded somewhere is a probe (pass_noise), not merged.
#pragma once

#include <cstddef>
#include <vector>

#include "analyzer/passes/pass_group.h"

namespace culprit::analyzer {

// merged_into[i] is the group that group i was folded into, or kNotMerged. Resized to
// groups.size().
constexpr std::size_t kNotMerged = static_cast<std::size_t>(-1);
// Set by later passes for a group that is reported through another one (a settled connect).
constexpr std::size_t kDropped = static_cast<std::size_t>(-2);
void merge_failed_searches(std::vector<FailureGroup>& groups,
                           std::vector<std::size_t>& merged_into);

}  // namespace culprit::analyzer
