// Pass 1: failed system calls grouped by (path, errno, syscall family). A group remembers how often
// and by whom it failed, the first few events as evidence, the files its process had opened just
// before (referrer candidates), and the signals the ranking pass needs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "analyzer/core/finding.h"
#include "analyzer/core/paths.h"
#include "analyzer/rules/rules.h"
#include "tracer/model/event.h"
#include "tracer/model/syscall_table.h"

namespace culprit::analyzer {

// Transparent string hashing so that lookups by string_view allocate nothing.
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
template <typename V>
using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;
using StringSet = std::unordered_set<std::string, StringHash, std::equal_to<>>;

// access/stat/readlink...: calls that only look at a path.
bool is_check_syscall(std::string_view syscall);

// `openat("/x/y.phpp", O_RDONLY) = -1 ENOENT` for evidence lists.
std::string summarize(const tracer::Event& event);

struct FailureGroup {
  static constexpr std::size_t kMaxPids = 64;
  static constexpr std::size_t kMaxEvidence = 5;
  static constexpr std::size_t kMaxCandidates = 48;

  std::string path;     // resolved path (or AF_UNIX socket path); "" when the call names none
  std::string address;  // inet address of connect/sendto
  std::string errno_name;
  tracer::Family family = tracer::Family::Other;
  std::string syscall;  // of the first event
  std::int32_t open_flags = -1;
  std::int32_t mode = -1;
  std::vector<std::string> argv;  // execve
  std::uint64_t count = 0;
  std::vector<tracer::Pid> pids;  // unique, in order of first failure, at most kMaxPids
  tracer::Timestamp first_seen;
  tracer::Timestamp last_seen;
  std::uint64_t first_seq = 0;  // event sequence numbers
  std::uint64_t last_seq = 0;
  std::vector<EvidenceRef> evidence;
  std::optional<std::uint32_t> uid;  // of the first failing process, when the trace showed it
  std::optional<std::uint32_t> gid;
  // Files the process (and its parents) opened before, newest first, as ids into the pipeline's
  // interned file table: a group costs a few bytes per candidate, not a copy of each path.
  std::vector<std::uint32_t> candidates;

  // Noise and ranking signals.
  const NoiseRule* rule = nullptr;    // noise rule matched when the group was made
  std::string probe_success;          // a later success in the same process that makes this a probe
  std::uint64_t last_before_5xx = 0;  // was the newest real failure before an HTTP 5xx
  std::uint64_t near_5xx = 0;         // failed in the same process during a request that got 5xx
  std::uint64_t before_error_write = 0;  // failed shortly before the process wrote to stderr/a log
  std::uint64_t before_bad_exit = 0;  // failed in a process that then exited non-zero / was killed
  std::vector<std::size_t> messages;  // indexes of message hits that name this path
  // Consequence evidence, kept for every group (noise rules included: a rule is a prior).
  std::uint64_t named_in_error = 0;  // an error line the process wrote names the path/basename
  std::string named_line;            // the first such line
  std::uint64_t last_before_error_line = 0;  // newest failure when the process began an error line
  std::uint64_t last_before_exit = 0;  // the failure blamed for a non-zero exit or fatal signal
  std::uint64_t last_before_http_error = 0;  // newest failure before a 4xx/5xx answer
  bool ended_well = false;                   // every process it failed in exited 0 (set by finish)
  std::uint64_t answered_ok = 0;             // requests it failed in that were answered 1xx-3xx
  // A search merged into this group (same name tried in several directories, found in none):
  // the other directories tried, in order (set by finish).
  std::vector<std::string> search_paths;
  bool used = false;  // some failing call tried to use the path (open, exec, connect...), not
                      // only to check it (access, stat, readlink)

  bool create_seen = false;  // a failing call of the group was mkdir/bind/mknod/creat/symlink
  // A message (rule writes_into) said the path is a directory the program writes files into.
  bool written_into = false;
  // Open with O_CREAT, mkdir, bind, link/rename target...: the call wanted to make the path.
  [[nodiscard]] bool creates() const;
  [[nodiscard]] bool has_pid(tracer::Pid pid) const;
};

// The table of groups, capped: past `max_groups` new groups are counted, not stored.
class GroupTable {
 public:
  explicit GroupTable(std::size_t max_groups) : max_groups_(max_groups) {}

  // Adds a failed event; returns the group index, or nullopt when the cap dropped it. `created` is
  // set when the event made a new group (the caller then fills rule/candidates/uid).
  std::optional<std::uint32_t> add(const tracer::Event& event, tracer::Family family,
                                   std::uint64_t seq, bool& created);

  [[nodiscard]] std::vector<FailureGroup>& groups() { return groups_; }
  [[nodiscard]] const std::vector<FailureGroup>& groups() const { return groups_; }
  // Distinct groups not stored because of the cap (estimated once very many were dropped).
  [[nodiscard]] std::uint64_t dropped_groups() const { return dropped_groups_; }
  [[nodiscard]] std::uint64_t dropped_events() const { return dropped_events_; }

 private:
  std::size_t max_groups_;
  std::vector<FailureGroup> groups_;
  StringMap<std::uint32_t> index_;
  std::string key_;  // reused buffer for the lookup key
  std::unordered_set<std::uint64_t> dropped_keys_;
  std::uint64_t dropped_groups_ = 0;
  std::uint64_t dropped_events_ = 0;
};

}  // namespace culprit::analyzer
