// The command line: one set_*_command per subcommand (replay, run, attach), sharing the report and
// fix options. Every subcommand ends in analyze(): events → pipeline → fixes → renderers.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace culprit::cli {

// Options every subcommand has: what to report, where, and how to look at files.
struct ReportOptions {
  std::string format = "text";    // text | json | markdown
  std::string output;             // -o FILE; "" = the default stream, "-" = stdout
  bool report_to_stderr = false;  // the default stream is stderr (run's text reports)
  bool follow = false;            // -f: accepted for strace habits; culprit always follows
  std::string puppet;             // --puppet FILE
  std::string puppet_class;       // --puppet-class NAME: resources wrapped in a class
  std::string shell;              // --shell FILE
  std::size_t top = 1;            // fixes are written for the top N actionable findings
  std::size_t max_findings = 25;
  std::string root;                // --root DIR: look files up under DIR instead of /
  bool log_only = false;           // --log-only: no filesystem checks at all
  std::vector<std::string> rules;  // --rules FILE (repeatable)
  std::string color = "auto";      // auto | always | never
  bool verbose = false;
  bool quiet = false;           // -q: no progress line, no warnings (errors still go to stderr)
  double progress_after = 1.0;  // seconds before the progress line appears (hidden option)
  bool no_data = false;         // --no-data: keep no buffer contents (see SECURITY.md)
  std::string host_name;        // --host-name NAME: the report's source.host ("" = gethostname)
};

// Each returns the process exit status through `exit_code` once the subcommand ran:
// 0 no findings, 1 findings, 2 usage or input error (thrown as UserError, see main).
void set_replay_command(CLI::App& app, int& exit_code);
void set_run_command(CLI::App& app, int& exit_code);
void set_attach_command(CLI::App& app, int& exit_code);

}  // namespace culprit::cli
