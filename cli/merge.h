// `culprit merge REPORT.json...`: the JSON reports of many hosts as one grouped report, one
// Puppet manifest and one shell script (analyzer/fleet).
#pragma once

#include <CLI/CLI.hpp>

namespace culprit::cli {

// Sets `exit_code` as the other subcommands do: 0 no finding on any host, 1 findings; an
// unreadable or invalid report is a UserError naming the file (2).
void set_merge_command(CLI::App& app, int& exit_code);

}  // namespace culprit::cli
