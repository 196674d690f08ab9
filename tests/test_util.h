// Helpers shared by tests that drive real programs: run a command (Boost.Process) capturing its
// output, temporary directories, file I/O.
#pragma once

#include <unistd.h>

#include <boost/process.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace culprit::test {

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

inline std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void write_text(const std::filesystem::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) {
    throw std::runtime_error("cannot write " + p.string());
  }
}

// A directory removed (recursively) when the object dies.
class TempDir {
 public:
  explicit TempDir(const std::string& tag = "culprit-test") {
    std::string templ = (std::filesystem::temp_directory_path() / (tag + "-XXXXXX")).string();
    if (mkdtemp(templ.data()) == nullptr) {
      throw std::runtime_error("mkdtemp failed");
    }
    path_ = templ;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  [[nodiscard]] std::filesystem::path operator/(const std::string& name) const {
    return path_ / name;
  }

 private:
  std::filesystem::path path_;
};

// Runs argv[0] (searched in PATH when not absolute) with stdin from /dev/null, stdout and stderr
// captured through files (no pipe deadlock), in `cwd` when given.
inline CommandResult run_command(const std::vector<std::string>& argv,
                                 const std::filesystem::path& cwd = {}) {
  namespace bp = boost::process;
  TempDir io("culprit-cmd");
  const auto out_path = io / "out";
  const auto err_path = io / "err";
  boost::filesystem::path exe = argv.at(0);
  if (argv[0].find('/') == std::string::npos) {
    exe = bp::search_path(argv[0]);
    if (exe.empty()) {
      throw std::runtime_error("command not found: " + argv[0]);
    }
  }
  std::vector<std::string> args(argv.begin() + 1, argv.end());
  bp::child child = cwd.empty()
                        ? bp::child(exe, args, bp::std_in<bp::null, bp::std_out> out_path.string(),
                                    bp::std_err > err_path.string())
                        : bp::child(exe, args, bp::std_in<bp::null, bp::std_out> out_path.string(),
                                    bp::std_err > err_path.string(), bp::start_dir = cwd.string());
  child.wait();
  CommandResult r;
  r.exit_code = child.exit_code();
  r.out = read_text(out_path);
  r.err = read_text(err_path);
  return r;
}

inline std::string culprit_binary() { return CULPRIT_BINARY; }

// A case that cannot run here (a tool or a privilege is missing). Under ctest, which runs each case
// on its own and sets CULPRIT_TEST_SKIP_EXIT, the process exits 77 and the case shows as skipped;
// run by hand (all cases in one process) it is a warning and the caller returns.
#define CULPRIT_SKIP(why)                                              \
  do {                                                                 \
    if (std::getenv("CULPRIT_TEST_SKIP_EXIT") != nullptr) {            \
      std::fprintf(stderr, "skipped: %s\n", std::string(why).c_str()); \
      std::fflush(stderr);                                             \
      std::_Exit(77);                                                  \
    }                                                                  \
    WARN("skipped: " << (why));                                        \
    return;                                                            \
  } while (false)

inline std::filesystem::path source_dir() { return CULPRIT_SOURCE_DIR; }

}  // namespace culprit::test
