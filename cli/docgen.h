// The man page and the shell completions, written from the CLI11 definitions of the running
// binary (`culprit --generate man|bash|zsh`, hidden), so that they cannot drift from --help.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <string_view>

namespace culprit::cli {

std::string generate_man(const CLI::App& app);   // roff, for man(1)
std::string generate_bash(const CLI::App& app);  // defines _culprit and `complete`s culprit
std::string generate_zsh(const CLI::App& app);   // #compdef culprit

// Prints the kind asked for ("man", "bash" or "zsh") to stdout: 0, or 2 for an unknown kind.
int print_generated(const CLI::App& app, std::string_view kind);

}  // namespace culprit::cli
