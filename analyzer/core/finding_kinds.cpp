#include "analyzer/core/finding_kinds.h"

#include <array>

namespace culprit::analyzer {
namespace {

using V = std::string_view;
constexpr std::array<V, 5> kMistyped{"edit-line", "edit-file", "link-hint", "require",
                                     "unrepresentable"};
constexpr std::array<V, 2> kRequire{"require", "unrepresentable"};
constexpr std::array<V, 4> kCreate{"create", "advise-missing-dir", "advise", "unrepresentable"};
constexpr std::array<V, 6> kChmod{"chmod",          "chgrp",  "acl",
                                  "advise-private", "advise", "unrepresentable"};
constexpr std::array<V, 6> kConfig{"edit-config",  "enable-module", "load-module",
                                   "advise-token", "advise",        "unrepresentable"};
constexpr std::array<V, 3> kSocket{"socket-check", "advise", "unrepresentable"};
constexpr std::array<V, 5> kInterpreter{"edit-line", "dos-line-endings", "advise", "advise-loader",
                                        "unrepresentable"};
constexpr std::array<V, 2> kAdvise{"advise", "unrepresentable"};

const std::array<KindInfo, 11> kKinds{{
    {FindingKind::MistypedPath, "mistyped-path", 40, kMistyped,
     "Check in CI/deployment that every required/included file exists (e.g. `php -l` plus a "
     "smoke request to the site after each deploy)."},
    {FindingKind::MissingPath, "missing-path", 20, kRequire,
     "Check in CI/deployment that every required/included file exists (e.g. `php -l` plus a "
     "smoke request to the site after each deploy)."},
    {FindingKind::MissingDirectory, "missing-directory", 30, kCreate,
     "Manage the directory in configuration management (Puppet `file { ...: ensure => "
     "directory }`) instead of creating it by hand."},
    {FindingKind::PermissionDenied, "permission-denied", 35, kChmod,
     "Manage ownership and modes in configuration management; deploy with a umask that leaves "
     "files readable by the service's user."},
    {FindingKind::ConfigError, "config-error", 40, kConfig,
     "Run the service's configuration test (e.g. `apachectl configtest`, `nginx -t`) before "
     "every reload, in CI and in the deployment."},
    {FindingKind::ConnectionRefused, "connection-refused", 30, kSocket,
     "Monitor the backing service (and its socket) directly, and start its clients only after "
     "it."},
    {FindingKind::BadInterpreter, "bad-interpreter", 30, kInterpreter,
     "Check scripts' #! lines and binaries' ELF interpreters against the packages installed on "
     "the target image."},
    {FindingKind::MissingLibrary, "missing-library", 35, kAdvise,
     "Declare every shared library a program needs as a package dependency, and run `ldd` on "
     "deployed binaries in CI."},
    {FindingKind::CommandNotFound, "command-not-found", 35, kAdvise,
     "Install the packages scripts call as dependencies, and set `$PATH` explicitly in service "
     "units and cron jobs."},
    {FindingKind::PeerUnreachable, "peer-unreachable", 30, kAdvise,
     "Monitor reachability of the backing service from this host (routes, firewall, DNS), not "
     "only the service itself."},
    {FindingKind::Other, "other", 0, kAdvise,
     "Add a check that would have caught this before users did."},
}};

}  // namespace

std::span<const KindInfo> all_kinds() { return kKinds; }

const KindInfo& kind_info(FindingKind kind) {
  for (const auto& k : kKinds) {
    if (k.kind == kind) {
      return k;
    }
  }
  return kKinds.back();
}

}  // namespace culprit::analyzer
