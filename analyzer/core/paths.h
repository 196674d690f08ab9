// Path text helpers shared by the passes and the fixers: pure string work on the paths a trace
// names, never a look at the filesystem.
#pragma once

#include <string>
#include <string_view>

namespace culprit::analyzer {

// "/a/b/c" -> "c"; "c" -> "c".
std::string_view base_name(std::string_view path);
// "/a/b/c" -> "/a/b"; "/c" -> "/"; "c" -> "".
std::string_view dir_name(std::string_view path);
// `path` without trailing slashes ("/var/log/x/" is "/var/log/x"; "/" stays "/").
std::string_view without_trailing_slashes(std::string_view path);
// `dir` + "/" + `name`, without doubling a slash ("/" + "x" is "/x").
std::string join_path(std::string_view dir, std::string_view name);

}  // namespace culprit::analyzer
