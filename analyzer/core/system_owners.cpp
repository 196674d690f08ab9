#include "analyzer/core/system_owners.h"

#include <fmt/format.h>

#include <array>
#include <deque>
#include <set>
#include <utility>
#include <vector>

namespace culprit::analyzer {

namespace {

constexpr std::string_view kDpkgInfo = "/var/lib/dpkg/info";

bool starts_with_dir(std::string_view path, std::string_view dir) {
  return path.size() > dir.size() && path.substr(0, dir.size()) == dir && path[dir.size()] == '/';
}

// The other spelling of a path on a merged-/usr system, where /bin, /sbin and /lib* are links into
// /usr and packages list either form.
std::optional<std::string> usr_merge_alias(std::string_view path) {
  for (const std::string_view top : {"/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"}) {
    if (starts_with_dir(path, top)) {
      return "/usr" + std::string(path);
    }
    const std::string usr = "/usr" + std::string(top);
    if (starts_with_dir(path, usr)) {
      return std::string(path.substr(4));
    }
  }
  return std::nullopt;
}

// Whether `text` (a dpkg .list or .conffiles file) has a line equal to `path` (a conffiles line
// may carry flags after a space).
bool lists_line(std::string_view text, std::string_view path, bool flags_allowed) {
  std::size_t at = 0;
  while ((at = text.find(path, at)) != std::string_view::npos) {
    const bool line_start = at == 0 || text[at - 1] == '\n';
    const std::size_t end = at + path.size();
    const bool line_end =
        end == text.size() || text[end] == '\n' || (flags_allowed && text[end] == ' ');
    if (line_start && line_end) {
      return true;
    }
    at = end;
  }
  return false;
}

// The services a package ships: /etc/init.d/NAME scripts and NAME.service units (not templates).
std::set<std::string> services_of(std::string_view list_text) {
  std::set<std::string> out;
  std::string_view rest = list_text;
  while (!rest.empty()) {
    const std::size_t nl = rest.find('\n');
    const std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    std::string_view name;
    if (starts_with_dir(line, "/etc/init.d")) {
      name = line.substr(12);
    } else {
      for (const std::string_view dir : {"/lib/systemd/system", "/usr/lib/systemd/system"}) {
        if (starts_with_dir(line, dir) && line.ends_with(".service")) {
          name = line.substr(dir.size() + 1, line.size() - dir.size() - 1 - 8);
        }
      }
    }
    if (!name.empty() && name.find('/') == std::string_view::npos &&
        name.find('@') == std::string_view::npos && is_package_name(name)) {
      out.emplace(name);
    }
  }
  return out;
}

std::string normalize_run(std::string_view p) {
  if (starts_with_dir(p, "/var/run")) {
    return "/run" + std::string(p.substr(8));
  }
  return std::string(p);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// The next line of `rest`, trimmed; `rest` moves past it.
std::string_view take_line(std::string_view& rest) {
  const std::size_t nl = rest.find('\n');
  const std::string_view line = trim(rest.substr(0, nl));
  rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
  return line;
}

// "0750", "1733": an octal mode of at most four digits' worth; nullopt otherwise.
std::optional<std::uint32_t> octal_mode(std::string_view s) {
  std::uint32_t mode = 0;
  if (s.empty()) {
    return std::nullopt;
  }
  for (const char c : s) {
    if (c < '0' || c > '7' || mode > 07777) {
      return std::nullopt;
    }
    mode = mode * 8 + static_cast<std::uint32_t>(c - '0');
  }
  return mode & 07777;
}

// The port of a TCP address "HOST:PORT", "[::1]:PORT" or "PORT".
std::string_view port_of(std::string_view addr) {
  const auto colon = addr.rfind(':');
  return colon == std::string_view::npos ? addr : addr.substr(colon + 1);
}

// A systemd socket unit listening on `socket`: its service.
std::optional<ServiceOwner> from_socket_units(const FileSystem& fs, std::string_view socket) {
  const bool unix_socket = socket.starts_with("/");
  const std::string want = unix_socket ? normalize_run(socket) : std::string(port_of(socket));
  for (const std::string_view dir :
       {"/etc/systemd/system", "/lib/systemd/system", "/usr/lib/systemd/system"}) {
    for (const auto& name : fs.list(dir, 20000)) {
      if (!name.ends_with(".socket") || name.find('@') != std::string::npos) {
        continue;
      }
      const std::string unit = fmt::format("{}/{}", dir, name);
      const auto text = fs.read(unit, 1 << 20);
      if (!text.ok()) {
        continue;
      }
      std::string service = name.substr(0, name.size() - 7);
      bool listens = false;
      std::string_view rest = text.value();
      while (!rest.empty()) {
        const std::size_t nl = rest.find('\n');
        const std::string_view line = trim(rest.substr(0, nl));
        rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
        const auto eq = line.find('=');
        if (eq == std::string_view::npos) {
          continue;
        }
        const std::string_view key = trim(line.substr(0, eq));
        const std::string_view value = trim(line.substr(eq + 1));
        if (key == "ListenStream" || key == "ListenSequentialPacket" || key == "ListenDatagram") {
          listens = listens || (unix_socket ? normalize_run(value) == want
                                            : !value.starts_with("/") && port_of(value) == want);
        } else if (key == "Service" && value.ends_with(".service")) {
          service = std::string(value.substr(0, value.size() - 8));
        }
      }
      if (listens && is_package_name(service)) {
        return ServiceOwner{service, fmt::format("the systemd socket unit {} listens on it", unit)};
      }
    }
  }
  return std::nullopt;
}

// Whether `line` names `path` as a whole word (not a prefix of a longer path).
bool names_path(std::string_view line, std::string_view path) {
  std::size_t at = 0;
  while ((at = line.find(path, at)) != std::string_view::npos) {
    const std::size_t end = at + path.size();
    const auto boundary = [](char c) {
      return c == ' ' || c == '\t' || c == '"' || c == '\'' || c == '=' || c == ':' || c == ';' ||
             c == ',' || c == '\r' || c == '>' || c == '<';
    };
    if ((at == 0 || boundary(line[at - 1])) && (end == line.size() || boundary(line[end]))) {
      return true;
    }
    at = end;
  }
  return false;
}

struct ConfigHit {
  std::string file;
  std::uint64_t line = 0;
  std::string text;
};

// Uncommented lines of configuration files under /etc that name the socket (either spelling of
// /run). Bounded: depth, file count and file size.
std::vector<ConfigHit> config_hits(const FileSystem& fs, std::string_view socket) {
  constexpr std::size_t kMaxFiles = 6000;
  constexpr std::size_t kMaxBytes = 256 << 10;
  constexpr int kMaxDepth = 6;
  const std::string run = normalize_run(socket);
  const std::string var_run = run.starts_with("/run/") ? "/var" + run : run;
  std::vector<ConfigHit> hits;
  std::deque<std::pair<std::string, int>> dirs{{"/etc", 0}};
  std::size_t files = 0;
  while (!dirs.empty() && files < kMaxFiles) {
    auto [dir, depth] = std::move(dirs.front());
    dirs.pop_front();
    for (const auto& name : fs.list(dir, 5000)) {
      const std::string p = fmt::format("{}/{}", dir, name);
      const auto info = fs.stat(p);
      if (!info) {
        continue;
      }
      if (info->is_directory) {
        if (depth < kMaxDepth && p != "/etc/ssl" && p != "/etc/alternatives" &&
            p != "/etc/systemd") {
          dirs.emplace_back(p, depth + 1);
        }
        continue;
      }
      if (!info->is_regular || info->size > kMaxBytes || ++files > kMaxFiles) {
        continue;
      }
      const auto text = fs.read(p, kMaxBytes);
      if (!text.ok() || (text.value().find(run) == std::string::npos &&
                         text.value().find(var_run) == std::string::npos)) {
        continue;
      }
      std::string_view rest = text.value();
      std::uint64_t number = 0;
      while (!rest.empty()) {
        const std::size_t nl = rest.find('\n');
        const std::string_view line = rest.substr(0, nl);
        rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
        ++number;
        const std::string_view body = trim(line);
        if (body.empty() || body.front() == '#' || body.front() == ';') {
          continue;
        }
        if (names_path(body, run) || names_path(body, var_run)) {
          hits.push_back(ConfigHit{p, number, std::string(body)});
        }
      }
    }
  }
  return hits;
}

}  // namespace

bool is_package_name(std::string_view name) {
  if (name.size() < 2 || name.size() > 200) {
    return false;
  }
  const auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(name.front())) {
    return false;
  }
  for (const char c : name) {
    if (!alnum(c) && c != '+' && c != '.' && c != '-' && c != '_') {
      return false;
    }
  }
  return true;
}

const std::vector<SystemOwners::ListFile>& SystemOwners::lists() const {
  if (lists_) {
    return *lists_;
  }
  lists_.emplace();
  if (!fs_.available()) {
    return *lists_;
  }
  for (auto& name : fs_.list(kDpkgInfo, 100000)) {
    if (name.size() <= 5 || !name.ends_with(".list")) {
      continue;
    }
    auto text = fs_.read(fmt::format("{}/{}", kDpkgInfo, name), 64 << 20);
    if (!text.ok()) {
      continue;
    }
    std::string package = name.substr(0, name.size() - 5);
    if (const auto colon = package.find(':'); colon != std::string::npos) {
      package.resize(colon);
    }
    lists_->push_back(ListFile{std::move(name), std::move(package), std::move(text).value()});
  }
  return *lists_;
}

// Every package whose file list names one of `paths`.
std::vector<const SystemOwners::ListFile*> SystemOwners::owners_of(
    const std::vector<std::string>& paths) const {
  std::vector<const ListFile*> owners;
  std::set<std::string_view> seen;
  for (const auto& lf : lists()) {
    for (const auto& p : paths) {
      if (lists_line(lf.text, p, false) && seen.insert(lf.package).second) {
        owners.push_back(&lf);
        break;
      }
    }
  }
  return owners;
}

std::optional<PackageFile> SystemOwners::package_owning(std::string_view path) const {
  if (!fs_.available() || path.empty() || path.front() != '/') {
    return std::nullopt;
  }
  std::vector<std::string> paths{std::string(path)};
  if (auto alias = usr_merge_alias(path)) {
    paths.push_back(std::move(*alias));
  }
  const auto owners = owners_of(paths);
  if (owners.size() != 1 || !is_package_name(owners.front()->package)) {
    return std::nullopt;
  }
  PackageFile out{owners.front()->package, false};
  const std::string& file = owners.front()->file;
  const std::string base = file.substr(0, file.size() - 5);
  if (const auto conf = fs_.read(fmt::format("{}/{}.conffiles", kDpkgInfo, base), 1 << 20);
      conf.ok()) {
    for (const auto& p : paths) {
      out.conffile = out.conffile || lists_line(conf.value(), p, true);
    }
  }
  return out;
}

bool is_account_name(std::string_view name) {
  if (name.empty() || name.size() > 32) {
    return false;
  }
  if (name.find_first_not_of("0123456789") == std::string_view::npos) {
    return true;
  }
  if (!((name.front() >= 'a' && name.front() <= 'z') || name.front() == '_')) {
    return false;
  }
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
                    (c == '$' && i + 1 == name.size());
    if (!ok) {
      return false;
    }
  }
  return name.back() != '$';  // a machine account: not what a server writes as
}

std::optional<DirectorySpec> SystemOwners::tmpfiles_directory(std::string_view dir) const {
  if (!fs_.available() || dir.empty() || dir.front() != '/') {
    return std::nullopt;
  }
  const std::string want = normalize_run(dir);
  // systemd reads /etc first, then /run, then /usr/lib; a file name in an earlier directory
  // masks the same name in a later one.
  std::set<std::string> seen_names;
  for (const std::string_view base :
       {"/etc/tmpfiles.d", "/run/tmpfiles.d", "/usr/lib/tmpfiles.d"}) {
    for (const auto& name : fs_.list(base, 5000)) {
      if (!name.ends_with(".conf") || !seen_names.insert(name).second) {
        continue;
      }
      const std::string file = fmt::format("{}/{}", base, name);
      const auto text = fs_.read(file, 1 << 20);
      if (!text.ok()) {
        continue;
      }
      std::string_view rest = text.value();
      std::uint64_t number = 0;
      while (!rest.empty()) {
        const std::string_view line = take_line(rest);
        ++number;
        // Type Path Mode User Group Age Argument; '-' is the default; specifiers (%) unknown.
        std::vector<std::string_view> fields;
        std::size_t at = 0;
        while (at < line.size() && fields.size() < 5) {
          const std::size_t start = line.find_first_not_of(" \t", at);
          if (start == std::string_view::npos) {
            break;
          }
          const std::size_t end = std::min(line.find_first_of(" \t", start), line.size());
          fields.push_back(line.substr(start, end - start));
          at = end;
        }
        if (fields.size() < 2 || (fields[0] != "d" && fields[0] != "D") ||
            normalize_run(fields[1]) != want || line.find('%') != std::string_view::npos) {
          continue;
        }
        DirectorySpec spec{"root", "root", 0755, fmt::format("line {} of {}", number, file)};
        if (fields.size() > 2 && fields[2] != "-") {
          const auto mode = octal_mode(fields[2]);
          if (!mode) {
            return std::nullopt;
          }
          spec.mode = *mode;
        }
        if (fields.size() > 3 && fields[3] != "-") {
          spec.owner = std::string(fields[3]);
        }
        if (fields.size() > 4 && fields[4] != "-") {
          spec.group = std::string(fields[4]);
        }
        if (!is_account_name(spec.owner) || !is_account_name(spec.group)) {
          return std::nullopt;
        }
        return spec;
      }
    }
  }
  return std::nullopt;
}

std::optional<DirectorySpec> SystemOwners::statoverride_directory(std::string_view dir) const {
  static constexpr std::string_view kFile = "/var/lib/dpkg/statoverride";
  if (!fs_.available() || dir.empty() || dir.front() != '/') {
    return std::nullopt;
  }
  const auto text = fs_.read(kFile, 1 << 20);
  if (!text.ok()) {
    return std::nullopt;
  }
  std::string_view rest = text.value();
  std::uint64_t number = 0;
  while (!rest.empty()) {
    const std::string_view line = take_line(rest);
    ++number;
    // "user group mode path": the path is the rest of the line (it may hold spaces).
    std::array<std::string_view, 3> fields;
    std::size_t at = 0;
    bool ok = true;
    for (auto& field : fields) {
      const std::size_t start = line.find_first_not_of(" \t", at);
      const std::size_t end =
          start == std::string_view::npos ? start : line.find_first_of(" \t", start);
      if (end == std::string_view::npos) {
        ok = false;
        break;
      }
      field = line.substr(start, end - start);
      at = end;
    }
    if (!ok) {
      continue;
    }
    const std::string_view path = trim(line.substr(at));
    if (path != dir) {
      continue;
    }
    const auto mode = octal_mode(fields[2]);
    if (!mode) {
      return std::nullopt;
    }
    DirectorySpec spec{std::string(fields[0]), std::string(fields[1]), *mode,
                       fmt::format("dpkg-statoverride, line {} of {}", number, kFile)};
    if (!is_account_name(spec.owner) || !is_account_name(spec.group)) {
      return std::nullopt;
    }
    return spec;
  }
  return std::nullopt;
}

std::optional<ServiceOwner> SystemOwners::service_for_socket(std::string_view socket) const {
  const FileSystem& fs = fs_;
  if (!fs.available() || socket.empty()) {
    return std::nullopt;
  }
  if (auto unit = from_socket_units(fs, socket)) {
    return unit;
  }
  if (socket.front() != '/') {
    return std::nullopt;  // a port in a configuration file is too ambiguous to tie to a service
  }
  // A configuration file that names the socket, and the package it belongs to (the file's own
  // entry, else the nearest directory a package ships: an admin's pool file in pool.d/).
  std::set<std::string> services;
  std::string tie;
  for (const auto& hit : config_hits(fs, socket)) {
    std::string p = hit.file;
    while (starts_with_dir(p, "/etc")) {
      const auto owners = owners_of({p});
      if (owners.size() == 1) {
        const auto names = services_of(owners.front()->text);
        if (names.size() == 1) {
          services.insert(*names.begin());
          tie = fmt::format("line {} of {} ({}) belongs to package {}, which ships the service",
                            hit.line, hit.file, hit.text, owners.front()->package);
        }
        break;
      }
      if (!owners.empty()) {
        break;
      }
      p.resize(p.rfind('/'));
    }
  }
  if (services.size() != 1) {
    return std::nullopt;
  }
  return ServiceOwner{*services.begin(), tie};
}

}  // namespace culprit::analyzer
