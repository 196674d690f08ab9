// The log reader's stages one by one: the lexing helpers (strace_lex.h), the line prefix
// (strace_prefix.h), the line scanner (line_scanner.h) and the event batcher (event_batcher.h).
// Expected values are written by hand from the strace text.
#include <catch2/catch.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "tracer/model/event.h"
#include "tracer/model/event_batcher.h"
#include "tracer/strace/line_scanner.h"
#include "tracer/strace/process_state.h"
#include "tracer/strace/strace_lex.h"
#include "tracer/strace/strace_prefix.h"

using namespace culprit::tracer;
using namespace culprit::tracer::detail;

namespace {

std::vector<std::string> split(std::string_view s, bool* closed = nullptr,
                               std::string_view* rest = nullptr) {
  Args a;
  split_args(s, a);
  if (closed != nullptr) {
    *closed = a.closed;
  }
  if (rest != nullptr) {
    *rest = a.rest;
  }
  return {a.v.begin(), a.v.begin() + static_cast<std::ptrdiff_t>(a.n)};
}

}  // namespace

TEST_CASE("split_args: nested braces, strings and annotations stay whole") {
  bool closed = false;
  std::string_view rest;
  const std::string_view line =
      R"(3</etc/x>, {st_mode=S_IFREG|0644, st_size=5}, "a, (b) \"c\"", [{iov_base="x", iov_len=1}]) = 0 <0.000010>)";
  CHECK(split(line, &closed, &rest) ==
        std::vector<std::string>{"3</etc/x>", "{st_mode=S_IFREG|0644, st_size=5}",
                                 R"("a, (b) \"c\"")", R"([{iov_base="x", iov_len=1}])"});
  CHECK(closed);
  CHECK(rest == " = 0 <0.000010>");
  // A -yy socket pair's "->" does not close its annotation; a comment's comma does not split.
  CHECK(split("3<TCP:[1.2.3.4:80->5.6.7.8:9]>, -100 /* AT_FDCWD, x */) = 0") ==
        std::vector<std::string>{"3<TCP:[1.2.3.4:80->5.6.7.8:9]>", "-100 /* AT_FDCWD, x */"});
  // No arguments; a cut-off line keeps its partial last argument.
  CHECK(split(") = 0").empty());
  CHECK(split(R"(AT_FDCWD, "/etc/pass)", &closed) ==
        std::vector<std::string>{"AT_FDCWD", R"("/etc/pass)"});
  CHECK_FALSE(closed);
}

TEST_CASE("quoted_at: body, truncation marker, abstract sockets") {
  std::string_view body;
  bool truncated = false;
  std::size_t end = 0;
  REQUIRE(quoted_at(R"( "hello\"x"..., 5)", body, truncated, end));
  CHECK(body == R"(hello\"x)");
  CHECK(truncated);
  CHECK(end == 14);
  REQUIRE(quoted_at(R"("abc", 3)", body, truncated, end));
  CHECK(body == "abc");
  CHECK_FALSE(truncated);
  CHECK(end == 5);
  REQUIRE(quoted_at(R"(@"sock")", body, truncated, end));
  CHECK(body == "sock");
  REQUIRE(quoted_at(R"("unterminated)", body, truncated, end));  // a cut-off line
  CHECK(body == "unterminated");
  CHECK(truncated);
  CHECK_FALSE(quoted_at("NULL", body, truncated, end));
  CHECK_FALSE(quoted_at("0x7ffd1234", body, truncated, end));
  std::string out;
  unescape_into(R"(a\tb\"c\\d\101\x42\n)", out);
  CHECK(out == "a\tb\"c\\dAB\n");
}

TEST_CASE("parse_fd: numbers, AT_FDCWD and -y annotations") {
  int fd = 0;
  std::string_view annotation;
  REQUIRE(parse_fd("3</etc/hosts>", fd, annotation));
  CHECK(fd == 3);
  CHECK(annotation == "/etc/hosts");
  REQUIRE(parse_fd("AT_FDCWD</srv/app>", fd, annotation));
  CHECK(fd == kAtFdCwd);
  CHECK(annotation == "/srv/app");
  REQUIRE(parse_fd("-100 /* AT_FDCWD */", fd, annotation));
  CHECK(fd == -100);
  CHECK(annotation.empty());
  REQUIRE(parse_fd("5<TCP:[10.0.0.1:80->10.0.0.2:4242]>", fd, annotation));
  CHECK(fd == 5);
  CHECK(annotation == "TCP:[10.0.0.1:80->10.0.0.2:4242]");
  REQUIRE(parse_fd("4</tmp/x (deleted)>", fd, annotation));
  CHECK(annotation == "/tmp/x (deleted)");
  CHECK_FALSE(parse_fd("NULL", fd, annotation));
  CHECK(parse_open_flags("O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC") == (01 | 0100 | 01000 | 02000000));
  CHECK(parse_mode("S_IFREG|0644") == 0644);
  CHECK(parse_access_mode("R_OK|X_OK") == 5);
}

namespace {

struct Prefix {
  bool ok = false;
  bool has_pid = false;
  Pid pid = 0;
  Timestamp ts;
  std::string rest;
};

Prefix prefix(std::string_view line) {
  Prefix p;
  p.ok = parse_prefix(line, p.pid, p.ts, p.has_pid);
  p.rest = std::string(line);
  return p;
}

constexpr std::int64_t kSec = 1'000'000;

}  // namespace

TEST_CASE("parse_prefix: each prefix kind") {
  auto p = prefix("[pid  1234] openat(AT_FDCWD, \"/x\", O_RDONLY) = 3");
  CHECK(p.ok);
  CHECK(p.has_pid);
  CHECK(p.pid == 1234);
  CHECK(p.ts.kind == Timestamp::Kind::None);
  CHECK(p.rest == "openat(AT_FDCWD, \"/x\", O_RDONLY) = 3");

  p = prefix("1234  close(3) = 0");
  CHECK((p.ok && p.has_pid && p.pid == 1234 && p.rest == "close(3) = 0"));

  p = prefix("16895<cat> close(3) = 0");  // -Y
  CHECK((p.ok && p.has_pid && p.pid == 16895 && p.rest == "close(3) = 0"));

  p = prefix("1234 14:03:07.123456 close(3) = 0");  // -f -tt (the fast path)
  CHECK((p.ok && p.has_pid && p.pid == 1234));
  CHECK(p.ts.kind == Timestamp::Kind::TimeOfDay);
  CHECK(p.ts.micros == (14 * 3600 + 3 * 60 + 7) * kSec + 123456);
  CHECK(p.rest == "close(3) = 0");

  p = prefix("14:03:07 close(3) = 0");  // -t, no pid
  CHECK((p.ok && !p.has_pid && p.pid == 0));
  CHECK(p.ts.kind == Timestamp::Kind::TimeOfDay);
  CHECK(p.ts.micros == (14 * 3600 + 3 * 60 + 7) * kSec);

  p = prefix("1700000000.500000 close(3) = 0");  // -ttt
  CHECK(p.ts.kind == Timestamp::Kind::Epoch);
  CHECK(p.ts.micros == 1700000000 * kSec + 500000);
  CHECK(p.rest == "close(3) = 0");

  p = prefix("     0.000123 close(3) = 0");  // -r: the raw delta
  CHECK(p.ts.kind == Timestamp::Kind::Relative);
  CHECK(p.ts.micros == 123);
  CHECK(p.rest == "close(3) = 0");

  p = prefix("14:03:07 (+     0.000078) close(3) = 0");  // -t -r
  CHECK(p.ts.kind == Timestamp::Kind::TimeOfDay);
  CHECK(p.rest == "close(3) = 0");

  p = prefix("1234 14:03:07.123456 [00007f4ef5c2bad7] close(3) = 0");  // -i
  CHECK((p.ok && p.pid == 1234 && p.rest == "close(3) = 0"));
  p = prefix("[????????] close(3) = 0");  // -i, pointer unknown, 8 digits
  CHECK((p.ok && p.rest == "close(3) = 0"));

  p = prefix("[pid 12x] close(3) = 0");  // a broken [pid N]
  CHECK_FALSE(p.ok);

  std::size_t at = 0;
  CHECK(has_prompt("root@web1:~# strace -f php", at));
  CHECK(at == 0);
  CHECK(looks_like_strace("1234 close(3) = 0"));
  CHECK(looks_like_strace("<... read resumed>\"x\", 1) = 1"));
  CHECK_FALSE(looks_like_strace("PHP Warning:  require(x): failed"));
}

TEST_CASE("LineScanner: lines and their classification") {
  const std::string block =
      "100 12:00:00.000001 openat(AT_FDCWD, \"/etc/x\", O_RDONLY) = -1 ENOENT (No such file)\n"
      "100 12:00:00.000002 mmap(NULL, 8192, PROT_READ, MAP_PRIVATE, 3, 0) = 0x7f0000000000\n"
      "100 12:00:00.000003 read(3, <unfinished ...>\n"
      "[pid 101] --- SIGCHLD {si_signo=SIGCHLD} ---\n"
      "  wrapped tail\n"
      "no newline at the end";
  const LineScanner scanner(false);
  ScannedLines scanned;
  scanner.scan(block, scanned);
  REQUIRE(scanned.lines.size() == 6);
  CHECK_FALSE(scanned.has_escape);
  auto line = [&](std::size_t i) {
    const LineRec& r = scanned.lines[i];
    return std::string_view(block).substr(r.off, r.len);
  };
  CHECK(line(5) == "no newline at the end");

  // A call the table knows: prefix parsed, arguments split for the parser, table row found.
  const LineRec& open = scanned.lines[0];
  CHECK(open.flags == (LineRec::kPrefix | LineRec::kHasPid));
  CHECK(open.pid == 100);
  CHECK(open.ts.micros == 12 * 3600 * kSec + 1);
  CHECK(line(0).substr(open.body).substr(0, 7) == "openat(");
  REQUIRE(open.args != LineRec::kNoArgs);
  CHECK(scanned.args[open.args].n == 3);
  CHECK(scanned.args[open.args].v[1] == "\"/etc/x\"");
  REQUIRE(open.row != nullptr);
  CHECK(open.row->name == "openat");

  // A successful call outside the table: only counted.
  CHECK(scanned.lines[1].flags == (LineRec::kPrefix | LineRec::kHasPid | LineRec::kSkip));
  CHECK(scanned.lines[1].args == LineRec::kNoArgs);
  // Unfinished calls and signals are the parser's: prefix only.
  CHECK(scanned.lines[2].flags == (LineRec::kPrefix | LineRec::kHasPid));
  CHECK(scanned.lines[2].args == LineRec::kNoArgs);
  CHECK(scanned.lines[3].pid == 101);
  CHECK(scanned.lines[3].args == LineRec::kNoArgs);
  // A continuation line: no pid.
  CHECK((scanned.lines[4].flags & LineRec::kHasPid) == 0);

  const CallLine c = classify_call("read(3, <unfinished ...>", 4, false);
  CHECK(c.kind == CallLine::Kind::Unfinished);
  CHECK(c.text == "read(3, ");
  CHECK(classify_call("brk(NULL) = 0x55d4c000", 3, false).kind == CallLine::Kind::Skip);
  CHECK(classify_call("brk(NULL) = 0x55d4c000", 3, true).kind == CallLine::Kind::Call);
  CHECK(classify_call("brk(NULL) = -1 ENOMEM (x)", 3, false).kind == CallLine::Kind::Call);
  CHECK(classify_call("vfork( <detached ...>", 5, false).kind == CallLine::Kind::Detached);

  // Lines with terminal escapes are left to the parser (it strips them first).
  scanner.scan("100 close(3) = 0\x1b[0m\n", scanned);
  CHECK(scanned.has_escape);
  CHECK(scanned.lines.at(0).flags == 0);
}

namespace {

struct Collect : EventSink {
  std::vector<std::string> names;
  void on_event(const Event& e) override { names.push_back(e.syscall); }
};

}  // namespace

TEST_CASE("EventBatcher: in order from slot()/commit() and on_event(), all delivered at drain") {
  for (const EventBatcher::Options options :
       {EventBatcher::Options{}, EventBatcher::Options{3, 1}, EventBatcher::Options{512, 0}}) {
    Collect sink;
    std::vector<std::string> expected;
    {
      EventBatcher batcher(sink, options);
      for (int i = 0; i < 1000; ++i) {
        const std::string name = "call" + std::to_string(i);
        expected.push_back(name);
        if (i % 2 == 0) {
          Event& e = batcher.slot();  // in place: a recycled slot, cleared by the filler
          e.clear();
          e.syscall = name;
          CHECK(&batcher.slot() == &e);
          batcher.commit();
        } else {
          Event e;
          e.syscall = name;
          batcher.on_event(e);
        }
        if (i % 97 == 0) {
          batcher.flush();
        }
      }
      batcher.drain();
      CHECK(sink.names == expected);  // read by this thread only after drain()
      Event e;
      e.syscall = "last";
      batcher.on_event(e);
      expected.push_back("last");
      batcher.finish();
      batcher.finish();  // idempotent
    }
    CHECK(sink.names == expected);
  }
}

TEST_CASE("parse_prefix: -n syscall numbers, -i pointers and --secontext contexts are skipped") {
  auto p = prefix("11475 [  59] execve(\"/usr/bin/sh\", [\"sh\"], 0x7ffe /* 2 vars */) = 0");  // -n
  CHECK((p.ok && p.pid == 11475 &&
         p.rest == "execve(\"/usr/bin/sh\", [\"sh\"], 0x7ffe /* 2 vars */) = 0"));
  p = prefix("11475 [ 257] [00007f928fb55ad7] openat(AT_FDCWD, \"/x\", O_RDONLY) = 3");  // -n -i
  CHECK(p.rest == "openat(AT_FDCWD, \"/x\", O_RDONLY) = 3");
  p = prefix("[  3] close(3) = 0");  // -n, no pid column
  CHECK((p.ok && !p.has_pid && p.rest == "close(3) = 0"));
  p = prefix("1234  [unconfined_t] close(3) = 0");  // --secontext (type only)
  CHECK(p.rest == "close(3) = 0");
  p = prefix("1234 14:03:07 [system_u:system_r:httpd_t:s0] close(3) = 0");  // --secontext=full
  CHECK(p.rest == "close(3) = 0");
  // Not fields: strace's own note, and a pointer of the wrong width.
  p = prefix("[ Process PID=1234 runs in 32 bit mode. ]");
  CHECK(p.rest == "[ Process PID=1234 runs in 32 bit mode. ]");
  p = prefix("[00007f4e] close(3) = 0");
  CHECK(p.rest == "close(3) = 0");                          // 8 hex digits: a 32-bit pointer
  p = prefix("[2024-01-01T10:00:00] open(/etc/x) failed");  // a program's own timestamp
  CHECK(p.rest == "[2024-01-01T10:00:00] open(/etc/x) failed");
  p = prefix("[0007f4e] close(3) = 0");
  CHECK(p.rest == "[0007f4e] close(3) = 0");
}
