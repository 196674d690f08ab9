// Fuzz target: the strace log reader (tracer/strace/strace_log.h), and behind it the whole analysis
// of a hostile log (pipeline, fixes, renderers), with the invariants every consumer relies on
// checked on each event. One input is read three ways:
//   1. whole file: StraceLogReader::read_text → Pipeline (log-only) → attach_fixes → manifest,
//      script and every report format (JSON must parse);
//   2. line by line: each of the first kMaxLines lines as a one-line file of its own (every line
//      alone must be handled: detection window, a resumed call without its start ...);
//   3. an -ff set: the input is split at lines starting with "@@" into files PREFIX.101,
//      PREFIX.102, ... in a temporary directory, and read_logs() recognises and merges the set.
// A crash, a sanitizer report, an uncaught exception or a failed invariant is a finding.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "analyzer/core/filesystem.h"
#include "analyzer/core/quote.h"
#include "analyzer/fix/fix.h"
#include "analyzer/passes/pipeline.h"
#include "analyzer/rules/rules.h"
#if __has_include("analyzer/render/render.h")
#include "analyzer/render/render.h"
#define CULPRIT_FUZZ_HAS_RENDER 1
#endif
#include "tracer/model/event.h"
#include "tracer/model/result.h"
#include "tracer/strace/strace_log.h"

namespace {

using culprit::tracer::Event;
using culprit::tracer::EventKind;
using culprit::tracer::SourceStats;

constexpr std::size_t kMaxLines = 32;
constexpr std::size_t kMaxFfFiles = 4;

// Checks what every consumer of events assumes (tracer/model/event.h, tracer/strace/strace_log.h
// contracts).
class CheckingSink final : public culprit::tracer::EventSink {
 public:
  explicit CheckingSink(culprit::tracer::EventSink* next = nullptr) : next_(next) {}

  void on_event(const Event& e) override {
    ++events_;
    CULPRIT_ASSERT(!e.origin.file.empty()) << "event without origin file";
    CULPRIT_ASSERT(e.origin.line >= 1) << "event without origin line";
    if (e.kind == EventKind::Syscall) {
      CULPRIT_ASSERT(!e.syscall.empty()) << "syscall event without a name";
      if (e.path_absolute && !e.path.empty()) {
        CULPRIT_ASSERT(e.path.front() == '/') << "path_absolute but path is " << e.path;
      }
      // The kernel reads a path up to its NUL: a path with a NUL byte cannot be real and would
      // reach the quoting layer, which refuses NUL (analyzer/core/quote.h).
      for (const std::string* p : {&e.path, &e.path2, &e.fd_path, &e.ret_path}) {
        CULPRIT_ASSERT(p->find('\0') == std::string::npos)
            << "NUL byte in a path: " << culprit::tracer::escape_bytes(*p);
      }
      CULPRIT_ASSERT(e.failed() == !e.err.empty());
    }
    // The canonical dump and the escaper must handle every byte.
    const std::string d = culprit::tracer::dump(e, true);
    CULPRIT_ASSERT(d.find('\n') == std::string::npos) << "multi-line dump: " << d;
    if (next_ != nullptr) {
      next_->on_event(e);
    }
  }
  [[nodiscard]] std::uint64_t events() const { return events_; }

 private:
  culprit::tracer::EventSink* next_;
  std::uint64_t events_ = 0;
};

const culprit::analyzer::Rules& rules() {
  static const culprit::analyzer::Rules r = [] {
    auto loaded = culprit::analyzer::Rules::builtin();
    CULPRIT_ASSERT(loaded.ok()) << loaded.error().describe();
    return std::move(loaded).value();
  }();
  return r;
}

void check_stats(const SourceStats& stats, const CheckingSink& sink) {
  CULPRIT_ASSERT(stats.diagnostics.size() <= SourceStats::kMaxDiagnostics);
  CULPRIT_ASSERT(stats.events == sink.events())
      << "stats.events " << stats.events << " but " << sink.events() << " delivered";
  for (const auto& d : stats.diagnostics) {
    CULPRIT_ASSERT(!d.message.empty()) << "empty diagnostic";
  }
}

// 1. The whole input as one file, analysed end to end.
void whole_file(std::string_view text) {
  const culprit::analyzer::NoFileSystem fs;
  culprit::analyzer::PipelineOptions popts;
  popts.inputs = {"fuzz.log"};
  popts.max_groups = 1000;  // small cap: the capping path gets exercised too
  culprit::analyzer::Pipeline pipeline(rules(), fs, popts);
  CheckingSink sink(&pipeline);
  SourceStats stats;
  culprit::tracer::ReadOptions options;
  options.read_ahead = false;
  const std::string name = "fuzz.log";
  {
    culprit::tracer::StraceLogReader reader(sink, stats, options);
    auto r = reader.read_text(text, name);
    if (!r.ok()) {
      CULPRIT_ASSERT(!r.error().message.empty());
    }
    reader.finish();
    check_stats(stats, sink);
    culprit::analyzer::Report report = pipeline.finish(stats);
    culprit::analyzer::attach_fixes(report, culprit::analyzer::builtin_fix_templates());
    const std::string manifest = culprit::analyzer::puppet_manifest(report, 5);
    CULPRIT_ASSERT(culprit::analyzer::is_valid_utf8(manifest)) << "manifest is not UTF-8";
    const std::string script = culprit::analyzer::shell_script(report, 5);
    CULPRIT_ASSERT(script.rfind("#!/bin/sh", 0) == 0) << "script without #!/bin/sh";
#ifdef CULPRIT_FUZZ_HAS_RENDER
    culprit::analyzer::RenderOptions ropts;
    ropts.detailed = 4;
    ropts.max_listed = 0;
    const std::string json =
        culprit::analyzer::render(report, culprit::analyzer::Format::Json, ropts);
    CULPRIT_ASSERT(nlohmann::json::accept(json)) << "invalid JSON report";
    (void)culprit::analyzer::render(report, culprit::analyzer::Format::Text, ropts);
    (void)culprit::analyzer::render(report, culprit::analyzer::Format::Markdown, ropts);
#endif
  }
}

// 2. Each line alone.
void line_by_line(std::string_view text) {
  culprit::tracer::EventSink* none = nullptr;
  CheckingSink sink(none);
  SourceStats stats;
  culprit::tracer::ReadOptions options;
  options.read_ahead = false;
  std::deque<std::string> names;  // Event origins point into them
  culprit::tracer::StraceLogReader reader(sink, stats, options);
  std::size_t n = 0;
  while (!text.empty() && n < kMaxLines) {
    const std::size_t nl = text.find('\n');
    const std::string_view line =
        text.substr(0, nl == std::string_view::npos ? text.size() : nl + 1);
    text.remove_prefix(line.size());
    names.push_back("line" + std::to_string(++n) + ".log");
    (void)reader.read_text(line, names.back(), static_cast<culprit::tracer::Pid>(n % 3));
  }
  reader.finish();
  check_stats(stats, sink);
}

// 3. An -ff set through read_logs (files on disk, read-ahead thread on).
const std::filesystem::path& temp_dir() {
  static const std::filesystem::path dir = [] {
    std::string templ = (std::filesystem::temp_directory_path() / "culprit-fuzz-XXXXXX").string();
    CULPRIT_ASSERT(mkdtemp(templ.data()) != nullptr) << "mkdtemp failed";
    return std::filesystem::path(templ);
  }();
  static const bool cleanup = [] {
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    });
    return true;
  }();
  (void)cleanup;
  return dir;
}

void ff_set(std::string_view text) {
  std::vector<std::string> parts(1);
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    const std::string_view line =
        text.substr(0, nl == std::string_view::npos ? text.size() : nl + 1);
    text.remove_prefix(line.size());
    if (line.starts_with("@@") && parts.size() < kMaxFfFiles) {
      parts.emplace_back();
      continue;
    }
    parts.back() += line;
  }
  std::vector<std::string> paths;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    paths.push_back((temp_dir() / ("trace." + std::to_string(101 + i))).string());
    std::ofstream out(paths.back(), std::ios::binary | std::ios::trunc);
    out << parts[i];
  }
  culprit::tracer::EventSink* none = nullptr;
  CheckingSink sink(none);
  SourceStats stats;
  auto r = culprit::tracer::read_logs(paths, sink, stats);
  if (!r.ok()) {
    CULPRIT_ASSERT(!r.error().message.empty());
  }
  check_stats(stats, sink);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  whole_file(text);
  line_by_line(text);
  ff_set(text);
  return 0;
}
