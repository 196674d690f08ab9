// Pass 3: what kind of fault each remaining failure group is (mistyped path, missing path/
// directory, permission, refused connection, bad #! interpreter), checked against the filesystem,
// or against what the log showed when there is no filesystem to look at. Also turns error
// messages the processes wrote into config-error findings.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "analyzer/core/filesystem.h"
#include "analyzer/core/finding.h"
#include "analyzer/core/system_owners.h"
#include "analyzer/passes/pass_group.h"
#include "analyzer/rules/rules.h"

namespace culprit::analyzer {

// What the log proves about the filesystem: names seen succeeding (opened, stat'ed, executed) or
// listed by getdents, by directory.
class LogFacts {
 public:
  void add_existing(std::string_view path);
  // Names known to exist in `dir` (sorted).
  [[nodiscard]] std::vector<std::string> names_in(std::string_view dir) const;
  [[nodiscard]] bool exists(std::string_view path) const;
  // True when anything under `dir` was seen, so `dir` exists.
  [[nodiscard]] bool dir_exists(std::string_view dir) const;

 private:
  StringMap<std::set<std::string>> by_dir_;
};

struct ClassifyContext {
  const FileSystem& fs;
  const LogFacts& log;
  const SystemOwners& owners;  // packages and services of the system fs shows
};

// Kind, suggestion, tokens, blocker and a first explanation for one group.
Finding classify_group(const FailureGroup& group, const ClassifyContext& ctx);

// An error message a process wrote, as matched by a MessageRule (and its continuation).
struct MessageHit {
  const MessageRule* rule = nullptr;
  const MessageRule* continuation = nullptr;  // the rule that supplied the token, if another one
  tracer::Pid pid = 0;
  tracer::Timestamp time;
  EvidenceRef evidence;
  std::string text;  // the matched line(s)
  std::string file;  // capture: file with the error
  std::uint64_t line = 0;
  std::string token;  // capture: the bad word
  std::string path;   // capture: a path the message names
  std::uint64_t count = 0;
  std::vector<std::string> candidates;  // files the process had opened (referrer candidates)
  std::string program;                  // the executable the process ran, when known
  bool matched_group = false;           // a failure group carries this message
};

// A finding that only a message supports: its kind and path, the message's pid, time, count and
// text as evidence.
Finding finding_from_message(const MessageHit& hit, FindingKind kind, std::string path);

// A config-error finding for a message with a kind of config-error (or a file:line and token).
// nullopt when the message is not about configuration.
std::optional<Finding> classify_message(const MessageHit& hit, const Rules& rules);

// "the socket is gone: is mysqld running?" style hint for a unix socket path or inet port.
std::string service_hint(std::string_view path_or_address);

// Final wording of the explanation once the referrer is known.
void finish_explanation(Finding& finding);

}  // namespace culprit::analyzer
