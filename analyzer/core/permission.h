// Permission walk: which component of a path denies a process access, and the least change of
// mode that lets it in. Checked for a given uid/gid (from setuid/setresuid in the trace, or the
// "other" class when unknown), never with access(2), which would answer for culprit's own user.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "analyzer/core/filesystem.h"
#include "analyzer/core/finding.h"

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

// Least change of mode that grants `missing` bits to the process: the bits are added to the owner
// class when the process owns the component, else to the group class when it is in the
// component's group, else nothing changes (the returned mode is `mode`: only an ACL entry grants
// one "other" user anything without granting all of them). A file that must be executed also
// gets r (its interpreter reads it), a directory that must be listed also gets x. Never adds a
// bit for "other".
std::uint32_t suggest_mode(std::uint32_t mode, bool is_directory, std::uint32_t missing,
                           std::uint32_t owner, std::uint32_t group,
                           std::optional<std::uint32_t> uid, std::optional<std::uint32_t> gid);

// How the denied principal gets exactly what it lacked on a blocker: a mode bit for the class it
// is in (u when it owns the component, g when it is in its group), else a POSIX ACL entry for its
// uid alone. Never anything for "other". Via::Nothing when the principal is unknown or root, or
// when the mode already grants the access (then the mode is not what denies it).
struct Grant {
  enum class Via { Nothing, Mode, Group, Acl };
  Via via = Via::Nothing;
  std::uint32_t bits = 0;  // r/w/x (4/2/1) the principal gains
  // Via::Mode and Via::Group: the component's mode afterwards; Via::Acl: unchanged.
  std::uint32_t new_mode = 0;
  char mode_class = 0;        // Via::Mode: 'u' or 'g'; Via::Group: 'g'
  std::uint32_t new_gid = 0;  // Via::Group: the principal's gid, the component's group afterwards
};
// Who else a change of the component's group would reach (Finding::process_group_alone,
// blocker_group_regroupable).
struct GroupFacts {
  bool principal_alone = false;  // nobody but the principal is in its gid
  bool regroupable = false;      // nobody but the owner and root is in the component's group
};
// The principal that is neither owner nor in the group gets the component's group (chgrp to its
// gid, g+bits) when that reaches no one else: its group holds only it, the old group only the
// owner and root, the old group bits are no more than it needs and no more than the owner's.
// Otherwise an ACL entry for its uid.
Grant plan_grant(const PermissionBlocker& b, std::optional<std::uint32_t> uid,
                 std::optional<std::uint32_t> gid, const GroupFacts& facts = {});

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
