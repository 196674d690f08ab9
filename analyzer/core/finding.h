// What the analyzer concludes: Findings (ranked), the failures it judged benign, and the stats of
// the run. Renderers and fixers read only these types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tracer/model/event.h"

namespace culprit::analyzer {

enum class FindingKind : std::uint8_t {
  MistypedPath,       // a near-named sibling exists (.phpp -> .php, distance <= 2)
  MissingPath,        // the file is absent and nothing similar exists
  MissingDirectory,   // a parent directory of the path is absent (e.g. a log directory)
  PermissionDenied,   // EACCES/EPERM: a component's mode/owner blocks the process
  ConfigError,        // the process wrote a configuration error (Apache "Syntax error on line N")
  ConnectionRefused,  // connect() to a socket/port where nothing listens (or the socket is gone)
  BadInterpreter,     // execve of a script whose #! interpreter (or an ELF loader) is missing
  MissingLibrary,     // ld.so searched every library directory and found the library in none
  CommandNotFound,    // a command looked up through $PATH (or a search list) found nowhere
  PeerUnreachable,    // connect() timed out or had no route: the peer is not reachable
  Other,
};

// "mistyped-path", "missing-path", ...
std::string_view to_string(FindingKind kind);
// The inverse of to_string; nullopt for an unknown name.
std::optional<FindingKind> finding_kind_from_string(std::string_view name);

// A file and line that mention the failing path (or hold the bad configuration).
struct SourceLocation {
  std::string file;
  std::uint64_t line = 0;  // 1-based; 0 when only the file is known
  std::string text;        // that line's text (without newline), when read
};

// One log line / live stop that supports a finding.
struct EvidenceRef {
  std::string file;  // log file, "" for live
  std::uint64_t line = 0;
  tracer::Pid pid = 0;
  tracer::Timestamp time;
  std::string summary;  // e.g. `openat("/x/y.phpp", O_RDONLY) = -1 ENOENT`
};

// The component of a path that denies access, as found by walking it.
struct PermissionBlocker {
  std::string path;        // the component (a directory or the file itself)
  std::uint32_t mode = 0;  // st_mode & 07777
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::string owner;  // user name when resolvable
  std::string group;
  std::string needed;  // "r", "x", "w" ... that the process lacked on it
  bool is_directory = false;
  std::uint32_t suggested_mode = 0;  // least change of mode for the owner or group class the
                                     // process is in; == mode when only an ACL grants it
};

// How a missing directory should be made: from the system's own definition (tmpfiles.d) or the
// convention of the directory it goes in.
struct DirectorySpec {
  std::string owner;  // user name or numeric uid, a bare word (is_account_name)
  std::string group;
  std::uint32_t mode = 0755;
  std::string source;  // "line 3 of /usr/lib/tmpfiles.d/apache2.conf"
};

// A server module that defines the directive a configuration error names, and that the
// configuration does not load (analyzer/passes/server_catalog: the binary's own directive list).
struct ModuleToLoad {
  std::string name;       // "rewrite_module"
  std::string path;       // "/usr/lib/apache2/modules/mod_rewrite.so"
  std::string available;  // Debian's a2enmod name ("rewrite"), when mods-available has one
  // Where a LoadModule line goes in the file with the error: before line `insert_before` (after
  // the file's last LoadModule above the error, else before the error's top-level block), whose
  // text is `anchor`; 0 when no place is safe.
  std::string insert_file;
  std::uint64_t insert_before = 0;
  std::string anchor;
};

// A fix for one finding, rendered from rules/fixes.yaml templates. `actionable` is false when
// culprit cannot make the change itself (e.g. a missing file with no candidate): the texts then
// say what is needed and change nothing.
struct Fix {
  std::string summary;
  std::string shell;   // POSIX sh fragment (idempotent)
  std::string puppet;  // Puppet resources (idempotent)
  bool actionable = true;
  // Identity of the change ("file:/var/log/app", "edit:FILE:LINE:TOKEN"): a whole manifest or
  // script applies each key once (two findings blocked by one directory share one chmod).
  std::string key;
  // Resources several fixes may share (a service reload notified by the change), emitted once
  // per manifest/script after the per-finding parts; standalone use needs both texts.
  std::string puppet_shared;
  std::string shell_shared;
  std::string variant;  // the rules/fixes.yaml variant used ("edit-line", "require", ...)
  std::string title;    // Puppet resource title of the change: "culprit-KIND-N" (safe ASCII)
};

struct Finding {
  int rank = 0;  // 1 = most likely culprit
  FindingKind kind = FindingKind::Other;
  std::string errno_name;  // "ENOENT"; "" for config errors found only in output
  std::string syscall;     // of the first failing event
  std::string path;        // the failing path (config-error: the file with the error)
  std::string address;     // connection-refused to an inet address: "127.0.0.1:3306"
  std::uint64_t count = 0;
  std::vector<tracer::Pid> pids;  // sorted, unique
  tracer::Timestamp first_seen;
  tracer::Timestamp last_seen;

  std::optional<std::string> suggestion;          // the path probably meant
  std::optional<SourceLocation> referenced_from;  // who asked for the path / where the error is
  std::string missing_directory;  // missing-directory: the first path component that is absent
  std::string bad_token;   // exact text to replace in referenced_from.file ("class-wp-locale.phpp")
  std::string good_token;  // its replacement ("class-wp-locale.php"); empty if none
  std::optional<PermissionBlocker> blocker;
  std::optional<std::uint32_t> process_uid;  // filesystem ids of the first failing process
  std::optional<std::uint32_t> process_gid;
  std::string process_user;  // user name of process_uid, when the system knows it
  // Who else a group change would reach (permission-denied, from the system's user database):
  // nobody but process_user is in process_gid; the blocker's group holds no one but its owner
  // and root. Both true: the blocker may be handed to the process's group (plan_grant).
  bool process_group_alone = false;
  bool blocker_group_regroupable = false;
  // What the system says owns the path (analyzer/core/system_owners): the service that should
  // listen on a refused socket, the package that ships a missing file.
  std::string service;
  std::string service_tie;  // how the system ties the service to the socket
  std::string package;
  bool package_conffile = false;
  std::optional<DirectorySpec> create_spec;    // missing-directory: how to make the directory
  std::optional<ModuleToLoad> module_to_load;  // config-error: the directive's module is not loaded
  bool wants_create = false;  // the failing call wanted to make the path (O_CREAT, mkdir, bind)
  bool searched = false;      // the name was looked for in several directories (pass_search)
  std::string message;        // error message the process wrote about it, if any

  std::string explanation;            // why this is a problem, in a sentence or two
  std::string rank_reason;            // why it ranks where it does
  bool log_only = false;              // checks were made from the log only (no filesystem access)
  std::vector<EvidenceRef> evidence;  // first few supporting events
  std::optional<Fix> fix;

  // Internal ranking score (higher first); not rendered.
  double score = 0.0;

  // Out of line (finding.cpp): the implicit ones, inlined into every user of this wide struct,
  // exceed GCC's variable-tracking limit in the sanitized build.
  Finding();
  ~Finding();
  Finding(const Finding&);
  Finding(Finding&&) noexcept;
  Finding& operator=(const Finding&);
  Finding& operator=(Finding&&) noexcept;
};

// A failure group judged harmless, kept for JSON output.
struct Suppressed {
  std::string path;
  std::string errno_name;
  std::string syscall;
  std::uint64_t count = 0;
  std::string reason;   // human sentence
  std::string rule;     // rule id ("ld.so-search-path") or "probe" for the later-success heuristic
  std::string weighed;  // the evidence looked at before hiding it ("no error line names it; ...")
};

struct ReportStats {
  std::uint64_t lines = 0;
  std::uint64_t events = 0;
  std::uint64_t failed = 0;      // failed syscall events
  std::uint64_t suppressed = 0;  // failed events judged benign
  std::uint64_t malformed = 0;
  std::uint64_t groups_dropped = 0;  // failure groups not kept because of the memory cap
  std::int64_t lost = -1;  // events the capture missed (eBPF: ring buffer full); -1: cannot lose
};

// A process exit or notable output, for the postmortem timeline.
struct TimelineEntry {
  tracer::Timestamp time;
  tracer::Pid pid = 0;
  std::string what;
};

// A command culprit started: the command of `run`, or attach's --trigger. Its state is the one it
// had when the report was written.
struct CommandFate {
  enum class State : std::uint8_t { Exited, Killed, Running, NotStarted };
  std::string command;  // as given (argv joined by spaces, or the trigger's shell line)
  State state = State::Running;
  int exit_code = -1;  // Exited
  std::string signal;  // Killed: "SIGSEGV"
  std::string detail;  // NotStarted: why ("cannot run './x': execve: No such file or directory")
  std::vector<std::string> output;  // the trigger's first lines of output (stdout and stderr)
};

// "exited", "killed", "running", "not-started".
std::string_view to_string(CommandFate::State state);
// "exited with 3", "was killed by SIGSEGV", "was still running when the report was written",
// "did not start (cannot run ...)".
std::string describe_fate(const CommandFate& fate);

struct Report {
  std::string mode;  // "replay" | "attach" | "run"
  std::vector<std::string> inputs;
  // Where, when and by what the report was made (the CLI sets them; "" = unknown): the host name,
  // the time in UTC (ISO 8601, "2026-12-05T01:22:03Z"), culprit's version, and the capture
  // backend ("strace-log" for replay, "ptrace" for run and attach, "ebpf" for attach --backend).
  std::string host;
  std::string generated_at;
  std::string culprit_version;
  std::string backend;
  std::vector<Finding> findings;  // ranked, rank 1 first
  std::vector<Suppressed> suppressed;
  ReportStats stats;
  std::vector<Error> diagnostics;  // malformed-line and other input diagnostics (file:line)
  std::vector<TimelineEntry> timeline;
  // What went wrong, as the trace shows it, in time order: non-zero exits, fatal signals, HTTP
  // 4xx/5xx answers, error lines written (capped). A report with consequences and no finding
  // says that no failed system call explains them.
  std::vector<TimelineEntry> consequences;
  tracer::Timestamp first_event;
  tracer::Timestamp last_event;
  bool log_only = false;               // no filesystem checks were possible
  std::optional<CommandFate> command;  // run: the traced command
  std::optional<CommandFate> trigger;  // attach --trigger
};

}  // namespace culprit::analyzer
