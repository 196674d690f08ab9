// `culprit attach` on what users name: -p lists as shells produce them, -u UNIT and --cgroup PATH
// on cgroups the tests make themselves (this machine need not run systemd), the real Apache found
// by its unit, and refusals that say why. Every process and cgroup a test makes is removed again.
#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/test_util.h"
#include "tracer/ptrace/cgroup.h"

namespace fs = std::filesystem;
using culprit::test::culprit_binary;
using culprit::test::read_text;
using culprit::test::run_command;
using culprit::test::TempDir;
using culprit::test::write_text;
using nlohmann::json;

namespace {

// A process started from argv (exec'd by path); "ready" read from its stdout when it prints one;
// killed and reaped on scope exit.
class Process {
 public:
  explicit Process(const std::vector<std::string>& argv, bool wait_ready = true) {
    int out[2];
    REQUIRE(pipe2(out, O_CLOEXEC) == 0);
    std::vector<char*> args;
    for (const auto& a : argv) {
      args.push_back(const_cast<char*>(a.c_str()));
    }
    args.push_back(nullptr);
    pid_ = fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      execv(args[0], args.data());
      _exit(127);
    }
    close(out[1]);
    out_ = out[0];
    if (wait_ready) {
      REQUIRE(read_line() == "ready");
    }
  }
  ~Process() {
    if (out_ >= 0) {
      close(out_);
    }
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  [[nodiscard]] pid_t pid() const { return pid_; }

  // A line of its stdout ("" on EOF or after 20 s).
  std::string read_line() const {
    std::string line;
    char c = 0;
    while (true) {
      pollfd p{out_, POLLIN, 0};
      if (poll(&p, 1, 20000) <= 0 || read(out_, &c, 1) != 1 || c == '\n') {
        return line;
      }
      line += c;
    }
  }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
};

// cfx_looper failing on DIR/NAME.conf again and again; SIGUSR1 makes it fork a child that fails
// on DIR/NAME.conf.child, writes its pid to DIR/NAME.child-pid and exits 1.
struct Looper {
  Looper(const TempDir& dir, const std::string& name)
      : missing((dir / (name + ".conf")).string()),
        report((dir / (name + ".child-pid")).string()),
        process({CFX_LOOPER, missing, report}) {}
  std::string missing;
  std::string report;
  Process process;
  [[nodiscard]] pid_t pid() const { return process.pid(); }
  [[nodiscard]] pid_t child_pid() const {
    const std::string text = read_text(report);
    return text.empty() ? -1 : static_cast<pid_t>(std::stol(text));
  }
};

// The pids of the findings on `path`.
std::set<pid_t> failing_pids(const json& report, const std::string& path) {
  std::set<pid_t> out;
  for (const auto& f : report["findings"]) {
    if (f.contains("path") && f["path"] == path) {
      for (const auto& pid : f["pids"]) {
        out.insert(pid.get<pid_t>());
      }
    }
  }
  return out;
}

// Runs `culprit attach ARGS --format json -q`; its exit code must be `expected_exit`.
json attach_json(const std::vector<std::string>& args, int expected_exit = 1) {
  std::vector<std::string> argv{culprit_binary(), "attach"};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.insert(argv.end(), {"--format", "json", "-v"});
  const auto r = run_command(argv);
  INFO("culprit " << fmt::format("{}", fmt::join(args, " ")) << "\nstderr:\n"
                  << r.err << "\nstdout:\n"
                  << r.out);
  REQUIRE(r.exit_code == expected_exit);
  return json::parse(r.out);
}

// A cgroup directory made for a test (with its parents that did not exist) in the first mounted
// hierarchy that allows it, preferring v1 ones without controllers (name=systemd), then pids;
// every process in it is killed and the directories removed on scope exit.
class TestCgroup {
 public:
  // `relative`: "culprit-test-123" or "system.slice/culprit-test-apache.service".
  explicit TestCgroup(const std::string& relative) {
    std::vector<std::string> mounts;
    for (const auto& h : culprit::tracer::cgroup_hierarchies()) {
      mounts.push_back(h.mount);
    }
    std::stable_partition(mounts.begin(), mounts.end(),
                          [](const std::string& m) { return m.ends_with("/systemd"); });
    std::stable_partition(mounts.begin(), mounts.end(), [](const std::string& m) {
      return m.ends_with("/systemd") || m.ends_with("/pids");
    });
    for (const auto& mount : mounts) {
      if (make(mount, relative)) {
        mount_ = mount;
        relative_ = "/" + relative;
        return;
      }
    }
  }
  ~TestCgroup() {
    if (made_.empty()) {
      return;
    }
    for (int i = 0; i < 100; ++i) {
      std::ifstream in(dir() + "/cgroup.procs");
      bool any = false;
      for (pid_t pid = 0; in >> pid;) {
        kill(pid, SIGKILL);
        any = true;
      }
      if (!any) {
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    for (auto it = made_.rbegin(); it != made_.rend(); ++it) {
      for (int i = 0; i < 100 && rmdir(it->c_str()) != 0 && errno == EBUSY; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
  }
  TestCgroup(const TestCgroup&) = delete;
  TestCgroup& operator=(const TestCgroup&) = delete;

  [[nodiscard]] bool ok() const { return !mount_.empty(); }
  [[nodiscard]] std::string dir() const { return mount_ + relative_; }
  // The path as /proc/PID/cgroup shows it ("/culprit-test-123").
  [[nodiscard]] const std::string& relative() const { return relative_; }

  void move(pid_t pid) const {
    std::ofstream out(dir() + "/cgroup.procs");
    out << pid << "\n";
    out.flush();
    REQUIRE(out.good());
  }

 private:
  bool make(const std::string& mount, const std::string& relative) {
    std::vector<std::string> made;
    fs::path at = mount;
    for (const auto& part : fs::path(relative)) {
      at /= part;
      if (mkdir(at.c_str(), 0755) == 0) {
        made.push_back(at.string());
      } else if (errno != EEXIST || at == fs::path(mount) / relative) {
        for (auto it = made.rbegin(); it != made.rend(); ++it) {
          rmdir(it->c_str());
        }
        return false;
      }
    }
    made_ = std::move(made);
    return true;
  }

  std::string mount_;
  std::string relative_;
  std::vector<std::string> made_;
};

}  // namespace

TEST_CASE("attach -p takes the lists users type: newlines, spaces, commas, -p again") {
  TempDir dir("culprit-targets");
  const Looper a(dir, "missing-a");
  const Looper b(dir, "missing-b");
  const std::string pa = std::to_string(a.pid());
  const std::string pb = std::to_string(b.pid());
  std::vector<std::string> args;
  SECTION("as $(pgrep) prints them, one per line") { args = {"-p", pa + "\n" + pb + "\n"}; }
  SECTION("separated by spaces") { args = {"-p", pa + " " + pb}; }
  SECTION("commas, -p again, one twice") { args = {"-p", pa + "," + pb, "-p", pa}; }
  args.insert(args.end(), {"--duration", "1.5"});
  const json report = attach_json(args);
  CHECK(failing_pids(report, a.missing) == std::set<pid_t>{a.pid()});
  CHECK(failing_pids(report, b.missing) == std::set<pid_t>{b.pid()});
  CHECK(report["source"]["inputs"] == json::array({"pid " + pa, "pid " + pb}));
}

TEST_CASE("attach -p: of several processes, one that has exited is skipped with a note") {
  // As `-p "$(pgrep apache2)"` meets a worker that the server recycled a moment before: a
  // zombie (exited, its parent has not reaped it) and a pid that no longer exists.
  TempDir dir("culprit-targets");
  const Looper a(dir, "missing-a");
  const pid_t zombie = fork();
  REQUIRE(zombie >= 0);
  if (zombie == 0) {
    _exit(0);
  }
  std::string state;
  for (int i = 0; i < 200 && state != "Z"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    const std::string stat = read_text(fmt::format("/proc/{}/stat", zombie));
    const auto close = stat.rfind(')');
    state = close == std::string::npos ? "" : stat.substr(close + 2, 1);
  }
  REQUIRE(state == "Z");
  const pid_t gone = zombie;  // reaped below: then no such process

  SECTION("a zombie among live processes") {
    const auto r = run_command({culprit_binary(), "attach", "-p",
                                std::to_string(zombie) + "\n" + std::to_string(a.pid()),
                                "--duration", "1.5", "--format", "json"});
    INFO(r.err);
    CHECK(r.exit_code == 1);  // findings
    CHECK_THAT(r.err, Catch::Contains(fmt::format("skipped: cannot attach to process {}: it is a "
                                                  "zombie",
                                                  zombie)));
    const json report = json::parse(r.out);
    CHECK(failing_pids(report, a.missing) == std::set<pid_t>{a.pid()});
  }
  SECTION("the zombie alone is an error") {
    const auto r =
        run_command({culprit_binary(), "attach", "-p", std::to_string(zombie), "--duration", "1"});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("it is a zombie"));
  }
  REQUIRE(waitpid(zombie, nullptr, 0) == zombie);
  SECTION("a pid that no longer exists among live processes, and every pid gone") {
    const auto r = run_command({culprit_binary(), "attach", "-p",
                                std::to_string(gone) + "," + std::to_string(a.pid()), "--duration",
                                "1.5", "--format", "json"});
    INFO(r.err);
    CHECK(r.exit_code == 1);  // findings
    CHECK_THAT(r.err, Catch::Contains(fmt::format(
                          "skipped: cannot attach to process {}: no such process", gone)));
    CHECK(failing_pids(json::parse(r.out), a.missing) == std::set<pid_t>{a.pid()});
    // The eBPF backend (when built in and allowed here) skips it alike.
    const auto version = run_command({culprit_binary(), "--version"});
    if (version.out.find("ebpf") != std::string::npos && geteuid() == 0) {
      const auto e = run_command({culprit_binary(), "attach", "--backend", "ebpf", "-p",
                                  std::to_string(gone) + "," + std::to_string(a.pid()),
                                  "--duration", "1.5", "--format", "json"});
      INFO(e.err);
      CHECK(e.exit_code == 1);
      CHECK_THAT(e.err, Catch::Contains(fmt::format(
                            "skipped: cannot attach to process {}: no such process", gone)));
      CHECK(failing_pids(json::parse(e.out), a.missing) == std::set<pid_t>{a.pid()});
    }
  }
}

TEST_CASE("attach -p: a token that is not a process id is named, exit 2") {
  TempDir dir("culprit-targets");
  const Looper a(dir, "missing-a");
  for (const std::string bad : {"apache2", "12x", "-3", "0", "99999999999"}) {
    const auto r = run_command({culprit_binary(), "attach", "-p",
                                std::to_string(a.pid()) + "\n" + bad, "--duration", "1"});
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("'" + bad + "' is not a process id"));
  }
  // As -p "$(pgrep nothing)" gives it (Boost.Process cannot pass an empty argument: sh does).
  const auto empty =
      run_command({"sh", "-c", "exec \"$0\" attach -p \"\" --duration 1", culprit_binary()});
  CHECK(empty.exit_code == 2);
  CHECK_THAT(empty.err, Catch::Contains("no process id"));
}

TEST_CASE("attach --cgroup: every process in it, and a child forked after the attach") {
  if (geteuid() != 0) {
    CULPRIT_SKIP("making a cgroup and moving a process into it needs root");
  }
  TempDir dir("culprit-targets");
  const TestCgroup cgroup(fmt::format("culprit-test-{}", getpid()));
  if (!cgroup.ok()) {
    CULPRIT_SKIP("no mounted cgroup hierarchy lets this test make a cgroup");
  }
  const Looper inside(dir, "inside");
  const Looper outside(dir, "outside");
  cgroup.move(inside.pid());
  // The child is forked once culprit has attached: the trigger runs after the attach.
  const std::string trigger = fmt::format("kill -USR1 {}", inside.pid());
  std::string given;
  std::vector<std::string> extra;
  SECTION("a cgroup directory") { given = cgroup.dir(); }
  SECTION("a path as /proc/PID/cgroup shows it") { given = cgroup.relative(); }
  SECTION("with -p of a process outside it: both") {
    given = cgroup.dir();
    extra = {"-p", std::to_string(outside.pid())};
  }
  std::vector<std::string> args{"--cgroup", given, "--trigger", trigger, "--settle", "1"};
  args.insert(args.end(), extra.begin(), extra.end());
  const json report = attach_json(args);
  const pid_t child = inside.child_pid();
  REQUIRE(child > 0);
  CHECK(child != inside.pid());
  CHECK(failing_pids(report, inside.missing) == std::set<pid_t>{inside.pid()});
  CHECK(failing_pids(report, inside.missing + ".child") == std::set<pid_t>{child});
  if (extra.empty()) {
    CHECK(failing_pids(report, outside.missing).empty());
    CHECK(report["source"]["inputs"] == json::array({"cgroup " + given}));
  } else {
    CHECK(failing_pids(report, outside.missing) == std::set<pid_t>{outside.pid()});
    CHECK(report["source"]["inputs"] ==
          json::array({"pid " + std::to_string(outside.pid()), "cgroup " + given}));
  }
}

TEST_CASE("attach -u / --cgroup: what does not exist or is empty is said plainly") {
  SECTION("no such unit") {
    const auto r =
        run_command({culprit_binary(), "attach", "-u", "culprit-no-such-unit", "--duration", "1"});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("no cgroup named culprit-no-such-unit.service under"));
    CHECK_THAT(r.err, Catch::Contains("is the unit running?"));
  }
  SECTION("no such cgroup") {
    const auto r = run_command(
        {culprit_binary(), "attach", "--cgroup", "/culprit-no-such-cgroup", "--duration", "1"});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("no cgroup /culprit-no-such-cgroup"));
  }
  SECTION("a unit whose cgroup is empty") {
    if (geteuid() != 0) {
      CULPRIT_SKIP("making a cgroup needs root");
    }
    const std::string unit = fmt::format("culprit-test-empty-{}.service", getpid());
    const TestCgroup cgroup("system.slice/" + unit);
    if (!cgroup.ok()) {
      CULPRIT_SKIP("no mounted cgroup hierarchy lets this test make a cgroup");
    }
    const auto r = run_command({culprit_binary(), "attach", "-u", unit, "--duration", "1"});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("unit " + unit + " has no process"));
  }
}

TEST_CASE("attach refusals name the reason") {
  TempDir dir("culprit-targets");

  SECTION("already traced: the tracer is named") {
    if (fs::exists("/usr/bin/strace") == false) {
      CULPRIT_SKIP("strace is not installed");
    }
    const Looper a(dir, "traced");
    Process strace({"/usr/bin/strace", "-o", "/dev/null", "-p", std::to_string(a.pid())}, false);
    bool traced = false;
    for (int i = 0; i < 200 && !traced; ++i) {
      traced = read_text(fmt::format("/proc/{}/status", a.pid()))
                   .find(fmt::format("TracerPid:\t{}\n", strace.pid())) != std::string::npos;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    REQUIRE(traced);
    const auto r =
        run_command({culprit_binary(), "attach", "-p", std::to_string(a.pid()), "--duration", "1"});
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err,
               Catch::Contains(fmt::format("already traced by process {} (strace)", strace.pid())));
    // strace detaches on SIGTERM; the looper runs on.
    kill(strace.pid(), SIGTERM);
    CHECK(waitpid(strace.pid(), nullptr, 0) == strace.pid());
    CHECK(kill(a.pid(), 0) == 0);
  }

  SECTION("root without CAP_SYS_PTRACE, another user's process") {
    if (geteuid() != 0) {
      CULPRIT_SKIP("dropping a capability and starting a process as nobody needs root");
    }
    if (!fs::exists("/usr/bin/setpriv")) {
      CULPRIT_SKIP("setpriv (util-linux) is not installed");
    }
    chmod(dir.path().c_str(), 0755);
    Process nobody({"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                    CFX_LOOPER, (dir / "nobody.conf").string(), (dir / "nobody.pid").string()});
    const auto r = run_command({"/usr/bin/setpriv", "--inh-caps=-sys_ptrace",
                                "--bounding-set=-sys_ptrace", culprit_binary(), "attach", "-p",
                                std::to_string(nobody.pid()), "--duration", "1"});
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err,
               Catch::Contains("belongs to user nobody and culprit runs without CAP_SYS_PTRACE"));
  }
}

namespace {

// A free TCP port on 127.0.0.1 (the kernel picks it; a race with another binder is harmless here).
int free_port() {
  const int s = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(s >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(getsockname(s, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  close(s);
  return ntohs(addr.sin_port);
}

// mod_php's module file, "" when libapache2-mod-php is not installed.
std::string php_module() {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/usr/lib/apache2/modules", ec)) {
    const auto name = entry.path().filename().string();
    if (name.starts_with("libphp") && entry.path().extension() == ".so") {
      return entry.path().string();
    }
  }
  return {};
}

// The real apache2 + mod_php (prefork) on a loopback port, with a configuration, pid file, logs
// and a one-page site of its own in a temporary directory (tests/test_apache.cpp has the full
// WordPress-shaped one). Every worker serves one connection and exits (MaxConnectionsPerChild 1),
// so that requests made after an attach are served by workers forked after it.
class SmallApache {
 public:
  SmallApache() : dir_("culprit-apache-unit"), port_(free_port()) {
    fs::create_directories(dir_ / "www/config");
    fs::create_directories(dir_ / "run");
    fs::create_directories(dir_ / "logs");
    // mkdtemp makes 0700 directories; the workers run as www-data and must traverse them.
    chmod(dir_.path().c_str(), 0755);
    write_text(www() + "/config/database.php", "<?php\n$db_host = 'localhost';\n");
    write_text(www() + "/app.php",
               "<?php\nrequire __DIR__ . '/config/databse.php';\necho \"ok\\n\";\n");
    run_command({"chmod", "-R", "a+rX", www()});
    const std::string d = dir_.path().string();
    write_text(conf(), "ServerName 127.0.0.1\nListen 127.0.0.1:" + std::to_string(port_) +
                           "\nPidFile " + d + "/run/apache2.pid\nDefaultRuntimeDir " + d +
                           "/run\nMutex file:" + d + "/run default\nErrorLog " + d +
                           "/logs/error.log\nLogLevel warn\nUser www-data\nGroup www-data\n"
                           "LoadModule mpm_prefork_module "
                           "/usr/lib/apache2/modules/mod_mpm_prefork.so\n"
                           "LoadModule authz_core_module "
                           "/usr/lib/apache2/modules/mod_authz_core.so\n"
                           "LoadModule php_module " +
                           php_module() +
                           "\nStartServers 1\nMinSpareServers 1\nMaxSpareServers 2\n"
                           "MaxRequestWorkers 8\nMaxConnectionsPerChild 1\nDocumentRoot " +
                           www() + "\n<Directory " + www() +
                           ">\n  Require all granted\n</Directory>\n<FilesMatch \"\\.php$\">\n  "
                           "SetHandler application/x-httpd-php\n</FilesMatch>\n");
  }
  ~SmallApache() { stop(); }
  SmallApache(const SmallApache&) = delete;
  SmallApache& operator=(const SmallApache&) = delete;

  [[nodiscard]] std::string www() const { return (dir_ / "www").string(); }
  [[nodiscard]] std::string conf() const { return (dir_ / "apache2.conf").string(); }
  [[nodiscard]] std::string url(const std::string& page) const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/" + page;
  }

  void start() {
    const auto r = run_command({"/usr/sbin/apache2", "-f", conf(), "-k", "start"});
    INFO(r.out << r.err << read_text(dir_ / "logs/error.log"));
    REQUIRE(r.exit_code == 0);
    started_ = true;
    for (int i = 0; i < 100 && status("app.php") == "000"; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    REQUIRE(status("app.php") == "500");
  }

  void stop() {
    if (!started_) {
      return;
    }
    started_ = false;
    const pid_t root = master();
    run_command({"/usr/sbin/apache2", "-f", conf(), "-k", "stop"});
    for (int i = 0; i < 100 && root > 0 && kill(root, 0) == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (root > 0 && kill(root, 0) == 0) {
      kill(root, SIGKILL);
    }
  }

  [[nodiscard]] pid_t master() const {
    const auto text = read_text(dir_ / "run/apache2.pid");
    return text.empty() ? -1 : static_cast<pid_t>(std::stol(text));
  }

  // The master and its live workers (an exited one not yet reaped is in no cgroup).
  [[nodiscard]] std::set<pid_t> pids() const {
    std::set<pid_t> out{master()};
    std::istringstream in(run_command({"pgrep", "-P", std::to_string(master())}).out);
    for (pid_t p = 0; in >> p;) {
      const std::string stat = read_text(fmt::format("/proc/{}/stat", p));
      const auto close = stat.rfind(')');
      if (close != std::string::npos && close + 2 < stat.size() && stat[close + 2] != 'Z') {
        out.insert(p);
      }
    }
    return out;
  }

  // The HTTP status of `page` as curl prints it ("000": no answer).
  [[nodiscard]] std::string status(const std::string& page) const {
    return run_command({"curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5",
                        url(page)})
        .out;
  }

 private:
  TempDir dir_;
  int port_;
  bool started_ = false;
};

// The processes in cgroup directory `dir`.
std::set<pid_t> cgroup_members(const std::string& dir) {
  std::set<pid_t> out;
  std::ifstream in(dir + "/cgroup.procs");
  for (pid_t p = 0; in >> p;) {
    out.insert(p);
  }
  return out;
}

}  // namespace

TEST_CASE("attach -u UNIT on the real Apache: a worker forked after the attach serves the 500") {
  if (geteuid() != 0) {
    CULPRIT_SKIP("starting Apache as www-data and making a cgroup need root");
  }
  if (!fs::exists("/usr/sbin/apache2") || php_module().empty() || !fs::exists("/usr/bin/curl")) {
    CULPRIT_SKIP("apache2, libapache2-mod-php or curl is missing (scripts/setup.sh installs them)");
  }
  // This machine's PID 1 need not be systemd: the unit is a cgroup of that name, made here as
  // systemd would (system.slice/UNIT), which is all culprit looks for without systemd.
  const std::string unit = "culprit-test-apache.service";
  const TestCgroup cgroup("system.slice/" + unit);
  if (!cgroup.ok()) {
    CULPRIT_SKIP("no mounted cgroup hierarchy lets this test make system.slice/" + unit);
  }
  SmallApache apache;  // stopped before the cgroup is removed
  apache.start();
  // The master first (workers it forks from then on are born in the cgroup), then its workers.
  for (int round = 0; round < 3; ++round) {
    for (const pid_t pid : apache.pids()) {
      cgroup.move(pid);
    }
  }
  const std::set<pid_t> before = cgroup_members(cgroup.dir());
  REQUIRE(before.count(apache.master()) == 1);
  REQUIRE(before == apache.pids());

  // Four requests one after another: workers serve one connection each and at most two idle ones
  // exist, so some request is served by a worker forked after the attach.
  const std::string curl = "curl -s -o /dev/null " + apache.url("app.php");
  const json report = attach_json(
      {"-u", unit, "--trigger", "for i in 1 2 3 4; do " + curl + "; done", "--settle", "1"});
  CHECK(report["source"]["inputs"] == json::array({"unit " + unit}));
  // Planted by hand: app.php requires config/databse.php; config/database.php exists.
  const std::string missing = apache.www() + "/config/databse.php";
  const json* found = nullptr;
  for (const auto& f : report["findings"]) {
    if (f["path"] == missing) {
      found = &f;
    }
  }
  INFO(report.dump(2));
  REQUIRE(found != nullptr);
  CHECK((*found)["kind"] == "mistyped-path");
  CHECK((*found)["suggestion"]["path"] == apache.www() + "/config/database.php");
  // Each request by its own worker (one connection each), none by the master.
  CHECK((*found)["pids"].size() == 4);
  bool new_worker = false;
  for (const auto& pid : (*found)["pids"]) {
    CHECK(pid.get<pid_t>() != apache.master());
    new_worker = new_worker || before.count(pid.get<pid_t>()) == 0;
  }
  CHECK(new_worker);
  apache.stop();
}
