// Hardening: the real `culprit` binary on bad and hostile input. Bad input (empty, a directory,
// missing, binary, NUL bytes, invalid UTF-8, CRLF, a 10 MB line, cut-off logs, millions of
// distinct failures) must end with the documented exit code (0 no findings, 1 findings, 2 input
// error), a message naming the file (and line where there is one), valid JSON and bounded
// memory. Hostile file names, recorded by the real strace on real programs or traced live by
// `culprit run`, must come out of the report byte for byte, and the generated shell script and
// Puppet manifest must validate (bash -n, shellcheck, puppet parser validate, puppet-lint), fix
// the problem when run, and have no other side effect (no `pwned` file from a `$(touch pwned)`
// name).
#include <sys/stat.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "analyzer/core/quote.h"
#include "tests/test_util.h"

namespace fs = std::filesystem;
using culprit::test::culprit_binary;
using culprit::test::read_text;
using culprit::test::run_command;
using culprit::test::TempDir;
using culprit::test::write_text;
using nlohmann::json;

namespace {

const std::string kEnoent = " = -1 ENOENT (No such file or directory)";

std::string open_line(int pid, const std::string& escaped_path) {
  return std::to_string(pid) + " openat(AT_FDCWD, \"" + escaped_path + "\", O_RDONLY)" + kEnoent;
}

// culprit replay --format json --log-only FILE...
culprit::test::CommandResult replay_json(const std::vector<std::string>& files) {
  std::vector<std::string> args{culprit_binary(), "replay", "--format", "json", "--log-only"};
  args.insert(args.end(), files.begin(), files.end());
  return run_command(args);
}

// Parses a JSON report; fails the test (with the text) when it is not valid JSON (nlohmann also
// rejects invalid UTF-8, so this checks that too).
json parse_report(const std::string& text) {
  INFO(text.substr(0, 2000));
  REQUIRE_NOTHROW(json::parse(text));
  return json::parse(text);
}

bool has_finding(const json& report, const std::string& path) {
  for (const auto& f : report["findings"]) {
    if (f["path"] == path) {
      return true;
    }
  }
  return false;
}

// A string literal with its embedded NUL bytes (without the terminating one).
template <std::size_t N>
std::string bytes(const char (&literal)[N]) {
  return {literal, N - 1};
}

bool mentions(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}

// The malformed line FILE:LINE is reported: on stderr, or in the JSON report's diagnostics.
bool diagnosed(const culprit::test::CommandResult& r, const json& report, const std::string& file,
               std::uint64_t line) {
  if (mentions(r.err, file + ":" + std::to_string(line))) {
    return true;
  }
  if (report.contains("diagnostics")) {
    for (const auto& d : report["diagnostics"]) {
      if (d.value("line", std::uint64_t{0}) == line &&
          mentions(d.value("file", std::string()), file)) {
        return true;
      }
    }
  }
  return false;
}

// True when a file named exactly `name` exists anywhere under `dir`.
bool exists_under(const fs::path& dir, const std::string& name) {
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) {
      break;
    }
    if (it->path().filename() == name) {
      return true;
    }
  }
  return false;
}

}  // namespace

TEST_CASE("unreadable or non-log input exits 2 naming the file", "[hardening][input]") {
  TempDir dir("culprit-hard");
  SECTION("empty file") {
    write_text(dir / "empty.log", "");
    const auto r = run_command({culprit_binary(), "replay", (dir / "empty.log").string()});
    INFO(r.out << r.err);
    // An empty log is a wrong -o path or a strace that never ran; "no findings" would be a false
    // all-clear.
    CHECK(r.exit_code == 2);
    CHECK(mentions(r.err, "empty.log"));
  }
  SECTION("a directory instead of a file") {
    const auto r = run_command({culprit_binary(), "replay", dir.path().string()});
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK(mentions(r.err, dir.path().string()));
  }
  SECTION("missing file") {
    const auto r = run_command({culprit_binary(), "replay", (dir / "missing.log").string()});
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK(mentions(r.err, "missing.log"));
  }
  SECTION("binary garbage") {
    std::string garbage;
    std::uint32_t x = 2463534242U;
    for (int i = 0; i < 200000; ++i) {  // xorshift: every byte value, no line structure
      x ^= x << 13U;
      x ^= x >> 17U;
      x ^= x << 5U;
      garbage.push_back(static_cast<char>(x & 0xffU));
    }
    write_text(dir / "core.bin", garbage);
    const auto r = run_command({culprit_binary(), "replay", (dir / "core.bin").string()});
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK(mentions(r.err, "core.bin"));
    CHECK(r.out.empty());
  }
  SECTION("a good log followed by a missing one: still an input error") {
    write_text(dir / "good.log", open_line(1, "/srv/a.php") + "\n");
    const auto r = run_command(
        {culprit_binary(), "replay", (dir / "good.log").string(), (dir / "gone.log").string()});
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK(mentions(r.err, "gone.log"));
  }
}

TEST_CASE("damaged logs are analysed as far as they go", "[hardening][input]") {
  TempDir dir("culprit-hard");
  const std::string good = open_line(4242, "/srv/app/config.phpp");

  SECTION("NUL bytes inside lines") {
    std::string text = "4242 openat(AT_FDCWD, \"/etc/passwd\", O_RDONLY) = 3\n";
    text += bytes("4242 read(3, \"root:x:0:0\"..., 4096) = 4096\0\0\0 junk\n");
    text += bytes("4242 \0\0\0\0garbage line\0\n");
    text += good + "\n";
    write_text(dir / "nul.log", text);
    const auto r = replay_json({(dir / "nul.log").string()});
    INFO(r.err);
    REQUIRE(r.exit_code == 1);
    const json report = parse_report(r.out);
    CHECK(has_finding(report, "/srv/app/config.phpp"));
    CHECK(report["stats"]["malformed"].get<std::uint64_t>() >= 1);
    CHECK(diagnosed(r, report, "nul.log", 3));  // the garbage line, by file:line
  }

  SECTION("invalid UTF-8 in paths: the JSON stays valid and keeps the bytes") {
    // strace -x style and raw bytes (strace prints non-ASCII bytes as octal escapes by default,
    // but a log that went through another tool may hold them raw).
    write_text(dir / "latin1.log", open_line(7, "/srv/caf\\351/index.php") + "\n" +
                                       open_line(7, "/srv/raw\xff\xfe/x.php") + "\n");
    const auto r = replay_json({(dir / "latin1.log").string()});
    INFO(r.err);
    REQUIRE(r.exit_code == 1);
    const json report = parse_report(r.out);
    REQUIRE(report["findings"].size() >= 2);
    std::vector<std::string> escaped;
    for (const auto& f : report["findings"]) {
      REQUIRE(f.contains("path_escaped"));  // render.h: exact bytes beside a U+FFFD form
      escaped.push_back(f["path_escaped"]);
    }
    CHECK(std::find(escaped.begin(), escaped.end(),
                    culprit::analyzer::display_text("/srv/caf\351/index.php")) != escaped.end());
    CHECK(std::find(escaped.begin(), escaped.end(),
                    culprit::analyzer::display_text("/srv/raw\xff\xfe/x.php")) != escaped.end());
    // Text and Markdown outputs are valid UTF-8 too.
    for (const char* format : {"text", "markdown"}) {
      const auto t = run_command({culprit_binary(), "replay", "--format", format, "--log-only",
                                  (dir / "latin1.log").string()});
      INFO(format);
      CHECK(t.exit_code == 1);
      CHECK(culprit::analyzer::is_valid_utf8(t.out));
    }
  }

  SECTION("CRLF line ends") {
    write_text(dir / "crlf.log", "4242 openat(AT_FDCWD, \"/etc/passwd\", O_RDONLY) = 3\r\n" + good +
                                     "\r\n4242 +++ exited with 1 +++\r\n");
    const auto r = replay_json({(dir / "crlf.log").string()});
    INFO(r.err);
    REQUIRE(r.exit_code == 1);
    const json report = parse_report(r.out);
    REQUIRE_FALSE(report["findings"].empty());
    CHECK(report["findings"][0]["path"] == "/srv/app/config.phpp");  // no stray \r
    CHECK(report["findings"][0]["errno"] == "ENOENT");
    CHECK(report["stats"]["malformed"] == 0U);
  }

  SECTION("a 10 MB single line") {
    // A huge write() (strace -s 10000000) whose buffer looks like an error message, then the
    // failure; and a 10 MB line of junk.
    std::string big = "4242 write(2, \"PHP Warning:  ";
    big += std::string(10 * 1024 * 1024, 'x');
    big += " in /srv/app/index.php on line 3\\n\", 10485800) = 10485800\n";
    std::string junk(10 * 1024 * 1024, 'q');
    write_text(dir / "big.log", big + good + "\n" + junk + "\n" + good + "\n");
    const auto r = replay_json({(dir / "big.log").string()});
    INFO(r.err.substr(0, 2000));
    REQUIRE(r.exit_code == 1);
    const json report = parse_report(r.out);
    CHECK(has_finding(report, "/srv/app/config.phpp"));
    CHECK(report["stats"]["malformed"].get<std::uint64_t>() >= 1);
    CHECK(diagnosed(r, report, "big.log", 3));  // the junk line, by number
  }

  SECTION("truncated last line") {
    write_text(dir / "cut.log", good + "\n4242 openat(AT_FDCWD, \"/srv/other.php\", O_RDO");
    const auto r = replay_json({(dir / "cut.log").string()});
    INFO(r.err);
    REQUIRE(r.exit_code == 1);
    const json report = parse_report(r.out);
    CHECK(has_finding(report, "/srv/app/config.phpp"));
    CHECK_FALSE(has_finding(report, "/srv/other.php"));  // its result was never recorded
  }

  SECTION("<... resumed> without its start") {
    write_text(dir / "resumed.log",
               "4242 <... openat resumed>) = -1 ENOENT (No such file or directory)\n"
               "4243 <... read resumed>\"abc\", 3) = 3\n" +
                   good + "\n");
    const auto r = replay_json({(dir / "resumed.log").string()});
    INFO(r.err);
    REQUIRE(r.exit_code == 1);
    const json report = parse_report(r.out);
    CHECK(has_finding(report, "/srv/app/config.phpp"));
    CHECK(report["findings"].size() == 1);  // the orphan has no path: it cannot be a finding
  }

  SECTION("a log cut in the middle of a string") {
    write_text(dir / "midstring.log", good + "\n4242 write(2, \"PHP Fatal error:  require(): Fa");
    const auto r = replay_json({(dir / "midstring.log").string()});
    INFO(r.err);
    REQUIRE(r.exit_code == 1);
    const json report = parse_report(r.out);
    CHECK(has_finding(report, "/srv/app/config.phpp"));
    // And a log that is nothing but an unterminated string is not a crash either.
    write_text(dir / "only.log", "4242 openat(AT_FDCWD, \"/srv/a\\\"b");
    const auto r2 = replay_json({(dir / "only.log").string()});
    INFO(r2.err);
    CHECK((r2.exit_code == 0 || r2.exit_code == 2));
    if (r2.exit_code == 0) {
      parse_report(r2.out);
    } else {
      CHECK(mentions(r2.err, "only.log"));
    }
  }
}

TEST_CASE("millions of distinct failing paths: memory stays bounded, groups are capped",
          "[hardening][memory]") {
  TempDir dir("culprit-hard");
  const fs::path log = dir / "many.log";
  constexpr int kLines = 2'000'000;
  {
    std::ofstream out(log, std::ios::binary);
    std::string line;
    for (int i = 0; i < kLines; ++i) {
      line = std::to_string(1000 + i % 50) + " 12:00:00." + std::to_string(100000 + i % 900000) +
             " openat(AT_FDCWD, \"/srv/cache/d" + std::to_string(i % 1000) + "/f" +
             std::to_string(i) + ".tmp\", O_RDONLY)" + kEnoent + "\n";
      out << line;
    }
    REQUIRE(out.good());
  }
  // GNU time reports the child's peak RSS in KiB.
  const auto r = run_command({"/usr/bin/time", "-f", "culprit-maxrss-kb=%M", culprit_binary(),
                              "replay", "--format", "json", "--log-only", log.string()});
  const auto pos = r.err.rfind("culprit-maxrss-kb=");
  INFO(r.err.substr(0, 2000));
  REQUIRE(pos != std::string::npos);
  const long rss_kb = std::stol(r.err.substr(pos + 18));
  INFO("peak RSS " << rss_kb / 1024 << " MiB");
  REQUIRE(r.exit_code == 1);
#if defined(__SANITIZE_ADDRESS__)
  // ASan's shadow memory and quarantine (256 MiB by default) say nothing about culprit's own use.
  WARN("ASan build: peak RSS " << rss_kb / 1024 << " MiB not checked against the bound");
#else
  CHECK(rss_kb < 300L * 1024);
#endif
  const json report = parse_report(r.out);
  CHECK(report["stats"]["failed"] == static_cast<std::uint64_t>(kLines));
  REQUIRE(report["stats"].contains("groups_dropped"));
  const auto dropped = report["stats"]["groups_dropped"].get<std::uint64_t>();
  CHECK(dropped > 0);
  CHECK(dropped < static_cast<std::uint64_t>(kLines));
  // The text report tells the reader that groups were dropped, with the number.
  const auto text =
      run_command({culprit_binary(), "replay", "--format", "text", "--log-only", log.string()});
  CHECK(text.exit_code == 1);
  INFO(text.out.substr(0, 3000));
  CHECK(mentions(text.out, std::to_string(dropped)));
}

// ---- hostile file names through the real strace ----

namespace {

struct Hostile {
  const char* label;
  std::string stem;  // the file is STEM.php; the program asks for STEM.phpp
};

std::vector<Hostile> hostile_names() {
  return {
      {"single quote", "it's"},
      {"double quote", "say \"hi\""},
      {"command substitution", "$(touch pwned)"},
      {"backticks", "`touch pwned`"},
      {"semicolon", "a;touch pwned;b"},
      {"spaces", "with  two spaces "},
      {"tab", "tab\there"},
      {"percent and braces", "100% %s %n {} {0} {:>99999999} ${x}"},
      {"backslash", "back\\slash\\n"},
      {"leading dash", "-rf --help"},
      {"glob and sed metacharacters", "*[a-z]?.^$&|#,@!:+=~"},
      {"unicode", "caf\xc3\xa9-\xe6\x97\xa5\xe6\x9c\xac-\xf0\x9f\x94\xa5"},
      {"255-byte component", std::string(250, 'L')},  // "L...L.phpp" is 255 bytes
  };
}

// The program every hostile-name case runs: the shell reads the target path from CONF (so CONF
// is the referencing file, line 1) and opens it itself.
const std::vector<std::string> kOpenViaConf{"sh", "-c", "IFS= read -r p < \"$1\"; : < \"$p\"", "_"};

std::vector<std::string> open_via_conf(const fs::path& conf) {
  std::vector<std::string> argv = kOpenViaConf;
  argv.push_back(conf.string());
  return argv;
}

// Runs the program under the real strace, writing LOG.
int traced_open(const fs::path& log, const fs::path& conf, const fs::path& cwd) {
  std::vector<std::string> argv{"strace", "-f", "-tt", "-y", "-s", "256", "-o", log.string()};
  const auto program = open_via_conf(conf);
  argv.insert(argv.end(), program.begin(), program.end());
  return run_command(argv, cwd).exit_code;
}

// A broken site whose file name is hostile: DIR/site/.../STEM.php exists, DIR/site/app.conf
// names STEM.phpp. Every command runs in DIR/work, where a side effect would land.
struct HostileSite {
  fs::path dir, good, bad, conf, work, pp, sh;
};

HostileSite make_hostile_site(const TempDir& dir, const Hostile& h) {
  HostileSite s;
  s.dir = dir.path();
  const fs::path site = dir / "site";
  fs::path deep = site;
  if (h.stem.size() > 200) {
    // Bring the full path near PATH_MAX (4096 with its NUL) with 255-byte directories.
    for (char c = 'a'; c < 'a' + 14; ++c) {
      deep /= std::string(255, c);
    }
  }
  fs::create_directories(deep);
  s.good = deep / (h.stem + ".php");
  s.bad = deep / (h.stem + ".phpp");
  INFO("path length " << s.bad.string().size());
  REQUIRE(s.bad.string().size() < 4096);
  write_text(s.good, "<?php // the real file\n");
  s.conf = site / "app.conf";
  write_text(s.conf, s.bad.string() + "\n");
  s.work = dir / "work";
  fs::create_directories(s.work);
  s.pp = dir / "fix.pp";
  s.sh = dir / "fix.sh";
  return s;
}

// What `culprit ... --format json --puppet PP --shell SH` must have produced for the site: the
// exact path bytes in the top finding with the file and line that reference it; a script and a
// manifest that validate (bash -n, shellcheck, puppet parser validate, puppet-lint) and, each run
// on the broken site, fix the reference and do nothing else (no `pwned` file, no new file).
void check_hostile_report(const HostileSite& s, const culprit::test::CommandResult& r) {
  INFO(r.err);
  REQUIRE(r.exit_code == 1);
  const json report = parse_report(r.out);
  REQUIRE_FALSE(report["findings"].empty());
  const json& top = report["findings"][0];
  INFO(top.dump(2));
  // Byte-exact: JSON strings hold the UTF-8 bytes of the name.
  CHECK(top["path"].get<std::string>() == s.bad.string());
  CHECK(top["kind"] == "mistyped-path");
  REQUIRE(top["suggestion"].is_object());
  CHECK(top["suggestion"]["path"].get<std::string>() == s.good.string());
  REQUIRE(top["referenced_from"].is_object());
  CHECK(top["referenced_from"]["file"].get<std::string>() == s.conf.string());
  CHECK(top["referenced_from"]["line"] == 1);

  // The generated texts validate.
  const std::string script = read_text(s.sh);
  const std::string manifest = read_text(s.pp);
  INFO(script);
  INFO(manifest);
  CHECK(run_command({"bash", "-n", s.sh.string()}).exit_code == 0);
  const auto shellcheck = run_command({"shellcheck", "-s", "sh", s.sh.string()});
  INFO(shellcheck.out);
  CHECK(shellcheck.exit_code == 0);
  const auto validate = run_command({"puppet", "parser", "validate", s.pp.string()}, s.work);
  INFO(validate.out << validate.err);
  CHECK(validate.exit_code == 0);
  const auto lint = run_command({"puppet-lint", "--fail-on-warnings", s.pp.string()}, s.work);
  INFO(lint.out << lint.err);
  CHECK(lint.exit_code == 0);

  // Running them fixes the site and does nothing else.
  const std::string conf_before = read_text(s.conf);
  const auto ran = run_command({"sh", s.sh.string()}, s.work);
  INFO(ran.out << ran.err);
  CHECK(ran.exit_code == 0);
  CHECK(read_text(s.conf) == s.good.string() + "\n");
  CHECK(run_command(open_via_conf(s.conf), s.work).exit_code == 0);
  write_text(s.conf, conf_before);
  const auto applied =
      run_command({"puppet", "apply", "--detailed-exitcodes", s.pp.string()}, s.work);
  INFO(applied.out << applied.err);
  CHECK(applied.exit_code == 2);  // changes made, no failure
  CHECK(read_text(s.conf) == s.good.string() + "\n");
  CHECK(run_command(open_via_conf(s.conf), s.work).exit_code == 0);

  CHECK_FALSE(exists_under(s.dir, "pwned"));
  CHECK(fs::exists(s.good));
  CHECK_FALSE(fs::exists(s.bad));  // the fix edits the reference, it does not create files
}

}  // namespace

TEST_CASE("hostile file names recorded by the real strace are reported exactly and fixed safely",
          "[hardening][hostile][puppet]") {
  for (const auto& h : hostile_names()) {
    DYNAMIC_SECTION(h.label) {
      TempDir dir("culprit-hostile");
      const HostileSite s = make_hostile_site(dir, h);
      const fs::path log = dir / "trace.log";
      REQUIRE(traced_open(log, s.conf, s.work) != 0);  // the site is broken
      const auto r = run_command({culprit_binary(), "replay", "--format", "json", "--puppet",
                                  s.pp.string(), "--shell", s.sh.string(), log.string()},
                                 s.work);
      check_hostile_report(s, r);
    }
  }
}

TEST_CASE("hostile file names traced live by culprit run are reported exactly and fixed safely",
          "[hardening][hostile][puppet][live]") {
  for (const auto& h : hostile_names()) {
    DYNAMIC_SECTION(h.label) {
      TempDir dir("culprit-hostile");
      const HostileSite s = make_hostile_site(dir, h);
      std::vector<std::string> argv{culprit_binary(), "run",     "--format",    "json", "--puppet",
                                    s.pp.string(),    "--shell", s.sh.string(), "--"};
      const auto program = open_via_conf(s.conf);
      argv.insert(argv.end(), program.begin(), program.end());
      check_hostile_report(s, run_command(argv, s.work));
    }
  }
}

TEST_CASE("names that no fix can carry (newline, invalid UTF-8) are reported and stay inert",
          "[hardening][hostile][puppet]") {
  const std::vector<Hostile> names = {
      {"newline", "new\nline $(touch pwned)"},
      {"invalid UTF-8", "latin1-caf\xe9-\xff"},
  };
  for (const auto& h : names) {
    DYNAMIC_SECTION(h.label) {
      TempDir dir("culprit-hostile");
      const fs::path work = dir / "work";
      fs::create_directories(work);
      const fs::path bad = dir / (h.stem + ".phpp");
      write_text(dir / (h.stem + ".php"), "x\n");
      const fs::path log = dir / "trace.log";
      const auto traced = run_command(
          {"strace", "-f", "-o", log.string(), "sh", "-c", "cat -- \"$1\"", "_", bad.string()},
          work);
      REQUIRE(traced.exit_code != 0);
      const fs::path pp = dir / "fix.pp";
      const fs::path sh = dir / "fix.sh";
      const auto r = run_command({culprit_binary(), "replay", "--format", "json", "--puppet",
                                  pp.string(), "--shell", sh.string(), log.string()},
                                 work);
      INFO(r.err);
      REQUIRE(r.exit_code == 1);
      const json report = parse_report(r.out);
      const json& top = report["findings"][0];
      INFO(top.dump(2));
      if (culprit::analyzer::is_valid_utf8(bad.string())) {
        CHECK(top["path"].get<std::string>() == bad.string());
      } else {
        CHECK(top["path_escaped"].get<std::string>() ==
              culprit::analyzer::display_text(bad.string()));
      }
      CHECK(run_command({"bash", "-n", sh.string()}).exit_code == 0);
      const auto shellcheck = run_command({"shellcheck", "-s", "sh", sh.string()});
      INFO(read_text(sh) << shellcheck.out);
      CHECK(shellcheck.exit_code == 0);
      const auto validate = run_command({"puppet", "parser", "validate", pp.string()}, work);
      INFO(read_text(pp) << validate.out << validate.err);
      CHECK(validate.exit_code == 0);
      const auto lint = run_command({"puppet-lint", "--fail-on-warnings", pp.string()}, work);
      INFO(lint.out << lint.err);
      CHECK(lint.exit_code == 0);
      (void)run_command({"sh", sh.string()}, work);
      (void)run_command({"puppet", "apply", pp.string()}, work);
      CHECK_FALSE(exists_under(dir.path(), "pwned"));
      CHECK(fs::exists(dir / (h.stem + ".php")));
    }
  }
}
