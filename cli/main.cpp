// culprit: which file broke the site, why, and how to fix it — from system calls.
// main owns every exit code: 0 no findings, 1 findings, 2 usage or input error.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "cli/commands.h"
#include "tracer/result.h"

int main(int argc, char** argv) {
  CLI::App app{
      "culprit: find the failing file behind an error (a 500, a server that will not start)\n"
      "from system calls, explain it, and write a Puppet manifest and a shell script that fix it.",
      "culprit"};
  app.set_version_flag("--version", "culprit 0.1.0");
  app.require_subcommand(1);
  app.fallthrough();

  int exit_code = 0;
  culprit::cli::set_replay_command(app, exit_code);
  culprit::cli::set_run_command(app, exit_code);
  culprit::cli::set_attach_command(app, exit_code);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;  // usage error, whatever CLI11's own code
  } catch (const culprit::UserError& e) {
    fmt::print(stderr, "culprit: {}\n", e.what());
    if (!e.hint().empty()) {
      fmt::print(stderr, "hint: {}\n", e.hint());
    }
    return e.exit_code();
  } catch (const std::exception& e) {
    fmt::print(stderr, "culprit: internal error: {}\n", e.what());
    return 3;
  }
  return exit_code;
}
