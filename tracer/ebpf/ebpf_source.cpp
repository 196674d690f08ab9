// EbpfTracer: loads the BPF program, fills its maps from the syscall table and the targets,
// attaches, polls the ring buffer and turns its records into tracer::Events.
#include "tracer/ebpf/ebpf_source.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <climits>
#include <csignal>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <limits>
#include <optional>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "tracer/ebpf/culprit_abi.h"
#include "tracer/ebpf/skeleton.h"
#include "tracer/model/errno_names.h"
#include "tracer/model/event_batcher.h"
#include "tracer/model/live_helpers.h"
#include "tracer/model/syscall_table.h"
#include "tracer/model/trigger.h"

namespace culprit::tracer {
namespace {

using Clock = std::chrono::steady_clock;

Error make_error(int code, std::string message) { return Error{code, std::move(message), {}, 0}; }

std::int64_t clock_ns(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

std::string read_link(const std::string& path) {
  char buf[PATH_MAX];
  const ssize_t n = readlink(path.c_str(), buf, sizeof buf);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

// The thread group of a thread id ("Tgid:" in /proc/TID/status); 0 when it is gone.
Pid tgid_of(Pid tid) {
  std::ifstream in(fmt::format("/proc/{}/status", tid));
  std::string key;
  while (in >> key) {
    if (key == "Tgid:") {
      Pid tgid = 0;
      in >> tgid;
      return tgid;
    }
    in.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
  }
  return 0;
}

std::size_t thread_count(Pid tgid) {
  std::ifstream in(fmt::format("/proc/{}/status", tgid));
  std::string key;
  while (in >> key) {
    if (key == "Threads:") {
      std::size_t n = 0;
      in >> n;
      return n;
    }
    in.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
  }
  return 0;
}

bool process_alive(Pid pid) { return kill(pid, 0) == 0 || errno == EPERM; }

// libbpf's messages: kept (the last few) for the error of a failed load, never printed.
std::vector<std::string>& libbpf_messages() {
  static std::vector<std::string> lines;
  return lines;
}
int keep_libbpf_message(libbpf_print_level level, const char* format, va_list args) {
  if (level == LIBBPF_DEBUG) {
    return 0;
  }
  char text[512];
  // libbpf's print callback hands over its own format string.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
  std::vsnprintf(text, sizeof text, format, args);
#pragma GCC diagnostic pop
  auto& lines = libbpf_messages();
  if (lines.size() >= 20) {
    lines.erase(lines.begin());
  }
  std::string line(text);
  while (!line.empty() && line.back() == '\n') {
    line.pop_back();
  }
  lines.push_back(std::move(line));
  return 0;
}

// ---- stop signals: a flag the poll loop checks (handlers without SA_RESTART, so that the
// ring buffer's epoll_wait returns at once) ----

std::atomic<int> g_stop_signal{0};
void on_stop_signal(int sig) { g_stop_signal.store(sig, std::memory_order_relaxed); }

// How often the ring buffer is read when no record asked to wake the reader: the delay of a
// report behind the traced program, against a wake-up per record.
constexpr int kPollMs = 10;

class SignalScope {
 public:
  SignalScope() {
    g_stop_signal.store(0);
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    for (std::size_t i = 0; i < std::size(kStopSignals); ++i) {
      sigaction(kStopSignals[i], &sa, &old_[i]);
    }
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    sigaction(SIGPIPE, &ignore, &old_pipe_);
  }
  SignalScope(const SignalScope&) = delete;
  SignalScope& operator=(const SignalScope&) = delete;
  ~SignalScope() {
    for (std::size_t i = 0; i < std::size(kStopSignals); ++i) {
      sigaction(kStopSignals[i], &old_[i], nullptr);
    }
    sigaction(SIGPIPE, &old_pipe_, nullptr);
  }

 private:
  struct sigaction old_[std::size(kStopSignals)]{};
  struct sigaction old_pipe_ {};
};

// The role map's row for a syscall-table row: which arguments the kernel side reads.
culprit_role role_of(const SyscallInfo& info) {
  culprit_role role{};
  role.flags = CULPRIT_ROLE_PRESENT;
  role.path[0] = info.paths[0].path;
  role.path[1] = info.paths[1].path;
  role.dirfd = info.paths[0].dirfd;
  role.at_flags = -1;
  role.buffer = -1;
  role.iovec = -1;
  role.msghdr = -1;
  role.sockaddr = -1;
  role.open_how = -1;
  role.argv = -1;
  role.fd = static_cast<std::int8_t>(info.fd_arg());
  for (std::size_t i = 0; i < info.args.size(); ++i) {
    const auto index = static_cast<std::int8_t>(i);
    switch (info.args[i]) {
      case ArgType::AtFlags:
        role.at_flags = index;
        break;
      case ArgType::Buffer:
        role.buffer = index;
        break;
      case ArgType::Iovec:
        role.iovec = index;
        break;
      case ArgType::Msghdr:
        role.msghdr = index;
        break;
      case ArgType::SockAddr:
        role.sockaddr = index;
        break;
      case ArgType::Argv:
        role.argv = index;
        break;
      case ArgType::OpenHow:
        role.open_how = index;
        role.flags |= CULPRIT_ROLE_OPEN_HOW;
        break;
      default:
        break;
    }
  }
  // A success that changes what later events mean: an fd's file, the cwd or root, the program,
  // a connection, the ids used for file access. (Not close: every record names the open file
  // behind its fd, file_id, so an fd table entry that has become another file is never used,
  // and a close record per open was half of what a directory walk sent.)
  if (info.has(Trait::OpensPath) || info.has(Trait::ChangesCwd) || info.has(Trait::ChangesRoot) ||
      info.family == Family::Exec || info.has(Trait::Connects) || info.has(Trait::SetsUid) ||
      info.has(Trait::SetsGid)) {
    role.flags |= CULPRIT_ROLE_EMIT_SUCCESS;
  }
  if (info.has(Trait::FdFormWithEmptyPath) && role.at_flags >= 0 && role.dirfd >= 0) {
    role.flags |= CULPRIT_ROLE_FD_FORM;
  }
  if (info.has(Trait::SoError)) {
    role.flags |= CULPRIT_ROLE_SO_ERROR;
  }
  if (info.family == Family::Exec) {
    role.flags |= CULPRIT_ROLE_EXEC;
  }
  if (info.has(Trait::ReturnsFd)) {
    role.flags |= CULPRIT_ROLE_RETURNS_FD;
  }
  return role;
}

// Whether the kernel side looks at a row: every row `run`'s filter stops on.
bool wanted(const SyscallInfo& info) { return info.trace; }

std::string errno_symbol(int err) {
  const std::string_view name = errno_name(err);
  return name.empty() ? fmt::format("E{}", err) : std::string(name);
}

}  // namespace

std::string ebpf_unavailable_reason() {
  if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
    return "the kernel has no BTF (/sys/kernel/btf/vmlinux)";
  }
  // Effective capabilities: CAP_BPF (39) and CAP_PERFMON (38), or CAP_SYS_ADMIN (21) on kernels
  // before 5.8 and as their superset.
  std::ifstream in("/proc/self/status");
  std::string key;
  std::uint64_t caps = 0;
  while (in >> key) {
    if (key == "CapEff:") {
      in >> std::hex >> caps;
      break;
    }
    in.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
  }
  constexpr std::uint64_t kSysAdmin = 1ULL << 21;
  constexpr std::uint64_t kPerfmon = 1ULL << 38;
  constexpr std::uint64_t kBpf = 1ULL << 39;
  if ((caps & kSysAdmin) == 0 && ((caps & kBpf) == 0 || (caps & kPerfmon) == 0)) {
    return "culprit runs without CAP_BPF and CAP_PERFMON (run it as root)";
  }
  return {};
}

// What the session knows about one traced process: its cwd and the fds it opened.
struct ProcState {
  std::string cwd;
  struct Fd {
    std::string path;
    std::int32_t flags = 0;
    std::uint64_t file_id = 0;  // culprit_record.file_id when known
  };
  std::unordered_map<std::int32_t, Fd> fds;
  // The path of every open file (by culprit_record.file_id) opened or read while traced: an fd
  // the kernel side did not see made (dup2, dup3, fcntl) still names its file.
  std::unordered_map<std::uint64_t, std::string> files;
};

struct EbpfTracer::State {
  EbpfOptions options;
  culprit_bpf* skel = nullptr;
  EventSink* sink = nullptr;
  SourceStats* stats = nullptr;
  EbpfOutcome out;
  std::int64_t mono_to_epoch_ns = 0;
  std::unordered_map<Pid, ProcState> procs;  // by tgid
  std::set<Pid> live;                        // tgids not yet seen to exit
  std::size_t threads = 0;  // threads of the targets at the start, and every one created since
  std::unordered_set<Pid> processes_seen;
  Event scratch;

  ~State() { culprit_skel_destroy(skel); }

  ProcState& proc(Pid tgid) {
    auto [it, added] = procs.try_emplace(tgid);
    if (added) {
      it->second.cwd = read_link(fmt::format("/proc/{}/cwd", tgid));
    }
    return it->second;
  }

  // The path of `fd`, which the kernel saw denote open file `file_id` with inode `ino` (0: not
  // known). Records are read in batches, after the fact: the fd may since have been closed or
  // made another file, so /proc is the last resort, and what it says is kept only when its inode
  // is the one the kernel saw (else the path is unknown rather than wrong). A path found is kept
  // for the next call on the same open file (a readlink per call was most of culprit's own CPU).
  std::string fd_path(Pid tgid, ProcState& p, std::int64_t fd, std::uint64_t file_id,
                      std::uint64_t ino, std::uint32_t mode) {
    if (fd < 0) {
      return {};
    }
    if (file_id != 0 && S_ISSOCK(mode)) {
      return fmt::format("socket:[{}]", ino);  // what /proc/PID/fd/N says of every socket
    }
    const auto key = static_cast<std::int32_t>(fd);
    if (const auto it = p.fds.find(key);
        it != p.fds.end() &&
        (file_id == 0 || it->second.file_id == 0 || it->second.file_id == file_id)) {
      if (it->second.file_id == 0 && file_id != 0) {
        it->second.file_id = file_id;
        p.files[file_id] = it->second.path;
      }
      return it->second.path;
    }
    if (file_id != 0) {
      if (const auto known = p.files.find(file_id); known != p.files.end()) {
        p.fds[key] = ProcState::Fd{known->second, 0, file_id};
        return known->second;
      }
    }
    const std::string link = fmt::format("/proc/{}/fd/{}", tgid, fd);
    std::string path = read_link(link);
    if (file_id == 0 || path.empty()) {
      return path;
    }
    struct stat st {};
    if (ino != 0 && (stat(link.c_str(), &st) != 0 || st.st_ino != ino)) {
      return {};
    }
    remember(p, file_id, path);
    p.fds[key] = ProcState::Fd{path, 0, file_id};
    return path;
  }

  static void remember(ProcState& p, std::uint64_t file_id, const std::string& path) {
    if (p.files.size() >= 4096) {
      p.files.clear();  // bounded: a server opening new files forever
    }
    p.files[file_id] = path;
  }

  // Makes `path` absolute against its dirfd or the cwd; whether it is absolute now.
  // `dir_id`, `dir_ino`: the dirfd's file as the kernel saw it (0: not known).
  bool resolve(Pid tgid, ProcState& p, const culprit_record& h, PathArg pa, std::uint64_t dir_id,
               std::uint64_t dir_ino, std::string& path) {
    if (path.empty()) {
      return false;
    }
    if (path.front() == '/') {
      return true;
    }
    const std::int64_t dirfd =
        pa.dirfd < 0 ? AT_FDCWD
                     : static_cast<std::int32_t>(h.args[static_cast<std::uint8_t>(pa.dirfd)]);
    const std::string base =
        dirfd == AT_FDCWD ? p.cwd : fd_path(tgid, p, dirfd, dir_id, dir_ino, 0);
    if (base.empty() || base.front() != '/') {
      return false;
    }
    path = join_path(base, path);
    return true;
  }

  static void decode_address(const culprit_record& h, const std::string& cwd, Event& e) {
    const std::size_t length = std::min<std::size_t>(h.addr_len, sizeof h.addr);
    decode_sockaddr(std::string_view(reinterpret_cast<const char*>(h.addr), length), cwd, e);
  }

  Timestamp stamp(std::uint64_t mono_ns) const {
    return Timestamp{Timestamp::Kind::Epoch,
                     (static_cast<std::int64_t>(mono_ns) + mono_to_epoch_ns) / 1000};
  }

  void deliver(Event& e) {
    ++stats->events;
    sink->on_event(e);
  }

  void on_syscall(const culprit_record& h, const char* payload, std::size_t payload_size) {
    const SyscallInfo* info = find_syscall(static_cast<long>(h.nr));
    const std::size_t len0 = h.path_len[0];
    const std::size_t len1 = h.path_len[1];
    if (info == nullptr || len0 + len1 + h.data_len + h.argv_len > payload_size) {
      ++stats->malformed;
      return;
    }
    const auto tgid = static_cast<Pid>(h.tgid);
    const auto tid = static_cast<Pid>(h.tid);
    ProcState& p = proc(tgid);
    Event& e = scratch;
    e.clear();
    e.kind = EventKind::Syscall;
    e.pid = tid;
    e.syscall = info->name;
    e.time = stamp(h.end_ns);
    e.duration_us = static_cast<std::int64_t>((h.end_ns - h.start_ns) / 1000);
    // Strings arrive with their NUL (bpf_probe_read_user_str's count).
    auto string_at = [&](std::size_t off, std::size_t len) {
      return len == 0 ? std::string() : std::string(payload + off, strnlen(payload + off, len));
    };
    if (info->paths[0].path >= 0) {
      e.path = string_at(0, len0);
      e.path_absolute = resolve(tgid, p, h, info->paths[0], h.file_id[1], h.fd_ino[1], e.path);
      if (info->paths[1].path >= 0) {
        e.path2 = string_at(len0, len1);
        // The kernel identifies the first path's dirfd only.
        const bool abs2 = resolve(tgid, p, h, info->paths[1], 0, 0, e.path2);
        e.path_absolute = e.path_absolute && abs2;
      }
    }
    if (const int fd_index = info->fd_arg(); fd_index >= 0) {
      e.fd = static_cast<std::int32_t>(h.args[static_cast<std::size_t>(fd_index)]);
      e.fd_path = fd_path(tgid, p, e.fd, h.file_id[0], h.fd_ino[0], h.fd_mode);
    }
    bool creates = true;
    for (std::size_t i = 0; i < info->args.size(); ++i) {
      const auto value = static_cast<std::int32_t>(h.args[i]);
      switch (info->args[i]) {
        case ArgType::OpenFlags:
          e.open_flags = value;
          creates = (value & (O_CREAT | O_TMPFILE)) != 0;
          break;
        case ArgType::Mode:
          if (creates) {
            e.mode = value & 07777;
          }
          break;
        case ArgType::AccessMode:
          e.mode = value;
          break;
        case ArgType::OpenHow:
          e.open_flags = static_cast<std::int32_t>(h.aux);
          if ((h.aux & (O_CREAT | O_TMPFILE)) != 0) {
            e.mode = static_cast<std::int32_t>(h.aux2 & 07777);
          }
          break;
        default:
          break;
      }
    }
    decode_address(h, p.cwd, e);
    if (h.data_len > 0) {
      e.data.assign(payload + len0 + len1, h.data_len);
    }
    if (info->has(Trait::WritesData)) {
      e.data_truncated = h.data_total > h.data_len;
    }
    // A failed execve's argv: NUL-terminated strings, each cut at CULPRIT_ARG_MAX - 1 bytes.
    std::string_view argv(payload + len0 + len1 + h.data_len, h.argv_len);
    for (std::size_t i = 0; i < h.argc && !argv.empty(); ++i) {
      const std::size_t end = std::min(argv.find('\0'), argv.size());
      e.argv.emplace_back(argv.substr(0, std::min<std::size_t>(end, options.string_limit)));
      argv.remove_prefix(std::min(end + 1, argv.size()));
    }

    const std::int64_t rval = h.ret;
    if (rval < 0 && rval >= -4095) {
      const int err = static_cast<int>(-rval);
      e.err = errno_symbol(err);
      e.ret = -1;
      e.ret_known = !(err >= 512 && err <= 516);
      ++out.failures;
      deliver(e);
      return;
    }
    e.ret = rval;
    e.ret_known = true;
    if (info->id_arg >= 0) {
      const auto k = static_cast<std::uint8_t>(info->id_arg);
      const auto id = static_cast<std::uint32_t>(h.args[k]);
      if (id != 0xFFFFFFFFU) {
        e.set_id = id;
      }
    } else if (info->has(Trait::OpensPath)) {
      ProcState::Fd fd;
      fd.flags = e.open_flags;
      fd.file_id = h.file_id[0];
      if (e.path_absolute) {
        fd.path = e.path;
      } else {
        e.ret_path = read_link(fmt::format("/proc/{}/fd/{}", tgid, rval));
        fd.path = e.ret_path;
      }
      if (fd.file_id != 0 && !fd.path.empty()) {
        remember(p, fd.file_id, fd.path);
      }
      p.fds[static_cast<std::int32_t>(rval)] = std::move(fd);
    } else if (info->has(Trait::SoError) && h.aux != 0) {
      e.data = errno_symbol(static_cast<int>(h.aux));
    } else if (info->has(Trait::ChangesCwd) || info->has(Trait::ChangesRoot)) {
      if (info->has(Trait::ChangesCwd) && e.path_absolute) {
        p.cwd = e.path;
      } else if (info->has(Trait::ChangesCwd) && e.fd >= 0 && !e.fd_path.empty()) {
        p.cwd = e.fd_path;
      } else {
        p.cwd = read_link(fmt::format("/proc/{}/cwd", tgid));
      }
    } else if (info->family == Family::Exec) {
      std::erase_if(p.fds, [](const auto& kv) { return (kv.second.flags & O_CLOEXEC) != 0; });
    }
    deliver(e);
  }

  void on_fork(const culprit_record& h) {
    const auto parent = static_cast<Pid>(h.tgid);
    const auto child = static_cast<Pid>(h.aux);
    ++threads;
    if (child == parent) {
      return;  // a thread
    }
    ProcState copy = proc(parent);  // fork copies the cwd and the fd table
    procs[child] = std::move(copy);
    live.insert(child);
    processes_seen.insert(child);
  }

  void on_exit(const culprit_record& h) {
    const auto tid = static_cast<Pid>(h.tid);
    const auto tgid = static_cast<Pid>(h.tgid);
    Event& e = scratch;
    e.clear();
    e.kind = EventKind::Exit;
    e.pid = tid;
    e.time = stamp(h.start_ns);
    const auto code = static_cast<std::uint32_t>(h.aux);
    if ((code & 0x7f) == 0) {
      e.exit_code = static_cast<std::int32_t>((code >> 8) & 0xff);
    } else {
      e.killed = true;
      e.signal = signal_name(static_cast<int>(code & 0x7f));
      e.core_dumped = (code & 0x80) != 0;
    }
    deliver(e);
    if (h.aux2 != 0) {
      live.erase(tgid);
      procs.erase(tgid);
    }
  }

  void on_record(const void* data, std::size_t size) {
    ++stats->lines;
    if (size < sizeof(culprit_record)) {
      ++stats->malformed;
      return;
    }
    culprit_record h{};
    std::memcpy(&h, data, sizeof h);
    const char* payload = static_cast<const char*>(data) + sizeof h;
    switch (h.type) {
      case CULPRIT_REC_SYSCALL:
        on_syscall(h, payload, size - sizeof h);
        return;
      case CULPRIT_REC_FORK:
        on_fork(h);
        return;
      case CULPRIT_REC_EXIT:
        on_exit(h);
        return;
      default:
        ++stats->malformed;
        return;
    }
  }

  Result<void> add_target(Pid given) {
    const Pid tgid = tgid_of(given);
    if (tgid <= 0) {
      return make_error(ESRCH, fmt::format("cannot attach to process {}: no such process", given));
    }
    if (tgid == getpid()) {
      return make_error(EINVAL, fmt::format("process {} is culprit itself", given));
    }
    if (live.contains(tgid)) {
      return {};
    }
    const auto key = static_cast<std::uint32_t>(tgid);
    const std::uint8_t one = 1;
    if (bpf_map_update_elem(culprit_skel_map_fd(skel, CULPRIT_MAP_TARGETS), &key, &one, BPF_ANY) !=
        0) {
      return make_error(errno, fmt::format("cannot add process {} to the BPF target map: {}", tgid,
                                           std::strerror(errno)));
    }
    live.insert(tgid);
    processes_seen.insert(tgid);
    proc(tgid);
    threads += std::max<std::size_t>(1, thread_count(tgid));
    return {};
  }

  std::uint64_t lost_count() const {
    const int cpus = libbpf_num_possible_cpus();
    if (cpus <= 0) {
      return 0;
    }
    std::vector<std::uint64_t> values(static_cast<std::size_t>(cpus));
    const std::uint32_t key = 0;
    if (bpf_map_lookup_elem(culprit_skel_map_fd(skel, CULPRIT_MAP_LOST), &key, values.data()) !=
        0) {
      return 0;
    }
    std::uint64_t total = 0;
    for (const std::uint64_t v : values) {
      total += v;
    }
    return total;
  }
};

namespace {

int on_ring_record(void* ctx, void* data, std::size_t size) {
  static_cast<EbpfTracer::State*>(ctx)->on_record(data, size);
  return 0;
}

}  // namespace

EbpfTracer::EbpfTracer(std::unique_ptr<State> state) : state_(std::move(state)) {}
EbpfTracer::~EbpfTracer() = default;

Result<std::unique_ptr<EbpfTracer>> EbpfTracer::load(const EbpfOptions& options) {
  libbpf_set_print(keep_libbpf_message);
  libbpf_messages().clear();
  auto state = std::make_unique<State>();
  state->options = options;
  culprit_skel_config config{};
  config.data_limit =
      static_cast<unsigned>(std::min<std::size_t>(options.string_limit, CULPRIT_DATA_MAX));
  config.at_fdcwd = AT_FDCWD;
  config.at_empty_path = AT_EMPTY_PATH;
  config.sol_socket = SOL_SOCKET;
  config.so_error = SO_ERROR;
  config.ring_bytes = options.ring_bytes;
  const char* stage = "open";
  state->skel = culprit_skel_load(&config, &stage);
  if (state->skel == nullptr) {
    const int err = errno;
    std::string why = fmt::format("cannot {} the eBPF program: {}", stage, std::strerror(err));
    const auto& lines = libbpf_messages();
    if (!lines.empty()) {
      why += fmt::format(" (libbpf: {})", lines.back());
    }
    return make_error(err, why);
  }
  // The role of each syscall number, from the syscall table (numbers from libseccomp).
  const int roles_fd = culprit_skel_map_fd(state->skel, CULPRIT_MAP_ROLES);
  for (const SyscallInfo& info : all_syscalls()) {
    const long nr = native_number(info);
    if (nr < 0 || nr >= CULPRIT_MAX_NR || !wanted(info)) {
      continue;
    }
    const auto key = static_cast<std::uint32_t>(nr);
    const culprit_role role = role_of(info);
    if (bpf_map_update_elem(roles_fd, &key, &role, BPF_ANY) != 0) {
      return make_error(errno,
                        fmt::format("cannot fill the BPF role map: {}", std::strerror(errno)));
    }
  }
  return std::unique_ptr<EbpfTracer>(new EbpfTracer(std::move(state)));
}

Result<EbpfOutcome> EbpfTracer::trace(EventSink& sink, SourceStats& stats) {
  State& st = *state_;
  const EbpfOptions& options = st.options;
  st.stats = &stats;
  stats.lost = 0;
  if (options.pids.empty() && !options.list) {
    return make_error(EINVAL, "nothing to attach to (give -p PID, -n NAME, -u UNIT or --cgroup)");
  }
  st.mono_to_epoch_ns = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC);

  // The delivery thread starts with the stop signals blocked, so that they reach the poll loop.
  std::optional<EventBatcher> delivery;
  if (options.deliver_thread) {
    sigset_t stops;
    sigset_t previous;
    sigemptyset(&stops);
    for (const int sig : kStopSignals) {
      sigaddset(&stops, sig);
    }
    pthread_sigmask(SIG_BLOCK, &stops, &previous);
    delivery.emplace(sink, EventBatcher::Options{512, 0});
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  }
  st.sink = delivery ? static_cast<EventSink*>(&*delivery) : &sink;

  // Of several targets, one gone by now is skipped with a note, as the ptrace backend does
  // (`-p "$(pgrep apache2)"` races the server's recycling of workers); a single one is an error.
  const bool several = options.pids.size() > 1 || static_cast<bool>(options.list);
  for (const Pid pid : options.pids) {
    if (auto added = st.add_target(pid); !added.ok()) {
      if (!several || added.error().code != ESRCH) {
        return added.take_error();
      }
      st.out.notes.push_back(fmt::format("skipped: {}", added.error().message));
    }
  }
  if (options.list) {
    for (const Pid pid : options.list()) {
      (void)st.add_target(pid);  // gone meanwhile: skipped
    }
  }
  if (st.live.empty()) {
    return make_error(ESRCH, "no process to trace");
  }

  ring_buffer* ring = ring_buffer__new(culprit_skel_map_fd(st.skel, CULPRIT_MAP_EVENTS),
                                       on_ring_record, &st, nullptr);
  if (ring == nullptr) {
    return make_error(errno,
                      fmt::format("cannot open the BPF ring buffer: {}", std::strerror(errno)));
  }
  std::unique_ptr<ring_buffer, void (*)(ring_buffer*)> ring_owner(ring, ring_buffer__free);
  if (const int err = culprit_skel_attach(st.skel); err != 0) {
    return make_error(-err,
                      fmt::format("cannot attach the eBPF programs: {}", std::strerror(-err)));
  }
  SignalScope signals;
  // Processes that started while the programs were being attached.
  if (options.list) {
    for (const Pid pid : options.list()) {
      (void)st.add_target(pid);
    }
  }
  st.out.notes.push_back(fmt::format("tracing {} process{} with eBPF", st.live.size(),
                                     st.live.size() == 1 ? "" : "es"));

  std::optional<Trigger> trigger;
  if (!options.trigger.empty()) {
    trigger.emplace(options.trigger);
    trigger->start();
  }
  const auto start = Clock::now();
  auto last_tick = start;
  bool status_shown = false;
  std::string reason;
  while (true) {
    // Records wake this loop only when the ring fills up or a target ends (culprit.bpf.c:
    // output): the rest are read here on a timer, in batches.
    int n = ring_buffer__poll(ring, kPollMs);
    if (n >= 0 || n == -EINTR) {
      n = ring_buffer__consume(ring);
    }
    if (n < 0 && n != -EINTR) {
      reason = fmt::format("ring buffer poll failed: {}", std::strerror(-n));
      break;
    }
    if (const int sig = g_stop_signal.load(std::memory_order_relaxed); sig != 0) {
      reason = fmt::format("stopped by {}", signal_name(sig));
      break;
    }
    const auto now = Clock::now();
    if (st.live.empty()) {
      break;
    }
    if (now - last_tick < std::chrono::milliseconds(200)) {
      continue;
    }
    last_tick = now;
    if (delivery) {
      delivery->flush();
    }
    // A target that exited before the programs were attached leaves no exit record.
    std::erase_if(st.live, [](Pid tgid) { return !process_alive(tgid); });
    const double elapsed = std::chrono::duration<double>(now - start).count();
    if (options.duration_s > 0 && elapsed >= options.duration_s) {
      reason = fmt::format("--duration of {}s reached", options.duration_s);
      break;
    }
    if (trigger && trigger->done() &&
        std::chrono::duration<double>(now - trigger->done_at()).count() >= options.settle_s) {
      reason = "--trigger finished";
      break;
    }
    if (options.status_line) {
      const std::string line =
          fmt::format("\r\033[Kculprit: {} processes, {} events, {} failures, lost {}, {:.1f}s",
                      st.live.size(), stats.events, st.out.failures, st.lost_count(), elapsed);
      std::fputs(line.c_str(), stderr);
      std::fflush(stderr);
      status_shown = true;
    }
  }
  // Detach, then read what is still queued: every record made before the detach is either
  // delivered or counted as lost.
  const std::size_t still = st.live.size();
  culprit_skel_detach(st.skel);
  ring_buffer__consume(ring);
  stats.lost = static_cast<std::int64_t>(st.lost_count());
  if (status_shown) {
    std::fputs("\r\033[K", stderr);
    std::fflush(stderr);
  }
  if (trigger) {
    trigger->stop();
    if (TriggerResult r = trigger->result(); r.ran) {
      st.out.trigger_status = r.status;
      st.out.trigger_signal = r.signal;
      st.out.trigger_output = std::move(r.output);
      st.out.notes.push_back(std::move(r.note));
    }
  }
  if (!reason.empty()) {
    st.out.notes.push_back(reason);
  }
  if (still > 0) {
    st.out.detached = true;
    st.out.notes.push_back(
        fmt::format("stopped tracing {} process{}, left running", still, still == 1 ? "" : "es"));
  }
  culprit_skel_destroy(st.skel);
  st.skel = nullptr;
  if (delivery) {
    delivery->finish();
  }
  st.out.processes = st.processes_seen.size();
  st.out.threads = st.threads;
  st.out.lost = static_cast<std::uint64_t>(stats.lost);
  return st.out;
}

}  // namespace culprit::tracer
