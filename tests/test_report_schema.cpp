// The JSON report as a public interface: every report culprit makes from the bundled samples and
// from live runs (each way a command can end, a trigger, a path that is not UTF-8) validates
// against docs/report.schema.json (python3-jsonschema), and a report that breaks the schema is
// caught.
#include <fmt/format.h>

#include <algorithm>
#include <boost/process.hpp>
#include <catch2/catch.hpp>
#include <csignal>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "test_util.h"

namespace fs = std::filesystem;
using culprit::test::culprit_binary;
using culprit::test::read_text;
using culprit::test::run_command;
using culprit::test::source_dir;
using culprit::test::TempDir;
using culprit::test::write_text;

namespace {

std::vector<fs::path> files_in(const fs::path& dir) {
  std::vector<fs::path> out;
  if (!fs::is_directory(dir)) {
    return out;
  }
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.is_regular_file()) {
      out.push_back(e.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

culprit::test::CommandResult validate(const std::vector<std::string>& reports) {
  std::vector<std::string> argv{"/usr/bin/python3",
                                (source_dir() / "tests/schema/validate_reports.py").string(),
                                (source_dir() / "docs/report.schema.json").string()};
  argv.insert(argv.end(), reports.begin(), reports.end());
  return run_command(argv);
}

}  // namespace

TEST_CASE("every report of the samples and of live runs validates against the schema") {
  TempDir out("culprit-schema");
  std::vector<std::string> reports;
  auto report = [&](std::vector<std::string> args) {
    const auto file = out / fmt::format("{:03}.json", reports.size());
    std::vector<std::string> argv{culprit_binary()};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto r = run_command(argv);
    INFO(fmt::format("{}\n{}", fmt::join(argv, " "), r.err));
    REQUIRE((r.exit_code == 0 || r.exit_code == 1));
    write_text(file, r.out);
    reports.push_back(file.string());
  };

  const fs::path samples = source_dir() / "samples";
  std::vector<std::string> ff_set;
  for (const auto& log : files_in(samples)) {
    const std::string name = log.filename().string();
    if (name.find(".ff-") != std::string::npos) {
      ff_set.push_back(log.string());
    } else if (name.ends_with(".log")) {
      report({"replay", "--format", "json", log.string()});
    }
  }
  REQUIRE(ff_set.size() >= 2);
  std::vector<std::string> ff_args{"replay", "--format", "json"};
  ff_args.insert(ff_args.end(), ff_set.begin(), ff_set.end());
  report(ff_args);
  // The corpus with its planted files (blockers, referrers, fixes are then filled in).
  for (const auto& log : files_in(samples / "corpus/logs")) {
    const std::string name = log.filename().string();
    const fs::path root = samples / "corpus/root" / name.substr(0, name.find('.'));
    if (fs::is_directory(root)) {
      report({"replay", "--format", "json", "--root", root.string(), log.string()});
    } else {
      report({"replay", "--format", "json", "--log-only", log.string()});
    }
  }
  for (const auto& log : files_in(samples / "pasted/logs")) {
    report({"replay", "--format", "json", "--log-only", log.string()});
  }
  for (const auto& log : files_in(samples / "live")) {
    if (log.extension() == ".log") {
      report({"replay", "--format", "json", log.string()});
    }
  }
  const std::size_t from_samples = reports.size();
  CHECK(from_samples >= 100);

  // Live: each way a command ends, and a path that is not UTF-8.
  report({"run", "--format", "json", "--", "/bin/sh", "-c", "exit 3"});
  report({"run", "--format", "json", "--", "/bin/sh", "-c", "kill -TERM $$"});
  report({"run", "--format", "json", "--duration", "0.2", "--", "sleep", "0.6"});
  const auto script = out / "bad.sh";
  write_text(script, "#!/usr/bin/pyhton3\n");
  fs::permissions(script, fs::perms(0755));
  report({"run", "--format", "json", "--", script.string()});
  report({"run", "--format", "json", "--", "cat", (out / "caf\xe9-\xff.txt").string()});
  boost::process::child target("/bin/sleep", "30");
  report({"attach", "-p", std::to_string(target.id()), "--format", "json", "--settle", "0.1",
          "--trigger", "echo trigger-output; exit 4"});
  kill(target.id(), SIGTERM);
  target.wait();

  const auto checked = validate(reports);
  INFO(checked.out << checked.err);
  CHECK(checked.exit_code == 0);
  CHECK(checked.out.find(fmt::format("{0} of {0} reports valid", reports.size())) !=
        std::string::npos);
  // The live reports carry what the schema promises for them.
  const auto doc = nlohmann::json::parse(read_text(reports[from_samples + 4]));
  CHECK(doc.at("source").at("backend") == "ptrace");
  CHECK(doc.at("findings").at(0).contains("path_escaped"));
}

TEST_CASE("the schema check catches a report that breaks it") {
  TempDir out("culprit-schema");
  const auto r = run_command({culprit_binary(), "replay", "--format", "json",
                              (source_dir() / "samples/wp-typo.f-tt-T-y.log").string()});
  REQUIRE(r.exit_code == 1);
  auto doc = nlohmann::json::parse(r.out);
  write_text(out / "good.json", r.out);
  CHECK(validate({(out / "good.json").string()}).exit_code == 0);

  auto broken = doc;
  broken["source"].erase("host");
  write_text(out / "no-host.json", broken.dump());
  broken = doc;
  broken["findings"][0]["kind"] = "typo";
  write_text(out / "bad-kind.json", broken.dump());
  broken = doc;
  broken["surprise"] = true;
  write_text(out / "extra-key.json", broken.dump());
  broken = doc;
  broken["findings"][0]["fix"]["actionable"] = "yes";
  write_text(out / "bad-type.json", broken.dump());
  for (const char* name : {"no-host.json", "bad-kind.json", "extra-key.json", "bad-type.json"}) {
    const auto checked = validate({(out / name).string()});
    INFO(name << ": " << checked.out);
    CHECK(checked.exit_code == 1);
    CHECK(checked.out.find("0 of 1 reports valid") != std::string::npos);
  }
}
