// Fixes, checked with the real tools: quoting round-trips through sh, bash, sed and Puppet; the
// manifests pass `puppet parser validate` and `puppet-lint
// --fail-on-warnings`, the scripts `sh -n`, `bash -n` and `shellcheck`; then
// both are APPLIED to broken trees in temporary directories — the first run fixes exactly what is
// broken, the second changes nothing, hostile file names run nothing, and findings culprit cannot
// fix fail loudly until a person has fixed them.
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "analyzer/core/permission.h"
#include "analyzer/core/quote.h"
#include "analyzer/fix/fix.h"
#include "analyzer/passes/server_catalog.h"
#include "analyzer/rules/rules.h"
#include "tests/test_util.h"

namespace {

namespace fs = std::filesystem;
using culprit::analyzer::Finding;
using culprit::analyzer::FindingKind;
using culprit::analyzer::Report;
using culprit::test::CommandResult;
using culprit::test::read_text;
using culprit::test::run_command;
using culprit::test::TempDir;
using culprit::test::write_text;

// Names that break naive quoting. Each must survive every layer byte for byte.
const std::vector<std::string>& hostile_names() {
  static const std::vector<std::string> names = {
      "it's",
      "say \"hi\"",
      "$(touch pwned)",
      "`touch pwned`",
      "a;touch pwned;b",
      "sp ace",
      "tab\there",
      "100% %s %n",
      "-leading",
      "${HOME}x",
      "back\\slash\\n",
      "amp&and|pipe#hash",
      "unicode-\xc3\xbc"  // NOLINT(bugprone-suspicious-missing-comma): one name, split after
                          // escapes
      "n\xc3\xaf"
      "c\xc3\xb8"
      "d\xc3\xa9-\xe2\x98\x83",
      "bad-\xff\xfe-utf8",
      "dots.*[^x]$",
      std::string(251, 'L'),  // + ".php" = a 255-byte component
  };
  return names;
}

std::string describe(const CommandResult& r) {
  return "exit " + std::to_string(r.exit_code) + "\nstdout:\n" + r.out + "\nstderr:\n" + r.err;
}

// No file named "pwned" anywhere under `root` (the hostile names try to create one).
bool pwned_under(const fs::path& root) {
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->path().filename() == "pwned") {
      return true;
    }
  }
  return false;
}

// Everything a change could alter: content, mode, owner, inode (sed -i makes a new one), times.
using Snapshot =
    std::map<std::string,
             std::tuple<std::string, unsigned, unsigned, unsigned, ino_t, long, long, long, long>>;
Snapshot snapshot(const fs::path& root) {
  Snapshot out;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    struct stat st {};
    REQUIRE(::lstat(entry.path().c_str(), &st) == 0);
    std::string content;
    if (S_ISREG(st.st_mode)) {
      content = read_text(entry.path());
    }
    out[entry.path().string()] = {
        content,           st.st_mode,         st.st_uid,         st.st_gid,         st.st_ino,
        st.st_mtim.tv_sec, st.st_mtim.tv_nsec, st.st_ctim.tv_sec, st.st_ctim.tv_nsec};
  }
  return out;
}

unsigned mode_of(const fs::path& p) {
  struct stat st {};
  REQUIRE(::lstat(p.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

// `long_lines_ok`: for manifests written by the test itself (culprit's own fence long lines).
void validate_manifest(const fs::path& file, bool long_lines_ok = false) {
  const auto parsed = run_command({"puppet", "parser", "validate", file.string()});
  INFO(read_text(file));
  INFO(describe(parsed));
  CHECK(parsed.exit_code == 0);
  std::vector<std::string> lint_argv = {"puppet-lint", "--fail-on-warnings", file.string()};
  if (long_lines_ok) {
    lint_argv.insert(lint_argv.begin() + 1, "--no-140chars-check");
  }
  const auto lint = run_command(lint_argv);
  INFO(describe(lint));
  CHECK(lint.exit_code == 0);
}

void validate_script(const fs::path& file) {
  INFO(read_text(file));
  for (const std::vector<std::string>& argv :
       {std::vector<std::string>{"sh", "-n", file.string()},
        std::vector<std::string>{"bash", "-n", file.string()},
        std::vector<std::string>{"shellcheck", "-s", "sh", file.string()}}) {
    const auto r = run_command(argv);
    INFO(argv[0] << ": " << describe(r));
    CHECK(r.exit_code == 0);
  }
}

// `puppet apply --detailed-exitcodes`: 0 nothing to do, 2 changed, 4/6 failures. Facter prints
// permission errors inside containers; the exit code is what counts.
CommandResult puppet_apply(const fs::path& manifest, const fs::path& cwd) {
  return run_command(
      {"puppet", "apply", "--detailed-exitcodes", "--color=false", manifest.string()}, cwd);
}

const culprit::analyzer::FixTemplates& templates() {
  static const auto loaded = culprit::analyzer::FixTemplates::load_embedded();
  REQUIRE(loaded.ok());
  return loaded.value();
}

Finding mistyped(const fs::path& target, const fs::path& referrer, std::uint64_t line,
                 const std::string& line_text, const std::string& bad, const std::string& good) {
  Finding f;
  f.kind = FindingKind::MistypedPath;
  f.errno_name = "ENOENT";
  f.syscall = "openat";
  f.path = (target.parent_path() / bad).string();
  f.count = 1;
  f.pids = {4242};
  f.suggestion = target.string();
  f.referenced_from = culprit::analyzer::SourceLocation{referrer.string(), line, line_text};
  f.bad_token = bad;
  f.good_token = good;
  f.explanation = "a require names a file that does not exist; a near-named one does";
  return f;
}

// ---- the broken tree for the actionable fixes
// -------------------------------------------------

struct Broken {
  Report report;
  fs::path wp_settings;
  std::string wp_settings_fixed;
  fs::path other_php;
  std::string other_php_text;
  std::vector<std::pair<fs::path, std::string>> hostile_refs;  // file, expected after the fix
  fs::path conf;
  std::string conf_fixed;
  fs::path module_conf;
  std::string module_conf_fixed;
  fs::path log_dir;
  fs::path secret;
  fs::path private_dir;
  fs::path group_file;
};

Broken make_broken(const fs::path& root) {
  Broken b;
  b.report.mode = "replay";
  b.report.inputs = {"test.log"};
  auto& findings = b.report.findings;

  // The incident: wp-settings.php line 4 requires class-wp-locale.phpp. Lines 2 and 5 and another
  // file hold the same token and must stay as they are.
  fs::create_directories(root / "www/wp-includes");
  write_text(root / "www/wp-includes/class-wp-locale.php", "<?php // locale\n");
  b.wp_settings = root / "www/wp-settings.php";
  const std::string req = "require ABSPATH . WPINC . '/class-wp-locale.phpp';";
  write_text(b.wp_settings, "<?php\n// class-wp-locale.phpp was a typo once\n$x = 1;\n" + req +
                                "\necho 'class-wp-locale.phpp';\n");
  b.wp_settings_fixed =
      "<?php\n// class-wp-locale.phpp was a typo once\n$x = 1;\n"
      "require ABSPATH . WPINC . '/class-wp-locale.php';\n"
      "echo 'class-wp-locale.phpp';\n";
  b.other_php = root / "www/other.php";
  b.other_php_text = "<?php require 'wp-includes/class-wp-locale.phpp';\n";
  write_text(b.other_php, b.other_php_text);
  findings.push_back(mistyped(root / "www/wp-includes/class-wp-locale.php", b.wp_settings, 4, req,
                              "class-wp-locale.phpp", "class-wp-locale.php"));

  // Hostile names: the target, the token and the referencing file all carry the name.
  for (std::size_t i = 0; i < hostile_names().size(); ++i) {
    const std::string& h = hostile_names()[i];
    const fs::path dir = root / ("h" + std::to_string(i));
    fs::create_directories(dir);
    write_text(dir / (h + ".php"), "target\n");
    const std::string ref_name =
        h.size() > 200 ? std::string(251, 'R') + ".php" : "ref " + h + ".php";
    const fs::path ref = dir / ref_name;
    const std::string bad = h + ".phpp";
    const std::string good = h + ".php";
    const std::string line = "include '" + bad + "'; // " + bad;
    write_text(ref, "first " + bad + "\n" + line + "\nlast " + bad + "\n");
    b.hostile_refs.emplace_back(
        ref, "first " + bad + "\ninclude '" + good + "'; // " + good + "\nlast " + bad + "\n");
    findings.push_back(mistyped(dir / (h + ".php"), ref, 2, line, bad, good));
  }

  // A misspelled directive whose correction contains it (LoadModul -> LoadModule): a correct
  // LoadModule on another line must not become LoadModulee, and the second run must not fire.
  fs::create_directories(root / "conf");
  b.conf = root / "conf/app.conf";
  write_text(b.conf,
             "# conf\nLoadModul foo_module modules/mod_foo.so\n"
             "LoadModule bar_module modules/mod_bar.so\n");
  b.conf_fixed =
      "# conf\nLoadModule foo_module modules/mod_foo.so\n"
      "LoadModule bar_module modules/mod_bar.so\n";
  {
    Finding f;
    f.kind = FindingKind::ConfigError;
    f.path = b.conf.string();
    f.referenced_from = culprit::analyzer::SourceLocation{
        b.conf.string(), 2, "LoadModul foo_module modules/mod_foo.so"};
    f.bad_token = "LoadModul";
    f.good_token = "LoadModule";
    f.message = "Invalid command 'LoadModul', perhaps misspelled";
    findings.push_back(f);
  }

  // A directive of a module the configuration does not load, in a file with a hostile name: the
  // LoadModule goes before the block holding it (LoadModule is not allowed inside one).
  b.module_conf = root / "conf/$(touch pwned) 'mods'.conf";
  const std::string module_text =
      "ServerName x\n<Directory /srv>\n  RewriteEngine on\n</Directory>\n";
  write_text(b.module_conf, module_text);
  b.module_conf_fixed =
      "ServerName x\nLoadModule rewrite_module /usr/lib/apache2/modules/mod_rewrite.so\n"
      "<Directory /srv>\n  RewriteEngine on\n</Directory>\n";
  {
    Finding f;
    f.kind = FindingKind::ConfigError;
    f.path = b.module_conf.string();
    f.referenced_from =
        culprit::analyzer::SourceLocation{b.module_conf.string(), 3, "  RewriteEngine on"};
    f.bad_token = "RewriteEngine";
    const auto at = culprit::analyzer::load_module_position(module_text, 3);
    REQUIRE(at);
    f.module_to_load =
        culprit::analyzer::ModuleToLoad{"rewrite_module", "/usr/lib/apache2/modules/mod_rewrite.so",
                                        "rewrite",        b.module_conf.string(),
                                        at->first,        at->second};
    findings.push_back(f);
  }

  // A missing log directory with a hostile name, to be owned by the process's uid.
  b.log_dir = root / "logs/$(touch pwned) 'dir'";
  {
    Finding f;
    f.kind = FindingKind::MissingDirectory;
    f.errno_name = "ENOENT";
    f.syscall = "openat";
    f.path = (b.log_dir / "error.log").string();
    f.process_uid = 65534;
    f.wants_create = true;  // a log the process creates (O_CREAT): the directory is what is missing
    findings.push_back(f);
  }

  // Unreadable file (0600 -> 0644) and unsearchable directory (0700 -> 0755); a second finding
  // blocked by the same directory must not produce a second resource for it.
  fs::create_directories(root / "perm");
  b.secret = root / "perm/it's $(touch pwned).php";
  write_text(b.secret, "secret\n");
  ::chmod(b.secret.c_str(), 0600);
  b.private_dir = root / "perm/-private `x`";
  fs::create_directories(b.private_dir);
  ::chmod(b.private_dir.c_str(), 0700);
  for (const auto& [path, dir, mode, needed] :
       {std::tuple{b.secret, false, 0600u, "r"}, std::tuple{b.private_dir, true, 0700u, "x"},
        std::tuple{b.private_dir, true, 0700u, "x"}}) {
    Finding f;
    f.kind = FindingKind::PermissionDenied;
    f.errno_name = "EACCES";
    f.syscall = "openat";
    f.path = (dir ? path / "index.php" : path).string();
    f.process_uid = 65534;  // nobody: neither owner nor group, so an ACL for it alone
    f.blocker = culprit::analyzer::PermissionBlocker{path.string(), mode,   0,   0, "root",
                                                     "root",        needed, dir, 0};
    findings.push_back(f);
  }
  // A file in the denied process's group (root:nogroup 0600): the group bits gain r, no ACL.
  b.group_file = root / "perm/grp $(id) 'g'.conf";
  write_text(b.group_file, "group\n");
  REQUIRE(::chown(b.group_file.c_str(), 0, 65534) == 0);
  ::chmod(b.group_file.c_str(), 0600);
  {
    Finding f;
    f.kind = FindingKind::PermissionDenied;
    f.errno_name = "EACCES";
    f.syscall = "openat";
    f.path = b.group_file.string();
    f.process_uid = 65534;
    f.process_gid = 65534;
    f.blocker = culprit::analyzer::PermissionBlocker{
        b.group_file.string(), 0600, 0, 65534, "root", "nogroup", "r", false, 0640};
    findings.push_back(f);
  }
  for (std::size_t i = 0; i < findings.size(); ++i) {
    findings[i].rank = static_cast<int>(i + 1);
  }
  culprit::analyzer::attach_fixes(b.report, templates());
  return b;
}

// What a successful run of the fixes must have produced. `puppet`: the invalid-UTF-8 name is left
// alone by the manifest (it cannot be written in one) and fixed by the script.
void check_fixed(const Broken& b, bool puppet) {
  CHECK(read_text(b.wp_settings) == b.wp_settings_fixed);
  CHECK(read_text(b.other_php) == b.other_php_text);
  for (std::size_t i = 0; i < b.hostile_refs.size(); ++i) {
    const auto& [file, expected] = b.hostile_refs[i];
    INFO("hostile name #" << i << ": " << culprit::analyzer::display_text(hostile_names()[i]));
    if (puppet && !culprit::analyzer::is_valid_utf8(hostile_names()[i])) {
      CHECK(read_text(file) != expected);
    } else {
      CHECK(read_text(file) == expected);
    }
  }
  CHECK(read_text(b.conf) == b.conf_fixed);
  CHECK(read_text(b.module_conf) == b.module_conf_fixed);
  CHECK(fs::exists(b.module_conf.string() + ".culprit-bak"));
  REQUIRE(fs::is_directory(b.log_dir));
  struct stat st {};
  REQUIRE(::stat(b.log_dir.c_str(), &st) == 0);
  CHECK(st.st_uid == 65534);
  CHECK((st.st_mode & 07777) == 0755);
  // Least privilege: nobody (65534) gained what it lacked; other users gained nothing.
  CHECK((mode_of(b.secret) & 0007) == 0);
  CHECK((mode_of(b.private_dir) & 0007) == 0);
  CHECK(run_command({"getfacl", "-cn", "--", b.secret.string()}).out.find("user:65534:r--") !=
        std::string::npos);
  CHECK(run_command({"getfacl", "-cn", "--", b.private_dir.string()}).out.find("user:65534:--x") !=
        std::string::npos);
  CHECK(mode_of(b.group_file) == 0640);
  CHECK(run_command({"getfacl", "-cn", "--", b.group_file.string()}).out.find("user:65534") ==
        std::string::npos);
}

// ---- the tree for findings culprit cannot fix
// -------------------------------------------------

struct Unfixable {
  Report report;
  fs::path missing;
  fs::path linked;
  fs::path socket;
  fs::path conf;
  fs::path no_target_ref;
};

Unfixable make_unfixable(const fs::path& root) {
  Unfixable u;
  u.report.mode = "replay";
  u.report.inputs = {"test.log"};
  auto& findings = u.report.findings;
  fs::create_directories(root / "site");
  u.missing = root / "site/gone $(touch pwned).php";
  {
    Finding f;
    f.kind = FindingKind::MissingPath;
    f.errno_name = "ENOENT";
    f.path = u.missing.string();
    findings.push_back(f);
  }
  // A near-named file exists but nothing is known to ask for the wrong name: no renaming.
  write_text(root / "site/style.css", "x\n");
  u.linked = root / "site/style.csss";
  {
    Finding f;
    f.kind = FindingKind::MistypedPath;
    f.errno_name = "ENOENT";
    f.path = u.linked.string();
    f.suggestion = (root / "site/style.css").string();
    findings.push_back(f);
  }
  // A token with a newline cannot be on one line: no edit, only the existence check.
  write_text(root / "site/new\nline.php", "x\n");
  {
    Finding f = mistyped(root / "site/new\nline.php", root / "site/index.php", 2, "",
                         "new\nline.phpp", "new\nline.php");
    f.path = (root / "site/new\nline.phpp").string();
    findings.push_back(f);
  }
  // An edit whose target does not exist (yet): guarded, so nothing changes, and the script says why
  // it did not edit.
  u.no_target_ref = root / "site/index2.php";
  write_text(u.no_target_ref, "<?php\ninclude 'lib.phpp';\n");
  findings.push_back(mistyped(root / "site/lib.php", u.no_target_ref, 2, "include 'lib.phpp';",
                              "lib.phpp", "lib.php"));
  u.socket = root / "run/mysqld 'x'.sock";
  fs::create_directories(root / "run");
  {
    Finding f;
    f.kind = FindingKind::ConnectionRefused;
    f.errno_name = "ENOENT";
    f.syscall = "connect";
    f.path = u.socket.string();
    findings.push_back(f);
  }
  {
    Finding f;
    f.kind = FindingKind::ConnectionRefused;
    f.errno_name = "ECONNREFUSED";
    f.syscall = "connect";
    f.address = "127.0.0.1:3306";
    findings.push_back(f);
  }
  u.conf = root / "site/app.conf";
  write_text(u.conf, "a\nFrobnicate $(touch pwned) on\n");
  {
    Finding f;
    f.kind = FindingKind::ConfigError;
    f.path = u.conf.string();
    f.referenced_from = culprit::analyzer::SourceLocation{u.conf.string(), 2, ""};
    f.bad_token = "Frobnicate $(touch pwned)";
    findings.push_back(f);
  }
  {
    Finding f;
    f.kind = FindingKind::BadInterpreter;
    f.errno_name = "ENOENT";
    f.syscall = "execve";
    f.path = (root / "site/cgi.py").string();
    findings.push_back(f);
  }
  {
    Finding f;
    f.kind = FindingKind::PermissionDenied;
    f.errno_name = "EACCES";
    f.path = (root / "site/upload").string();
    f.blocker = culprit::analyzer::PermissionBlocker{
        (root / "site").string(), 0755, 0, 0, "root", "root", "w", true, 0777};
    findings.push_back(f);
  }
  {
    Finding f;
    f.kind = FindingKind::Other;
    f.path = "/dev/null\x1b[31m";
    findings.push_back(f);
  }
  for (std::size_t i = 0; i < findings.size(); ++i) {
    findings[i].rank = static_cast<int>(i + 1);
  }
  culprit::analyzer::attach_fixes(u.report, templates());
  return u;
}

// Binds (and leaves) a Unix socket at `path`, as a server would.
void make_socket(const fs::path& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string name = path.string();
  REQUIRE(name.size() < sizeof(addr.sun_path));
  std::copy(name.begin(), name.end(), addr.sun_path);
  REQUIRE(::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) == 0);
  ::close(fd);
}

}  // namespace

using namespace culprit::analyzer;

TEST_CASE("shell_quote round-trips hostile names through sh and bash", "[quote]") {
  TempDir dir("culprit-quote");
  for (const auto& name : hostile_names()) {
    for (const char* shell : {"sh", "bash"}) {
      const auto r = run_command({shell, "-c", "printf '%s' " + shell_quote(name)}, dir.path());
      INFO(shell << ": " << display_text(name) << " as " << display_text(shell_quote(name)));
      CHECK(r.exit_code == 0);
      CHECK(r.out == name);
    }
  }
  CHECK(shell_quote("") == "''");
  CHECK(shell_quote("it's") == "'it'\\''s'");
  CHECK_FALSE(pwned_under(dir.path()));
}

TEST_CASE("sed literals match exactly the token and nothing else", "[quote]") {
  TempDir dir("culprit-sed");
  for (const auto& name : hostile_names()) {
    const std::string bad = name + ".phpp";
    const std::string good = name + ".php&\\1";
    const auto delim = sed_delimiter(bad, good);
    REQUIRE(delim);
    const auto re = sed_regex_literal(bad, *delim);
    const auto rep = sed_replacement_literal(good, *delim);
    REQUIRE(re);
    REQUIRE(rep);
    const fs::path file = dir / "f";
    // Line 1 holds a near miss built from the regex characters (the '.' must not match 'X').
    std::string near = bad;
    std::replace(near.begin(), near.end(), '.', 'X');
    write_text(file, near + "\n<" + bad + ">\n");
    const std::string script = std::string("2s") + *delim + *re + *delim + *rep + *delim + "g";
    const auto r = run_command({"env", "LC_ALL=C", "sed", "-i", "-e", script, "--", file.string()});
    INFO(display_text(name) << ": " << display_text(script) << "\n" << describe(r));
    CHECK(r.exit_code == 0);
    CHECK(read_text(file) == near + "\n<" + good + ">\n");
  }
  CHECK_FALSE(sed_regex_literal("a\nb", '|'));
  CHECK_FALSE(sed_regex_literal("a|b", '|'));
  CHECK_FALSE(sed_delimiter("|#,@!%:+=~", ""));
}

TEST_CASE("puppet_quote round-trips through a real puppet apply", "[quote][puppet]") {
  TempDir dir("culprit-pq");
  std::string manifest;
  std::vector<std::pair<fs::path, std::string>> expected;
  std::vector<std::string> values = hostile_names();
  values.emplace_back("new\nline");
  values.emplace_back("${x} and $y and \\' and \\\\");
  std::size_t i = 0;
  for (const auto& v : values) {
    if (!puppet_representable(v)) {
      CHECK_FALSE(is_valid_utf8(v));
      continue;
    }
    const fs::path file = dir / ("f" + std::to_string(i++));
    manifest += "file { " + puppet_quote(file.string()) + ":\n  ensure  => file,\n  content => " +
                puppet_quote(v) + ",\n}\n";
    expected.emplace_back(file, v);
  }
  CHECK_FALSE(puppet_representable("a\x1b[31m"));
  CHECK_FALSE(puppet_representable("\xed\xa0\x80"));  // a UTF-16 surrogate, not UTF-8
  write_text(dir / "m.pp", manifest);
  validate_manifest(dir / "m.pp", true);
  const auto r = puppet_apply(dir / "m.pp", dir.path());
  INFO(describe(r));
  CHECK(r.exit_code == 2);
  for (const auto& [file, content] : expected) {
    INFO(display_text(content));
    CHECK(read_text(file) == content);
  }
  CHECK_FALSE(pwned_under(dir.path()));
}

TEST_CASE("display_text is one line of valid UTF-8 without control characters", "[quote]") {
  for (const auto& name : hostile_names()) {
    const std::string d = display_text(name + "\n\x1b[2J\r\xc2\x9b");
    CHECK(is_valid_utf8(d));
    CHECK(std::none_of(d.begin(), d.end(),
                       [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }));
  }
  CHECK(display_text("a\tb\\c\xff") == "a\\tb\\\\c\\xff");
  CHECK(display_text("\xc3\xbc") == "\xc3\xbc");
}

TEST_CASE("the fix templates load and bad ones are rejected with file and line", "[templates]") {
  REQUIRE(FixTemplates::load_embedded().ok());
  std::string text;
  for (const auto& f : embedded_rules()) {
    if (std::string_view(f.name) == "rules/fixes.yaml") {
      text = f.text;
    }
  }
  REQUIRE_FALSE(text.empty());
  const auto line_of = [&](std::size_t pos) {
    return static_cast<std::uint64_t>(
               std::count(text.begin(), text.begin() + static_cast<long>(pos), '\n')) +
           1;
  };

  SECTION("unknown placeholder in a block scalar") {
    const std::size_t pos = text.find("{sh_target}");
    REQUIRE(pos != std::string::npos);
    std::string bad = text;
    bad.replace(pos, 11, "{sh_targte}");
    const auto r = FixTemplates::parse(bad, "rules/fixes.yaml");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().file == "rules/fixes.yaml");
    CHECK(r.error().line == line_of(pos));
    CHECK_THAT(r.error().describe(), Catch::Contains("sh_targte"));
  }
  SECTION("a placeholder another variant has but this one lacks") {
    const std::size_t require = text.find("  missing-directory:");
    const std::size_t pos = text.find("{dir_text}", require);
    REQUIRE(pos != std::string::npos);
    // `target` belongs to the edit variants, not to `create`.
    std::string bad = text;
    bad.replace(pos, 10, "{target}");
    const auto r = FixTemplates::parse(bad, "x.yaml");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().line == line_of(pos));
  }
  SECTION("single brace") {
    const std::size_t pos = text.find("exec {{ {title}:");
    std::string bad = text;
    bad.replace(pos, 7, "exec {");
    const auto r = FixTemplates::parse(bad, "x.yaml");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().line == line_of(pos));
  }
  SECTION("unknown kind, missing variant, broken YAML") {
    CHECK_FALSE(FixTemplates::parse(text + "  no-such-kind:\n    advise: {}\n", "x").ok());
    std::string bad = text;
    const std::size_t pos = bad.find("    socket-check:");
    bad.replace(pos, 17, "    socket-chek:");
    const auto r = FixTemplates::parse(bad, "x");
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().message, Catch::Contains("socket-chek"));
    CHECK_FALSE(FixTemplates::parse("kinds: [", "x").ok());
  }
  SECTION("a key that is itself a mapping is an error with its line, not an exception") {
    // YAML's explicit key syntax: `? e: E` makes the key {e: E}.
    const auto top = FixTemplates::parse("manifest: {}\n? e: E\n: x\n", "x.yaml");
    REQUIRE_FALSE(top.ok());
    CHECK(top.error().line == 2);
    CHECK_THAT(top.error().message, Catch::Contains("plain text"));
    std::string bad = text;
    const std::size_t pos = bad.find("\nkinds:\n") + 1;
    REQUIRE(pos != 0);
    bad.insert(pos + 7, "  ? [a, b]\n  : {}\n");
    const auto kinds = FixTemplates::parse(bad, "x.yaml");
    REQUIRE_FALSE(kinds.ok());
    CHECK(kinds.error().line == line_of(pos) + 1);
  }
}

TEST_CASE("fixes for every kind validate, apply once, and then change nothing", "[fix][apply]") {
  TempDir puppet_root("culprit-fix-pp");
  TempDir shell_root("culprit-fix-sh");
  TempDir out("culprit-fix-out");
  const Broken pb = make_broken(puppet_root.path());
  const Broken sb = make_broken(shell_root.path());

  for (const auto& f : pb.report.findings) {
    INFO(to_string(f.kind) << " " << display_text(f.path));
    REQUIRE(f.fix);
    CHECK(f.fix->actionable);
  }
  const std::string manifest = puppet_manifest(pb.report, 100, templates());
  const std::string script = shell_script(sb.report, 100, templates());
  write_text(out / "fix.pp", manifest);
  write_text(out / "fix.sh", script);
  validate_manifest(out / "fix.pp");
  validate_script(out / "fix.sh");

  // The manifest's shape: one resource per change, the duplicate blocker as a comment, the
  // invalid-UTF-8 name as a comment, and never a blind global substitution.
  CHECK(std::count(manifest.begin(), manifest.end(), '\t') == 0);
  CHECK_THAT(manifest, Catch::Contains("the same change as finding"));
  CHECK_THAT(manifest, Catch::Contains("cannot be written into a Puppet manifest"));
  CHECK_THAT(manifest, Catch::Contains("4s|class-wp-locale\\\\.phpp|class-wp-locale.php|g"));
  CHECK(is_valid_utf8(manifest));
  CHECK(script.rfind("#!/bin/sh\n", 0) == 0);
  CHECK_THAT(script, Catch::Contains("set -eu"));

  SECTION("puppet apply") {
    const auto first = puppet_apply(out / "fix.pp", puppet_root.path());
    INFO(manifest);
    INFO(describe(first));
    CHECK(first.exit_code == 2);
    check_fixed(pb, true);
    const Snapshot after_first = snapshot(puppet_root.path());
    const auto second = puppet_apply(out / "fix.pp", puppet_root.path());
    INFO(describe(second));
    CHECK(second.exit_code == 0);
    CHECK(snapshot(puppet_root.path()) == after_first);
    CHECK_FALSE(pwned_under(puppet_root.path()));
    CHECK_FALSE(pwned_under(out.path()));
    CHECK_FALSE(fs::exists("pwned"));
  }
  SECTION("shell script") {
    const auto first = run_command({"sh", (out / "fix.sh").string()}, shell_root.path());
    INFO(script);
    INFO(describe(first));
    CHECK(first.exit_code == 0);
    check_fixed(sb, false);
    const Snapshot after_first = snapshot(shell_root.path());
    const auto second = run_command({"sh", (out / "fix.sh").string()}, shell_root.path());
    INFO(describe(second));
    CHECK(second.exit_code == 0);
    CHECK(snapshot(shell_root.path()) == after_first);
    CHECK_FALSE(pwned_under(shell_root.path()));
    CHECK_FALSE(pwned_under(out.path()));
    CHECK_FALSE(fs::exists("pwned"));
  }
}

TEST_CASE(
    "findings culprit cannot fix change nothing and fail loudly until "
    "fixed by hand",
    "[fix][apply]") {
  TempDir root("culprit-unfix");
  TempDir out("culprit-unfix-out");
  const Unfixable u = make_unfixable(root.path());
  for (const auto& f : u.report.findings) {
    INFO(to_string(f.kind) << " " << display_text(f.path));
    REQUIRE(f.fix);
    CHECK(f.fix->actionable == (f.fix->variant == "edit-line"));
  }
  const std::string manifest = puppet_manifest(u.report, 100, templates());
  const std::string script = shell_script(u.report, 100, templates());
  write_text(out / "fix.pp", manifest);
  write_text(out / "fix.sh", script);
  validate_manifest(out / "fix.pp");
  validate_script(out / "fix.sh");
  CHECK_THAT(manifest, Catch::Contains("127.0.0.1:3306"));
  CHECK_THAT(manifest, Catch::Contains("TODO"));
  // No service is guessed, nothing is renamed or linked by a resource.
  CHECK_THAT(manifest, !Catch::Contains("service {"));
  CHECK_THAT(manifest, !Catch::Contains("ensure => link"));
  CHECK(manifest.find('\x1b') == std::string::npos);
  CHECK(script.find('\x1b') == std::string::npos);

  const Snapshot before = snapshot(root.path());
  const auto pp = puppet_apply(out / "fix.pp", root.path());
  INFO(describe(pp));
  CHECK((pp.exit_code == 4 || pp.exit_code == 6));
  CHECK_THAT(pp.out + pp.err, Catch::Contains("still missing"));
  const auto sh = run_command({"sh", (out / "fix.sh").string()}, root.path());
  INFO(describe(sh));
  CHECK(sh.exit_code == 1);
  CHECK_THAT(sh.err, Catch::Contains("still missing"));
  CHECK_THAT(sh.err, Catch::Contains("no socket at"));
  CHECK_THAT(sh.err, Catch::Contains("still holds"));
  CHECK_THAT(sh.err, Catch::Contains("lib.php does not exist"));
  CHECK(snapshot(root.path()) == before);

  // A person does what the comments say; then both pass without changing anything.
  write_text(u.missing, "restored\n");
  write_text(u.linked, "x\n");
  write_text(root / "site/new\nline.phpp", "x\n");
  make_socket(u.socket);
  write_text(u.conf, "a\nb\n");
  write_text(u.no_target_ref, "<?php\ninclude 'lib2.php';\n");
  const Snapshot fixed = snapshot(root.path());
  const auto pp2 = puppet_apply(out / "fix.pp", root.path());
  INFO(describe(pp2));
  CHECK(pp2.exit_code == 0);
  const auto sh2 = run_command({"sh", (out / "fix.sh").string()}, root.path());
  INFO(describe(sh2));
  CHECK(sh2.exit_code == 0);
  CHECK(snapshot(root.path()) == fixed);
  CHECK_FALSE(pwned_under(root.path()));
  CHECK_FALSE(fs::exists("pwned"));
}

TEST_CASE("configuration edits reload the service once, only after a change", "[fix]") {
  Report report;
  report.mode = "replay";
  for (int line : {12, 40}) {
    Finding f;
    f.kind = FindingKind::ConfigError;
    f.path = "/etc/apache2/apache2.conf";
    f.referenced_from =
        SourceLocation{"/etc/apache2/apache2.conf", static_cast<std::uint64_t>(line), "Listenn 80"};
    f.bad_token = "Listenn";
    f.good_token = "Listen";
    report.findings.push_back(f);
  }
  // A module path typo in a .load file: a mistyped path in Apache's configuration.
  report.findings.push_back(mistyped(
      "/usr/lib/apache2/modules/mod_php.so", "/etc/apache2/mods-enabled/php.load", 1,
      "LoadModule php_module /usr/lib/apache2/modules/mod_php.soo", "mod_php.soo", "mod_php.so"));
  // PHP files are read per request: no reload.
  report.findings.push_back(mistyped("/var/www/html/wp-includes/class-wp-locale.php",
                                     "/var/www/html/wp-settings.php", 137,
                                     "require ABSPATH . WPINC . '/class-wp-locale.phpp';",
                                     "class-wp-locale.phpp", "class-wp-locale.php"));
  attach_fixes(report, templates());
  CHECK(report.findings[3].fix->puppet_shared.empty());
  CHECK_THAT(report.findings[3].fix->puppet, Catch::Contains("No service reload"));
  CHECK_THAT(report.findings[0].fix->puppet,
             Catch::Contains("Exec['culprit-config-error-1'] ~> Exec['culprit-reload-apache2']"));
  TempDir out("culprit-reload");
  const std::string manifest = puppet_manifest(report, 10, templates());
  const std::string script = shell_script(report, 10, templates());
  write_text(out / "r.pp", manifest);
  write_text(out / "r.sh", script);
  validate_manifest(out / "r.pp");
  validate_script(out / "r.sh");
  const auto count = [](const std::string& s, const std::string& what) {
    std::size_t n = 0;
    for (auto pos = s.find(what); pos != std::string::npos; pos = s.find(what, pos + 1)) {
      ++n;
    }
    return n;
  };
  CHECK(count(manifest, "exec { 'culprit-reload-apache2':") == 1);
  CHECK(count(manifest, "refreshonly => true") == 1);
  CHECK(count(script, "apachectl graceful") == 1);
  CHECK(count(script, "culprit_reload_apache2=1") == 3);

  // top_n: only the first finding's change.
  const std::string top1 = puppet_manifest(report, 1, templates());
  CHECK_THAT(top1, Catch::Contains("culprit-config-error-1"));
  CHECK_THAT(top1, !Catch::Contains("culprit-config-error-2"));
  CHECK_THAT(top1, !Catch::Contains("wp-settings.php"));
}

TEST_CASE("a file restored or a directory made for a server's configuration reloads it", "[fix]") {
  Report report;
  report.mode = "replay";
  // /etc/mime.types deleted: Apache's TypesConfig line names it, media-types ships it.
  Finding mime;
  mime.kind = FindingKind::MissingPath;
  mime.path = "/etc/mime.types";
  mime.package = "media-types";
  mime.package_conffile = true;
  mime.referenced_from =
      SourceLocation{"/etc/apache2/mods-enabled/mime.conf", 4, "TypesConfig /etc/mime.types"};
  report.findings.push_back(mime);
  // A virtual host's log directory, named by its ErrorLog line.
  Finding logs;
  logs.kind = FindingKind::MissingDirectory;
  logs.path = "/var/log/apache2/shop/";
  logs.missing_directory = "/var/log/apache2/shop";
  logs.wants_create = true;
  logs.process_uid = 0;
  logs.referenced_from = SourceLocation{"/etc/apache2/sites-enabled/shop.conf", 9,
                                        "ErrorLog /var/log/apache2/shop/error.log"};
  report.findings.push_back(logs);
  // The same restore asked for by no configuration: no reload, and no word about one.
  mime.referenced_from.reset();
  report.findings.push_back(mime);
  for (std::size_t i = 0; i < report.findings.size(); ++i) {
    report.findings[i].rank = static_cast<int>(i + 1);
  }
  attach_fixes(report, templates());
  CHECK(report.findings[0].fix->variant == "reinstall");
  CHECK_THAT(report.findings[0].fix->puppet,
             Catch::Contains("Exec['culprit-missing-path-1'] ~> Exec['culprit-reload-apache2']"));
  CHECK_THAT(report.findings[0].fix->shell, Catch::Contains("culprit_reload_apache2=1"));
  CHECK(report.findings[1].fix->variant == "create");
  CHECK_THAT(report.findings[1].fix->puppet,
             Catch::Contains("creates  => '/var/log/apache2/shop',"));
  CHECK_THAT(report.findings[1].fix->puppet, Catch::Contains("~> Exec['culprit-reload-apache2']"));
  CHECK(report.findings[2].fix->key == report.findings[0].fix->key);
  TempDir out("culprit-restore-reload");
  write_text(out / "r.pp", puppet_manifest(report, 10, templates()));
  write_text(out / "r.sh", shell_script(report, 10, templates()));
  validate_manifest(out / "r.pp");
  validate_script(out / "r.sh");
  report.findings.erase(report.findings.begin(), report.findings.begin() + 2);
  attach_fixes(report, templates());
  CHECK(report.findings[0].fix->puppet.find("reload") == std::string::npos);
  CHECK(report.findings[0].fix->shell.find("reload") == std::string::npos);
}

TEST_CASE("fix selection: never pretend, never broaden", "[fix]") {
  Report report;
  const auto add = [&report](Finding f) {
    f.rank = static_cast<int>(report.findings.size() + 1);
    report.findings.push_back(std::move(f));
  };
  Finding base;
  base.kind = FindingKind::PermissionDenied;
  base.path = "/srv/a/index.php";
  // Mode already grants read: the block is elsewhere (owner, ACL): no chmod.
  base.blocker =
      PermissionBlocker{"/srv/a/index.php", 0644, 0, 0, "root", "root", "r", false, 0644};
  add(base);
  // A suggestion broader than needed (world-writable) is not taken.
  // A private directory (nothing for "other") is not opened to everyone: with the denied uid
  // unknown there is no one to grant it to; with it known, an ACL for that uid alone.
  base.blocker = PermissionBlocker{"/srv/a", 0700, 0, 0, "root", "root", "x", true, 0777};
  add(base);
  base.process_uid = 33;
  add(base);
  // A directory that already lets others in (0711 lacks r): still nothing more for "other", the
  // one uid gets r (and x, to list it) by an ACL.
  base.blocker = PermissionBlocker{"/srv/b", 0711, 0, 0, "root", "root", "r", true, 0755};
  add(base);
  Finding dir;
  dir.kind = FindingKind::MissingDirectory;
  dir.path = "/var/log/app";
  dir.missing_directory = "/var/log/app";  // opendir of the directory itself
  add(dir);
  dir.path = "/var/log/app2/sub/error.log";
  dir.missing_directory = "/var/log/app2";
  dir.wants_create = true;  // the log is created: its directory is what is missing
  add(dir);
  // Read from a missing directory: an empty one would not help; a check, not a mkdir.
  dir.path = "/srv/app/lib/helpers.js";
  dir.missing_directory = "/srv/app/lib";
  dir.wants_create = false;
  add(dir);
  // A correction that contains the bad token, on a line holding it twice: no blind edit.
  add(mistyped("/srv/x.php", "/srv/index.php", 3, "include 'x.ph'; include 'x.ph';", "x.ph",
               "x.php"));
  // A directive of an unloaded module in the system's Apache: a2enmod, then a graceful reload.
  Finding module;
  module.kind = FindingKind::ConfigError;
  module.path = "/etc/apache2/sites-enabled/shop.conf";
  module.referenced_from = culprit::analyzer::SourceLocation{module.path, 7, "RewriteEngine on"};
  module.bad_token = "RewriteEngine";
  module.module_to_load = culprit::analyzer::ModuleToLoad{
      "rewrite_module", "/usr/lib/apache2/modules/mod_rewrite.so", "rewrite", module.path, 1, "x"};
  add(module);
  // A module path sed could not carry literally, with no a2enmod name: a check, not an edit.
  module.path = "/srv/httpd.conf";
  module.referenced_from->file = module.path;
  module.module_to_load = culprit::analyzer::ModuleToLoad{
      "rewrite_module", "/opt/mods/mod rewrite\\.so", "", module.path, 1, "x"};
  add(module);
  attach_fixes(report, templates());
  CHECK(report.findings[8].fix->variant == "enable-module");
  CHECK_THAT(report.findings[8].fix->puppet, Catch::Contains("command => 'a2enmod -q rewrite'"));
  CHECK_THAT(report.findings[8].fix->puppet,
             Catch::Contains("creates => '/etc/apache2/mods-enabled/rewrite.load'"));
  CHECK_THAT(report.findings[8].fix->puppet, Catch::Contains("~> Exec['culprit-reload-apache2']"));
  CHECK(report.findings[9].fix->variant == "advise-token");
  CHECK(report.findings[0].fix->variant == "advise");
  CHECK_FALSE(report.findings[0].fix->actionable);
  CHECK(report.findings[1].fix->variant == "advise");
  CHECK(report.findings[2].fix->variant == "acl");
  CHECK_THAT(report.findings[2].fix->puppet, Catch::Contains("setfacl -m u:33:x -- '/srv/a'"));
  CHECK(report.findings[2].fix->puppet.find("mode =>") == std::string::npos);
  CHECK(report.findings[3].fix->variant == "acl");
  CHECK_THAT(report.findings[3].fix->puppet, Catch::Contains("setfacl -m u:33:rx -- '/srv/b'"));
  CHECK_THAT(report.findings[4].fix->puppet, Catch::Contains("creates  => '/var/log/app',"));
  CHECK_THAT(report.findings[5].fix->puppet, Catch::Contains("creates  => '/var/log/app2/sub',"));
  CHECK(report.findings[6].fix->variant == "advise-missing-dir");
  CHECK_FALSE(report.findings[6].fix->actionable);
  CHECK(report.findings[6].fix->puppet.find("ensure") == std::string::npos);
  CHECK(report.findings[7].fix->variant == "link-hint");
  CHECK_FALSE(report.findings[7].fix->actionable);
  for (const auto& f : report.findings) {
    CHECK(f.fix->puppet.find("0777") == std::string::npos);
    CHECK(f.fix->shell.find("777") == std::string::npos);
  }
}

// The permission planner on every mode, every missing access, files and directories, and a
// process that is root (granted only the owner's x on a file no one may run), unknown, the owner,
// in the group, or "other": the grant never adds a bit
// for "other", never removes one, never touches setuid/setgid/sticky, adds only to the class the
// process is in and only bits the call lacked (plus r to run a script, x to list a directory),
// never write unless write was lacking, and afterwards the process has what it lacked.
TEST_CASE("permission planner: exhaustive least-privilege properties", "[fix][permission]") {
  using culprit::analyzer::bits_text;
  using culprit::analyzer::Grant;
  using culprit::analyzer::granted_bits;
  using culprit::analyzer::GroupFacts;
  using culprit::analyzer::plan_grant;
  using culprit::analyzer::access_bit::Exec;
  using culprit::analyzer::access_bit::Read;
  using culprit::analyzer::access_bit::Write;
  std::size_t mode_grants = 0;
  std::size_t acl_grants = 0;
  std::size_t group_grants = 0;
  const std::uint32_t owner = 1000;
  const std::uint32_t group = 50;
  struct Who {
    std::optional<std::uint32_t> uid, gid;
  };
  const Who whos[] = {
      {std::nullopt, std::nullopt}, {0, 0}, {owner, 7}, {33, group}, {owner, group}, {33, 33}};
  for (std::uint32_t mode = 0; mode < 010000; ++mode) {
    for (const bool dir : {false, true}) {
      for (std::uint32_t missing = 1; missing < 8; ++missing) {
        PermissionBlocker b{"/srv/x", mode, owner, group, "u", "g", bits_text(missing), dir, 0};
        for (const auto& [who, facts] :
             {std::pair{whos[0], GroupFacts{}}, std::pair{whos[1], GroupFacts{true, true}},
              std::pair{whos[2], GroupFacts{true, true}}, std::pair{whos[3], GroupFacts{}},
              std::pair{whos[4], GroupFacts{true, true}}, std::pair{whos[5], GroupFacts{}},
              std::pair{whos[5], GroupFacts{true, false}},
              std::pair{whos[5], GroupFacts{false, true}},
              std::pair{whos[5], GroupFacts{true, true}}}) {
          const Grant g = plan_grant(b, who.uid, who.gid, facts);
          if (who.uid && *who.uid == 0 && !dir && missing == Exec && (mode & 0111) == 0) {
            // Root runs a file once any x bit is set: the owner's x and nothing else.
            REQUIRE(g.via == Grant::Via::Mode);
            REQUIRE(g.mode_class == 'u');
            REQUIRE(g.new_mode == (mode | 0100));
            REQUIRE((granted_bits(g.new_mode, owner, group, who.uid, who.gid, dir) & Exec) != 0);
            continue;
          }
          if (!who.uid || *who.uid == 0) {
            REQUIRE(g.via == Grant::Via::Nothing);
            continue;
          }
          if (g.via == Grant::Via::Nothing) {
            // Only when the mode already grants what was lacking to the class the process is in.
            const std::uint32_t have = granted_bits(mode, owner, group, who.uid, who.gid, dir);
            REQUIRE((have & missing) == missing);
            REQUIRE((*who.uid == owner || who.gid == std::optional<std::uint32_t>(group)));
            continue;
          }
          std::uint32_t allowed = missing;
          if (!dir && (missing & Exec) != 0) {
            allowed |= Read;
          }
          if (dir && (missing & Read) != 0) {
            allowed |= Exec;
          }
          REQUIRE((g.bits & ~allowed) == 0);
          REQUIRE((g.bits & missing) == missing);
          if ((missing & Write) == 0) {
            REQUIRE((g.bits & Write) == 0);
          }
          if (g.via == Grant::Via::Group) {
            // Only when nobody else is reached: the facts say so, the old group bits are no
            // more than what is granted nor than the owner's, and no setuid/setgid is lost.
            ++group_grants;
            REQUIRE(facts.principal_alone);
            REQUIRE(facts.regroupable);
            REQUIRE(*who.uid != owner);
            REQUIRE(who.gid != std::optional<std::uint32_t>(group));
            REQUIRE(g.new_gid == *who.gid);
            REQUIRE(g.new_mode == (mode | (g.bits << 3)));
            REQUIRE((((mode >> 3) & 7U) & ~g.bits) == 0);
            REQUIRE((((mode >> 3) & 7U) & ~((mode >> 6) & 7U)) == 0);
            REQUIRE((dir || (mode & 06000U) == 0));
            const std::uint32_t after =
                granted_bits(g.new_mode, owner, g.new_gid, who.uid, who.gid, dir);
            REQUIRE((after & missing) == missing);
            continue;
          }
          if (g.via == Grant::Via::Acl) {
            ++acl_grants;
            REQUIRE(*who.uid != owner);
            REQUIRE(who.gid != std::optional<std::uint32_t>(group));
            REQUIRE(g.new_mode == mode);
            continue;
          }
          ++mode_grants;
          const unsigned shift = g.mode_class == 'u' ? 6 : 3;
          REQUIRE((g.mode_class == 'u') == (*who.uid == owner));
          REQUIRE((g.new_mode & mode) == mode);                          // nothing removed
          REQUIRE((g.new_mode & ~mode) == ((g.bits << shift) & ~mode));  // only that class
          REQUIRE((g.new_mode & 07007) == (mode & 07007));  // other and special bits untouched
          const std::uint32_t after = granted_bits(g.new_mode, owner, group, who.uid, who.gid, dir);
          REQUIRE((after & missing) == missing);
        }
      }
    }
  }
  CHECK(mode_grants > 0);
  CHECK(acl_grants > 0);
  CHECK(group_grants > 0);
}

// Files holding secrets are never opened up by a mode change, whoever was denied.
TEST_CASE("a denied secret gets a check naming the one grant, never a chmod", "[fix][permission]") {
  Report report;
  for (const std::string path : {"/etc/shadow", "/srv/www/wp-config.php", "/root/.netrc",
                                 "/etc/ssl/private/site.key", "/srv/app/.env"}) {
    Finding f;
    f.kind = FindingKind::PermissionDenied;
    f.errno_name = "EACCES";
    f.syscall = "openat";
    f.path = path;
    f.process_uid = 33;
    f.blocker = PermissionBlocker{path, 0600, 0, 0, "root", "root", "r", false, 0644};
    f.rank = static_cast<int>(report.findings.size() + 1);
    report.findings.push_back(f);
  }
  attach_fixes(report, templates());
  for (const auto& f : report.findings) {
    INFO(f.path);
    REQUIRE(f.fix);
    CHECK(f.fix->variant == "advise-private");
    CHECK_FALSE(f.fix->actionable);
    CHECK(f.fix->shell.find("chmod") == std::string::npos);
    CHECK(f.fix->puppet.find("mode =>") == std::string::npos);
    CHECK(f.fix->puppet.find("setfacl -m u:33:r") != std::string::npos);
  }
}

// --top N counts findings culprit can fix: a check ranked above the first fix is still written,
// as a check, and does not use up the count. --puppet-class wraps the same resources in a class
// that a module includes; applied through `include`, it fixes, and a second run changes nothing.
TEST_CASE("top N counts real fixes: a Puppet class for a module", "[fix][puppet]") {
  TempDir dir("culprit-top");
  const fs::path site = dir.path() / "site";
  fs::create_directories(site);
  write_text(site / "good.php", "<?php\n");
  write_text(site / "other.php", "<?php\n");
  write_text(site / "index.php", "<?php\nrequire 'goood.php';\nrequire 'othr.php';\n");
  Report report;
  report.mode = "replay";
  report.inputs = {"t.log"};
  Finding missing;
  missing.kind = FindingKind::MissingPath;
  missing.errno_name = "ENOENT";
  missing.path = (site / "gone/db.php").string();
  report.findings.push_back(missing);
  report.findings.push_back(mistyped(site / "good.php", site / "index.php", 2,
                                     "require 'goood.php';", "goood.php", "good.php"));
  report.findings.push_back(mistyped(site / "other.php", site / "index.php", 3,
                                     "require 'othr.php';", "othr.php", "other.php"));
  for (std::size_t i = 0; i < report.findings.size(); ++i) {
    report.findings[i].rank = static_cast<int>(i + 1);
  }
  attach_fixes(report, templates());
  CHECK(culprit::analyzer::fix_span(report, 1) == 2);
  CHECK(culprit::analyzer::fix_span(report, 2) == 3);
  CHECK(culprit::analyzer::fix_span(report, 5) == 3);
  const std::string one = puppet_manifest(report, 1, templates());
  CHECK_THAT(one, Catch::Contains("# 1 fix(es) and 1 check(s) for the 2 most likely"));
  CHECK_THAT(one, Catch::Contains("culprit finding 1 (missing-path)"));
  CHECK_THAT(one, Catch::Contains("culprit finding 2 (mistyped-path)"));
  CHECK(one.find("culprit finding 3") == std::string::npos);
  CHECK_THAT(shell_script(report, 1, templates()),
             Catch::Contains("# 1 fix(es) and 1 check(s) for the 2 most likely"));

  // The class: the two fixes only (the check would fail the apply on purpose).
  report.findings.erase(report.findings.begin());
  attach_fixes(report, templates());
  CHECK_FALSE(culprit::analyzer::is_puppet_class_name("Site"));
  CHECK_FALSE(culprit::analyzer::is_puppet_class_name("site::"));
  CHECK_FALSE(culprit::analyzer::is_puppet_class_name("class"));
  CHECK_FALSE(culprit::analyzer::is_puppet_class_name("a;exec"));
  REQUIRE(culprit::analyzer::is_puppet_class_name("profile::culprit_fixes"));
  const fs::path manifests = dir.path() / "modules/profile/manifests";
  fs::create_directories(manifests);
  const fs::path pp = manifests / "culprit_fixes.pp";
  write_text(pp, puppet_manifest(report, 2, templates(), "profile::culprit_fixes"));
  validate_manifest(pp);
  const std::string text = read_text(pp);
  CHECK_THAT(text, Catch::Contains("\nclass profile::culprit_fixes {\n  # culprit finding 1"));
  // Nothing happens until the class is included.
  CHECK(puppet_apply(pp, dir.path()).exit_code == 0);
  CHECK(read_text(site / "index.php").find("goood.php") != std::string::npos);
  const std::vector<std::string> include = {"puppet",
                                            "apply",
                                            "--detailed-exitcodes",
                                            "--color=false",
                                            "--modulepath",
                                            (dir.path() / "modules").string(),
                                            "-e",
                                            "include profile::culprit_fixes"};
  const auto first = run_command(include, dir.path());
  INFO(text << describe(first));
  CHECK(first.exit_code == 2);
  CHECK(read_text(site / "index.php") == "<?php\nrequire 'good.php';\nrequire 'other.php';\n");
  CHECK(run_command(include, dir.path()).exit_code == 0);
}
