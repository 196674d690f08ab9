#include "analyzer/passes/server_catalog.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/process.hpp>
#include <cctype>
#include <chrono>
#include <cstdlib>  // mkdtemp (POSIX, declared with it by glibc)
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "analyzer/core/text.h"

namespace culprit::analyzer {
namespace {

namespace bp = boost::process;
namespace fs = std::filesystem;

std::optional<std::string> read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return std::nullopt;
  }
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A private directory for one question, removed after it.
class ScratchDir {
 public:
  ScratchDir() {
    std::string tmpl = (fs::temp_directory_path() / "culprit-catalog-XXXXXX").string();
    if (mkdtemp(tmpl.data()) != nullptr) {
      path_ = tmpl;
    }
  }
  ~ScratchDir() {
    if (!path_.empty()) {
      std::error_code ec;
      fs::remove_all(path_, ec);
    }
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  [[nodiscard]] bool ok() const { return !path_.empty(); }
  [[nodiscard]] const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// Apache quotes an argument with double quotes; a path holding one (or a line break) cannot be
// written into a configuration line faithfully.
bool quotable(std::string_view s) { return s.find_first_of("\"\n\r\\") == std::string_view::npos; }

// The module directory of a configuration: where its modules are, else the usual places.
fs::path module_directory(const std::vector<ModuleLoad>& loads) {
  for (const auto& l : loads) {
    if (!l.path.empty() && l.path.front() == '/') {
      return fs::path(l.path).parent_path();
    }
  }
  for (const char* d : {"/usr/lib/apache2/modules", "/usr/lib/httpd/modules",
                        "/usr/lib64/httpd/modules", "/usr/libexec/apache2"}) {
    std::error_code ec;
    if (fs::is_directory(d, ec)) {
      return d;
    }
  }
  return {};
}

// `binary -f CONF -L` with `loads` (and an MPM when none is loaded): the directive names it lists.
std::optional<std::vector<std::string>> list_directives(const std::string& binary,
                                                        std::vector<ModuleLoad> loads) {
  if (binary.empty() || binary.front() != '/' || !quotable(binary)) {
    return std::nullopt;
  }
  for (const auto& l : loads) {
    // A relative module path depends on the ServerRoot of the real configuration, which a
    // question asked without it cannot reproduce: not asked rather than asked wrong.
    if (l.path.empty() || l.path.front() != '/' || !quotable(l.path) || !quotable(l.name) ||
        l.name.find_first_of(" \t") != std::string::npos) {
      return std::nullopt;
    }
  }
  const bool has_mpm = std::any_of(
      loads.begin(), loads.end(), [](const ModuleLoad& l) { return l.name.rfind("mpm_", 0) == 0; });
  if (!has_mpm) {
    const fs::path dir = module_directory(loads);
    std::error_code ec;
    for (const char* mpm : {"prefork", "event", "worker"}) {
      const fs::path so = dir / fmt::format("mod_mpm_{}.so", mpm);
      if (!dir.empty() && fs::exists(so, ec)) {
        loads.insert(loads.begin(), ModuleLoad{fmt::format("mpm_{}_module", mpm), so.string(), {}});
        break;
      }
    }
  }
  ScratchDir scratch;
  if (!scratch.ok()) {
    return std::nullopt;
  }
  const fs::path conf = scratch.path() / "catalog.conf";
  {
    std::ofstream out(conf);
    const std::string d = scratch.path().string();
    out << "ServerName localhost\nErrorLog /dev/null\n";
    out << "PidFile \"" << d << "/pid\"\nDefaultRuntimeDir \"" << d << "\"\n";
    std::vector<std::string> seen;
    for (const auto& l : loads) {
      if (std::find(seen.begin(), seen.end(), l.name) != seen.end()) {
        continue;  // a second LoadModule of one module is a configuration error of its own
      }
      seen.push_back(l.name);
      out << "LoadModule " << l.name << " \"" << l.path << "\"\n";
    }
    if (!out) {
      return std::nullopt;
    }
  }
  const fs::path listing = scratch.path() / "directives.txt";
  try {
    bp::child child(binary, "-f", conf.string(), "-L", bp::std_in<bp::null, bp::std_out> listing,
                    bp::std_err > bp::null);
    if (!child.wait_for(std::chrono::seconds(10))) {
      child.terminate();
      return std::nullopt;
    }
    if (child.exit_code() != 0) {
      return std::nullopt;
    }
  } catch (const std::exception&) {
    return std::nullopt;
  }
  const auto text = read_all(listing);
  if (!text) {
    return std::nullopt;
  }
  // "RewriteEngine (mod_rewrite.c)" at the start of a line; its help lines are indented.
  std::vector<std::string> out;
  std::istringstream lines(*text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || std::isspace(static_cast<unsigned char>(line.front())) != 0) {
      continue;
    }
    const auto paren = line.find(" (");
    if (paren == std::string::npos || paren == 0) {
      continue;
    }
    out.push_back(line.substr(0, paren));
  }
  if (out.empty()) {
    return std::nullopt;
  }
  return out;
}

bool lists(const std::vector<std::string>& directives, const std::string& directive) {
  const std::string want = ascii_lower(directive);
  return std::any_of(directives.begin(), directives.end(),
                     [&](const std::string& d) { return ascii_lower(d) == want; });
}

}  // namespace

std::vector<ModuleLoad> load_module_lines(std::string_view text) {
  std::vector<ModuleLoad> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    const auto first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos) {
      continue;
    }
    line.remove_prefix(first);
    std::istringstream words{std::string(line)};
    std::string keyword;
    ModuleLoad load;
    if (!(words >> keyword >> load.name >> load.path) || ascii_lower(keyword) != "loadmodule") {
      continue;
    }
    if (load.path.size() >= 2 && load.path.front() == '"' && load.path.back() == '"') {
      load.path = load.path.substr(1, load.path.size() - 2);
    }
    out.push_back(std::move(load));
  }
  return out;
}

std::optional<std::pair<std::uint64_t, std::string>> load_module_position(
    std::string_view text, std::uint64_t error_line) {
  std::vector<std::string_view> lines;
  std::size_t pos = 0;
  while (pos <= text.size() && lines.size() < error_line) {
    auto end = text.find('\n', pos);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    lines.push_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  if (lines.size() < error_line) {
    return std::nullopt;
  }
  int depth = 0;
  std::uint64_t last_load = 0;   // line number
  std::uint64_t block_open = 0;  // the line that opened the current top-level block
  bool continued = false;        // the previous line ended with a backslash
  for (std::uint64_t n = 1; n < error_line; ++n) {
    std::string_view l = lines[n - 1];
    const bool was_continued = continued;
    continued = !l.empty() && l.back() == '\\';
    if (was_continued) {
      continue;
    }
    const auto first = l.find_first_not_of(" \t");
    if (first == std::string_view::npos || l[first] == '#') {
      continue;
    }
    l.remove_prefix(first);
    if (l.rfind("</", 0) == 0) {
      depth = depth > 0 ? depth - 1 : 0;
    } else if (l.front() == '<') {
      if (depth == 0) {
        block_open = n;
      }
      ++depth;
    } else if (depth == 0 && l.size() > 10 && ascii_lower(l.substr(0, 10)) == "loadmodule" &&
               (l[10] == ' ' || l[10] == '\t')) {
      last_load = n;
    }
  }
  std::uint64_t before = error_line;
  if (last_load != 0) {
    before = last_load + 1;
  } else if (depth > 0) {
    before = block_open;
  }
  if (before == 0 || before > lines.size()) {
    return std::nullopt;
  }
  return std::make_pair(before, std::string(lines[before - 1]));
}

namespace {

// Debian's mods-available/NAME.load say each module's name (libphp8.2.so is php_module) and its
// a2enmod name. Read only once a module is a candidate.
std::vector<ModuleLoad> debian_module_names() {
  std::vector<ModuleLoad> known;
  std::error_code ec;
  for (fs::directory_iterator it("/etc/apache2/mods-available", ec), end; !ec && it != end;
       it.increment(ec)) {
    if (it->path().extension() != ".load") {
      continue;
    }
    if (const auto text = read_all(it->path())) {
      for (auto l : load_module_lines(*text)) {
        l.available = it->path().stem().string();
        known.push_back(std::move(l));
      }
    }
  }
  return known;
}

}  // namespace

std::optional<std::vector<std::string>> LiveServerCatalog::apache_directives(
    const std::string& binary, const std::vector<ModuleLoad>& loads) const {
  return list_directives(binary, loads);
}

std::optional<ModuleLoad> LiveServerCatalog::apache_module_defining(
    const std::string& binary, const std::vector<ModuleLoad>& loads,
    const std::string& directive) const {
  const std::string want = ascii_lower(directive);
  if (want.empty() || want.find('\0') != std::string::npos) {
    return std::nullopt;
  }
  const fs::path dir = module_directory(loads);
  if (dir.empty()) {
    return std::nullopt;
  }
  std::vector<fs::path> modules;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() == ".so" && it->is_regular_file(ec)) {
      modules.push_back(it->path());
    }
  }
  std::sort(modules.begin(), modules.end());
  // A module's command table holds each directive name as a C string: a module whose bytes do
  // not hold the name (between NULs, any case) cannot define it, and is not asked.
  const std::string needle = std::string(1, '\0') + want + std::string(1, '\0');
  for (const auto& so : modules) {
    const bool loaded = std::any_of(loads.begin(), loads.end(), [&](const ModuleLoad& l) {
      std::error_code e;
      return fs::equivalent(l.path, so, e);
    });
    if (loaded) {
      continue;
    }
    const auto bytes = read_all(so);
    if (!bytes || ascii_lower(*bytes).find(needle) == std::string::npos) {
      continue;
    }
    // The module's name: "mod_rewrite.so" defines rewrite_module (Apache's convention); the
    // binary confirms it by loading the module under that name.
    std::string stem = so.stem().string();
    if (stem.rfind("mod_", 0) == 0) {
      stem = stem.substr(4);
    }
    ModuleLoad candidate{stem + "_module", so.string(), {}};
    for (const auto& k : debian_module_names()) {
      std::error_code e;
      if (fs::equivalent(k.path, so, e)) {
        candidate.name = k.name;
        candidate.available = k.available;
        break;
      }
    }
    std::vector<ModuleLoad> with = loads;
    with.push_back(candidate);
    if (const auto listed = list_directives(binary, with); listed && lists(*listed, directive)) {
      return candidate;
    }
  }
  return std::nullopt;
}

}  // namespace culprit::analyzer
