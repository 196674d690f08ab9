#include "cli/merge.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "analyzer/core/quote.h"
#include "analyzer/fleet/fleet.h"
#include "cli/user_error.h"

namespace culprit::cli {

namespace {

struct MergeOptions {
  std::vector<std::string> inputs;
  std::string format = "text";
  std::string output;
  std::string manifest;
  std::string script;
  std::size_t top = 1;
  std::size_t max_hosts = 8;
  bool quiet = false;
};

std::string read_input(const std::string& path) {
  if (path == "-") {
    std::ostringstream text;
    text << std::cin.rdbuf();
    return text.str();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw UserError(fmt::format("cannot read {}: {}", path, std::strerror(errno)));
  }
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) {
    throw UserError(fmt::format("cannot read {}: {}", path, std::strerror(errno)));
  }
  return text;
}

// The files to read: each argument, a directory as the *.json files in it (sorted), - as stdin.
std::vector<std::string> expand_inputs(const std::vector<std::string>& args) {
  std::vector<std::string> files;
  for (const auto& arg : args) {
    std::error_code ec;
    if (arg != "-" && std::filesystem::is_directory(arg, ec)) {
      std::vector<std::string> found;
      for (const auto& entry : std::filesystem::directory_iterator(arg, ec)) {
        if (entry.path().extension() == ".json" && !entry.is_directory(ec)) {
          found.push_back(entry.path().string());
        }
      }
      if (ec) {
        throw UserError(fmt::format("cannot read the directory {}: {}", arg, ec.message()));
      }
      if (found.empty()) {
        throw UserError(fmt::format("no *.json report in the directory {}", arg));
      }
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else {
      files.push_back(arg);
    }
  }
  if (std::count(files.begin(), files.end(), "-") > 1) {
    throw UserError("- (stdin) can be given once");
  }
  return files;
}

void write_output(const std::string& path, const std::string& text, const char* what) {
  if (path.empty() || path == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    return;
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) {
    throw UserError(fmt::format("cannot write {} to {}: {}", what, path, std::strerror(errno)));
  }
}

int run_merge(const MergeOptions& o) {
  std::vector<analyzer::HostReport> reports;
  for (const auto& file : expand_inputs(o.inputs)) {
    auto parsed = analyzer::parse_host_report(read_input(file), file);
    if (!parsed.ok()) {
      throw UserError(parsed.error().describe(),
                      "culprit merge reads the reports of `culprit replay|attach|run "
                      "--format json`");
    }
    reports.push_back(std::move(parsed).value());
  }
  const analyzer::Fleet fleet = analyzer::merge_reports(std::move(reports), o.top);
  if (!o.quiet) {
    for (const auto& r : fleet.replaced) {
      fmt::print(stderr, "culprit: warning: two reports from {}: {} is left out for the newer {}\n",
                 analyzer::display_text(r.host), analyzer::display_text(r.origin),
                 analyzer::display_text(r.kept_origin));
    }
  }
  const analyzer::FleetFormat format = o.format == "json"       ? analyzer::FleetFormat::Json
                                       : o.format == "markdown" ? analyzer::FleetFormat::Markdown
                                                                : analyzer::FleetFormat::Text;
  analyzer::FleetRenderOptions ropts;
  ropts.max_hosts = o.max_hosts;
  write_output(o.output, analyzer::render_fleet(fleet, format, ropts), "the report");
  if (!o.manifest.empty()) {
    write_output(o.manifest, analyzer::fleet_manifest(fleet), "the Puppet manifest");
  }
  if (!o.script.empty()) {
    write_output(o.script, analyzer::fleet_script(fleet), "the shell script");
  }
  return fleet.groups.empty() ? 0 : 1;
}

}  // namespace

void set_merge_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<MergeOptions>();
  CLI::App* sub = app.add_subcommand(
      "merge",
      "Group the JSON reports of many hosts (the same finding across hosts) into one report, "
      "one Puppet manifest and one shell script whose fixes apply only where they were seen");
  sub->add_option("reports", o->inputs,
                  "JSON reports (--format json); a directory means its *.json files; - = stdin")
      ->required();
  sub->add_option("--format,-F", o->format, "Report format")
      ->check(CLI::IsMember({"text", "json", "markdown"}))
      ->capture_default_str();
  sub->add_option("-o,--output", o->output, "Write the merged report to FILE ('-': stdout)");
  sub->add_option("--manifest", o->manifest,
                  "Write one Puppet manifest for every host to FILE (each fix guarded by the "
                  "hosts that reported it)");
  sub->add_option("--script", o->script,
                  "Write one POSIX shell script for every host to FILE (each fix run only where "
                  "`hostname` or $CULPRIT_HOST names a host that reported it)");
  sub->add_option("--top", o->top,
                  "Fixes are written for each host's top N findings that culprit can fix, as "
                  "--puppet does for one report")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  sub->add_option("--max-hosts", o->max_hosts,
                  "Host names listed per finding in text and Markdown (JSON lists all)")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  sub->add_flag("-q,--quiet", o->quiet, "No warnings on stderr (errors are still printed)");
  sub->callback([o, &exit_code] { exit_code = run_merge(*o); });
}

}  // namespace culprit::cli
