// Who owns what on the system a trace came from: the Debian package that ships a file, and the
// service that serves a socket. Read through a FileSystem (the live one, or a copy under --root),
// so that fixes can name the package to reinstall or the service to start, and only when the
// system itself ties it to the path the trace shows.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "analyzer/core/filesystem.h"
#include "analyzer/core/finding.h"

namespace culprit::analyzer {

struct PackageFile {
  std::string package;    // "media-types" (architecture qualifier dropped)
  bool conffile = false;  // listed in the package's conffiles: dpkg keeps a deleted one deleted
};

// A Debian package name as dpkg accepts it ([a-z0-9][a-z0-9+._-]+): safe as a bare shell word.
bool is_package_name(std::string_view name);

// A user or group name that is safe as a bare word in sh and Puppet: [a-z_][a-z0-9_-]*[$]? or
// a number.
bool is_account_name(std::string_view name);

struct ServiceOwner {
  std::string service;  // the name `service NAME start` and Puppet's service resource take
  std::string tie;      // how the system ties it to the socket: "line 41 of F (...) belongs to ..."
};

// One analysis's view of the dpkg database and service definitions, read lazily (the file lists
// once, about 10 MB on a server) through `fs`, which must outlive it.
class SystemOwners {
 public:
  explicit SystemOwners(const FileSystem& fs) : fs_(fs) {}

  // The installed package whose file list (/var/lib/dpkg/info/*.list) holds `path`, also under
  // its other name on a merged-/usr system (/lib/x and /usr/lib/x). nullopt when no package, or
  // more than one, ships it, or there is no dpkg database.
  [[nodiscard]] std::optional<PackageFile> package_owning(std::string_view path) const;

  // The service that should listen on `socket` (a Unix socket path, or "HOST:PORT" / "PORT" for
  // TCP): a systemd socket unit whose ListenStream= names it, else a configuration file under
  // /etc naming the socket path on an uncommented line, shipped (or in a directory shipped) by a
  // package that ships exactly one init script or service unit. nullopt when nothing on the
  // system ties one service to it: culprit never starts a service because its name looks related.
  [[nodiscard]] std::optional<ServiceOwner> service_for_socket(std::string_view socket) const;

  // How the system makes directory `dir`: a tmpfiles.d `d`/`D` line for exactly that path
  // (/etc, /run, /usr/lib tmpfiles.d, in systemd's order of precedence). nullopt when none does.
  [[nodiscard]] std::optional<DirectorySpec> tmpfiles_directory(std::string_view dir) const;

  // The owner, group and mode dpkg-statoverride records for exactly `dir` (a package's postinst
  // or the administrator: /var/lib/php/sessions root:root 1733). nullopt when none does.
  [[nodiscard]] std::optional<DirectorySpec> statoverride_directory(std::string_view dir) const;

 private:
  struct ListFile {
    std::string file;     // "php8.2-fpm.list", "libc6:amd64.list"
    std::string package;  // "php8.2-fpm", "libc6"
    std::string text;
  };
  const std::vector<ListFile>& lists() const;
  std::vector<const ListFile*> owners_of(const std::vector<std::string>& paths) const;

  const FileSystem& fs_;
  mutable std::optional<std::vector<ListFile>> lists_;
};

}  // namespace culprit::analyzer
