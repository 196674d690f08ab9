// End to end: the culprit binary on the bundled real strace samples (samples/expected.json says
// what each must yield), on bad input, and on a log recorded here and now whose fix is applied
// with Puppet for real.
#include <sys/stat.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/test_util.h"

namespace fs = std::filesystem;
using culprit::test::culprit_binary;
using culprit::test::read_text;
using culprit::test::run_command;
using culprit::test::source_dir;
using culprit::test::TempDir;
using culprit::test::write_text;
using nlohmann::json;

namespace {

// samples/expected.json, plus one entry per live Apache sample (samples/live/*.json, written by
// samples/regenerate-apache.sh).
json expected_samples() {
  const auto text = read_text(source_dir() / "samples/expected.json");
  REQUIRE_FALSE(text.empty());
  json all = json::parse(text);
  const fs::path live = source_dir() / "samples/live";
  if (fs::is_directory(live)) {
    std::vector<fs::path> entries;
    for (const auto& e : fs::directory_iterator(live)) {
      if (e.path().extension() == ".json") {
        entries.push_back(e.path());
      }
    }
    std::sort(entries.begin(), entries.end());
    for (const auto& e : entries) {
      all.push_back(json::parse(read_text(e)));
    }
  }
  return all;
}

std::vector<std::string> replay_args(const json& sample) {
  std::vector<std::string> args{culprit_binary(), "replay", "--format", "json"};
  if (sample.value("log_only", false)) {
    args.push_back("--log-only");
  }
  if (sample.contains("root") && !sample["root"].is_null()) {
    args.push_back("--root");
    args.push_back((source_dir() / sample["root"].get<std::string>()).string());
  }
  for (const auto& log : sample["logs"]) {
    args.push_back((source_dir() / log.get<std::string>()).string());
  }
  return args;
}

bool suppressed_has(const json& report, const std::string& path) {
  for (const auto& s : report["suppressed"]) {
    if (s["path"] == path) {
      return true;
    }
  }
  return false;
}

bool findings_have(const json& report, const std::string& path) {
  for (const auto& f : report["findings"]) {
    if (f["path"] == path) {
      return true;
    }
  }
  return false;
}

void check_schema(const json& report) {
  REQUIRE(report["schema"] == "culprit.report/1");
  REQUIRE(report["source"]["mode"].is_string());
  REQUIRE(report["source"]["inputs"].is_array());
  REQUIRE(report["findings"].is_array());
  REQUIRE(report["suppressed"].is_array());
  for (const char* key : {"lines", "events", "failed", "suppressed", "malformed"}) {
    INFO(key);
    REQUIRE(report["stats"][key].is_number_unsigned());
  }
  for (const auto& f : report["findings"]) {
    for (const char* key : {"rank", "kind", "errno", "syscall", "path", "count", "pids",
                            "first_seen", "suggestion", "referenced_from", "explanation", "fix"}) {
      INFO(key);
      REQUIRE(f.contains(key));
    }
    REQUIRE(f["pids"].is_array());
    REQUIRE((f["first_seen"].is_null() || f["first_seen"].is_string()));
    REQUIRE((f["suggestion"].is_null() || f["suggestion"]["path"].is_string()));
    REQUIRE((f["referenced_from"].is_null() || f["referenced_from"]["line"].is_number()));
    REQUIRE((f["fix"].is_null() || f["fix"]["puppet"].is_string()));
  }
  for (const auto& s : report["suppressed"]) {
    for (const char* key : {"path", "errno", "count", "reason"}) {
      INFO(key);
      REQUIRE(s.contains(key));
    }
  }
}

}  // namespace

TEST_CASE("every bundled sample names the expected culprit as rank 1", "[samples]") {
  const json samples = expected_samples();
  REQUIRE(samples.size() >= 8);
  for (const auto& sample : samples) {
    const std::string name = sample["name"];
    DYNAMIC_SECTION(name) {
      const auto r = run_command(replay_args(sample));
      INFO(r.err);
      REQUIRE(r.exit_code == 1);
      const json report = json::parse(r.out);
      check_schema(report);
      REQUIRE(report["source"]["mode"] == "replay");
      REQUIRE_FALSE(report["findings"].empty());
      const json& top = report["findings"][0];
      INFO(top.dump(2));
      CHECK(top["rank"] == 1);
      CHECK(top["kind"] == sample["kind"]);
      CHECK(top["path"] == sample["path"]);
      if (sample.contains("errno") && !sample["errno"].is_null() &&
          sample["kind"] != "config-error") {
        CHECK(top["errno"] == sample["errno"]);
      }
      if (sample["suggestion"].is_null()) {
        CHECK(top["suggestion"].is_null());
      } else {
        REQUIRE(top["suggestion"].is_object());
        CHECK(top["suggestion"]["path"] == sample["suggestion"]);
      }
      if (!sample["referenced_from"].is_null()) {
        REQUIRE(top["referenced_from"].is_object());
        CHECK(top["referenced_from"]["file"] == sample["referenced_from"]["file"]);
        CHECK(top["referenced_from"]["line"] == sample["referenced_from"]["line"]);
      }
      CHECK_FALSE(top["explanation"].get<std::string>().empty());
      for (const auto& benign : sample["benign"]) {
        INFO("benign path " << benign);
        CHECK(suppressed_has(report, benign));
        CHECK_FALSE(findings_have(report, benign));
      }
      CHECK(report["stats"]["malformed"] == 0u);
    }
  }
}

TEST_CASE("generated fixes for every sample validate with puppet, puppet-lint and shellcheck",
          "[samples][fix]") {
  const json samples = expected_samples();
  TempDir dir("culprit-fixes");
  for (const auto& sample : samples) {
    const std::string name = sample["name"];
    const auto pp = dir / (name + ".pp");
    const auto sh = dir / (name + ".sh");
    auto args = replay_args(sample);
    args.insert(args.end(), {"--puppet", pp.string(), "--shell", sh.string(), "-o", "/dev/null"});
    const auto r = run_command(args);
    INFO(name << "\n" << r.err);
    REQUIRE(r.exit_code == 1);
    const auto manifest = read_text(pp);
    const auto script = read_text(sh);
    REQUIRE_FALSE(manifest.empty());
    REQUIRE(script.rfind("#!/bin/sh", 0) == 0);
    const auto validate = run_command({"puppet", "parser", "validate", pp.string()});
    INFO(manifest << validate.out << validate.err);
    CHECK(validate.exit_code == 0);
    const auto lint = run_command({"puppet-lint", "--fail-on-warnings", pp.string()});
    INFO(lint.out << lint.err);
    CHECK(lint.exit_code == 0);
    const auto shellcheck = run_command({"shellcheck", "-s", "sh", sh.string()});
    INFO(script << shellcheck.out);
    CHECK(shellcheck.exit_code == 0);
    CHECK(run_command({"sh", "-n", sh.string()}).exit_code == 0);
  }
}

TEST_CASE("the wp-typo sample is solved from the log alone", "[samples]") {
  const json samples = expected_samples();
  for (const auto& sample : samples) {
    if (sample["kind"] != "mistyped-path" || sample["suggestion"].is_null()) {
      continue;
    }
    std::vector<std::string> args{culprit_binary(), "replay", "--format", "json", "--log-only"};
    for (const auto& log : sample["logs"]) {
      args.push_back((source_dir() / log.get<std::string>()).string());
    }
    const auto r = run_command(args);
    INFO(sample["name"] << "\n" << r.err);
    REQUIRE(r.exit_code == 1);
    const json report = json::parse(r.out);
    const json& top = report["findings"][0];
    INFO(top.dump(2));
    CHECK(top["kind"] == "mistyped-path");
    CHECK(top["path"] == sample["path"]);
    CHECK(top["suggestion"]["path"] == sample["suggestion"]);
    CHECK(top["log_only"] == true);
    CHECK(top["explanation"].get<std::string>().find("log") != std::string::npos);
  }
}

TEST_CASE("text and markdown reports carry the essentials", "[samples]") {
  const json sample = expected_samples()[0];
  auto args = replay_args(sample);
  args[3] = "text";
  const auto text = run_command(args);
  REQUIRE(text.exit_code == 1);
  CHECK(text.out.find(sample["path"].get<std::string>()) != std::string::npos);
  CHECK(text.out.find("\x1b[") == std::string::npos);  // not a terminal: no colour
  args[3] = "markdown";
  const auto md = run_command(args);
  REQUIRE(md.exit_code == 1);
  for (const char* section : {"Issue Summary", "Timeline", "Root Cause", "Resolution",
                              "Corrective and Preventative Measures"}) {
    INFO(section);
    CHECK(md.out.find(section) != std::string::npos);
  }
}

TEST_CASE("bad input exits 2 with a message naming it", "[cli]") {
  TempDir dir;
  SECTION("missing file") {
    const auto r = run_command({culprit_binary(), "replay", (dir / "nope.log").string()});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("nope.log") != std::string::npos);
  }
  SECTION("a directory") {
    const auto r = run_command({culprit_binary(), "replay", dir.path().string()});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(dir.path().string()) != std::string::npos);
  }
  SECTION("binary garbage is not an strace log") {
    std::string garbage;
    for (int i = 0; i < 100000; ++i) {
      garbage.push_back(static_cast<char>((i * 7919 + 13) % 256));
    }
    write_text(dir / "garbage.bin", garbage);
    const auto r = run_command({culprit_binary(), "replay", (dir / "garbage.bin").string()});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("garbage.bin") != std::string::npos);
    CHECK(r.err.find("strace") != std::string::npos);
  }
  SECTION("usage errors") {
    CHECK(run_command({culprit_binary(), "replay"}).exit_code == 2);
    CHECK(run_command({culprit_binary(), "frobnicate"}).exit_code == 2);
    CHECK(run_command({culprit_binary(), "replay", "--format", "xml", "x.log"}).exit_code == 2);
  }
  SECTION("a malformed line is reported with file:line and the analysis goes on") {
    write_text(dir / "mixed.log",
               "1234 openat(AT_FDCWD, \"/etc/passwd\", O_RDONLY) = 3\n"
               "1234 this is not a syscall line at all ((((\n"
               "1234 openat(AT_FDCWD, \"/srv/app/config.phpp\", O_RDONLY) = -1 ENOENT (No such "
               "file or directory)\n");
    const auto r = run_command({culprit_binary(), "replay", "--format", "json", "--log-only",
                                (dir / "mixed.log").string()});
    INFO(r.err);
    REQUIRE(r.exit_code == 1);
    const json report = json::parse(r.out);
    CHECK(report["stats"]["malformed"] == 1u);
    CHECK(report["findings"][0]["path"] == "/srv/app/config.phpp");
    CHECK(r.err.find("mixed.log:2") != std::string::npos);
  }
  SECTION("a log that yields no system call exits 2 and says why, never 0") {
    write_text(dir / "halves.log", "1234 <... read resumed>\n1234 <... openat resumed>\n");
    const auto r = run_command({culprit_binary(), "replay", (dir / "halves.log").string()});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("no system call could be read from"));
    CHECK_THAT(r.err, Catch::Contains("halves.log"));
  }
  SECTION("a clean log has no findings and exits 0") {
    write_text(dir / "clean.log",
               "1234 openat(AT_FDCWD, \"/etc/passwd\", O_RDONLY) = 3\n1234 close(3) = 0\n"
               "1234 exit_group(0) = ?\n1234 +++ exited with 0 +++\n");
    const auto r = run_command({culprit_binary(), "replay", (dir / "clean.log").string()});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
  }
}

// strace -i (instruction pointers) and -k (a stack after every call), made here by the real
// strace: the calls are read past the "[00007f...]" prefix, the frames are not errors.
TEST_CASE("a log written with strace -i -k is read like any other", "[cli]") {
  TempDir dir;
  const fs::path log = dir / "ik.log";
  const std::string missing = (dir / "no-such-file.conf").string();
  const auto traced =
      run_command({"strace", "-f", "-i", "-k", "-o", log.string(), "cat", "--", missing});
  REQUIRE(traced.exit_code != 0);
  const std::string text = read_text(log);
  REQUIRE(text.find("] openat(") != std::string::npos);  // the -i prefix is there
  REQUIRE(text.find("\n > ") != std::string::npos);      // and the -k frames
  const auto r = run_command({culprit_binary(), "replay", "--format", "json", log.string()});
  INFO(r.err);
  REQUIRE(r.exit_code == 1);
  const json report = json::parse(r.out);
  CHECK(report["stats"]["malformed"] == 0u);
  CHECK(report["findings"][0]["path"] == missing);
  CHECK(report["findings"][0]["errno"] == "ENOENT");
}

// The postmortem's incident, recorded here: a multi-file PHP site whose settings file requires a
// mistyped name. strace records php-cli serving it; culprit replays the log against the live
// filesystem, writes a manifest; puppet applies it (change, then no change); the site works.
TEST_CASE("a fresh strace log of the mistyped require is fixed by the generated manifest",
          "[e2e][puppet]") {
  TempDir dir("culprit-e2e");
  const fs::path site = dir / "site";
  fs::create_directories(site / "wp-includes");
  write_text(site / "index.php", "<?php\nrequire __DIR__ . '/wp-settings.php';\necho \"ok\\n\";\n");
  std::string settings = "<?php\n// settings\ndefine('WPINC', 'wp-includes');\n";
  const char* parts[] = {"functions.php", "plugin.php", "class-wp-locale.php", "formatting.php"};
  for (const char* part : parts) {
    write_text(site / "wp-includes" / part, "<?php\n// " + std::string(part) + "\n");
    const std::string name =
        std::string(part) == "class-wp-locale.php" ? "class-wp-locale.phpp" : std::string(part);
    settings += "require __DIR__ . '/' . WPINC . '/" + name + "';\n";
  }
  // An unrelated comment that also mentions the bad token must stay as it is.
  settings += "// note: class-wp-locale.phpp was renamed long ago\n";
  write_text(site / "wp-settings.php", settings);

  const fs::path log = dir / "trace.log";
  auto traced = run_command({"strace", "-f", "-tt", "-T", "-y", "-s", "256", "-o", log.string(),
                             "php", "-d", "display_errors=stderr", (site / "index.php").string()});
  REQUIRE(traced.exit_code != 0);  // PHP fatal error: the site is broken

  const fs::path pp = dir / "fix.pp";
  const fs::path sh = dir / "fix.sh";
  const auto r = run_command({culprit_binary(), "replay", "--format", "json", "--puppet",
                              pp.string(), "--shell", sh.string(), log.string()});
  INFO(r.err);
  REQUIRE(r.exit_code == 1);
  const json report = json::parse(r.out);
  const json& top = report["findings"][0];
  INFO(top.dump(2));
  REQUIRE(top["kind"] == "mistyped-path");
  CHECK(top["path"] == (site / "wp-includes/class-wp-locale.phpp").string());
  CHECK(top["suggestion"]["path"] == (site / "wp-includes/class-wp-locale.php").string());
  CHECK(top["referenced_from"]["file"] == (site / "wp-settings.php").string());
  CHECK(top["referenced_from"]["line"] == 6);

  const auto apply1 = run_command({"puppet", "apply", "--detailed-exitcodes", pp.string()});
  INFO(read_text(pp) << apply1.out << apply1.err);
  CHECK(apply1.exit_code == 2);  // changes applied
  const auto fixed = read_text(site / "wp-settings.php");
  CHECK(fixed.find("WPINC . '/class-wp-locale.php';") != std::string::npos);
  CHECK(fixed.find("class-wp-locale.phpp was renamed") != std::string::npos);  // untouched
  const auto apply2 = run_command({"puppet", "apply", "--detailed-exitcodes", pp.string()});
  INFO(apply2.out << apply2.err);
  CHECK(apply2.exit_code == 0);  // nothing left to change
  const auto site_ok = run_command({"php", (site / "index.php").string()});
  CHECK(site_ok.exit_code == 0);
  CHECK(site_ok.out == "ok\n");

  // The shell script does the same on a fresh broken copy and is idempotent.
  write_text(site / "wp-settings.php", settings);
  const auto sh1 = run_command({"sh", sh.string()});
  INFO(read_text(sh) << sh1.out << sh1.err);
  CHECK(sh1.exit_code == 0);
  CHECK(read_text(site / "wp-settings.php") == fixed);
  const auto sh2 = run_command({"sh", sh.string()});
  CHECK(sh2.exit_code == 0);
  CHECK(read_text(site / "wp-settings.php") == fixed);
}

// One real program recorded under every strace flag set that changes what strace prints
// (tests/fixtures/formats/make.sh): `cat` of a file under a directory that does not exist, then
// `exit 3`. Written by hand from what the program does: every log names that file at rank 1,
// except the one without -f, where cat itself is not traced and nothing explains the exit.
TEST_CASE("strace flag sets: the same program gives the same answer", "[cli][formats]") {
  const fs::path dir = source_dir() / "tests/fixtures/formats";
  std::map<std::string, std::vector<std::string>> logs;  // recording -> its files (-ff: several)
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    const auto at = name.find(".log");
    if (at != std::string::npos) {
      logs[name.substr(0, at)].push_back(e.path().string());
    }
  }
  REQUIRE(logs.size() >= 25);
  for (auto& [name, files] : logs) {
    std::sort(files.begin(), files.end());
    std::vector<std::string> argv{culprit_binary(), "replay", "--format", "json"};
    argv.insert(argv.end(), files.begin(), files.end());
    const auto r = run_command(argv);
    INFO(name << ": exit " << r.exit_code << "\n" << r.err);
    REQUIRE((r.exit_code == 0 || r.exit_code == 1));
    const json report = json::parse(r.out);
    CHECK(report["stats"]["malformed"] == 0u);
    if (name == "plain") {
      CHECK(report["findings"].empty());
      continue;
    }
    REQUIRE_FALSE(report["findings"].empty());
    CHECK(report["findings"][0]["kind"] == "missing-directory");
    CHECK(report["findings"][0]["path"] == "/srv/culprit-formats/app.conf");
  }
}

TEST_CASE("a log without a pid column shows no made-up pid", "[cli]") {
  const auto r =
      run_command({culprit_binary(), "replay", "--log-only",
                   (source_dir() / "samples/corpus/logs/sh-cd-missing.plain.log").string()});
  REQUIRE(r.exit_code == 1);
  CHECK(r.out.find("chdir failed with ENOENT once\n") != std::string::npos);
  CHECK(r.out.find("pid 0") == std::string::npos);
}

// Logs kept compressed (logrotate, a colleague's attachment): gzip and zstd are read as they are,
// from a file or from stdin, and give the plain log's answer; a cut compressed file is an error
// that says so, never a partial "no finding".
TEST_CASE("gzip and zstd logs are read like the plain log", "[cli][compressed]") {
  TempDir dir;
  const fs::path plain = source_dir() / "samples/corpus/logs/php-require-typo.f-tt-T-y.log";
  const std::string text = read_text(plain);
  const fs::path log = dir / "trace.log";
  write_text(log, text);
  REQUIRE(run_command({"gzip", "-k", log.string()}).exit_code == 0);
  REQUIRE(run_command({"zstd", "-q", "-k", log.string()}).exit_code == 0);
  // Two gzip members one after another, as `cat a.gz b.gz` makes: the text of both.
  const auto half = text.find('\n', text.size() / 2) + 1;
  write_text(dir / "a", text.substr(0, half));
  write_text(dir / "b", text.substr(half));
  REQUIRE(
      run_command({"sh", "-c",
                   "cd '" + dir.path().string() + "' && gzip a b && cat a.gz b.gz > two.log.gz"})
          .exit_code == 0);
  auto rank1 = [](const std::vector<std::string>& args) {
    std::vector<std::string> argv{culprit_binary(), "replay", "--format", "json", "--log-only"};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto r = run_command(argv);
    INFO(r.err);
    REQUIRE(r.exit_code == 1);
    const json report = json::parse(r.out);
    CHECK(report["stats"]["malformed"] == 0u);
    return report["findings"][0]["path"].get<std::string>() + " " +
           std::to_string(report["stats"]["lines"].get<std::uint64_t>());
  };
  const std::string want = rank1({log.string()});
  CHECK(want.rfind("/srv/culprit-corpus/php-require-typo/lib/config.phpp ", 0) == 0);
  CHECK(rank1({(dir / "trace.log.gz").string()}) == want);
  CHECK(rank1({(dir / "trace.log.zst").string()}) == want);
  CHECK(rank1({(dir / "two.log.gz").string()}) == want);
  const auto piped = run_command({"sh", "-c",
                                  "gzip -c < '" + log.string() + "' | '" + culprit_binary() +
                                      "' replay --format json --log-only -"});
  REQUIRE(piped.exit_code == 1);
  CHECK(json::parse(piped.out)["findings"][0]["path"] ==
        "/srv/culprit-corpus/php-require-typo/lib/config.phpp");

  // Cut in the middle: exit 2, the message names the file and the reason.
  const std::string gz = read_text(dir / "trace.log.gz");
  write_text(dir / "cut.log.gz", gz.substr(0, gz.size() / 2));
  const auto cut = run_command({culprit_binary(), "replay", (dir / "cut.log.gz").string()});
  CHECK(cut.exit_code == 2);
  CHECK(cut.err.find("cut.log.gz") != std::string::npos);
  CHECK(cut.err.find("truncated") != std::string::npos);
}

// The progress line exists only on a terminal: run under script(1), which gives culprit a pty.
// --progress-after 0 makes it appear on a small log (normally it waits a second).
TEST_CASE("the progress line is drawn on a terminal, cleared, and absent elsewhere",
          "[cli][progress]") {
  TempDir dir;
  const std::string log =
      (source_dir() / "samples/corpus/logs/php-require-typo.f-tt-T-y.log").string();
  auto on_tty = [&](const std::string& flags, const std::string& term) {
    const std::string cmd = "TERM=" + term + " '" + culprit_binary() + "' replay --log-only " +
                            flags + " '" + log + "' > '" + (dir / "report").string() + "'";
    const auto r = run_command({"script", "-qfec", cmd, "/dev/null"});
    return r.out;
  };
  const std::string shown = on_tty("--progress-after 0", "xterm");
  CHECK(shown.find("culprit: reading 0.3 MB of 0.3 MB (") != std::string::npos);
  CHECK(shown.find("failed call") != std::string::npos);
  // Cleared before anything else is printed: the last thing on the terminal is the clearing.
  CHECK(shown.size() >= 4);
  CHECK(shown.substr(shown.size() - 4) == "\r\x1b[K");
  CHECK(read_text(dir / "report").find("#1 mistyped-path") != std::string::npos);

  const std::string dumb = on_tty("--progress-after 0", "dumb");
  CHECK(dumb.find("culprit: reading") != std::string::npos);
  CHECK(dumb.find("\x1b[") == std::string::npos);  // no cursor control on a dumb terminal

  CHECK(on_tty("--progress-after 0 --quiet", "xterm").find("culprit: reading") ==
        std::string::npos);
  // Not a terminal: never.
  const auto piped =
      run_command({culprit_binary(), "replay", "--log-only", "--progress-after", "0", log});
  CHECK(piped.err.find("culprit: reading") == std::string::npos);
}

// A paste typed or piped into `culprit replay -` arrives a few lines at a time: the damage is
// judged on the input's start, not on whatever the first read() returned.
TEST_CASE("a pasted log read from a slow pipe is judged on its start", "[cli][pasted]") {
  const std::string log =
      (source_dir() / "samples/pasted/logs/py-connect-refused.mail-quote.txt").string();
  const auto r = run_command({"sh", "-c",
                              "(head -3 '" + log + "'; sleep 0.3; tail -n +4 '" + log + "') | '" +
                                  culprit_binary() + "' replay --log-only --format json -"});
  INFO(r.err);
  REQUIRE(r.exit_code == 1);
  CHECK(json::parse(r.out)["findings"][0]["path"] == "127.0.0.1:18931");
}
