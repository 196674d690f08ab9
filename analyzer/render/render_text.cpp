// Text renderer: what a person at a terminal reads first. Every path goes through display_text,
// which also keeps a hostile file name from sending escape sequences to the terminal.
#include <fmt/format.h>

#include "analyzer/core/quote.h"
#include "analyzer/render/render.h"

namespace culprit::analyzer {

namespace {

class Style {
 public:
  explicit Style(bool color) : color_(color) {}
  [[nodiscard]] std::string bold(std::string_view s) const { return wrap("1", s); }
  [[nodiscard]] std::string red(std::string_view s) const { return wrap("1;31", s); }
  [[nodiscard]] std::string yellow(std::string_view s) const { return wrap("33", s); }
  [[nodiscard]] std::string green(std::string_view s) const { return wrap("32", s); }
  [[nodiscard]] std::string dim(std::string_view s) const { return wrap("2", s); }

 private:
  [[nodiscard]] std::string wrap(std::string_view code, std::string_view s) const {
    if (!color_) {
      return std::string(s);
    }
    return fmt::format("\x1b[{}m{}\x1b[0m", code, s);
  }
  bool color_;
};

std::string plural(std::uint64_t n, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

std::string pid_list(const std::vector<tracer::Pid>& pids) {
  constexpr std::size_t kShown = 5;
  std::string out;
  for (std::size_t i = 0; i < pids.size() && i < kShown; ++i) {
    out += fmt::format("{}{}", i == 0 ? "" : ", ", pids[i]);
  }
  if (pids.size() > kShown) {
    out += fmt::format(" and {} more", pids.size() - kShown);
  }
  return out;
}

// "openat failed with ENOENT 3 times (pids 1, 2), first at 14:03:07.123456"
std::string what_line(const Finding& f) {
  std::string out;
  if (!f.syscall.empty() && !f.errno_name.empty()) {
    out = fmt::format("{} failed with {}", f.syscall, f.errno_name);
  } else if (!f.errno_name.empty()) {
    out = fmt::format("failed with {}", f.errno_name);
  } else {
    out = "reported by the process";
  }
  if (f.count > 0) {
    out +=
        fmt::format(" {}", f.count == 1 ? std::string("once") : fmt::format("{} times", f.count));
  }
  // A log without a pid column (strace without -f, a single -ff file) has pid 0: not shown.
  if (!f.pids.empty() && !(f.pids.size() == 1 && f.pids.front() == 0)) {
    out += fmt::format(" ({} {})", f.pids.size() == 1 ? "pid" : "pids", pid_list(f.pids));
  }
  if (f.first_seen.known()) {
    out += fmt::format(", first at {}", f.first_seen.format());
  }
  return out;
}

std::string subject(const Finding& f) {
  if (f.kind == FindingKind::ConnectionRefused && !f.address.empty()) {
    return display_text(f.address);
  }
  return display_text(f.path);
}

void detailed(std::string& out, const Finding& f, std::size_t index, const Style& st,
              const RenderOptions& options) {
  constexpr std::string_view kPad = "          ";
  out += fmt::format("{} {}  {}\n",
                     st.red(fmt::format("#{}", f.rank != 0 ? f.rank : static_cast<int>(index))),
                     st.bold(to_string(f.kind)), st.bold(subject(f)));
  out += fmt::format("  What:   {}\n", what_line(f));
  if (!f.explanation.empty()) {
    out += fmt::format("  Why:    {}\n", display_text(f.explanation));
  }
  if (!f.message.empty()) {
    out += fmt::format("  Said:   {}\n", display_text(f.message));
  }
  if (f.referenced_from) {
    const auto& r = *f.referenced_from;
    out += fmt::format("  Where:  {}{}\n", display_text(r.file),
                       r.line != 0 ? fmt::format(":{}", r.line) : std::string());
    if (!r.text.empty()) {
      out += fmt::format("{}{} | {}\n", kPad, r.line, st.dim(display_text(r.text)));
    }
  }
  if (f.suggestion) {
    out += fmt::format("  Meant:  {}\n", st.green(display_text(*f.suggestion)));
  }
  if (f.blocker) {
    const auto& b = *f.blocker;
    out += fmt::format(
        "  Blocks: {} (mode {:04o}, owner {}:{}, the process lacked '{}')\n", display_text(b.path),
        b.mode & 07777, b.owner.empty() ? std::to_string(b.uid) : display_text(b.owner),
        b.group.empty() ? std::to_string(b.gid) : display_text(b.group), display_text(b.needed));
  }
  if (!f.rank_reason.empty()) {
    out += fmt::format("  Rank:   {}\n", display_text(f.rank_reason));
  }
  if (f.fix) {
    out += fmt::format("  Fix:    {}{}\n", f.fix->actionable ? "" : "(not automatic) ",
                       st.green(f.fix->summary));
    if (f.fix->actionable && !options.fix_hint.empty()) {
      out += fmt::format("{}{}\n", kPad, st.dim(options.fix_hint));
    }
  }
  if (f.log_only) {
    out += fmt::format("{}{}\n", kPad,
                       st.dim("(checked from the log only: the files were not inspected)"));
  }
  if (!f.evidence.empty()) {
    out += "  Seen:\n";
    for (const auto& e : f.evidence) {
      std::string where;
      if (!e.file.empty()) {
        where = fmt::format("{}:{}  ", display_text(e.file), e.line);
      } else if (e.pid != 0) {
        where = fmt::format("pid {}  ", e.pid);
      }
      out += fmt::format("    {}{}\n", st.dim(where), display_text(e.summary));
    }
  }
  out += '\n';
}

}  // namespace

std::string render(const Report& report, Format format, const RenderOptions& options) {
  switch (format) {
    case Format::Text:
      return render_text(report, options);
    case Format::Json:
      return render_json(report);
    case Format::Markdown:
      return render_markdown(report, options);
  }
  return render_text(report, options);
}

std::string render_text(const Report& report, const RenderOptions& options) {
  const Style st(options.color);
  std::string out;
  std::string inputs;
  for (const auto& in : report.inputs) {
    inputs += inputs.empty() ? "" : ", ";
    inputs += display_text(in);
  }
  const std::string source =
      report.mode.empty() ? inputs : fmt::format("{} {}", report.mode, inputs);

  if (report.findings.empty() && !report.consequences.empty()) {
    // Something went wrong, and no failed system call explains it: say so, with what happened.
    out += fmt::format(
        "culprit: something went wrong in {}, but no failed system call explains it:\n", source);
    for (const auto& c : report.consequences) {
      out += c.pid != 0 ? fmt::format("  pid {} {}\n", c.pid, display_text(c.what))
                        : fmt::format("  {}\n", display_text(c.what));
    }
    out +=
        "The cause is in the program's own logic, configuration or input (its own messages "
        "say more), or in a call the trace did not record (strace -e filters, -s cuts).\n";
  } else if (report.findings.empty()) {
    out += fmt::format("culprit: no failure worth a look in {}.\n", source);
  } else {
    out += fmt::format("culprit: {} in {}; the most likely culprit first.\n\n",
                       plural(report.findings.size(), "finding", "findings"), source);
  }

  if (report.command) {
    out += fmt::format("Command: {} {}.\n", display_text(report.command->command),
                       display_text(describe_fate(*report.command)));
  }
  if (report.command || (report.findings.empty() && report.trigger)) {
    out += '\n';
  }

  const std::size_t n_detailed = std::min(options.detailed, report.findings.size());
  for (std::size_t i = 0; i < n_detailed; ++i) {
    detailed(out, report.findings[i], i + 1, st, options);
  }
  if (report.findings.size() > n_detailed) {
    out += st.bold("Also failing:") + "\n";
    std::size_t limit = report.findings.size();
    if (options.max_listed != 0) {
      limit = std::min(limit, n_detailed + options.max_listed);
    }
    for (std::size_t i = n_detailed; i < limit; ++i) {
      const Finding& f = report.findings[i];
      std::string line = fmt::format("  #{} {}  {}", f.rank != 0 ? f.rank : static_cast<int>(i + 1),
                                     to_string(f.kind), subject(f));
      if (!f.errno_name.empty()) {
        line += fmt::format("  {}", f.errno_name);
      }
      if (f.count > 1) {
        line += fmt::format(" x{}", f.count);
      }
      if (f.fix && !f.fix->summary.empty()) {
        line += fmt::format("  -> {}", f.fix->summary);
      }
      out += line + "\n";
    }
    if (limit < report.findings.size()) {
      out += fmt::format("  ... and {} more.\n", report.findings.size() - limit);
    }
    out += '\n';
  }

  if (!report.suppressed.empty() || report.stats.suppressed != 0) {
    const std::uint64_t n =
        report.stats.suppressed != 0 ? report.stats.suppressed : report.suppressed.size();
    if (options.verbose) {
      out += fmt::format("Suppressed {} judged benign:\n", plural(n, "failure", "failures"));
      for (const auto& s : report.suppressed) {
        out += fmt::format("  {}  {} x{}  {}\n", display_text(s.path), s.errno_name, s.count,
                           st.dim(display_text(s.reason)));
        if (!s.weighed.empty()) {
          out += fmt::format("      {}\n", st.dim("weighed: " + display_text(s.weighed)));
        }
      }
    } else {
      out +=
          fmt::format("Suppressed {} judged benign ({}; {}).\n", plural(n, "failure", "failures"),
                      plural(report.suppressed.size(), "group", "groups"), options.suppressed_hint);
    }
  }
  if (report.trigger) {
    const CommandFate& t = *report.trigger;
    out += fmt::format("Trigger: {} {}{}\n", display_text(t.command),
                       display_text(describe_fate(t)), t.output.empty() ? "." : "; its output:");
    // The first lines: enough to see an HTTP status or an error page's title; -v shows all kept.
    constexpr std::size_t kShown = 5;
    const std::size_t shown = options.verbose ? t.output.size() : std::min(kShown, t.output.size());
    for (std::size_t i = 0; i < shown; ++i) {
      out += fmt::format("  | {}\n", display_text(t.output[i]));
    }
    if (shown < t.output.size()) {
      out += st.dim(fmt::format("  | ... {} more kept (-v)", t.output.size() - shown)) + "\n";
    }
  }
  if (report.mode == "replay") {
    out += st.dim(fmt::format("Read {} lines, {} events, {} failed calls, {} malformed lines.",
                              report.stats.lines, report.stats.events, report.stats.failed,
                              report.stats.malformed)) +
           "\n";
  } else if (report.stats.lost >= 0) {
    // eBPF: `lines` counts the kernel's records; a full ring buffer drops some, and says so.
    out += st.dim(fmt::format("Read {} kernel records, {} events, {} failed calls; lost {} events.",
                              report.stats.lines, report.stats.events, report.stats.failed,
                              report.stats.lost)) +
           "\n";
    if (report.stats.lost > 0) {
      out += st.yellow(fmt::format("warning: {} events were lost (the ring buffer was full): "
                                   "failures may be missing; --backend ptrace loses none.",
                                   report.stats.lost)) +
             "\n";
    }
  } else {
    // Live tracing: `lines` counts the ptrace stops handled.
    out += st.dim(fmt::format("Traced {} stops, {} events, {} failed calls.", report.stats.lines,
                              report.stats.events, report.stats.failed)) +
           "\n";
  }
  if (report.stats.groups_dropped != 0) {
    out += st.yellow(fmt::format("warning: {} failure groups were not kept (memory cap).",
                                 report.stats.groups_dropped)) +
           "\n";
  }
  if (report.log_only) {
    out += st.dim(
               "Checked from the log only: the traced machine's files were "
               "not inspected.") +
           "\n";
  }
  constexpr std::size_t kBriefDiagnostics = 3;
  for (std::size_t i = 0; i < report.diagnostics.size(); ++i) {
    if (!options.verbose && i == kBriefDiagnostics) {
      out += st.yellow(fmt::format("note: {} more input problems (-v shows them)",
                                   report.diagnostics.size() - i)) +
             "\n";
      break;
    }
    out +=
        st.yellow(fmt::format("note: {}", display_text(report.diagnostics[i].describe()))) + "\n";
  }
  return out;
}

}  // namespace culprit::analyzer
