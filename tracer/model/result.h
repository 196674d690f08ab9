// Result<T>: the value of an operation that can fail in an expected way (tracee gone, attach
// refused, unreadable file, malformed log line). Broken invariants use CULPRIT_ASSERT instead.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>

namespace culprit {

// An expected failure: an errno-like code (0 when none applies), a lower-case message that names
// the object, and where it was when the failure is about an input file.
struct Error {
  int code = 0;
  std::string message;
  std::string file;        // input file the error is about, empty if none
  std::uint64_t line = 0;  // 1-based line in `file`, 0 if not about a line

  // "file:line: message" / "file: message" / "message".
  [[nodiscard]] std::string describe() const {
    std::string out;
    if (!file.empty()) {
      out += file;
      if (line != 0) {
        out += ':';
        out += std::to_string(line);
      }
      out += ": ";
    }
    out += message;
    return out;
  }
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  [[nodiscard]] bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  T& operator*() & { return std::get<0>(v_); }
  const T& operator*() const& { return std::get<0>(v_); }

  const Error& error() const { return std::get<1>(v_); }
  Error&& take_error() { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

// Result<void>.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), failed_(true) {}  // NOLINT
  [[nodiscard]] bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return error_; }
  Error&& take_error() { return std::move(error_); }

 private:
  Error error_;
  bool failed_ = false;
};

namespace detail {
// Streams context into the assertion message, then aborts in its destructor.
class AssertionFailure {
 public:
  AssertionFailure(const char* expr, const char* file, int line) {
    out_ << file << ':' << line << ": assertion failed: " << expr << ": ";
  }
  AssertionFailure(const AssertionFailure&) = delete;
  AssertionFailure& operator=(const AssertionFailure&) = delete;
  [[noreturn]] ~AssertionFailure() {
    std::cerr << out_.str() << std::endl;
    std::abort();
  }
  template <typename V>
  AssertionFailure& operator<<(const V& v) {
    out_ << v;
    return *this;
  }

 private:
  std::ostringstream out_;
};
}  // namespace detail

}  // namespace culprit

// Propagates the error of a Result-returning expression; evaluates to its value otherwise.
// (A GNU statement expression, as in bpftrace/ccache; __extension__ keeps -Wpedantic quiet.)
#define CULPRIT_TRY(expr)                      \
  __extension__({                              \
    auto culprit_try_result_ = (expr);         \
    if (!culprit_try_result_.ok()) {           \
      return culprit_try_result_.take_error(); \
    }                                          \
    std::move(culprit_try_result_).value();    \
  })

// Propagates the error of a Result<void>-returning expression.
#define CULPRIT_TRY_VOID(expr)                 \
  do {                                         \
    auto culprit_try_result_ = (expr);         \
    if (!culprit_try_result_.ok()) {           \
      return culprit_try_result_.take_error(); \
    }                                          \
  } while (false)

// Checks an invariant, also in release builds. Usage: CULPRIT_ASSERT(fd >= 0) << "fd " << fd;
#define CULPRIT_ASSERT(cond) \
  if (cond) {                \
  } else                     \
    ::culprit::detail::AssertionFailure(#cond, __FILE__, __LINE__)
