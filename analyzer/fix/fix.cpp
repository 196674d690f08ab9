// Finding -> Fix: picks the rules/fixes.yaml variant that fits what the finding holds, computes the
// raw values, quotes each one for the template's language (analyzer/core/quote), and expands.
#include "analyzer/fix/fix.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "analyzer/core/paths.h"
#include "analyzer/core/permission.h"
#include "analyzer/core/quote.h"
#include "analyzer/core/system_owners.h"

namespace culprit::analyzer {

std::size_t fix_span(const Report& report, std::size_t top_n) {
  std::size_t actionable = 0;
  std::size_t last = 0;  // findings [0, last) are written
  for (std::size_t i = 0; i < report.findings.size() && actionable < top_n; ++i) {
    if (report.findings[i].fix && report.findings[i].fix->actionable) {
      ++actionable;
      last = i + 1;
    }
  }
  return std::min(report.findings.size(), std::max(last, top_n));
}

std::string assemble_fixes(const Report& report, std::size_t top_n, const FixLayout& layout) {
  const std::size_t n = fix_span(report, top_n);
  std::size_t actionable = 0;
  for (std::size_t i = 0; i < n; ++i) {
    actionable += report.findings[i].fix && report.findings[i].fix->actionable ? 1 : 0;
  }
  FixValues header_values;
  header_values["inputs_text"] = inputs_comment(report);
  header_values["count"] = std::to_string(n);
  header_values["fixes"] = std::to_string(actionable);
  header_values["checks"] = std::to_string(n - actionable);

  std::string out = FixTemplates::expand(layout.header, header_values);
  out += '\n';
  std::string body;
  std::map<std::string, std::size_t> seen_keys;
  std::set<std::string> shared_seen;
  std::vector<const std::string*> shared;
  for (std::size_t i = 0; i < n; ++i) {
    const Finding& f = report.findings[i];
    if (!f.fix) {
      continue;
    }
    if (!f.fix->key.empty()) {
      const auto [it, inserted] = seen_keys.emplace(f.fix->key, i + 1);
      if (!inserted) {
        body += fmt::format("# culprit finding {} ({}): the same change as finding {} above.\n\n",
                            i + 1, to_string(f.kind), it->second);
        continue;
      }
    }
    layout.append(body, (*f.fix).*layout.body);
    const std::string& block = (*f.fix).*layout.shared;
    if (!block.empty() && shared_seen.insert(block).second) {
      shared.push_back(&block);
    }
  }
  for (const auto* block : shared) {
    layout.append(body, *block);
  }
  if (layout.wrap_open.empty()) {
    out += body;
  } else {
    // Inside a wrapper (a Puppet class): every non-empty line indented by two spaces.
    while (body.ends_with("\n\n")) {
      body.pop_back();
    }
    out += layout.wrap_open;
    std::size_t start = 0;
    while (start < body.size()) {
      std::size_t end = body.find('\n', start);
      end = end == std::string::npos ? body.size() : end;
      if (end > start) {
        out += "  ";
        out.append(body, start, end - start);
      }
      out += '\n';
      start = end + 1;
    }
    out += layout.wrap_close;
  }
  out += FixTemplates::expand(layout.footer, header_values);
  return out;
}

std::string inputs_comment(const Report& report) {
  constexpr std::size_t kMaxColumns = 100;
  std::vector<std::string> lines;
  for (const auto& in : report.inputs) {
    lines.push_back(display_text(in));
  }
  if (lines.empty()) {
    lines.push_back(display_text(report.mode));
  }
  std::string out;
  for (auto& line : lines) {
    if (line.size() > kMaxColumns) {
      // Cut at a UTF-8 boundary: display_text output is valid UTF-8.
      std::size_t cut = kMaxColumns;
      while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) {
        --cut;
      }
      line = line.substr(0, cut) + "...";
    }
    out += out.empty() ? "" : "\n";
    out += "#   ";
    out += line;
  }
  return out;
}

namespace {

// What the fixer decided for one finding, before any quoting.
struct Plan {
  std::string variant;
  FixValues data;   // raw bytes from the trace
  FixValues plain;  // safe ASCII made here; "title", "mode", "owner", "group"
                    // are quoted later
  FixValues code;   // sh commands composed here from shell_quote'd words
  const ReloadRule* reload = nullptr;
  // Without a reload rule, {reload} says "no reload: read again next time" (edits of files read
  // per use); a variant whose change matters only to a server that names it says nothing.
  bool silent_without_reload = false;
  std::string key;
};

bool is_absolute(std::string_view p) { return !p.empty() && p.front() == '/'; }

std::string replace_all(std::string_view text, std::string_view from, std::string_view to) {
  std::string out;
  std::size_t pos = 0;
  while (true) {
    const std::size_t hit = text.find(from, pos);
    if (hit == std::string_view::npos) {
      out += text.substr(pos);
      return out;
    }
    out += text.substr(pos, hit - pos);
    out += to;
    pos = hit + from.size();
  }
}

// The sed command replacing every `bad` by `good` on `line` (0: every line), or nullopt when the
// edit cannot be written safely or would not converge: sed's g flag replaces non-overlapping
// matches left to right, like replace_all, so if the replaced text still holds `bad` the guard
// would fire again on the next run (e.g. good = "x.php", bad = "x.ph").
std::optional<std::string> sed_script(std::string_view bad, std::string_view good,
                                      std::uint64_t line, std::string_view line_text) {
  if (bad.empty() || good.empty()) {
    return std::nullopt;
  }
  // When the good token contains the bad one ("LoadModul" -> "LoadModule"), a substitution of every
  // match would also hit correct occurrences, and "the line holds the bad token" stays true after
  // the fix. Then only a line known to hold the bad token exactly once and not the good one is
  // edited (first match only), and the guard also requires the good one absent.
  const bool grown = good.find(bad) != std::string_view::npos;
  bool global = true;
  if (grown) {
    if (line == 0 || line_text.empty() || line_text.find(good) != std::string_view::npos ||
        line_text.find(bad) == std::string_view::npos ||
        line_text.find(bad, line_text.find(bad) + 1) != std::string_view::npos) {
      return std::nullopt;
    }
    global = false;
  } else if (!line_text.empty() &&
             replace_all(line_text, bad, good).find(bad) != std::string::npos) {
    return std::nullopt;
  }
  const auto delim = sed_delimiter(bad, good);
  if (!delim) {
    return std::nullopt;
  }
  const auto re = sed_regex_literal(bad, *delim);
  const auto rep = sed_replacement_literal(good, *delim);
  if (!re || !rep) {
    return std::nullopt;
  }
  const std::string address = line == 0 ? "" : std::to_string(line);
  return fmt::format("{}s{}{}{}{}{}{}", address, *delim, *re, *delim, *rep, *delim,
                     global ? "g" : "");
}

// An sh command that succeeds while the edit is still needed (see sed_script).
std::string edit_guard(std::string_view file, std::uint64_t line, std::string_view bad,
                       std::string_view good) {
  const bool grown = good.find(bad) != std::string_view::npos;
  std::string cmd;
  if (line != 0) {
    cmd = fmt::format("LC_ALL=C sed -n '{}p' -- {} | LC_ALL=C grep {}F -e {}", line,
                      shell_quote(file), grown ? "-" : "-q", shell_quote(bad));
  } else {
    cmd = fmt::format("LC_ALL=C grep -qF -e {} -- {}", shell_quote(bad), shell_quote(file));
  }
  if (grown) {
    cmd += fmt::format(" | LC_ALL=C grep -qvF -e {}", shell_quote(good));
  }
  return cmd;
}

void add_common(Plan& plan, const Finding& f, std::size_t index) {
  plan.data["path"] = f.path;
  plan.data["explanation"] = f.explanation;
  plan.data["message"] = f.message;
  plan.data["address"] = f.address;
  plan.plain["rank"] = std::to_string(index);
  plan.plain["kind"] = std::string(to_string(f.kind));
  plan.plain["title"] = fmt::format("culprit-{}-{}", to_string(f.kind), index);
}

// Edit of the referencing file: edit-line (line known), edit-file, or edit-config; false when the
// finding lacks what it needs or the edit cannot be written safely.
bool plan_edit(Plan& plan, const Finding& f, const FixTemplates& templates, bool config) {
  if (!f.referenced_from || f.bad_token.empty() || f.good_token.empty() ||
      !is_absolute(f.referenced_from->file)) {
    return false;
  }
  const SourceLocation& loc = *f.referenced_from;
  std::uint64_t line = loc.line;
  if (f.kind == FindingKind::BadInterpreter && line == 0) {
    line = 1;  // a #! line is the first line by definition
  }
  if (!config && (!f.suggestion || !is_absolute(*f.suggestion))) {
    return false;
  }
  if (config && line == 0) {
    return false;
  }
  const auto script = sed_script(f.bad_token, f.good_token, line, loc.text);
  if (!script) {
    return false;
  }
  plan.variant = config ? "edit-config" : (line == 0 ? "edit-file" : "edit-line");
  plan.data["file"] = loc.file;
  plan.data["bad_token"] = f.bad_token;
  plan.data["good_token"] = f.good_token;
  plan.data["sed_script"] = *script;
  plan.code["guard"] = edit_guard(loc.file, line, f.bad_token, f.good_token);
  if (!config) {
    plan.data["target"] = *f.suggestion;
  }
  plan.plain["line"] = std::to_string(line);
  plan.reload = templates.reload_for(loc.file);
  plan.key = fmt::format("edit:{}:{}:{}", loc.file, line, f.bad_token);
  return true;
}

// A script whose #! line ends in a carriage return has DOS line endings throughout: every line
// of it carries one (`set -e\r` fails next), so the whole file is converted, not line 1 only.
bool plan_dos_line_endings(Plan& plan, const Finding& f, const FixTemplates& templates) {
  if (!f.referenced_from || !is_absolute(f.referenced_from->file) || f.bad_token.size() < 2 ||
      f.bad_token.back() != '\r' ||
      f.good_token != std::string_view(f.bad_token).substr(0, f.bad_token.size() - 1) ||
      !is_absolute(f.good_token)) {
    return false;
  }
  const std::string& file = f.referenced_from->file;
  plan.variant = "dos-line-endings";
  plan.data["file"] = file;
  plan.data["target"] = f.good_token;
  plan.data["sed_script"] = "s/\\r$//";  // GNU sed: \r is a carriage return
  plan.code["guard"] =
      fmt::format("LC_ALL=C grep -q \"$(printf '\\r')\\$\" -- {}", shell_quote(file));
  plan.reload = templates.reload_for(file);
  plan.key = "dos:" + file;
  return true;
}

// Configuration read by a server or an interpreter at start, where a directive naming a file that
// is gone can be commented out (Apache, nginx, php-fpm pools, php.ini, my.cnf, .htaccess).
bool is_configuration_file(std::string_view file) {
  const std::string_view name = base_name(file);
  return file.starts_with("/etc/") || name == ".htaccess" || name == ".user.ini" ||
         name.ends_with(".conf") || name.ends_with(".ini") || name.ends_with(".cnf");
}

// A directive of a configuration file that names a path which is gone and which nothing restores
// (no near-named sibling, no package): its one line is commented out, keeping a copy of the file.
// False when the referrer is code, the line is unknown, or the line does not name the path.
bool plan_comment_out(Plan& plan, const Finding& f, const FixTemplates& templates) {
  if (!f.referenced_from || f.suggestion || !f.package.empty()) {
    return false;
  }
  const SourceLocation& loc = *f.referenced_from;
  const std::string_view text = loc.text;
  const std::size_t first = text.find_first_not_of(" \t");
  if (loc.line == 0 || !is_absolute(loc.file) || !is_configuration_file(loc.file) ||
      first == std::string_view::npos || text[first] == '#' || text[first] == ';' ||
      text.find('\n') != std::string_view::npos ||
      (text.find(f.path) == std::string_view::npos &&
       text.find(base_name(f.path)) == std::string_view::npos)) {
    return false;
  }
  // php.ini and friends comment with ';' (PHP no longer accepts '#' there).
  const bool ini = loc.file.ends_with(".ini");
  plan.variant = "comment-directive";
  plan.data["file"] = loc.file;
  plan.data["backup"] = loc.file + ".culprit-bak";
  plan.data["sed_script"] =
      fmt::format("{}s/^/{} culprit: names a missing file: /", loc.line, ini ? ';' : '#');
  plan.code["guard"] = fmt::format(
      "LC_ALL=C sed -n '{}p' -- {} | LC_ALL=C grep -v '^[[:space:]]*[#;]' | LC_ALL=C grep -qF -e "
      "{}",
      loc.line, shell_quote(loc.file), shell_quote(text.substr(first)));
  plan.plain["line"] = std::to_string(loc.line);
  plan.reload = templates.reload_for(loc.file);
  plan.key = fmt::format("comment:{}:{}", loc.file, loc.line);
  return true;
}

// A file restored or a directory made for a server that names it in its configuration (TypesConfig,
// ErrorLog): the server reads it at start, so the service that reads that configuration reloads
// (rules/fixes.yaml reloads); null when no rule covers the configuration file.
const ReloadRule* reload_for_referrer(const Finding& f, const FixTemplates& templates) {
  if (!f.referenced_from || !is_absolute(f.referenced_from->file) ||
      !is_configuration_file(f.referenced_from->file)) {
    return nullptr;
  }
  return templates.reload_for(f.referenced_from->file);
}

// Words that go into a command unquoted: an Apache module's name, Debian's a2enmod name.
bool is_module_word(std::string_view s, std::string_view extra) {
  return !s.empty() && s.size() <= 64 && s.front() != '-' &&
         std::all_of(s.begin(), s.end(), [&](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || extra.find(c) != std::string_view::npos;
         });
}

// A directive of a module the configuration does not load (analyzer/passes/server_catalog):
// Debian's a2enmod for the system's Apache, else a LoadModule line where the file allows one, the
// file copied first.
bool plan_load_module(Plan& plan, const Finding& f, const FixTemplates& templates) {
  if (!f.module_to_load || !f.referenced_from || f.referenced_from->line == 0) {
    return false;
  }
  const ModuleToLoad& m = *f.module_to_load;
  const SourceLocation& loc = *f.referenced_from;
  const bool debian = !m.available.empty() && is_module_word(m.available, ".+-") &&
                      loc.file.starts_with("/etc/apache2/");
  // The module's path goes into a sed `i` command: only plain path characters.
  const bool insertable = m.insert_before != 0 && is_absolute(m.insert_file) &&
                          is_absolute(m.path) && is_module_word(m.path, "/.+-") &&
                          m.anchor.find('\n') == std::string::npos;
  if (!is_module_word(m.name, "") || (!debian && !insertable)) {
    return false;
  }
  plan.data["file"] = loc.file;
  plan.data["bad_token"] = f.bad_token;
  plan.plain["module_name"] = m.name;
  plan.plain["line"] = std::to_string(loc.line);
  if (debian) {
    plan.variant = "enable-module";
    plan.plain["module"] = m.available;
    plan.reload = templates.reload_for(loc.file);
    plan.key = "a2enmod:" + m.available;
    return true;
  }
  plan.variant = "load-module";
  plan.data["file"] = m.insert_file;
  plan.data["backup"] = m.insert_file + ".culprit-bak";
  plan.data["module_path"] = m.path;
  plan.plain["before"] = std::to_string(m.insert_before);
  plan.data["sed_script"] = fmt::format("{}i LoadModule {} {}", m.insert_before, m.name, m.path);
  // Only while the line it goes before is still the one seen, and no LoadModule of the module
  // is active in the file.
  plan.code["guard"] = fmt::format(
      "LC_ALL=C sed -n '{}p' -- {} | LC_ALL=C grep -qxF -e {} && ! LC_ALL=C grep -qiE {} -- {}",
      m.insert_before, shell_quote(m.insert_file), shell_quote(m.anchor),
      shell_quote(fmt::format("^[[:space:]]*LoadModule[[:space:]]+{}[[:space:]]", m.name)),
      shell_quote(m.insert_file));
  plan.reload = templates.reload_for(m.insert_file);
  plan.key = fmt::format("loadmodule:{}:{}", m.insert_file, m.name);
  return true;
}

Plan make_plan(const Finding& f, std::size_t index, const FixTemplates& templates) {
  Plan plan;
  add_common(plan, f, index);
  plan.key = fmt::format("check:{}:{}:{}", to_string(f.kind), f.path, f.address);
  switch (f.kind) {
    case FindingKind::MistypedPath:
      if (plan_edit(plan, f, templates, false)) {
        break;
      }
      if (f.suggestion) {
        plan.variant = "link-hint";
        plan.data["target"] = *f.suggestion;
      } else {
        plan.variant = "require";
      }
      break;
    case FindingKind::MissingPath:
      plan.variant = "require";
      if (!f.package.empty() && is_package_name(f.package) && is_absolute(f.path)) {
        // The package that ships the file restores it; a conffile an admin deleted stays deleted
        // on a plain reinstall, so dpkg is told to restore missing ones.
        plan.variant = "reinstall";
        plan.plain["package"] = f.package;
        plan.plain["conffile_note"] =
            f.package_conffile ? "a configuration file of the package: --force-confmiss brings it "
                                 "back, other configuration files are left as they are"
                               : "a file of the package: a reinstall puts it back";
        plan.key = "package:" + f.package;
        plan.reload = reload_for_referrer(f, templates);
        plan.silent_without_reload = true;
        break;
      }
      plan_comment_out(plan, f, templates);
      break;
    case FindingKind::MissingDirectory: {
      // The directory the process needs: the path itself when it is the first absent component
      // (chdir/opendir of it) or one the process writes its files into ("/var/log/x/"), else the
      // path's parent; mkdir -p makes any absent ancestors.
      const std::string_view whole = without_trailing_slashes(f.path);
      const bool itself = (!f.missing_directory.empty() && f.missing_directory == whole) ||
                          (f.wants_create && whole.size() < f.path.size());
      const std::string dir(itself ? whole : dir_name(f.path));
      if (!is_absolute(dir) || dir == "/") {
        plan.variant = "advise";
        break;
      }
      if (!f.wants_create && !itself) {
        // The process reads something inside: an empty directory would not give it that. A
        // directive naming it is not commented out either: a missing directory is more often one
        // to restore or create (logs, caches) than a stale line, and dropping a log directive
        // loses the log.
        plan.variant = "advise-missing-dir";
        plan.data["dir"] = dir;
        plan.key = "check:" + f.path;
        break;
      }
      plan.variant = "create";
      plan.data["dir"] = dir;
      // As the system defines the directory (tmpfiles.d) or the convention of its parent
      // (pass_classify); without either, owned by the process's uid, 0755.
      DirectorySpec spec{std::to_string(f.process_uid.value_or(0)),
                         std::to_string(f.process_gid.value_or(f.process_uid.value_or(0))), 0755,
                         "owned by the process"};
      if (f.create_spec && is_account_name(f.create_spec->owner) &&
          is_account_name(f.create_spec->group)) {
        spec = *f.create_spec;
      }
      plan.plain["owner"] = spec.owner;
      plan.plain["group"] = spec.group;
      plan.plain["mode"] = fmt::format("{:04o}", spec.mode & 07777);
      plan.plain["mode_octal"] = fmt::format("{:o}", spec.mode & 07777);
      plan.plain["spec_source"] = spec.source.find_first_of("\n'\"\\") == std::string::npos
                                      ? display_text(spec.source)
                                      : std::string("the system's definition");
      plan.key = "mkdir:" + dir;
      plan.reload = reload_for_referrer(f, templates);
      plan.silent_without_reload = true;
      break;
    }
    case FindingKind::PermissionDenied: {
      // Least privilege (analyzer/core/permission plan_grant): the denied principal alone gets
      // exactly the bits the failing call lacked: a mode bit of the class it is in (owner or
      // group), else an ACL entry for its uid. Nothing is ever added for "other". A file holding
      // secrets (or a directory on the way to one) is not changed at all: the check names the one
      // grant a person may decide to make.
      if (!f.blocker || !is_absolute(f.blocker->path)) {
        plan.variant = "advise";
        break;
      }
      const PermissionBlocker& b = *f.blocker;
      const Grant grant =
          plan_grant(b, f.process_uid, f.process_gid,
                     GroupFacts{f.process_group_alone, f.blocker_group_regroupable});
      if (grant.via == Grant::Via::Nothing) {
        plan.variant = "advise";
        break;
      }
      const bool sensitive = is_sensitive_path(b.path) || is_sensitive_path(f.path);
      const std::string needed = bits_text(grant.bits);
      const std::string who =
          fmt::format("uid {}{}", *f.process_uid,
                      f.process_user.empty() ? "" : " (" + display_text(f.process_user) + ")");
      plan.data["blocker"] = b.path;
      plan.plain["current_mode"] = fmt::format("{:04o}", b.mode & 07777);
      plan.plain["needed"] = needed;
      plan.plain["reader"] = std::to_string(*f.process_uid);
      plan.plain["reader_gid"] = std::to_string(f.process_gid.value_or(*f.process_uid));
      if (sensitive) {
        plan.variant = "advise-private";
        plan.plain["test_op"] = (grant.bits & access_bit::Write) != 0                ? "-w"
                                : (b.is_directory || grant.bits == access_bit::Exec) ? "-x"
                                                                                     : "-r";
        plan.key = "check:" + b.path;
        break;
      }
      if (grant.via == Grant::Via::Mode) {
        const unsigned shift = grant.mode_class == 'u' ? 6 : 3;
        plan.variant = "chmod";
        plan.plain["mode"] = fmt::format("{:04o}", grant.new_mode);
        plan.plain["symbolic"] = fmt::format("{}+{}", grant.mode_class, needed);
        plan.plain["class_mask"] = fmt::format("0{:o}", grant.bits << shift);
        plan.plain["grant"] =
            grant.mode_class == 'u'
                ? fmt::format(
                      "{} owns it and lacked '{}': its owner bits gain '{}'; group and "
                      "other users gain nothing",
                      who, needed, needed)
                : fmt::format(
                      "{} is in its group (gid {}) and lacked '{}': the group bits gain "
                      "'{}'; other users gain nothing",
                      who, b.gid, needed, needed);
        plan.key = "mode:" + b.path;
        break;
      }
      if (grant.via == Grant::Via::Group) {
        plan.variant = "chgrp";
        plan.plain["reader_gid"] = std::to_string(grant.new_gid);
        plan.plain["symbolic"] = fmt::format("g+{}", needed);
        plan.plain["class_mask"] = fmt::format("0{:o}", grant.bits << 3);
        plan.plain["mode"] = fmt::format("{:04o}", grant.new_mode);
        plan.plain["grant"] = fmt::format(
            "{} is neither its owner nor in its group and lacked '{}'; its group ({}) holds no "
            "one but its owner and root, and gid {} no one but that user: the group becomes gid "
            "{} with '{}'; other users gain nothing",
            who, needed, b.group.empty() ? std::to_string(b.gid) : display_text(b.group),
            grant.new_gid, grant.new_gid, needed);
        plan.key = "mode:" + b.path;
        break;
      }
      plan.variant = "acl";
      plan.plain["acl_perms"] =
          fmt::format("{}{}{}", (grant.bits & access_bit::Read) != 0 ? 'r' : '-',
                      (grant.bits & access_bit::Write) != 0 ? 'w' : '-',
                      (grant.bits & access_bit::Exec) != 0 ? 'x' : '-');
      plan.plain["grant"] = fmt::format(
          "{} is neither its owner nor in its group and lacked '{}': an ACL entry gives that uid "
          "alone '{}'; owner, group and other users keep what they had",
          who, needed, needed);
      plan.key = "acl:" + b.path;
      break;
    }
    case FindingKind::ConfigError:
      if (plan_load_module(plan, f, templates) || plan_edit(plan, f, templates, true)) {
        break;
      }
      if (f.referenced_from && !f.bad_token.empty() && f.referenced_from->line != 0 &&
          f.bad_token.find('\n') == std::string::npos) {
        plan.variant = "advise-token";
        plan.data["file"] = f.referenced_from->file;
        plan.data["bad_token"] = f.bad_token;
        plan.plain["line"] = std::to_string(f.referenced_from->line);
      } else {
        plan.variant = "advise";
      }
      break;
    case FindingKind::ConnectionRefused:
      plan.variant = is_absolute(f.path) ? "socket-check" : "advise";
      if (!f.service.empty() && is_package_name(f.service)) {
        // Only a service the system itself ties to this socket (analyzer/core/system_owners).
        plan.variant = is_absolute(f.path) ? "start-service" : "start-service-tcp";
        plan.plain["service"] = f.service;
        plan.data["tie"] = f.service_tie;
        plan.key = "service:" + f.service;
      }
      break;
    case FindingKind::BadInterpreter:
      if (plan_dos_line_endings(plan, f, templates)) {
        break;
      }
      if (!plan_edit(plan, f, templates, false)) {
        // A binary's ELF loader is named with no line (a script's #! is line 1).
        const bool elf =
            f.referenced_from && f.referenced_from->line == 0 && f.referenced_from->text.empty();
        plan.variant = elf ? "advise-loader" : "advise";
        if (elf) {
          plan.data["file"] = f.referenced_from->file;
        }
      }
      break;
    case FindingKind::MissingLibrary:
    case FindingKind::CommandNotFound:
    case FindingKind::PeerUnreachable:
    case FindingKind::Other:
      plan.variant = "advise";
      break;
  }
  return plan;
}

// The value of placeholder `name` for `language`, or nullopt when the raw value cannot be written
// safely in it (the caller then uses the "unrepresentable" variant).
std::optional<std::string> encode(const Plan& plan, std::string_view name, FixLanguage language,
                                  const FixTemplates& templates) {
  if (name.size() > 5 && name.ends_with("_text")) {
    const std::string_view base = name.substr(0, name.size() - 5);
    if (const auto it = plan.plain.find(base); it != plan.plain.end()) {
      return it->second;
    }
    if (base == "reload") {
      return std::string();
    }
  }
  if (const auto it = plan.plain.find(name); it != plan.plain.end()) {
    const bool quoted = name == "title" || name == "mode";
    if (quoted && language == FixLanguage::Puppet) {
      return puppet_quote(it->second);
    }
    return it->second;
  }
  if (name == "reload") {
    if (language == FixLanguage::Summary) {
      return std::string();
    }
    if (plan.reload == nullptr) {
      return plan.silent_without_reload ? std::string() : templates.no_reload(language);
    }
    if (language == FixLanguage::Shell) {
      return plan.reload->shell_hook;
    }
    FixValues hook_values;
    hook_values["title"] = puppet_quote(plan.plain.at("title"));
    return FixTemplates::expand(plan.reload->puppet_hook, hook_values);
  }
  if (const auto it = plan.code.find(name); it != plan.code.end()) {
    return it->second;  // shell
  }
  if (language == FixLanguage::Puppet && name.starts_with("sh_")) {
    if (const auto it = plan.code.find(name.substr(3)); it != plan.code.end()) {
      if (!puppet_representable(it->second)) {
        return std::nullopt;
      }
      return puppet_dq_escape(it->second);
    }
  }
  const auto raw_of = [&](std::string_view n) -> const std::string* {
    const auto it = plan.data.find(n);
    return it == plan.data.end() ? nullptr : &it->second;
  };
  if (name.size() > 5 && name.ends_with("_text")) {
    if (const auto* raw = raw_of(name.substr(0, name.size() - 5))) {
      return display_text(*raw);
    }
  }
  if (language == FixLanguage::Puppet && name.starts_with("sh_")) {
    if (const auto* raw = raw_of(name.substr(3))) {
      if (raw->find('\0') != std::string::npos || !puppet_representable(*raw)) {
        return std::nullopt;
      }
      return puppet_dq_escape(shell_quote(*raw));
    }
  }
  if (const auto* raw = raw_of(name)) {
    switch (language) {
      case FixLanguage::Summary:
        return display_text(*raw);
      case FixLanguage::Puppet:
        if (!puppet_representable(*raw)) {
          return std::nullopt;
        }
        return puppet_quote(*raw);
      case FixLanguage::Shell:
        if (raw->find('\0') != std::string::npos) {
          return std::nullopt;
        }
        return shell_quote(*raw);
    }
  }
  // The loader admits only names the variant provides; a name the plan lacks is a fixer bug.
  CULPRIT_ASSERT(false) << "placeholder {" << name << "} has no value in variant " << plan.variant;
  return std::nullopt;
}

std::optional<std::string> try_expand(const Plan& plan, const std::string& tmpl,
                                      FixLanguage language, const FixTemplates& templates) {
  FixValues values;
  for (const auto& name : FixTemplates::placeholders(tmpl)) {
    if (values.contains(name)) {
      continue;
    }
    auto v = encode(plan, name, language, templates);
    if (!v) {
      return std::nullopt;
    }
    values.emplace(name, std::move(*v));
  }
  return FixTemplates::expand(tmpl, values);
}

// puppet-lint rejects trailing whitespace (an empty explanation leaves "#   "). Safe for manifests:
// no Puppet string written by analyzer/core/quote spans lines (newlines become \n).
std::string strip_trailing_blanks(std::string_view text) {
  std::string out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    const bool has_newline = end != std::string_view::npos;
    if (!has_newline) {
      end = text.size();
    }
    std::string_view line = text.substr(start, end - start);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) {
      line.remove_suffix(1);
    }
    out += line;
    if (has_newline) {
      out += '\n';
    }
    start = end + 1;
  }
  return out;
}

// Expands the variant's template for `language`, falling back to the kind's "unrepresentable"
// variant (text forms only, always expandable) when a value cannot be written in it.
std::string render_language(const Finding& f, const Plan& plan, FixLanguage language,
                            const FixTemplates& templates, bool& fell_back) {
  const FixVariant& variant = templates.variant(f.kind, plan.variant);
  const std::string& tmpl = language == FixLanguage::Puppet ? variant.puppet : variant.shell;
  if (auto text = try_expand(plan, tmpl, language, templates)) {
    return std::move(*text);
  }
  fell_back = true;
  const FixVariant& fallback = templates.variant(f.kind, "unrepresentable");
  const std::string& ftmpl = language == FixLanguage::Puppet ? fallback.puppet : fallback.shell;
  auto text = try_expand(plan, ftmpl, language, templates);
  CULPRIT_ASSERT(text.has_value()) << "unrepresentable template needs a non-text value";
  return std::move(*text);
}

}  // namespace

void attach_fixes(Report& report, const FixTemplates& templates) {
  for (std::size_t i = 0; i < report.findings.size(); ++i) {
    Finding& f = report.findings[i];
    const Plan plan = make_plan(f, i + 1, templates);
    const FixVariant& variant = templates.variant(f.kind, plan.variant);
    Fix fix;
    fix.variant = plan.variant;
    fix.key = plan.key;
    fix.title = plan.plain.at("title");
    bool puppet_fell_back = false;
    bool shell_fell_back = false;
    fix.puppet = strip_trailing_blanks(
        render_language(f, plan, FixLanguage::Puppet, templates, puppet_fell_back));
    fix.shell = render_language(f, plan, FixLanguage::Shell, templates, shell_fell_back);
    fix.summary = try_expand(plan, variant.summary, FixLanguage::Summary, templates).value_or("");
    // The shell can write any path; a manifest cannot hold one that is not UTF-8, and then says so
    // in a comment while the script still carries the change.
    fix.actionable = variant.actionable && !shell_fell_back;
    if (plan.reload != nullptr) {
      if (!puppet_fell_back) {
        fix.puppet_shared = FixTemplates::expand(plan.reload->puppet, {});
      }
      if (!shell_fell_back) {
        fix.shell_shared = FixTemplates::expand(plan.reload->shell, {});
      }
    }
    f.fix = std::move(fix);
  }
}

const FixTemplates& builtin_fix_templates() {
  static const FixTemplates templates = [] {
    auto loaded = FixTemplates::load_embedded();
    CULPRIT_ASSERT(loaded.ok()) << loaded.error().describe();
    return std::move(loaded).value();
  }();
  return templates;
}

std::string puppet_manifest(const Report& report, std::size_t top_n) {
  return puppet_manifest(report, top_n, builtin_fix_templates());
}

std::string shell_script(const Report& report, std::size_t top_n) {
  return shell_script(report, top_n, builtin_fix_templates());
}

}  // namespace culprit::analyzer
