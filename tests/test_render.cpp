// Renderers: the JSON document parsed back against the culprit.report/1 schema, the text report's
// essentials and its colour switch, the Markdown postmortem's sections — including paths that are
// not UTF-8 or carry terminal escapes, which must neither break nor leak into any output.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>

#include "analyzer/core/quote.h"
#include "analyzer/fix/fix.h"
#include "analyzer/render/render.h"

namespace {

using namespace culprit::analyzer;
using culprit::tracer::Timestamp;
using nlohmann::json;

Timestamp tod(int h, int m, int s, int us) {
  return {Timestamp::Kind::TimeOfDay, ((h * 60LL + m) * 60 + s) * 1000000 + us};
}

const std::string kInvalid = "/srv/bad-\xff\xfe.php";
const std::string kEscape = "/srv/evil\x1b[2J\x1b]0;owned\x07.php";

Report sample_report() {
  Report r;
  r.mode = "replay";
  r.inputs = {"samples/wordpress-500.log"};
  r.first_event = tod(14, 3, 6, 0);
  r.last_event = tod(14, 3, 8, 250000);
  {
    Finding f;
    f.rank = 1;
    f.kind = FindingKind::MistypedPath;
    f.errno_name = "ENOENT";
    f.syscall = "openat";
    f.path = "/var/www/html/wp-includes/class-wp-locale.phpp";
    f.count = 2;
    f.pids = {4242, 4243};
    f.first_seen = tod(14, 3, 7, 123456);
    f.last_seen = tod(14, 3, 7, 200000);
    f.suggestion = "/var/www/html/wp-includes/class-wp-locale.php";
    f.referenced_from = SourceLocation{"/var/www/html/wp-settings.php", 137,
                                       "require ABSPATH . WPINC . '/class-wp-locale.phpp';"};
    f.bad_token = "class-wp-locale.phpp";
    f.good_token = "class-wp-locale.php";
    f.explanation = "wp-settings.php requires class-wp-locale.phpp, which does not exist";
    f.rank_reason = "last failure before the 500 reply";
    f.message =
        "PHP Fatal error:  require(): Failed opening required "
        "'class-wp-locale.phpp'";
    f.evidence.push_back({"samples/wordpress-500.log", 812, 4242, f.first_seen,
                          "openat(AT_FDCWD, \"/var/www/html/wp-includes/class-wp-locale.phpp\", "
                          "O_RDONLY) = -1 ENOENT"});
    r.findings.push_back(f);
  }
  {
    Finding f;
    f.rank = 2;
    f.kind = FindingKind::PermissionDenied;
    f.errno_name = "EACCES";
    f.syscall = "openat";
    f.path = kInvalid;
    f.count = 1;
    f.pids = {4242};
    f.blocker = PermissionBlocker{kInvalid, 0600, 0, 0, "root", "root", "r", false, 0644};
    f.explanation = "not readable by www-data";
    r.findings.push_back(f);
  }
  {
    Finding f;
    f.rank = 3;
    f.kind = FindingKind::MissingPath;
    f.errno_name = "ENOENT";
    f.syscall = "stat";
    f.path = kEscape;
    f.count = 1;
    r.findings.push_back(f);
  }
  {
    Finding f;
    f.rank = 4;
    f.kind = FindingKind::ConnectionRefused;
    f.errno_name = "ECONNREFUSED";
    f.syscall = "connect";
    f.address = "127.0.0.1:3306";
    f.count = 3;
    r.findings.push_back(f);  // no fix attached below: "fix" must be null
  }
  r.suppressed.push_back({"/usr/lib/x86_64-linux-gnu/libpcre2.so.0", "ENOENT", "openat", 12,
                          "the dynamic loader tries each search path", "ld.so-search-path", ""});
  r.suppressed.push_back({"/var/www/html/.htaccess\xff", "ENOENT", "openat", 3,
                          "Apache looks for .htaccess in every directory", "htaccess", ""});
  r.stats = {1000, 950, 30, 15, 2, 0};
  r.diagnostics.push_back({0, "unrecognised line", "samples/wordpress-500.log", 17});
  r.timeline.push_back({tod(14, 3, 8, 0), 4242, "wrote \"HTTP/1.1 500 Internal Server Error\""});

  attach_fixes(r, builtin_fix_templates());
  r.findings[3].fix.reset();
  return r;
}

bool has_control_bytes(const std::string& s) {
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\n') || u == 0x7f) {
      return true;
    }
  }
  return false;
}

}  // namespace

TEST_CASE("JSON follows the culprit.report/1 schema and parses back", "[render][json]") {
  const Report report = sample_report();
  const std::string text = render_json(report);
  CHECK(is_valid_utf8(text));
  json doc;
  REQUIRE_NOTHROW(doc = json::parse(text));  // strict: throws on invalid UTF-8

  CHECK(doc.at("schema") == "culprit.report/1");
  CHECK(doc.at("source").at("mode") == "replay");
  CHECK(doc.at("source").at("inputs") == json::array({"samples/wordpress-500.log"}));

  const json& findings = doc.at("findings");
  REQUIRE(findings.is_array());
  REQUIRE(findings.size() == 4);
  const std::regex time_re(R"(\d\d:\d\d:\d\d\.\d{6})");
  for (const auto& f : findings) {
    for (const char* key : {"rank", "kind", "errno", "syscall", "path", "count", "pids",
                            "first_seen", "suggestion", "referenced_from", "explanation", "fix"}) {
      INFO(key);
      CHECK(f.contains(key));
    }
    CHECK(f.at("rank").is_number_integer());
    CHECK(f.at("kind").is_string());
    CHECK(f.at("count").is_number_unsigned());
    CHECK(f.at("pids").is_array());
    CHECK((f.at("first_seen").is_null() ||
           std::regex_match(f.at("first_seen").get<std::string>(), time_re)));
    CHECK((f.at("suggestion").is_null() || f.at("suggestion").at("path").is_string()));
    CHECK((f.at("referenced_from").is_null() ||
           (f.at("referenced_from").at("file").is_string() &&
            f.at("referenced_from").at("line").is_number_unsigned())));
    if (!f.at("fix").is_null()) {
      for (const char* key : {"summary", "shell", "puppet"}) {
        CHECK(f.at("fix").at(key).is_string());
      }
    }
  }
  const json& top = findings[0];
  CHECK(top.at("rank") == 1);
  CHECK(top.at("kind") == "mistyped-path");
  CHECK(top.at("errno") == "ENOENT");
  CHECK(top.at("syscall") == "openat");
  CHECK(top.at("path") == "/var/www/html/wp-includes/class-wp-locale.phpp");
  CHECK(top.at("count") == 2);
  CHECK(top.at("pids") == json::array({4242, 4243}));
  CHECK(top.at("first_seen") == "14:03:07.123456");
  CHECK(top.at("suggestion").at("path") == "/var/www/html/wp-includes/class-wp-locale.php");
  CHECK(top.at("referenced_from").at("file") == "/var/www/html/wp-settings.php");
  CHECK(top.at("referenced_from").at("line") == 137);
  CHECK(top.at("explanation") == report.findings[0].explanation);
  CHECK(top.at("fix").at("summary") == report.findings[0].fix->summary);
  CHECK(top.at("fix").at("puppet") == report.findings[0].fix->puppet);
  CHECK(top.at("fix").at("shell") == report.findings[0].fix->shell);
  CHECK(top.at("rank_reason") == "last failure before the 500 reply");
  CHECK(top.at("evidence").at(0).at("line") == 812);
  CHECK(findings[2].at("first_seen").is_null());
  CHECK(findings[2].at("suggestion").is_null());
  CHECK(findings[2].at("referenced_from").is_null());
  CHECK(findings[3].at("fix").is_null());
  CHECK(findings[3].at("address") == "127.0.0.1:3306");
  CHECK(findings[1].at("blocker").at("mode") == "0600");

  const json& suppressed = doc.at("suppressed");
  REQUIRE(suppressed.size() == 2);
  CHECK(suppressed[0].at("path") == "/usr/lib/x86_64-linux-gnu/libpcre2.so.0");
  CHECK(suppressed[0].at("errno") == "ENOENT");
  CHECK(suppressed[0].at("count") == 12);
  CHECK(suppressed[0].at("reason").is_string());

  const json& stats = doc.at("stats");
  CHECK(stats.at("lines") == 1000);
  CHECK(stats.at("events") == 950);
  CHECK(stats.at("failed") == 30);
  CHECK(stats.at("suppressed") == 15);
  CHECK(stats.at("malformed") == 2);
  CHECK(doc.at("diagnostics").at(0).at("line") == 17);
}

TEST_CASE("JSON keeps paths that are not UTF-8: replaced, plus an exact escaped copy",
          "[render][json]") {
  const Report report = sample_report();
  const json doc = json::parse(render_json(report));
  const json& f = doc.at("findings").at(1);
  const std::string path = f.at("path");
  CHECK(path == "/srv/bad-\xef\xbf\xbd\xef\xbf\xbd.php");  // two U+FFFD
  CHECK(f.at("path_escaped") == "/srv/bad-\\xff\\xfe.php");
  CHECK(f.at("blocker").at("path_escaped") == "/srv/bad-\\xff\\xfe.php");
  CHECK_FALSE(doc.at("findings").at(0).contains("path_escaped"));
  CHECK(doc.at("suppressed").at(1).at("path_escaped") == "/var/www/html/.htaccess\\xff");
  // The escape characters of a hostile name are JSON-escaped, never raw.
  const std::string text = render_json(report);
  CHECK(text.find('\x1b') == std::string::npos);
  CHECK(doc.at("findings").at(2).at("path") == kEscape);
}

TEST_CASE(
    "text report: the culprit first, essentials present, colour only on "
    "request",
    "[render][text]") {
  const Report report = sample_report();
  RenderOptions options;
  const std::string text = render_text(report, options);
  INFO(text);
  CHECK(is_valid_utf8(text));
  CHECK_FALSE(has_control_bytes(text));  // no ANSI at all, also none from the hostile path
  // Rank 1's what / why / where / fix come first.
  const auto pos_top = text.find("/var/www/html/wp-includes/class-wp-locale.phpp");
  REQUIRE(pos_top != std::string::npos);
  CHECK(pos_top < text.find("/srv/bad-"));
  CHECK_THAT(text, Catch::Contains("openat failed with ENOENT"));
  CHECK_THAT(text, Catch::Contains("14:03:07.123456"));
  CHECK_THAT(text, Catch::Contains(report.findings[0].explanation));
  CHECK_THAT(text, Catch::Contains("/var/www/html/wp-settings.php:137"));
  CHECK_THAT(text, Catch::Contains("/var/www/html/wp-includes/class-wp-locale.php\n"));
  CHECK_THAT(text, Catch::Contains(report.findings[0].fix->summary));
  // The others briefly, with escaped names.
  CHECK_THAT(text, Catch::Contains("#2 permission-denied  /srv/bad-\\xff\\xfe.php"));
  CHECK_THAT(text, Catch::Contains("/srv/evil\\x1b[2J"));
  CHECK_THAT(text, Catch::Contains("127.0.0.1:3306"));
  // Suppressed count and how to see them; not the list itself.
  CHECK_THAT(text, Catch::Contains("Suppressed 15 failures"));
  CHECK_THAT(text, Catch::Contains(options.suppressed_hint));
  CHECK_THAT(text, !Catch::Contains("libpcre2"));

  RenderOptions verbose;
  verbose.verbose = true;
  const std::string vtext = render_text(report, verbose);
  CHECK_THAT(vtext, Catch::Contains("libpcre2.so.0"));
  CHECK_THAT(vtext, Catch::Contains("the dynamic loader tries each search path"));

  RenderOptions color;
  color.color = true;
  const std::string ctext = render_text(report, color);
  CHECK_THAT(ctext, Catch::Contains("\x1b["));
  CHECK(ctext.find("\x1b[2J") == std::string::npos);  // the hostile name's escape stays escaped
  CHECK(ctext.find("\x1b]0;") == std::string::npos);

  CHECK(render(report, Format::Text, options) == text);
  CHECK(render(report, Format::Json, options) == render_json(report));

  Report empty;
  empty.mode = "attach";
  empty.inputs = {"pid 1234"};
  CHECK_THAT(render_text(empty, options), Catch::Contains("no failure worth a look"));
}

TEST_CASE("markdown postmortem draft: sections, timeline, TODOs, safe text", "[render][markdown]") {
  Report report = sample_report();
  report.findings[0].referenced_from->text = "echo `x` ``` y";
  const std::string md = render_markdown(report, RenderOptions{});
  INFO(md);
  CHECK(is_valid_utf8(md));
  CHECK_FALSE(has_control_bytes(md));
  std::size_t last = 0;
  for (const char* section : {"## Issue Summary", "## Timeline", "## Root Cause and Resolution",
                              "## Corrective and Preventative Measures"}) {
    const auto pos = md.find(section);
    INFO(section);
    REQUIRE(pos != std::string::npos);
    CHECK(pos > last);  // in this order
    last = pos;
  }
  CHECK_THAT(md, Catch::Contains("**TODO"));
  // Timeline from the trace: the first failure and the 500 reply, in time order.
  const auto t1 = md.find("**14:03:07.123456**");
  const auto t2 = md.find("**14:03:08.000000**");
  REQUIRE(t1 != std::string::npos);
  REQUIRE(t2 != std::string::npos);
  CHECK(t1 < t2);
  CHECK_THAT(md, Catch::Contains("14:03:06.000000 to 14:03:08.250000"));
  // Root cause and resolution from rank 1, with its fix.
  CHECK_THAT(md, Catch::Contains("`/var/www/html/wp-settings.php`, line 137"));
  CHECK_THAT(md, Catch::Contains("```puppet\n"));
  CHECK_THAT(md, Catch::Contains("exec { 'culprit-mistyped-path-1':"));
  // A line holding a ``` run is fenced with a longer fence.
  CHECK_THAT(md, Catch::Contains("````\necho `x` ``` y\n````"));
  CHECK_THAT(md, Catch::Contains("/srv/bad-\\xff\\xfe.php"));
  CHECK(render(report, Format::Markdown, RenderOptions{}) == md);
}
