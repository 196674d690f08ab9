// `culprit run` as a user meets it: how it ends (it never leaves a process that cannot make
// system calls), the command's own fate in the report and in culprit's exit status, commands that
// cannot be executed as findings, where the report goes, and the command-line conventions shared
// with strace. Every case runs the culprit binary on real programs; the expected answers are
// written from what the programs do.
#include <fcntl.h>
#include <fmt/format.h>
#include <pty.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "test_util.h"

namespace fs = std::filesystem;
using culprit::test::CommandResult;
using culprit::test::culprit_binary;
using culprit::test::read_text;
using culprit::test::run_command;
using culprit::test::TempDir;
using culprit::test::write_text;
using nlohmann::json;

namespace {

constexpr const char* kPython = "/usr/bin/python3";

// A program that keeps opening an existing file (every open is a call run's filter stops on) until
// it gets SIGTERM, SIGHUP or SIGINT or `seconds` pass. It then opens its result file, so that a
// call made after culprit stopped recording must succeed, writes "ok OPENS signals=[...]" and exits
// 7 after a signal, 5 after the time ran out. An open that fails (ENOSYS from a filter left without
// its tracer) is written as "FAIL ..." with exit 99. "started PID" is written once it runs.
constexpr const char* kLooper = R"(import os, signal, sys, time
got = []
def note(sig, frame):
    got.append(sig)
for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
    signal.signal(s, note)
out, seconds = sys.argv[1], float(sys.argv[2])
with open(out + ".started", "w") as f:
    f.write("started %d\n" % os.getpid())
end = time.time() + seconds
opens = 0
while time.time() < end and not got:
    try:
        with open("/etc/passwd") as f:
            f.read(16)
        opens += 1
    except OSError as e:
        with open(out, "w") as f:
            f.write("FAIL %s\n" % e)
        sys.exit(99)
    time.sleep(0.01)
time.sleep(0.2)  # a signal sent twice would arrive here
try:
    with open(out, "w") as f:
        f.write("ok %d signals=%s\n" % (opens, sorted(got)))
except OSError as e:
    sys.exit(98)
sys.exit(7 if got else 5)
)";

// Starts culprit with `args`, stdout and stderr to files, stdin from /dev/null.
pid_t start_culprit(const std::vector<std::string>& args, const fs::path& out, const fs::path& err,
                    bool own_group = false) {
  std::vector<std::string> argv{culprit_binary()};
  argv.insert(argv.end(), args.begin(), args.end());
  const pid_t pid = fork();
  if (pid == 0) {
    if (own_group) {
      setpgid(0, 0);  // culprit and the command it starts: one process group, as under timeout
    }
    const int in = open("/dev/null", O_RDONLY);
    const int o = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int e = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(in, 0);
    dup2(o, 1);
    dup2(e, 2);
    std::vector<char*> raw;
    raw.reserve(argv.size() + 1);
    for (auto& a : argv) {
      raw.push_back(a.data());
    }
    raw.push_back(nullptr);
    execv(raw[0], raw.data());
    _exit(126);
  }
  return pid;
}

// Waits up to `seconds` for `path` to exist.
bool wait_for_file(const fs::path& path, double seconds) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < until) {
    if (fs::exists(path) && fs::file_size(path) > 0) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

// waitpid with a deadline; -1 when the process did not end in time (it is then killed).
int wait_exit(pid_t pid, double seconds) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  int status = 0;
  while (std::chrono::steady_clock::now() < until) {
    if (waitpid(pid, &status, WNOHANG) == pid) {
      return status;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  return -1;
}

bool process_alive(pid_t pid) {
  const std::string stat = read_text(fmt::format("/proc/{}/stat", pid));
  if (stat.empty()) {
    return false;
  }
  const auto close_paren = stat.rfind(')');
  return close_paren != std::string::npos && close_paren + 2 < stat.size() &&
         stat[close_paren + 2] != 'Z' && stat[close_paren + 2] != 'X';
}

pid_t started_pid(const fs::path& out) {
  const std::string text = read_text(out.string() + ".started");
  return text.rfind("started ", 0) == 0 ? static_cast<pid_t>(std::stol(text.substr(8))) : -1;
}

json parse_json(const std::string& text) {
  INFO(text);
  return json::parse(text);
}

const json* finding_for(const json& report, const std::string& kind, const std::string& path) {
  for (const auto& f : report.at("findings")) {
    if (f.value("kind", "") == kind && f.value("path", "") == path) {
      return &f;
    }
  }
  return nullptr;
}

}  // namespace

TEST_CASE("run --duration: the report comes, the command runs on with working calls to its end") {
  TempDir dir("culprit-run");
  write_text(dir / "looper.py", kLooper);
  const auto out = dir / "result";
  const auto report = dir / "report.json";
  const auto started = std::chrono::steady_clock::now();
  const auto r = run_command({culprit_binary(), "run", "--duration", "0.4", "--exit-status",
                              "--format", "json", "-o", report.string(), "--", kPython,
                              (dir / "looper.py").string(), out.string(), "1.5"});
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  INFO(r.err);
  CHECK(r.exit_code == 5);  // the looper's own status: its time ran out
  CHECK(took >= 1.5);       // culprit stayed until the command ended
  const std::string result = read_text(out);
  CHECK(result.rfind("ok ", 0) == 0);
  const json doc = parse_json(read_text(report));
  CHECK(doc.at("command").at("state") == "running");
  CHECK(r.err.find("recording stopped") != std::string::npos);
  CHECK(r.err.find("left running") == std::string::npos);
  CHECK(r.err.find("exited with 5") != std::string::npos);
}

TEST_CASE("run: a stop signal sent to culprit reaches the command once: its calls still work") {
  for (const int sig : {SIGTERM, SIGHUP, SIGINT}) {
    DYNAMIC_SECTION("signal " << sig) {
      TempDir dir("culprit-run");
      write_text(dir / "looper.py", kLooper);
      const auto out = dir / "result";
      const pid_t culprit = start_culprit(
          {"run", "--exit-status", "--format", "json", "-o", (dir / "report.json").string(), "--",
           kPython, (dir / "looper.py").string(), out.string(), "20"},
          dir / "stdout", dir / "stderr");
      REQUIRE(wait_for_file(out.string() + ".started", 20));
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      kill(culprit, sig);
      const int status = wait_exit(culprit, 20);
      INFO(read_text(dir / "stderr"));
      REQUIRE(status != -1);
      REQUIRE(WIFEXITED(status));
      CHECK(WEXITSTATUS(status) == 7);
      const std::string result = read_text(out);
      CHECK(result.rfind("ok ", 0) == 0);
      CHECK(result.ends_with(fmt::format(" signals=[{}]\n", sig)));
      // The command ended within a moment of the signal: the report says how.
      const json doc = parse_json(read_text(dir / "report.json"));
      CHECK(doc.at("command").at("state") == "exited");
      CHECK(doc.at("command").value("exit_code", -1) == 7);
    }
  }
}

TEST_CASE("run: a signal to the whole process group (timeout, systemd) reaches the command once") {
  TempDir dir("culprit-run");
  write_text(dir / "looper.py", kLooper);
  const auto out = dir / "result";
  const pid_t culprit = start_culprit({"run", "--exit-status", "-q", "--", kPython,
                                       (dir / "looper.py").string(), out.string(), "20"},
                                      dir / "stdout", dir / "stderr", true);
  REQUIRE(wait_for_file(out.string() + ".started", 20));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  kill(-culprit, SIGTERM);
  const int status = wait_exit(culprit, 20);
  INFO(read_text(dir / "stderr"));
  REQUIRE(status != -1);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 7);
  CHECK(read_text(out).ends_with(fmt::format(" signals=[{}]\n", SIGTERM)));
}

TEST_CASE("run: ^C on the terminal reaches the command once, not again through culprit") {
  TempDir dir("culprit-run");
  write_text(dir / "looper.py", kLooper);
  const auto out = dir / "result";
  int master = -1;
  const pid_t culprit = forkpty(&master, nullptr, nullptr, nullptr);
  REQUIRE(culprit >= 0);
  if (culprit == 0) {
    const std::string binary = culprit_binary();
    const std::string script = (dir / "looper.py").string();
    const std::string report = (dir / "report.json").string();
    execl(binary.c_str(), binary.c_str(), "run", "--exit-status", "-q", "--format", "json", "-o",
          report.c_str(), "--", kPython, script.c_str(), out.c_str(), "20",
          static_cast<char*>(nullptr));
    _exit(126);
  }
  REQUIRE(wait_for_file(out.string() + ".started", 20));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  REQUIRE(write(master, "\x03", 1) == 1);
  // Drain the terminal so that nothing blocks on it.
  std::string seen;
  int status = -1;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < until) {
    char buf[512];
    fcntl(master, F_SETFL, O_NONBLOCK);
    const ssize_t n = read(master, buf, sizeof buf);
    if (n > 0) {
      seen.append(buf, static_cast<std::size_t>(n));
    }
    if (waitpid(culprit, &status, WNOHANG) == culprit) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  close(master);
  INFO(seen);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 7);
  const std::string result = read_text(out);
  CHECK(result.find(fmt::format("signals=[{}]", SIGINT)) != std::string::npos);
}

TEST_CASE("run: culprit SIGKILLed takes the command with it, never leaves it failing its calls") {
  TempDir dir("culprit-run");
  write_text(dir / "looper.py", kLooper);
  const auto out = dir / "result";
  const pid_t culprit =
      start_culprit({"run", "--", kPython, (dir / "looper.py").string(), out.string(), "20"},
                    dir / "stdout", dir / "stderr");
  REQUIRE(wait_for_file(out.string() + ".started", 20));
  const pid_t command = started_pid(out);
  REQUIRE(command > 0);
  kill(culprit, SIGKILL);
  REQUIRE(wait_exit(culprit, 10) != -1);
  bool gone = false;
  for (int i = 0; i < 200 && !gone; ++i) {
    gone = !process_alive(command);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(gone);
  CHECK(read_text(out).find("FAIL") == std::string::npos);
}

TEST_CASE(
    "run: the command's exit status or signal is in every report and, on request, culprit's") {
  SECTION("exit code") {
    const auto r =
        run_command({culprit_binary(), "run", "--format", "json", "--", "/bin/sh", "-c", "exit 3"});
    INFO(r.err);
    const json doc = parse_json(r.out);
    CHECK(doc.at("command").at("state") == "exited");
    CHECK(doc.at("command").at("exit_code") == 3);
    CHECK(doc.at("command").at("command") == "/bin/sh -c exit 3");
    const auto status = run_command(
        {culprit_binary(), "run", "--exit-status", "-q", "--", "/bin/sh", "-c", "exit 3"});
    CHECK(status.exit_code == 3);
    CHECK(status.err.find("Command: /bin/sh -c exit 3 exited with 3.") != std::string::npos);
  }
  SECTION("false") {
    const auto r = run_command({culprit_binary(), "run", "--format", "markdown", "--", "false"});
    CHECK(r.err.find("- **Command:** `false` exited with 1.") != std::string::npos);
  }
  SECTION("a signal") {
    const auto r = run_command({culprit_binary(), "run", "--exit-status", "--format", "json", "--",
                                "/bin/sh", "-c", "kill -TERM $$"});
    const json doc = parse_json(r.out);
    CHECK(doc.at("command").at("state") == "killed");
    CHECK(doc.at("command").at("signal") == "SIGTERM");
    CHECK(r.exit_code == 128 + SIGTERM);
  }
}

TEST_CASE("run: the report never mixes with the command's output") {
  SECTION("JSON on stdout, the command's stdout on stderr") {
    const auto r =
        run_command({culprit_binary(), "run", "--format", "json", "--", "echo", "hello"});
    CHECK_NOTHROW(json::parse(r.out));
    CHECK(r.err.find("hello\n") != std::string::npos);
  }
  SECTION("text: the command keeps stdout, the report is on stderr") {
    const auto r = run_command({culprit_binary(), "run", "--", "echo", "hello"});
    CHECK(r.out == "hello\n");
    CHECK(r.err.find("Command: echo hello exited with 0.") != std::string::npos);
  }
  SECTION("-o - is stdout") {
    const auto r = run_command({culprit_binary(), "run", "-o", "-", "--", "echo", "hello"});
    CHECK(r.out.find("Command: echo hello exited with 0.") != std::string::npos);
    CHECK(r.out.find("hello\n") == std::string::npos);
    CHECK(r.err.find("hello\n") != std::string::npos);
    CHECK_FALSE(fs::exists("-"));
  }
}

TEST_CASE("run: a command that cannot be executed is a finding, with the reason read from it") {
  TempDir dir("culprit-exec");
  auto run_json = [&](const std::string& program, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv{culprit_binary(), "run", "--exit-status", "--format", "json"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.emplace_back("--");
    argv.push_back(program);
    return run_command(argv);
  };
  SECTION("a mistyped #! interpreter") {
    const auto script = dir / "report.sh";
    write_text(script, "#!/usr/bin/pyhton3\nprint('hi')\n");
    fs::permissions(script, fs::perms(0755));
    const auto r = run_json(script.string());
    INFO(r.out << r.err);
    CHECK(r.exit_code == 127);
    const json doc = parse_json(r.out);
    CHECK(doc.at("command").at("state") == "not-started");
    const json* f = finding_for(doc, "bad-interpreter", "/usr/bin/pyhton3");
    REQUIRE(f != nullptr);
    CHECK(f->at("suggestion").at("path") == "/usr/bin/python3");
  }
  SECTION("DOS line endings: the fix converts the whole file, and the script then runs") {
    if (!fs::exists("/usr/bin/puppet")) {
      CULPRIT_SKIP("puppet is not installed (scripts/setup.sh installs it)");
    }
    const auto script = dir / "crlf.sh";
    // `set -e\r` fails in dash too: editing line 1 alone would not heal it.
    const std::string dos = "#!/bin/sh\r\nset -e\r\nexit 0\r\n";
    write_text(script, dos);
    fs::permissions(script, fs::perms(0755));
    const auto fix_sh = dir / "fix.sh";
    const auto fix_pp = dir / "fix.pp";
    const auto r =
        run_json(script.string(), {"--shell", fix_sh.string(), "--puppet", fix_pp.string()});
    INFO(r.out << r.err);
    const json doc = parse_json(r.out);
    const json* f = finding_for(doc, "bad-interpreter", "/bin/sh\r");
    REQUIRE(f != nullptr);
    CHECK(f->at("suggestion").at("path") == "/bin/sh");
    CHECK(f->at("fix").value("variant", "") == "dos-line-endings");
    REQUIRE(run_command({"/bin/sh", fix_sh.string()}).exit_code == 0);
    CHECK(read_text(script) == "#!/bin/sh\nset -e\nexit 0\n");
    CHECK(run_json(script.string()).exit_code == 0);
    // The manifest does the same, and a second run changes nothing.
    write_text(script, dos);
    CHECK(run_command({"puppet", "apply", "--detailed-exitcodes", fix_pp.string()}).exit_code == 2);
    CHECK(read_text(script) == "#!/bin/sh\nset -e\nexit 0\n");
    CHECK(run_command({"puppet", "apply", "--detailed-exitcodes", fix_pp.string()}).exit_code == 0);
  }
  SECTION("a binary whose ELF loader is missing") {
    if (!fs::exists("/usr/bin/patchelf")) {
      CULPRIT_SKIP("patchelf is not installed (scripts/setup.sh installs it)");
    }
    const auto binary = dir / "tool";
    fs::copy_file("/bin/true", binary);
    const auto patched = run_command(
        {"patchelf", "--set-interpreter", "/lib64/ld-culprit-missing.so.2", binary.string()});
    REQUIRE(patched.exit_code == 0);
    const auto r = run_json(binary.string());
    INFO(r.out << r.err);
    CHECK(r.exit_code == 127);
    const json doc = parse_json(r.out);
    const json* f = finding_for(doc, "bad-interpreter", "/lib64/ld-culprit-missing.so.2");
    REQUIRE(f != nullptr);
    CHECK(f->at("fix").value("variant", "") == "advise-loader");
  }
  SECTION("no x bit: the fix adds the owner's, and the command then runs") {
    const auto script = dir / "job.sh";
    write_text(script, "#!/bin/sh\nexit 0\n");
    fs::permissions(script, fs::perms(0644));
    const auto fix = dir / "fix.sh";
    const auto r = run_json(script.string(), {"--shell", fix.string()});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 126);
    const json doc = parse_json(r.out);
    const json* f = finding_for(doc, "permission-denied", script.string());
    REQUIRE(f != nullptr);
    CHECK(f->at("fix").value("variant", "") == "chmod");
    REQUIRE(run_command({"/bin/sh", fix.string()}).exit_code == 0);
    CHECK((fs::status(script).permissions() & fs::perms::all) == fs::perms(0744));
    CHECK(run_json(script.string()).exit_code == 0);
  }
}

TEST_CASE("run: a script on a noexec mount is a finding that names the mount") {
  TempDir dir("culprit-exec");
  const auto mnt = dir / "noexec";
  fs::create_directory(mnt);
  if (geteuid() != 0 || mount("tmpfs", mnt.c_str(), "tmpfs", MS_NOEXEC, "size=1m") != 0) {
    CULPRIT_SKIP("cannot mount a noexec tmpfs here");
  }
  write_text(mnt / "job.sh", "#!/bin/sh\nexit 0\n");
  fs::permissions(mnt / "job.sh", fs::perms(0755));
  const auto r = run_command({culprit_binary(), "run", "--exit-status", "--format", "json", "--",
                              (mnt / "job.sh").string()});
  umount(mnt.c_str());
  INFO(r.out << r.err);
  CHECK(r.exit_code == 126);
  const json doc = parse_json(r.out);
  const json* f = finding_for(doc, "permission-denied", (mnt / "job.sh").string());
  REQUIRE(f != nullptr);
  CHECK(f->value("explanation", "").find("mounted noexec") != std::string::npos);
}

TEST_CASE("command line: strace's -f, unknown words named, colour rules") {
  CHECK(run_command({culprit_binary(), "run", "-f", "-q", "--", "true"}).exit_code == 0);
  CHECK(run_command({culprit_binary(), "run", "-ff", "-q", "--", "true"}).exit_code == 0);
  const auto bogus = run_command({culprit_binary(), "bogus"});
  CHECK(bogus.exit_code == 2);
  CHECK(bogus.err.find("unknown command 'bogus'") != std::string::npos);
  const auto option = run_command({culprit_binary(), "--bogus"});
  CHECK(option.exit_code == 2);
  CHECK(option.err.find("'--bogus'") != std::string::npos);
  const auto sub = run_command({culprit_binary(), "run", "--bogus", "--", "true"});
  CHECK(sub.exit_code == 2);
  CHECK(sub.err.find("--bogus") != std::string::npos);
  const auto version = run_command({culprit_binary(), "--version"});
  CHECK(version.out.find("libseccomp: ") != std::string::npos);
  CHECK(version.out.find("kernel: ") != std::string::npos);
}

// The looper started untraced, for attach: returns once it is in its loop (it writes OUT when it
// ends, after 30 s or a SIGTERM).
boost::process::child start_attach_target(const fs::path& dir, const fs::path& out) {
  write_text(dir / "looper.py", kLooper);
  boost::process::child target(kPython, (dir / "looper.py").string(), out.string(), "30");
  REQUIRE(wait_for_file(out.string() + ".started", 20));
  return target;
}

// Ends the attach target (SIGTERM: it writes its result and exits 7) once culprit has reported,
// and returns the JSON report's "trigger".
json trigger_of(boost::process::child& target, const CommandResult& r) {
  kill(target.id(), SIGTERM);
  target.wait();
  UNSCOPED_INFO(r.out << r.err);
  return parse_json(r.out).at("trigger");
}

TEST_CASE("attach --trigger: the trigger's exit status and first lines of output are reported") {
  TempDir dir("culprit-trigger");
  const auto out = dir / "result";
  auto target = start_attach_target(dir.path(), out);
  const auto began = std::chrono::steady_clock::now();
  const auto r =
      run_command({culprit_binary(), "attach", "-p", std::to_string(target.id()), "--format",
                   "json", "--settle", "0.1", "--trigger",
                   "echo said-on-stdout; echo said-on-stderr >&2; sleep 40.25 & exit 3"});
  // The background sleep still holds the trigger's output open: that must not keep culprit.
  run_command({"pkill", "-f", "sleep 40.25"});
  const json trigger = trigger_of(target, r);
  CHECK(trigger.at("state") == "exited");
  CHECK(trigger.at("exit_code") == 3);
  CHECK(std::chrono::steady_clock::now() - began < std::chrono::seconds(30));  // not held for 40 s
  const auto& lines = trigger.at("output");
  CHECK(std::find(lines.begin(), lines.end(), "said-on-stdout") != lines.end());
  CHECK(std::find(lines.begin(), lines.end(), "said-on-stderr") != lines.end());
  CHECK(target.exit_code() == 7);  // detached cleanly: its signal handler ran, its open worked
  CHECK(read_text(out).rfind("ok ", 0) == 0);
}

TEST_CASE("attach --trigger killed by a signal is reported as killed, not as an exit status") {
  TempDir dir("culprit-trigger-killed");
  std::vector<std::string> backend;
  SECTION("ptrace") {}
  SECTION("eBPF, when built in and allowed") {
    if (run_command({culprit_binary(), "--version"}).out.find("ebpf") == std::string::npos ||
        geteuid() != 0) {
      CULPRIT_SKIP("this culprit has no eBPF backend, or this is not root");
    }
    backend = {"--backend", "ebpf"};
  }
  auto target = start_attach_target(dir.path(), dir / "result");
  std::vector<std::string> args{culprit_binary(),
                                "attach",
                                "-p",
                                std::to_string(target.id()),
                                "--format",
                                "json",
                                "--settle",
                                "0.1",
                                "--trigger",
                                "echo about-to-die; kill -TERM $$"};
  args.insert(args.end(), backend.begin(), backend.end());
  const json trigger = trigger_of(target, run_command(args));
  CHECK(trigger.at("state") == "killed");
  CHECK(trigger.at("signal") == "SIGTERM");
  CHECK_FALSE(trigger.contains("exit_code"));
  CHECK(target.exit_code() == 7);
}

TEST_CASE("attach --trigger: its exit status is read even when culprit inherits SIGCHLD ignored") {
  // A parent that ignores SIGCHLD passes that on across exec; the kernel would then reap the
  // trigger itself, and its status would be lost.
  TempDir dir("culprit-trigger-sigchld");
  auto target = start_attach_target(dir.path(), dir / "result");
  const std::string ignore_then_exec =
      "import os, signal, sys; signal.signal(signal.SIGCHLD, signal.SIG_IGN); "
      "os.execv(sys.argv[1], sys.argv[1:])";
  const auto r = run_command({kPython, "-c", ignore_then_exec, culprit_binary(), "attach", "-p",
                              std::to_string(target.id()), "--format", "json", "--settle", "0.1",
                              "--trigger", "echo done; exit 5"});
  const json trigger = trigger_of(target, r);
  CHECK(trigger.at("state") == "exited");
  CHECK(trigger.at("exit_code") == 5);
  CHECK(target.exit_code() == 7);
}

TEST_CASE("colour and warnings on a terminal: NO_COLOR, TERM=dumb, -v lists diagnostics once") {
  TempDir dir("culprit-tty");
  const auto log = dir / "cat.log";
  run_command({"strace", "-f", "-o", log.string(), "cat", (dir / "no-such-file").string()});
  REQUIRE(fs::exists(log));
  // One line that strace never writes, in the middle of a real log.
  std::string text = read_text(log);
  const auto second = text.find('\n', text.find('\n') + 1);
  text.insert(second + 1, "1234 this is not strace output ((\n");
  write_text(log, text);
  // The report on a terminal (script(1) makes one), with the environment given.
  auto on_tty = [&](const std::string& env, const std::string& args) {
    const std::string cmd = fmt::format("env -u NO_COLOR {} {} replay {} {}", env, culprit_binary(),
                                        args, log.string());
    return run_command({"script", "-qfec", cmd, "/dev/null"}).out;
  };
  CHECK(on_tty("TERM=xterm", "").find("\x1b[") != std::string::npos);
  CHECK(on_tty("TERM=dumb", "").find("\x1b[") == std::string::npos);
  CHECK(on_tty("TERM=xterm NO_COLOR=1", "").find("\x1b[") == std::string::npos);
  CHECK(on_tty("TERM=xterm NO_COLOR=1", "--color always").find("\x1b[") != std::string::npos);
  CHECK(on_tty("TERM=xterm", "--color never").find("\x1b[") == std::string::npos);
  // -v: the report lists the malformed line; it is not also printed as a warning.
  const std::string verbose = on_tty("TERM=dumb", "-v");
  const auto where = log.string() + ":3";
  std::size_t count = 0;
  for (auto at = verbose.find(where); at != std::string::npos; at = verbose.find(where, at + 1)) {
    ++count;
  }
  INFO(verbose);
  CHECK(count == 1);
  // Without -v the warning is the only place it appears.
  const std::string plain = on_tty("TERM=dumb", "");
  CHECK(plain.find(where) != std::string::npos);
}
