// Analyzer tests: synthetic events from a small builder (falco's sinsp_with_test_input style) run
// through the real pipeline, against real temporary directory trees; plus the real samples/
// through the strace reader when they are present.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "analyzer/core/filesystem.h"
#include "analyzer/core/permission.h"
#include "analyzer/core/system_owners.h"
#include "analyzer/core/text.h"
#include "analyzer/passes/pass_evidence.h"
#include "analyzer/passes/pass_group.h"
#include "analyzer/passes/pass_noise.h"
#include "analyzer/passes/pass_referrer.h"
#include "analyzer/passes/pipeline.h"
#include "analyzer/passes/server_catalog.h"
#include "analyzer/passes/similarity.h"
#include "analyzer/rules/rules.h"
#include "tests/test_util.h"
#include "tracer/model/event.h"
#include "tracer/strace/strace_log.h"

namespace fs = std::filesystem;
using namespace culprit;
using namespace culprit::analyzer;
using tracer::Event;
using tracer::EventKind;
using tracer::Pid;

namespace {

constexpr std::int32_t kRdOnly = 0;
constexpr std::int32_t kCreateAppend =
    tracer::open_flag::WrOnly | tracer::open_flag::Creat | tracer::open_flag::Append;

// Builds events the way a source delivers them: one at a time, numbered like log lines.
class Trace {
 public:
  Event& add(Pid pid, std::string syscall) {
    Event& e = events_.emplace_back();
    e.pid = pid;
    e.syscall = std::move(syscall);
    e.origin = {"synthetic.log", events_.size()};
    e.time = {tracer::Timestamp::Kind::Epoch, static_cast<std::int64_t>(events_.size()) * 1000};
    e.ret_known = true;
    return e;
  }
  Trace& open_ok(Pid pid, std::string path, std::int32_t flags = kRdOnly) {
    Event& e = add(pid, "openat");
    e.path = std::move(path);
    e.path_absolute = true;
    e.open_flags = flags;
    e.ret = 3;
    return *this;
  }
  Trace& open_fail(Pid pid, std::string path, std::string err, std::int32_t flags = kRdOnly) {
    Event& e = add(pid, "openat");
    e.path = std::move(path);
    e.path_absolute = true;
    e.open_flags = flags;
    e.ret = -1;
    e.err = std::move(err);
    return *this;
  }
  Trace& call_fail(Pid pid, std::string syscall, std::string path, std::string err) {
    Event& e = add(pid, std::move(syscall));
    e.path = std::move(path);
    e.path_absolute = true;
    e.ret = -1;
    e.err = std::move(err);
    return *this;
  }
  Trace& stat_ok(Pid pid, std::string path) {
    Event& e = add(pid, "newfstatat");
    e.path = std::move(path);
    e.path_absolute = true;
    return *this;
  }
  Trace& read(Pid pid, std::string fd_path, std::string data) {
    Event& e = add(pid, "read");
    e.fd = 3;
    e.fd_path = std::move(fd_path);
    e.data = std::move(data);
    e.ret = static_cast<std::int64_t>(e.data.size());
    return *this;
  }
  Trace& write(Pid pid, int fd, std::string data, std::string fd_path = {}) {
    Event& e = add(pid, "write");
    e.fd = fd;
    e.fd_path = std::move(fd_path);
    e.data = std::move(data);
    e.ret = static_cast<std::int64_t>(e.data.size());
    return *this;
  }
  Trace& clone(Pid parent, Pid child) {
    add(parent, "clone").ret = child;
    return *this;
  }
  Trace& setuid(Pid pid, std::int64_t uid) {
    add(pid, "setresuid").set_id = uid;
    return *this;
  }
  Trace& exit(Pid pid, int code) {
    Event& e = events_.emplace_back();
    e.kind = EventKind::Exit;
    e.pid = pid;
    e.exit_code = code;
    e.origin = {"synthetic.log", events_.size()};
    return *this;
  }
  [[nodiscard]] const std::vector<Event>& events() const { return events_; }

  Report run(const FileSystem& filesystem, const Rules& rules, PipelineOptions options = {}) const {
    Pipeline p(rules, filesystem, std::move(options));
    for (const auto& e : events_) {
      p.on_event(e);
    }
    tracer::SourceStats stats;
    stats.events = events_.size();
    return p.finish(stats);
  }

 private:
  std::vector<Event> events_;
};

const Rules& builtin_rules() {
  static const Rules rules = [] {
    auto r = Rules::builtin();
    REQUIRE(r.ok());
    return std::move(r).value();
  }();
  return rules;
}

// A temporary directory tree, removed at the end.
class TempTree {
 public:
  TempTree() {
    std::string tmpl = (fs::temp_directory_path() / "culprit-analyzer-XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    root_ = tmpl;
    ::chmod(root_.c_str(), 0755);  // it stands for "/", which everyone may search
  }
  ~TempTree() {
    std::error_code ec;
    // chmod'ed directories must be searchable again before removal (when not root).
    for (auto it = fs::recursive_directory_iterator(root_, ec); !ec && it != fs::end(it);
         it.increment(ec)) {
      ::chmod(it->path().c_str(), 0755);
    }
    fs::remove_all(root_, ec);
  }
  TempTree(const TempTree&) = delete;
  TempTree& operator=(const TempTree&) = delete;
  [[nodiscard]] const std::string& root() const { return root_; }
  // Writes `content` at logical path `path` ("/srv/x/y.php" -> ROOT/srv/x/y.php).
  void file(const std::string& path, const std::string& content = {}) const {
    const fs::path host = fs::path(root_ + path);
    fs::create_directories(host.parent_path());
    std::ofstream(host) << content;
  }
  void dir(const std::string& path) const { fs::create_directories(root_ + path); }
  void chmod(const std::string& path, mode_t mode) const {
    REQUIRE(::chmod((root_ + path).c_str(), mode) == 0);
  }

 private:
  std::string root_;
};

const Finding* find_kind(const Report& r, FindingKind kind) {
  for (const auto& f : r.findings) {
    if (f.kind == kind) {
      return &f;
    }
  }
  return nullptr;
}

const Finding* find_finding(const Report& r, const std::string& path) {
  for (const auto& f : r.findings) {
    if (f.path == path) {
      return &f;
    }
  }
  return nullptr;
}

const Suppressed* find_suppressed(const Report& r, const std::string& path) {
  for (const auto& s : r.suppressed) {
    if (s.path == path) {
      return &s;
    }
  }
  return nullptr;
}

const std::string kSettings =
    "<?php\n"
    "/** Loads the locale class: class-wp-locale.php is in wp-includes. */\n"
    "require ABSPATH . WPINC . '/l10n.php';\n"
    "require ABSPATH . WPINC . '/class-wp-locale.phpp';\n"
    "require ABSPATH . WPINC . '/class-wp-hook.php';\n";

}  // namespace

TEST_CASE("edit distance and sibling names", "[similarity]") {
  CHECK(edit_distance("class-wp-locale.phpp", "class-wp-locale.php") == 1);
  CHECK(edit_distance("LoadModlue", "LoadModule") == 1);  // transposition counts once
  CHECK(edit_distance("abc", "xyz", 2) == 3);             // capped at max + 1
  CHECK(edit_distance("ServerName", "servername", 0, true) == 0);
  CHECK(extension_variant("index.htm", "index.html"));
  CHECK(extension_variant("mod_rewrite.soo", "mod_rewrite.so"));
  CHECK_FALSE(extension_variant("a.php", "b.php"));
  const std::vector<std::string> dir{"class-wp-hook.php", "class-wp-locale.php", "l10n.php",
                                     "class-wp-locale-switcher.php"};
  CHECK(best_sibling("class-wp-locale.phpp", dir) ==
        std::optional<std::string>("class-wp-locale.php"));
  CHECK_FALSE(best_sibling("db-config.php", dir).has_value());
  CHECK_FALSE(best_sibling("l10n.php", dir).has_value());  // the same name is not a sibling
  // Short names need a closer match: "a.c" is not a typo of "b.h".
  CHECK_FALSE(name_similarity("a.c", "b.h").has_value());
  const std::vector<std::string> words{"LoadModule", "LoadFile", "ServerName"};
  CHECK(nearest_word("loadmodlue", words, true) == std::optional<std::string>("LoadModule"));
  CHECK_FALSE(nearest_word("loadmodlue", words, false).has_value());
}

TEST_CASE("ascii_lower folds A-Z only", "[evidence]") {
  CHECK(ascii_lower("LoadModule PHP_Module /X.so") == "loadmodule php_module /x.so");
  CHECK(ascii_lower("") == "");
  CHECK(ascii_lower("@[`{ 09") == "@[`{ 09");  // the bytes around A-Z and a-z stay
  CHECK(ascii_lower("\xC3\x89T\xC3\x89") == "\xC3\x89t\xC3\x89");  // UTF-8 bytes untouched
}

TEST_CASE("error-looking lines: any case, not inside a path", "[evidence]") {
  CHECK(looks_like_error("PHP Fatal error:  Uncaught Error: Failed opening required 'x.php'"));
  CHECK(looks_like_error("COULD NOT OPEN /etc/app.conf"));
  CHECK(looks_like_error("ls: cannot access 'x': No such file or directory"));
  CHECK(looks_like_error("Traceback (most recent call last):"));
  CHECK(looks_like_error("connect() to 127.0.0.1:9000 Refused"));
  // The word is part of a path, and nothing else says error.
  CHECK_FALSE(looks_like_error("running /srv/py-connect-refused/client.py now"));
  CHECK_FALSE(looks_like_error("HTTP/1.1 200 OK"));
  CHECK_FALSE(looks_like_error("<html><body>Welcome</body></html>"));
  // The same word once in a path and once as a word: the word counts.
  CHECK(looks_like_error("/srv/error-pages/x.html: error reading"));
  CHECK_FALSE(looks_like_error(""));
}

TEST_CASE("glob patterns", "[rules]") {
  CHECK(glob_match("/lib/**/glibc-hwcaps/**",
                   "/lib/x86_64-linux-gnu/glibc-hwcaps/x86-64-v3/libc.so.6"));
  CHECK(glob_match("**/.htaccess", "/var/www/html/wp/.htaccess"));
  CHECK(glob_match("/usr/lib/*.so*", "/usr/lib/libz.so.1"));
  CHECK_FALSE(glob_match("/usr/lib/*.so*", "/usr/lib/apache2/modules/mod_rewrite.soo"));
  CHECK(glob_match("/a/**/b", "/a/b"));
  CHECK(glob_match("/etc/php/[0-9].[0-9]/x", "/etc/php/8.2/x"));
  CHECK_FALSE(glob_match("/etc/php/[!0-9]/x", "/etc/php/8/x"));
  CHECK(glob_match("/x/\\*", "/x/*"));
  CHECK_FALSE(glob_match("/x/\\*", "/x/a"));
}

TEST_CASE("built-in rules load and user rule files are checked with file:line", "[rules]") {
  const Rules& rules = builtin_rules();
  CHECK(rules.noise().size() > 30);
  CHECK(rules.messages().size() > 20);
  REQUIRE(rules.words("apache-directives") != nullptr);

  Rules r;
  auto bad_key = r.add_text("user.yaml", "noise:\n  - id: x\n    why: y\n    pathz: ['/a']\n");
  REQUIRE_FALSE(bad_key.ok());
  CHECK(bad_key.error().file == "user.yaml");
  CHECK(bad_key.error().line == 4);
  CHECK(bad_key.error().describe().find("unknown key 'pathz'") != std::string::npos);

  auto bad_regex = r.add_text("r.yaml", "messages:\n  - id: m\n    match: 'a(b'\n");
  REQUIRE_FALSE(bad_regex.ok());
  CHECK(bad_regex.error().line == 3);

  auto bad_errno = r.add_text("e.yaml", "noise:\n\n  - id: x\n    why: y\n    errno: [enoent]\n");
  REQUIRE_FALSE(bad_errno.ok());
  CHECK(bad_errno.error().line == 5);

  auto bad_yaml = r.add_text("y.yaml", "noise:\n  - id: [unclosed\n");
  REQUIRE_FALSE(bad_yaml.ok());
  CHECK(bad_yaml.error().line >= 2);

  auto everything = r.add_text("all.yaml", "noise:\n  - id: all\n    why: hides all\n");
  REQUIRE_FALSE(everything.ok());
  CHECK(everything.error().message.find("every failure") != std::string::npos);

  auto bad_capture = r.add_text(
      "c.yaml", "messages:\n  - id: m\n    match: 'x (\\d+)'\n    captures: {line: 2}\n");
  REQUIRE_FALSE(bad_capture.ok());

  // writes_into says what a captured path is: without a path capture it says nothing.
  auto pathless = r.add_text("w.yaml",
                             "messages:\n  - id: m\n    match: 'cannot log to (?<file>\\S+)'\n"
                             "    writes_into: true\n");
  REQUIRE_FALSE(pathless.ok());
  CHECK(pathless.error().line == 4);
  CHECK_THAT(pathless.error().message, Catch::Contains("'path' capture"));

  auto missing = r.add_file("/nonexistent/culprit-rules.yaml");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().file == "/nonexistent/culprit-rules.yaml");

  // A failed file adds nothing; a good one adds its rules.
  CHECK(r.noise().empty());
  REQUIRE(r.add_text("ok.yaml",
                     "noise:\n  - id: app-cache\n    why: the app probes its cache\n"
                     "    errno: [ENOENT]\n    paths: ['/srv/app/cache/**']\n")
              .ok());
  CHECK(r.noise().size() == 1);
  auto dup =
      r.add_text("dup.yaml", "noise:\n  - id: app-cache\n    why: again\n    errno: [EIO]\n");
  REQUIRE_FALSE(dup.ok());
  CHECK(dup.error().line == 2);
}

TEST_CASE("a user rule file suppresses its paths", "[rules][noise]") {
  TempTree t;
  const std::string file = t.root() + "/rules.yaml";
  std::ofstream(file) << "noise:\n  - id: app-cache\n    why: the app probes its cache\n"
                         "    errno: [ENOENT]\n    paths: ['/srv/app/cache/**']\n";
  Rules rules = builtin_rules();
  REQUIRE(rules.add_file(file).ok());
  Trace tr;
  tr.open_fail(10, "/srv/app/cache/a/b.bin", "ENOENT");
  const Report r = tr.run(NoFileSystem(), rules);
  CHECK(r.findings.empty());
  const auto* s = find_suppressed(r, "/srv/app/cache/a/b.bin");
  REQUIRE(s != nullptr);
  CHECK(s->rule == "app-cache");
  CHECK(s->reason == "the app probes its cache");
}

TEST_CASE("noise rules recognise benign failures of each family", "[noise]") {
  struct Case {
    const char* syscall;
    const char* err;
    const char* path;
    const char* rule;
  };
  const Case cases[] = {
      {"access", "ENOENT", "/etc/ld.so.preload", "ld.so-preload"},
      {"openat", "ENOENT", "/lib/x86_64-linux-gnu/glibc-hwcaps/x86-64-v3/libpcre2-8.so.0",
       "ld.so-search-path"},
      {"openat", "ENOENT", "/usr/lib/x86_64-linux-gnu/tls/haswell/libz.so.1", "ld.so-search-path"},
      {"openat", "ENOENT", "/usr/lib/locale/C.UTF-8/LC_CTYPE", "locale"},
      {"openat", "ENOENT", "/usr/lib/x86_64-linux-gnu/gconv/gconv-modules.cache", "locale"},
      {"openat", "ENOENT", "/lib/x86_64-linux-gnu/libnss_systemd.so.2", "ld.so-search-path"},
      {"openat", "ENOENT", "/usr/lib/libnss_sss.so.2", "ld.so-search-path"},
      {"openat", "ENOENT", "/opt/x/libnss_ldap.so.2", "nsswitch"},
      {"connect", "ENOENT", "/var/run/nscd/socket", "nsswitch"},
      {"stat", "ENOENT", "/var/www/html/wp-content/.htaccess", "htaccess"},
      {"openat", "ENOENT", "/usr/share/php/Text/Diff.php", "php-include-path"},
      {"openat", "ENOENT", "/usr/share/pear/Text/Diff.php", "php-include-path"},
      {"openat", "ENOENT", "/etc/php/8.2/cli/conf.d/99-local.ini", "php-ini-scan"},
      {"openat", "ENOENT", "/usr/bin/php-cli.ini", "php-ini-scan"},
      {"openat", "ENOENT", "/root/.curlrc", "home-dotfile"},
      {"openat", "ENOENT", "/home/web/.config/app/settings.json", "home-dotfile"},
      {"openat", "ENOENT", "/usr/share/terminfo/x/xterm-256color", "terminfo"},
      {"openat", "ENOENT", "/proc/self/attr/current", "proc-sys-probe"},
      {"openat", "EACCES", "/sys/fs/cgroup/cpu.max", "proc-sys-probe"},
      {"openat", "ENOENT", "/usr/lib/python3.11/encodings/__init__.cpython-311-x86_64-linux-gnu.so",
       "python-module-search"},
      {"openat", "ENOENT", "/srv/app/__pycache__/views.cpython-311.pyc", "python-bytecode-cache"},
      {"openat", "ENOENT", "/etc/perl/Carp.pm", "perl-module-search"},
      {"read", "EAGAIN", "", "retry-errno"},
      {"epoll_wait", "EINTR", "", "retry-errno"},
      {"accept4", "ERESTARTSYS", "", "retry-errno"},
      {"connect", "EINPROGRESS", "", "nonblocking-connect"},
      {"ioctl", "ENOTTY", "", "not-a-tty"},
      {"execve", "ENOENT", "/usr/local/bin/php", "path-search"},
      {"openat", "ENOENT", "/usr/share/zoneinfo/UTC0", "timezone"},
      {"mkdir", "EEXIST", "/srv/app/reports", "mkdir-exists"},
      {"wait4", "ECHILD", "", "child-wait"},
      {"openat", "ENOENT", "/srv/wp/wp-content/object-cache.php", "wordpress-optional"},
      // Each rule names what it is about: /dev/log is not nscd's socket.
      {"connect", "ENOENT", "/dev/log", "optional-bus-and-log-sockets"},
      {"openat", "ENOENT", "/usr/bin/python3._pth", "python-module-search"},
      {"openat", "ENOENT", "/usr/bin/Modules/Setup.local", "python-module-search"},
      {"stat", "ENOENT", "/root/.pyenv/plugins/pyenv-virtualenv/etc/pyenv.d", "pyenv-hooks"},
      {"openat", "ENOENT", "/nonexistent/.config/app.ini", "nonexistent-home"},
  };
  for (const auto& c : cases) {
    INFO(c.syscall << " " << c.path << " " << c.err);
    const auto* row = tracer::find_syscall(c.syscall);
    const auto family = row != nullptr ? row->family : tracer::Family::Other;
    const NoiseRule* rule = match_noise_rule(builtin_rules(), c.syscall, family, c.err, c.path);
    REQUIRE(rule != nullptr);
    CHECK(rule->id == c.rule);
  }
  // Not noise: the incident's failures.
  const Case faults[] = {
      {"openat", "ENOENT", "/var/www/html/wp-includes/class-wp-locale.phpp", ""},
      {"openat", "ENOENT", "/usr/lib/apache2/modules/mod_rewrite.soo", ""},
      {"openat", "EACCES", "/var/www/html/wp-config.php", ""},
      {"connect", "ENOENT", "/run/mysqld/mysqld.sock", ""},
      {"openat", "ENOENT", "/var/log/app/app.log", ""},
      {"execve", "ENOENT", "/usr/bin/pythn3", ""},
      // Faults earlier rules took for probes: a tls/ folder that is not the loader's, a
      // connect() timing out, a dotfile that exists but is denied, a service's /etc/default file.
      {"openat", "ENOENT", "/srv/app/etc/tls/server.crt", ""},
      {"connect", "ETIMEDOUT", "", ""},
      {"openat", "EACCES", "/root/.config/git/config", ""},
      {"openat", "EACCES", "/home/ann/.mozilla/firefox", ""},
      {"openat", "ENOENT", "/etc/default/myapp", ""},
      {"openat", "ENOENT", "/etc/security/myapp.conf", ""},
  };
  for (const auto& c : faults) {
    INFO(c.path);
    const auto* row = tracer::find_syscall(c.syscall);
    CHECK(match_noise_rule(builtin_rules(), c.syscall,
                           row != nullptr ? row->family : tracer::Family::Other, c.err,
                           c.path) == nullptr);
  }
}

TEST_CASE("probe heuristic: a later success of the same name in the same process", "[noise]") {
  Trace tr;
  tr.open_fail(7, "/opt/app/lib/plugins/libfoo.so.3", "ENOENT")
      .open_ok(7, "/opt/app/lib/libfoo.so.3")
      .open_fail(8, "/opt/app/etc/app.conf.d", "ENOENT")  // pid 8 never finds it
      .open_ok(9, "/opt/app/etc/app.conf.d")              // another process does: no excuse for 8
      .call_fail(7, "newfstatat", "/srv/data/lockfile", "ENOENT")
      .open_ok(7, "/srv/data/lockfile", kCreateAppend);
  const Report r = tr.run(NoFileSystem(), builtin_rules());
  const auto* lib = find_suppressed(r, "/opt/app/lib/plugins/libfoo.so.3");
  REQUIRE(lib != nullptr);
  CHECK(lib->rule == "probe");
  CHECK(lib->reason.find("/opt/app/lib/libfoo.so.3") != std::string::npos);
  const auto* lock = find_suppressed(r, "/srv/data/lockfile");
  REQUIRE(lock != nullptr);
  CHECK(lock->rule == "probe");
  REQUIRE(r.findings.size() == 1);
  CHECK(r.findings[0].path == "/opt/app/etc/app.conf.d");
}

TEST_CASE("existence checks that are never followed by an open are optional files", "[noise]") {
  Trace tr;
  tr.call_fail(3, "access", "/srv/wp/wp-config-local.php", "ENOENT")
      .call_fail(3, "newfstatat", "/srv/wp/wp-content/db-config.php", "ENOENT")
      .open_fail(3, "/srv/wp/wp-content/db-config.php", "ENOENT");
  const Report r = tr.run(NoFileSystem(), builtin_rules());
  const auto* s = find_suppressed(r, "/srv/wp/wp-config-local.php");
  REQUIRE(s != nullptr);
  CHECK(s->rule == "existence-check");
  REQUIRE(r.findings.size() == 1);
  CHECK(r.findings[0].path == "/srv/wp/wp-content/db-config.php");
  CHECK(r.findings[0].count == 2);
}

TEST_CASE("mistyped path: sibling on disk, referrer line, 500 answer ranks it first",
          "[classify]") {
  TempTree t;
  t.file("/srv/wp/wp-settings.php", kSettings);
  t.file("/srv/wp/wp-includes/l10n.php", "<?php\n");
  t.file("/srv/wp/wp-includes/class-wp-locale.php", "<?php\n");
  t.file("/srv/wp/wp-includes/class-wp-hook.php", "<?php\n");
  const RealFileSystem rooted(t.root());
  Trace tr;
  tr.open_ok(20, "/srv/wp/index.php")
      .open_ok(20, "/srv/wp/wp-settings.php")
      .open_ok(20, "/srv/wp/wp-includes/l10n.php")
      .open_fail(20, "/srv/wp/wp-content/cache/page.html", "ENOENT")  // an unrelated miss, earlier
      .open_fail(20, "/srv/wp/wp-includes/class-wp-locale.phpp", "ENOENT")
      .write(20, 9, "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n", "TCP:[1]");
  const Report r = tr.run(rooted, builtin_rules());
  REQUIRE(r.findings.size() == 2);
  const Finding& f = r.findings[0];
  CHECK(f.rank == 1);
  CHECK(f.kind == FindingKind::MistypedPath);
  CHECK(f.path == "/srv/wp/wp-includes/class-wp-locale.phpp");
  CHECK(f.suggestion == std::optional<std::string>("/srv/wp/wp-includes/class-wp-locale.php"));
  CHECK(f.bad_token == "class-wp-locale.phpp");
  CHECK(f.good_token == "class-wp-locale.php");
  REQUIRE(f.referenced_from.has_value());
  CHECK(f.referenced_from->file == "/srv/wp/wp-settings.php");
  CHECK(f.referenced_from->line == 4);
  CHECK(f.referenced_from->text == "require ABSPATH . WPINC . '/class-wp-locale.phpp';");
  CHECK(f.rank_reason.find("last failure before the HTTP 5xx") != std::string::npos);
  CHECK(f.explanation ==
        "wp-settings.php line 4 requires /srv/wp/wp-includes/class-wp-locale.phpp, which does not "
        "exist; /srv/wp/wp-includes/class-wp-locale.php does: the name is mistyped.");
  CHECK_FALSE(f.log_only);
  REQUIRE_FALSE(f.evidence.empty());
  CHECK(f.evidence[0].line == 5);
  CHECK(f.evidence[0].summary ==
        "openat(\"/srv/wp/wp-includes/class-wp-locale.phpp\", O_RDONLY) = -1 ENOENT");
  CHECK(r.findings[1].rank == 2);
  CHECK(r.findings[1].score < f.score);
  bool saw_500 = false;
  for (const auto& e : r.timeline) {
    saw_500 = saw_500 || e.what.find("answered HTTP/1.1 500") != std::string::npos;
  }
  CHECK(saw_500);
}

TEST_CASE("a mistyped directory component is found too", "[classify]") {
  TempTree t;
  t.file("/var/www/html/index.php", "x");
  const RealFileSystem rooted(t.root());
  Trace tr;
  tr.open_fail(1, "/var/www/htlm/index.php", "ENOENT");
  const Report r = tr.run(rooted, builtin_rules());
  REQUIRE(r.findings.size() == 1);
  CHECK(r.findings[0].kind == FindingKind::MistypedPath);
  CHECK(r.findings[0].suggestion == std::optional<std::string>("/var/www/html/index.php"));
  CHECK(r.findings[0].bad_token == "htlm");
  CHECK(r.findings[0].good_token == "html");
}

TEST_CASE("missing path and missing directory", "[classify]") {
  TempTree t;
  t.file("/srv/app/config.php",
         "<?php\n$log = '/var/log/app/app.log';\nrequire 'db-config.php';\n");
  t.dir("/var/log");
  const RealFileSystem rooted(t.root());
  Trace tr;
  tr.open_ok(5, "/srv/app/config.php")
      .open_fail(5, "/srv/app/db-config.php", "ENOENT")
      .open_fail(5, "/var/log/app/app.log", "ENOENT", kCreateAppend);
  const Report r = tr.run(rooted, builtin_rules());
  const Finding* missing = find_kind(r, FindingKind::MissingPath);
  REQUIRE(missing != nullptr);
  CHECK(missing->path == "/srv/app/db-config.php");
  CHECK_FALSE(missing->suggestion.has_value());
  REQUIRE(missing->referenced_from.has_value());
  CHECK(missing->referenced_from->line == 3);
  const Finding* dir = find_kind(r, FindingKind::MissingDirectory);
  REQUIRE(dir != nullptr);
  CHECK(dir->path == "/var/log/app/app.log");
  CHECK(dir->missing_directory == "/var/log/app");
  CHECK_FALSE(dir->suggestion.has_value());
  CHECK(dir->explanation.find("/var/log/app does not exist") != std::string::npos);
  REQUIRE(dir->referenced_from.has_value());
  CHECK(dir->referenced_from->line == 2);

  // From the log alone: O_CREAT failing with ENOENT means a directory is missing.
  const Report lo = tr.run(NoFileSystem(), builtin_rules());
  const Finding* dir2 = find_kind(lo, FindingKind::MissingDirectory);
  REQUIRE(dir2 != nullptr);
  CHECK(dir2->log_only);
  CHECK(dir2->missing_directory == "/var/log/app");
}

TEST_CASE("permission walk on a real tree for uid 33", "[permission]") {
  TempTree t;
  t.file("/srv/site/wp-config.php", "<?php\n");
  t.file("/srv/site/private/key.pem", "k");
  t.chmod("/srv/site/wp-config.php", 0600);
  t.chmod("/srv/site/private", 0700);
  const RealFileSystem rooted(t.root());
  const auto uid = static_cast<std::uint32_t>(::geteuid());

  AccessRequest www;
  www.uid = 33;
  www.gid = 33;
  auto file = find_blocker(rooted, "/srv/site/wp-config.php", www);
  REQUIRE(file.has_value());
  CHECK(file->path == "/srv/site/wp-config.php");
  CHECK(file->mode == 0600);
  CHECK(file->uid == uid);
  CHECK(file->needed == "r");
  CHECK_FALSE(file->is_directory);
  // www-data is "other" here: no mode change lets it in without letting every user in.
  CHECK(file->suggested_mode == 0600);

  auto dir = find_blocker(rooted, "/srv/site/private/key.pem", www);
  REQUIRE(dir.has_value());
  CHECK(dir->path == "/srv/site/private");
  CHECK(dir->needed == "x");
  CHECK(dir->is_directory);
  CHECK(dir->suggested_mode == 0700);

  // The owner is not blocked; root is not blocked.
  AccessRequest owner;
  owner.uid = uid;
  CHECK_FALSE(find_blocker(rooted, "/srv/site/wp-config.php", owner).has_value());
  AccessRequest root;
  root.uid = 0;
  CHECK_FALSE(find_blocker(rooted, "/srv/site/private/key.pem", root).has_value());

  // Nothing is ever added for "other"; the owner or group class the process is in gains exactly
  // what it lacked (a script also r, a listed directory also x).
  CHECK(suggest_mode(0755, true, access_bit::Write, 0, 0, 33, 33) == 0755);
  CHECK(suggest_mode(0750, true, access_bit::Write, 0, 33, 33, 33) == 0770);
  CHECK(suggest_mode(0640, false, access_bit::Read, 0, 0, 33, 33) == 0640);
  CHECK(suggest_mode(0600, false, access_bit::Read, 0, 33, 33, 33) == 0640);
  CHECK(suggest_mode(0700, true, access_bit::Exec, 0, 33, 33, 33) == 0710);
  CHECK(suggest_mode(0700, true, access_bit::Read, 0, 33, 33, 33) == 0750);
  CHECK(suggest_mode(0000, false, access_bit::Exec, 33, 0, 33, 33) == 0500);
  CHECK(suggest_mode(0200, false, access_bit::Read, 33, 33, 33, 33) == 0600);

  // Through the pipeline: the uid comes from setresuid in the trace.
  Trace tr;
  tr.setuid(40, 33)
      .open_ok(40, "/srv/site/wp-load.php")
      .open_fail(40, "/srv/site/wp-config.php", "EACCES");
  t.file("/srv/site/wp-load.php", "<?php\nrequire_once ABSPATH . 'wp-config.php';\n");
  const Report r = tr.run(rooted, builtin_rules());
  REQUIRE(r.findings.size() == 1);
  const Finding& f = r.findings[0];
  CHECK(f.kind == FindingKind::PermissionDenied);
  CHECK(f.process_uid == std::optional<std::uint32_t>(33));
  REQUIRE(f.blocker.has_value());
  CHECK(f.blocker->suggested_mode == 0600);
  CHECK(f.explanation.find("holds secrets: only that one user") != std::string::npos);
  CHECK(f.explanation.find("0600") != std::string::npos);
  REQUIRE(f.referenced_from.has_value());
  CHECK(f.referenced_from->line == 2);
}

TEST_CASE("connection refused: a gone unix socket and a closed port", "[classify]") {
  TempTree t;
  t.file("/srv/app/config.php",
         "<?php\n$db = 'unix:///run/mysqld/mysqld.sock';\n$redis = 'tcp://127.0.0.1:6379';\n");
  t.dir("/run");
  const RealFileSystem rooted(t.root());
  Trace tr;
  tr.open_ok(4, "/srv/app/config.php");
  Event& unix_connect = tr.add(4, "connect");
  unix_connect.fd = 5;
  unix_connect.path = "/run/mysqld/mysqld.sock";
  unix_connect.ret = -1;
  unix_connect.err = "ENOENT";
  // A non-blocking connect whose result arrives through getsockopt(SO_ERROR).
  Event& inet = tr.add(4, "connect");
  inet.fd = 6;
  inet.address = "127.0.0.1:6379";
  inet.ret = -1;
  inet.err = "EINPROGRESS";
  Event& so = tr.add(4, "getsockopt");
  so.fd = 6;
  so.data = "ECONNREFUSED";
  const Report r = tr.run(rooted, builtin_rules());
  REQUIRE(r.findings.size() == 2);
  const Finding* sock = nullptr;
  const Finding* port = nullptr;
  for (const auto& f : r.findings) {
    CHECK(f.kind == FindingKind::ConnectionRefused);
    (f.address.empty() ? sock : port) = &f;
  }
  REQUIRE(sock != nullptr);
  REQUIRE(port != nullptr);
  CHECK(sock->path == "/run/mysqld/mysqld.sock");
  CHECK(sock->explanation.find("the socket /run/mysqld/mysqld.sock is gone") != std::string::npos);
  CHECK(sock->explanation.find("mysqld") != std::string::npos);
  REQUIRE(sock->referenced_from.has_value());
  CHECK(sock->referenced_from->line == 2);
  CHECK(port->address == "127.0.0.1:6379");
  CHECK(port->errno_name == "ECONNREFUSED");
  CHECK(port->explanation.find("redis") != std::string::npos);
  REQUIRE(port->referenced_from.has_value());
  CHECK(port->referenced_from->line == 3);
}

TEST_CASE("bad interpreter: the #! line names a missing program", "[classify]") {
  TempTree t;
  t.file("/srv/bin/report.py", "#!/usr/bin/pythn3\nprint('hi')\n");
  t.file("/srv/bin/dos.sh", "#!/bin/sh\r\necho hi\r\n");
  t.file("/usr/bin/python3", "");
  t.file("/bin/sh", "");
  const RealFileSystem rooted(t.root());
  Trace tr;
  tr.call_fail(2, "execve", "/srv/bin/report.py", "ENOENT")
      .call_fail(2, "execve", "/srv/bin/dos.sh", "ENOENT");
  const Report r = tr.run(rooted, builtin_rules());
  REQUIRE(r.findings.size() == 2);
  for (const auto& f : r.findings) {
    CHECK(f.kind == FindingKind::BadInterpreter);
    REQUIRE(f.referenced_from.has_value());
    CHECK(f.referenced_from->line == 1);
    if (f.referenced_from->file == "/srv/bin/report.py") {
      CHECK(f.path == "/usr/bin/pythn3");
      CHECK(f.suggestion == std::optional<std::string>("/usr/bin/python3"));
      CHECK(f.bad_token == "/usr/bin/pythn3");
      CHECK(f.good_token == "/usr/bin/python3");
    } else {
      CHECK(f.explanation.find("carriage return") != std::string::npos);
      CHECK(f.good_token == "/bin/sh");
    }
  }
}

TEST_CASE("config errors from Apache and nginx messages", "[messages]") {
  TempTree t;
  t.file("/etc/apache2/apache2.conf",
         "ServerRoot /etc/apache2\nListen 80\nLoadModlue rewrite_module "
         "/usr/lib/apache2/modules/mod_rewrite.so\n");
  const RealFileSystem rooted(t.root());
  Trace tr;
  tr.open_ok(1, "/etc/apache2/apache2.conf")
      .write(
          1, 2,
          "AH00526: Syntax error on line 3 of /etc/apache2/apache2.conf:\n"
          "Invalid command 'LoadModlue', perhaps misspelled or defined by a module not included in "
          "the server configuration\n")
      .exit(1, 1);
  const Report r = tr.run(rooted, builtin_rules());
  REQUIRE_FALSE(r.findings.empty());
  const Finding& f = r.findings[0];
  CHECK(f.kind == FindingKind::ConfigError);
  CHECK(f.path == "/etc/apache2/apache2.conf");
  REQUIRE(f.referenced_from.has_value());
  CHECK(f.referenced_from->line == 3);
  CHECK(f.referenced_from->text.rfind("LoadModlue rewrite_module", 0) == 0);
  CHECK(f.bad_token == "LoadModlue");
  CHECK(f.good_token == "LoadModule");
  CHECK(f.errno_name.empty());
  CHECK(f.explanation.find("did you mean 'LoadModule'") != std::string::npos);
  CHECK(f.message.find("Invalid command 'LoadModlue'") != std::string::npos);

  // Words from `apache2 -L` extend the list.
  Rules rules = builtin_rules();
  const std::vector<std::string> extra{"CulpritDemoDirective"};
  rules.add_known_words("apache-directives", extra, true);
  Trace tr2;
  tr2.write(1, 2, "AH00526: Syntax error on line 3 of /etc/apache2/apache2.conf:\n")
      .write(1, 2,
             "Invalid command 'CulpritDemoDirectiv', perhaps misspelled or defined by a module not "
             "included in the server configuration\n");
  const Report r2 = tr2.run(rooted, rules);
  REQUIRE_FALSE(r2.findings.empty());
  CHECK(r2.findings[0].good_token == "CulpritDemoDirective");

  // nginx: one line carries file, line and directive.
  Trace tr3;
  tr3.write(9, 2, "nginx: [emerg] unknown directive \"server_nmae\" in /etc/nginx/nginx.conf:12\n");
  const Report r3 = tr3.run(NoFileSystem(), builtin_rules());
  REQUIRE(r3.findings.size() == 1);
  CHECK(r3.findings[0].kind == FindingKind::ConfigError);
  CHECK(r3.findings[0].path == "/etc/nginx/nginx.conf");
  CHECK(r3.findings[0].referenced_from->line == 12);
  CHECK(r3.findings[0].good_token == "server_name");
}

TEST_CASE("Apache 'Cannot load ... .soo': the message gives the referrer", "[messages]") {
  TempTree t;
  t.file("/usr/lib/apache2/modules/mod_rewrite.so");
  t.file("/usr/lib/apache2/modules/mod_mime.so");
  t.file("/etc/apache2/apache2.conf",
         "Listen 80\nLoadModule rewrite_module /usr/lib/apache2/modules/mod_rewrite.soo\n");
  const RealFileSystem rooted(t.root());
  Trace tr;
  tr.open_ok(1, "/etc/apache2/apache2.conf")
      .open_fail(1, "/usr/lib/apache2/modules/mod_rewrite.soo", "ENOENT")
      .write(
          1, 2,
          "AH00526: Syntax error on line 2 of /etc/apache2/apache2.conf:\nCannot load "
          "/usr/lib/apache2/modules/mod_rewrite.soo into server: "
          "/usr/lib/apache2/modules/mod_rewrite.soo: cannot open shared object file: No such file "
          "or directory\n")
      .exit(1, 1);
  const Report r = tr.run(rooted, builtin_rules());
  REQUIRE(r.findings.size() == 1);  // the message joins the failure; no second finding
  const Finding& f = r.findings[0];
  CHECK(f.kind == FindingKind::MistypedPath);
  CHECK(f.suggestion == std::optional<std::string>("/usr/lib/apache2/modules/mod_rewrite.so"));
  CHECK(f.bad_token == "mod_rewrite.soo");
  REQUIRE(f.referenced_from.has_value());
  CHECK(f.referenced_from->file == "/etc/apache2/apache2.conf");
  CHECK(f.referenced_from->line == 2);
  CHECK(f.rank_reason.find("error message") != std::string::npos);
}

TEST_CASE("log-only inference: siblings seen in the log, PHP message, recorded read data",
          "[logonly]") {
  Trace tr;
  tr.open_ok(30, "/srv/wp/wp-settings.php").read(30, "/srv/wp/wp-settings.php", kSettings);
  for (const char* name : {"l10n.php", "class-wp-hook.php", "class-wp-locale.php", "plugin.php"}) {
    tr.open_ok(30, std::string("/srv/wp/wp-includes/") + name);
  }
  tr.open_fail(30, "/srv/wp/wp-includes/class-wp-locale.phpp", "ENOENT");
  const Report r = tr.run(NoFileSystem(), builtin_rules());
  CHECK(r.log_only);
  REQUIRE(r.findings.size() == 1);
  const Finding& f = r.findings[0];
  CHECK(f.kind == FindingKind::MistypedPath);
  CHECK(f.log_only);
  CHECK(f.suggestion == std::optional<std::string>("/srv/wp/wp-includes/class-wp-locale.php"));
  CHECK(f.explanation.find("log only") != std::string::npos);
  REQUIRE(f.referenced_from.has_value());
  CHECK(f.referenced_from->file == "/srv/wp/wp-settings.php");
  CHECK(f.referenced_from->line == 4);

  // With PHP's message the location comes from the message.
  Trace tr2;
  tr2.open_ok(31, "/srv/wp/wp-includes/class-wp-locale.php")
      .open_fail(31, "/srv/wp/wp-includes/class-wp-locale.phpp", "ENOENT")
      .write(31, 2,
             "PHP Fatal error:  Uncaught Error: Failed opening required "
             "'/srv/wp/wp-includes/class-wp-locale.phpp' (include_path='.:/usr/share/php') in "
             "/srv/wp/wp-settings.php:137\nStack trace:\n#0 {main}\n")
      .exit(31, 255);
  const Report r2 = tr2.run(NoFileSystem(), builtin_rules());
  REQUIRE(r2.findings.size() == 1);
  CHECK(r2.findings[0].kind == FindingKind::MistypedPath);
  REQUIRE(r2.findings[0].referenced_from.has_value());
  CHECK(r2.findings[0].referenced_from->file == "/srv/wp/wp-settings.php");
  CHECK(r2.findings[0].referenced_from->line == 137);
  CHECK(r2.findings[0].message.find("Failed opening required") != std::string::npos);
}

TEST_CASE("an error message overrides a noise rule", "[noise][messages]") {
  Trace tr;
  tr.open_fail(3, "/lib/x86_64-linux-gnu/glibc-hwcaps/x86-64-v3/libfoo.so.1", "ENOENT")
      .open_fail(3, "/lib/x86_64-linux-gnu/libfoo.so.1", "ENOENT")
      .write(3, 2,
             "app: error while loading shared libraries: libfoo.so.1: cannot open shared object "
             "file: No such file or directory\n")
      .exit(3, 127);
  const Report r = tr.run(NoFileSystem(), builtin_rules());
  REQUIRE(r.findings.size() == 1);
  CHECK(r.findings[0].path == "/lib/x86_64-linux-gnu/libfoo.so.1");
  CHECK(r.findings[0].rank_reason.find("ld-so-missing-library") != std::string::npos);
  // Both tries are one search that found nothing: one missing-library finding names them all.
  CHECK(r.findings[0].kind == FindingKind::MissingLibrary);
  CHECK(r.findings[0].explanation.find("/lib/x86_64-linux-gnu/glibc-hwcaps/x86-64-v3") !=
        std::string::npos);
  CHECK(find_suppressed(r, "/lib/x86_64-linux-gnu/glibc-hwcaps/x86-64-v3/libfoo.so.1") == nullptr);
}

TEST_CASE("ranking: the failure repeated before every 500 beats one-offs", "[rank]") {
  Trace tr;
  for (int req = 0; req < 3; ++req) {
    const Pid pid = 100 + req;
    tr.open_fail(pid, "/srv/site/cache/" + std::to_string(req), "ENOENT")
        .open_fail(pid, "/srv/site/lib/missing.php", "ENOENT")
        .write(pid, 8, "HTTP/1.1 500 Internal Server Error\r\n\r\n");
  }
  tr.open_fail(200, "/srv/site/other.txt", "ENOENT").write(200, 8, "HTTP/1.1 200 OK\r\n\r\n");
  const Report r = tr.run(NoFileSystem(), builtin_rules());
  // other.txt failed in a request answered 200: the server did without it.
  REQUIRE(r.findings.size() == 4);
  CHECK(r.findings[0].path == "/srv/site/lib/missing.php");
  CHECK(r.findings[0].count == 3);
  CHECK(r.findings[0].rank_reason.find("3 of the 3 HTTP 5xx") != std::string::npos);
  CHECK(r.findings[0].rank_reason.find("every one of the 3 requests") != std::string::npos);
  const Suppressed* ok = find_suppressed(r, "/srv/site/other.txt");
  REQUIRE(ok != nullptr);
  CHECK(ok->rule == "succeeded");
  for (const auto& f : r.findings) {
    CHECK(!f.rank_reason.empty());
  }
}

TEST_CASE("the group cap keeps memory bounded and says so", "[group]") {
  Trace tr;
  for (int i = 0; i < 10; ++i) {
    tr.open_fail(1, "/srv/x/file" + std::to_string(i), "ENOENT");
    tr.open_fail(1, "/srv/x/file" + std::to_string(i), "ENOENT");
  }
  PipelineOptions options;
  options.max_groups = 3;
  const Report r = tr.run(NoFileSystem(), builtin_rules(), options);
  CHECK(r.findings.size() + r.suppressed.size() == 3);
  CHECK(r.stats.groups_dropped == 7);
  CHECK(r.stats.failed == 20);
  bool said = false;
  for (const auto& d : r.diagnostics) {
    said = said || d.message.find("7 failure groups") != std::string::npos;
  }
  CHECK(said);
}

TEST_CASE("referrer follows the parent chain and skips comments", "[referrer]") {
  TempTree t;
  t.file("/etc/app/main.conf", "# see extra.conf for details\ninclude /etc/app/extra.conf\n");
  const RealFileSystem rooted(t.root());
  Trace tr;
  tr.open_ok(1, "/etc/app/main.conf").clone(1, 2).open_fail(2, "/etc/app/extra.conf", "ENOENT");
  const Report r = tr.run(rooted, builtin_rules());
  REQUIRE(r.findings.size() == 1);
  REQUIRE(r.findings[0].referenced_from.has_value());
  CHECK(r.findings[0].referenced_from->file == "/etc/app/main.conf");
  CHECK(r.findings[0].referenced_from->line == 2);
  CHECK(find_token_line("x-extra.conf\nextra.conf\n", "extra.conf") == 2);
  CHECK(find_token_line("extra.confx\n", "extra.conf") == 0);
}

TEST_CASE("RealFileSystem under --root never leaves the root", "[filesystem]") {
  TempTree t;
  t.file("/etc/passwd", "inside\n");
  t.file("/srv/data.txt", "data");
  fs::create_symlink("/etc/passwd", t.root() + "/srv/abs-link");
  fs::create_symlink("../../../../../../etc/passwd", t.root() + "/srv/rel-link");
  fs::create_symlink("/srv", t.root() + "/www");
  const RealFileSystem rooted(t.root());
  auto abs = rooted.read("/srv/abs-link", 100);
  REQUIRE(abs.ok());
  CHECK(*abs == "inside\n");
  auto rel = rooted.read("/srv/rel-link", 100);
  REQUIRE(rel.ok());
  CHECK(*rel == "inside\n");
  auto via_dir = rooted.stat("/www/data.txt");
  REQUIRE(via_dir.has_value());
  CHECK(via_dir->size == 4);
  CHECK_FALSE(rooted.stat("/srv/nothing").has_value());
  const auto names = rooted.list("/srv", 100);
  CHECK(names.size() == 3);
  CHECK_FALSE(rooted.read("/srv", 10).ok());
  CHECK(RealFileSystem().user_name(0) == "root");
}

// ---- the real samples: strace reader + pipeline vs samples/expected.json ----

namespace {

class Collect final : public tracer::EventSink {
 public:
  explicit Collect(Pipeline& p) : p_(p) {}
  void on_event(const Event& e) override {
    so_error_ = so_error_ || (e.syscall == "getsockopt" && !e.data.empty());
    p_.on_event(e);
  }
  [[nodiscard]] bool so_error() const { return so_error_; }

 private:
  Pipeline& p_;
  bool so_error_ = false;
};

Report replay(const nlohmann::json& sample, const FileSystem& filesystem,
              bool* so_error = nullptr) {
  std::vector<std::string> logs;
  for (const auto& l : sample["logs"]) {
    logs.push_back(std::string(CULPRIT_SOURCE_DIR) + "/" + l.get<std::string>());
  }
  Pipeline p(builtin_rules(), filesystem, {});
  Collect sink(p);
  tracer::SourceStats stats;
  auto ok = tracer::read_logs(logs, sink, stats);
  REQUIRE(ok.ok());
  if (so_error != nullptr) {
    *so_error = sink.so_error();
  }
  return p.finish(stats);
}

}  // namespace

TEST_CASE("real samples give the expected top finding", "[samples]") {
  const std::string expected_path = std::string(CULPRIT_SOURCE_DIR) + "/samples/expected.json";
  std::ifstream in(expected_path);
  REQUIRE(in.good());  // samples/ ships with the project
  const auto expected = nlohmann::json::parse(in);
  for (const auto& sample : expected) {
    const std::string name = sample["name"];
    for (const bool with_root : {true, false}) {
      INFO(name << (with_root ? " with --root" : " log only"));
      const RealFileSystem rooted(std::string(CULPRIT_SOURCE_DIR) + "/" +
                                  sample["root"].get<std::string>());
      const NoFileSystem none;
      bool so_error = false;
      const Report r =
          replay(sample, with_root ? static_cast<const FileSystem&>(rooted) : none, &so_error);
      if (name == "socket-gone-tcp-nonblock") {
        // The refusal is only in getsockopt(SO_ERROR)'s result: the reader must deliver it.
        CHECK(so_error);
      }
      CHECK_FALSE(r.findings.empty());
      if (r.findings.empty()) {
        continue;
      }
      const Finding& top = r.findings[0];
      INFO("top: " << to_string(top.kind) << " " << top.path << " — " << top.explanation);
      const std::string kind = sample["kind"];
      for (const auto& b : sample["benign"]) {
        INFO("benign " << b.get<std::string>());
        for (const auto& f : r.findings) {
          CHECK(f.path != b.get<std::string>());
        }
      }
      if (!with_root) {
        // Without the files, the kind may be less precise, but the culprit path is the same.
        if (kind != "bad-interpreter") {
          CHECK(top.path == sample["path"].get<std::string>());
        }
        continue;
      }
      CHECK(std::string(to_string(top.kind)) == kind);
      CHECK(top.path == sample["path"].get<std::string>());
      if (sample["suggestion"].is_null()) {
        CHECK_FALSE(top.suggestion.has_value());
      } else {
        CHECK(top.suggestion ==
              std::optional<std::string>(sample["suggestion"].get<std::string>()));
      }
      if (!sample["referenced_from"].is_null()) {
        REQUIRE(top.referenced_from.has_value());
        CHECK(top.referenced_from->file == sample["referenced_from"]["file"].get<std::string>());
        CHECK(top.referenced_from->line == sample["referenced_from"]["line"].get<std::uint64_t>());
      }
      if (sample.contains("missing_directory")) {
        CHECK(top.missing_directory == sample["missing_directory"].get<std::string>());
      }
      if (sample.contains("directive")) {
        CHECK(top.bad_token == sample["directive"]["found"].get<std::string>());
        CHECK(top.good_token == sample["directive"]["expected"].get<std::string>());
      }
    }
  }
}

TEST_CASE("user message rules: named captures, continuation and a word list", "[rules][messages]") {
  Rules rules = builtin_rules();
  REQUIRE(rules
              .add_text("app.yaml",
                        "messages:\n"
                        "  - id: app-config-at\n"
                        "    match: 'config error at (?<file>/\\S+) line (?<line>\\d+)'\n"
                        "    contains: ['config error at']\n"
                        "    kind: config-error\n"
                        "  - id: app-bad-key\n"
                        "    match: 'unknown key \"(?P<token>[a-z_]+)\"'\n"
                        "    contains: ['unknown key']\n"
                        "    words: app-keys\n"
                        "    continues: true\n"
                        "words:\n"
                        "  app-keys: {list: [listen_port, log_level]}\n")
              .ok());
  Trace tr;
  tr.write(5, 2, "config error at /etc/app.conf line 7\n")
      .write(5, 2, "unknown key \"log_levle\"\n");
  const Report r = tr.run(NoFileSystem(), rules);
  REQUIRE(r.findings.size() == 1);
  const Finding& f = r.findings[0];
  CHECK(f.kind == FindingKind::ConfigError);
  CHECK(f.path == "/etc/app.conf");
  CHECK(f.referenced_from->line == 7);
  CHECK(f.bad_token == "log_levle");
  CHECK(f.good_token == "log_level");
}

TEST_CASE("a message rule's errno key is checked and decides what its path means",
          "[rules][messages]") {
  // Accepted: one known errno name.
  const std::string rule =
      "messages:\n"
      "  - id: app-cannot-read\n"
      "    match: 'app: cannot read (?<path>/\\S+)'\n"
      "    contains: ['cannot read']\n";
  Rules with_errno = builtin_rules();
  REQUIRE(with_errno.add_text("app.yaml", rule + "    errno: EACCES\n").ok());
  CHECK(with_errno.messages().back().id == "app-cannot-read");
  CHECK(with_errno.messages().back().errno_name == "EACCES");

  // Used: the text does not say why, the rule does: a permission problem, not a missing file.
  Trace tr;
  tr.write(7, 2, "app: cannot read /srv/app/secret.key\n");
  const Report r = tr.run(NoFileSystem(), with_errno);
  const Finding* f = find_finding(r, "/srv/app/secret.key");
  REQUIRE(f != nullptr);
  CHECK(f->kind == FindingKind::PermissionDenied);

  // Without the key the errno is guessed from the text (nothing there: ENOENT).
  Rules without = builtin_rules();
  REQUIRE(without.add_text("app.yaml", rule).ok());
  CHECK(without.messages().back().errno_name.empty());
  const Report guessed = tr.run(NoFileSystem(), without);
  const Finding* g = find_finding(guessed, "/srv/app/secret.key");
  REQUIRE(g != nullptr);
  CHECK(g->kind == FindingKind::MissingPath);

  // Rejected: an unknown name, a lower-case one, a list; the error names file, line and rule.
  for (const char* bad : {"EFOOBAR", "enoent", "[ENOENT]"}) {
    INFO(bad);
    Rules r2;
    auto res = r2.add_text("bad.yaml", rule + "    errno: " + bad + "\n");
    REQUIRE_FALSE(res.ok());
    CHECK(res.error().file == "bad.yaml");
    CHECK(res.error().line == 5);
    const std::string text = res.error().describe();
    CHECK(text.find("bad.yaml:5:") != std::string::npos);
    CHECK(text.find("'app-cannot-read'") != std::string::npos);
    CHECK(text.find("errno") != std::string::npos);
    CHECK(r2.messages().empty());
  }

  // The built-in rules carry it where their pattern fixes the reason, and only there.
  const Rules& builtin = builtin_rules();
  auto errno_of = [&](std::string_view id) {
    for (const auto& m : builtin.messages()) {
      if (m.id == id) {
        return m.errno_name;
      }
    }
    FAIL("no built-in message rule " << id);
    return std::string();
  };
  CHECK(errno_of("generic-permission-denied") == "EACCES");
  CHECK(errno_of("apache-permission-denied") == "EACCES");
  CHECK(errno_of("generic-no-such-file") == "ENOENT");
  CHECK(errno_of("bad-interpreter") == "ENOENT");
  CHECK(errno_of("nginx-connect-failed").empty());  // "(111: Connection refused)" or "(2: ...)"
  CHECK(errno_of("mysql-socket").empty());
}

TEST_CASE("nginx's upstream socket is reported without its unix: prefix", "[rules][messages]") {
  Trace tr;
  tr.write(9, 2,
           "2026/01/01 10:00:00 [crit] 9#9: *1 connect() to unix:/run/php/php8.2-fpm.sock failed "
           "(2: No such file or directory) while connecting to upstream\n");
  tr.write(9, 2,
           "2026/01/01 10:00:01 [error] 9#9: *2 connect() to 127.0.0.1:9000 failed "
           "(111: Connection refused) while connecting to upstream\n");
  tr.write(9, 2, "2026/01/01 10:00:02 [error] 9#9: *3 connect() to unix: failed (2: x)\n");
  const Report r = tr.run(NoFileSystem(), builtin_rules());
  const Finding* sock = find_finding(r, "/run/php/php8.2-fpm.sock");
  REQUIRE(sock != nullptr);
  CHECK(sock->message.find("unix:/run/php/php8.2-fpm.sock") != std::string::npos);
  const Finding* tcp = find_finding(r, "127.0.0.1:9000");
  REQUIRE(tcp != nullptr);
  CHECK(tcp->kind == FindingKind::ConnectionRefused);  // guessed from the text: no errno key
  for (const Finding& f : r.findings) {
    CHECK(f.path.find("unix:") == std::string::npos);
  }
}

TEST_CASE("calls that never completed prove nothing: other errnos are explained", "[pipeline]") {
  Trace tr;
  tr.open_fail(6, "/srv/app/data.db", "EROFS", tracer::open_flag::RdWr);
  tr.open_fail(6, "/srv/app/plugins/x.dat", "ENOENT");
  Event& never = tr.add(6, "openat");  // "= ?" after a kill: not a success
  never.path = "/srv/app/x.dat";
  never.path_absolute = true;
  never.ret_known = false;
  const Report r = tr.run(NoFileSystem(), builtin_rules());
  REQUIRE(r.findings.size() == 2);
  CHECK(find_suppressed(r, "/srv/app/plugins/x.dat") == nullptr);
  const Finding* other = find_kind(r, FindingKind::Other);
  REQUIRE(other != nullptr);
  CHECK(other->explanation.find("read-only") != std::string::npos);
}

namespace {

// A path a glob matches: '**' and '*' become a name, '?' a letter, a class its first member.
std::string path_for_glob(std::string_view glob) {
  std::string out;
  for (std::size_t i = 0; i < glob.size(); ++i) {
    const char c = glob[i];
    if (c == '*') {
      const bool dbl = i + 1 < glob.size() && glob[i + 1] == '*';
      if (dbl && i + 2 < glob.size() && glob[i + 2] == '/') {
        out += "srv";  // "**/" spans one component here
        i += 1;
      } else {
        out += "x";
        i += dbl ? 1 : 0;
      }
    } else if (c == '?') {
      out += 'x';
    } else if (c == '[') {
      const auto end = glob.find(']', i + 1);
      const bool negated = i + 1 < glob.size() && (glob[i + 1] == '!' || glob[i + 1] == '^');
      out += negated ? 'x' : glob[i + 1];
      i = end == std::string_view::npos ? glob.size() : end;
    } else if (c == '\\' && i + 1 < glob.size()) {
      out += glob[++i];
    } else {
      out += c;
    }
  }
  return out.empty() || out.front() != '/' ? "/srv/app/" + out : out;
}

std::string message_for(const std::string& err) {
  if (err == "EACCES" || err == "EPERM") {
    return "Permission denied";
  }
  if (err == "ECONNREFUSED") {
    return "Connection refused";
  }
  if (err == "EEXIST") {
    return "File exists";
  }
  return "No such file or directory";
}

}  // namespace

// The promise of rules/noise.yaml: a rule is a prior. For every rule (the built-in ones, so a new
// rule is covered without a new test), a failure it matches that the program then reports by
// name in an error before exiting 1 is a finding, never a suppressed failure. Rules whose errnos
// all say "the object is there" or "try again" (EINVAL from readlink, ENOTTY, EAGAIN...) have
// nothing a message could complain about and are skipped, as the analyzer skips them.
TEST_CASE("no noise rule hides a failure the program reported by name", "[noise][rules]") {
  const Rules& rules = builtin_rules();
  std::size_t tested = 0;
  for (const auto& rule : rules.noise()) {
    std::string err;
    for (const auto& e : rule.errnos) {
      if (culprit::analyzer::errno_can_be_complained_about(e)) {
        err = e;
        break;
      }
    }
    if (err.empty() && rule.errnos.empty()) {
      err = "ENOENT";
    }
    if (err.empty()) {
      continue;
    }
    std::string syscall = rule.syscalls.empty() ? "openat" : rule.syscalls.front();
    if (rule.syscalls.empty() && !rule.families.empty() &&
        rule.families.front() == tracer::Family::Exec) {
      syscall = "execve";
    }
    const tracer::SyscallInfo* row = tracer::find_syscall(syscall);
    const tracer::Family family = row != nullptr ? row->family : tracer::Family::Other;
    std::vector<std::string> candidates;
    for (const auto& g : rule.paths) {
      candidates.push_back(path_for_glob(g));
    }
    if (candidates.empty()) {
      candidates.push_back("/srv/app/data/state.db");
    }
    std::string path;
    for (const auto& c : candidates) {
      if (rule.matches(syscall, family, err, c)) {
        path = c;
        break;
      }
    }
    INFO("rule " << rule.id << " (" << syscall << ", " << err << ")");
    REQUIRE_FALSE(path.empty());  // some example path must match the rule
    Trace tr;
    tr.call_fail(7, syscall, path, err)
        .write(7, 2, "app: cannot open '" + path + "': " + message_for(err) + "\n")
        .exit(7, 1);
    const Report r = tr.run(NoFileSystem(), rules);
    INFO("path " << path);
    CHECK(find_suppressed(r, path) == nullptr);
    REQUIRE_FALSE(r.findings.empty());
    CHECK(r.findings[0].path == path);
    ++tested;
  }
  CHECK(tested >= 40);
}

// The same evidence works the other way: without it, each rule still hides what it matches.
TEST_CASE("a noise rule still hides a failure nothing complained about", "[noise][rules]") {
  Trace tr;
  tr.open_fail(5, "/usr/lib/locale/C.UTF-8/LC_CTYPE", "ENOENT")
      .open_fail(5, "/etc/ld.so.preload", "ENOENT")
      .write(5, 1, "hello\n")
      .exit(5, 0);
  const Report r = tr.run(NoFileSystem(), builtin_rules());
  CHECK(r.findings.empty());
  REQUIRE(find_suppressed(r, "/etc/ld.so.preload") != nullptr);
  CHECK_FALSE(find_suppressed(r, "/etc/ld.so.preload")->weighed.empty());
}

TEST_CASE("a consequence with no failed call is reported as such", "[consequences]") {
  Trace tr;
  tr.write(9, 2, "app: invalid value for --workers\n").exit(9, 2);
  const Report r = tr.run(NoFileSystem(), builtin_rules());
  CHECK(r.findings.empty());
  REQUIRE(r.consequences.size() == 2);
  CHECK(r.consequences[0].what.find("invalid value") != std::string::npos);
  CHECK(r.consequences[1].what ==
        "exited with status 2 after writing \"app: invalid value for --workers\"");
}

// PHP with opcache never re-opens the file that requires the mistyped name: the trace shows only
// the failing open. The referrer is found on disk, near the failing path.
TEST_CASE("the referrer is found on disk when the trace does not show it", "[referrer]") {
  culprit::test::TempDir dir("culprit-refdisk");
  const auto site = dir.path() / "srv" / "site";
  std::filesystem::create_directories(site / "inc");
  culprit::test::write_text(site / "index.php",
                            "<?php\n// front page\nrequire __DIR__ . '/inc/db.phpp';\n");
  culprit::test::write_text(site / "inc" / "db.php", "<?php\n");
  const RealFileSystem fs(dir.path().string());
  Trace tr;
  tr.open_fail(3, "/srv/site/inc/db.phpp", "ENOENT")
      .write(3, 2, "app: cannot open /srv/site/inc/db.phpp: No such file or directory\n")
      .exit(3, 255);
  const Report r = tr.run(fs, builtin_rules());
  REQUIRE_FALSE(r.findings.empty());
  const Finding& f = r.findings[0];
  INFO(f.explanation);
  CHECK(f.kind == FindingKind::MistypedPath);
  REQUIRE(f.referenced_from);
  CHECK(f.referenced_from->file == "/srv/site/index.php");
  CHECK(f.referenced_from->line == 3);
  CHECK(f.bad_token == "db.phpp");
  CHECK(f.good_token == "db.php");
  CHECK(f.explanation.find("searching") != std::string::npos);
}

// Several EACCES under one directory that www-data cannot enter: the directory is the culprit.
TEST_CASE("a denied directory blocking several files is one finding naming it", "[permission]") {
  culprit::test::TempDir dir("culprit-denydir");
  const auto app = dir.path() / "srv" / "app";
  std::filesystem::create_directories(app / "conf");
  culprit::test::write_text(app / "conf" / "a.ini", "a=1\n");
  culprit::test::write_text(app / "conf" / "b.ini", "b=1\n");
  REQUIRE(::chmod(dir.path().c_str(), 0755) == 0);  // mkdtemp makes it 0700
  REQUIRE(::chmod((app / "conf").c_str(), 0700) == 0);
  const RealFileSystem fs(dir.path().string());
  Trace tr;
  tr.setuid(4, 33)
      .open_fail(4, "/srv/app/conf/a.ini", "EACCES")
      .write(4, 2, "app: /srv/app/conf/a.ini: Permission denied\n")
      .open_fail(4, "/srv/app/conf/b.ini", "EACCES")
      .write(4, 2, "app: /srv/app/conf/b.ini: Permission denied\n")
      .exit(4, 1);
  const Report r = tr.run(fs, builtin_rules());
  REQUIRE(r.findings.size() == 1);
  const Finding& f = r.findings[0];
  CHECK(f.kind == FindingKind::PermissionDenied);
  CHECK(f.path == "/srv/app/conf");
  CHECK(f.count == 2);
  CHECK(f.explanation.find("/srv/app/conf/b.ini") != std::string::npos);
  REQUIRE(f.blocker);
  CHECK(f.blocker->path == "/srv/app/conf");
}

// Log only, one failure, no sibling in the log: ".phpp" is still a typo of ".php".
TEST_CASE("a mistyped extension is recognised from the name alone in log-only analysis",
          "[classify]") {
  Trace tr;
  tr.open_fail(2, "/srv/site/inc/db.phpp", "ENOENT")
      .write(2, 2,
             "PHP Warning:  require(/srv/site/inc/db.phpp): Failed to open stream: No such "
             "file or directory in /srv/site/index.php on line 3\n")
      .exit(2, 255);
  const Report r = tr.run(NoFileSystem(), builtin_rules());
  REQUIRE_FALSE(r.findings.empty());
  CHECK(r.findings[0].kind == FindingKind::MistypedPath);
  REQUIRE(r.findings[0].suggestion);
  CHECK(*r.findings[0].suggestion == "/srv/site/inc/db.php");
  // A real extension is not taken for a typo of another one.
  Trace tr2;
  tr2.open_fail(2, "/srv/site/static/app.jsx", "ENOENT")
      .write(2, 2, "error: cannot open /srv/site/static/app.jsx\n")
      .exit(2, 1);
  const Report r2 = tr2.run(NoFileSystem(), builtin_rules());
  REQUIRE_FALSE(r2.findings.empty());
  CHECK(r2.findings[0].kind == FindingKind::MissingPath);
}

// The dpkg database and service definitions of a system (here a tree written by hand, as under
// --root): which package ships a file, which service the system ties to a socket, and no answer
// when the tie is missing or ambiguous.
TEST_CASE("system owners: packages from dpkg lists, services tied to sockets", "[owners]") {
  TempTree t;
  const std::string info = "/var/lib/dpkg/info/";
  t.file(info + "media-types.list", "/.\n/etc\n/etc/mime.types\n/usr/share/doc/media-types\n");
  t.file(info + "media-types.conffiles", "/etc/mime.types\n");
  t.file(info + "libfoo1:amd64.list", "/.\n/lib/x86_64-linux-gnu/libfoo.so.1\n");
  t.file(info + "a.list", "/usr/share/shared.txt\n");
  t.file(info + "b.list", "/usr/share/shared.txt\n");
  t.file(info + "php8.2-fpm.list",
         "/etc/init.d\n/etc/init.d/php8.2-fpm\n/etc/php/8.2/fpm/pool.d\n"
         "/etc/php/8.2/fpm/pool.d/www.conf\n/lib/systemd/system/php8.2-fpm.service\n");
  t.file(info + "php8.2-common.list", "/etc/php/8.2\n/etc/php/8.2/fpm\n");
  t.file(info + "tools.list", "/etc/tools/tools.conf\n/etc/init.d/tool-a\n/etc/init.d/tool-b\n");
  t.file("/etc/php/8.2/fpm/pool.d/www.conf",
         "[www]\nuser = www-data\nlisten = /run/php/php8.2-fpm.sock\n");
  // An admin's own pool file, which no package lists: its directory belongs to php8.2-fpm.
  t.file("/etc/php/8.2/fpm/pool.d/shop.conf", "[shop]\n  listen = /var/run/php/shop.sock\n");
  t.file("/etc/php/8.2/fpm/pool.d/old.conf", "[old]\n;listen = /run/php/old.sock\n");
  t.file("/etc/tools/tools.conf", "socket=/run/tools.sock\n");
  t.file("/lib/systemd/system/foo.socket",
         "[Socket]\nListenStream=/run/foo/foo.sock\nService=foo-daemon.service\n");
  t.file("/lib/systemd/system/stats.socket", "[Socket]\nListenStream=127.0.0.1:8125\n");
  const RealFileSystem rooted(t.root());
  const SystemOwners owners(rooted);

  const auto mime = owners.package_owning("/etc/mime.types");
  REQUIRE(mime.has_value());
  CHECK(mime->package == "media-types");
  CHECK(mime->conffile);
  const auto lib = owners.package_owning("/usr/lib/x86_64-linux-gnu/libfoo.so.1");  // merged /usr
  REQUIRE(lib.has_value());
  CHECK(lib->package == "libfoo1");
  CHECK_FALSE(lib->conffile);
  CHECK_FALSE(owners.package_owning("/usr/share/shared.txt").has_value());  // two owners
  CHECK_FALSE(owners.package_owning("/etc/mime.types.d").has_value());
  CHECK(owners.package_owning("/etc").has_value());  // a directory one package lists

  const auto fpm = owners.service_for_socket("/run/php/php8.2-fpm.sock");
  REQUIRE(fpm.has_value());
  CHECK(fpm->service == "php8.2-fpm");
  CHECK(fpm->tie.find("line 3 of /etc/php/8.2/fpm/pool.d/www.conf") != std::string::npos);
  const auto shop = owners.service_for_socket("/run/php/shop.sock");  // /var/run spelling
  REQUIRE(shop.has_value());
  CHECK(shop->service == "php8.2-fpm");
  CHECK_FALSE(owners.service_for_socket("/run/php/old.sock").has_value());  // commented out
  CHECK_FALSE(owners.service_for_socket("/run/php/php8.2").has_value());    // a prefix only
  CHECK_FALSE(owners.service_for_socket("/run/tools.sock").has_value());    // two init scripts
  const auto foo = owners.service_for_socket("/var/run/foo/foo.sock");
  REQUIRE(foo.has_value());
  CHECK(foo->service == "foo-daemon");
  const auto stats = owners.service_for_socket("127.0.0.1:8125");
  REQUIRE(stats.has_value());
  CHECK(stats->service == "stats");
  CHECK_FALSE(owners.service_for_socket("127.0.0.1:8126").has_value());

  // tmpfiles.d: how the system itself makes a directory; /etc masks /usr/lib of the same name.
  t.file("/usr/lib/tmpfiles.d/app.conf", "# app\nd /run/app 0750 www-data adm -\n");
  t.file("/usr/lib/tmpfiles.d/web.conf", "d /run/web 0755 root root -\n");
  t.file("/etc/tmpfiles.d/web.conf", "d /var/run/web 0711 web web -\n");
  t.file("/usr/lib/tmpfiles.d/odd.conf",
         "d /run/odd-%i 0755 root root -\nd /run/bad 0755 $(x) root\n");
  const auto app = owners.tmpfiles_directory("/var/run/app");
  REQUIRE(app.has_value());
  CHECK(app->owner == "www-data");
  CHECK(app->group == "adm");
  CHECK(app->mode == 0750);
  CHECK(app->source == "line 2 of /usr/lib/tmpfiles.d/app.conf");
  const auto web = owners.tmpfiles_directory("/run/web");
  REQUIRE(web.has_value());
  CHECK(web->mode == 0711);
  CHECK(web->owner == "web");
  CHECK_FALSE(owners.tmpfiles_directory("/run/bad").has_value());  // not a safe account name
  CHECK_FALSE(owners.tmpfiles_directory("/run/none").has_value());

  // dpkg-statoverride: the exact path, its mode with the sticky bit, a path with a space.
  t.file("/var/lib/dpkg/statoverride",
         "root root 1733 /var/lib/php/sessions\npuppet puppet 750 /var/log/puppet\n"
         "www-data adm 2750 /srv/my logs\nroot $(x) 755 /srv/bad\n");
  const auto sessions = owners.statoverride_directory("/var/lib/php/sessions");
  REQUIRE(sessions.has_value());
  CHECK(sessions->mode == 01733);
  CHECK(sessions->owner == "root");
  const auto logs = owners.statoverride_directory("/srv/my logs");
  REQUIRE(logs.has_value());
  CHECK(logs->owner == "www-data");
  CHECK(logs->group == "adm");
  CHECK(logs->mode == 02750);
  CHECK(logs->source == "dpkg-statoverride, line 3 of /var/lib/dpkg/statoverride");
  CHECK_FALSE(owners.statoverride_directory("/var/log").has_value());
  CHECK_FALSE(owners.statoverride_directory("/srv/bad").has_value());

  const NoFileSystem none;
  CHECK_FALSE(SystemOwners(none).service_for_socket("/run/php/php8.2-fpm.sock").has_value());
}

TEST_CASE("LoadModule lines are read, and a new one goes where Apache allows it", "[catalog]") {
  using culprit::analyzer::load_module_lines;
  using culprit::analyzer::load_module_position;
  const auto loads = load_module_lines(
      "# LoadModule commented_module x.so\n  loadmodule dir_module /m/mod_dir.so\n"
      "LoadModule php_module \"/m/libphp8.2.so\"\nLoadModule\nLoadModuleX a b\n");
  REQUIRE(loads.size() == 2);
  CHECK(loads[0].name == "dir_module");
  CHECK(loads[0].path == "/m/mod_dir.so");
  CHECK(loads[1].name == "php_module");
  CHECK(loads[1].path == "/m/libphp8.2.so");

  // After the last top-level LoadModule above the error (not one inside a block, not below it).
  const std::string conf =
      "ServerName x\n"                   // 1
      "LoadModule a_module /m/a.so\n"    // 2
      "<IfModule b>\n"                   // 3
      "  LoadModule c_module /m/c.so\n"  // 4
      "</IfModule>\n"                    // 5
      "LoadModule d_module /m/d.so\n"    // 6
      "<VirtualHost *:80>\n"             // 7
      "  <Directory /srv>\n"             // 8
      "    RewriteEngine on\n"           // 9
      "  </Directory>\n"                 // 10
      "</VirtualHost>\n"                 // 11
      "LoadModule e_module /m/e.so\n";   // 12
  const auto at = load_module_position(conf, 9);
  REQUIRE(at);
  CHECK(at->first == 7);
  CHECK(at->second == "<VirtualHost *:80>");
  // No LoadModule above: before the outermost block that holds the error...
  const std::string bare = "ServerName x\n<VirtualHost *:80>\n  <Location />\n    Foo on\n";
  REQUIRE(load_module_position(bare, 4));
  CHECK(load_module_position(bare, 4)->first == 2);
  // ...or before the error's own line at top level; a continued line is not a directive.
  const std::string top = "ServerName x \\\n  <Directory\nFoo on\n";
  REQUIRE(load_module_position(top, 3));
  CHECK(load_module_position(top, 3)->first == 3);
  CHECK_FALSE(load_module_position(top, 9));
}

// A program that cannot open its file looks up the translation of its error message before it
// prints it: with the write filtered out of the log (strace -e trace=openat, -Z), the catalog
// probes are the last failures before the exit, yet they follow the fault.
TEST_CASE("a message catalog looked up while reporting is not blamed for the exit", "[noise]") {
  Trace tr;
  tr.open_fail(7, "/srv/app/conf/app.conf", "ENOENT")
      .open_fail(7, "/usr/share/locale/C.UTF-8/LC_MESSAGES/libc.mo", "ENOENT")
      .open_fail(7, "/usr/share/locale/C/LC_MESSAGES/libc.mo", "ENOENT")
      .exit(7, 1);
  const Report r = tr.run(NoFileSystem(), builtin_rules());
  REQUIRE_FALSE(r.findings.empty());
  CHECK(r.findings[0].path == "/srv/app/conf/app.conf");
  // Nothing but catalogs failed: then they are what the exit is blamed on.
  Trace only;
  only.open_fail(8, "/usr/share/locale/C/LC_MESSAGES/libc.mo", "ENOENT").exit(8, 1);
  const Report r2 = only.run(NoFileSystem(), builtin_rules());
  REQUIRE_FALSE(r2.findings.empty());
  CHECK(r2.findings[0].path == "/usr/share/locale/C/LC_MESSAGES/libc.mo");
}

// A shell that ran its command and reaped it (wait4 ... ECHILD at the end) did work after ld.so's
// /etc/ld.so.preload check: the ECHILD does not make that check the last failure before the exit.
TEST_CASE("a failure with no path does not make an old ruled failure the last one", "[noise]") {
  Trace tr;
  tr.open_fail(9, "/etc/ld.so.preload", "ENOENT")
      .open_ok(9, "/etc/ld.so.cache")
      .call_fail(9, "wait4", "", "ECHILD")
      .exit(9, 3);
  const Report r = tr.run(NoFileSystem(), builtin_rules());
  CHECK(r.findings.empty());
  CHECK(find_suppressed(r, "/etc/ld.so.preload") != nullptr);
}
