// culprit: which file broke the site, why, and how to fix it — from system calls.
// main owns every exit code: 0 no findings, 1 findings, 2 usage or input error.
#include <fmt/format.h>
#include <sys/utsname.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <exception>

#include "cli/commands.h"
#include "cli/docgen.h"
#include "cli/merge.h"
#include "cli/user_error.h"
#include "tracer/model/result.h"
#include "tracer/ptrace/seccomp_filter.h"

namespace {

// What a bug report needs: the version, how it was built, and what it runs on.
std::string version_text() {
  utsname u{};
  const std::string kernel = uname(&u) == 0 ? std::string(u.release) : std::string("unknown");
  return fmt::format(
      "culprit {}\nbuild: {}\nlibseccomp: {}\nkernel: {}\ncapture backends: ptrace (run: "
      "seccomp-bpf){}, strace logs",
      CULPRIT_VERSION, CULPRIT_BUILD_TYPE, culprit::tracer::seccomp_library_version(), kernel,
#ifdef CULPRIT_HAVE_EBPF
      ", ebpf (attach)"
#else
      ""
#endif
  );
}

// CLI11 says "A subcommand is required" for `culprit bogus` and `culprit --bogus`: name the word.
int unknown_first_word(const CLI::App& app, std::string_view word) {
  if (word == "-h" || word == "--help" || word == "--version" || word == "--help-all") {
    return 0;
  }
  std::string names;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    names += (names.empty() ? "" : ", ") + sub->get_name();
    if (sub->check_name(std::string(word))) {
      return 0;
    }
  }
  if (word.starts_with("-")) {
    fmt::print(stderr, "culprit: unknown option '{}' (options go after the command: {})\n", word,
               names);
  } else {
    fmt::print(stderr, "culprit: unknown command '{}' (commands: {}; culprit --help)\n", word,
               names);
  }
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  // An ignored SIGCHLD is inherited across exec (a parent that ignores it, some init scripts): the
  // kernel would then reap culprit's children by itself, and the --trigger's exit status could not
  // be read. strace resets it the same way.
  std::signal(SIGCHLD, SIG_DFL);
  CLI::App app{
      "culprit: find the failing file behind an error (a 500, a server that will not start)\n"
      "from system calls, explain it, and write a Puppet manifest and a shell script that fix it.",
      "culprit"};
  app.set_version_flag("--version", version_text);
  app.require_subcommand(1);
  app.fallthrough();

  int exit_code = 0;
  culprit::cli::set_replay_command(app, exit_code);
  culprit::cli::set_run_command(app, exit_code);
  culprit::cli::set_attach_command(app, exit_code);
  culprit::cli::set_merge_command(app, exit_code);

  // Hidden (not in --help): the build writes the man page and completions from these definitions.
  if (argc == 3 && std::string_view(argv[1]) == "--generate") {
    return culprit::cli::print_generated(app, argv[2]);
  }
  if (argc > 1) {
    if (const int code = unknown_first_word(app, argv[1]); code != 0) {
      return code;
    }
  }
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
  } catch (const culprit::cli::UserError& e) {
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
