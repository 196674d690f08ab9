// Text helpers the passes share.
#pragma once

#include <string>
#include <string_view>

namespace culprit::analyzer {

// `s` with ASCII A-Z made a-z and every other byte as it is (no locale: the same answer on every
// machine, and fast enough for every line a traced server writes).
std::string ascii_lower(std::string_view s);

}  // namespace culprit::analyzer
