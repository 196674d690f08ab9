#include "analyzer/core/permission.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "tracer/model/event.h"
#include "tracer/model/syscall_table.h"

namespace culprit::analyzer {

AccessRequest access_for(std::string_view syscall, std::int32_t open_flags,
                         std::int32_t access_mode) {
  namespace of = tracer::open_flag;
  AccessRequest r;
  const tracer::SyscallInfo* row = tracer::find_syscall(syscall);
  if (syscall == "execve" || syscall == "execveat") {
    r.want = access_bit::Exec;
  } else if (row != nullptr && row->has(tracer::Trait::SendsToAddress)) {
    r.want = access_bit::Write;  // unix(7): connecting needs write permission on the socket
  } else if (syscall == "mkdir" || syscall == "mkdirat" || syscall == "mknod" ||
             syscall == "mknodat" || syscall == "bind" || syscall == "symlink" ||
             syscall == "symlinkat" || syscall == "creat") {
    r.want = access_bit::Write;
    r.create = true;
  } else if (syscall == "unlink" || syscall == "unlinkat" || syscall == "rmdir" ||
             syscall == "rename" || syscall == "renameat" || syscall == "renameat2") {
    r.want = access_bit::Write;
    r.create = true;  // needs w+x on the parent directory
  } else if (syscall == "chdir" || syscall == "chroot") {
    r.want = access_bit::Exec;
  } else if ((syscall == "access" || syscall == "faccessat" || syscall == "faccessat2") &&
             access_mode > 0) {
    r.want = static_cast<std::uint32_t>(access_mode) & 7U;
  } else if (open_flags >= 0) {
    const auto acc = open_flags & of::AccMode;
    r.want = acc == of::WrOnly ? access_bit::Write
             : acc == of::RdWr ? (access_bit::Read | access_bit::Write)
                               : access_bit::Read;
    if ((open_flags & of::Directory) != 0) {
      r.want |= access_bit::Exec;
    }
    r.create = (open_flags & of::Creat) != 0;
  } else if (syscall.find("stat") != std::string_view::npos || syscall == "readlink" ||
             syscall == "readlinkat" || syscall == "access") {
    r.want = 0;  // only search permission on the directories
  }
  return r;
}

std::uint32_t granted_bits(std::uint32_t mode, std::uint32_t owner, std::uint32_t group,
                           std::optional<std::uint32_t> uid, std::optional<std::uint32_t> gid,
                           bool is_directory) {
  if (uid && *uid == 0) {
    // CAP_DAC_OVERRIDE: everything, except exec of a file with no x bit at all.
    const bool any_x = (mode & 0111) != 0;
    return access_bit::Read | access_bit::Write | ((is_directory || any_x) ? access_bit::Exec : 0U);
  }
  if (uid && *uid == owner) {
    return (mode >> 6) & 7U;
  }
  if (gid && *gid == group) {
    return (mode >> 3) & 7U;
  }
  return mode & 7U;
}

namespace {

// The bits a principal needs so that `missing` stops failing: a script is read by its interpreter
// as the same user, a listed directory is also entered.
std::uint32_t grant_bits(std::uint32_t missing, bool is_directory) {
  std::uint32_t bits = missing & 7U;
  if (!is_directory && (bits & access_bit::Exec) != 0) {
    bits |= access_bit::Read;
  }
  if (is_directory && (bits & access_bit::Read) != 0) {
    bits |= access_bit::Exec;
  }
  return bits;
}

}  // namespace

std::uint32_t suggest_mode(std::uint32_t mode, bool is_directory, std::uint32_t missing,
                           std::uint32_t owner, std::uint32_t group,
                           std::optional<std::uint32_t> uid, std::optional<std::uint32_t> gid) {
  const std::uint32_t bits = grant_bits(missing, is_directory);
  if (uid && *uid != 0 && *uid == owner) {
    return mode | (bits << 6);
  }
  if (gid && *gid == group) {
    return mode | (bits << 3);
  }
  // The process is "other": no mode change grants it access without granting every user the
  // same; an ACL entry for its uid does (plan_grant).
  return mode;
}

Grant plan_grant(const PermissionBlocker& b, std::optional<std::uint32_t> uid,
                 std::optional<std::uint32_t> gid, const GroupFacts& facts) {
  Grant g;
  std::uint32_t missing = 0;
  for (const char c : b.needed) {
    missing |= c == 'r'   ? access_bit::Read
               : c == 'w' ? access_bit::Write
               : c == 'x' ? access_bit::Exec
                          : 0U;
  }
  if (missing == 0) {
    missing = b.is_directory ? access_bit::Exec : access_bit::Read;
  }
  if (uid && *uid == 0 && !b.is_directory && missing == access_bit::Exec && (b.mode & 0111U) == 0) {
    // Root may execute a file once any x bit is set: the owner's is the least to add.
    g.bits = access_bit::Exec;
    g.via = Grant::Via::Mode;
    g.mode_class = 'u';
    g.new_mode = (b.mode & 07777) | 0100U;
    return g;
  }
  if (!uid || *uid == 0) {
    // Unknown principal, or root (whose denial no mode explains): nothing to grant to anyone.
    return g;
  }
  const std::uint32_t mode = b.mode & 07777;
  const std::uint32_t next = suggest_mode(mode, b.is_directory, missing, b.uid, b.gid, uid, gid);
  g.bits = grant_bits(missing, b.is_directory);
  if (*uid == b.uid || (gid && *gid == b.gid)) {
    if (next == mode) {
      return Grant{};  // the mode already grants it: ownership is not what denies access
    }
    g.via = Grant::Via::Mode;
    g.mode_class = *uid == b.uid ? 'u' : 'g';
    g.new_mode = next;
    return g;
  }
  const std::uint32_t group_bits = (mode >> 3) & 07U;
  const std::uint32_t owner_bits = (mode >> 6) & 07U;
  // chown clears a file's setuid/setgid bits: such a file keeps its group.
  if (gid && *gid != 0 && facts.principal_alone && facts.regroupable &&
      (b.is_directory || (mode & 06000U) == 0) && (group_bits & ~g.bits) == 0 &&
      (group_bits & ~owner_bits) == 0) {
    g.via = Grant::Via::Group;
    g.mode_class = 'g';
    g.new_gid = *gid;
    g.new_mode = mode | (g.bits << 3);
    return g;
  }
  g.via = Grant::Via::Acl;
  g.new_mode = mode;
  return g;
}

std::string bits_text(std::uint32_t bits) {
  std::string s;
  if ((bits & access_bit::Read) != 0) {
    s += 'r';
  }
  if ((bits & access_bit::Write) != 0) {
    s += 'w';
  }
  if ((bits & access_bit::Exec) != 0) {
    s += 'x';
  }
  return s;
}

std::optional<PermissionBlocker> find_blocker(const FileSystem& fs, std::string_view path,
                                              const AccessRequest& req) {
  if (!fs.available() || path.empty() || path.front() != '/') {
    return std::nullopt;
  }
  auto make = [&](const std::string& p, const FileInfo& info, std::uint32_t missing) {
    PermissionBlocker b;
    b.path = p;
    b.mode = info.mode;
    b.uid = info.uid;
    b.gid = info.gid;
    b.owner = fs.user_name(info.uid);
    b.group = fs.group_name(info.gid);
    b.needed = bits_text(missing);
    b.is_directory = info.is_directory;
    b.suggested_mode =
        suggest_mode(info.mode, info.is_directory, missing, info.uid, info.gid, req.uid, req.gid);
    return b;
  };
  // Directories from "/" down to the parent need search (x) permission.
  std::string prefix = "/";
  std::size_t pos = 1;
  while (true) {
    const auto slash = path.find('/', pos);
    if (slash == std::string_view::npos) {
      break;
    }
    const auto info = fs.stat(prefix);
    if (!info || !info->is_directory) {
      return std::nullopt;
    }
    const auto have = granted_bits(info->mode, info->uid, info->gid, req.uid, req.gid, true);
    if ((have & access_bit::Exec) == 0) {
      return make(prefix, *info, access_bit::Exec);
    }
    prefix = std::string(path.substr(0, slash));
    pos = slash + 1;
    while (pos < path.size() && path[pos] == '/') {
      ++pos;
    }
  }
  // `prefix` is now the parent directory of the final component.
  const auto dir_info = fs.stat(prefix);
  if (!dir_info || !dir_info->is_directory) {
    return std::nullopt;
  }
  const auto dir_have =
      granted_bits(dir_info->mode, dir_info->uid, dir_info->gid, req.uid, req.gid, true);
  if ((dir_have & access_bit::Exec) == 0) {
    return make(prefix, *dir_info, access_bit::Exec);
  }
  const std::string full(path);
  const auto info = fs.stat(full);
  if (!info) {
    if (req.create && (dir_have & access_bit::Write) == 0) {
      return make(prefix, *dir_info, access_bit::Write);
    }
    return std::nullopt;
  }
  if (req.create && req.want == access_bit::Write && !info->is_regular &&
      (dir_have & access_bit::Write) == 0) {
    return make(prefix, *dir_info, access_bit::Write);
  }
  const auto have =
      granted_bits(info->mode, info->uid, info->gid, req.uid, req.gid, info->is_directory);
  const auto missing = req.want & ~have;
  if (missing != 0) {
    return make(full, *info, missing);
  }
  return std::nullopt;
}

}  // namespace culprit::analyzer

namespace culprit::analyzer {

bool is_sensitive_path(std::string_view path) {
  const auto slash = path.rfind('/');
  const std::string_view base = slash == std::string_view::npos ? path : path.substr(slash + 1);
  auto ends = [&](std::string_view suffix) {
    return base.size() >= suffix.size() && base.substr(base.size() - suffix.size()) == suffix;
  };
  auto has = [&](std::string_view part) { return path.find(part) != std::string_view::npos; };
  for (const std::string_view exact :
       {"shadow",        "gshadow",    "shadow-",     "gshadow-",         "sudoers",
        "wp-config.php", ".env",       "my.cnf",      ".my.cnf",          "debian.cnf",
        ".netrc",        ".pgpass",    "credentials", ".git-credentials", "id_rsa",
        "id_dsa",        "id_ecdsa",   "id_ed25519",  "authorized_keys",  "secrets.yml",
        "secrets.yaml",  "master.key", "htpasswd",    ".htpasswd",        "keyring"}) {
    if (base == exact) {
      return true;
    }
  }
  for (const std::string_view suffix : {".key", ".pem", ".p12", ".pfx", ".jks", ".keystore",
                                        ".kdbx", ".gpg", ".asc", ".env", ".secret"}) {
    if (ends(suffix)) {
      return true;
    }
  }
  return has("/.ssh/") || has("/private/") || has("/sudoers.d/") || has("/.gnupg/") ||
         has("secret") || has("credential") || has("password") || has("passwd.") ||
         base.rfind("id_", 0) == 0;
}

void merge_shared_blockers(std::vector<Finding>& findings) {
  std::map<std::string, std::vector<std::size_t>> by_dir;
  for (std::size_t i = 0; i < findings.size(); ++i) {
    const Finding& f = findings[i];
    if (f.kind == FindingKind::PermissionDenied && f.blocker && f.blocker->is_directory &&
        f.blocker->path != f.path) {
      by_dir[f.blocker->path].push_back(i);
    }
  }
  std::vector<bool> drop(findings.size(), false);
  for (auto& [dir, members] : by_dir) {
    if (members.size() < 2) {
      continue;
    }
    std::sort(members.begin(), members.end(),
              [&](std::size_t a, std::size_t b) { return findings[a].score > findings[b].score; });
    Finding& into = findings[members.front()];
    std::vector<std::string> files{into.path};
    for (std::size_t k = 1; k < members.size(); ++k) {
      Finding& other = findings[members[k]];
      files.push_back(other.path);
      into.count += other.count;
      into.pids.insert(into.pids.end(), other.pids.begin(), other.pids.end());
      for (auto& ev : other.evidence) {
        if (into.evidence.size() < 8) {
          into.evidence.push_back(std::move(ev));
        }
      }
      if (other.first_seen.known() &&
          (!into.first_seen.known() || other.first_seen.micros < into.first_seen.micros)) {
        into.first_seen = other.first_seen;
      }
      drop[members[k]] = true;
    }
    std::sort(into.pids.begin(), into.pids.end());
    into.pids.erase(std::unique(into.pids.begin(), into.pids.end()), into.pids.end());
    std::string listed;
    for (std::size_t k = 0; k < files.size() && k < 5; ++k) {
      listed += (k == 0 ? "" : ", ") + files[k];
    }
    if (files.size() > 5) {
      listed += fmt::format(" and {} more", files.size() - 5);
    }
    const auto& b = *into.blocker;
    into.explanation = fmt::format(
        "the directory {} ({}:{} mode {:04o}) blocks {} files under it ({}): it does not let the "
        "process {} it, so every file below fails the same way; the directory is the one thing "
        "to change",
        dir, b.owner.empty() ? std::to_string(b.uid) : b.owner,
        b.group.empty() ? std::to_string(b.gid) : b.group, b.mode, files.size(), listed,
        b.needed == "x" ? "enter" : "read");
    into.path = dir;
    into.referenced_from.reset();
    into.score += 10.0 * static_cast<double>(files.size() - 1);
    into.rank_reason += fmt::format("; {} denied files share this directory", files.size());
  }
  std::size_t w = 0;
  for (std::size_t i = 0; i < findings.size(); ++i) {
    if (!drop[i]) {
      if (w != i) {
        findings[w] = std::move(findings[i]);
      }
      ++w;
    }
  }
  findings.resize(w);
}

}  // namespace culprit::analyzer
