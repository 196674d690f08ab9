// The pipeline: per-event bookkeeping (cheap; most events are successful calls that only touch a
// hash set), then the whole-trace passes in `finish`.
#include "analyzer/passes/pipeline.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <bitset>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include "analyzer/core/permission.h"
#include "analyzer/passes/pass_classify.h"
#include "analyzer/passes/pass_evidence.h"
#include "analyzer/passes/pass_group.h"
#include "analyzer/passes/pass_messages.h"
#include "analyzer/passes/pass_noise.h"
#include "analyzer/passes/pass_rank.h"
#include "analyzer/passes/pass_referrer.h"
#include "analyzer/passes/pass_referrer_disk.h"
#include "analyzer/passes/pass_search.h"
#include "analyzer/passes/server_catalog.h"
#include "analyzer/passes/similarity.h"

namespace culprit::analyzer {
namespace {

using tracer::Event;
using tracer::Family;
using tracer::Pid;

enum class Op : std::uint8_t {
  Other,     // anything else: its path, if any, is remembered as existing on success
  Open,      // open/openat/openat2/creat
  Exec,      // execve/execveat
  Write,     // write family: error messages and HTTP answers
  Read,      // read family: file contents for log-only referrer search
  Clone,     // clone/fork/vfork: parent links
  SetUid,    // setuid family
  SetGid,    // setgid family
  Getdents,  // directory listings
  SockOpt,   // getsockopt: SO_ERROR of a non-blocking connect
  Connect,   // connect: an EINPROGRESS failure is settled later; a success is like Other
  Ignore,    // no path, nothing to learn
};

struct OpInfo {
  Op op = Op::Other;
  Family family = Family::Other;
};

// Whether a row's event can name a file or socket the caller chose: a path argument, or an address
// the caller passes (connect, bind, sendto, sendmsg) rather than one the kernel fills in.
bool names_something(const tracer::SyscallInfo& row) {
  if (row.paths[0].path >= 0) {
    return true;
  }
  if (row.has(tracer::Trait::PeerAddr)) {
    return false;
  }
  return std::any_of(row.args.begin(), row.args.end(), [](tracer::ArgType t) {
    return t == tracer::ArgType::SockAddr || t == tracer::ArgType::Msghdr;
  });
}

// What an event of syscall `name` means to the per-event bookkeeping; from the table's columns,
// computed once per name (State::op_of caches it).
OpInfo op_for(std::string_view name) {
  using tracer::Trait;
  OpInfo info;
  const tracer::SyscallInfo* row = tracer::find_syscall(name);
  if (row == nullptr) {
    // Outside the table, sources deliver a call only when it failed (or with
    // ReadOptions::all_syscalls), and without decoded arguments. Directory listings are not in
    // the table (a row would make every getdents a delivered event), but a source that records
    // their names ({d_name="x"} in data) helps the existence checks.
    if (name == "getdents" || name == "getdents64") {
      info.op = Op::Getdents;
    }
    return info;
  }
  info.family = row->family;
  if (row->has(Trait::OpensPath)) {
    info.op = Op::Open;
  } else if (row->family == Family::Exec) {
    info.op = Op::Exec;
  } else if (row->has(Trait::WritesData)) {
    info.op = Op::Write;
  } else if (row->has(Trait::ReadsData)) {
    info.op = Op::Read;
  } else if (row->has(Trait::CloneLike)) {
    info.op = Op::Clone;
  } else if (row->has(Trait::SetsUid)) {
    info.op = Op::SetUid;
  } else if (row->has(Trait::SetsGid)) {
    info.op = Op::SetGid;
  } else if (row->has(Trait::SoError)) {
    info.op = Op::SockOpt;
  } else if (row->has(Trait::Connects)) {
    info.op = Op::Connect;
  } else if (!names_something(*row)) {
    info.op = Op::Ignore;
  }
  return info;
}

constexpr std::size_t kRecentFiles = 64;
constexpr std::size_t kRecentGroups = 8;
constexpr std::size_t kRecentFailures = 64;
constexpr std::size_t kConsequenceCap = 20;
constexpr std::size_t kTimelineCap = 30;
constexpr std::size_t kPerFileRecorded = 1U << 20;

template <typename T, std::size_t N>
struct Ring {
  std::array<T, N> items{};
  std::size_t head = 0;  // next slot
  std::size_t size = 0;
  void push(T v) {
    items[head] = v;
    head = (head + 1) % N;
    size = std::min(size + 1, N);
  }
  // i = 0 is the newest.
  [[nodiscard]] T at(std::size_t i) const { return items[(head + N - 1 - i) % N]; }
  void clear() { size = 0; }
};

struct ProcInfo {
  Pid parent = 0;
  std::string program;  // the executable it runs: its last execve, its parent's, /proc/PID/exe
  std::optional<std::uint32_t> uid;
  std::optional<std::uint32_t> gid;
  Ring<std::uint32_t, kRecentFiles> files;  // interned file ids opened for reading
  Ring<std::uint32_t, kRecentGroups>
      groups;  // real (non-rule) failure groups since the last answer
  // Every failure group (noise rules included), newest first: what an error line may name.
  Ring<std::uint32_t, kRecentFailures> recent;
  std::optional<std::uint32_t> line_start;  // newest failure when the pending error line began
  std::optional<std::uint32_t> blamed;      // newest failure before its last unnamed error line
  bool named_any = false;                   // an error line of this process named a failure
  bool worked_since_failure = false;  // opened, ran or connected to something since its last one
  std::string last_output;            // the last line it wrote to stdout or stderr
  // The failure to blame for what the process does next: the newest one that no noise rule
  // matched and nothing recovered from (a rule is a prior: strerror()'s locale lookups come
  // between a failure and its message), else the newest ruled one, but only when the process
  // opened or ran nothing since its last failure (ld.so's /etc/ld.so.preload check at every exec
  // is not what a program exits 3 about after loading its libraries and doing its work).
  std::optional<std::uint32_t> blame_candidate(const std::vector<FailureGroup>& gs) const {
    for (std::size_t i = 0; i < recent.size; ++i) {
      const FailureGroup& g = gs[recent.at(i)];
      if (g.rule == nullptr && g.probe_success.empty() && (!g.path.empty() || !g.address.empty()) &&
          errno_can_be_complained_about(g.errno_name)) {
        return recent.at(i);
      }
    }
    // A message catalog looked up to print the error came after the fault: passed over first.
    for (const bool reporting : {false, true}) {
      for (std::size_t i = 0; i < recent.size; ++i) {
        const FailureGroup& g = gs[recent.at(i)];
        if ((g.rule != nullptr && g.rule->while_reporting) != reporting) {
          continue;
        }
        if ((!g.path.empty() || !g.address.empty()) &&
            errno_can_be_complained_about(g.errno_name)) {
          if (!worked_since_failure) {
            return recent.at(i);
          }
          return std::nullopt;
        }
      }
    }
    return std::nullopt;
  }
};

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

bool skip_as_candidate(std::string_view path) {
  if (starts_with(path, "/proc/") || starts_with(path, "/sys/") || starts_with(path, "/dev/")) {
    return true;
  }
  const auto base = base_name(path);
  const auto so = base.find(".so");
  if (so != std::string_view::npos &&
      (so + 3 == base.size() || base[so + 3] == '.')) {  // libx.so, libx.so.6
    return true;
  }
  return base == "locale-archive" || base == "ld.so.cache" ||
         (base.size() > 3 && base.substr(base.size() - 3) == ".mo");
}

// An HTTP status line or CGI Status header with a 5xx code, at the start of a written buffer.
int http_status(std::string_view d) {
  if (starts_with(d, "HTTP/1.") && d.size() >= 12 && d[8] == ' ') {
    const auto code = d.substr(9, 3);
    if (std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
    }
  }
  const auto head = d.substr(0, 96);
  const auto st = head.find("Status: ");
  if (st != std::string_view::npos && st + 11 <= head.size()) {
    const auto code = head.substr(st + 8, 3);
    if (std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
    }
  }
  return 0;
}

bool error_stream(const Event& e) {
  if (e.fd == 2) {
    return true;
  }
  const std::string_view p = e.fd_path;
  if (p.empty() || p.find("access") != std::string_view::npos) {
    return false;
  }
  return p.find("error") != std::string_view::npos ||
         (p.size() > 4 && p.substr(p.size() - 4) == ".log") || p == "/dev/log";
}

}  // namespace

struct Pipeline::State {
  const Rules& rules;
  const FileSystem& fs;
  PipelineOptions options;

  std::uint64_t seq = 0;
  ReportStats stats;
  tracer::Timestamp first_time;
  tracer::Timestamp last_time;

  StringMap<OpInfo> ops;
  GroupTable groups;
  ProbeTracker probes;
  std::unordered_map<Pid, ProcInfo> procs;
  Pid cached_pid = -1;
  ProcInfo* cached_proc = nullptr;

  // Successful paths (what exists, per the log), capped.
  StringSet known_paths;
  // Interned files opened for reading, and the read() data recorded for them.
  std::vector<std::string> files;
  StringMap<std::uint32_t> file_ids;
  std::vector<std::string> recorded;
  std::vector<std::uint32_t> opens;  // times each interned file was opened
  std::size_t recorded_total = 0;

  // Error messages (rules/messages.yaml).
  MessageMatcher messages;

  // Non-blocking connects in progress, by (pid, fd): their outcome comes later (SO_ERROR).
  std::unordered_map<std::uint64_t, Event> connecting;

  std::vector<TimelineEntry> timeline;
  LineAssembler lines;
  Ring<std::uint32_t, kRecentFailures> recent_any;  // failures of any process, newest first
  std::vector<TimelineEntry> consequences;
  std::uint64_t consequences_dropped = 0;
  std::unordered_map<Pid, int> exit_status;  // last exit of each pid: status, or -1 when killed
  std::uint64_t responses_http_error = 0;
  std::uint64_t responses_5xx = 0;
  std::uint64_t error_writes = 0;
  std::uint64_t bad_exits = 0;
  std::size_t timeline_5xx = 0;
  std::size_t timeline_writes = 0;
  std::size_t timeline_exits = 0;

  State(const Rules& r, const FileSystem& f, PipelineOptions o)
      : rules(r),
        fs(f),
        options(std::move(o)),
        groups(options.max_groups),
        messages(
            r, [this](Pid pid) { return candidates_of(pid); },
            [this](const tracer::Timestamp& t, Pid pid, std::string what) {
              timeline.push_back(TimelineEntry{t, pid, std::move(what)});
            },
            [this](Pid pid) {
              const auto it = procs.find(pid);
              return it == procs.end() ? std::string() : it->second.program;
            }) {}

  ProcInfo& proc(Pid pid) {
    if (pid == cached_pid && cached_proc != nullptr) {
      return *cached_proc;
    }
    auto [it, inserted] = procs.try_emplace(pid);
    if (inserted) {
      it->second.uid = options.process_uid;
      it->second.gid = options.process_gid;
      if (options.read_proc_ids) {
        read_proc_ids(pid, it->second);
      }
    }
    cached_pid = pid;
    cached_proc = &it->second;
    return it->second;
  }

  // "Uid:\treal\teffective\tsaved\tfs": the filesystem ids are what the kernel checks.
  static void read_proc_ids(Pid pid, ProcInfo& p) {
    std::error_code ec;
    const auto exe = std::filesystem::read_symlink(fmt::format("/proc/{}/exe", pid), ec);
    if (!ec) {
      p.program = exe.string();
    }
    std::ifstream in(fmt::format("/proc/{}/status", pid));
    std::string line;
    auto fs_id = [](const std::string& l) -> std::optional<std::uint32_t> {
      std::istringstream fields(l.substr(l.find(':') + 1));
      std::uint64_t v = 0;
      std::uint64_t last = 0;
      int n = 0;
      while (fields >> v) {
        last = v;
        ++n;
      }
      if (n != 4 || last > 0xffffffffULL) {
        return std::nullopt;
      }
      return static_cast<std::uint32_t>(last);
    };
    while (std::getline(in, line)) {
      if (line.rfind("Uid:", 0) == 0) {
        if (const auto id = fs_id(line)) {
          p.uid = id;
        }
      } else if (line.rfind("Gid:", 0) == 0) {
        if (const auto id = fs_id(line)) {
          p.gid = id;
        }
        break;
      }
    }
  }

  const OpInfo& op_of(const std::string& name) {
    auto it = ops.find(std::string_view(name));
    if (it == ops.end()) {
      it = ops.emplace(name, op_for(name)).first;
    }
    return it->second;
  }

  void note_time(const tracer::Timestamp& t) {
    if (!t.known()) {
      return;
    }
    if (!first_time.known()) {
      first_time = t;
    }
    last_time = t;
  }

  void add_timeline(const Event& e, std::string what) {
    timeline.push_back(TimelineEntry{e.time, e.pid, std::move(what)});
  }

  void remember_existing(std::string_view path, Pid pid) {
    if (path.empty()) {
      return;
    }
    if (!probes.empty()) {
      probes.on_success(path, pid, groups.groups());
    }
    if (known_paths.size() < options.max_known_paths && path.front() == '/' &&
        known_paths.find(path) == known_paths.end()) {
      known_paths.emplace(path);
    }
  }

  std::uint32_t intern_file(std::string_view path) {
    if (const auto it = file_ids.find(path); it != file_ids.end()) {
      return it->second;
    }
    const auto id = static_cast<std::uint32_t>(files.size());
    files.emplace_back(path);
    recorded.emplace_back();
    opens.push_back(0);
    file_ids.emplace(std::string(path), id);
    return id;
  }

  void on_success(const Event& e, const OpInfo& info) {
    if (info.op == Op::Exec && !e.path.empty()) {
      proc(e.pid).program = e.path;
    }
    if (info.op == Op::Open || info.op == Op::Exec || info.op == Op::Connect) {
      if (e.pid == cached_pid && cached_proc != nullptr) {
        cached_proc->worked_since_failure = true;
      } else if (const auto it = procs.find(e.pid); it != procs.end()) {
        it->second.worked_since_failure = true;
      }
    }
    switch (info.op) {
      case Op::Ignore:
        return;
      case Op::Open: {
        const std::string_view path = e.path_absolute || e.ret_path.empty()
                                          ? std::string_view(e.path)
                                          : std::string_view(e.ret_path);
        remember_existing(path, e.pid);
        const bool for_reading = e.open_flags < 0 || (e.open_flags & tracer::open_flag::AccMode) !=
                                                         tracer::open_flag::WrOnly;
        const bool directory =
            e.open_flags >= 0 && (e.open_flags & tracer::open_flag::Directory) != 0;
        if (for_reading && !directory && !path.empty() && path.front() == '/' &&
            !skip_as_candidate(path)) {
          ProcInfo& p = proc(e.pid);
          const auto id = intern_file(path);
          ++opens[id];
          if (p.files.size == 0 || p.files.at(0) != id) {
            p.files.push(id);
          }
        }
        return;
      }
      case Op::Write:
        if (!e.data.empty()) {
          on_write(e);
        }
        return;
      case Op::Read:
        if (!e.data.empty() && !e.fd_path.empty() && recorded_total < options.max_recorded_bytes) {
          // Only the first opening is recorded: later ones read the same bytes again.
          if (const auto it = file_ids.find(std::string_view(e.fd_path));
              it != file_ids.end() && opens[it->second] == 1) {
            std::string& buf = recorded[it->second];
            if (buf.size() < kPerFileRecorded) {
              const auto n = std::min(e.data.size(), kPerFileRecorded - buf.size());
              buf.append(e.data, 0, n);
              recorded_total += n;
            }
          }
        }
        return;
      case Op::Clone:
        if (e.ret_known && e.ret > 0) {
          ProcInfo& parent = proc(e.pid);
          const auto uid = parent.uid;
          const auto gid = parent.gid;
          std::string program = parent.program;
          ProcInfo& child = proc(static_cast<Pid>(e.ret));
          child.parent = e.pid;
          if (child.program.empty()) {
            child.program = std::move(program);
          }
          child.uid = uid;
          child.gid = gid;
        }
        return;
      case Op::SetUid:
        if (e.set_id >= 0) {
          proc(e.pid).uid = static_cast<std::uint32_t>(e.set_id);
        }
        return;
      case Op::SetGid:
        if (e.set_id >= 0) {
          proc(e.pid).gid = static_cast<std::uint32_t>(e.set_id);
        }
        return;
      case Op::Getdents:
        on_getdents(e);
        return;
      case Op::SockOpt:
        // getsockopt(fd, SOL_SOCKET, SO_ERROR, [ECONNREFUSED]): the source puts the value in data.
        if (!connecting.empty() && e.fd >= 0 && !e.data.empty()) {
          settle_connect(e, e.data);
        }
        return;
      case Op::Exec:
      case Op::Connect:
      case Op::Other:
        if (!e.path.empty()) {
          remember_existing(e.path, e.pid);
        }
        return;
    }
  }

  // Names listed by getdents, when the source recorded them ({d_name="x"} entries).
  void on_getdents(const Event& e) {
    const std::string_view dir = e.fd_path;
    if (dir.empty() || dir.front() != '/') {
      return;
    }
    const std::string_view d = e.data;
    std::size_t pos = 0;
    std::string path;
    while ((pos = d.find("d_name=\"", pos)) != std::string_view::npos) {
      pos += 8;
      const auto end = d.find('"', pos);
      if (end == std::string_view::npos) {
        break;
      }
      const auto name = d.substr(pos, end - pos);
      if (name != "." && name != "..") {
        path.assign(dir);
        if (path.back() != '/') {
          path += '/';
        }
        path += name;
        remember_existing(path, e.pid);
      }
      pos = end;
    }
  }

  static std::uint64_t sock_key(Pid pid, std::int32_t fd) {
    return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(pid)) << 32) |
           static_cast<std::uint32_t>(fd);
  }

  // A deferred connect() result: report it as the connect failure it is.
  void settle_connect(const Event& e, std::string_view result) {
    const auto it = connecting.find(sock_key(e.pid, e.fd));
    if (it == connecting.end()) {
      return;
    }
    std::string_view err = result;
    while (!err.empty() && (err.front() == '[' || err.front() == ' ')) {
      err.remove_prefix(1);
    }
    while (!err.empty() && (err.back() == ']' || err.back() == ' ')) {
      err.remove_suffix(1);
    }
    if (err.size() < 2 || err.front() != 'E' || err == "EINPROGRESS" || err == "EALREADY") {
      return;
    }
    Event failed = std::move(it->second);
    connecting.erase(it);
    failed.err = std::string(err);
    failed.time = e.time;
    failed.origin = e.origin;
    on_failure(failed, op_of(failed.syscall));
  }

  void on_failure(const Event& e, const OpInfo& info) {
    if (e.fd >= 0 && !connecting.empty() && info.op != Op::Connect &&
        (e.err == "ECONNREFUSED" || e.err == "ETIMEDOUT" || e.err == "EHOSTUNREACH")) {
      settle_connect(e, e.err);  // the first use of the socket tells what the connect became
    }
    if (info.op == Op::Connect && e.err == "EINPROGRESS" && e.fd >= 0 &&
        connecting.size() < 10000) {
      connecting.insert_or_assign(sock_key(e.pid, e.fd), e);
    }
    ++stats.failed;
    bool created = false;
    const auto index = groups.add(e, info.family, seq, created);
    if (!index) {
      return;
    }
    FailureGroup& g = groups.groups()[*index];
    ProcInfo& p = proc(e.pid);
    if (created) {
      g.rule = match_noise_rule(rules, g.syscall, g.family, g.errno_name,
                                g.path.empty() ? std::string_view(g.address) : g.path);
      g.uid = p.uid;
      g.gid = p.gid;
      // Rules are a prior, not a verdict: a ruled failure is watched for recovery and consequences
      // like any other, and keeps its referrer candidates in case the evidence unhides it.
      if (!g.path.empty()) {
        probes.watch(*index, g.path);
      }
      snapshot_candidates(e.pid, g);  // candidates are taken once, at the first failure
    }
    if (p.recent.size == 0 || p.recent.at(0) != *index) {
      p.recent.push(*index);
    }
    if (!g.path.empty() || !g.address.empty()) {
      // Only a failure that could be blamed restarts the count: the ECHILD of a reaper loop after
      // the work is done says nothing about the work.
      p.worked_since_failure = false;
    }
    if (recent_any.size == 0 || recent_any.at(0) != *index) {
      recent_any.push(*index);
    }
    if (g.rule != nullptr) {
      return;
    }
    if (p.groups.size == 0 || p.groups.at(0) != *index) {
      p.groups.push(*index);
    }
  }

  void snapshot_candidates(Pid pid, FailureGroup& g) {
    Pid cur = pid;
    for (int depth = 0; depth < 4 && g.candidates.size() < FailureGroup::kMaxCandidates; ++depth) {
      const auto it = procs.find(cur);
      if (it == procs.end()) {
        break;
      }
      const ProcInfo& p = it->second;
      for (std::size_t i = 0;
           i < p.files.size && g.candidates.size() < FailureGroup::kMaxCandidates; ++i) {
        const std::uint32_t f = p.files.at(i);
        if (std::find(g.candidates.begin(), g.candidates.end(), f) == g.candidates.end()) {
          g.candidates.push_back(f);
        }
      }
      if (p.parent == 0 || p.parent == cur) {
        break;
      }
      cur = p.parent;
    }
  }

  std::vector<std::string> candidates_of(Pid pid) {
    FailureGroup tmp;
    snapshot_candidates(pid, tmp);
    std::vector<std::string> out;
    out.reserve(tmp.candidates.size());
    for (const std::uint32_t id : tmp.candidates) {
      out.push_back(files[id]);
    }
    return out;
  }

  void credit(ProcInfo& p, std::uint64_t FailureGroup::*counter, bool newest_only) {
    auto& gs = groups.groups();
    for (std::size_t i = 0; i < p.groups.size; ++i) {
      FailureGroup& g = gs[p.groups.at(i)];
      if (!g.probe_success.empty()) {
        continue;  // already known to be a search
      }
      ++(g.*counter);
      if (newest_only) {
        return;
      }
    }
  }

  void note_consequence(const tracer::Timestamp& time, Pid pid, std::string what) {
    if (consequences.size() >= kConsequenceCap) {
      ++consequences_dropped;
      return;
    }
    consequences.push_back(TimelineEntry{time, pid, std::move(what)});
  }

  // Marks the recent failures of `pid` and of its parents (a shell forks the child that reports
  // the command its own $PATH search did not find) that an error line names. Failures whose
  // errno says the object exists or the call was a probe (readlink's EINVAL, ENOTTY...) are not
  // what a message complains about.
  bool name_failures(Pid pid, std::string_view text) {
    auto& gs = groups.groups();
    auto try_name = [&](FailureGroup& g) {
      if (!errno_can_be_complained_about(g.errno_name)) {
        return false;
      }
      if (g.path.empty() && !g.address.empty()) {
        if (!line_names_address(text, g.address)) {
          return false;
        }
      } else if (!line_names(text, g.path) ||
                 (!g.probe_success.empty() && text.find(g.path) == std::string_view::npos)) {
        return false;  // (a name found elsewhere after this try: the message is about that one)
      }
      ++g.named_in_error;
      if (g.named_line.empty()) {
        g.named_line = first_line(text, 300);
      }
      return true;
    };
    bool named = false;
    Pid cur = pid;
    for (int depth = 0; depth < 3 && !named; ++depth) {
      const auto it = procs.find(cur);
      if (it == procs.end()) {
        break;
      }
      const ProcInfo& p = it->second;
      for (std::size_t i = 0; i < p.recent.size; ++i) {
        named = try_name(gs[p.recent.at(i)]) || named;
      }
      if (p.parent == 0 || p.parent == cur) {
        break;
      }
      cur = p.parent;
    }
    // A parent reporting what its child could not do ("fatal: cannot run hooks/pre-commit").
    for (std::size_t i = 0; i < recent_any.size && !named; ++i) {
      named = try_name(gs[recent_any.at(i)]);
    }
    return named;
  }

  // A whole line written to stderr or an error log: which failure it names, or which failure it
  // follows, and what error message it is.
  void on_error_line(const LineAssembler::Line& line) {
    const std::string_view text = line.text;
    const Pid pid = line.first.pid;
    // A message a rule recognises explains the process's trouble by itself (a configuration
    // error names no failed call): the exit is not blamed on whatever failed last.
    const bool recognised =
        text.size() >= 8 && messages.match_line(line.first, text.substr(0, 1024), true);
    ProcInfo& p = proc(pid);
    const std::optional<std::uint32_t> began_after = p.line_start;
    p.line_start.reset();
    if (!looks_like_error(text)) {
      if (recognised) {
        p.named_any = true;
      }
      return;
    }
    const bool named = name_failures(pid, text);
    if (named || recognised) {
      p.named_any = true;
    } else if (began_after) {
      ++groups.groups()[*began_after].last_before_error_line;
      p.blamed = began_after;
    }
    note_consequence(line.first.time, pid, fmt::format("wrote: {}", first_line(text, 200)));
  }

  void on_write(const Event& e) {
    const std::string_view d = e.data;
    if ((e.fd == 1 || e.fd == 2) && !d.empty()) {
      // What a process that exits non-zero said last ("exited with status 1 after writing X").
      std::string_view tail = d.size() > 512 ? d.substr(d.size() - 512) : d;
      while (!tail.empty() && (tail.back() == '\n' || tail.back() == '\r')) {
        tail.remove_suffix(1);
      }
      if (const auto nl = tail.rfind('\n'); nl != std::string_view::npos) {
        tail.remove_prefix(nl + 1);
      }
      if (tail.size() >= 3) {
        proc(e.pid).last_output.assign(tail.substr(0, 160));  // reuses its capacity
      }
    }
    if (const int status = http_status(d); status != 0) {
      ProcInfo& p = proc(e.pid);
      if (status >= 400) {
        ++responses_http_error;
        if (const auto n = p.blame_candidate(groups.groups())) {
          ++groups.groups()[*n].last_before_http_error;
        }
        note_consequence(e.time, e.pid, fmt::format("answered {}", first_line(d, 80)));
      }
      if (status >= 500) {
        ++responses_5xx;
        credit(p, &FailureGroup::last_before_5xx, true);
        credit(p, &FailureGroup::near_5xx, false);
        if (timeline_5xx++ < kTimelineCap) {
          add_timeline(e, fmt::format("answered {}", first_line(d, 80)));
        }
      }
      if (status < 400) {
        credit(p, &FailureGroup::answered_ok, false);  // the request was served all the same
      }
      p.groups.clear();  // the next request starts afresh
    }
    const bool err_stream = error_stream(e);
    if (err_stream) {
      ++error_writes;
      // Error streams are read as whole lines: programs write a message in pieces (curl writes
      // its one byte at a time), so a line, not a write, is one error.
      bool began = false;
      auto done = lines.add(e, began);
      if (began) {
        ProcInfo& q = proc(e.pid);
        credit(q, &FailureGroup::before_error_write, true);
        q.line_start = q.blame_candidate(groups.groups());
        if (timeline_writes++ < kTimelineCap) {
          add_timeline(e,
                       fmt::format("wrote to {}: {}", e.fd == 2 ? std::string("stderr") : e.fd_path,
                                   first_line(d)));
        }
      }
      for (const auto& line : done) {
        on_error_line(line);
      }
      return;
    }
    note_named_on_stdout(e);
    messages.scan_write(e, err_stream);
  }

  // Shell scripts print their own errors with `echo ... >&2`, which reaches stderr through a
  // dup2 onto fd 1 that a log without -y does not show; programs print "X is missing" on stdout.
  // An error-looking line on any stream that names a failure of the same process is evidence it
  // mattered (it is not blamed for anything else: ordinary output is not a consequence).
  void note_named_on_stdout(const Event& e) {
    const auto it = procs.find(e.pid);
    if (it == procs.end() || it->second.recent.size == 0) {
      return;
    }
    std::string_view d = std::string_view(e.data).substr(0, 2048);
    while (!d.empty()) {
      const auto nl = d.find('\n');
      const std::string_view line = d.substr(0, nl);
      d = nl == std::string_view::npos ? std::string_view() : d.substr(nl + 1);
      if (line.size() >= 8 && looks_like_error(line) && name_failures(e.pid, line)) {
        proc(e.pid).named_any = true;
      }
    }
  }

  void on_exit(const Event& e) {
    for (const auto& line : lines.flush(e.pid)) {
      on_error_line(line);
    }
    exit_status[e.pid] = e.killed ? -1 : e.exit_code;
    if (e.killed || e.exit_code != 0) {
      ++bad_exits;
      std::string said;
      if (auto it = procs.find(e.pid); it != procs.end()) {
        ProcInfo& p = it->second;
        said = p.last_output;
        credit(p, &FailureGroup::before_bad_exit, false);
        // The failure that explains the exit: the one an error line followed, else the last one;
        // none when the process named what failed in an error line (that one is evidence enough).
        if (!p.named_any) {
          if (const auto blame = p.blamed ? p.blamed : p.blame_candidate(groups.groups())) {
            ++groups.groups()[*blame].last_before_exit;
          }
        }
      }
      note_consequence(
          e.time, e.pid,
          fmt::format("{}{}",
                      e.killed ? fmt::format("killed by {}{}", e.signal,
                                             e.core_dumped ? " (core dumped)" : "")
                               : fmt::format("exited with status {}", e.exit_code),
                      said.empty() ? std::string() : fmt::format(" after writing \"{}\"", said)));
      if (timeline_exits++ < kTimelineCap) {
        add_timeline(e, e.killed ? fmt::format("killed by {}{}", e.signal,
                                               e.core_dumped ? " (core dumped)" : "")
                                 : fmt::format("exited with status {}", e.exit_code));
      }
    }
    messages.flush(e.pid);
    // The pid may be reused; parent links of its children were copied when they failed.
    if (cached_pid == e.pid) {
      cached_pid = -1;
      cached_proc = nullptr;
    }
    procs.erase(e.pid);
  }

  Report finish(const tracer::SourceStats& source);
  void find_referrers_on_disk(std::vector<Finding>& findings) const;
  void attach_messages();
  void mark_ended_well();
  void drop_settled_connects(std::vector<std::size_t>& merged_into);
  std::vector<Finding> judge_groups(Report& report, const std::vector<std::size_t>& merged_into,
                                    const LogFacts& facts, ContentCache& contents);
  Finding finding_for_group(const FailureGroup& g, const LogFacts& facts, ContentCache& contents);
  void add_message_findings(std::vector<Finding>& findings, const LogFacts& facts,
                            ContentCache& contents);
  void finish_timeline(Report& report);
  std::optional<Finding> resolve_token_file(const MessageHit& hit, const LogFacts& facts) const;
  void ask_server(const MessageHit& hit, Finding& f, ContentCache& contents) const;
};

Pipeline::Pipeline(const Rules& rules, const FileSystem& fs, PipelineOptions options)
    : state_(std::make_unique<State>(rules, fs, std::move(options))) {}

Pipeline::~Pipeline() = default;

void Pipeline::on_event(const Event& e) {
  State& s = *state_;
  ++s.seq;
  ++s.stats.events;
  s.note_time(e.time);
  if (e.kind == tracer::EventKind::Exit) {
    s.on_exit(e);
    return;
  }
  if (e.kind != tracer::EventKind::Syscall) {
    return;
  }
  const OpInfo& info = s.op_of(e.syscall);
  if (!e.err.empty()) {
    s.on_failure(e, info);
    return;
  }
  if (!e.ret_known || e.unfinished) {
    return;  // "= ?": the call never completed, so it proves nothing
  }
  s.on_success(e, info);
}

// A message whose token names a file the program looked for beside its own files ("No module
// named 'helpres'"): when none of those directories has it but one has a near-named file
// (helpers.py), the name is mistyped. Directories: those of the files the process read, nearest
// first, system directories left out. nullopt when the file exists (the error is about
// something else) or nothing similar is there.
std::optional<Finding> Pipeline::State::resolve_token_file(const MessageHit& hit,
                                                           const LogFacts& facts) const {
  if (hit.rule == nullptr || hit.rule->token_files.empty() || hit.token.empty() ||
      hit.token.find_first_of("/\0") != std::string::npos) {
    return std::nullopt;
  }
  std::string token = hit.token;
  std::replace(token.begin(), token.end(), '.', '/');
  std::vector<std::string> dirs;
  for (const auto& c : hit.candidates) {
    const std::string dir(dir_name(c));
    if (!dir.empty() && !is_system_directory(dir) &&
        std::find(dirs.begin(), dirs.end(), dir) == dirs.end()) {
      dirs.push_back(dir);
    }
  }
  auto exists = [&](const std::string& p) {
    return fs.available() ? fs.stat(p).has_value() : facts.exists(p);
  };
  for (const auto& dir : dirs) {
    for (const auto& tmpl : hit.rule->token_files) {
      std::string name = tmpl;
      name.replace(name.find("{}"), 2, token);
      const std::string path = join_path(dir, name);
      if (exists(path)) {
        return std::nullopt;  // it is there: the error is about something else
      }
    }
  }
  for (const auto& dir : dirs) {
    for (const auto& tmpl : hit.rule->token_files) {
      std::string name = tmpl;
      name.replace(name.find("{}"), 2, token);
      const std::string path = join_path(dir, name);
      const std::string parent(dir_name(path));
      const auto names = fs.available() ? fs.list(parent) : facts.names_in(parent);
      const auto sibling = best_sibling(base_name(path), names);
      if (!sibling) {
        continue;
      }
      Finding f = finding_from_message(hit, FindingKind::MistypedPath, path);
      f.suggestion = join_path(parent, *sibling);
      f.log_only = !fs.available();
      // The word to edit where it is referenced: the token's last part against the sibling's
      // stem ("helpres" -> "helpers").
      const std::string_view last = base_name(token);
      const auto dot = sibling->rfind('.');
      const std::string stem =
          dot == std::string::npos || dot == 0 ? *sibling : sibling->substr(0, dot);
      f.bad_token = std::string(last);
      f.good_token = stem;
      f.explanation = fmt::format(
          "the program looked for {} ({}), which does not exist; {} does: the name is "
          "mistyped{}",
          path, hit.rule->why.empty() ? hit.rule->id : hit.rule->why, *f.suggestion,
          f.log_only ? " (checked from the log only)" : "");
      return f;
    }
  }
  return std::nullopt;
}

// The top findings about a missing or mistyped path whose referrer the trace did not show (the
// file was read before the trace began, or is cached) get one bounded search on disk.
void Pipeline::State::find_referrers_on_disk(std::vector<Finding>& findings) const {
  if (!fs.available()) {
    return;
  }
  std::size_t searched = 0;
  for (auto& f : findings) {
    if (searched == 3) {
      break;
    }
    // A name searched for in several places is asked for by the program's search, not by a
    // line in a file.
    if (f.referenced_from || f.searched || f.path.empty() || f.path.front() != '/' ||
        (f.kind != FindingKind::MistypedPath && f.kind != FindingKind::MissingPath &&
         f.kind != FindingKind::MissingDirectory)) {
      continue;
    }
    ++searched;
    std::vector<std::string> read;
    for (const auto& [file, id] : file_ids) {
      if (opens[id] > 0 && read.size() < 64) {
        read.push_back(file);
      }
    }
    std::sort(read.begin(), read.end());
    const auto roots = referrer_search_roots(fs, f.path, read);
    const auto needles = needles_for(f.path);
    const DiskSearch found = search_referrer_on_disk(fs, roots, needles, f.path);
    std::string where;
    for (std::size_t i = 0; i < found.roots.size() && i < 3; ++i) {
      where += (i == 0 ? "" : ", ") + found.roots[i];
    }
    if (found.found) {
      f.referenced_from = *found.found;
      if (f.kind == FindingKind::MistypedPath && f.bad_token.empty() && f.suggestion) {
        f.bad_token = std::string(base_name(f.path));
        f.good_token = std::string(base_name(*f.suggestion));
      }
      finish_explanation(f);
      f.explanation += fmt::format(
          " (The trace does not show {} being read: found by searching {} files on disk under "
          "{}.)",
          base_name(found.found->file), found.files_read, where);
    } else if (found.cut_short) {
      f.explanation += fmt::format(
          " (No file the trace shows names it; the search of {} under {} stopped at its budget "
          "after {} files.)",
          base_name(f.path), where, found.files_read);
    }
  }
}

// The whole-trace passes, in order. The per-event bookkeeping above gathered the failure groups,
// the error lines and messages, the consequences (exits, 4xx/5xx answers, error lines) and the
// evidence tying failures to them; each pass below is one step a sysadmin would take:
//   1. attach_messages          the failures each error message names          (pass_messages)
//   2. mark_ended_well          processes that exited 0: failures they survived (pass_evidence)
//   3. merge_failed_searches    a name tried in several directories, found nowhere (pass_search)
//   4. drop_settled_connects    a non-blocking connect is reported by its outcome
//   5. judge_groups             noise prior vs evidence, then kind and referrer  (pass_noise,
//                               pass_classify, core/permission, pass_referrer, pass_rank)
//   6. add_message_findings     messages no failed call carries (config errors...)
//   7. merge_shared_blockers    one directory blocking several files              (core/permission)
//   8. rank_findings            by how directly each explains a consequence       (pass_rank)
//   9. find_referrers_on_disk   who asks for a missing name the trace never read
//   (pass_referrer_disk)
Report Pipeline::State::finish(const tracer::SourceStats& source) {
  for (const auto& line : lines.flush_all()) {
    on_error_line(line);
  }
  messages.flush_all();
  Report report;
  report.mode = options.mode;
  report.inputs = options.inputs;
  report.diagnostics = source.diagnostics;
  report.first_event = first_time;
  report.last_event = last_time;
  report.log_only = !fs.available();
  stats.lines = source.lines;
  stats.malformed = source.malformed;
  stats.lost = source.lost;
  stats.groups_dropped = groups.dropped_groups();

  LogFacts facts;
  for (const auto& p : known_paths) {
    facts.add_existing(p);
  }
  ContentCache contents(fs, [this](std::string_view file) -> const std::string* {
    const auto it = file_ids.find(file);
    if (it == file_ids.end() || recorded[it->second].empty()) {
      return nullptr;
    }
    return &recorded[it->second];
  });

  auto& gs = groups.groups();
  attach_messages();
  mark_ended_well();
  std::vector<std::size_t> merged_into;
  merge_failed_searches(gs, merged_into);
  drop_settled_connects(merged_into);
  std::vector<Finding> findings = judge_groups(report, merged_into, facts, contents);
  add_message_findings(findings, facts, contents);
  merge_shared_blockers(findings);
  rank_findings(findings, options.max_findings);
  find_referrers_on_disk(findings);
  report.findings = std::move(findings);
  finish_timeline(report);
  report.stats = stats;
  return report;
}

// 1. Messages that name a failing path: the program said it mattered.
void Pipeline::State::attach_messages() {
  auto& gs = groups.groups();
  auto& hits = messages.hits();
  // Messages that name a failing path: the program said it mattered.
  for (std::size_t h = 0; h < hits.size(); ++h) {
    MessageHit& hit = hits[h];
    if (hit.path.empty()) {
      continue;
    }
    std::vector<std::size_t> matches;
    for (std::size_t i = 0; i < gs.size(); ++i) {
      if (message_names(gs[i].path, hit.path)) {
        matches.push_back(i);
      }
    }
    if (matches.empty() && hit.path.find('/') == std::string::npos) {
      // A bare name ("libfoo.so.1"): the newest failure with that basename.
      std::size_t best = gs.size();
      for (std::size_t i = 0; i < gs.size(); ++i) {
        if (base_name(gs[i].path) == hit.path &&
            (best == gs.size() || gs[i].last_seq > gs[best].last_seq)) {
          best = i;
        }
      }
      if (best != gs.size()) {
        matches.push_back(best);
      }
    }
    for (const auto i : matches) {
      gs[i].messages.push_back(h);
      gs[i].written_into = gs[i].written_into || hit.rule->writes_into;
    }
    hit.matched_group = !matches.empty();
  }
}

// 2. Every process a group failed in exited 0: the program carried on.
void Pipeline::State::mark_ended_well() {
  auto& gs = groups.groups();
  for (auto& g : gs) {
    g.ended_well = !g.pids.empty() && std::all_of(g.pids.begin(), g.pids.end(), [&](Pid pid) {
      const auto it = exit_status.find(pid);
      return it != exit_status.end() && it->second == 0;
    });
  }
}

// 4. A non-blocking connect() whose outcome came later (SO_ERROR, or the next call on the socket)
// is reported by that outcome; its EINPROGRESS half is the same connection, not a second one.
void Pipeline::State::drop_settled_connects(std::vector<std::size_t>& merged_into) {
  const auto& gs = groups.groups();
  StringSet settled;
  for (const auto& g : gs) {
    if (!g.address.empty() && g.errno_name != "EINPROGRESS" && g.errno_name != "EALREADY") {
      settled.insert(g.address);
    }
  }
  for (std::size_t gi = 0; gi < gs.size(); ++gi) {
    if ((gs[gi].errno_name == "EINPROGRESS" || gs[gi].errno_name == "EALREADY") &&
        settled.count(gs[gi].address) != 0) {
      merged_into[gi] = gi;  // dropped: neither a finding nor a suppression of its own
    }
  }
}

// 5. Each group: hidden by the noise prior when no evidence points at it, else a finding with its
// kind, referrer and ranking signals.
std::vector<Finding> Pipeline::State::judge_groups(Report& report,
                                                   const std::vector<std::size_t>& merged_into,
                                                   const LogFacts& facts, ContentCache& contents) {
  auto& gs = groups.groups();
  std::unordered_map<std::size_t, std::vector<std::size_t>> members_of;
  for (std::size_t mi = 0; mi < gs.size(); ++mi) {
    if (merged_into[mi] != kNotMerged && merged_into[mi] != kDropped) {
      members_of[merged_into[mi]].push_back(mi);
    }
  }
  std::vector<Finding> findings;
  for (std::size_t gi = 0; gi < gs.size(); ++gi) {
    if (merged_into[gi] != kNotMerged) {
      continue;
    }
    const FailureGroup& g = gs[gi];
    const NoiseVerdict verdict = judge_noise(g);
    if (verdict.suppressed) {
      report.suppressed.push_back(to_suppressed(g, verdict));
      stats.suppressed += g.count;  // the search's tries are counted in it
      // The other tries of the same search are listed with the same verdict.
      if (const auto it = members_of.find(gi); it != members_of.end()) {
        for (const std::size_t mi : it->second) {
          report.suppressed.push_back(to_suppressed(gs[mi], verdict));
        }
      }
      continue;
    }
    findings.push_back(finding_for_group(g, facts, contents));
    // Keep memory bounded by what is reported, not by the number of groups: ranking is a stable
    // sort on (score, referrer, first seen), so pruning to the top max_findings as we go keeps
    // exactly the findings a single final ranking would keep, in the same order.
    if (findings.size() >= 2 * options.max_findings + 64) {
      rank_findings(findings, options.max_findings);
    }
  }
  return findings;
}

// One group that stays: its kind, its referrer (the file and line that ask for the path), its
// ranking signals and score.
Finding Pipeline::State::finding_for_group(const FailureGroup& g, const LogFacts& facts,
                                           ContentCache& contents) {
  const auto& hits = messages.hits();
  const SystemOwners owners(fs);
  const ClassifyContext ctx{fs, facts, owners};
  Finding f = classify_group(g, ctx);
  RankSignals sig;
  sig.total_5xx = responses_5xx;
  sig.last_before_5xx = g.last_before_5xx;
  sig.near_5xx = g.near_5xx;
  sig.before_error_write = g.before_error_write;
  sig.before_bad_exit = g.before_bad_exit;
  sig.named_in_error = g.named_in_error;
  sig.last_before_exit = g.last_before_exit;
  sig.last_before_error_line = g.last_before_error_line;
  sig.last_before_http_error = g.last_before_http_error;
  if (g.rule != nullptr) {
    sig.rule = g.rule->id;
  }
  if (g.messages.empty() && !g.named_line.empty() && f.message.empty()) {
    f.message = g.named_line;
  }
  std::vector<std::string> candidates;
  candidates.reserve(g.candidates.size());
  for (const std::uint32_t id : g.candidates) {
    candidates.push_back(files[id]);
  }
  if (!g.messages.empty()) {
    const MessageHit& hit = hits[g.messages.front()];
    sig.in_message = true;
    sig.message_rule = hit.rule->id;
    f.message = hit.text;
    if (!hit.file.empty() && !f.referenced_from) {
      f.referenced_from = SourceLocation{hit.file, hit.line, {}};
    }
    for (const auto& c : hit.candidates) {
      if (std::find(candidates.begin(), candidates.end(), c) == candidates.end()) {
        candidates.push_back(c);
      }
    }
  }
  // Referrer: the file and line that name the path. A message's file:line is where the call
  // failed, which names the path for require(), but not for fopen($this->path): then the
  // candidates are searched and the message's location is the fallback.
  if (f.referenced_from && f.referenced_from->text.empty() && f.referenced_from->line != 0 &&
      !g.path.empty()) {
    auto& ref = *f.referenced_from;
    const std::string* text = contents.get(ref.file);
    std::optional<std::string> line_text;
    if (text != nullptr) {
      line_text = line_of(*text, ref.line);
      ref.text = line_text.value_or("");
    }
    // Only a line we could read and that does not name the path sends us searching (log data
    // may hold just the first bytes of the file).
    if (line_text && find_token_line(*line_text, base_name(g.path)) == 0) {
      std::vector<std::string> search = candidates;
      search.push_back(ref.file);
      if (auto better = find_referrer(contents, search, needles_for(g.path), g.path)) {
        ref = std::move(*better);
      }
    }
  }
  if (f.referenced_from && f.referenced_from->text.empty()) {
    auto& ref = *f.referenced_from;
    if (const std::string* text = contents.get(ref.file)) {
      if (ref.line != 0) {
        ref.text = line_of(*text, ref.line).value_or("");
      } else {
        for (const auto& needle : needles_for(g.path)) {
          std::string line_text;
          if (const auto n = find_token_line(*text, needle, &line_text); n != 0) {
            ref.line = n;
            ref.text = std::move(line_text);
            break;
          }
        }
      }
    }
  } else if (!f.referenced_from && !g.address.empty()) {
    std::vector<std::string> needles{g.address};
    // A port alone names the address only when it is not a small number any file has
    // (/etc/passwd's uid 9 is not port 9); system databases never ask for a peer.
    if (const auto colon = g.address.rfind(':');
        colon != std::string::npos && g.address.size() - colon - 1 >= 4) {
      needles.push_back(g.address.substr(colon + 1));
    }
    std::vector<std::string> searched;
    for (const auto& c : candidates) {
      if (c.rfind("/etc/passwd", 0) != 0 && c.rfind("/etc/group", 0) != 0 && c != "/etc/services" &&
          c != "/etc/protocols" && c != "/etc/hosts" && c != "/etc/nsswitch.conf" &&
          c != "/etc/gai.conf" && c != "/etc/host.conf") {
        searched.push_back(c);
      }
    }
    f.referenced_from = find_referrer(contents, searched, needles);
  } else if (!f.referenced_from && !g.path.empty()) {
    const auto needles = needles_for(g.path);
    f.referenced_from = find_referrer(contents, candidates, needles, g.path);
    if (f.referenced_from && contents.from_log(f.referenced_from->file)) {
      f.log_only = f.log_only || !fs.available();
    }
  }
  score_finding(f, sig);
  finish_explanation(f);
  return f;
}

// 6. Messages that stand on their own: configuration errors, and paths no failure group carries.
void Pipeline::State::add_message_findings(std::vector<Finding>& findings, const LogFacts& facts,
                                           ContentCache& contents) {
  const SystemOwners owners(fs);
  const ClassifyContext ctx{fs, facts, owners};
  for (const auto& hit : messages.hits()) {
    if (hit.matched_group) {
      continue;
    }
    std::optional<Finding> f;
    if (!hit.path.empty()) {
      FailureGroup g;
      g.path = hit.path;
      if (g.path.front() != '/' && !hit.file.empty()) {
        g.path = join_path(dir_name(hit.file), g.path);
      }
      g.errno_name = errno_for_message(hit);
      g.syscall = "";
      g.family = g.errno_name == "ECONNREFUSED" ? Family::Network : Family::File;
      g.count = hit.count;
      g.pids = {hit.pid};
      g.first_seen = hit.time;
      g.last_seen = hit.time;
      g.evidence = {hit.evidence};
      g.uid = std::nullopt;
      f = classify_group(g, ctx);
      f->errno_name.clear();
      f->message = hit.text;
      if (!hit.file.empty()) {
        f->referenced_from = SourceLocation{hit.file, hit.line, {}};
      }
    } else {
      f = resolve_token_file(hit, facts);
      if (!f) {
        f = classify_message(hit, rules);
        if (f) {
          ask_server(hit, *f, contents);
        }
      }
      if (!f) {
        continue;
      }
    }
    if (f->referenced_from && f->referenced_from->text.empty() && f->referenced_from->line != 0) {
      if (const std::string* text = contents.get(f->referenced_from->file)) {
        f->referenced_from->text = line_of(*text, f->referenced_from->line).value_or("");
      }
    }
    if (!f->referenced_from && !f->bad_token.empty()) {
      const std::vector<std::string> needles{f->bad_token};
      f->referenced_from = find_referrer(contents, hit.candidates, needles);
      if (f->referenced_from && f->kind == FindingKind::ConfigError) {
        f->path = f->referenced_from->file;
      }
    }
    RankSignals sig;
    sig.in_message = true;
    sig.message_rule = hit.rule->id;
    sig.total_5xx = responses_5xx;
    score_finding(*f, sig);
    finish_explanation(*f);
    findings.push_back(std::move(*f));
  }
}

// An unknown Apache directive, asked of the binary the process ran (live analyses only): the
// directives it lists with the modules the configuration loads (the LoadModule lines of the files
// it read) give the nearest spelling; a directive none of them has but an installed module defines
// is a module to load, not a word to change.
void Pipeline::State::ask_server(const MessageHit& hit, Finding& f, ContentCache& contents) const {
  if (options.catalog == nullptr || f.kind != FindingKind::ConfigError || f.bad_token.empty()) {
    return;
  }
  const MessageRule& token_rule = hit.continuation != nullptr ? *hit.continuation : *hit.rule;
  if (token_rule.words != "apache-directives") {
    return;
  }
  const std::string& program = hit.program;
  if (program.empty()) {
    return;
  }
  std::vector<std::string> read = hit.candidates;
  if (!hit.file.empty()) {
    read.push_back(hit.file);
  }
  std::vector<ModuleLoad> loads;
  for (const auto& file : read) {
    if (contents.from_log(file)) {
      continue;  // the first bytes the trace recorded, not the whole file
    }
    if (const std::string* text = contents.get(file)) {
      for (auto& l : load_module_lines(*text)) {
        if (std::none_of(loads.begin(), loads.end(),
                         [&](const ModuleLoad& m) { return m.name == l.name; })) {
          loads.push_back(std::move(l));
        }
      }
    }
  }
  const auto known = options.catalog->apache_directives(program, loads);
  if (!known) {
    return;
  }
  const std::string where =
      hit.file.empty() ? std::string("the configuration")
                       : (hit.line != 0 ? fmt::format("{} line {}", hit.file, hit.line) : hit.file);
  const auto exact = std::find_if(known->begin(), known->end(), [&](const std::string& d) {
    return edit_distance(d, f.bad_token, 0, true) == 0;
  });
  if (exact != known->end()) {
    return;  // it knows the word: the error is about something else
  }
  if (auto w = nearest_word(f.bad_token, *known, true)) {
    f.good_token = *w;
    f.explanation = fmt::format(
        "{}: '{}' is not a directive this Apache knows; did you mean '{}'? (from {} -L with "
        "the {} modules its configuration loads; directive names are case-insensitive)",
        where, f.bad_token, *w, program, loads.size());
    return;
  }
  if (auto m = options.catalog->apache_module_defining(program, loads, f.bad_token)) {
    f.good_token.clear();
    f.module_to_load = ModuleToLoad{m->name, m->path, m->available, {}, 0, {}};
    if (!hit.file.empty() && hit.line != 0 && !contents.from_log(hit.file)) {
      if (const std::string* text = contents.get(hit.file)) {
        if (const auto at = load_module_position(*text, hit.line)) {
          f.module_to_load->insert_file = hit.file;
          f.module_to_load->insert_before = at->first;
          f.module_to_load->anchor = at->second;
        }
      }
    }
    f.explanation = fmt::format(
        "{}: '{}' is a directive of {} ({}), which the configuration does not load (from {} -L)",
        where, f.bad_token, m->name, m->path, program);
  }
}

// The timeline (in event order, bracketed by the first and last event), capped lists, and the
// consequences.
void Pipeline::State::finish_timeline(Report& report) {
  std::stable_sort(timeline.begin(), timeline.end(),
                   [](const TimelineEntry& a, const TimelineEntry& b) {
                     if (a.time.known() && b.time.known() && a.time.kind == b.time.kind) {
                       return a.time.micros < b.time.micros;
                     }
                     return false;
                   });
  if (timeline_5xx > kTimelineCap) {
    timeline.push_back(TimelineEntry{
        last_time, 0, fmt::format("... {} more 5xx answers", timeline_5xx - kTimelineCap)});
  }
  if (messages.dropped() > 0) {
    timeline.push_back(TimelineEntry{
        last_time, 0,
        fmt::format("... {} more distinct error messages not kept", messages.dropped())});
  }
  if (stats.events > 0) {
    timeline.insert(timeline.begin(), TimelineEntry{first_time, 0, "first event"});
    timeline.push_back(
        TimelineEntry{last_time, 0,
                      fmt::format("last event ({} events, {} failed, {} HTTP 5xx "
                                  "answers, {} non-zero exits)",
                                  stats.events, stats.failed, responses_5xx, bad_exits)});
  }
  if (stats.groups_dropped > 0) {
    report.diagnostics.push_back(Error{
        0,
        fmt::format("{} failure groups ({} failed calls) were not analysed: more than {} distinct "
                    "failures (raise the cap to keep them)",
                    stats.groups_dropped, groups.dropped_events(), options.max_groups),
        {},
        0});
  }
  report.timeline = std::move(timeline);
  if (consequences_dropped > 0) {
    consequences.push_back(
        TimelineEntry{last_time, 0, fmt::format("... {} more", consequences_dropped)});
  }
  report.consequences = std::move(consequences);
}

Report Pipeline::finish(const tracer::SourceStats& source_stats) {
  return state_->finish(source_stats);
}

}  // namespace culprit::analyzer
