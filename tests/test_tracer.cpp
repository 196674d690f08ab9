// The live tracer on real processes (tests/fixtures): every failing call a fixture reports making
// must come out of `run` and `attach` as an Event with the right tid, path and errno; attach and
// detach must leave processes as they were (running, stopped, with every signal delivered).
#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "analyzer/filesystem.h"
#include "analyzer/pipeline.h"
#include "analyzer/rules.h"
#include "tracer/event.h"
#include "tracer/live.h"
#include "tracer/remote_memory.h"
#include "tracer/strace_log.h"
#include "tracer/syscall_table.h"
#include "tracer/tracee.h"

using namespace culprit::tracer;
namespace fs = std::filesystem;

namespace {

class CollectingSink : public EventSink {
 public:
  void on_event(const Event& event) override { events.push_back(event); }
  std::vector<Event> events;
};

// A fixture process with its stdin and stdout connected to pipes.
struct Fixture {
  pid_t pid = -1;
  int in = -1;   // write end: the fixture's stdin
  int out = -1;  // read end: the fixture's stdout

  void close_stdin() {
    if (in >= 0) {
      close(in);
      in = -1;
    }
  }
  // A line from the fixture's stdout ("" on EOF or after 20 s).
  std::string read_line() const {
    std::string line;
    char c = 0;
    while (true) {
      pollfd p{out, POLLIN, 0};
      if (poll(&p, 1, 20000) <= 0 || read(out, &c, 1) != 1) {
        return line;
      }
      if (c == '\n') {
        return line;
      }
      line += c;
    }
  }
  // Exit status as waitpid reports it, -1 if it was reaped elsewhere.
  int wait() {
    int status = 0;
    if (waitpid(pid, &status, 0) != pid) {
      return -1;
    }
    pid = -1;
    return status;
  }
  ~Fixture() {
    close_stdin();
    if (out >= 0) {
      close(out);
    }
    if (pid > 0) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
  }
};

std::unique_ptr<Fixture> spawn(const std::vector<std::string>& argv) {
  int in[2];
  int out[2];
  REQUIRE(pipe2(in, O_CLOEXEC) == 0);
  REQUIRE(pipe2(out, O_CLOEXEC) == 0);
  std::vector<char*> args;
  for (const auto& a : argv) {
    args.push_back(const_cast<char*>(a.c_str()));
  }
  args.push_back(nullptr);
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    execv(args[0], args.data());
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  auto f = std::make_unique<Fixture>();
  f->pid = pid;
  f->in = in[1];
  f->out = out[0];
  return f;
}

std::string unique_tag() {
  static int counter = 0;
  return fmt::format("t{}-{}", getpid(), ++counter);
}

struct Reported {
  std::string syscall, path;
  Pid tid = 0;
  std::string err;
};

// The fixture's own record of its failing calls; relative paths made absolute against /tmp
// (the fixture chdirs there and uses an O_DIRECTORY fd of /tmp for its *at call).
std::vector<Reported> read_report(const std::string& file) {
  std::vector<Reported> out;
  std::ifstream in(file);
  std::string word;
  Reported r;
  while (in >> word >> r.syscall >> r.path >> r.tid >> r.err) {
    if (r.path.front() != '/') {
      r.path = "/tmp/" + r.path;
    }
    out.push_back(r);
  }
  return out;
}

const Event* find_event(const std::vector<Event>& events, const Reported& r) {
  for (const Event& e : events) {
    if (e.kind == EventKind::Syscall && e.syscall == r.syscall && e.path == r.path) {
      return &e;
    }
  }
  return nullptr;
}

// Every reported failure is an event with the same tid and errno and an absolute path.
void check_reported(const std::vector<Event>& events, const std::vector<Reported>& reported) {
  for (const Reported& r : reported) {
    INFO("reported: " << r.syscall << " " << r.path << " tid " << r.tid << " " << r.err);
    const Event* e = find_event(events, r);
    REQUIRE(e != nullptr);
    CHECK(e->pid == r.tid);
    CHECK(e->err == r.err);
    CHECK(e->ret_known);
    CHECK(e->ret == -1);
    CHECK(e->path_absolute);
    CHECK(e->time.kind == Timestamp::Kind::Epoch);
    CHECK(e->origin.file.empty());
  }
}

std::string dump_all(const std::vector<Event>& events) {
  std::string out;
  for (const Event& e : events) {
    out += dump(e) + "\n";
  }
  return out;
}

// Thread states of a process ("" when it is gone).
std::string task_states(pid_t pid) {
  std::string states;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(fmt::format("/proc/{}/task", pid), ec)) {
    const Pid tid = std::stoi(entry.path().filename().string());
    states += read_proc_state(tid, pid);
  }
  return states;
}

bool wait_for_state(pid_t pid, char state, int timeout_ms = 5000) {
  for (int i = 0; i < timeout_ms / 10; ++i) {
    if (read_proc_state(pid) == state) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

// The expected failures of `cfx_mt work|wait TAG OUT THREADS CHILDREN`.
std::size_t expected_failures(int threads, int children) {
  return static_cast<std::size_t>(threads + 3 + 3 * children);
}

void check_work_events(const std::vector<Event>& events, const std::string& out, int threads,
                       int children) {
  INFO(dump_all(events));
  const auto reported = read_report(out);
  REQUIRE(reported.size() == expected_failures(threads, children));
  check_reported(events, reported);

  // The error reply written to /dev/null reaches the analyzer with its fd's path.
  bool saw_reply = false;
  int execs = 0;
  int exit7 = 0;
  int exit3 = 0;
  for (const Event& e : events) {
    if (e.kind == EventKind::Syscall && e.syscall == "write" &&
        e.data.find("HTTP/1.1 500") != std::string::npos) {
      saw_reply = e.fd_path == "/dev/null" && e.ret == 36 && e.err.empty();
    }
    if (e.kind == EventKind::Syscall && e.syscall == "execve" && e.argv.size() == 4 &&
        e.argv[1] == "open" && e.ret_known && e.ret == 0) {
      ++execs;
      CHECK(e.path == "/proc/self/exe");
    }
    if (e.kind == EventKind::Exit && !e.killed) {
      exit7 += e.exit_code == 7 ? 1 : 0;
      exit3 += e.exit_code == 3 ? 1 : 0;
    }
  }
  CHECK(saw_reply);
  CHECK(execs == children);
  CHECK(exit7 == children);  // forked children exit with 7
  CHECK(exit3 == children);  // the vfork+exec'd programs exit with 3
}

}  // namespace

TEST_CASE("run: threads, fork, vfork+exec: every failing open is an event") {
  const std::string tag = unique_tag();
  const std::string out = fmt::format("/tmp/culprit-fixture-{}.out", tag);
  fs::remove(out);
  LiveOptions options;
  options.command = {CFX_MT, "work", tag, out, "3", "2"};
  CollectingSink sink;
  SourceStats stats;
  auto result = trace_run(options, sink, stats);
  INFO((result.ok() ? std::string() : result.error().message));
  REQUIRE(result.ok());
  CHECK(result->exit_status == 0);
  CHECK(result->term_signal == 0);
  CHECK_FALSE(result->detached);
  CHECK(result->processes >= 5);  // the fixture, 2 children, 2 exec'd vfork children
  CHECK(stats.events == sink.events.size());
  check_work_events(sink.events, out, 3, 2);
  // The seccomp filter keeps uninteresting calls away: no getpid/clone/close events at all.
  for (const Event& e : sink.events) {
    CHECK(e.syscall != "close");
  }
  fs::remove(out);
}

TEST_CASE("run: relative paths follow every chdir of the process (the cwd is cached)") {
  const std::string tag = unique_tag();
  const std::string dir = fmt::format("/tmp/culprit-cwd-{}", tag);
  fs::create_directories(dir + "/sub");
  // The shell opens the redirections of its builtin itself: one process, four cwds, relative
  // names each time (`true`, not `:`: a failed redirection of a special builtin ends sh).
  LiveOptions options;
  options.command = {"sh", "-c",
                     fmt::format("cd {0}; true <a-{1}; cd sub; true <b-{1}; cd /; true <c-{1}; "
                                 "cd {0}/sub; true <d-{1}; exit 0",
                                 dir, tag)};
  CollectingSink sink;
  SourceStats stats;
  auto result = trace_run(options, sink, stats);
  REQUIRE(result.ok());
  INFO(dump_all(sink.events));
  std::vector<std::string> failed;
  for (const Event& e : sink.events) {
    if (e.failed() && e.path.find(tag) != std::string::npos && e.err == "ENOENT") {
      CHECK(e.path_absolute);
      failed.push_back(e.path);
    }
  }
  const std::vector<std::string> expected{
      fmt::format("{}/a-{}", dir, tag), fmt::format("{}/sub/b-{}", dir, tag),
      fmt::format("/c-{}", tag), fmt::format("{}/sub/d-{}", dir, tag)};
  CHECK(failed == expected);
  fs::remove_all(dir);
}

TEST_CASE("run: a non-blocking connect refused shows as EINPROGRESS, then SO_ERROR") {
  const std::string tag = unique_tag();
  const std::string out = fmt::format("/tmp/culprit-fixture-{}.out", tag);
  LiveOptions options;
  options.command = {"sh", "-c", fmt::format("exec {} >{}", CFX_CONNECT, out)};
  CollectingSink sink;
  SourceStats stats;
  auto result = trace_run(options, sink, stats);
  INFO((result.ok() ? std::string() : result.error().message));
  REQUIRE(result.ok());
  std::ifstream in(out);
  int port = 0;
  int fd = -1;
  int so_error = -1;
  in >> port >> fd >> so_error;
  fs::remove(out);
  INFO("cfx_connect printed port " << port << " fd " << fd << " SO_ERROR " << so_error);
  REQUIRE(result->exit_status == 0);
  INFO(dump_all(sink.events));

  const Event* connect = nullptr;
  std::vector<const Event*> sockopts;
  for (const Event& e : sink.events) {
    if (e.syscall == "connect" && e.fd == fd) {
      connect = &e;
    } else if (e.syscall == "getsockopt") {
      sockopts.push_back(&e);
    }
  }
  REQUIRE(connect != nullptr);
  CHECK(connect->err == "EINPROGRESS");
  CHECK(connect->address == fmt::format("127.0.0.1:{}", port));
  CHECK(connect->fd_path.starts_with("socket:["));
  // getsockopt(SO_TYPE) is no evidence: only the SO_ERROR call is an event.
  REQUIRE(sockopts.size() == 1);
  const Event& so = *sockopts.front();
  CHECK(so.fd == fd);
  CHECK(so.fd_path == connect->fd_path);
  CHECK(so.ret_known);
  CHECK(so.ret == 0);
  CHECK(so.data == "ECONNREFUSED");
  CHECK(&so > connect);  // delivered after the connect

  // What the events are for: the analyzer reports the refused connection to that address.
  auto rules = culprit::analyzer::Rules::builtin();
  REQUIRE(rules.ok());
  const culprit::analyzer::NoFileSystem nofs;
  culprit::analyzer::PipelineOptions popts;
  popts.mode = "run";
  culprit::analyzer::Pipeline pipeline(*rules, nofs, popts);
  for (const Event& e : sink.events) {
    pipeline.on_event(e);
  }
  const auto report = pipeline.finish(stats);
  bool refused = false;
  for (const auto& f : report.findings) {
    refused = refused || (f.kind == culprit::analyzer::FindingKind::ConnectionRefused &&
                          f.errno_name == "ECONNREFUSED" &&
                          f.address == fmt::format("127.0.0.1:{}", port));
  }
  CHECK(refused);
}

TEST_CASE("run: the command's exit status and launch errors") {
  LiveOptions options;
  CollectingSink sink;
  SourceStats stats;
  options.command = {"sh", "-c", "exit 42"};
  auto result = trace_run(options, sink, stats);
  REQUIRE(result.ok());
  CHECK(result->exit_status == 42);

  options.command = {"sh", "-c", "kill -TERM $$"};
  result = trace_run(options, sink, stats);
  REQUIRE(result.ok());
  CHECK(result->term_signal == SIGTERM);

  options.command = {"culprit-no-such-command-xyz"};
  result = trace_run(options, sink, stats);
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().message.find("culprit-no-such-command-xyz") != std::string::npos);
  CHECK(result.error().message.find("not found") != std::string::npos);
}

TEST_CASE("run: a thread that execs hands its syscall to the leader's pid") {
  const std::string tag = unique_tag();
  const std::string out = fmt::format("/tmp/culprit-fixture-{}.out", tag);
  fs::remove(out);
  LiveOptions options;
  options.command = {CFX_MT, "exec-thread", tag, out};
  CollectingSink sink;
  SourceStats stats;
  auto result = trace_run(options, sink, stats);
  REQUIRE(result.ok());
  CHECK(result->exit_status == 5);
  const auto reported = read_report(out);
  REQUIRE(reported.size() == 1);
  INFO(dump_all(sink.events));
  check_reported(sink.events, reported);
  // After the exec the program runs as the leader: its tid is the process id.
  bool exec_seen = false;
  for (const Event& e : sink.events) {
    if (e.syscall == "execve" && e.argv.size() >= 2 && e.argv[1] == "open") {
      exec_seen = true;
      CHECK(e.ret_known);
      CHECK(e.ret == 0);
      CHECK(e.pid == reported[0].tid);
    }
  }
  CHECK(exec_seen);
  fs::remove(out);
}

TEST_CASE("attach: a thread that execs while attached") {
  const std::string tag = unique_tag();
  const std::string out = fmt::format("/tmp/culprit-fixture-{}.out", tag);
  fs::remove(out);
  auto fixture = spawn({CFX_MT, "exec-thread", tag, out, "wait"});
  REQUIRE(fixture->read_line() == "ready");
  LiveOptions options;
  options.pids = {fixture->pid};
  options.trigger = fmt::format("printf x > /proc/{}/fd/0", fixture->pid);
  options.settle_s = 30;
  CollectingSink sink;
  SourceStats stats;
  auto result = trace_attach(options, sink, stats);
  REQUIRE(result.ok());
  const auto reported = read_report(out);
  REQUIRE(reported.size() == 1);
  INFO(dump_all(sink.events));
  check_reported(sink.events, reported);
  CHECK(reported[0].tid == fixture->pid);
  bool exec_seen = false;
  bool exit_seen = false;
  for (const Event& e : sink.events) {
    if (e.syscall == "execve" && e.argv.size() >= 2 && e.argv[1] == "open") {
      exec_seen = e.ret_known && e.ret == 0 && e.pid == fixture->pid;
    }
    if (e.kind == EventKind::Exit && e.pid == fixture->pid) {
      exit_seen = e.exit_code == 5;
    }
  }
  CHECK(exec_seen);
  CHECK(exit_seen);
  fixture->pid = -1;  // reaped by the session as its tracer
  fs::remove(out);
}

TEST_CASE("attach mid-run: threads that exist before the attach and children after it") {
  const std::string tag = unique_tag();
  const std::string out = fmt::format("/tmp/culprit-fixture-{}.out", tag);
  fs::remove(out);
  auto fixture = spawn({CFX_MT, "wait", tag, out, "3", "2"});
  REQUIRE(fixture->read_line() == "ready");
  LiveOptions options;
  options.pids = {fixture->pid};
  // The trigger lets the fixture start once every thread is attached.
  options.trigger = fmt::format("printf x > /proc/{}/fd/0", fixture->pid);
  options.settle_s = 30;  // the session ends when the fixture and its children have exited
  CollectingSink sink;
  SourceStats stats;
  auto result = trace_attach(options, sink, stats);
  INFO((result.ok() ? std::string() : result.error().message));
  REQUIRE(result.ok());
  CHECK_FALSE(result->detached);
  CHECK(result->threads >= 4);
  CHECK(result->trigger_status == 0);
  check_work_events(sink.events, out, 3, 2);
  // The fixture exited while traced: its exit is an event (we reaped it as its tracer).
  bool fixture_exit = false;
  for (const Event& e : sink.events) {
    if (e.kind == EventKind::Exit && e.pid == fixture->pid) {
      fixture_exit = e.exit_code == 0 && !e.killed;
    }
  }
  CHECK(fixture_exit);
  fixture->pid = -1;
  fs::remove(out);
}

TEST_CASE("attach -n: every process with that name") {
  const std::string tag1 = unique_tag();
  const std::string tag2 = unique_tag();
  const std::string out = fmt::format("/tmp/culprit-fixture-{}.out", tag1);
  fs::remove(out);
  auto first = spawn({CFX_MT, "wait", tag1, out, "1", "0"});
  auto second = spawn({CFX_MT, "wait", tag2, out, "1", "0"});
  REQUIRE(first->read_line() == "ready");
  REQUIRE(second->read_line() == "ready");
  LiveOptions options;
  options.name = "cfx_mt";
  options.trigger = fmt::format("printf x > /proc/{}/fd/0; printf x > /proc/{}/fd/0",
                                first->pid, second->pid);
  options.settle_s = 30;
  CollectingSink sink;
  SourceStats stats;
  auto result = trace_attach(options, sink, stats);
  REQUIRE(result.ok());
  CHECK(result->processes >= 2);  // more if another test run has cfx_mt processes too
  CHECK(result->threads >= 4);
  const auto reported = read_report(out);
  CHECK(reported.size() == 2 * expected_failures(1, 0));
  INFO(dump_all(sink.events));
  check_reported(sink.events, reported);
  first->pid = -1;
  second->pid = -1;
  fs::remove(out);
}

TEST_CASE("attach and detach 50 times under signal load: never left stopped, no signal lost") {
  auto fixture = spawn({CFX_SIGNALS});
  REQUIRE(fixture->read_line() == "ready");
  std::uint64_t signals_seen = 0;
  for (int i = 0; i < 50; ++i) {
    LiveOptions options;
    options.pids = {fixture->pid};
    options.duration_s = 0.01;
    CollectingSink sink;
    SourceStats stats;
    auto result = trace_attach(options, sink, stats);
    INFO("round " << i << ": " << (result.ok() ? std::string() : result.error().message));
    REQUIRE(result.ok());
    CHECK(result->detached);
    CHECK(result->threads == 3);
    for (const Event& e : sink.events) {
      signals_seen += e.kind == EventKind::Signal ? 1 : 0;
    }
    const std::string states = task_states(fixture->pid);
    INFO("thread states after detach: " << states);
    CHECK(states.size() == 3);
    CHECK(states.find_first_of("tTZX") == std::string::npos);
  }
  CHECK(signals_seen > 0);
  fixture->close_stdin();
  const std::string line = fixture->read_line();
  INFO(line);
  const int status = fixture->wait();
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("a SIGKILLed tracer leaves the traced program running") {
  auto fixture = spawn({CFX_SIGNALS});
  REQUIRE(fixture->read_line() == "ready");
  int ready[2];
  REQUIRE(pipe(ready) == 0);
  const pid_t tracer = fork();
  REQUIRE(tracer >= 0);
  if (tracer == 0) {
    // Stands in for a culprit process: traces until killed.
    class CountingSink : public EventSink {
     public:
      explicit CountingSink(int fd) : fd_(fd) {}
      void on_event(const Event&) override {
        if (fd_ >= 0 && ++n_ > 100) {
          [[maybe_unused]] auto w = write(fd_, "x", 1);
          close(fd_);
          fd_ = -1;
        }
      }

     private:
      int fd_;
      int n_ = 0;
    } sink(ready[1]);
    LiveOptions options;
    options.pids = {fixture->pid};
    options.duration_s = 60;
    SourceStats stats;
    (void)trace_attach(options, sink, stats);
    _exit(0);
  }
  close(ready[1]);
  char c = 0;
  REQUIRE(read(ready[0], &c, 1) == 1);  // the tracer has seen 100 events
  close(ready[0]);
  kill(tracer, SIGKILL);
  int tracer_status = 0;
  waitpid(tracer, &tracer_status, 0);
  CHECK(WIFSIGNALED(tracer_status));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const std::string states = task_states(fixture->pid);
  INFO("thread states after the tracer died: " << states);
  CHECK(states.find_first_of("tT") == std::string::npos);
  fixture->close_stdin();
  const std::string line = fixture->read_line();
  INFO(line);
  const int status = fixture->wait();
  CHECK(WIFEXITED(status));
  // The kernel drops a signal whose delivery-stop a tracer never answered (a tracer that exits
  // while a thread sits in signal-delivery-stop loses that signal: seen with a 20-line tracer
  // too); culprit resumes before emitting, so at most one per thread can be in that window.
  long sent = -1;
  long received = -1;
  REQUIRE(std::sscanf(line.c_str(), "sent %ld received %ld", &sent, &received) == 2);
  CHECK(sent > 0);
  CHECK(received <= sent);
  CHECK(sent - received <= 3);
}

TEST_CASE("attach to a stopped process: it stays stopped after detach") {
  auto fixture = spawn({CFX_MT, "sleep"});
  REQUIRE(fixture->read_line() == "ready");
  kill(fixture->pid, SIGSTOP);
  int status = 0;
  REQUIRE(waitpid(fixture->pid, &status, WUNTRACED) == fixture->pid);
  REQUIRE(WIFSTOPPED(status));
  LiveOptions options;
  options.pids = {fixture->pid};
  options.duration_s = 0.1;
  CollectingSink sink;
  SourceStats stats;
  auto result = trace_attach(options, sink, stats);
  REQUIRE(result.ok());
  CHECK(result->detached);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK(read_proc_state(fixture->pid) == 'T');
  kill(fixture->pid, SIGCONT);
  CHECK(wait_for_state(fixture->pid, 'S'));
}

TEST_CASE("attach errors explain themselves and leave nothing attached") {
  CollectingSink sink;
  SourceStats stats;
  LiveOptions options;

  SECTION("missing pid") {
    const pid_t gone = fork();
    if (gone == 0) {
      _exit(0);
    }
    waitpid(gone, nullptr, 0);
    options.pids = {gone};
    auto result = trace_attach(options, sink, stats);
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().message.find("no such process") != std::string::npos);
  }

  SECTION("no process with that name") {
    options.name = "culprit-no-such-process-name";
    auto result = trace_attach(options, sink, stats);
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().message.find("no process named") != std::string::npos);
  }

  SECTION("already traced by another tracer") {
    auto fixture = spawn({CFX_MT, "sleep"});
    REQUIRE(fixture->read_line() == "ready");
    int ready[2];
    REQUIRE(pipe(ready) == 0);
    const pid_t other = fork();
    if (other == 0) {
      if (ptrace(PTRACE_SEIZE, fixture->pid, nullptr, nullptr) == 0) {
        [[maybe_unused]] auto w = write(ready[1], "x", 1);
      }
      pause();
      _exit(0);
    }
    close(ready[1]);
    char c = 0;
    REQUIRE(read(ready[0], &c, 1) == 1);
    close(ready[0]);
    options.pids = {fixture->pid};
    auto result = trace_attach(options, sink, stats);
    kill(other, SIGKILL);
    waitpid(other, nullptr, 0);
    REQUIRE_FALSE(result.ok());
    INFO(result.error().message);
    CHECK(result.error().message.find(fmt::format("already traced by process {}", other)) !=
          std::string::npos);
    // The fixture keeps running (sleeping in pause), untraced.
    CHECK(wait_for_state(fixture->pid, 'S'));
  }
}

TEST_CASE("SIGTERM to the tracer detaches cleanly: the tracee runs on and loses no signal") {
  auto fixture = spawn({CFX_SIGNALS});
  REQUIRE(fixture->read_line() == "ready");
  int ready[2];
  REQUIRE(pipe(ready) == 0);
  const pid_t tracer = fork();
  REQUIRE(tracer >= 0);
  if (tracer == 0) {
    class ReadySink : public EventSink {
     public:
      explicit ReadySink(int fd) : fd_(fd) {}
      void on_event(const Event&) override {
        if (fd_ >= 0 && ++n_ > 50) {
          [[maybe_unused]] auto w = write(fd_, "x", 1);
          close(fd_);
          fd_ = -1;
        }
      }

     private:
      int fd_;
      int n_ = 0;
    } sink(ready[1]);
    // SIGTERM inherited as ignored must not stop culprit from installing its own handler.
    signal(SIGTERM, SIG_IGN);
    LiveOptions options;
    options.pids = {fixture->pid};
    SourceStats stats;
    auto result = trace_attach(options, sink, stats);
    _exit(result.ok() && result->detached ? 0 : 1);
  }
  close(ready[1]);
  char c = 0;
  REQUIRE(read(ready[0], &c, 1) == 1);
  close(ready[0]);
  kill(tracer, SIGTERM);
  int tracer_status = 0;
  waitpid(tracer, &tracer_status, 0);
  CHECK(WIFEXITED(tracer_status));
  CHECK(WEXITSTATUS(tracer_status) == 0);
  const std::string states = task_states(fixture->pid);
  INFO("thread states after detach: " << states);
  CHECK(states.find_first_of("tT") == std::string::npos);
  fixture->close_stdin();
  const std::string line = fixture->read_line();
  INFO(line);
  const int status = fixture->wait();
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);  // sent == received
}

TEST_CASE("--trigger: tracing stops after the trigger has finished and the settle time") {
  auto fixture = spawn({CFX_MT, "sleep"});
  REQUIRE(fixture->read_line() == "ready");
  LiveOptions options;
  options.pids = {fixture->pid};
  options.trigger = "exit 3";
  options.settle_s = 0.2;
  CollectingSink sink;
  SourceStats stats;
  auto result = trace_attach(options, sink, stats);
  REQUIRE(result.ok());
  CHECK(result->detached);
  CHECK(result->trigger_status == 3);
  bool noted = false;
  for (const auto& note : result->notes) {
    noted = noted || note.find("--trigger finished") != std::string::npos;
  }
  CHECK(noted);
  CHECK(wait_for_state(fixture->pid, 'S'));
}

TEST_CASE("remote memory: strings that end at a page boundary, unreadable addresses") {
  const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  // Two pages, the second one inaccessible: a string that fills the first page up to its last
  // byte has no NUL before the boundary, and one that ends on the last byte reads fine.
  auto* area = static_cast<char*>(
      mmap(nullptr, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  REQUIRE(area != MAP_FAILED);
  REQUIRE(mprotect(area + page, page, PROT_NONE) == 0);
  std::memset(area, 'a', page);
  area[page - 1] = '\0';  // "aaa...a" ending on the page's last byte
  int sync[2];
  REQUIRE(pipe(sync) == 0);
  const pid_t child = fork();  // the copy of `area` lives at the same address in the child
  if (child == 0) {
    close(sync[0]);
    [[maybe_unused]] auto w = write(sync[1], "x", 1);
    pause();
    _exit(0);
  }
  close(sync[1]);
  char c = 0;
  REQUIRE(read(sync[0], &c, 1) == 1);
  close(sync[0]);
  const RemoteMemory mem(child);
  const auto base = RemoteAddr{reinterpret_cast<std::uint64_t>(area)};

  auto whole = mem.read_string(base + 100, 2 * page);
  REQUIRE(whole.ok());
  CHECK(whole->bytes.size() == page - 101);
  CHECK_FALSE(whole->truncated);

  auto limited = mem.read_string(base, 10);
  REQUIRE(limited.ok());
  CHECK(limited->bytes == "aaaaaaaaaa");
  CHECK(limited->truncated);

  auto bad = mem.read_string(base + page, 100);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == EFAULT);

  auto bytes = mem.read_bytes(base + (page - 4), 16);  // crosses into the inaccessible page
  REQUIRE(bytes.ok());
  CHECK(bytes->size() == 4);

  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  munmap(area, 2 * page);
}

namespace {

// Failed calls of the syscalls `run` stops on, as "syscall path errno" with the tag replaced, plus
// the execve argv and written error replies: what must agree between a live trace and an strace
// log of the same program (pids, timestamps and successful calls outside the filter may differ).
std::multiset<std::string> normalised(const std::vector<Event>& events, const std::string& tag) {
  std::multiset<std::string> out;
  auto untag = [&tag](std::string s) {
    for (auto at = s.find(tag); at != std::string::npos; at = s.find(tag)) {
      s.replace(at, tag.size(), "TAG");
    }
    return s;
  };
  for (const Event& e : events) {
    if (e.kind != EventKind::Syscall) {
      continue;
    }
    const SyscallInfo* info = find_syscall(e.syscall);
    if (info == nullptr || !info->trace) {
      continue;
    }
    if (e.failed()) {
      out.insert(fmt::format("{} {} {}", e.syscall, untag(e.path), e.err));
    }
    if (e.syscall == "execve" && e.argv.size() > 1 && e.argv[1] == "open") {
      out.insert(untag(fmt::format("execve {} -> {}", fmt::join(e.argv, " "), e.ret)));
    }
    if (e.data.find("HTTP/1.1 500") != std::string::npos) {
      out.insert(fmt::format("{} {} {}", e.syscall, e.fd_path, escape_bytes(e.data)));
    }
  }
  return out;
}

}  // namespace

TEST_CASE("differential: a live trace and an strace log of the same program agree") {
  // scripts/setup.sh installs strace: its absence is a broken set-up, not a reason to skip.
  REQUIRE(std::system("strace -V >/dev/null 2>&1") == 0);
  const std::string live_tag = unique_tag();
  const std::string log_tag = unique_tag();
  const std::string live_out = fmt::format("/tmp/culprit-fixture-{}.out", live_tag);
  const std::string log_out = fmt::format("/tmp/culprit-fixture-{}.out", log_tag);
  const std::string log = fmt::format("/tmp/culprit-fixture-{}.strace", log_tag);
  fs::remove(live_out);
  fs::remove(log_out);

  LiveOptions options;
  options.command = {CFX_MT, "work", live_tag, live_out, "2", "1"};
  CollectingSink live;
  SourceStats live_stats;
  auto result = trace_run(options, live, live_stats);
  REQUIRE(result.ok());
  REQUIRE(result->exit_status == 0);

  const std::string cmd = fmt::format("strace -f -y -s 256 -o {} {} work {} {} 2 1", log,
                                      CFX_MT, log_tag, log_out);
  REQUIRE(std::system(cmd.c_str()) == 0);
  CollectingSink recorded;
  SourceStats log_stats;
  const std::vector<std::string> inputs{log};
  auto read = read_logs(inputs, recorded, log_stats);
  INFO((read.ok() ? std::string() : read.error().message));
  REQUIRE(read.ok());

  const auto a = normalised(live.events, live_tag);
  const auto b = normalised(recorded.events, log_tag);
  std::string only_live;
  std::string only_log;
  for (const auto& s : a) {
    if (b.count(s) < a.count(s)) {
      only_live += s + "\n";
    }
  }
  for (const auto& s : b) {
    if (a.count(s) < b.count(s)) {
      only_log += s + "\n";
    }
  }
  INFO("only live:\n" << only_live << "only in the strace log:\n" << only_log);
  CHECK(a.size() >= expected_failures(2, 1));
  CHECK(a == b);
  fs::remove(live_out);
  fs::remove(log_out);
  fs::remove(log);
}
