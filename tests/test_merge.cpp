// culprit merge: grouping across hosts (from real replays under --host-name), the newest report of
// a host, reports that are not reports, the merged manifest and script (titles renamed, the reload
// declared once, puppet-lint, a real compile), hostile host names and paths, and a report whose
// fix text tries to leave its guard. Expected answers are written by hand.
#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "analyzer/core/finding.h"
#include "analyzer/fix/fix.h"
#include "analyzer/fleet/fleet.h"
#include "analyzer/render/render.h"
#include "test_util.h"

namespace fs = std::filesystem;
using culprit::analyzer::Finding;
using culprit::analyzer::FindingKind;
using culprit::analyzer::Report;
using culprit::analyzer::SourceLocation;
using culprit::test::culprit_binary;
using culprit::test::read_text;
using culprit::test::run_command;
using culprit::test::source_dir;
using culprit::test::TempDir;
using culprit::test::write_text;
using json = nlohmann::json;

namespace {

std::string describe(const culprit::test::CommandResult& r) {
  return fmt::format("exit {}\nstdout:\n{}\nstderr:\n{}", r.exit_code, r.out, r.err);
}

// `culprit replay SAMPLE --host-name HOST --root samples/root/SCENARIO -F json -o OUT`.
fs::path replay_as(const TempDir& dir, const std::string& host, const std::string& sample,
                   const std::string& scenario) {
  const fs::path out = dir / (host + ".json");
  const auto r =
      run_command({culprit_binary(), "replay", (source_dir() / "samples" / sample).string(),
                   "--root", (source_dir() / "samples/root" / scenario).string(), "--host-name",
                   host, "-F", "json", "-o", out.string(), "-q"});
  INFO(describe(r));
  REQUIRE(r.exit_code == 1);
  return out;
}

culprit::test::CommandResult merge(const std::vector<std::string>& args) {
  std::vector<std::string> argv{culprit_binary(), "merge"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv);
}

bool have(const char* tool) { return !boost::process::search_path(tool).empty(); }

Finding mistyped(const std::string& dir, const std::string& referrer, std::uint64_t line,
                 const std::string& bad, const std::string& good) {
  Finding f;
  f.kind = FindingKind::MistypedPath;
  f.errno_name = "ENOENT";
  f.syscall = "openat";
  f.path = dir + "/" + bad;
  f.count = 1;
  f.pids = {4242};
  f.suggestion = dir + "/" + good;
  f.referenced_from = SourceLocation{referrer, line, "x " + bad};
  f.bad_token = bad;
  f.good_token = good;
  f.explanation = "a name is mistyped";
  return f;
}

// A culprit.report/1 document made by the real fixer and renderer from `findings`.
std::string report_json(const std::string& host, std::vector<Finding> findings,
                        const std::string& generated_at = "2026-12-05T01:00:00Z") {
  Report report;
  report.mode = "replay";
  report.host = host;
  report.generated_at = generated_at;
  report.inputs = {"trace.log"};
  report.findings = std::move(findings);
  for (std::size_t i = 0; i < report.findings.size(); ++i) {
    report.findings[i].rank = static_cast<int>(i + 1);
  }
  culprit::analyzer::attach_fixes(report, culprit::analyzer::builtin_fix_templates());
  return culprit::analyzer::render_json(report);
}

void check_manifest_parses(const fs::path& manifest) {
  if (!have("puppet")) {
    return;
  }
  const auto r = run_command({"puppet", "parser", "validate", manifest.string()});
  INFO(read_text(manifest) << describe(r));
  CHECK(r.exit_code == 0);
}

}  // namespace

TEST_CASE("the same finding on several hosts is one group", "[merge]") {
  TempDir dir("culprit-merge");
  const auto a = replay_as(dir, "web-a", "wp-typo.f-tt-T-y.log", "wp-typo");
  const auto b = replay_as(dir, "web-b", "wp-typo.f-ttt.log", "wp-typo");
  const auto c = replay_as(dir, "web-c", "missing-dir.f-tt-T.log", "missing-dir");
  const auto r = merge({a.string(), b.string(), c.string(), "-F", "json"});
  INFO(describe(r));
  REQUIRE(r.exit_code == 1);
  const json doc = json::parse(r.out);
  CHECK(doc["schema"] == "culprit.merge/1");
  REQUIRE(doc["groups"].size() == 2);
  const json& typo = doc["groups"][0];
  CHECK(typo["kind"] == "mistyped-path");
  CHECK(typo["path"] == "/srv/culprit-demo/wp-typo/wp-includes/class-wp-locale.phpp");
  CHECK(typo["count"] == 2);
  CHECK(typo["of"] == 3);
  CHECK(typo["hosts"] == json::array({"web-a", "web-b"}));
  CHECK(typo["errno"] == "ENOENT");
  CHECK(typo["best_rank"] == 1);
  // Both logs ask for the same edit: one fix, for both hosts.
  REQUIRE(typo["fixes"].size() == 1);
  CHECK(typo["fixes"][0]["hosts"] == json::array({"web-a", "web-b"}));
  CHECK(typo["fixes"][0]["variant"] == "edit-line");
  const json& dir_group = doc["groups"][1];
  CHECK(dir_group["kind"] == "missing-directory");
  CHECK(dir_group["path"] == "/srv/culprit-demo/missing-dir/logs/app.log");
  CHECK(dir_group["hosts"] == json::array({"web-c"}));
  CHECK(doc["clean_hosts"].empty());

  SECTION("text") {
    const auto t = merge({a.string(), b.string(), c.string()});
    CHECK_THAT(t.out, Catch::Contains("#1 mistyped-path  "
                                      "/srv/culprit-demo/wp-typo/wp-includes/class-wp-locale.phpp"
                                      "  on 2 of 3 hosts"));
    CHECK_THAT(t.out, Catch::Contains("  Hosts:  web-a, web-b\n"));
    CHECK_THAT(t.out, Catch::Contains("on 1 of 3 hosts"));
  }
  SECTION("a directory, stdin, and a host list cut in text") {
    const auto t = run_command({"sh", "-c",
                                fmt::format("'{}' merge '{}' - --max-hosts 1 < '{}'",
                                            culprit_binary(), dir.path().string(), a.string())});
    INFO(describe(t));
    // web-a comes twice (the directory and stdin): one host, the later report kept.
    CHECK_THAT(t.out, Catch::Contains("on 2 of 3 hosts"));
    CHECK_THAT(t.out, Catch::Contains("  Hosts:  web-a and 1 more\n"));
    CHECK_THAT(t.err, Catch::Contains("two reports from web-a"));
  }
  SECTION("markdown") {
    const auto t = merge({a.string(), b.string(), c.string(), "-F", "markdown"});
    CHECK_THAT(t.out, Catch::Contains("| 1 | mistyped\\-path |"));
    CHECK_THAT(t.out, Catch::Contains("2 of 3: web\\-a, web\\-b"));
  }
  SECTION("the merged JSON validates against docs/merge.schema.json") {
    if (!have("python3") || run_command({"python3", "-c", "import jsonschema"}).exit_code != 0) {
      CULPRIT_SKIP("python3-jsonschema is missing");
    }
    write_text(dir / "merged.json", r.out);
    const auto v = run_command(
        {"python3", (source_dir() / "tests/schema/validate_reports.py").string(),
         (source_dir() / "docs/merge.schema.json").string(), (dir / "merged.json").string()});
    INFO(describe(v));
    CHECK(v.exit_code == 0);
    // And the schema catches a document that breaks it.
    json broken = doc;
    broken["groups"][0].erase("hosts");
    write_text(dir / "broken.json", broken.dump());
    CHECK(run_command({"python3", (source_dir() / "tests/schema/validate_reports.py").string(),
                       (source_dir() / "docs/merge.schema.json").string(),
                       (dir / "broken.json").string()})
              .exit_code == 1);
  }
}

TEST_CASE("two reports from one host: the newer is used, whatever the order", "[merge]") {
  TempDir dir("culprit-merge");
  const std::string old_report =
      report_json("db-1", {mistyped("/srv/a", "/srv/a/index.php", 3, "old.phpp", "old.php")},
                  "2026-12-04T08:00:00Z");
  const std::string new_report = report_json("db-1", {}, "2026-12-05T09:30:00Z");
  write_text(dir / "old.json", old_report);
  write_text(dir / "new.json", new_report);
  for (const auto& order : {std::vector<std::string>{"old.json", "new.json"},
                            std::vector<std::string>{"new.json", "old.json"}}) {
    const auto r = merge({(dir / order[0]).string(), (dir / order[1]).string(), "-F", "json"});
    INFO(describe(r));
    CHECK(r.exit_code == 0);  // the newer report has no finding
    const json doc = json::parse(r.out);
    CHECK(doc["groups"].empty());
    CHECK(doc["clean_hosts"] == json::array({"db-1"}));
    REQUIRE(doc["replaced"].size() == 1);
    CHECK(doc["replaced"][0]["report"] == (dir / "old.json").string());
    CHECK(doc["replaced"][0]["kept"] == (dir / "new.json").string());
    CHECK_THAT(r.err, Catch::Contains("two reports from db-1"));
  }
}

TEST_CASE("what is not a culprit report is an error naming the file", "[merge]") {
  TempDir dir("culprit-merge");
  const std::string good = report_json("ok-1", {});
  write_text(dir / "good.json", good);
  json wrong_schema = json::parse(good);
  wrong_schema["schema"] = "culprit.report/2";
  json no_host = json::parse(good);
  no_host["source"]["host"] = nullptr;
  json bad_findings = json::parse(good);
  bad_findings["findings"] = "none";
  json bad_finding = json::parse(good);
  bad_finding["findings"] = json::array({json{{"kind", 3}}});
  json bad_fix =
      json::parse(report_json("ok-2", {mistyped("/a", "/a/i.php", 1, "x.phpp", "x.php")}));
  bad_fix["findings"][0]["fix"]["puppet"] = json::array();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"not-json.json", "{\"schema\": "},         {"array.json", "[1, 2]"},
      {"wrong-schema.json", wrong_schema.dump()}, {"no-host.json", no_host.dump()},
      {"bad-findings.json", bad_findings.dump()}, {"bad-finding.json", bad_finding.dump()},
      {"bad-fix.json", bad_fix.dump()},           {"empty.json", ""},
  };
  for (const auto& [name, text] : cases) {
    write_text(dir / name, text);
    const auto r = merge({(dir / "good.json").string(), (dir / name).string()});
    INFO(name << "\n" << describe(r));
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains((dir / name).string()));
    CHECK(r.out.empty());
  }
  const auto missing = merge({(dir / "absent.json").string()});
  CHECK(missing.exit_code == 2);
  CHECK_THAT(missing.err, Catch::Contains("cannot read " + (dir / "absent.json").string()));
  fs::create_directory(dir / "empty-dir");
  const auto empty_dir = merge({(dir / "empty-dir").string()});
  CHECK(empty_dir.exit_code == 2);
  CHECK_THAT(empty_dir.err, Catch::Contains("no *.json report"));
}

TEST_CASE("one manifest: titles renamed per group, the reload declared once", "[merge][puppet]") {
  TempDir dir("culprit-merge");
  // Both reports' first finding is titled culprit-mistyped-path-1; both edit Apache's
  // configuration, so both notify the one reload. web-1 has both faults, web-2 one of them.
  const auto conf_a = mistyped("/usr/lib/apache2/modules", "/etc/apache2/mods-enabled/php.load", 1,
                               "mod_php.soo", "mod_php.so");
  const auto conf_b = mistyped("/usr/lib/apache2/modules", "/etc/apache2/mods-enabled/rw.load", 1,
                               "mod_rewrite.soo", "mod_rewrite.so");
  write_text(dir / "web-1.json", report_json("web-1", {conf_a, conf_b}));
  write_text(dir / "web-2.json", report_json("web-2", {conf_b}));
  const auto r = merge({dir.path().string(), "--top", "2", "--manifest",
                        (dir / "fleet.pp").string(), "--script", (dir / "fleet.sh").string()});
  INFO(describe(r));
  REQUIRE(r.exit_code == 1);
  const std::string pp = read_text(dir / "fleet.pp");
  INFO(pp);
  // Groups: rw.load on 2 hosts first, php.load on 1.
  CHECK_THAT(pp, Catch::Contains("$culprit_on_1 = ['web-1', 'web-2']"));
  CHECK_THAT(pp, Catch::Contains("$culprit_on_2 = ['web-1']"));
  CHECK_THAT(pp, Catch::Contains("exec { 'culprit-mistyped-path-g1':"));
  CHECK_THAT(pp, Catch::Contains("exec { 'culprit-mistyped-path-g2':"));
  CHECK_THAT(pp,
             Catch::Contains("Exec['culprit-mistyped-path-g1'] ~> Exec['culprit-reload-apache2']"));
  CHECK_THAT(pp,
             Catch::Contains("Exec['culprit-mistyped-path-g2'] ~> Exec['culprit-reload-apache2']"));
  CHECK_FALSE(Catch::Contains("culprit-mistyped-path-1'").match(pp));
  std::size_t reloads = 0;
  for (auto at = pp.find("exec { 'culprit-reload-apache2':"); at != std::string::npos;
       at = pp.find("exec { 'culprit-reload-apache2':", at + 1)) {
    ++reloads;
  }
  CHECK(reloads == 1);
  CHECK_THAT(pp, Catch::Contains("$culprit_on_shared_1 = ['web-1', 'web-2']"));
  const std::string sh = read_text(dir / "fleet.sh");
  CHECK_THAT(sh, Catch::Contains("  'web-1'|'web-2')\n"));
  check_manifest_parses(dir / "fleet.pp");
  if (have("puppet-lint")) {
    const auto lint =
        run_command({"puppet-lint", "--fail-on-warnings", (dir / "fleet.pp").string()});
    INFO(describe(lint));
    CHECK(lint.exit_code == 0);
  }
  CHECK(run_command({"sh", "-n", (dir / "fleet.sh").string()}).exit_code == 0);
  if (have("shellcheck")) {
    const auto sc = run_command({"shellcheck", "-s", "sh", (dir / "fleet.sh").string()});
    INFO(describe(sc));
    CHECK(sc.exit_code == 0);
  }
  // The catalog of web-1 holds both fixes and the reload once: it compiles (a duplicate
  // declaration would fail here). --noop: nothing on this machine is touched.
  if (have("puppet")) {
    for (const char* host : {"web-1", "web-2", "web-9"}) {
      const auto apply = run_command({"puppet", "apply", "--noop", "--color=false", "--certname",
                                      host, (dir / "fleet.pp").string()});
      INFO(host << "\n" << describe(apply));
      CHECK(apply.exit_code == 0);
      CHECK_FALSE(Catch::Contains("Duplicate declaration").match(apply.err));
    }
  }
}

TEST_CASE("hostile host names and paths reach the manifest and the script as data",
          "[merge][hostile]") {
  TempDir dir("culprit-merge");
  const fs::path marker = dir / "pwned";
  const std::string payload = fmt::format("$(touch {0})`touch {0}`${{x}}", marker.string());
  const std::vector<std::string> hosts = {
      "web'1" + payload, "web\"2\n" + payload + "';\ntouch " + marker.string() + "\n'",
      "web-3 ${facts} \\ }{ ;; esac"};
  const std::string site = (dir / ("site '" + payload + "\"\nline two")).string();
  fs::create_directories(site);
  write_text(site + "/index.php", "require 'a.phpp';\n");
  write_text(site + "/a.php", "<?php\n");
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    write_text(dir / fmt::format("r{}.json", i),
               report_json(hosts[i], {mistyped(site, site + "/index.php", 1, "a.phpp", "a.php")}));
  }
  const auto r = merge({(dir / "r0.json").string(), (dir / "r1.json").string(),
                        (dir / "r2.json").string(), "--manifest", (dir / "fleet.pp").string(),
                        "--script", (dir / "fleet.sh").string(), "-F", "json"});
  INFO(describe(r));
  REQUIRE(r.exit_code == 1);
  const json doc = json::parse(r.out);
  REQUIRE(doc["groups"].size() == 1);
  CHECK(doc["groups"][0]["count"] == 3);
  check_manifest_parses(dir / "fleet.pp");
  const auto n = run_command({"sh", "-n", (dir / "fleet.sh").string()});
  INFO(read_text(dir / "fleet.sh") << describe(n));
  CHECK(n.exit_code == 0);
  // Running the script as another host, and as each hostile one, runs nothing of the payload;
  // as a hostile host it makes the (hostile-named) site's edit.
  const auto other = run_command({"env", "CULPRIT_HOST=web-9", "sh", (dir / "fleet.sh").string()});
  CHECK(other.exit_code == 0);
  CHECK(read_text(site + "/index.php") == "require 'a.phpp';\n");
  for (const auto& host : hosts) {
    const auto as_host =
        run_command({"env", "CULPRIT_HOST=" + host, "sh", (dir / "fleet.sh").string()});
    INFO(describe(as_host));
    CHECK(as_host.exit_code == 0);
  }
  CHECK(read_text(site + "/index.php") == "require 'a.php';\n");
  // puppet compiles every guard (the host lists are evaluated) without running the payload.
  if (have("puppet")) {
    const auto apply = run_command({"puppet", "apply", "--noop", "--color=false", "--certname",
                                    "web-9", (dir / "fleet.pp").string()});
    INFO(describe(apply));
    CHECK(apply.exit_code == 0);
  }
  CHECK_FALSE(fs::exists(marker));
}

TEST_CASE("a fix text that would leave its guard is left out", "[merge][hostile]") {
  using culprit::analyzer::puppet_fragment_closed;
  using culprit::analyzer::shell_fragment_closed;
  // What culprit's own fixes look like passes.
  CHECK(
      puppet_fragment_closed("# a } comment\nexec { 'x':\n  command => \"test $(( 1 )) = 1\",\n"
                             "  onlyif  => ['a', \"b\\\"}\"],\n}\n"));
  CHECK(
      shell_fragment_closed("# it's\nif [ \"$(stat -c %a -- 'a;;b')\" = 1 ]; then\n"
                            "  x=$((x + 1))\nfi\n: \"${culprit_reload:-0}\"\n"));
  // Ways out of an `if { }` or a `case ... esac`, or text Puppet and this scan read differently.
  for (const char* text :
       {"}\nexec { 'evil': command => 'touch /x' }\nif false {", "exec { 'a': }\n}", "'open",
        "\"${facts}\"", "\"$x\"", "$x =~ /'/ } exec { 'e': } if true { $y = '/", "@@exec { 'e': }",
        "\"multi\nline\"", "/* open"}) {
    INFO(text);
    CHECK_FALSE(puppet_fragment_closed(text));
  }
  for (const char* text : {": ;;\nesac\ntouch /x\ncase y in y)", "esac", "echo 'open", "}",
                           "cat <<EOF\nx\nEOF", "echo `id`", "echo \"$(id\"", "( :"}) {
    INFO(text);
    CHECK_FALSE(shell_fragment_closed(text));
  }

  // A report whose fixes carry such text: merged, the text is nowhere in the outputs.
  TempDir dir("culprit-merge");
  json doc = json::parse(report_json("evil-1", {mistyped("/a", "/a/i.php", 1, "x.phpp", "x.php")}));
  doc["findings"][0]["fix"]["puppet"] =
      "}\nexec { 'evil': command => 'touch /tmp/evil' }\nif false {";
  doc["findings"][0]["fix"]["puppet_shared"] = "";
  doc["findings"][0]["fix"]["shell"] = ":\n;;\nesac\ntouch /tmp/evil\ncase x in x)";
  doc["findings"][0]["fix"]["shell_shared"] = "";
  write_text(dir / "evil.json", doc.dump());
  const auto r = merge({(dir / "evil.json").string(), "--manifest", (dir / "fleet.pp").string(),
                        "--script", (dir / "fleet.sh").string()});
  INFO(describe(r));
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.out,
             Catch::Contains("not in the manifest: its text is not a closed piece of Puppet"));
  CHECK_THAT(r.out, Catch::Contains("not in the script: its text is not a closed piece of sh"));
  CHECK_FALSE(Catch::Contains("touch /tmp/evil").match(read_text(dir / "fleet.pp")));
  CHECK_FALSE(Catch::Contains("touch /tmp/evil").match(read_text(dir / "fleet.sh")));
  check_manifest_parses(dir / "fleet.pp");
}

TEST_CASE("checks stay checks, and a report without findings is a clean host", "[merge]") {
  TempDir dir("culprit-merge");
  Finding missing;
  missing.kind = FindingKind::MissingPath;
  missing.errno_name = "ENOENT";
  missing.path = "/etc/app/secret.key";
  missing.explanation = "the key file is missing";
  write_text(dir / "a.json", report_json("app-1", {missing}));
  write_text(dir / "b.json", report_json("app-2", {}));
  const auto r =
      merge({dir.path().string(), "--manifest", (dir / "fleet.pp").string(), "-F", "json"});
  INFO(describe(r));
  REQUIRE(r.exit_code == 1);
  const json doc = json::parse(r.out);
  REQUIRE(doc["groups"].size() == 1);
  CHECK(doc["groups"][0]["count"] == 1);
  CHECK(doc["groups"][0]["of"] == 2);
  CHECK(doc["clean_hosts"] == json::array({"app-2"}));
  REQUIRE(doc["groups"][0]["fixes"].size() == 1);
  CHECK(doc["groups"][0]["fixes"][0]["actionable"] == false);
  const std::string pp = read_text(dir / "fleet.pp");
  CHECK_THAT(pp, Catch::Contains("# 0 fix(es) and 1 check(s)"));
  check_manifest_parses(dir / "fleet.pp");
}

TEST_CASE("one change asked for by two groups on one host is made once there", "[merge][puppet]") {
  TempDir dir("culprit-merge");
  // Two paths, one referring line: the fixes of both findings are the same edit (one key).
  write_text(
      dir / "a.json",
      report_json("app-1", {mistyped("/srv/a", "/srv/index.php", 4, "lib.phpp", "lib.php"),
                            mistyped("/srv/b", "/srv/index.php", 4, "lib.phpp", "lib.php")}));
  write_text(
      dir / "b.json",
      report_json("app-2", {mistyped("/srv/b", "/srv/index.php", 4, "lib.phpp", "lib.php")}));
  const auto r = merge({dir.path().string(), "--top", "2", "--manifest",
                        (dir / "fleet.pp").string(), "--script", (dir / "fleet.sh").string()});
  INFO(describe(r));
  REQUIRE(r.exit_code == 1);
  const std::string pp = read_text(dir / "fleet.pp");
  INFO(pp);
  // Group 1 is /srv/b (2 hosts); /srv/a on app-1 is the same edit, already made by group 1.
  CHECK_THAT(pp, Catch::Contains("$culprit_on_1 = ['app-1', 'app-2']"));
  CHECK_THAT(pp, Catch::Contains("# on app-1: the same change as group 1 above"));
  CHECK_FALSE(Catch::Contains("culprit_on_2").match(pp));
  CHECK_THAT(read_text(dir / "fleet.sh"),
             Catch::Contains("# on app-1: the same change as group 1 above"));
  check_manifest_parses(dir / "fleet.pp");
  if (have("puppet")) {
    const auto apply = run_command({"puppet", "apply", "--noop", "--color=false", "--certname",
                                    "app-1", (dir / "fleet.pp").string()});
    INFO(describe(apply));
    CHECK(apply.exit_code == 0);
  }
}
