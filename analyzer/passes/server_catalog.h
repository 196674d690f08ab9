// What a server binary on this machine says about its own configuration language, asked of the
// binary itself rather than of a word list: `apache2 -L` lists the directives of exactly the
// modules a configuration loads, so "Invalid command 'RewriteEngine'" is told apart as a module
// the configuration does not load (an installed module defines it) from a misspelling (the
// nearest directive the server knows).
//
// Only for live analyses (run/attach), where the binary ran on this machine anyway: a log
// replayed from elsewhere names binaries that are not to be run here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace culprit::analyzer {

// One `LoadModule NAME PATH` line.
struct ModuleLoad {
  std::string name;  // "rewrite_module"
  std::string path;  // "/usr/lib/apache2/modules/mod_rewrite.so"
  // Debian's a2enmod name when /etc/apache2/mods-available has a .load file for it ("rewrite").
  std::string available;
};

class ServerCatalog {
 public:
  virtual ~ServerCatalog() = default;
  // The directives `binary` knows with `loads` loaded (an MPM is added when none is), as it lists
  // them; nullopt when the binary could not be asked.
  [[nodiscard]] virtual std::optional<std::vector<std::string>> apache_directives(
      const std::string& binary, const std::vector<ModuleLoad>& loads) const = 0;
  // The installed module (beside the loaded ones, or in the binary's default module directory)
  // that defines `directive` (case-insensitively), when loading it alone with `loads` makes the
  // binary list it.
  [[nodiscard]] virtual std::optional<ModuleLoad> apache_module_defining(
      const std::string& binary, const std::vector<ModuleLoad>& loads,
      const std::string& directive) const = 0;
};

// Runs the binaries (in a private temporary directory, with a time limit).
class LiveServerCatalog final : public ServerCatalog {
 public:
  [[nodiscard]] std::optional<std::vector<std::string>> apache_directives(
      const std::string& binary, const std::vector<ModuleLoad>& loads) const override;
  [[nodiscard]] std::optional<ModuleLoad> apache_module_defining(
      const std::string& binary, const std::vector<ModuleLoad>& loads,
      const std::string& directive) const override;
};

// The uncommented `LoadModule NAME PATH` lines of a configuration file's text, in order.
std::vector<ModuleLoad> load_module_lines(std::string_view text);

// Where a LoadModule line may go in an Apache configuration file so that it comes before line
// `error_line`: after the file's last top-level LoadModule above it, else before the top-level line
// that holds (or opens the block holding) the error; LoadModule is not allowed inside a block.
// (line to insert before, that line's text); nullopt when the file is shorter than `error_line`.
std::optional<std::pair<std::uint64_t, std::string>> load_module_position(std::string_view text,
                                                                          std::uint64_t error_line);

}  // namespace culprit::analyzer
