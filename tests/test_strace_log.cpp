// The strace log reader: one line-level case per format quirk of
// docs/strace-format.md (numbers refer to its cases), real strace output made
// here with several flag sets, golden dumps of samples/*.log, bad input, and the log writer's
// round trip.
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/test_util.h"
#include "tracer/model/event.h"
#include "tracer/strace/log_writer.h"
#include "tracer/strace/process_state.h"
#include "tracer/strace/strace_log.h"

namespace fs = std::filesystem;
using namespace culprit::tracer;

namespace {

struct Collect final : EventSink {
  std::vector<Event> events;
  void on_event(const Event& e) override { events.push_back(e); }
};

struct Parsed {
  std::vector<Event> events;
  SourceStats stats;
  bool ok = true;
  std::string error;

  // Events of one syscall name.
  [[nodiscard]] std::vector<Event> named(std::string_view name) const {
    std::vector<Event> out;
    for (const Event& e : events) {
      if (e.kind == EventKind::Syscall && e.syscall == name) {
        out.push_back(e);
      }
    }
    return out;
  }
  [[nodiscard]] const Event& only(std::string_view name) const {
    static Event none;
    const auto v = named(name);
    INFO("events named " << name << ": " << v.size());
    REQUIRE(v.size() == 1);
    for (const Event& e : events) {
      if (e.kind == EventKind::Syscall && e.syscall == name) {
        return e;
      }
    }
    return none;
  }
};

Parsed parse(const std::string& text, ReadOptions options = {}, Pid pid = 0) {
  Parsed p;
  Collect sink;
  StraceLogReader reader(sink, p.stats, options);
  auto r = reader.read_text(text, "test.log", pid);
  reader.finish();
  p.ok = r.ok();
  if (!r.ok()) {
    p.error = r.error().describe();
  }
  p.events = std::move(sink.events);
  return p;
}

// One directory for the whole run, removed at exit.
std::string temp_dir() {
  static const culprit::test::TempDir dir("culprit-test");
  return dir.path().string();
}

Parsed parse_files(const std::vector<std::string>& paths, ReadOptions options = {}) {
  Parsed p;
  Collect sink;
  auto r = read_logs(paths, sink, p.stats, options);
  p.ok = r.ok();
  if (!r.ok()) {
    p.error = r.error().describe();
  }
  p.events = std::move(sink.events);
  return p;
}

}  // namespace

// ---------------------------------------------------------------- basic lines (#1-#18)

TEST_CASE("plain success and failure, no prefix (#1, #2)") {
  const auto p = parse(
      "close(3)                                = 0\n"
      "openat(AT_FDCWD, \"/nonexistent\", O_RDONLY) = -1 ENOENT (No such file or directory)\n");
  REQUIRE(p.ok);
  CHECK(p.stats.malformed == 0);
  const Event& close = p.only("close");
  CHECK(close.fd == 3);
  CHECK(close.ret_known);
  CHECK(close.ret == 0);
  CHECK_FALSE(close.failed());
  const Event& open = p.only("openat");
  CHECK(open.pid == 0);
  CHECK(open.path == "/nonexistent");
  CHECK(open.path_absolute);
  CHECK(open.ret == -1);
  CHECK(open.err == "ENOENT");
  CHECK(open.open_flags == 0);
  CHECK(open.origin.line == 2);
  CHECK(open.origin.file == "test.log");
}

TEST_CASE("unknown errno is kept as a number (#3)") {
  const auto p = parse(
      "openat(AT_FDCWD, \"/x\", O_RDONLY) = -1 (errno 2)\n"
      "open(\"/y\", O_RDONLY) = -1 (errno 3000)\n");
  CHECK(p.only("openat").err == "ENOENT");
  CHECK(p.only("open").err == "errno 3000");
}

TEST_CASE("pointers, structs, arrays and comments in arguments (#4-#7)") {
  const auto p = parse(
      "lstat(\"/var/www/html/index.html\", 0x7ffeda4fef80) = -1 ENOENT (No such file or "
      "directory)\n"
      "stat(\"/var/www/html/index.php\", {st_mode=S_IFREG|0644, st_size=418, ...}) = 0\n"
      "rt_sigaction(SIGCHLD, {sa_handler=0x55f037028dc0, sa_mask=~[RTMIN RT_1], "
      "sa_flags=SA_RESTORER, "
      "sa_restorer=0x7f276060d050}, NULL, 8) = 0\n"
      "execve(\"/usr/bin/sh\", [\"sh\", \"-c\", \"cat /nonexistent 2>/dev/null\"], 0x7ffc8bb92a40 "
      "/* 41 vars */) = 0\n");
  CHECK(p.stats.malformed == 0);
  CHECK(p.only("lstat").err == "ENOENT");
  CHECK(p.only("stat").path == "/var/www/html/index.php");
  CHECK(p.named("rt_sigaction").empty());  // outside the table and successful: skipped
  const Event& exec = p.only("execve");
  CHECK(exec.path == "/usr/bin/sh");
  CHECK(exec.argv == std::vector<std::string>{"sh", "-c", "cat /nonexistent 2>/dev/null"});
}

TEST_CASE("truncated strings keep their data and say so (#8)") {
  const auto p = parse("write(1, \"hello wo\"..., 26)             = 26\n");
  const Event& w = p.only("write");
  CHECK(w.data == "hello wo");
  CHECK(w.data_truncated);
  CHECK(w.fd == 1);
}

TEST_CASE("escapes: quotes, octal with the 3-digit rule, UTF-8, -x hex (#9-#11)") {
  const auto p = parse(
      "openat(AT_FDCWD, \"/srv/a\\\"b<c>\\nd\", O_RDONLY) = -1 ENOENT (No such file or directory)\n"
      "read(3, \"\\177ELF\\2\\1\\1\\3\\0\\0\"..., 832) = 832\n"
      "openat(AT_FDCWD, \"/srv/caf\\303\\251.txt\", O_RDONLY) = 3\n"
      "write(1, \"\\x61\\x62\\x09\\x63\", 4)         = 4\n"
      "write(2, \"\\0011\", 2) = 2\n");
  const auto opens = p.named("openat");
  REQUIRE(opens.size() == 2);
  CHECK(opens[0].path == "/srv/a\"b<c>\nd");
  CHECK(opens[1].path == "/srv/caf\xc3\xa9.txt");
  CHECK(p.only("read").data == std::string("\177ELF\2\1\1\3\0\0", 10));
  const auto writes = p.named("write");
  REQUIRE(writes.size() == 2);
  CHECK(writes[0].data == "ab\tc");
  CHECK(writes[1].data == std::string("\001"
                                      "1"));
}

TEST_CASE("escape_bytes is the inverse of the reader's unescaping for every byte") {
  std::string all;
  for (int i = 0; i < 256; ++i) {
    all += static_cast<char>(i);
    all += static_cast<char>('0' + i % 10);  // octal digits after escapes exercise the 3-digit rule
  }
  const std::string line =
      fmt::format("write(1, \"{}\", {}) = {}\n", escape_bytes(all), all.size(), all.size());
  const auto p = parse(line);
  CHECK(p.only("write").data == all);
  CHECK(escape_bytes("a\"b\\c\n\001"
                     "1\0012") == "a\\\"b\\\\c\\n\\0011\\0012");
}

TEST_CASE("return values: annotations, hex, ?, restart codes, unavailable (#12-#17)") {
  const auto p = parse(
      "fcntl(11, F_GETFL) = 0x2 (flags O_RDWR)\n"
      "brk(NULL)                         = 0x55f071aed000\n"
      "exit_group(0)                           = ?\n"
      "clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, {tv_sec=540, tv_nsec=688872129}, NULL) = ? "
      "ERESTARTNOHAND (To be restarted if no handler)\n"
      "read(4, 0x7ffeda4ff437, 1) = -1 EAGAIN (Resource temporarily unavailable)\n"
      "wait4(-1, 0x7ffd, 0, NULL) = ? <unavailable>\n"
      "restart_syscall(<... resuming interrupted nanosleep ...>) = -1 EINTR (Interrupted system "
      "call)\n");
  CHECK(p.stats.malformed == 0);
  CHECK(p.only("fcntl").ret == 2);
  CHECK(p.named("brk").empty());
  const Event& exit = p.only("exit_group");
  CHECK_FALSE(exit.ret_known);
  CHECK(exit.err.empty());
  const Event& sleep = p.only("clock_nanosleep");  // not in the table, but failed
  CHECK(sleep.err == "ERESTARTNOHAND");
  CHECK_FALSE(sleep.ret_known);
  CHECK(p.only("read").err == "EAGAIN");
  CHECK_FALSE(p.only("wait4").ret_known);
  CHECK(p.only("restart_syscall").err == "EINTR");
}

// ---------------------------------------------------------------- unfinished / resumed (#19-#22)

TEST_CASE(
    "unfinished and resumed across interleaved pids: the path is on the first line (#19, #20)") {
  const auto p = parse(
      "[pid 15970] openat(AT_FDCWD, \"/usr/lib/locale/locale-archive\", O_RDONLY|O_CLOEXEC "
      "<unfinished ...>\n"
      "[pid 15971] stat(\"/etc\",  <unfinished ...>\n"
      "[pid 15972] access(\"/x\", R_OK) = -1 EACCES (Permission denied)\n"
      "[pid 15971] <... stat resumed>{st_mode=S_IFDIR|0755, st_size=4096, ...}) = 0\n"
      "[pid 15970] <... openat resumed>)       = -1 ENOENT (No such file or directory)\n");
  CHECK(p.stats.malformed == 0);
  const Event& open = p.only("openat");
  CHECK(open.pid == 15970);
  CHECK(open.path == "/usr/lib/locale/locale-archive");
  CHECK(open.err == "ENOENT");
  CHECK(open.open_flags == 02000000);
  CHECK(open.origin.line == 1);  // the entry line
  const Event& stat = p.only("stat");
  CHECK(stat.pid == 15971);
  CHECK(stat.ret == 0);
  // Delivered at completion: access, stat, openat.
  REQUIRE(p.events.size() == 3);
  CHECK(p.events[0].syscall == "access");
  CHECK(p.events[2].syscall == "openat");
}

TEST_CASE("calls never resumed are delivered as unfinished (#21, #22)") {
  const auto p = parse(
      "22619 clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, {tv_sec=817, tv_nsec=328403750},  "
      "<detached ...>\n"
      "22620 openat(AT_FDCWD, \"/var/lib/x\", O_RDONLY <unfinished #89567 ...>\n"
      "22621 select(4, [3], NULL, NULL, NULL <unfinished #89568 ...>\n"
      "22621 <... select resumed #89568>)      = 1 (in [3])\n",
      ReadOptions{.all_syscalls = true});
  CHECK(p.stats.malformed == 0);
  const Event& sleep = p.only("clock_nanosleep");
  CHECK(sleep.unfinished);
  CHECK_FALSE(sleep.ret_known);
  const Event& open = p.only("openat");  // flushed at the end of input
  CHECK(open.unfinished);
  CHECK(open.path == "/var/lib/x");
  CHECK(p.only("select").ret == 1);
}

TEST_CASE("a resumed call without its entry half keeps what the exit half says") {
  const auto p = parse("1234 <... openat resumed>) = -1 ENOENT (No such file or directory)\n");
  CHECK(p.stats.malformed == 0);
  const Event& open = p.only("openat");
  CHECK(open.err == "ENOENT");
  CHECK(open.path.empty());
}

// ---------------------------------------------------------------- prefixes (#23-#26)

TEST_CASE("pid prefixes: [pid N], N, N<comm>, none (#23-#25)") {
  const auto p = parse(
      "[pid  1905] access(\"/a\", F_OK) = -1 ENOENT (No such file or directory)\n"
      "16047 access(\"/b\", F_OK) = -1 ENOENT (No such file or directory)\n"
      "16895<cat> access(\"/c\", F_OK) = -1 ENOENT (No such file or directory)\n"
      "16896<php-fpm: pool www> access(\"/d\", F_OK) = -1 ENOENT (No such file or directory)\n"
      "access(\"/e\", F_OK) = -1 ENOENT (No such file or directory)\n");
  CHECK(p.stats.malformed == 0);
  const auto v = p.named("access");
  REQUIRE(v.size() == 5);
  CHECK(v[0].pid == 1905);
  CHECK(v[1].pid == 16047);
  CHECK(v[2].pid == 16895);
  CHECK(v[3].pid == 16896);
  CHECK(v[4].pid == 0);
  CHECK(v[4].path == "/e");
  CHECK(v[0].mode == 0);
}

TEST_CASE(
    "strace -ff: each file's pid comes from its suffix: the set is ordered by start time (#26)") {
  const std::string dir = temp_dir() + "/ff";
  fs::create_directories(dir);
  culprit::test::write_text(dir + "/out.200",
                            "10:00:01.000000 chdir(\"/srv\") = 0\n"
                            "10:00:01.100000 openat(AT_FDCWD, \"child.txt\", O_RDONLY) = -1 ENOENT "
                            "(No such file or directory)\n"
                            "10:00:01.200000 exit_group(1) = ?\n"
                            "10:00:01.300000 +++ exited with 1 +++\n");
  culprit::test::write_text(dir + "/out.100",
                            "10:00:00.000000 chdir(\"/tmp\") = 0\n"
                            "10:00:00.500000 clone(child_stack=NULL, "
                            "flags=CLONE_CHILD_CLEARTID|SIGCHLD, child_tidptr=0x7f) = 200\n"
                            "10:00:02.000000 exit_group(0) = ?\n");
  const auto p = parse_files({dir + "/out.200", dir + "/out.100"});
  REQUIRE(p.ok);
  const Event& open = p.only("openat");
  CHECK(open.pid == 200);
  CHECK(open.path == "/srv/child.txt");
  CHECK(open.path_absolute);
  // Merged line by line in time order: parent's chdir, clone, then the child, then the parent.
  std::vector<std::string> order;
  for (const Event& e : p.events) {
    order.push_back(fmt::format("{}:{}", e.pid, e.kind == EventKind::Exit ? "+++" : e.syscall));
  }
  CHECK(order == std::vector<std::string>{"100:chdir", "100:clone", "200:chdir", "200:openat",
                                          "200:exit_group", "200:+++", "100:exit_group"});
  bool exit_seen = false;
  for (const Event& e : p.events) {
    if (e.kind == EventKind::Exit) {
      exit_seen = true;
      CHECK(e.pid == 200);
      CHECK(e.exit_code == 1);
    }
  }
  CHECK(exit_seen);
}

// ---------------------------------------------------------------- strace's own lines (#27-#33)

TEST_CASE("strace messages, also glued mid-line, are not malformed (#27-#29)") {
  const auto p = parse(
      "strace: Process 22577 attached with 4 threads\n"
      "[pid 15969] vfork(strace: Process 15971 attached\n"
      " <unfinished ...>\n"
      "[pid 15971] execve(\"/bin/true\", [\"true\"], 0x7ffd /* 3 vars */) = 0\n"
      "[pid 15969] <... vfork resumed>)       = 15971\n"
      "Process 161 attached - interrupt to quit\n"
      "[ Process PID=21324 runs in 32 bit mode. ]\n"
      "strace: Process 22577 detached\n");
  CHECK(p.stats.malformed == 0);
  const Event& vfork = p.only("vfork");
  CHECK(vfork.pid == 15969);
  CHECK(vfork.ret == 15971);
  CHECK(vfork.origin.line == 2);
  CHECK(p.only("execve").pid == 15971);
}

TEST_CASE("signals, exits, kills, core dumps (#30-#32)") {
  const auto p = parse(
      "--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=15971, si_uid=0, si_status=1, "
      "si_utime=0, si_stime=0} ---\n"
      "--- stopped by SIGSTOP ---\n"
      "+++ exited with 3 +++\n"
      "12 +++ killed by SIGKILL +++\n"
      "13 +++ killed by SIGSEGV (core dumped) +++\n");
  CHECK(p.stats.malformed == 0);
  REQUIRE(p.events.size() == 5);
  CHECK(p.events[0].kind == EventKind::Signal);
  CHECK(p.events[0].signal == "SIGCHLD");
  CHECK(p.events[1].signal == "SIGSTOP");
  CHECK(p.events[2].kind == EventKind::Exit);
  CHECK(p.events[2].exit_code == 3);
  CHECK(p.events[3].killed);
  CHECK(p.events[3].signal == "SIGKILL");
  CHECK(p.events[3].pid == 12);
  CHECK(p.events[4].core_dumped);
}

TEST_CASE("a thread's execve completes under the leader's pid (#33)") {
  const auto p = parse(
      "16855 execve(\"/usr/bin/php\", [\"php\"], 0x7ffd /* 3 vars */ <unfinished ...>\n"
      "16854 +++ superseded by execve in pid 16855 +++\n"
      "16854 <... execve resumed>)             = 0\n");
  CHECK(p.stats.malformed == 0);
  const Event& exec = p.only("execve");
  CHECK(exec.pid == 16854);
  CHECK(exec.path == "/usr/bin/php");
  CHECK(exec.ret == 0);
}

// ---------------------------------------------------------------- -y / -yy / -X (#34-#38)

TEST_CASE("strace -y annotations give the cwd, fd paths and opened paths (#34-#36)") {
  const auto p = parse(
      "100 openat(AT_FDCWD</srv/app>, \"config/app.ini\", O_RDONLY) = -1 ENOENT (No such file or "
      "directory)\n"
      "100 openat(AT_FDCWD</srv/app>, \"/etc/hostname\", O_RDONLY) = 3</etc/hostname>\n"
      "100 openat(AT_FDCWD</srv>, \"/srv/x<y>z\", O_RDONLY) = 4</srv/x\\74y\\76z>\n"
      "100 write(1</srv/del.txt>(deleted), \"hi\\n\", 3) = 3\n"
      "100 newfstatat(5</var/www>, \"html/index.php\", 0x7ffd, 0) = -1 EACCES (Permission denied)\n"
      "100 openat(AT_FDCWD, \"rel.txt\", O_RDONLY) = -1 ENOENT (No such file or directory)\n");
  CHECK(p.stats.malformed == 0);
  const auto opens = p.named("openat");
  REQUIRE(opens.size() == 4);
  CHECK(opens[0].path == "/srv/app/config/app.ini");
  CHECK(opens[0].path_absolute);
  CHECK(opens[1].ret_path == "/etc/hostname");
  CHECK(opens[2].ret_path == "/srv/x<y>z");
  CHECK(opens[3].path == "/srv/rel.txt");  // the cwd learnt from the previous annotation
  const Event& w = p.only("write");
  CHECK(w.fd_path == "/srv/del.txt");
  CHECK(w.data == "hi\n");
  CHECK(p.only("newfstatat").path == "/var/www/html/index.php");
}

TEST_CASE("strace -yy sockets and addresses in structs (#37)") {
  const auto p = parse(
      "socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_IP) = 3<TCP:[24471]>\n"
      "connect(4<UNIX-STREAM:[24517]>, {sa_family=AF_UNIX, sun_path=\"/run/mysqld/mysqld.sock\"}, "
      "20) = -1 "
      "ENOENT (No such file or directory)\n"
      "connect(3<TCP:[24471]>, {sa_family=AF_INET, sin_port=htons(3306), "
      "sin_addr=inet_addr(\"127.0.0.1\")}, 16) = "
      "-1 ECONNREFUSED (Connection refused)\n"
      "connect(5, {sa_family=AF_INET6, sin6_port=htons(80), sin6_flowinfo=htonl(0), "
      "inet_pton(AF_INET6, \"::1\", "
      "&sin6_addr), sin6_scope_id=0}, 28) = 0\n"
      "accept4(3<TCP:[1.2.3.4:80->5.6.7.8:999]>, NULL, NULL, SOCK_CLOEXEC) = "
      "6<TCP:[1.2.3.4:80->5.6.7.8:999]>\n");
  CHECK(p.stats.malformed == 0);
  const auto c = p.named("connect");
  REQUIRE(c.size() == 3);
  CHECK(c[0].path == "/run/mysqld/mysqld.sock");
  CHECK(c[0].err == "ENOENT");
  CHECK(c[0].fd == 4);
  CHECK(c[0].fd_path == "UNIX-STREAM:[24517]");
  CHECK(c[1].address == "127.0.0.1:3306");
  CHECK(c[1].err == "ECONNREFUSED");
  CHECK(c[2].address == "[::1]:80");
  CHECK(p.only("accept4").ret_path == "TCP:[1.2.3.4:80->5.6.7.8:999]");
  CHECK(p.only("socket").ret == 3);
}

TEST_CASE("Unix socket addresses as older strace releases wrote them") {
  // AF_FILE with path= (strace 4.5), AF_LOCAL with sun_path= (4.8 era), AF_UNIX with path=.
  const auto p = parse(
      "1234  connect(5, {sa_family=AF_FILE, path=\"/var/run/nscd/socket\"}, 110) = -1 ENOENT "
      "(No such file or directory)\n"
      "1234  connect(6, {sa_family=AF_LOCAL, sun_path=\"/run/mysqld/mysqld.sock\"}, 110) = -1 "
      "ECONNREFUSED (Connection refused)\n"
      "1234  connect(7, {sa_family=AF_UNIX, path=\"/var/spool/postfix/private/smtp\"}, 110) = 0\n"
      "1234  connect(8, {sa_family=AF_INET, sin_port=htons(25), "
      "sin_addr=inet_addr(\"10.0.0.1\")}, 16) = 0\n");
  CHECK(p.stats.malformed == 0);
  const auto c = p.named("connect");
  REQUIRE(c.size() == 4);
  CHECK(c[0].path == "/var/run/nscd/socket");
  CHECK(c[0].err == "ENOENT");
  CHECK(c[1].path == "/run/mysqld/mysqld.sock");
  CHECK(c[1].err == "ECONNREFUSED");
  CHECK(c[2].path == "/var/spool/postfix/private/smtp");
  CHECK(c[3].path.empty());
  CHECK(c[3].address == "10.0.0.1:25");
}

TEST_CASE("strace -X verbose and -X raw (#38)") {
  const auto p = parse(
      "openat(-100 /* AT_FDCWD */, \"/nonexistent\", 0 /* O_RDONLY */) = -1 ENOENT (No such file "
      "or directory)\n"
      "openat(-100, \"rel\", 0x80000)         = -1 ENOENT (No such file or directory)\n"
      "openat(AT_FDCWD, \"/new\", O_WRONLY|O_CREAT|O_TRUNC, 0644) = 3\n",
      ReadOptions{}, 7);
  const auto v = p.named("openat");
  REQUIRE(v.size() == 3);
  CHECK(v[0].path == "/nonexistent");
  CHECK(v[0].open_flags == 0);
  CHECK(v[1].open_flags == 0x80000);
  CHECK_FALSE(v[1].path_absolute);  // no cwd known
  CHECK(v[1].path == "rel");
  CHECK(v[2].open_flags == (open_flag::WrOnly | open_flag::Creat | open_flag::Trunc));
  CHECK(v[2].mode == 0644);
  CHECK(v[2].pid == 7);
}

// ---------------------------------------------------------------- timestamps, -T, -k, notes
// (#39-#44)

TEST_CASE("timestamps: -t, -tt, -ttt, -r, -t -r: -T durations (#39, #40)") {
  const auto p = parse(
      "16047 23:33:39 access(\"/a\", R_OK) = -1 ENOENT (No such file or directory)\n"
      "16047 23:33:38.991957 access(\"/b\", R_OK) = -1 ENOENT (No such file or directory) "
      "<0.000035>\n"
      "16047 1795304019.022017 access(\"/c\", R_OK) = -1 ENOENT (No such file or directory)\n"
      "16047      0.000077 access(\"/d\", R_OK) = -1 ENOENT (No such file or directory)\n"
      "16047      0.100000 access(\"/e\", R_OK) = -1 ENOENT (No such file or directory)\n"
      "16047 23:33:39 (+     0.000078) access(\"/f\", R_OK) = -1 ENOENT (No such file or "
      "directory)\n"
      "     0.000010 access(\"/g\", R_OK) = -1 ENOENT (No such file or directory) <1.500000>\n");
  CHECK(p.stats.malformed == 0);
  const auto v = p.named("access");
  REQUIRE(v.size() == 7);
  CHECK(v[0].time.kind == Timestamp::Kind::TimeOfDay);
  CHECK(v[0].time.micros == (23 * 3600 + 33 * 60 + 39) * 1'000'000LL);
  CHECK(v[1].time.format() == "23:33:38.991957");
  CHECK(v[1].duration_us == 35);
  CHECK(v[2].time.kind == Timestamp::Kind::Epoch);
  CHECK(v[2].time.micros == 1795304019022017LL);
  CHECK(v[3].time.kind == Timestamp::Kind::Relative);
  CHECK(v[3].time.micros == 77);
  CHECK(v[4].time.micros == 100077);  // deltas are summed
  CHECK(v[4].path == "/e");
  CHECK(v[5].time.format() == "23:33:39.000000");
  CHECK(v[5].path == "/f");
  CHECK(v[6].pid == 0);
  CHECK(v[6].duration_us == 1'500'000);
  CHECK(v[6].time.format() == "+0.100087");
}

TEST_CASE("strace -k stack frames, INJECTED notes, unknown syscalls (#41-#43)") {
  const auto p = parse(
      "openat(AT_FDCWD, \"/x\", O_RDONLY) = -1 ENOENT (No such file or directory) (INJECTED)\n"
      " > /usr/lib/x86_64-linux-gnu/libc.so.6(__open64+0x51) [0xf8011]\n"
      " > /usr/bin/cat() [0x2752]\n"
      "openat(AT_FDCWD, \"/y\", O_RDONLY) = 3 (INJECTED: args, retval)\n"
      "syscall_0xbad(0x1, 0x2, 0x3, 0x4, 0x5, 0x6) = -1 ENOSYS (Function not implemented)\n");
  CHECK(p.stats.malformed == 0);
  const auto v = p.named("openat");
  REQUIRE(v.size() == 2);
  CHECK(v[0].err == "ENOENT");
  CHECK(v[1].ret == 3);
  CHECK(p.only("syscall_0xbad").err == "ENOSYS");
}

TEST_CASE("strace -c summary tables are recognised and skipped (#44)") {
  const auto p = parse(
      "openat(AT_FDCWD, \"/x\", O_RDONLY) = -1 ENOENT (No such file or directory)\n"
      "% time     seconds  usecs/call     calls    errors syscall\n"
      "------ ----------- ----------- --------- --------- ----------------\n"
      " 45.00    0.000090          11         8           mmap\n"
      "  0.00    0.000000           0         5         2 openat\n"
      "------ ----------- ----------- --------- --------- ----------------\n"
      "100.00    0.000200                    40         3 total\n");
  CHECK(p.ok);
  CHECK(p.stats.malformed == 0);
  CHECK(p.events.size() == 1);
  // A summary alone is still an strace log.
  CHECK(parse("% time     seconds  usecs/call     calls    errors syscall\n"
              "100.00    0.000200                    40         3 total\n")
            .ok);
}

TEST_CASE("old names and shapes (#46) and -Z order (#45) need nothing special") {
  const auto p = parse(
      "[pid 28779] 1130322148.939977 open(\"/etc/x\", O_RDONLY) = -1 ENOENT (No such file or "
      "directory)\n"
      "[pid 28772] 1130322148.438139 socket(PF_LOCAL, SOCK_STREAM, 0) = 3\n");
  CHECK(p.stats.malformed == 0);
  CHECK(p.only("open").path == "/etc/x");
}

// ---------------------------------------------------------------- colour and terminal damage (#47,
// #48)

TEST_CASE("ANSI colour is stripped (#47)") {
  const auto p = parse(
      "\x1b[1m\x1b[33mopenat\x1b[0m(AT_FDCWD, \x1b[32m\"/x\"\x1b[0m, O_RDONLY) = \x1b[31m-1 "
      "ENOENT\x1b[0m (No such file "
      "or directory)\n");
  CHECK(p.stats.malformed == 0);
  CHECK(p.only("openat").path == "/x");
  CHECK(p.only("openat").err == "ENOENT");
}

TEST_CASE("logs pasted from a terminal: wraps, prompts, truncated last line (#48)") {
  const auto p = parse(
      "\troot@5aab9f6cb9c9:~# strace -p 161\n"
      "Process 161 attached - interrupt to quit\n"
      "accept4(3, {sa_family=AF_INET, sin_port=htons(50072), sin_addr=inet_addr(\"127.0.0.1\")}, "
      "[16], SOCK_CLOE\n"
      "                        XEC) = 11\n"
      "stat(\"/var/www/html/wp-includes/class-wp-locale.phpp\", 0x7ffeda4fef80) = -1 ENOENT (No "
      "such file or dir\n"
      "                        ectory)\n"
      "accept4(3, root@5aab9f6cb9c9:~# strace -p 161\n"
      "lstat(\"/var/www/html/index.html\", 0x7ffeda4fef80) = -1 ENOENT (No such file or "
      "directory)\n"
      "stat(\"/var/www/html/wp-includes/ra");
  CHECK(p.ok);
  CHECK(p.only("accept4").ret == 11);
  const auto stats = p.named("stat");
  REQUIRE(stats.size() == 1);
  CHECK(stats[0].path == "/var/www/html/wp-includes/class-wp-locale.phpp");
  CHECK(stats[0].err == "ENOENT");
  CHECK(p.only("lstat").err == "ENOENT");
  // The call cut by the prompt and the truncated last line are the two malformed lines.
  CHECK(p.stats.malformed == 2);
  REQUIRE(p.stats.diagnostics.size() == 2);
  CHECK(p.stats.diagnostics[0].line == 7);
  CHECK(p.stats.diagnostics[1].line == 9);
  CHECK(p.stats.diagnostics[1].file == "test.log");
}

TEST_CASE("the same session pasted twice is read once (#48)") {
  const std::string session =
      "Process 161 attached\n"
      "stat(\"/var/www/html/a.php\", 0x7ffe) = -1 ENOENT (No such file or directory)\n"
      "read(4, 0x7ffeda4ff437, 1) = -1 EAGAIN (Resource temporarily unavailable)\n"
      "read(4, 0x7ffeda4ff437, 1) = -1 EAGAIN (Resource temporarily unavailable)\n"
      "stat(\"/var/www/html/b.php\", 0x7ffe) = -1 ENOENT (No such file or directory)\n"
      "Process 161 detached\n";
  const auto once = parse(session);
  const auto twice = parse(session + "root@host:~# \n" + session);
  CHECK(once.events.size() == 4);
  CHECK(twice.events.size() == once.events.size());
  // A later session that differs is read in full.
  const auto other =
      parse(session + session.substr(0, session.size() - 21) +
            "stat(\"/var/www/html/c.php\", 0x7ffe) = -1 ENOENT (No such file or directory)\n");
  CHECK(other.events.size() == 4 + 5);
}

// ---------------------------------------------------------------- process state

TEST_CASE("process state: chdir, fchdir, fork copies, CLONE_FS threads share, getcwd") {
  const auto p = parse(
      "10 chdir(\"/srv\") = 0\n"
      "10 openat(AT_FDCWD, \"a\", O_RDONLY) = -1 ENOENT (No such file or directory)\n"
      "10 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, "
      "child_tidptr=0x7f) = 11\n"
      "10 clone(child_stack=0x7f, "
      "flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM, "
      "parent_tid=[12], tls=0x7f, child_tidptr=0x7f) = 12\n"
      "11 chdir(\"sub\") = 0\n"
      "11 stat(\"b\", 0x7ffe) = -1 ENOENT (No such file or directory)\n"
      "10 stat(\"c\", 0x7ffe) = -1 ENOENT (No such file or directory)\n"
      "12 chdir(\"/var\") = 0\n"
      "10 stat(\"d\", 0x7ffe) = -1 ENOENT (No such file or directory)\n"
      "10 openat(AT_FDCWD, \"/etc\", O_RDONLY|O_DIRECTORY) = 3\n"
      "10 fchdir(3) = 0\n"
      "10 stat(\"e\", 0x7ffe) = -1 ENOENT (No such file or directory)\n"
      "10 dup2(3, 7) = 7\n"
      "10 close(3) = 0\n"
      "10 newfstatat(7, \"f\", 0x7ffe, 0) = -1 ENOENT (No such file or directory)\n"
      "10 newfstatat(3, \"g\", 0x7ffe, 0) = -1 ENOENT (No such file or directory)\n"
      "13 getcwd(\"/home/u\", 4096) = 8\n"
      "13 access(\"h\", F_OK) = -1 ENOENT (No such file or directory)\n");
  CHECK(p.stats.malformed == 0);
  std::vector<std::string> paths;
  for (const Event& e : p.events) {
    if (e.failed()) {
      paths.push_back(e.path + (e.path_absolute ? "" : " (relative)"));
    }
  }
  CHECK(paths == std::vector<std::string>{"/srv/a", "/srv/sub/b", "/srv/c", "/var/d", "/etc/e",
                                          "/etc/f", "g (relative)", "/home/u/h"});
}

TEST_CASE("ProcessState::join folds . and // and keeps ..") {
  std::string out;
  ProcessState::join("/srv/app", "./x//y/./z", out);
  CHECK(out == "/srv/app/x/y/z");
  ProcessState::join("/", "a", out);
  CHECK(out == "/a");
  ProcessState::join("/srv", "../etc/", out);
  CHECK(out == "/srv/../etc/");
  ProcessState::join("/srv", ".", out);
  CHECK(out == "/srv");
}

// ---------------------------------------------------------------- bad input

TEST_CASE("malformed lines are counted with file:line and never stop the reader") {
  std::string text = "openat(AT_FDCWD, \"/a\", O_RDONLY) = -1 ENOENT (No such file or directory)\n";
  for (int i = 0; i < 15; ++i) {
    text += "this is not strace output\n";
  }
  text += "openat(AT_FDCWD, \"/b\", O_RDONLY) = -1 ENOENT (No such file or directory)\n";
  text += "[pid abc] open(\"/c\") = 0\n";
  text += std::string("open\0at(\"/d\"", 12) + "\n";
  const auto p = parse(text);
  CHECK(p.ok);
  CHECK(p.named("openat").size() == 2);
  CHECK(p.stats.malformed == 17);
  REQUIRE(p.stats.diagnostics.size() == SourceStats::kMaxDiagnostics);
  CHECK(p.stats.diagnostics[0].describe().starts_with("test.log:2: "));
}

TEST_CASE("input that is not an strace log is an error naming the file") {
  std::mt19937 rng(42);
  std::string garbage;
  for (int i = 0; i < 100000; ++i) {
    garbage += static_cast<char>(rng() & 0xff);
  }
  const auto bin = parse(garbage);
  CHECK_FALSE(bin.ok);
  CHECK(bin.error.find("test.log: not an strace log") != std::string::npos);

  std::string prose;
  for (int i = 0; i < 2000; ++i) {
    prose += "Lorem ipsum dolor sit amet, consectetur adipiscing elit.\n";
  }
  const auto text = parse(prose);
  CHECK_FALSE(text.ok);
  CHECK(text.error.find("not an strace log") != std::string::npos);
  CHECK_FALSE(parse("hello\nworld\n").ok);
  // Empty input is an empty log, not an error.
  CHECK(parse("").ok);
  // Binary garbage with newlines and NULs after a real start: counted, no crash.
  std::string mixed =
      "openat(AT_FDCWD, \"/a\", O_RDONLY) = -1 ENOENT (No such file or directory)\n";
  for (int i = 0; i < 20000; ++i) {
    const char c = static_cast<char>(rng() & 0xff);
    mixed += c == '\n' && (rng() & 1) ? '(' : c;
  }
  const auto m = parse(mixed);
  CHECK(m.ok);
  CHECK(m.stats.malformed > 0);
}

TEST_CASE("unreadable input: missing file, directory, permission") {
  const auto missing = parse_files({temp_dir() + "/does-not-exist.log"});
  CHECK_FALSE(missing.ok);
  CHECK(missing.error.find("does-not-exist.log") != std::string::npos);
  CHECK(missing.error.find("No such file or directory") != std::string::npos);
  const auto dir = parse_files({temp_dir()});
  CHECK_FALSE(dir.ok);
  CHECK(dir.error.find("Is a directory") != std::string::npos);
  if (::geteuid() != 0) {
    const std::string locked = temp_dir() + "/locked.log";
    culprit::test::write_text(locked, "close(3) = 0\n");
    ::chmod(locked.c_str(), 0);
    const auto perm = parse_files({locked});
    CHECK_FALSE(perm.ok);
    CHECK(perm.error.find("Permission denied") != std::string::npos);
  }
}

TEST_CASE("several files are read in order: blocks split lines correctly") {
  const std::string a = temp_dir() + "/a.log";
  const std::string b = temp_dir() + "/b.log";
  std::string big;
  for (int i = 0; i < 200000; ++i) {  // > one 4 MiB block
    big += fmt::format(
        "{} openat(AT_FDCWD, \"/p/{}\", O_RDONLY) = -1 ENOENT (No such file or directory) "
        "<0.000010>\n",
        100 + i % 7, i);
  }
  culprit::test::write_text(a, big);
  culprit::test::write_text(b, "access(\"/last\", F_OK) = -1 ENOENT (No such file or directory)\n");
  for (const auto& [ahead, deliver] : {std::pair{true, true}, std::pair{false, false},
                                       std::pair{true, false}, std::pair{false, true}}) {
    INFO("read_ahead=" << ahead << " deliver_thread=" << deliver);
    ReadOptions o;
    o.read_ahead = ahead;
    o.deliver_thread = deliver;
    const auto p = parse_files({a, b}, o);
    REQUIRE(p.ok);
    CHECK(p.stats.malformed == 0);
    REQUIRE(p.events.size() == 200001);
    bool in_order = true;
    for (int i = 0; i < 200000; ++i) {
      in_order = in_order && p.events[static_cast<std::size_t>(i)].path == fmt::format("/p/{}", i);
    }
    CHECK(in_order);
    CHECK(p.events.back().path == "/last");
    CHECK(p.events.back().origin.file == b);
  }
}

// ---------------------------------------------------------------- real strace output

namespace {

bool have_strace() { return std::system("strace -V >/dev/null 2>&1") == 0; }

Parsed trace(const std::string& flags, const std::string& script, const std::string& name) {
  const std::string log = temp_dir() + "/" + name;
  const std::string cmd =
      fmt::format("strace {} -o {} sh -c '{}' >/dev/null 2>&1", flags, log, script);
  const int rc = std::system(cmd.c_str());
  INFO(cmd);
  REQUIRE(rc != -1);
  REQUIRE(fs::exists(log));
  return parse_files({log});
}

}  // namespace

TEST_CASE("real strace output with common flag sets") {
  if (!have_strace()) {
    CULPRIT_SKIP("strace is not installed");
  }
  const std::string work = temp_dir() + "/work";
  fs::create_directories(work + "/sub");
  const std::string script = fmt::format(
      "cat /nonexistent; cd {} && cat missing; cd sub && ls nothing-here; exit 3", work);
  const std::vector<std::string> flag_sets = {
      "-f",         "-f -tt -T -y", "-f -ttt -yy", "-f -r",     "-f -t -r", "-f -X verbose -y",
      "-f -s 8 -x", "-f -Y -tt",    "-f -k",       "-f -X raw", "-f -xx -T"};
  int i = 0;
  for (const std::string& flags : flag_sets) {
    INFO("strace " << flags);
    const auto p = trace(flags, script, fmt::format("real{}.log", i++));
    REQUIRE(p.ok);
    CHECK(p.stats.malformed == 0);
    std::vector<std::string> missing;
    std::set<Pid> pids;
    for (const Event& e : p.events) {
      if (e.failed() && e.err == "ENOENT" &&
          (e.path.ends_with("/nonexistent") || e.path.ends_with("missing") ||
           e.path.ends_with("nothing-here"))) {
        missing.push_back(e.path + (e.path_absolute ? "" : " (relative)"));
        pids.insert(e.pid);
      }
    }
    CHECK(std::find(missing.begin(), missing.end(), "/nonexistent") != missing.end());
    CHECK(std::find(missing.begin(), missing.end(), work + "/missing") != missing.end());
    CHECK(std::find(missing.begin(), missing.end(), work + "/sub/nothing-here") != missing.end());
    CHECK(pids.size() >= 3);  // three different cat/ls processes
    CHECK(pids.count(0) == 0);
    bool exit3 = false;
    for (const Event& e : p.events) {
      exit3 = exit3 || (e.kind == EventKind::Exit && e.exit_code == 3);
    }
    CHECK(exit3);
  }
}

TEST_CASE("real strace -ff output") {
  if (!have_strace()) {
    CULPRIT_SKIP("strace is not installed");
  }
  const std::string dir = temp_dir() + "/ffreal";
  fs::create_directories(dir);
  const std::string cmd = fmt::format(
      "cd {} && strace -ff -tt -o {}/out sh -c 'cd /tmp && cat culprit-missing-1; cat "
      "culprit-missing-2' "
      ">/dev/null 2>&1",
      dir, dir);
  REQUIRE(std::system(cmd.c_str()) != -1);
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    files.push_back(entry.path().string());
  }
  REQUIRE(files.size() >= 3);
  const auto p = parse_files(files);
  REQUIRE(p.ok);
  CHECK(p.stats.malformed == 0);
  int found = 0;
  for (const Event& e : p.events) {
    if (e.failed() && e.path.starts_with("/tmp/culprit-missing-")) {
      ++found;
      CHECK(e.pid > 0);
      CHECK(e.path_absolute);
    }
  }
  CHECK(found == 2);
}

// ---------------------------------------------------------------- golden dumps of samples/

TEST_CASE("every samples/*.log matches its golden dump") {
  const fs::path samples = fs::path(CULPRIT_SOURCE_DIR) / "samples";
  const fs::path golden = fs::path(CULPRIT_SOURCE_DIR) / "tests" / "golden";
  const bool update = std::getenv("CULPRIT_UPDATE_GOLDEN") != nullptr;
  std::vector<fs::path> logs;
  if (fs::exists(samples)) {
    for (auto it = fs::recursive_directory_iterator(samples);
         it != fs::recursive_directory_iterator(); ++it) {
      // The corpus (samples/corpus) is checked by what culprit concludes from it
      // (tests/test_corpus.cpp), not by event dumps.
      if (it->is_directory() && it->path().filename() == "corpus") {
        it.disable_recursion_pending();
        continue;
      }
      if (it->is_regular_file() && it->path().extension() == ".log") {
        logs.push_back(it->path());
      }
    }
  }
  // -ff sets: PREFIX.PID files, one golden dump per set.
  std::map<std::string, std::vector<std::string>> sets;
  if (fs::exists(samples)) {
    for (const auto& entry : fs::directory_iterator(samples)) {
      const std::string name = entry.path().filename().string();
      const std::size_t dot = name.rfind('.');
      if (entry.is_regular_file() && dot != std::string::npos &&
          name.find_first_not_of("0123456789", dot + 1) == std::string::npos &&
          dot + 1 < name.size()) {
        sets[(entry.path().parent_path() / name.substr(0, dot)).string()].push_back(
            entry.path().string());
      }
    }
  }
  for (auto& [prefix, files] : sets) {
    std::sort(files.begin(), files.end());
    logs.push_back(prefix + ".ff");
  }
  std::sort(logs.begin(), logs.end());
  REQUIRE_FALSE(logs.empty());  // samples/ ships with the project
  for (const fs::path& log : logs) {
    INFO(log.string());
    const bool is_set = log.extension() == ".ff";
    const auto p = is_set ? parse_files(sets[(log.parent_path() / log.stem()).string()])
                          : parse_files({log.string()});
    REQUIRE(p.ok);
    std::string dumped;
    for (const Event& e : p.events) {
      dumped += dump(e);
      dumped += '\n';
    }
    dumped += fmt::format("# lines={} events={} malformed={}\n", p.stats.lines, p.stats.events,
                          p.stats.malformed);
    const fs::path rel = fs::relative(log, samples);
    fs::path out = golden / rel;
    out.replace_extension(".dump");
    if (update) {
      fs::create_directories(out.parent_path());
      culprit::test::write_text(out.string(), dumped);
      continue;
    }
    REQUIRE(fs::exists(out));
    CHECK(culprit::test::read_text(out.string()) == dumped);
  }
}

// ---------------------------------------------------------------- log writer

TEST_CASE("log writer output reads back as the same events") {
  std::vector<Event> events;
  auto add = [&](auto&& fill) {
    Event e;
    e.pid = 4242;
    e.time = Timestamp{Timestamp::Kind::TimeOfDay, (10 * 3600 + 1) * 1'000'000LL + 17};
    e.ret_known = true;
    fill(e);
    events.push_back(e);
  };
  add([](Event& e) {
    e.syscall = "openat";
    e.path = "/srv/a\"b<c>\n\xc3\xa9";
    e.path_absolute = true;
    e.open_flags = open_flag::WrOnly | open_flag::Creat;
    e.mode = 0640;
    e.ret = -1;
    e.err = "EACCES";
    e.duration_us = 1234567;
  });
  add([](Event& e) {
    e.syscall = "openat";
    e.path = "/etc/hostname";
    e.path_absolute = true;
    e.open_flags = 0;
    e.ret = 3;
    e.ret_path = "/etc/hostname";
  });
  add([](Event& e) {
    e.syscall = "write";
    e.fd = 3;
    e.fd_path = "/etc/hostname";
    e.data = std::string("HTTP/1.1 500 Internal Server Error\r\n\0x", 38);
    e.data_truncated = true;
    e.ret = 38;
  });
  add([](Event& e) {
    e.syscall = "connect";
    e.fd = 5;
    e.fd_path = "UNIX-STREAM:[99]";
    e.path = "/run/mysqld/mysqld.sock";
    e.path_absolute = true;
    e.ret = -1;
    e.err = "ENOENT";
  });
  add([](Event& e) {
    e.syscall = "connect";
    e.fd = 6;
    e.address = "127.0.0.1:3306";
    e.ret = -1;
    e.err = "ECONNREFUSED";
  });
  add([](Event& e) {
    e.syscall = "execve";
    e.path = "/usr/bin/php";
    e.path_absolute = true;
    e.argv = {"php", "-r", "echo 1;"};
    e.ret = 0;
  });
  add([](Event& e) {
    e.syscall = "renameat2";
    e.path = "/a";
    e.path2 = "/b";
    e.path_absolute = true;
    e.ret = -1;
    e.err = "EXDEV";
  });
  add([](Event& e) {
    e.syscall = "access";
    e.path = "/x";
    e.path_absolute = true;
    e.mode = 06;
    e.ret = -1;
    e.err = "ENOENT";
  });
  add([](Event& e) {
    e.syscall = "exit_group";
    e.ret_known = false;
  });
  add([](Event& e) {
    e.syscall = "clock_nanosleep";
    e.ret_known = false;
    e.err = "ERESTART_RESTARTBLOCK";
  });
  add([](Event& e) {
    e.syscall = "wait4";
    e.ret_known = false;
    e.unfinished = true;
  });
  add([](Event& e) {
    e.kind = EventKind::Signal;
    e.signal = "SIGPIPE";
  });
  add([](Event& e) {
    e.kind = EventKind::Exit;
    e.killed = true;
    e.signal = "SIGSEGV";
    e.core_dumped = true;
  });
  add([](Event& e) {
    e.kind = EventKind::Exit;
    e.exit_code = 2;
  });

  std::string text;
  for (const Event& e : events) {
    text += LogWriter::format_line(e) + "\n";
  }
  INFO(text);
  const auto p = parse(text);
  REQUIRE(p.ok);
  CHECK(p.stats.malformed == 0);
  REQUIRE(p.events.size() == events.size());
  for (std::size_t i = 0; i < events.size(); ++i) {
    CHECK(dump(p.events[i]) == dump(events[i]));
    CHECK(p.events[i].time.format() == events[i].time.format());
    CHECK(p.events[i].duration_us == events[i].duration_us);
  }

  // Through a FILE*, and real strace output read → written → read gives the same dumps.
  if (have_strace()) {
    const auto real =
        trace("-f -tt -T -y", "cat /nonexistent; cd /tmp && cat missing; echo hi", "rt.log");
    REQUIRE(real.ok);
    const std::string saved = temp_dir() + "/saved.log";
    std::FILE* f = std::fopen(saved.c_str(), "w");
    REQUIRE(f != nullptr);
    {
      LogWriter writer(f);
      for (const Event& e : real.events) {
        writer.on_event(e);
      }
    }
    std::fclose(f);
    const auto back = parse_files({saved});
    REQUIRE(back.ok);
    CHECK(back.stats.malformed == 0);
    REQUIRE(back.events.size() == real.events.size());
    std::size_t same = 0;
    for (std::size_t i = 0; i < real.events.size(); ++i) {
      same += dump(back.events[i]) == dump(real.events[i]) ? 1 : 0;
      if (dump(back.events[i]) != dump(real.events[i])) {
        UNSCOPED_INFO(dump(real.events[i]) << "\n  != " << dump(back.events[i]));
      }
    }
    CHECK(same == real.events.size());
  }
}

TEST_CASE("an exit call whose ' = ?' was lost is read, a truncated one is not") {
  const auto p = parse(
      "1234  exit_group(128)\n"
      "1235  openat(AT_FDCWD, \"/etc/x\", O_RDONLY) = -1 ENOENT (No such file or directory)\n"
      "1235  exit(-1)   \n");
  CHECK(p.stats.malformed == 0);
  CHECK(p.named("exit_group").size() == 1);
  CHECK(p.named("exit").size() == 1);
  CHECK(p.only("openat").path == "/etc/x");
  const auto cut = parse("1234  exit_group(12\n");
  CHECK(cut.stats.malformed == 1);
  const auto words = parse("1234  exit_group(EXIT_FAILURE) trailing\n");
  CHECK(words.stats.malformed == 1);
}

TEST_CASE("flags shortened to ... by hand are unknown, not O_RDONLY") {
  const auto p = parse(
      "openat(AT_FDCWD, \"/srv/app/conf.ini\", ...) = -1 ENOENT (No such file or directory)\n"
      "openat2(AT_FDCWD, \"/srv/app/x\", {flags=..., mode=0644}, 24) = -1 ENOENT (No such file or "
      "directory)\n");
  REQUIRE(p.ok);
  CHECK(p.only("openat").open_flags == -1);
  CHECK(p.only("openat2").open_flags == -1);
  CHECK(p.only("openat2").mode == -1);
}

TEST_CASE("strace --secontext: contexts before the call and after a path are skipped (#54)") {
  const auto p = parse(
      "1234  [httpd_t] openat(AT_FDCWD, \"/var/www/x.php\" [httpd_sys_content_t], O_RDONLY) = -1 "
      "EACCES (Permission denied)\n"
      "1234  [system_u:system_r:httpd_t:s0] close(3) = 0\n");
  REQUIRE(p.ok);
  CHECK(p.stats.malformed == 0);
  CHECK(p.only("openat").path == "/var/www/x.php");
  CHECK(p.only("openat").err == "EACCES");
  CHECK(p.only("close").fd == 3);
}
