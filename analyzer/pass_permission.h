// Permission walk: which component of a path denies a process access, and the least change of
// mode that lets it in. Checked for a given uid/gid (from setuid/setresuid in the trace, or the
// "other" class when unknown), never with access(2), which would answer for culprit's own user.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "analyzer/filesystem.h"
#include "analyzer/finding.h"

namespace culprit::analyzer {

namespace access_bit {
inline constexpr std::uint32_t Read = 4;
inline constexpr std::uint32_t Write = 2;
inline constexpr std::uint32_t Exec = 1;
}  // namespace access_bit

struct AccessRequest {
  std::uint32_t want = access_bit::Read;  // bits needed on the final component
  bool create = false;                    // the call creates the final component (O_CREAT, mkdir)
  std::optional<std::uint32_t> uid;       // nullopt: judge as "other" (not owner, not group)
  std::optional<std::uint32_t> gid;
};

// The access bits a failed call needed on its path: open flags, execve, connect (w on a socket),
// opendir (O_DIRECTORY: r and x).
AccessRequest access_for(std::string_view syscall, std::int32_t open_flags,
                         std::int32_t access_mode);

// The r/w/x bits (4/2/1) `mode` grants to uid/gid on a file owned by owner/group.
std::uint32_t granted_bits(std::uint32_t mode, std::uint32_t owner, std::uint32_t group,
                           std::optional<std::uint32_t> uid, std::optional<std::uint32_t> gid,
                           bool is_directory);

// Least change that grants `missing` bits to the process: files gain r (and x) for everyone as in
// 0644/0755, directories become searchable and listable (0755 style); write access is added only
// for the owner or group class the process is in. Never world-writable.
std::uint32_t suggest_mode(std::uint32_t mode, bool is_directory, std::uint32_t missing,
                           std::uint32_t owner, std::uint32_t group,
                           std::optional<std::uint32_t> uid, std::optional<std::uint32_t> gid);

// "r", "rx", "w" ...
std::string bits_text(std::uint32_t bits);

// Walks "/", "/a", "/a/b", ... to the first component that denies the request. nullopt when the
// filesystem is unavailable, a component is missing, or nothing in the modes denies access (then
// ACLs, SELinux/AppArmor or mount options are the cause).
std::optional<PermissionBlocker> find_blocker(const FileSystem& fs, std::string_view path,
                                              const AccessRequest& request);

}  // namespace culprit::analyzer

namespace culprit::analyzer {

// Files that hold secrets (shadow, sudoers, SSH and TLS private keys, *.key, credentials such as
// wp-config.php, .env, my.cnf, .netrc, .pgpass): never opened up by a mode change.
bool is_sensitive_path(std::string_view path);

// Several files denied because of one directory: the directory is the culprit. Findings whose
// blocker is the same directory (not the file itself) become one finding naming the directory,
// with the files it blocked listed in the explanation and every failure's evidence and count.
// Call after scoring; the merged finding keeps the best score (raised by the number of files).
void merge_shared_blockers(std::vector<Finding>& findings);

}  // namespace culprit::analyzer
