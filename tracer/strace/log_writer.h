// An EventSink that writes culprit's own strace-format log, in the style of
// `strace -f -tt -T -y`: "PID HH:MM:SS.uuuuuu name(args) = ret <secs.usecs>". Reading the log back
// with the strace log reader yields the same events (equal `dump`s); the live tracer uses it for
// --save-log, so a live session can be replayed and shared like any strace log.
#pragma once

#include <cstdio>
#include <string>

#include "tracer/model/event.h"

namespace culprit::tracer {

class LogWriter final : public EventSink {
 public:
  // `out` must stay open while the writer lives; the writer does not close it. Lines are written
  // whole (one fwrite each) so a crash leaves at most the last line truncated.
  explicit LogWriter(std::FILE* out);
  void on_event(const Event& event) override;
  // The line `on_event` writes for `event`, without the trailing newline.
  [[nodiscard]] static std::string format_line(const Event& event);

 private:
  std::FILE* out_;
  std::string line_;
};

}  // namespace culprit::tracer
