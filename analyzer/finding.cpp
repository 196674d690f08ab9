#include "analyzer/finding.h"

namespace culprit::analyzer {

std::string_view to_string(FindingKind kind) {
  switch (kind) {
    case FindingKind::MistypedPath:
      return "mistyped-path";
    case FindingKind::MissingPath:
      return "missing-path";
    case FindingKind::MissingDirectory:
      return "missing-directory";
    case FindingKind::PermissionDenied:
      return "permission-denied";
    case FindingKind::ConfigError:
      return "config-error";
    case FindingKind::ConnectionRefused:
      return "connection-refused";
    case FindingKind::BadInterpreter:
      return "bad-interpreter";
    case FindingKind::Other:
      return "other";
  }
  return "other";
}

std::optional<FindingKind> finding_kind_from_string(std::string_view name) {
  for (auto k : {FindingKind::MistypedPath, FindingKind::MissingPath, FindingKind::MissingDirectory,
                 FindingKind::PermissionDenied, FindingKind::ConfigError,
                 FindingKind::ConnectionRefused, FindingKind::BadInterpreter, FindingKind::Other}) {
    if (to_string(k) == name) {
      return k;
    }
  }
  return std::nullopt;
}

}  // namespace culprit::analyzer
