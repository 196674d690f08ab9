// What both live backends share (tracer/model/live_helpers.h): joined paths, socket addresses,
// signal names, the kept lines of a trigger's output, and --trigger itself (real `sh -c` commands).
// Expected values written from the kernel's structures and strace's conventions.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "tracer/model/live_helpers.h"
#include "tracer/model/trigger.h"

using namespace culprit::tracer;

namespace {

template <typename T>
std::string_view bytes_of(const T& value, std::size_t length = sizeof(T)) {
  return {reinterpret_cast<const char*>(&value), length};
}

sockaddr_un unix_address(const char* path, std::size_t path_bytes) {
  sockaddr_un sun{};
  sun.sun_family = AF_UNIX;
  std::memcpy(sun.sun_path, path, path_bytes);
  return sun;
}

}  // namespace

TEST_CASE("join_path drops ./ and keeps the directory for .") {
  CHECK(join_path("/srv/www", "wp-config.php") == "/srv/www/wp-config.php");
  CHECK(join_path("/srv/www/", "./././a/b") == "/srv/www/a/b");
  CHECK(join_path("/srv/www", ".") == "/srv/www");
  CHECK(join_path("/", "etc") == "/etc");
  CHECK(join_path("", "etc").empty());          // an unknown directory makes no path
  CHECK(join_path("/x", "../y") == "/x/../y");  // not normalised: the log shows what was asked
}

TEST_CASE("decode_sockaddr: unix paths (relative ones against the cwd), abstract names, inet") {
  Event e;
  const auto run = unix_address("run/php-fpm.sock", 17);
  decode_sockaddr(bytes_of(run, offsetof(sockaddr_un, sun_path) + 17), "/var", e);
  CHECK(e.path == "/var/run/php-fpm.sock");
  CHECK(e.path_absolute);

  Event unknown_cwd;
  decode_sockaddr(bytes_of(run, offsetof(sockaddr_un, sun_path) + 17), "", unknown_cwd);
  CHECK(unknown_cwd.path == "run/php-fpm.sock");
  CHECK_FALSE(unknown_cwd.path_absolute);

  Event abstract;
  const auto at = unix_address("\0mysock", 7);
  decode_sockaddr(bytes_of(at, offsetof(sockaddr_un, sun_path) + 7), "/", abstract);
  CHECK(abstract.path == "@mysock");

  Event v4;
  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_port = htons(3306);
  REQUIRE(inet_pton(AF_INET, "127.0.0.1", &in.sin_addr) == 1);
  decode_sockaddr(bytes_of(in), "/", v4);
  CHECK(v4.address == "127.0.0.1:3306");
  CHECK(v4.path.empty());

  Event v6;
  sockaddr_in6 in6{};
  in6.sin6_family = AF_INET6;
  in6.sin6_port = htons(80);
  REQUIRE(inet_pton(AF_INET6, "::1", &in6.sin6_addr) == 1);
  decode_sockaddr(bytes_of(in6), "/", v6);
  CHECK(v6.address == "[::1]:80");

  Event short_or_other;
  decode_sockaddr(bytes_of(in, 1), "/", short_or_other);  // shorter than a family
  sockaddr_storage netlink{};
  netlink.ss_family = AF_NETLINK;
  decode_sockaddr(bytes_of(netlink), "/", short_or_other);
  CHECK(short_or_other.path.empty());
  CHECK(short_or_other.address.empty());
}

TEST_CASE("signal_name names signals as strace does") {
  CHECK(signal_name(SIGSEGV) == "SIGSEGV");
  CHECK(signal_name(SIGKILL) == "SIGKILL");
  CHECK(signal_name(32) == "SIGRTMIN");
  CHECK(signal_name(34) == "SIGRT_2");
  CHECK(signal_name(99) == "SIG99");
}

TEST_CASE("keep_first_lines keeps the first lines, cut, and counts the rest") {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::tmpfile(), &std::fclose);
  REQUIRE(file != nullptr);
  std::fputs("one\n", file.get());
  std::fputs(std::string(20, 'x').c_str(), file.get());
  std::fputs("\nthree\nfour\nfive", file.get());  // the last line has no newline
  const KeptLines kept = keep_first_lines(file.get(), 3, 10);
  REQUIRE(kept.lines.size() == 3);
  CHECK(kept.lines[0] == "one");
  CHECK(kept.lines[1] == std::string(10, 'x') + "...");
  CHECK(kept.lines[2] == "three");
  CHECK(kept.dropped == 2);

  // A read limit (a file something still writes to): the count stops there and says so.
  const KeptLines limited = keep_first_lines(file.get(), 1, 10, 8);  // "one\nxxxx"
  REQUIRE(limited.lines.size() == 1);
  CHECK(limited.lines[0] == "one");
  CHECK(limited.dropped == 1);
  CHECK(limited.cut);
  const KeptLines whole = keep_first_lines(file.get(), 1, 10, 1000);
  CHECK(whole.dropped == 4);
  CHECK_FALSE(whole.cut);

  std::unique_ptr<std::FILE, int (*)(std::FILE*)> empty(std::tmpfile(), &std::fclose);
  const KeptLines none = keep_first_lines(empty.get(), 3, 10);
  CHECK(none.lines.empty());
  CHECK(none.dropped == 0);
}

namespace {

// Waits up to `limit` for the trigger to end by itself; true if it did.
bool ends_within(const Trigger& trigger, std::chrono::seconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!trigger.done() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return trigger.done();
}

// Runs `command` as a trigger for up to `run_for`, stops it, and returns what the report gets;
// `ended`: it ended by itself in that time.
struct Ran {
  TriggerResult result;
  bool ended = false;
};
Ran run_trigger(const std::string& command, std::chrono::seconds run_for) {
  Trigger trigger(command);
  trigger.start();
  const bool ended = ends_within(trigger, run_for);
  trigger.stop();
  return {trigger.result(), ended};
}

}  // namespace

TEST_CASE("a trigger's exit status and its stdout and stderr lines are kept") {
  const Ran ran =
      run_trigger("printf 'one\\ntwo\\n'; echo three >&2; exit 3", std::chrono::seconds(20));
  REQUIRE(ran.ended);
  const TriggerResult& r = ran.result;
  CHECK(r.ran);
  CHECK(r.status == 3);
  CHECK(r.signal == 0);
  CHECK(r.note == "--trigger exited with 3");
  REQUIRE(r.output.size() == 3);
  CHECK(r.output[0] == "one");
  CHECK(r.output[1] == "two");
  CHECK(r.output[2] == "three");
}

TEST_CASE("a trigger gets SIGPIPE at its default and no blocked signal, whatever culprit has") {
  // culprit ignores SIGPIPE while it holds processes, and blocks its stop signals around a launch.
  struct sigaction ignore {};
  struct sigaction old_pipe {};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  sigaction(SIGPIPE, &ignore, &old_pipe);
  struct sigaction old_int {};
  sigaction(SIGINT, &ignore, &old_int);  // as under nohup or `cmd &`, before culprit's handlers
  sigset_t stop_signals;
  sigset_t old_mask;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, &old_mask);
  // `yes` ends only by SIGPIPE once `head` has gone; the shell's own mask is printed.
  // `exec`: the shell that is read is the process that was started, not one waiting for grep.
  const Ran ran = run_trigger("yes | head -n 1; exec grep -E '^Sig(Blk|Ign):' /proc/$$/status",
                              std::chrono::seconds(20));
  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  sigaction(SIGPIPE, &old_pipe, nullptr);
  sigaction(SIGINT, &old_int, nullptr);
  REQUIRE(ran.ended);
  const TriggerResult& r = ran.result;
  CHECK(r.status == 0);
  REQUIRE(r.output.size() == 3);
  CHECK(r.output[0] == "y");
  // "SigBlk:\t<hex>": bit N-1 is signal N. What this test set must be undone; whatever the test's
  // own parent ignores (a CI harness may ignore others) is not culprit's business.
  auto mask_of = [](const std::string& line, const char* name) {
    REQUIRE(line.rfind(name, 0) == 0);
    return std::stoull(line.substr(line.find('\t') + 1), nullptr, 16);
  };
  const unsigned long long culprits = (1ULL << (SIGPIPE - 1)) | (1ULL << (SIGINT - 1)) |
                                      (1ULL << (SIGTERM - 1)) | (1ULL << (SIGHUP - 1)) |
                                      (1ULL << (SIGQUIT - 1));
  CHECK(mask_of(r.output[1], "SigBlk:") == 0);
  CHECK((mask_of(r.output[2], "SigIgn:") & culprits) == 0);
}

TEST_CASE("stopping a trigger that ignores SIGTERM kills it") {
  // The loop's sleeps are short, so that nothing outlives the shell for long.
  // SIGTERM is ignored; SIGKILL follows.
  const Ran ran = run_trigger("trap '' TERM; echo started; while :; do sleep 0.1; done",
                              std::chrono::seconds(1));
  CHECK_FALSE(ran.ended);
  const TriggerResult& r = ran.result;
  CHECK(r.ran);
  CHECK(r.signal == SIGKILL);
  CHECK(r.status == -1);
  CHECK(r.note == "--trigger was killed by SIGKILL");
  REQUIRE_FALSE(r.output.empty());
  CHECK(r.output[0] == "started");
}

TEST_CASE("stopping a trigger ends every process of it, not only the shell") {
  // The shell waits for its background sleep: SIGTERM to the shell alone would leave the sleep.
  const Ran ran = run_trigger("sleep 60 & echo $!; wait", std::chrono::seconds(1));
  CHECK_FALSE(ran.ended);
  const TriggerResult& r = ran.result;
  CHECK(r.signal == SIGTERM);
  REQUIRE(r.output.size() == 1);
  const std::string stat_path = "/proc/" + r.output[0] + "/stat";
  // Gone, or a zombie waiting for a reaper (PID 1 here may not reap): no longer running.
  bool running = false;
  for (int i = 0; i < 200; ++i) {
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> stat(std::fopen(stat_path.c_str(), "r"),
                                                         &std::fclose);
    char line[512] = {};
    running = stat != nullptr && std::fgets(line, sizeof line, stat.get()) != nullptr &&
              std::strstr(line, ") Z ") == nullptr;
    if (!running) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK_FALSE(running);
}

TEST_CASE("a trigger never started reports nothing") {
  Trigger trigger("true");
  trigger.stop();
  CHECK_FALSE(trigger.result().ran);
}
