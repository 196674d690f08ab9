#include "tracer/ptrace/cgroup.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <algorithm>
#include <boost/process.hpp>
#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "tracer/ptrace/ptrace_ops.h"  // make_error

namespace culprit::tracer {
namespace {

namespace fs = std::filesystem;
namespace bp = boost::process;

bool is_octal(char c) { return c >= '0' && c <= '7'; }

// mountinfo escapes space, tab, newline and backslash in paths as \ooo.
std::string unescape_octal(const std::string& field) {
  std::string out;
  for (std::size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size() && is_octal(field[i + 1]) &&
        is_octal(field[i + 2]) && is_octal(field[i + 3])) {
      out += static_cast<char>((field[i + 1] - '0') * 64 + (field[i + 2] - '0') * 8 +
                               (field[i + 3] - '0'));
      i += 3;
    } else {
      out += field[i];
    }
  }
  return out;
}

// "/a/b/" and "a/b" as "/a/b"; "" and "/" as "/".
std::string absolute_group(const fs::path& path) {
  std::string out = "/" + path.lexically_normal().relative_path().string();
  while (out.size() > 1 && out.back() == '/') {
    out.pop_back();
  }
  return out;
}

bool is_cgroup_dir(const fs::path& dir) {
  std::error_code ec;
  return fs::is_directory(dir, ec) && fs::exists(dir / "cgroup.procs", ec);
}

// "/sys/fs/cgroup/{cpu,pids,systemd}" when the mounts share a parent, else a comma list.
std::string describe_mounts(const std::vector<CgroupHierarchy>& hierarchies) {
  std::vector<std::string> mounts;
  mounts.reserve(hierarchies.size());
  for (const auto& h : hierarchies) {
    mounts.push_back(h.mount);
  }
  if (mounts.empty()) {
    return "(no cgroup hierarchy is mounted)";
  }
  if (mounts.size() == 1) {
    return mounts.front();
  }
  const fs::path parent = fs::path(mounts.front()).parent_path();
  std::vector<std::string> names;
  for (const auto& m : mounts) {
    if (fs::path(m).parent_path() != parent) {
      return fmt::format("{}", fmt::join(mounts, ", "));
    }
    names.push_back(fs::path(m).filename().string());
  }
  return fmt::format("{}/{{{}}}", parent.string(), fmt::join(names, ","));
}

// systemd's own answer (`systemctl show -p ControlGroup --value UNIT`), "" when systemd is not
// running, does not know the unit, or the unit has no cgroup (it is not active).
std::string systemd_control_group(const std::string& unit) {
  if (access("/run/systemd/system", F_OK) != 0) {
    return {};  // sd_booted(): systemd is not the init system here
  }
  try {
    const auto systemctl = bp::search_path("systemctl");
    if (systemctl.empty()) {
      return {};
    }
    bp::ipstream out;
    bp::child child(systemctl, "show", "-p", "ControlGroup", "--value", "--", unit,
                    bp::std_in<bp::null, bp::std_out> out, bp::std_err > bp::null);
    std::string line;
    std::getline(out, line);
    child.wait();
    return child.exit_code() == 0 ? line : std::string();
  } catch (const std::exception&) {
    return {};
  }
}

struct UnitMatch {
  std::size_t depth = 0;  // path components below the hierarchy's mount point
  std::string relative;   // "system.slice/apache2.service"
  std::string dir;        // "/sys/fs/cgroup/pids/system.slice/apache2.service"
};

// Every directory named `unit` in the hierarchy mounted at `mount` (not looking inside a match: a
// unit's cgroup does not hold another cgroup of the same unit).
void find_named_dirs(const std::string& mount, const std::string& unit,
                     std::vector<UnitMatch>& out) {
  std::error_code ec;
  fs::recursive_directory_iterator it(mount, fs::directory_options::skip_permission_denied, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_directory(ec) || it->is_symlink(ec)) {
      continue;
    }
    if (it->path().filename() == unit) {
      const fs::path rel = it->path().lexically_relative(mount);
      out.push_back({static_cast<std::size_t>(std::distance(rel.begin(), rel.end())), rel.string(),
                     it->path().string()});
      it.disable_recursion_pending();
    }
  }
}

}  // namespace

std::vector<CgroupHierarchy> cgroup_hierarchies(const std::string& mountinfo) {
  std::vector<CgroupHierarchy> out;
  std::ifstream in(mountinfo);
  std::string line;
  while (std::getline(in, line)) {
    // ID PARENT MAJ:MIN ROOT MOUNT_POINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER_OPTIONS
    std::istringstream fields(line);
    std::vector<std::string> f;
    for (std::string word; fields >> word;) {
      f.push_back(word);
    }
    const auto dash = std::find(f.begin(), f.end(), "-");
    if (f.size() < 5 || dash == f.end() || dash + 1 == f.end()) {
      continue;
    }
    const std::string& type = *(dash + 1);
    if (type != "cgroup" && type != "cgroup2") {
      continue;
    }
    out.push_back({unescape_octal(f[4]), unescape_octal(f[3]), type == "cgroup2"});
  }
  return out;
}

std::string unit_name(const std::string& name) {
  static constexpr const char* kTypes[] = {".service", ".scope",  ".slice",    ".socket",
                                           ".mount",   ".swap",   ".target",   ".timer",
                                           ".path",    ".device", ".automount"};
  for (const char* type : kTypes) {
    if (name.size() > std::strlen(type) && name.ends_with(type)) {
      return name;
    }
  }
  return name + ".service";
}

Result<std::vector<std::string>> unit_cgroup_dirs(const std::string& unit) {
  if (unit.empty() || unit.find('/') != std::string::npos || unit == "." || unit == "..") {
    return make_error(EINVAL, fmt::format("'{}' is not a unit name", unit));
  }
  if (const std::string group = systemd_control_group(unit); !group.empty()) {
    if (auto dirs = cgroup_dirs(group); dirs.ok()) {
      return dirs;
    }
  }
  const auto hierarchies = cgroup_hierarchies();
  std::vector<UnitMatch> matches;
  for (const auto& h : hierarchies) {
    find_named_dirs(h.mount, unit, matches);
  }
  if (matches.empty()) {
    return make_error(ENOENT, fmt::format("no cgroup named {} under {}; is the unit running?", unit,
                                          describe_mounts(hierarchies)));
  }
  std::size_t least = SIZE_MAX;
  for (const auto& m : matches) {
    least = std::min(least, m.depth);
  }
  std::set<std::string> relatives;
  std::vector<std::string> dirs;
  for (const auto& m : matches) {
    if (m.depth == least) {
      relatives.insert(m.relative);
      dirs.push_back(m.dir);
    }
  }
  if (relatives.size() > 1) {
    return make_error(EINVAL, fmt::format("several cgroups are named {}: /{}\nhint: name one with "
                                          "--cgroup PATH",
                                          unit, fmt::join(relatives, ", /")));
  }
  return dirs;
}

Result<std::vector<std::string>> cgroup_dirs(const std::string& path) {
  if (path.empty()) {
    return make_error(EINVAL, "an empty cgroup path");
  }
  const fs::path given = fs::path(path);
  if (given.is_absolute() && is_cgroup_dir(given)) {
    return std::vector<std::string>{absolute_group(given)};
  }
  // A cgroup path as /proc/PID/cgroup prints it: relative to the hierarchy's root, which a
  // container's mount shows at its mount point rather than at "/".
  const std::string group = absolute_group(given);
  const auto hierarchies = cgroup_hierarchies();
  std::vector<std::string> dirs;
  for (const auto& h : hierarchies) {
    std::string below = group;
    if (h.root != "/" && (group == h.root || group.starts_with(h.root + "/"))) {
      below = group.substr(h.root.size());
    }
    const fs::path dir = fs::path(h.mount) / fs::path(below).relative_path();
    if (is_cgroup_dir(dir)) {
      dirs.push_back(dir.lexically_normal().string());
    }
  }
  if (dirs.empty()) {
    return make_error(ENOENT,
                      fmt::format("no cgroup {}: not a cgroup directory, and no mounted hierarchy "
                                  "({}) has it",
                                  path, describe_mounts(hierarchies)));
  }
  std::sort(dirs.begin(), dirs.end());
  dirs.erase(std::unique(dirs.begin(), dirs.end()), dirs.end());
  return dirs;
}

std::vector<Pid> cgroup_processes(const std::vector<std::string>& dirs) {
  std::set<Pid> pids;
  auto read_procs = [&pids](const fs::path& dir) {
    std::ifstream in(dir / "cgroup.procs");
    for (long pid = 0; in >> pid;) {
      if (pid > 0 && pid <= INT_MAX) {
        pids.insert(static_cast<Pid>(pid));
      }
    }
  };
  for (const auto& dir : dirs) {
    read_procs(dir);
    std::error_code ec;
    fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec);
    for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (it->is_directory(ec) && !it->is_symlink(ec)) {
        read_procs(it->path());
      }
    }
  }
  return {pids.begin(), pids.end()};
}

}  // namespace culprit::tracer
