#include "analyzer/passes/pass_classify.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "analyzer/core/permission.h"
#include "analyzer/core/system_owners.h"
#include "analyzer/passes/similarity.h"
#include "tracer/model/syscall_table.h"

namespace culprit::analyzer {
namespace {

bool is_one_of(std::string_view s, std::initializer_list<std::string_view> list) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

// Whether `syscall` reaches a socket address the caller names (connect, sendto, sendmsg). Such
// calls are Network rows already; the check also covers a group whose family came from elsewhere.
bool sends_to_address(std::string_view syscall) {
  const tracer::SyscallInfo* row = tracer::find_syscall(syscall);
  return row != nullptr && row->has(tracer::Trait::SendsToAddress);
}

std::string octal(std::uint32_t mode) { return fmt::format("{:04o}", mode); }

Finding base_finding(const FailureGroup& g) {
  Finding f;
  f.errno_name = g.errno_name;
  f.syscall = g.syscall;
  f.path = g.path;
  f.address = g.address;
  f.count = g.count;
  f.pids = g.pids;
  std::sort(f.pids.begin(), f.pids.end());
  f.pids.erase(std::unique(f.pids.begin(), f.pids.end()), f.pids.end());
  f.first_seen = g.first_seen;
  f.last_seen = g.last_seen;
  f.evidence = g.evidence;
  f.process_uid = g.uid;
  f.process_gid = g.gid;
  f.wants_create = g.creates();
  f.searched = g.search_paths.size() >= 2;
  return f;
}

// "; it belongs to the installed package P ..." for a missing file a package ships, else "".
std::string package_note(const Finding& f) {
  if (f.package.empty()) {
    return {};
  }
  return fmt::format(
      "; it belongs to the installed package {}{}, so reinstalling the package restores it",
      f.package, f.package_conffile ? " (as a configuration file)" : "");
}

void classify_connection(const FailureGroup& g, const ClassifyContext& ctx, Finding& f) {
  f.kind = FindingKind::ConnectionRefused;
  if (const auto owner = ctx.owners.service_for_socket(g.path.empty() ? g.address : g.path)) {
    f.service = owner->service;
    f.service_tie = owner->tie;
  }
  const auto hint = [&](std::string_view where) {
    return f.service.empty()
               ? service_hint(where)
               : fmt::format("the service {} should listen there ({}): is it running?", f.service,
                             f.service_tie);
  };
  if (!g.path.empty()) {
    bool gone = g.errno_name == "ENOENT";
    if (ctx.fs.available()) {
      gone = !ctx.fs.stat(g.path).has_value();
    } else {
      f.log_only = true;
    }
    f.explanation =
        gone ? fmt::format("the socket {} is gone: {}", g.path, hint(g.path))
             : fmt::format(
                   "nothing accepts connections on the socket {} (a stale socket left by "
                   "a stopped service): {}",
                   g.path, hint(g.path));
  } else {
    f.path = g.address;
    f.explanation = fmt::format("nothing listens on {}: {}",
                                g.address.empty() ? "the address" : g.address, hint(g.address));
  }
}

// Whether a comma-separated mount option list holds `option`.
bool has_mount_option(std::string_view options, std::string_view option) {
  while (!options.empty()) {
    const auto comma = options.find(',');
    if (options.substr(0, comma) == option) {
      return true;
    }
    if (comma == std::string_view::npos) {
      break;
    }
    options.remove_prefix(comma + 1);
  }
  return false;
}

void classify_permission(const FailureGroup& g, const ClassifyContext& ctx, Finding& f) {
  f.kind = FindingKind::PermissionDenied;
  // A file the process wanted to create is not there to look at; its directory is what blocks.
  const bool walkable = ctx.fs.stat(g.path).has_value() ||
                        (g.creates() && ctx.fs.stat(std::string(dir_name(g.path))).has_value());
  if (!ctx.fs.available() || !walkable) {
    // No filesystem, or a log from another machine: this path is not here to walk.
    f.log_only = true;
    f.explanation =
        fmt::format("{} was denied ({}) to the process; the modes could not be checked ({})",
                    g.path, g.errno_name,
                    ctx.fs.available() ? "the path does not exist here: checked from the log only"
                                       : "log-only analysis");
    return;
  }
  AccessRequest req = access_for(g.syscall, g.open_flags, g.mode);
  req.uid = g.uid;
  req.gid = g.gid;
  f.blocker = find_blocker(ctx.fs, g.path, req);
  if (g.uid) {
    f.process_user = ctx.fs.user_name(*g.uid);
  }
  const std::string who =
      g.uid ? fmt::format("uid {}{}", *g.uid,
                          f.process_user.empty() ? "" : " (" + f.process_user + ")")
            : std::string("the process (uid unknown: judged as neither owner nor group)");
  if (f.blocker && g.gid && !f.process_user.empty() && !f.blocker->owner.empty()) {
    const auto only = [](const std::optional<std::vector<std::string>>& members,
                         std::initializer_list<std::string_view> allowed) {
      return members && std::all_of(members->begin(), members->end(), [&](const std::string& m) {
               return std::find(allowed.begin(), allowed.end(), m) != allowed.end();
             });
    };
    f.process_group_alone = only(ctx.fs.group_members(*g.gid), {f.process_user});
    f.blocker_group_regroupable =
        only(ctx.fs.group_members(f.blocker->gid), {f.blocker->owner, "root"});
  }
  if (f.blocker) {
    const auto& b = *f.blocker;
    const Grant grant =
        plan_grant(b, g.uid, g.gid, GroupFacts{f.process_group_alone, f.blocker_group_regroupable});
    const bool sensitive = is_sensitive_path(b.path) || is_sensitive_path(g.path);
    std::string remedy;
    if (sensitive) {
      remedy =
          "; it holds secrets: only that one user may be granted access (an ACL entry, "
          "ownership or group), never everyone";
    } else if (grant.via == Grant::Via::Mode) {
      remedy = fmt::format(
          "; {} {} gains {} (mode {}), other users nothing",
          grant.mode_class == 'u' ? "its owner" : "its group",
          grant.mode_class == 'u' ? who : (b.group.empty() ? std::to_string(b.gid) : b.group),
          bits_text(grant.bits), octal(grant.new_mode));
    } else if (grant.via == Grant::Via::Group) {
      remedy = fmt::format(
          "; its group {} holds no one but its owner and root, and the process's group (gid {}) "
          "no one but {}: the file's group becomes gid {} with {} (mode {}), other users nothing",
          b.group.empty() ? std::to_string(b.gid) : b.group, grant.new_gid, who, grant.new_gid,
          bits_text(grant.bits), octal(grant.new_mode));
    } else if (grant.via == Grant::Via::Acl) {
      remedy = fmt::format(
          "; the process is neither its owner nor in its group, so only an ACL entry grants {} "
          "'{}' without granting every user the same",
          who, bits_text(grant.bits));
    }
    f.explanation =
        fmt::format("{} {} {} is {}:{} mode {}, which does not let {} {} it{}",
                    b.is_directory ? "directory" : "file", b.path,
                    b.path == g.path ? "itself" : fmt::format("(on the way to {})", g.path),
                    b.owner.empty() ? std::to_string(b.uid) : b.owner,
                    b.group.empty() ? std::to_string(b.gid) : b.group, octal(b.mode), who,
                    b.needed == "x" && b.is_directory         ? "enter"
                    : b.needed.find('w') != std::string::npos ? "write"
                    : b.needed == "x"                         ? "execute"
                                                              : "read",
                    remedy);
  } else if (const auto mount = ctx.fs.mount_of(g.path);
             mount && g.syscall.starts_with("execve") &&
             has_mount_option(mount->options, "noexec")) {
    f.explanation = fmt::format(
        "{} is on {}, which is mounted noexec: the kernel runs no program from it, whatever the "
        "file's mode (run it from another filesystem, or through its interpreter, e.g. sh {}, "
        "if that is intended; remounting exec is a decision about the whole mount)",
        g.path, mount->point, g.path);
  } else {
    f.explanation = fmt::format(
        "{} was denied ({}) although the file modes allow {}: look at ACLs, SELinux/AppArmor, "
        "mount options (ro, noexec) or capabilities",
        g.path, g.errno_name, who);
  }
}

void classify_missing(const FailureGroup& g, const ClassifyContext& ctx, Finding& f);

void classify_unreachable(const FailureGroup& g, Finding& f) {
  f.kind = FindingKind::PeerUnreachable;
  const std::string where = g.path.empty() ? g.address : g.path;
  if (f.path.empty()) {
    f.path = where;
  }
  const std::string why =
      g.errno_name == "ETIMEDOUT"
          ? "the connection timed out: no answer at all, as when the host is down or a firewall "
            "drops the packets"
          : "there is no route to it: the host or its network is down, or this host's routes miss "
            "it";
  f.explanation = fmt::format("{} could not be reached ({}): {}; {}", where, g.errno_name, why,
                              service_hint(where));
}

bool is_shared_library_name(std::string_view name) {
  const auto so = name.find(".so");
  return so != std::string_view::npos && (so + 3 == name.size() || name[so + 3] == '.');
}

// "sh: 1: x: not found", "bash: x: command not found".
bool names_not_found(std::string_view line) {
  return line.find("not found") != std::string_view::npos;
}

// A name looked for in a list of places and found in none: a command along $PATH, a library
// along ld.so's directories, or any other search. Also a single failure that the program then
// reported as a missing command or library.
bool classify_search(const FailureGroup& g, const ClassifyContext& ctx, Finding& f) {
  const std::string_view base = base_name(g.path);
  const bool searched = g.search_paths.size() >= 2;
  const bool library = searched && is_shared_library_name(base);
  // A command run by its full path is a missing file, not a failed lookup: only a search, or a
  // bare name the shell reported as not found, is a command that is not there.
  const bool bare_name_reported =
      names_not_found(g.named_line) && g.named_line.find(g.path) == std::string::npos;
  const bool command =
      !library && (searched ? (g.family == tracer::Family::Exec || names_not_found(g.named_line))
                            : (g.family == tracer::Family::Exec && bare_name_reported));
  if (!library && !command && !searched) {
    return false;
  }
  std::string dirs;
  std::size_t shown = 0;
  for (const auto& p : g.search_paths) {
    if (shown++ == 8) {
      dirs += fmt::format(", ... ({} in all)", g.search_paths.size());
      break;
    }
    dirs += dirs.empty() ? "" : ", ";
    const auto d = dir_name(p);
    dirs += d.empty() ? std::string("(the current directory)") : std::string(d);
  }
  bool relative = false;
  for (const auto& p : g.search_paths) {
    relative = relative || (!p.empty() && p.front() != '/');
  }
  if (!command) {
    // A near-named file in one of the places tried is a typo, not a search that found nothing.
    Finding typo = f;
    classify_missing(g, ctx, typo);
    if (typo.kind == FindingKind::MistypedPath) {
      f = std::move(typo);
      return true;
    }
  }
  if (library) {
    f.kind = FindingKind::MissingLibrary;
    f.explanation = searched
                        ? fmt::format(
                              "the dynamic loader looked for {} in {} and found it in none: the "
                              "package that ships it is not installed, or its directory is not "
                              "in the loader's path (ld.so.conf, RPATH, LD_LIBRARY_PATH)",
                              base, dirs)
                        : fmt::format(
                              "the dynamic loader could not find {}: the package that ships it "
                              "is not installed, or its directory is not in the loader's path",
                              base);
    return true;
  }
  if (command) {
    f.kind = FindingKind::CommandNotFound;
    f.explanation =
        searched ? fmt::format(
                       "the command {} was looked for in {} and is in none of them: it is not "
                       "installed, or $PATH misses its directory{}",
                       base, dirs,
                       relative ? "; $PATH has a relative entry, looked up from the current "
                                  "directory"
                                : "")
                 : fmt::format(
                       "the command {} was not found: it is not installed, or $PATH misses its "
                       "directory",
                       base);
    return true;
  }
  f.kind = FindingKind::MissingPath;
  f.explanation = fmt::format("{} was looked for in {} and found in none of them", base, dirs);
  return true;
}

// PT_INTERP of an ELF executable (the dynamic loader the kernel runs it with), or "".
std::string elf_interpreter(std::string_view img) {
  auto u16 = [&](std::size_t o) -> std::uint64_t {
    return o + 2 <= img.size()
               ? (static_cast<unsigned char>(img[o]) |
                  static_cast<unsigned>(static_cast<unsigned char>(img[o + 1])) << 8)
               : 0;
  };
  auto uN = [&](std::size_t o, std::size_t n) -> std::uint64_t {
    std::uint64_t v = 0;
    if (o + n > img.size()) {
      return 0;
    }
    for (std::size_t i = 0; i < n; ++i) {
      v |= static_cast<std::uint64_t>(static_cast<unsigned char>(img[o + i])) << (8 * i);
    }
    return v;
  };
  if (img.size() < 52 ||
      img.substr(0, 4) !=
          "\x7f"
          "ELF" ||
      img[5] != 1) {
    return {};  // not ELF, or big-endian (not decoded)
  }
  const bool is64 = img[4] == 2;
  const std::uint64_t phoff = is64 ? uN(32, 8) : uN(28, 4);
  const std::uint64_t phentsize = is64 ? u16(54) : u16(42);
  const std::uint64_t phnum = is64 ? u16(56) : u16(44);
  for (std::uint64_t i = 0; i < phnum && i < 64; ++i) {
    const std::size_t ph = static_cast<std::size_t>(phoff + i * phentsize);
    if (uN(ph, 4) != 3) {  // PT_INTERP
      continue;
    }
    const std::uint64_t off = is64 ? uN(ph + 8, 8) : uN(ph + 4, 4);
    const std::uint64_t size = is64 ? uN(ph + 32, 8) : uN(ph + 16, 4);
    if (off >= img.size() || size == 0 || size > 4096 || off + size > img.size()) {
      return {};
    }
    std::string interp(img.substr(static_cast<std::size_t>(off), static_cast<std::size_t>(size)));
    if (const auto nul = interp.find('\0'); nul != std::string::npos) {
      interp.resize(nul);
    }
    return interp;
  }
  return {};
}

bool classify_interpreter(const FailureGroup& g, const ClassifyContext& ctx, Finding& f) {
  if (!ctx.fs.available() || (!ctx.fs.stat(g.path) && ctx.log.exists(g.path))) {
    if (ctx.log.exists(g.path)) {
      f.kind = FindingKind::BadInterpreter;
      f.log_only = true;
      f.explanation = fmt::format(
          "{} exists (the log shows it) but execve() said ENOENT: its #! interpreter or ELF loader "
          "is missing (checked from the log only)",
          g.path);
      return true;
    }
    return false;
  }
  const auto info = ctx.fs.stat(g.path);
  if (!info || !info->is_regular) {
    return false;
  }
  const auto head = ctx.fs.read(g.path, 64 << 10);
  if (!head) {
    return false;
  }
  const std::string& text = *head;
  f.kind = FindingKind::BadInterpreter;
  if (text.rfind("#!", 0) != 0) {
    const std::string interp = elf_interpreter(text);
    if (!interp.empty() && !ctx.fs.stat(interp)) {
      f.path = interp;  // the culprit is the loader the kernel looked for
      f.referenced_from = SourceLocation{g.path, 0, {}};
      f.explanation = fmt::format(
          "{} exists, but its ELF interpreter (the dynamic loader named in the binary) {} does "
          "not: the binary was built for another system or libc (e.g. musl on a glibc system), or "
          "the loader's package is missing",
          g.path, interp);
      return true;
    }
    f.explanation = fmt::format(
        "{} exists but execve() said ENOENT: its ELF interpreter (dynamic "
        "loader){} is missing or it is built for another architecture",
        g.path, interp.empty() ? std::string() : " " + interp);
    return true;
  }
  const auto nl = text.find('\n');
  const std::string line = text.substr(0, nl);
  std::size_t b = 2;
  while (b < line.size() && (line[b] == ' ' || line[b] == '\t')) {
    ++b;
  }
  std::size_t e = b;
  while (e < line.size() && line[e] != ' ' && line[e] != '\t') {
    ++e;
  }
  std::string interp = line.substr(b, e - b);
  std::string display_line = line;
  if (!display_line.empty() && display_line.back() == '\r') {
    display_line.pop_back();
  }
  f.referenced_from = SourceLocation{g.path, 1, display_line};
  f.path = interp;  // the culprit is the interpreter the kernel looked for; the script refers to it
  if (!interp.empty() && interp.back() == '\r') {
    const std::string clean = interp.substr(0, interp.size() - 1);
    f.bad_token = interp;
    f.good_token = clean;
    f.suggestion = clean;
    f.explanation = fmt::format(
        "{} starts with '#!{}' followed by a carriage return: the file has "
        "DOS line endings, so the kernel looks for '{}\\r'",
        g.path, clean, clean);
    return true;
  }
  if (ctx.fs.stat(interp)) {
    f.explanation = fmt::format(
        "{} exists and its interpreter {} exists, yet execve() said ENOENT: "
        "the interpreter's own loader or libraries are missing",
        g.path, interp);
    return true;
  }
  const auto dir = std::string(dir_name(interp));
  if (const auto sib = best_sibling(base_name(interp), ctx.fs.list(dir))) {
    f.suggestion = join_path(dir, *sib);
    f.bad_token = interp;
    f.good_token = *f.suggestion;
  }
  f.explanation =
      fmt::format("{} names the interpreter {} on its #! line, which does not exist{}", g.path,
                  interp, f.suggestion ? fmt::format("; {} does", *f.suggestion) : "");
  return true;
}

// Extensions of files people reference by name in code and configuration.
bool is_common_extension(std::string_view ext) {
  static constexpr std::string_view kCommon[] = {
      "php", "inc", "phtml", "py", "pl", "pm", "rb", "js", "mjs", "ts", "json", "yaml", "yml",
      "toml", "ini", "conf", "cnf", "cfg", "xml", "html", "htm", "css", "sh", "so", "txt", "csv",
      "pem", "crt", "key", "log", "sock", "tpl", "twig", "lua", "jar", "war", "sql", "db", "env",
      "properties", "service", "socket",
      // Also common, so that they are never taken for a typo of one of the above.
      "jsx", "tsx", "md", "rst", "gz", "bz2", "xz", "zst", "tar", "tgz", "zip", "bak", "old",
      "orig", "swp", "tmp", "lock", "pid", "dat", "bin", "png", "jpg", "jpeg", "gif", "svg", "ico",
      "woff", "ttf", "mo", "po", "pyc", "pyo", "phar", "map", "cache", "sqlite", "c", "h", "cc",
      "cpp", "hpp", "go", "rs", "java", "class", "erb", "hbs", "vue", "less", "scss", "sass", "ps1",
      "bat", "cmd", "exe", "dll", "deb", "rpm", "out", "err", "d", "a", "o", "la", "pc", "asc",
      "sig"};
  return std::find(std::begin(kCommon), std::end(kCommon), ext) != std::end(kCommon);
}

struct ExtensionGuess {
  std::string name;
  std::string bad_ext;
  std::string good_ext;
  std::size_t count = 0;
};

// The failing name with its extension replaced by a near extension (".phpp" -> ".php") that at
// least three names of the directory carry, when none carries the failing one.
std::optional<ExtensionGuess> dominant_extension_variant(std::string_view name,
                                                         const std::vector<std::string>& names) {
  const auto dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 >= name.size()) {
    return std::nullopt;
  }
  const std::string_view stem = name.substr(0, dot);
  const std::string_view ext = name.substr(dot + 1);
  std::map<std::string, std::size_t> counts;
  for (const auto& n : names) {
    const auto d = n.rfind('.');
    if (d == std::string::npos || d == 0) {
      continue;
    }
    ++counts[n.substr(d + 1)];
  }
  if (counts.count(std::string(ext)) != 0 || is_common_extension(ext)) {
    return std::nullopt;
  }
  std::optional<ExtensionGuess> best;
  for (const auto& [e, count] : counts) {
    // A common extension one edit away (".phpp" for ".php") needs one file that has it; any
    // other needs three, so that a directory's own convention is what is inferred.
    if (count < (is_common_extension(e) ? 1U : 3U) || edit_distance(ext, e, 1) > 1) {
      continue;
    }
    if (!best || count > best->count) {
      best = ExtensionGuess{fmt::format("{}.{}", stem, e), std::string(ext), e, count};
    }
  }
  return best;
}

void classify_missing_from_log(const FailureGroup& g, const ClassifyContext& ctx, Finding& f) {
  f.log_only = true;
  const std::string dir(dir_name(g.path));
  const auto names = ctx.log.names_in(dir);
  if (const auto sib = best_sibling(base_name(g.path), names)) {
    f.kind = FindingKind::MistypedPath;
    f.suggestion = join_path(dir, *sib);
    f.bad_token = std::string(base_name(g.path));
    f.good_token = *sib;
    f.explanation = fmt::format(
        "{} does not exist; the same directory holds {} (seen in the log): "
        "the name is mistyped (checked from the log only)",
        g.path, *f.suggestion);
    return;
  }
  // class-wp-locale.phpp failing while dozens of *.php in the same directory open fine: the
  // extension is the typo, even though the log never shows class-wp-locale.php itself.
  if (const auto guess = dominant_extension_variant(base_name(g.path), names)) {
    f.kind = FindingKind::MistypedPath;
    f.suggestion = join_path(dir, guess->name);
    f.bad_token = std::string(base_name(g.path));
    f.good_token = guess->name;
    f.explanation = fmt::format(
        "{} does not exist; no '.{}' file appears in the log while {} '.{}' files in {} were used: "
        "probably {} was meant (inferred from the log only, not verified)",
        g.path, guess->bad_ext, guess->count, guess->good_ext, dir, *f.suggestion);
    return;
  }
  // Nothing in the log to compare with, but the extension is one edit from a common one and is
  // not itself a known extension: ".phpp", ".conff", ".pyy" are typos wherever they appear.
  if (const auto dot = base_name(g.path).rfind('.');
      !g.creates() && dot != std::string_view::npos && dot > 0) {
    const std::string_view name = base_name(g.path);
    const std::string_view ext = name.substr(dot + 1);
    if (!ext.empty() && !is_common_extension(ext)) {
      std::string_view fix;
      for (const std::string_view e : {"php", "conf", "py", "ini", "so", "json", "yaml", "yml",
                                       "html", "xml", "sh", "js", "inc", "cnf", "cfg", "toml"}) {
        if (edit_distance(ext, e, 1) <= 1 && (fix.empty() || e.size() == ext.size() - 1)) {
          fix = e;
        }
      }
      if (!fix.empty()) {
        const std::string good = fmt::format("{}.{}", name.substr(0, dot), fix);
        f.kind = FindingKind::MistypedPath;
        f.suggestion = join_path(dir, good);
        f.bad_token = std::string(name);
        f.good_token = good;
        f.explanation = fmt::format(
            "{} does not exist; '.{}' is not a file extension in use, '.{}' is one edit away: "
            "probably {} was meant (inferred from the name only: the log does not show the "
            "directory, and it was not checked on disk)",
            g.path, ext, fix, *f.suggestion);
        return;
      }
    }
  }
  if (g.creates() && g.errno_name == "ENOENT" && !ctx.log.dir_exists(dir)) {
    f.kind = FindingKind::MissingDirectory;
    f.missing_directory = dir;
    f.explanation = fmt::format(
        "{} cannot be created because the directory {} (or one above it) "
        "does not exist (checked from the log only)",
        g.path, dir);
    return;
  }
  f.kind = FindingKind::MissingPath;
  f.explanation = fmt::format("{} does not exist{} (checked from the log only)", g.path,
                              ctx.log.dir_exists(dir) ? " although its directory does" : "");
}

void classify_missing(const FailureGroup& g, const ClassifyContext& ctx, Finding& f) {
  const std::string dir(dir_name(g.path));
  const bool absolute = !g.path.empty() && g.path.front() == '/';
  if (!ctx.fs.available() || !absolute || (!ctx.fs.stat(dir) && ctx.log.dir_exists(dir))) {
    classify_missing_from_log(g, ctx, f);
    return;
  }
  // The first component that does not exist.
  std::string missing;
  std::string parent = "/";
  std::size_t pos = 1;
  while (pos <= g.path.size()) {
    auto slash = g.path.find('/', pos);
    if (slash == std::string::npos) {
      slash = g.path.size();
    }
    const std::string prefix = g.path.substr(0, slash);
    if (slash > pos) {
      const auto info = ctx.fs.stat(prefix);
      if (!info) {
        missing = prefix;
        break;
      }
      if (!info->is_directory && slash < g.path.size()) {
        f.kind = FindingKind::MissingPath;
        f.explanation =
            fmt::format("{} cannot exist: {} is a file, not a directory", g.path, prefix);
        return;
      }
      parent = prefix;
    }
    pos = slash + 1;
  }
  if (missing.empty()) {
    f.kind = FindingKind::MissingPath;
    f.explanation = fmt::format("{} was missing when the process looked ({}), but exists now",
                                g.path, g.errno_name);
    return;
  }
  // A directory the log shows to exist, or a top-level one (/etc, /usr, /var), missing here
  // means a partial copy under --root (or a log from another machine), not a machine without
  // it: what is absent there is unknown, so the log decides.
  if (missing != g.path && (ctx.log.dir_exists(missing) || parent == "/")) {
    classify_missing_from_log(g, ctx, f);
    return;
  }
  const std::string missing_name(base_name(missing));
  if (const auto sib = best_sibling(missing_name, ctx.fs.list(parent))) {
    f.kind = FindingKind::MistypedPath;
    f.suggestion = join_path(parent, *sib) + g.path.substr(missing.size());
    f.bad_token = missing_name;
    f.good_token = *sib;
    f.explanation =
        fmt::format("{} does not exist; {} does: the name is mistyped", g.path, *f.suggestion);
    return;
  }
  // "/var/log/apache2/shop/": a trailing slash names a directory.
  const std::string_view whole = without_trailing_slashes(g.path);
  // A directory the program said it writes its files into (written_into), missing itself or
  // below a missing ancestor: it is made, like one an O_CREAT open failed in.
  const bool writes = g.creates() || g.written_into;
  if (missing == whole && !g.written_into) {
    f.kind = FindingKind::MissingPath;
    f.explanation =
        fmt::format("{} does not exist, and nothing with a similar name is in {}", g.path, parent);
    // A file a package ships, read (not created) and gone: the package restores it.
    if (!g.creates()) {
      if (const auto pkg = ctx.owners.package_owning(g.path)) {
        f.package = pkg->package;
        f.package_conffile = pkg->conffile;
        f.explanation += package_note(f);
      }
    }
    return;
  }
  f.kind = FindingKind::MissingDirectory;
  f.missing_directory = missing;
  if (g.written_into) {
    f.wants_create = true;
    f.explanation = fmt::format(
        "{} does not exist, and the process writes its files there{}", std::string(whole),
        missing == whole ? std::string() : fmt::format(" (from {} down)", missing));
  } else {
    f.explanation = fmt::format("{} cannot be {} because the directory {} does not exist", g.path,
                                g.creates() ? "created" : "opened", missing);
  }
  if (writes) {
    // The directory the process writes into: as the system defines it (tmpfiles.d), else owned by
    // the process with the mode of the directory it goes in (never writable by group or other
    // because the parent was), and the parent's group when the process owns the parent too
    // (Apache's root master in /var/log/apache2, root:adm 0750, makes root:adm 0750).
    const std::string target(g.written_into ? whole : dir_name(g.path));
    if (auto recorded = ctx.owners.statoverride_directory(target)) {
      f.create_spec = std::move(recorded);
    } else if (auto spec = ctx.owners.tmpfiles_directory(target)) {
      f.create_spec = std::move(spec);
    } else if (const auto parent_info = ctx.fs.stat(parent)) {
      const std::uint32_t uid = g.uid.value_or(0);
      const bool owns_parent = parent_info->uid == uid;
      DirectorySpec convention;
      convention.owner = std::to_string(uid);
      convention.group =
          std::to_string(owns_parent ? parent_info->gid : g.gid.value_or(g.uid.value_or(0)));
      convention.mode = (parent_info->mode & 0755U) | 0700U;
      convention.source =
          owns_parent ? fmt::format("like {} ({}, owner and group {}:{})", parent,
                                    octal(parent_info->mode), parent_info->uid, parent_info->gid)
                      : fmt::format("owned by the process, with the mode of {} ({})", parent,
                                    octal(parent_info->mode));
      f.create_spec = std::move(convention);
    }
    if (f.create_spec) {
      f.explanation +=
          fmt::format("; it is made {}:{} mode {} ({})", f.create_spec->owner, f.create_spec->group,
                      octal(f.create_spec->mode), f.create_spec->source);
    }
  }
}

}  // namespace

void LogFacts::add_existing(std::string_view path) {
  if (path.empty() || path.front() != '/') {
    return;
  }
  const auto dir = dir_name(path);
  const auto base = base_name(path);
  auto it = by_dir_.find(dir);
  if (it == by_dir_.end()) {
    it = by_dir_.emplace(std::string(dir), std::set<std::string>{}).first;
  }
  // Every ancestor exists too; a name seen before had its ancestors added then.
  if (!it->second.emplace(base).second) {
    return;
  }
  if (dir.size() > 1) {
    add_existing(dir);
  }
}

std::vector<std::string> LogFacts::names_in(std::string_view dir) const {
  const auto it = by_dir_.find(dir);
  if (it == by_dir_.end()) {
    return {};
  }
  return {it->second.begin(), it->second.end()};
}

bool LogFacts::exists(std::string_view path) const {
  const auto it = by_dir_.find(dir_name(path));
  return it != by_dir_.end() && it->second.count(std::string(base_name(path))) != 0;
}

bool LogFacts::dir_exists(std::string_view dir) const { return by_dir_.count(dir) != 0; }

std::string service_hint(std::string_view where) {
  struct Hint {
    std::string_view needle;
    std::string_view service;
  };
  static constexpr Hint kHints[] = {
      {"mysql", "mysqld/mariadb"}, {"mariadb", "mariadb"},     {":3306", "mysqld/mariadb"},
      {"PGSQL", "postgresql"},     {"postgres", "postgresql"}, {":5432", "postgresql"},
      {"php", "php-fpm"},          {":9000", "php-fpm"},       {"redis", "redis-server"},
      {":6379", "redis-server"},   {"memcache", "memcached"},  {":11211", "memcached"},
      {"mongo", "mongod"},         {":27017", "mongod"},       {"docker", "dockerd"},
      {"uwsgi", "uwsgi"},          {"gunicorn", "gunicorn"},   {"supervisor", "supervisord"},
  };
  for (const auto& h : kHints) {
    if (where.find(h.needle) != std::string_view::npos) {
      return fmt::format("is the service ({}) running?", h.service);
    }
  }
  return "is the service that should listen there running?";
}

Finding classify_group(const FailureGroup& g, const ClassifyContext& ctx) {
  Finding f = base_finding(g);
  const std::string& err = g.errno_name;
  // bind() and other creating calls fail with ENOENT on a missing directory, not a missing peer.
  const bool connect_like =
      !g.creates() && (g.family == tracer::Family::Network || sends_to_address(g.syscall));
  if (connect_like && is_one_of(err, {"ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH"})) {
    classify_unreachable(g, f);
    return f;
  }
  if (connect_like && is_one_of(err, {"ECONNREFUSED", "ENOENT", "ECONNABORTED", "EADDRNOTAVAIL"})) {
    classify_connection(g, ctx, f);
    return f;
  }
  if (is_one_of(err, {"EACCES", "EPERM"}) && !g.path.empty()) {
    classify_permission(g, ctx, f);
    return f;
  }
  if (g.family == tracer::Family::Exec && is_one_of(err, {"ENOENT", "ENOEXEC"}) &&
      classify_interpreter(g, ctx, f)) {
    return f;
  }
  if (is_one_of(err, {"ENOENT", "ENOTDIR"}) && classify_search(g, ctx, f)) {
    return f;
  }
  if (is_one_of(err, {"ENOENT", "ENOTDIR", ""}) && !g.path.empty()) {
    classify_missing(g, ctx, f);
    // A library the loader (or dlopen) reported missing, with no near-named file to point at.
    if (f.kind == FindingKind::MissingPath && is_shared_library_name(base_name(g.path)) &&
        (g.named_line.find("shared librar") != std::string::npos ||
         g.named_line.find("shared object") != std::string::npos)) {
      f.kind = FindingKind::MissingLibrary;
      f.explanation = fmt::format(
          "{} could not be loaded: it does not exist; the package that ships it is not installed, "
          "or the name or directory that asks for it is wrong",
          g.path);
    }
    return f;
  }
  f.kind = FindingKind::Other;
  static constexpr std::pair<std::string_view, std::string_view> kWhy[] = {
      {"EROFS", "the filesystem is mounted read-only"},
      {"ENOSPC", "the filesystem is full"},
      {"EDQUOT", "the user's disk quota is exhausted"},
      {"EMFILE", "the process ran out of file descriptors (raise its `ulimit -n` / LimitNOFILE)"},
      {"ENFILE", "the system ran out of file descriptors (fs.file-max)"},
      {"EISDIR", "a directory was opened as a file"},
      {"ELOOP", "the path has a symbolic link loop"},
      {"ENAMETOOLONG", "the path is too long"},
      {"EADDRINUSE", "another process already listens on that address"},
      {"ENOMEM", "the process ran out of memory"},
      {"EBADF", "the process used a closed file descriptor"},
  };
  for (const auto& [name, why] : kWhy) {
    if (err == name) {
      f.explanation = fmt::format("{}{} failed with {}: {}", g.syscall,
                                  g.path.empty() ? std::string() : " on " + g.path, err, why);
      return f;
    }
  }
  f.explanation = g.path.empty() ? fmt::format("{} failed with {}", g.syscall, err)
                                 : fmt::format("{} on {} failed with {}", g.syscall, g.path, err);
  return f;
}

Finding finding_from_message(const MessageHit& hit, FindingKind kind, std::string path) {
  Finding f;
  f.kind = kind;
  f.path = std::move(path);
  f.count = hit.count;
  f.pids = {hit.pid};
  f.first_seen = hit.time;
  f.last_seen = hit.time;
  f.evidence = {hit.evidence};
  f.message = hit.text;
  return f;
}

std::optional<Finding> classify_message(const MessageHit& hit, const Rules& rules) {
  if (hit.rule == nullptr || !hit.path.empty()) {
    return std::nullopt;
  }
  const MessageRule& rule = *hit.rule;
  const bool config = (rule.kind && *rule.kind == FindingKind::ConfigError) ||
                      (hit.continuation != nullptr && hit.continuation->kind &&
                       *hit.continuation->kind == FindingKind::ConfigError);
  // A bare location (a traceback frame, "in FILE on line N") says where, not what: it is a
  // finding only with a bad word or as a configuration error.
  if (!config && (hit.file.empty() || hit.token.empty())) {
    return std::nullopt;
  }
  Finding f =
      finding_from_message(hit, config ? FindingKind::ConfigError : FindingKind::Other, hit.file);
  if (!hit.file.empty()) {
    f.referenced_from = SourceLocation{hit.file, hit.line, {}};
  }
  f.bad_token = hit.token;
  const MessageRule& token_rule = hit.continuation != nullptr ? *hit.continuation : rule;
  if (!hit.token.empty() && !token_rule.words.empty()) {
    if (const WordList* list = rules.words(token_rule.words)) {
      if (auto w = nearest_word(hit.token, list->words, list->case_insensitive)) {
        const bool same =
            list->case_insensitive ? edit_distance(*w, hit.token, 0, true) == 0 : *w == hit.token;
        if (!same) {
          f.good_token = *w;
        }
      }
    }
  }
  const std::string where =
      hit.file.empty() ? std::string("the configuration")
                       : (hit.line != 0 ? fmt::format("{} line {}", hit.file, hit.line) : hit.file);
  if (!f.bad_token.empty() && !f.good_token.empty()) {
    f.explanation = fmt::format("{}: '{}' is not a known directive; did you mean '{}'?{}", where,
                                f.bad_token, f.good_token,
                                token_rule.words == "apache-directives"
                                    ? " (Apache directive names are case-insensitive, so only "
                                      "the spelling matters)"
                                    : "");
  } else if (!f.bad_token.empty()) {
    f.explanation =
        fmt::format("{}: {}: '{}'", where,
                    token_rule.why.empty() ? std::string("error") : token_rule.why, f.bad_token);
  } else {
    f.explanation =
        fmt::format("{}: {}", where, rule.why.empty() ? std::string("error") : rule.why);
  }
  return f;
}

void finish_explanation(Finding& f) {
  if (!f.referenced_from || f.referenced_from->file.empty() || f.path.empty()) {
    return;
  }
  const auto& ref = *f.referenced_from;
  if (f.kind == FindingKind::ConfigError || f.kind == FindingKind::BadInterpreter ||
      ref.file == f.path) {
    return;
  }
  const std::string_view text = ref.text;
  std::string verb = "refers to";
  if (text.find("require") != std::string_view::npos) {
    verb = "requires";
  } else if (text.find("include") != std::string_view::npos ||
             text.find("Include") != std::string_view::npos) {
    verb = "includes";
  } else if (text.find("LoadModule") != std::string_view::npos ||
             text.find("load") != std::string_view::npos) {
    verb = "loads";
  }
  const std::string where = ref.line != 0 ? fmt::format("{} line {}", base_name(ref.file), ref.line)
                                          : std::string(base_name(ref.file));
  switch (f.kind) {
    case FindingKind::MistypedPath:
      if (f.log_only) {
        f.explanation = fmt::format(
            "{} {} {}, which does not exist; the log points to {}: the name is mistyped (checked "
            "from the log only, not on disk).",
            where, verb, f.path, f.suggestion.value_or("a similar name"));
      } else {
        f.explanation =
            fmt::format("{} {} {}, which does not exist; {} does: the name is mistyped.", where,
                        verb, f.path, f.suggestion.value_or("a similar name"));
      }
      break;
    case FindingKind::MissingPath:
      f.explanation =
          fmt::format("{} {} {}, which does not exist{}.", where, verb, f.path, package_note(f));
      break;
    case FindingKind::MissingDirectory:
      f.explanation = fmt::format(
          "{} {} {}, but the directory {} does not exist.", where, verb, f.path,
          f.missing_directory.empty() ? std::string(dir_name(f.path)) : f.missing_directory);
      break;
    default:
      f.explanation += fmt::format(" ({} {} it.)", where, verb);
      break;
  }
}

}  // namespace culprit::analyzer
