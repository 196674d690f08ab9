// Consequences and the evidence that ties a failure to one. A consequence is something the
// program did that says it went wrong: an error line on stderr or into a log, a non-zero exit, a
// fatal signal, an HTTP 4xx/5xx answer. A failure explains a consequence directly when the error
// line names its path, or when it was the last failure of that process before the consequence.
// This evidence is gathered for every failure, noise rules included: a rule is a prior, and
// pass_noise only lets it hide a failure that no consequence points at.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tracer/model/event.h"

namespace culprit::analyzer {

// Errnos that say the object is there or the call was a probe (readlink's EINVAL, ENOTTY,
// EAGAIN...): no message complains about such a failure, so none names it.
bool errno_can_be_complained_about(std::string_view err);

// Whether a line a program wrote reads as an error or warning ("No such file", "cannot",
// "failed", "denied", "not found", "Error", "fatal" ...), not progress or informational output.
bool looks_like_error(std::string_view line);

// Whether `line` names `path`: the whole path, or its basename as a whole token (not part of a
// longer name). Basenames shorter than 3 characters never count.
bool line_names(std::string_view line, std::string_view path);

// Whether `line` names the inet address "HOST:PORT" ("127.0.0.1:9", "[::1]:80"): as written,
// or as "HOST port PORT" / "HOST, port PORT" (curl, psql).
bool line_names_address(std::string_view line, std::string_view address);

// Whole lines out of the pieces programs write them in (coreutils' error() writes "cat: ", the
// name, ": No such file or directory" and "\n" as four writes). Per (pid, fd); a line is cut at
// 4 KiB, and where strace cut a buffer (-s): the next write does not continue it. Each finished
// line comes with the first write that began it.
class LineAssembler {
 public:
  struct Line {
    tracer::Event first;  // the write that began the line (its data cleared)
    std::string text;
  };
  // Appends a write's data; returns the lines it finished. `began` is set when this write
  // started a new line (nothing was pending for that pid and fd).
  std::vector<Line> add(const tracer::Event& write, bool& began);
  // The unfinished lines of `pid` (at its exit), or of every process (end of the trace).
  std::vector<Line> flush(tracer::Pid pid);
  std::vector<Line> flush_all();

 private:
  static std::uint64_t key(tracer::Pid pid, std::int32_t fd);
  std::unordered_map<std::uint64_t, Line> partial_;
};

}  // namespace culprit::analyzer
