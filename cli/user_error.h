// The one way a command ends early: a problem of the user's making or the environment's (bad
// option, unreadable input, a file that cannot be written). Exit codes belong to the CLI alone:
// the tracer and analyzer return Result errors, and cli/ decides what they mean for the exit code.
#pragma once
#include <stdexcept>
#include <string>
#include <utility>

namespace culprit::cli {

// Thrown only by cli/, caught only in main, which prints `what()` and the hint and exits with
// `exit_code` (2: usage or input; 3: culprit itself is broken, e.g. its built-in rules).
class UserError : public std::runtime_error {
 public:
  explicit UserError(std::string message, std::string hint = {}, int exit_code = 2)
      : std::runtime_error(std::move(message)), hint_(std::move(hint)), exit_code_(exit_code) {}
  [[nodiscard]] const std::string& hint() const { return hint_; }
  [[nodiscard]] int exit_code() const { return exit_code_; }

 private:
  std::string hint_;
  int exit_code_;
};

}  // namespace culprit::cli
