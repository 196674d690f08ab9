#include "cli/commands.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <limits>
#include <memory>
#include <optional>
#include <sstream>

#include "analyzer/fix/fix.h"
#include "analyzer/passes/pipeline.h"
#include "analyzer/passes/server_catalog.h"
#include "analyzer/render/render.h"
#include "analyzer/rules/rules.h"
#include "cli/progress.h"
#include "cli/user_error.h"
#ifdef CULPRIT_HAVE_EBPF
#include "tracer/ebpf/ebpf_source.h"
#endif
#include "tracer/model/live_helpers.h"
#include "tracer/ptrace/attach.h"
#include "tracer/ptrace/cgroup.h"
#include "tracer/ptrace/live.h"
#include "tracer/ptrace/wait_status.h"
#include "tracer/strace/log_writer.h"
#include "tracer/strace/strace_log.h"

namespace culprit::cli {
namespace {

// --no-data: passes events on with their buffer contents dropped (copying only those that have
// any), so that neither the analysis nor a saved log ever holds request data or secrets.
class StripDataSink final : public tracer::EventSink {
 public:
  explicit StripDataSink(tracer::EventSink& next) : next_(next) {}
  void on_event(const tracer::Event& event) override {
    if (event.data.empty()) {
      next_.on_event(event);
      return;
    }
    copy_ = event;
    copy_.data.clear();
    copy_.data_truncated = true;
    next_.on_event(copy_);
  }

 private:
  tracer::EventSink& next_;
  tracer::Event copy_;
};

// Delivers each event to several sinks (the pipeline and, with --save-log, the log writer).
class TeeSink final : public tracer::EventSink {
 public:
  explicit TeeSink(std::vector<tracer::EventSink*> sinks) : sinks_(std::move(sinks)) {}
  void on_event(const tracer::Event& event) override {
    for (auto* sink : sinks_) {
      sink->on_event(event);
    }
  }

 private:
  std::vector<tracer::EventSink*> sinks_;
};

void add_report_options(CLI::App& sub, ReportOptions& opts) {
  sub.add_option("--format,-F", opts.format, "Report format")
      ->check(CLI::IsMember({"text", "json", "markdown"}))
      ->capture_default_str();
  // strace's -f/-ff: a habit worth accepting rather than reading as something else.
  sub.add_flag("-f", opts.follow,
               "Follow forks, as strace -f (always on; -ff too: every process is followed)");
  sub.add_option("-o,--output", opts.output,
                 "Write the report to FILE ('-': stdout); the default is stdout, and for run "
                 "stderr unless --format json");
  sub.add_option("--puppet", opts.puppet,
                 "Write a Puppet manifest fixing the top findings to FILE");
  sub.add_option("--shell", opts.shell,
                 "Write a POSIX shell script fixing the top findings to FILE");
  sub.add_option(
         "--puppet-class", opts.puppet_class,
         "Wrap the manifest's resources in `class NAME` (for a module; include it to apply)")
      ->check(CLI::Validator(
          [](const std::string& name) {
            return analyzer::is_puppet_class_name(name)
                       ? std::string()
                       : std::string("not a Puppet class name (lower-case words joined by ::)");
          },
          "NAME"));
  sub.add_option("--top", opts.top,
                 "Fixes are written for the top N findings that culprit can fix (findings "
                 "ranked above them are written as checks)")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  sub.add_option("--max-findings", opts.max_findings, "Findings to report at most")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  sub.add_option("--root", opts.root,
                 "Look logged paths up under DIR (a copy of the traced machine's files)")
      ->check(CLI::ExistingDirectory);
  sub.add_flag("--log-only", opts.log_only,
               "Do not look at any file: infer siblings and referrers from the log alone");
  sub.add_option("--rules", opts.rules, "Extra rule file (YAML, same schema as rules/noise.yaml)")
      ->check(CLI::ExistingFile);
  sub.add_option("--color", opts.color, "Colour in text reports")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();
  sub.add_flag("-v,--verbose", opts.verbose, "Also show suppressed failures and diagnostics");
  sub.add_flag("-q,--quiet", opts.quiet,
               "No progress or status line and no warnings on stderr (errors are still printed)");
  // For tests of the progress line, which otherwise waits a second before it appears.
  sub.add_option("--progress-after", opts.progress_after)->group("")->check(CLI::NonNegativeNumber);
  sub.add_flag("--no-data", opts.no_data,
               "Keep no contents of read/write buffers (only paths, addresses, argv, results); "
               "error-message rules then cannot fire");
  sub.add_option("--host-name", opts.host_name,
                 "The host the report names (source.host; culprit merge groups by it); the "
                 "default is this machine's host name")
      ->check(CLI::Validator(
          [](const std::string& name) {
            return name.empty() ? std::string("an empty host name names no host") : std::string();
          },
          "NAME"));
}

analyzer::Format parse_format(const std::string& name) {
  if (name == "json") {
    return analyzer::Format::Json;
  }
  if (name == "markdown") {
    return analyzer::Format::Markdown;
  }
  return analyzer::Format::Text;
}

// Writes `text` to `path` atomically enough for our purpose (truncate + write), or throws.
void write_file(const std::string& path, const std::string& text, const char* what) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) {
    throw UserError(fmt::format("cannot write {} to {}: {}", what, path, std::strerror(errno)));
  }
  out << text;
  out.close();
  if (!out) {
    throw UserError(fmt::format("cannot write {} to {}: {}", what, path, std::strerror(errno)));
  }
}

bool dumb_terminal() {
  const char* term = std::getenv("TERM");
  return term == nullptr || std::string_view(term) == "dumb" || term[0] == '\0';
}

// --color always colours (an explicit request outranks NO_COLOR, as no-color.org asks); auto
// colours only a terminal that is not TERM=dumb, and never when NO_COLOR is set and not empty.
bool use_color(const ReportOptions& opts, std::FILE* stream) {
  if (opts.color == "always") {
    return true;
  }
  if (opts.color == "never" || stream == nullptr) {
    return false;
  }
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color != nullptr && no_color[0] != '\0') {
    return false;
  }
  return isatty(fileno(stream)) == 1 && !dumb_terminal();
}

// Where the report goes: a stream (stdout, or stderr for run's text reports) or the -o file.
std::FILE* report_stream(const ReportOptions& opts) {
  if (opts.output == "-") {
    return stdout;
  }
  if (!opts.output.empty()) {
    return nullptr;
  }
  return opts.report_to_stderr ? stderr : stdout;
}

analyzer::Rules load_rules(const ReportOptions& opts) {
  auto rules = analyzer::Rules::builtin();
  if (!rules.ok()) {
    throw UserError(fmt::format("built-in rules are broken: {}", rules.error().describe()), {}, 3);
  }
  for (const auto& file : opts.rules) {
    auto added = rules->add_file(file);
    if (!added.ok()) {
      throw UserError(fmt::format("bad rule file: {}", added.error().describe()));
    }
  }
  return std::move(rules).value();
}

// Input problems that did not stop the analysis (malformed lines, capped groups) go to stderr,
// each with its file and line, so that nothing is lost silently. A verbose text report on a
// terminal lists them itself: they are not printed twice.
void report_diagnostics(const analyzer::Report& report, const ReportOptions& opts) {
  if (opts.quiet) {
    return;
  }
  std::FILE* stream = report_stream(opts);
  const bool listed_on_screen =
      opts.verbose && opts.format == "text" && stream != nullptr && isatty(fileno(stream)) == 1;
  for (const auto& d : report.diagnostics) {
    if (listed_on_screen) {
      break;
    }
    fmt::print(stderr, "culprit: warning: {}\n", d.describe());
  }
  if (report.stats.malformed > 0) {
    fmt::print(stderr, "culprit: {} malformed line{} skipped; the analysis used the rest\n",
               report.stats.malformed, report.stats.malformed == 1 ? "" : "s");
  }
}

std::string host_name() {
  char name[256] = {};
  return gethostname(name, sizeof name - 1) == 0 ? std::string(name) : std::string();
}

// "2026-12-05T01:22:03Z"
std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  return std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc) > 0 ? std::string(text)
                                                                          : std::string();
}

// A source pushes its events into the sink and accounts for its input in stats.
using Producer = std::function<Result<void>(tracer::EventSink&, tracer::SourceStats&)>;

// The part every subcommand shares: run the source through the pipeline, attach fixes, render,
// write the requested files. Returns 0 (no findings) or 1 (findings).
// `annotate` adds what the source knows beyond its events (the command's fate) before rendering.
int analyze(const ReportOptions& opts, const std::string& mode, std::vector<std::string> inputs,
            const Producer& produce, tracer::EventSink* extra_sink = nullptr,
            const std::function<void(analyzer::Report&)>& annotate = {}) {
  const analyzer::Rules rules = load_rules(opts);
  std::unique_ptr<analyzer::FileSystem> fs;
  if (opts.log_only) {
    fs = std::make_unique<analyzer::NoFileSystem>();
  } else {
    fs = std::make_unique<analyzer::RealFileSystem>(opts.root);
  }
  analyzer::PipelineOptions popts;
  popts.mode = mode;
  popts.inputs = inputs;
  // Live: the traced processes are this machine's, alive while their events arrive, so the uid a
  // worker runs as (set before culprit attached) is read from /proc.
  popts.read_proc_ids = mode != "replay";
  if (mode == "run") {
    // The command starts with culprit's ids (and keeps them across exec: run sets NO_NEW_PRIVS,
    // so set-user-ID bits do not apply); a process gone before /proc is read still has them.
    popts.process_uid = static_cast<std::uint32_t>(geteuid());
    popts.process_gid = static_cast<std::uint32_t>(getegid());
  }
  popts.max_findings = opts.max_findings;
  // Live: the programs ran here, so a server can be asked about its own configuration language.
  analyzer::LiveServerCatalog catalog;
  if (mode != "replay" && !opts.log_only) {
    popts.catalog = &catalog;
  }
  analyzer::Pipeline pipeline(rules, *fs, popts);

  std::vector<tracer::EventSink*> sinks{&pipeline};
  if (extra_sink != nullptr) {
    sinks.push_back(extra_sink);
  }
  TeeSink tee(sinks);
  StripDataSink stripped(tee);
  tracer::EventSink& sink = opts.no_data ? static_cast<tracer::EventSink&>(stripped) : tee;
  tracer::SourceStats stats;
  auto produced = produce(sink, stats);
  if (!produced.ok()) {
    const Error& err = produced.error();
    throw UserError(err.describe(), {}, 2);
  }
  if (mode == "replay" && stats.events == 0) {
    // Nothing was analysed: saying "no failure" would be a verdict on nothing.
    throw UserError(
        fmt::format("no system call could be read from {} ({} lines, {} not understood{})",
                    fmt::join(inputs, ", "), stats.lines, stats.malformed,
                    stats.diagnostics.empty() ? std::string()
                                              : "; first: " + stats.diagnostics.front().describe()),
        {}, 2);
  }
  analyzer::Report report = pipeline.finish(stats);
  report.host = opts.host_name.empty() ? host_name() : opts.host_name;
  report.generated_at = utc_now();
  report.culprit_version = CULPRIT_VERSION;
  report.backend = mode == "replay" ? "strace-log" : "ptrace";
  if (annotate) {
    annotate(report);
  }
  report_diagnostics(report, opts);

  analyzer::attach_fixes(report, analyzer::builtin_fix_templates());

  std::FILE* stream = report_stream(opts);
  analyzer::RenderOptions ropts;
  ropts.color = use_color(opts, stream);
  ropts.verbose = opts.verbose;
  const std::string text = analyzer::render(report, parse_format(opts.format), ropts);
  if (stream != nullptr) {
    std::fwrite(text.data(), 1, text.size(), stream);
    std::fflush(stream);
  } else {
    write_file(opts.output, text, "the report");
  }
  if (!opts.puppet.empty()) {
    write_file(opts.puppet,
               analyzer::puppet_manifest(report, opts.top, analyzer::builtin_fix_templates(),
                                         opts.puppet_class),
               "the Puppet manifest");
  }
  if (!opts.shell.empty()) {
    write_file(opts.shell, analyzer::shell_script(report, opts.top), "the shell script");
  }
  return report.findings.empty() ? 0 : 1;
}

}  // namespace

namespace {

// The total size of the inputs for the progress line; 0 (unknown) when one is stdin, not a
// regular file, or compressed (the reader counts decompressed bytes).
std::uint64_t input_bytes(const std::vector<std::string>& inputs) {
  std::uint64_t total = 0;
  for (const auto& path : inputs) {
    struct stat st {};
    if (path == "-" || ::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
      return 0;
    }
    unsigned char magic[4] = {};
    if (std::FILE* f = std::fopen(path.c_str(), "rb")) {
      const std::size_t n = std::fread(magic, 1, sizeof magic, f);
      std::fclose(f);
      if ((n >= 2 && magic[0] == 0x1f && magic[1] == 0x8b) ||
          (n == 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f &&
           magic[3] == 0xfd)) {
        return 0;
      }
    }
    total += static_cast<std::uint64_t>(st.st_size);
  }
  return total;
}

}  // namespace

void set_replay_command(CLI::App& app, int& exit_code) {
  auto opts = std::make_shared<ReportOptions>();
  auto logs = std::make_shared<std::vector<std::string>>();
  CLI::App* sub = app.add_subcommand(
      "replay",
      "Analyse saved strace logs (any common flags: -f, -ff, -tt, -T, -y, ...; - = stdin)");
  sub->add_option("logs", *logs, "strace log files; an -ff set is recognised by its .PID suffixes")
      ->required();
  add_report_options(*sub, *opts);
  sub->callback([opts, logs, &exit_code] {
    exit_code =
        analyze(*opts, "replay", *logs, [&](tracer::EventSink& sink, tracer::SourceStats& stats) {
          // Cleared when it goes out of scope, before any warning or the report.
          ProgressLine progress(!opts->quiet && isatty(STDERR_FILENO) == 1, input_bytes(*logs),
                                dumb_terminal(), opts->progress_after);
          tracer::ReadOptions read;
          read.progress = [&](const tracer::ReadProgress& p) {
            progress.update(Progress{p.bytes, p.lines, p.failures});
          };
          return tracer::read_logs(*logs, sink, stats, read);
        });
  });
}

namespace {

// Options of the live subcommands beside the report options.
struct LiveCliOptions {
  ReportOptions report;
  tracer::LiveOptions live;
  std::string save_log;
  std::vector<std::string> pid_args;
  bool exit_status = false;        // run --exit-status
  std::string backend = "ptrace";  // attach --backend: auto, ebpf, ptrace
};

void add_live_options(CLI::App& sub, LiveCliOptions& o) {
  add_report_options(sub, o.report);
  sub.add_option("-s,--string-limit", o.live.string_limit,
                 "Bytes of written data kept per call (as strace -s)")
      ->check(CLI::Range(0, 1 << 20))
      ->capture_default_str();
  sub.add_option("--save-log", o.save_log,
                 "Also write an strace-format log (-f -tt -T -y style) that replay reads back");
  sub.add_option("--duration", o.live.duration_s, "Stop tracing after S seconds")
      ->check(CLI::PositiveNumber);
  sub.add_option("--spin", o.live.spin_us,
                 "Microseconds to poll for the next stop before sleeping (0: always sleep, as "
                 "strace). Polling keeps one CPU busy while the traced processes are; it makes "
                 "syscall-dense work faster to trace on VMs, fork/exec-heavy work slower")
      ->check(CLI::Range(0, 1000000))
      ->capture_default_str();
}

// Opens the --save-log file; the writer lives as long as the returned holder.
struct SavedLog {
  std::FILE* file = nullptr;
  std::unique_ptr<tracer::LogWriter> writer;
  ~SavedLog() {
    writer.reset();
    if (file != nullptr) {
      std::fclose(file);
    }
  }
};

void open_saved_log(const std::string& path, SavedLog& saved) {
  if (path.empty()) {
    return;
  }
  saved.file = std::fopen(path.c_str(), "w");
  if (saved.file == nullptr) {
    throw UserError(fmt::format("cannot write the log {}: {}", path, std::strerror(errno)));
  }
  saved.writer = std::make_unique<tracer::LogWriter>(saved.file);
}

void prepare_live(LiveCliOptions& o) {
  o.live.status_line = !o.report.quiet && isatty(STDERR_FILENO) == 1;
  if (o.report.no_data) {
    o.live.string_limit = 0;  // never copy buffers out of the tracee
  }
}

void print_notes(const tracer::LiveOutcome& outcome, bool quiet) {
  if (quiet) {
    return;
  }
  for (const auto& note : outcome.notes) {
    fmt::print(stderr, "culprit: {}\n", note);
  }
}

analyzer::CommandFate trigger_fate(const std::string& command, const tracer::LiveOutcome& out) {
  analyzer::CommandFate fate;
  fate.command = command;
  fate.exit_code = out.trigger_status;
  if (out.trigger_signal != 0) {
    fate.state = analyzer::CommandFate::State::Killed;
    fate.signal = tracer::signal_name(out.trigger_signal);
  } else if (out.trigger_status >= 0) {
    fate.state = analyzer::CommandFate::State::Exited;
  } else {
    fate.state = analyzer::CommandFate::State::NotStarted;
  }
  fate.output = out.trigger_output;
  return fate;
}

analyzer::CommandFate command_fate(const std::string& command, const tracer::LiveOutcome& out) {
  using State = analyzer::CommandFate::State;
  analyzer::CommandFate fate;
  fate.command = command;
  if (!out.exec_error.empty()) {
    fate.state = State::NotStarted;
    fate.detail = out.exec_error;
  } else if (out.term_signal != 0) {
    fate.state = State::Killed;
    fate.signal = tracer::signal_name(out.term_signal);
  } else if (out.exit_status >= 0) {
    fate.state = State::Exited;
    fate.exit_code = out.exit_status;
  }
  return fate;
}

// The shell's way of telling a command's end: its exit code, 128 + N for a kill by signal N (a
// command that could not be executed exited 126 or 127, as from a shell). 125 when culprit could
// not learn how it ended, as `timeout`, `env` and `nice` say that their own part failed: never 0.
int shell_status(const tracer::LiveOutcome& out) {
  constexpr int kFateUnknown = 125;
  if (out.term_signal != 0) {
    return 128 + out.term_signal;
  }
  return out.exit_status >= 0 ? out.exit_status : kFateUnknown;
}

int run_command(LiveCliOptions& o, const std::string& line) {
  prepare_live(o);
  // The command owns stdout: a text or markdown report goes to stderr, as strace's output does. A
  // JSON report (or -o -) goes to stdout, and the command's stdout then goes to stderr, so that
  // the JSON is never mixed with the command's output.
  const bool report_on_stdout =
      o.report.output == "-" || (o.report.output.empty() && o.report.format == "json");
  o.report.report_to_stderr = o.report.output.empty() && !report_on_stdout;
  o.live.command_stdout_to_stderr = report_on_stdout;
  SavedLog saved;
  open_saved_log(o.save_log, saved);
  tracer::LiveOutcome outcome;
  std::optional<tracer::CommandRun> run;
  auto serve = [&] {
    if (!run) {
      return;
    }
    run->serve_to_end(outcome, [&](const std::string& what) {
      if (!o.report.quiet) {
        fmt::print(stderr, "culprit: {}\n", what);
      }
    });
  };
  int code = 0;
  try {
    code = analyze(
        o.report, "run", {line},
        [&](tracer::EventSink& sink, tracer::SourceStats& stats) -> Result<void> {
          run.emplace(o.live, sink, stats);
          auto traced = run->record();
          if (!traced.ok()) {
            return traced.take_error();
          }
          outcome = std::move(traced).value();
          return {};
        },
        saved.writer.get(),
        [&](analyzer::Report& report) { report.command = command_fate(line, outcome); });
  } catch (...) {
    serve();  // whatever went wrong, the command is not left without its tracer
    throw;
  }
  print_notes(outcome, o.report.quiet);
  const bool was_running = outcome.still_running;
  serve();
  if (was_running && !o.report.quiet) {
    fmt::print(stderr, "culprit: '{}' {}\n", line,
               analyzer::describe_fate(command_fate(line, outcome)));
  }
  return o.exit_status ? shell_status(outcome) : code;
}

#ifdef CULPRIT_HAVE_EBPF
// The processes -n, -u and --cgroup name, listed now (the eBPF backend lists them before and
// after it attaches; children are followed in the kernel).
std::vector<tracer::Pid> list_targets(const tracer::LiveOptions& live) {
  std::vector<tracer::Pid> pids;
  if (!live.name.empty()) {
    pids = tracer::find_processes_by_name(live.name);
  }
  std::vector<std::string> dirs;
  for (const auto& unit : live.units) {
    if (auto found = tracer::unit_cgroup_dirs(tracer::unit_name(unit)); found.ok()) {
      dirs.insert(dirs.end(), found->begin(), found->end());
    }
  }
  for (const auto& path : live.cgroups) {
    if (auto found = tracer::cgroup_dirs(path); found.ok()) {
      dirs.insert(dirs.end(), found->begin(), found->end());
    }
  }
  if (!dirs.empty()) {
    const auto in_cgroups = tracer::cgroup_processes(dirs);
    pids.insert(pids.end(), in_cgroups.begin(), in_cgroups.end());
  }
  std::erase(pids, getpid());
  return pids;
}

// attach with the eBPF backend: the processes are found here, the program is already loaded.
int attach_with_ebpf(LiveCliOptions& o, std::vector<std::string> inputs, tracer::EbpfTracer& tracer,
                     SavedLog& saved) {
  for (const auto& unit : o.live.units) {
    if (auto found = tracer::unit_cgroup_dirs(tracer::unit_name(unit)); !found.ok()) {
      throw UserError(found.error().describe(), {}, 2);
    }
  }
  for (const auto& path : o.live.cgroups) {
    if (auto found = tracer::cgroup_dirs(path); !found.ok()) {
      throw UserError(found.error().describe(), {}, 2);
    }
  }
  const bool listed = !o.live.name.empty() || !o.live.units.empty() || !o.live.cgroups.empty();
  if (listed && o.live.pids.empty() && list_targets(o.live).empty()) {
    throw UserError(fmt::format("no process to attach to ({})", fmt::join(inputs, ", ")), {}, 2);
  }
  tracer::LiveOutcome outcome;
  const int code = analyze(
      o.report, "attach", std::move(inputs),
      [&](tracer::EventSink& sink, tracer::SourceStats& stats) -> Result<void> {
        auto traced = tracer.trace(sink, stats);
        if (!traced.ok()) {
          return traced.take_error();
        }
        outcome.notes = std::move(traced->notes);
        outcome.trigger_status = traced->trigger_status;
        outcome.trigger_signal = traced->trigger_signal;
        outcome.trigger_output = std::move(traced->trigger_output);
        outcome.processes = traced->processes;
        outcome.threads = traced->threads;
        outcome.failures = traced->failures;
        outcome.detached = traced->detached;
        return {};
      },
      saved.writer.get(),
      [&](analyzer::Report& report) {
        report.backend = "ebpf";
        if (!o.live.trigger.empty()) {
          report.trigger = trigger_fate(o.live.trigger, outcome);
        }
      });
  print_notes(outcome, o.report.quiet);
  return code;
}
#endif

// --backend: the eBPF tracer when it is asked for (or auto and usable), loaded; nullptr for
// ptrace. `--backend ebpf` that cannot be had is a usage error (exit 2); auto says why it falls
// back, in one line.
#ifdef CULPRIT_HAVE_EBPF
std::unique_ptr<tracer::EbpfTracer> choose_backend(const LiveCliOptions& o) {
  if (o.backend == "ptrace") {
    return nullptr;
  }
  std::string why = tracer::ebpf_unavailable_reason();
  if (why.empty()) {
    tracer::EbpfOptions eo;
    eo.pids = o.live.pids;
    if (!o.live.name.empty() || !o.live.units.empty() || !o.live.cgroups.empty()) {
      eo.list = [live = o.live] { return list_targets(live); };
    }
    eo.duration_s = o.live.duration_s;
    eo.trigger = o.live.trigger;
    eo.settle_s = o.live.settle_s;
    eo.string_limit = o.live.string_limit;
    eo.status_line = o.live.status_line;
    auto loaded = tracer::EbpfTracer::load(eo);
    if (loaded.ok()) {
      return std::move(loaded).value();
    }
    why = loaded.error().message;
  }
  if (o.backend == "ebpf") {
    throw UserError(fmt::format("--backend ebpf: {}", why), "--backend ptrace works without it", 2);
  }
  if (!o.report.quiet) {
    fmt::print(stderr, "culprit: using ptrace: {}\n", why);
  }
  return nullptr;
}
#else
void choose_backend(const LiveCliOptions& o) {
  constexpr const char* kWhy = "this culprit was built without the eBPF backend";
  if (o.backend == "ebpf") {
    throw UserError(fmt::format("--backend ebpf: {}", kWhy),
                    "build with libbpf-dev, bpftool and clang installed (scripts/setup.sh), or use "
                    "--backend ptrace",
                    2);
  }
  if (o.backend == "auto" && !o.report.quiet) {
    fmt::print(stderr, "culprit: using ptrace: {}\n", kWhy);
  }
}
#endif

int attach_processes(LiveCliOptions& o, std::vector<std::string> inputs) {
  prepare_live(o);
#ifdef CULPRIT_HAVE_EBPF
  auto ebpf = choose_backend(o);
#else
  choose_backend(o);
#endif
  SavedLog saved;
  open_saved_log(o.save_log, saved);
#ifdef CULPRIT_HAVE_EBPF
  if (ebpf) {
    return attach_with_ebpf(o, std::move(inputs), *ebpf, saved);
  }
#endif
  tracer::LiveOutcome outcome;
  const int code = analyze(
      o.report, "attach", std::move(inputs),
      [&](tracer::EventSink& sink, tracer::SourceStats& stats) -> Result<void> {
        auto traced = tracer::trace_attach(o.live, sink, stats);
        if (!traced.ok()) {
          return traced.take_error();
        }
        outcome = std::move(traced).value();
        return {};
      },
      saved.writer.get(),
      [&](analyzer::Report& report) {
        if (!o.live.trigger.empty()) {
          report.trigger = trigger_fate(o.live.trigger, outcome);
        }
      });
  print_notes(outcome, o.report.quiet);
  return code;
}

}  // namespace

void set_run_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<LiveCliOptions>();
  CLI::App* sub = app.add_subcommand(
      "run", "Run a command under the tracer (seccomp-bpf: only interesting calls stop it)");
  add_live_options(*sub, *o);
  sub->add_flag("--exit-status", o->exit_status,
                "Exit with the command's status (128+N when killed by signal N; 125 if culprit "
                "could not learn it) instead of culprit's 0/1");
  sub->add_option("command", o->live.command, "The command and its arguments, after --")
      ->required();
  sub->callback([o, &exit_code] {
    std::string line;
    for (const auto& a : o->live.command) {
      line += (line.empty() ? "" : " ") + a;
    }
    exit_code = run_command(*o, line);
  });
}

namespace {

// A -p token: a decimal process id, or a usage error naming it.
tracer::Pid parse_pid(const std::string& token) {
  const bool digits = !token.empty() && token.size() <= 10 &&
                      token.find_first_not_of("0123456789") == std::string::npos;
  const long long value = digits ? std::stoll(token) : 0;
  if (value <= 0 || value > std::numeric_limits<tracer::Pid>::max()) {
    throw UserError(fmt::format("-p: '{}' is not a process id", token),
                    "give process ids separated by commas, spaces or newlines, e.g. "
                    "-p 1234,1235 or -p \"$(pgrep apache2)\"");
  }
  return static_cast<tracer::Pid>(value);
}

// -p as users type it: "1,2", "1 2", "$(pgrep apache2)" (one per line), or -p given again; each
// process once, in the order given.
std::vector<tracer::Pid> parse_pid_lists(const std::vector<std::string>& args) {
  std::vector<tracer::Pid> pids;
  for (const auto& arg : args) {
    std::string token;
    for (const char c : arg + ",") {
      if (c == ',' || std::isspace(static_cast<unsigned char>(c)) != 0) {
        if (!token.empty()) {
          const tracer::Pid pid = parse_pid(token);
          if (std::find(pids.begin(), pids.end(), pid) == pids.end()) {
            pids.push_back(pid);
          }
          token.clear();
        }
      } else {
        token += c;
      }
    }
  }
  if (pids.empty()) {
    throw UserError("-p was given no process id",
                    "an empty -p \"$(pgrep NAME)\" means no process has that name");
  }
  return pids;
}

}  // namespace

void set_attach_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<LiveCliOptions>();
  CLI::App* sub = app.add_subcommand(
      "attach", "Attach to running processes (all threads, following forks) and trace them");
  add_live_options(*sub, *o);
  auto* pid_opt = sub->add_option("-p,--pid", o->pid_args,
                                  "Process ids, separated by commas, spaces or newlines "
                                  "(-p \"$(pgrep apache2)\"); repeatable");
  auto* name_opt = sub->add_option("-n,--name", o->live.name,
                                   "Every process with this name or executable (e.g. apache2)");
  auto* unit_opt =
      sub->add_option("-u,--unit", o->live.units,
                      "Every process of a systemd unit, by its cgroup (apache2 means "
                      "apache2.service; works without systemd running too); repeatable");
  auto* cgroup_opt =
      sub->add_option("--cgroup", o->live.cgroups,
                      "Every process of a cgroup and its children (a container): a directory "
                      "under /sys/fs/cgroup or a path as /proc/PID/cgroup shows it; repeatable");
  sub->add_option("--trigger", o->live.trigger,
                  "Shell command run once everything is attached (e.g. 'curl -s URL'); tracing "
                  "stops when it has finished and the settle time has passed");
  sub->add_option("--settle", o->live.settle_s, "Seconds to keep tracing after the trigger")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  sub->add_option("--backend", o->backend,
                  "How to capture: ptrace (stops the processes at every call), ebpf (a kernel "
                  "program that never stops them; root, BTF; may lose events under load, and says "
                  "so), or auto (ebpf when built in and allowed, else ptrace)")
      ->check(CLI::IsMember({"auto", "ebpf", "ptrace"}))
      ->capture_default_str();
  sub->callback([o, pid_opt, name_opt, unit_opt, cgroup_opt, &exit_code] {
    if (pid_opt->count() == 0 && name_opt->count() == 0 && unit_opt->count() == 0 &&
        cgroup_opt->count() == 0) {
      throw UserError("attach needs -p PID, -n NAME, -u UNIT or --cgroup PATH",
                      "e.g. culprit attach -n apache2 --trigger "
                      "'curl -s http://127.0.0.1/'");
    }
    std::vector<std::string> inputs;
    if (pid_opt->count() != 0) {
      o->live.pids = parse_pid_lists(o->pid_args);
    }
    for (const tracer::Pid pid : o->live.pids) {
      inputs.push_back(fmt::format("pid {}", pid));
    }
    if (!o->live.name.empty()) {
      inputs.push_back("name " + o->live.name);
    }
    for (const auto& unit : o->live.units) {
      inputs.push_back("unit " + tracer::unit_name(unit));
    }
    for (const auto& path : o->live.cgroups) {
      inputs.push_back("cgroup " + path);
    }
    exit_code = attach_processes(*o, std::move(inputs));
  });
}

}  // namespace culprit::cli
