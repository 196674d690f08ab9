// The job culprit exists for, on the real server: apache2 + mod_php on a loopback port with a
// configuration of its own, serving a WordPress-shaped site from a temporary directory. Each
// scenario breaks the site, shows the failure with curl, runs culprit as a user would, applies the
// manifest culprit wrote with `puppet apply`, shows the site healthy, applies it again (no change)
// and stops Apache. Nothing of the machine's own Apache configuration is used or touched. Every
// scenario that attaches is traced with ptrace and again with the eBPF backend (when built in),
// which must find the same top finding.
#include <arpa/inet.h>
#include <grp.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/test_util.h"

namespace fs = std::filesystem;
using culprit::test::CommandResult;
using culprit::test::culprit_binary;
using culprit::test::read_text;
using culprit::test::run_command;
using culprit::test::source_dir;
using culprit::test::TempDir;
using culprit::test::write_text;
using nlohmann::json;

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

std::string find_php_module() {
  for (const auto& entry : fs::directory_iterator("/usr/lib/apache2/modules")) {
    const auto name = entry.path().filename().string();
    if (name.rfind("libphp", 0) == 0 && entry.path().extension() == ".so") {
      return entry.path().string();
    }
  }
  FAIL("mod_php is not installed (libapache2-mod-php): scripts/setup.sh installs it");
  return {};
}

// One Apache instance: its own ServerRoot-less configuration, pid file, logs and document root,
// all inside a temporary directory readable by www-data.
class Apache {
 public:
  // `fpm_socket`: PHP goes to php-fpm on that socket through mod_proxy_fcgi instead of mod_php.
  explicit Apache(std::string fpm_socket = {})
      : dir_("culprit-apache"), port_(free_port()), fpm_socket_(std::move(fpm_socket)) {
    REQUIRE(fs::exists("/usr/sbin/apache2"));
    for (const char* sub : {"www", "run", "logs"}) {
      fs::create_directories(dir_ / sub);
    }
    // mkdtemp makes 0700 directories; the workers run as www-data and must traverse them.
    chmod(dir_.path().c_str(), 0755);
    chmod((dir_ / "www").c_str(), 0755);
    const auto site = run_command({"sh", (source_dir() / "tests/apache/site.sh").string(), www()});
    REQUIRE(site.exit_code == 0);
    locale_line_ = std::stoi(site.out);
    run_command({"chmod", "-R", "a+rX", www()});
    write_config(config_text());
  }
  ~Apache() { stop(); }
  Apache(const Apache&) = delete;
  Apache& operator=(const Apache&) = delete;

  [[nodiscard]] std::string www() const { return (dir_ / "www").string(); }
  [[nodiscard]] std::string conf() const { return (dir_ / "apache2.conf").string(); }
  [[nodiscard]] std::string url(const std::string& query = {}) const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/" + query;
  }
  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] int locale_line() const { return locale_line_; }
  [[nodiscard]] const TempDir& dir() const { return dir_; }

  [[nodiscard]] std::string config_text() const {
    const std::string d = dir_.path().string();
    std::string c;
    c += "# culprit integration test server\n";
    c += "ServerName 127.0.0.1\n";
    c += "Listen 127.0.0.1:" + std::to_string(port_) + "\n";
    c += "PidFile " + d + "/run/apache2.pid\n";
    c += "DefaultRuntimeDir " + d + "/run\n";
    c += "Mutex file:" + d + "/run default\n";
    c += "ErrorLog " + d + "/logs/error.log\n";
    c += "LogLevel warn\n";
    c += "User www-data\nGroup www-data\n";
    c += "LoadModule mpm_prefork_module /usr/lib/apache2/modules/mod_mpm_prefork.so\n";
    c += "LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so\n";
    c += "LoadModule dir_module /usr/lib/apache2/modules/mod_dir.so\n";
    c += "LoadModule mime_module /usr/lib/apache2/modules/mod_mime.so\n";
    if (fpm_socket_.empty()) {
      c += "LoadModule php_module " + find_php_module() + "\n";
    } else {
      c += "LoadModule proxy_module /usr/lib/apache2/modules/mod_proxy.so\n";
      c += "LoadModule proxy_fcgi_module /usr/lib/apache2/modules/mod_proxy_fcgi.so\n";
    }
    c += "TypesConfig /etc/mime.types\n";
    c += "StartServers 1\nMinSpareServers 1\nMaxSpareServers 2\nMaxRequestWorkers 16\n";
    c += "DocumentRoot " + d + "/www\n";
    c += "<Directory " + d + "/www>\n  AllowOverride All\n  Require all granted\n</Directory>\n";
    c += "DirectoryIndex index.php\n";
    if (fpm_socket_.empty()) {
      c += "<FilesMatch \"\\.php$\">\n  SetHandler application/x-httpd-php\n</FilesMatch>\n";
      c += "php_admin_value include_path \".:/usr/share/php:" + d + "/www/lib\"\n";
    } else {
      c += "<FilesMatch \"\\.php$\">\n  SetHandler \"proxy:unix:" + fpm_socket_ +
           "|fcgi://localhost\"\n</FilesMatch>\n";
    }
    return c;
  }
  void write_config(const std::string& text) const { write_text(conf(), text); }

  CommandResult start() {
    auto r = run_command({"/usr/sbin/apache2", "-f", conf(), "-k", "start"});
    if (r.exit_code == 0) {
      started_ = true;
      wait_until_serving();
    }
    return r;
  }

  // Stops this instance by its own pid file and waits until every process of it is gone.
  void stop() {
    if (!started_) {
      return;
    }
    started_ = false;
    const pid_t root = root_pid();
    run_command({"/usr/sbin/apache2", "-f", conf(), "-k", "stop"});
    for (int i = 0; i < 100 && root > 0 && kill(root, 0) == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (root > 0 && kill(root, 0) == 0) {
      kill(root, SIGKILL);
    }
  }

  [[nodiscard]] pid_t root_pid() const {
    const auto text = read_text(dir_ / "run/apache2.pid");
    return text.empty() ? -1 : static_cast<pid_t>(std::stol(text));
  }

  // Every process of this instance: the root and its children.
  [[nodiscard]] std::set<pid_t> pids() const {
    std::set<pid_t> out;
    const pid_t root = root_pid();
    if (root <= 0) {
      return out;
    }
    out.insert(root);
    const auto r = run_command({"pgrep", "-P", std::to_string(root)});
    std::istringstream in(r.out);
    pid_t p = 0;
    while (in >> p) {
      out.insert(p);
    }
    return out;
  }

  [[nodiscard]] int status(const std::string& query = {}) const {
    const auto r = run_command(
        {"curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "20", url(query)});
    return r.out.empty() ? -1 : std::stoi(r.out);
  }

 private:
  void wait_until_serving() const {
    for (int i = 0; i < 100; ++i) {
      const auto r = run_command({"curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                                  "--max-time", "2", url("favicon.ico")});
      if (r.out != "000" && !r.out.empty()) {
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    FAIL("apache did not start serving on " << url());
  }

  TempDir dir_;
  int port_;
  std::string fpm_socket_;
  int locale_line_ = 0;
  bool started_ = false;
};

// Every apache2 process on the machine (the suite's own instances included).
std::set<pid_t> all_apache_pids() {
  std::set<pid_t> out;
  const auto r = run_command({"pgrep", "-x", "apache2"});
  std::istringstream in(r.out);
  pid_t p = 0;
  while (in >> p) {
    out.insert(p);
  }
  return out;
}

// After a scenario: no apache2 process that was not there before it (neither the test instance
// nor a system Apache that a fix might have started by mistake).
void check_nothing_left(const std::set<pid_t>& before) {
  for (int i = 0; i < 50; ++i) {
    bool extra = false;
    for (const pid_t p : all_apache_pids()) {
      extra = extra || before.count(p) == 0;
    }
    if (!extra) {
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const auto r = run_command({"pgrep", "-a", "apache2"});
  FAIL("apache2 processes left running after the scenario:\n" << r.out);
}

// Replaces the first occurrence of `from` in a file.
void edit(const std::string& path, const std::string& from, const std::string& to) {
  std::string text = read_text(path);
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  text.replace(at, from.size(), to);
  write_text(path, text);
}

// Runs culprit (args[0] is the subcommand) with --save-log, then checks the promise of
// --save-log: replaying the saved log names the same culprit. With CULPRIT_SAMPLE_DIR set
// (samples/regenerate-apache.sh), the log is kept there as a sample beside a JSON entry saying
// what a replay without the files (--log-only) yields, in the form of samples/expected.json.
// What a scenario planted, written by hand: the sample entry says this, never what culprit said.
struct Planted {
  std::string kind;
  std::string path;
};

// Whether this culprit has the eBPF backend and may use it here (root, a kernel with BTF).
bool ebpf_built_in() {
  static const bool yes =
      geteuid() == 0 && fs::exists("/sys/kernel/btf/vmlinux") &&
      run_command({culprit_binary(), "--version"}).out.find("ebpf") != std::string::npos;
  return yes;
}

json run_culprit(const std::string& scenario, const Apache& apache, std::vector<std::string> args,
                 const Planted& planted, int expected_exit = 1) {
  const std::string log = (apache.dir() / (scenario + ".log")).string();
  args.insert(args.begin() + 1, {"--save-log", log});
  std::vector<std::string> argv{culprit_binary()};
  argv.insert(argv.end(), args.begin(), args.end());
  const auto r = run_command(argv);
  INFO("culprit stderr:\n" << r.err << "\nstdout:\n" << r.out);
  REQUIRE(r.exit_code == expected_exit);
  const json live = json::parse(r.out);
  REQUIRE_FALSE(live["findings"].empty());
  const json& top = live["findings"][0];

  const auto replayed = run_command({culprit_binary(), "replay", "--format", "json", log});
  INFO("replay of the saved log:\n" << replayed.err << replayed.out);
  REQUIRE(replayed.exit_code == 1);
  const json again = json::parse(replayed.out);
  const json& top_again = again["findings"].at(0);
  for (const char* key : {"kind", "path", "suggestion", "referenced_from"}) {
    INFO(key);
    CHECK(top_again[key] == top[key]);
  }

  // Every attach scenario is traced a second time with the eBPF backend, on the same broken site
  // (no fix applied yet), and must give the same top finding without losing an event.
  const bool attach_default =
      args[0] == "attach" && std::find(args.begin(), args.end(), "--backend") == args.end();
  if (attach_default && ebpf_built_in()) {
    std::vector<std::string> ebpf_argv{culprit_binary(), "attach", "--backend", "ebpf"};
    for (std::size_t i = 1; i < args.size(); ++i) {
      if (args[i] == "--save-log" || args[i] == "--puppet" || args[i] == "--shell") {
        ++i;  // the ptrace run wrote those
        continue;
      }
      ebpf_argv.push_back(args[i]);
    }
    const auto e = run_command(ebpf_argv);
    INFO("eBPF run stderr:\n" << e.err << "\nstdout:\n" << e.out);
    REQUIRE(e.exit_code == expected_exit);
    const json ebpf = json::parse(e.out);
    CHECK(ebpf["source"]["backend"] == "ebpf");
    CHECK(ebpf["stats"]["lost"] == 0);
    REQUIRE_FALSE(ebpf["findings"].empty());
    const json& top_ebpf = ebpf["findings"][0];
    for (const char* key : {"kind", "path", "suggestion", "referenced_from"}) {
      INFO("eBPF, " << key);
      CHECK(top_ebpf[key] == top[key]);
    }
  }

  if (const char* dir = std::getenv("CULPRIT_SAMPLE_DIR"); dir != nullptr && *dir != '\0') {
    const auto log_only =
        run_command({culprit_binary(), "replay", "--format", "json", "--log-only", log});
    REQUIRE(log_only.exit_code == 1);
    const json lo = json::parse(log_only.out);
    const json& t = lo["findings"].at(0);
    CHECK(t["kind"] == planted.kind);
    CHECK(t["path"] == planted.path);
    const std::string name = "apache-live-" + scenario;
    fs::copy_file(log, fs::path(dir) / (name + ".log"), fs::copy_options::overwrite_existing);
    json entry = {
        {"name", name},
        {"logs", {"samples/live/" + name + ".log"}},
        {"root", nullptr},
        {"log_only", true},
        {"kind", planted.kind},
        {"path", planted.path},
        {"errno", t["errno"]},
        {"suggestion", t["suggestion"].is_null() ? json(nullptr) : t["suggestion"]["path"]},
        {"referenced_from", t["referenced_from"]},
        {"benign", json::array()}};
    for (const auto& s : lo["suppressed"]) {
      if (entry["benign"].size() < 3 && s["path"].is_string() &&
          !s["path"].get<std::string>().empty()) {
        entry["benign"].push_back(s["path"]);
      }
    }
    write_text(fs::path(dir) / (name + ".json"), entry.dump(2) + "\n");
  }
  return live;
}

// The status once PHP's opcache has looked at changed files again (it does so only after its
// revalidation interval, 2 s by default): polls until `expected` or 10 s.
int status_after_revalidation(const Apache& apache, int expected) {
  int status = apache.status();
  for (int i = 0; i < 50 && status != expected; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    status = apache.status();
  }
  return status;
}

// puppet apply twice: the first run changes something (2), the second changes nothing (0).
void apply_twice(const std::string& manifest) {
  const auto first = run_command({"puppet", "apply", "--detailed-exitcodes", manifest});
  INFO(read_text(manifest) << "\n" << first.out << first.err);
  REQUIRE(first.exit_code == 2);
  const auto second = run_command({"puppet", "apply", "--detailed-exitcodes", manifest});
  INFO(second.out << second.err);
  REQUIRE(second.exit_code == 0);
}

void validate(const std::string& manifest) {
  const auto v = run_command({"puppet", "parser", "validate", manifest});
  INFO(read_text(manifest) << v.out << v.err);
  REQUIRE(v.exit_code == 0);
  const auto lint = run_command({"puppet-lint", "--fail-on-warnings", manifest});
  INFO(lint.out << lint.err);
  REQUIRE(lint.exit_code == 0);
}

}  // namespace

// attach -n apache2 with one request as the trigger, writing both fixes; the top finding must be
// what was planted.
struct AttachedFixes {
  json top;
  std::string pp;
  std::string sh;
};
AttachedFixes attach_with_fixes(const std::string& scenario, const Apache& apache,
                                const Planted& planted) {
  AttachedFixes out;
  out.pp = (apache.dir() / "fix.pp").string();
  out.sh = (apache.dir() / "fix.sh").string();
  const json report =
      run_culprit(scenario, apache,
                  {"attach", "-n", "apache2", "--trigger", "curl -s -o /dev/null " + apache.url(),
                   "--format", "json", "--puppet", out.pp, "--shell", out.sh},
                  planted);
  out.top = report["findings"].at(0);
  INFO(out.top.dump(2));
  CHECK(out.top["kind"] == planted.kind);
  CHECK(out.top["path"] == planted.path);
  return out;
}

TEST_CASE("apache: the eBPF backend finds the same mistyped require", "[apache]") {
  if (!ebpf_built_in()) {
    CULPRIT_SKIP("the eBPF backend needs root and a build with it");
  }
  Apache apache;
  const std::string settings = apache.www() + "/wp-settings.php";
  edit(settings, "/class-wp-locale.php'", "/class-wp-locale.phpp'");
  REQUIRE(apache.start().exit_code == 0);
  REQUIRE(apache.status() == 500);
  // run_culprit also replays the log saved from the eBPF events and compares the top finding.
  const json report =
      run_culprit("mistyped-require-ebpf", apache,
                  {"attach", "--backend", "ebpf", "-n", "apache2", "--trigger",
                   "curl -s -o /dev/null " + apache.url(), "--format", "json"},
                  {"mistyped-path", apache.www() + "/wp-includes/class-wp-locale.phpp"});
  CHECK(report["source"]["backend"] == "ebpf");
  CHECK(report["stats"]["lost"] == 0);
  const json& top = report["findings"].at(0);
  INFO(top.dump(2));
  CHECK(top["kind"] == "mistyped-path");
  CHECK(top["path"] == apache.www() + "/wp-includes/class-wp-locale.phpp");
  CHECK(top["suggestion"]["path"] == apache.www() + "/wp-includes/class-wp-locale.php");
  CHECK(top["referenced_from"]["file"] == settings);
  CHECK(top["referenced_from"]["line"] == apache.locale_line());
}

TEST_CASE("apache: mistyped require found by attach -n apache2 and fixed with puppet", "[apache]") {
  const std::set<pid_t> before_all = all_apache_pids();
  Apache apache;
  const std::string settings = apache.www() + "/wp-settings.php";
  edit(settings, "/class-wp-locale.php'", "/class-wp-locale.phpp'");
  REQUIRE(apache.start().exit_code == 0);
  REQUIRE(apache.status() == 500);

  const std::string pp = (apache.dir() / "fix.pp").string();
  const std::string sh = (apache.dir() / "fix.sh").string();
  const json report =
      run_culprit("mistyped-require", apache,
                  {"attach", "-n", "apache2", "--trigger", "curl -s -o /dev/null " + apache.url(),
                   "--format", "json", "--puppet", pp, "--shell", sh},
                  {"mistyped-path", apache.www() + "/wp-includes/class-wp-locale.phpp"});
  REQUIRE(report["source"]["mode"] == "attach");
  const json& top = report["findings"].at(0);
  INFO(top.dump(2));
  CHECK(top["kind"] == "mistyped-path");
  CHECK(top["path"] == apache.www() + "/wp-includes/class-wp-locale.phpp");
  CHECK(top["suggestion"]["path"] == apache.www() + "/wp-includes/class-wp-locale.php");
  CHECK(top["referenced_from"]["file"] == settings);
  CHECK(top["referenced_from"]["line"] == apache.locale_line());
  // .htaccess probes and include_path probing happened and are not the culprit.
  CHECK_FALSE(report["suppressed"].empty());

  validate(pp);
  apply_twice(pp);
  CHECK(apache.status() == 200);

  // The script on the same fault, twice: edits that one line once and says so.
  edit(settings, "/class-wp-locale.php'", "/class-wp-locale.phpp'");
  REQUIRE(status_after_revalidation(apache, 500) == 500);
  const auto first = run_command({"sh", sh});
  INFO(first.out << first.err);
  CHECK(first.exit_code == 0);
  CHECK_THAT(first.err, Catch::Contains("culprit: edited line " +
                                        std::to_string(apache.locale_line()) + " of " + settings));
  CHECK(status_after_revalidation(apache, 200) == 200);
  const std::string after = read_text(settings);
  const auto second = run_command({"sh", sh});
  CHECK(second.exit_code == 0);
  CHECK(second.err.find("edited") == std::string::npos);
  CHECK(read_text(settings) == after);
  apache.stop();
  check_nothing_left(before_all);
}

TEST_CASE("apache: misspelled directive found by run and corrected on its line", "[apache]") {
  const std::set<pid_t> before_all = all_apache_pids();
  Apache apache;
  std::string conf = apache.config_text();
  const std::string good = "LoadModule dir_module";
  const auto at = conf.find(good);
  REQUIRE(at != std::string::npos);
  const int line = 1 + static_cast<int>(std::count(conf.begin(), conf.begin() + at, '\n'));
  conf.replace(at, 10, "LoadModlue");
  apache.write_config(conf);
  REQUIRE(apache.start().exit_code != 0);

  const std::string pp = (apache.dir() / "fix.pp").string();
  const std::string sh = (apache.dir() / "fix.sh").string();
  const json report = run_culprit("config-typo", apache,
                                  {"run", "--format", "json", "--puppet", pp, "--shell", sh, "--",
                                   "/usr/sbin/apache2", "-f", apache.conf(), "-t"},
                                  {"config-error", apache.conf()});
  REQUIRE(report["source"]["mode"] == "run");
  const json& top = report["findings"].at(0);
  INFO(top.dump(2));
  CHECK(top["kind"] == "config-error");
  CHECK(top["path"] == apache.conf());
  CHECK(top["referenced_from"]["file"] == apache.conf());
  CHECK(top["referenced_from"]["line"] == line);
  CHECK(top["good_token"] == "LoadModule");
  // Asked of the binary that ran, not of a word list.
  CHECK_THAT(top["explanation"].get<std::string>(), Catch::Contains("/usr/sbin/apache2 -L"));

  validate(pp);
  apply_twice(pp);
  CHECK(read_text(apache.conf()) == apache.config_text());
  REQUIRE(apache.start().exit_code == 0);
  CHECK(apache.status() == 200);
  apache.stop();

  // The script on the same fault, twice.
  apache.write_config(conf);
  const auto first = run_command({"sh", sh});
  INFO(first.out << first.err);
  CHECK(first.exit_code == 0);
  CHECK(read_text(apache.conf()) == apache.config_text());
  const auto second = run_command({"sh", sh});
  CHECK(second.exit_code == 0);
  CHECK(read_text(apache.conf()) == apache.config_text());
  REQUIRE(apache.start().exit_code == 0);
  CHECK(apache.status() == 200);
  apache.stop();
  check_nothing_left(before_all);
}

TEST_CASE("apache: a directive of a module the configuration does not load gets its LoadModule",
          "[apache]") {
  const std::set<pid_t> before_all = all_apache_pids();
  Apache apache;
  // What was planted, by hand: a rewrite rule (/old answered by the front page) in a server whose
  // configuration never loads mod_rewrite. Apache says only "Invalid command 'RewriteEngine',
  // perhaps misspelled or defined by a module not included"; the binary's own directive list
  // (apache2 -L) with each installed module tells which.
  std::string conf = apache.config_text();
  conf += "<Directory " + apache.www() + ">\n  RewriteEngine on\n  RewriteRule ^old$ index.php\n";
  conf += "</Directory>\n";
  const int directive_line = static_cast<int>(std::count(conf.begin(), conf.end(), '\n')) - 2;
  apache.write_config(conf);
  REQUIRE(apache.start().exit_code != 0);
  // Expected, by hand: the LoadModule goes after the configuration's last LoadModule line.
  const std::string load = "LoadModule rewrite_module /usr/lib/apache2/modules/mod_rewrite.so\n";
  const std::size_t last_load = conf.rfind("\nLoadModule ");
  REQUIRE(last_load != std::string::npos);
  std::string expected = conf;
  expected.insert(conf.find('\n', last_load + 1) + 1, load);

  const std::string pp = (apache.dir() / "fix.pp").string();
  const std::string sh = (apache.dir() / "fix.sh").string();
  const json report = run_culprit("unloaded-module", apache,
                                  {"run", "--format", "json", "--puppet", pp, "--shell", sh, "--",
                                   "/usr/sbin/apache2", "-f", apache.conf(), "-t"},
                                  {"config-error", apache.conf()});
  const json& top = report["findings"].at(0);
  INFO(top.dump(2));
  CHECK(top["kind"] == "config-error");
  CHECK(top["referenced_from"]["line"] == directive_line);
  CHECK(top["bad_token"] == "RewriteEngine");
  CHECK(top["module_to_load"]["name"] == "rewrite_module");
  CHECK(top["module_to_load"]["path"] == "/usr/lib/apache2/modules/mod_rewrite.so");
  CHECK(top["fix"]["variant"] == "load-module");

  validate(pp);
  apply_twice(pp);
  CHECK(read_text(apache.conf()) == expected);
  CHECK(read_text(apache.conf() + ".culprit-bak") == conf);
  REQUIRE(apache.start().exit_code == 0);
  CHECK(apache.status() == 200);
  CHECK(apache.status("old") == 200);  // the rewrite rule works: the module is loaded
  apache.stop();

  // The script on the same fault, twice.
  apache.write_config(conf);
  fs::remove(apache.conf() + ".culprit-bak");
  const auto first = run_command({"sh", sh});
  INFO(first.out << first.err);
  CHECK(first.exit_code == 0);
  CHECK(read_text(apache.conf()) == expected);
  CHECK_THAT(first.err, Catch::Contains("culprit: added LoadModule rewrite_module"));
  const auto second = run_command({"sh", sh});
  CHECK(second.exit_code == 0);
  CHECK(read_text(apache.conf()) == expected);
  REQUIRE(apache.start().exit_code == 0);
  CHECK(apache.status("old") == 200);
  apache.stop();
  check_nothing_left(before_all);
}

TEST_CASE("apache: a file www-data cannot read is granted to www-data alone, nothing broader",
          "[apache]") {
  const std::set<pid_t> before_all = all_apache_pids();
  Apache apache;
  const std::string victim = apache.www() + "/wp-includes/class-wp-hook.php";
  REQUIRE(chown(victim.c_str(), 0, 0) == 0);
  REQUIRE(chmod(victim.c_str(), 0600) == 0);
  REQUIRE(apache.start().exit_code == 0);
  REQUIRE(apache.status() == 500);

  const auto [top, pp, sh] = attach_with_fixes("permission", apache, {"permission-denied", victim});
  INFO(top.dump(2));
  CHECK(top["errno"] == "EACCES");

  // Expected, by hand: root:root 0600 and a www-data worker. When group root holds only root
  // and group www-data only www-data (Debian's defaults), handing the file to group www-data with
  // g+r reaches no one else: root:www-data 0640. Otherwise an ACL entry for uid 33 alone.
  const auto members = [](const std::string& group) {
    const auto r = run_command({"sh", "-c",
                                "getent group " + group +
                                    " | cut -d: -f4 | tr , '\\n'; "
                                    "gid=$(getent group " +
                                    group +
                                    " | cut -d: -f3); "
                                    "getent passwd | awk -F: -v g=\"$gid\" '$4 == g {print $1}'"});
    std::set<std::string> out;
    std::istringstream lines(r.out);
    for (std::string l; std::getline(lines, l);) {
      if (!l.empty()) {
        out.insert(l);
      }
    }
    return out;
  };
  const bool regroup = members("root") == std::set<std::string>{"root"} &&
                       members("www-data") == std::set<std::string>{"www-data"};
  CHECK(top["fix"]["variant"] == (regroup ? "chgrp" : "acl"));

  validate(pp);
  apply_twice(pp);
  struct stat st {};
  REQUIRE(stat(victim.c_str(), &st) == 0);
  CHECK((st.st_mode & 0007) == 0);  // other users gained nothing
  CHECK(st.st_uid == 0);
  if (regroup) {
    CHECK(st.st_gid == 33);
    CHECK((st.st_mode & 07777) == 0640);
  } else {
    CHECK(run_command({"getfacl", "-cn", victim}).out.find("user:33:r") != std::string::npos);
  }
  CHECK(apache.status() == 200);

  // The script on the same fault, twice (the first grants, the second changes nothing).
  REQUIRE(chown(victim.c_str(), 0, 0) == 0);
  REQUIRE(chmod(victim.c_str(), 0600) == 0);
  run_command({"setfacl", "-b", "--", victim});
  const auto first = run_command({"sh", sh});
  INFO(first.out << first.err);
  CHECK(first.exit_code == 0);
  CHECK_THAT(first.err, Catch::Contains(regroup ? "culprit: chgrp 33" : "culprit: granted uid 33"));
  const auto second = run_command({"sh", sh});
  CHECK(second.exit_code == 0);
  CHECK(second.err.find("culprit:") == std::string::npos);
  REQUIRE(stat(victim.c_str(), &st) == 0);
  CHECK((st.st_mode & 0007) == 0);
  CHECK(((st.st_mode & 07777) == 0640) == regroup);
  CHECK(apache.status() == 200);
  apache.stop();
  check_nothing_left(before_all);
}

TEST_CASE("apache: a missing file with no near-named sibling is reported, not faked", "[apache]") {
  const std::set<pid_t> before_all = all_apache_pids();
  Apache apache;
  const std::string settings = apache.www() + "/wp-settings.php";
  edit(settings, "require ABSPATH . WPINC . '/option.php';",
       "require ABSPATH . WPINC . '/option.php';\nrequire ABSPATH . 'wp-content/db-config.php';");
  REQUIRE(apache.start().exit_code == 0);
  REQUIRE(apache.status() == 500);

  const std::string pp = (apache.dir() / "fix.pp").string();
  const std::string sh = (apache.dir() / "fix.sh").string();
  const json report =
      run_culprit("missing-file", apache,
                  {"attach", "-n", "apache2", "--trigger", "curl -s -o /dev/null " + apache.url(),
                   "--format", "json", "--puppet", pp, "--shell", sh},
                  {"missing-path", apache.www() + "/wp-content/db-config.php"});
  const json& top = report["findings"].at(0);
  INFO(top.dump(2));
  CHECK(top["kind"] == "missing-path");
  CHECK(top["path"] == apache.www() + "/wp-content/db-config.php");
  CHECK(top["suggestion"].is_null());
  CHECK(top["referenced_from"]["file"] == settings);
  validate(pp);
  // The manifest says what is needed and changes nothing; the script fails loudly.
  const auto manifest = read_text(pp);
  CHECK(manifest.find("db-config.php") != std::string::npos);
  const auto before = read_text(settings);
  run_command({"puppet", "apply", pp});
  CHECK(read_text(settings) == before);
  CHECK_FALSE(fs::exists(apache.www() + "/wp-content/db-config.php"));
  CHECK(run_command({"sh", sh}).exit_code != 0);
  apache.stop();
  check_nothing_left(before_all);
}

TEST_CASE("apache: the fault is found in a worker forked during the trace", "[apache]") {
  const std::set<pid_t> before_all = all_apache_pids();
  Apache apache;
  const std::string settings = apache.www() + "/wp-settings.php";
  // Slow requests (the sleep runs before the failing require) so that prefork must start workers.
  edit(settings, "require ABSPATH . WPINC . '/class-wp-locale.php';",
       "usleep(400000);\nrequire ABSPATH . WPINC . '/class-wp-locale.phpp';");
  REQUIRE(apache.start().exit_code == 0);
  const std::set<pid_t> before = apache.pids();
  REQUIRE_FALSE(before.empty());

  std::string trigger = "for i in 1 2 3 4 5 6 7 8 9 10 11 12; do curl -s -o /dev/null " +
                        apache.url() + " & done; wait";
  const json report = run_culprit(
      "forked-worker", apache,
      {"attach", "-n", "apache2", "--trigger", trigger, "--settle", "1", "--format", "json"},
      {"mistyped-path", apache.www() + "/wp-includes/class-wp-locale.phpp"});
  const json& top = report["findings"].at(0);
  INFO(top.dump(2));
  CHECK(top["kind"] == "mistyped-path");
  bool new_worker = false;
  for (const auto& pid : top["pids"]) {
    if (before.count(pid.get<pid_t>()) == 0) {
      new_worker = true;
    }
  }
  CHECK(new_worker);
  CHECK(top["count"].get<int>() >= 12);
  apache.stop();
  check_nothing_left(before_all);
}

// The PHP version whose php-fpm is installed ("8.2"), from /etc/php/VERSION/fpm.
std::string fpm_version() {
  for (const auto& entry : fs::directory_iterator("/etc/php")) {
    if (fs::exists(entry.path() / "fpm/pool.d/www.conf")) {
      return entry.path().filename().string();
    }
  }
  FAIL("php-fpm is not installed (php-fpm): scripts/setup.sh installs it");
  return {};
}

// Stops the system's php-fpm when the scenario ends, whatever happened, as it found it.
struct FpmStopped {
  std::string service;
  explicit FpmStopped(std::string s) : service(std::move(s)) { stop(); }
  ~FpmStopped() { stop(); }
  void stop() const { run_command({"service", service, "stop"}); }
};

// The start-service fix heals the site and is idempotent: puppet apply twice, then (service
// stopped again) fix.sh twice; `status` is the front page's HTTP status, `down` what it is while
// php-fpm is stopped.
template <typename Status>
void check_start_service_heals(const FpmStopped& fpm, const std::string& pp, const std::string& sh,
                               Status status, int down) {
  validate(pp);
  CHECK_THAT(read_text(pp), Catch::Contains("service { '" + fpm.service + "':"));
  apply_twice(pp);
  CHECK(status() == 200);

  // The script, on the same fault: starts it once, says so, and a second run changes nothing.
  fpm.stop();
  REQUIRE(status() == down);
  const auto first = run_command({"sh", sh});
  INFO(first.out << first.err);
  CHECK(first.exit_code == 0);
  CHECK_THAT(first.err, Catch::Contains("culprit: started " + fpm.service));
  CHECK(status() == 200);
  const auto second = run_command({"sh", sh});
  CHECK(second.exit_code == 0);
  CHECK(second.err.find("started") == std::string::npos);
}

TEST_CASE(
    "apache: php-fpm down behind proxy_fcgi: the service the system ties to the socket "
    "is started",
    "[apache]") {
  const std::set<pid_t> before_all = all_apache_pids();
  // What the system planted, written by hand: the Debian php-fpm package's pool listens on
  // /run/php/phpVERSION-fpm.sock and ships the service phpVERSION-fpm.
  const std::string version = fpm_version();
  const std::string service = "php" + version + "-fpm";
  const std::string sock = "/run/php/php" + version + "-fpm.sock";
  FpmStopped fpm(service);
  REQUIRE_FALSE(fs::exists(sock));
  Apache apache(sock);
  REQUIRE(apache.start().exit_code == 0);
  REQUIRE(apache.status() == 503);

  const auto [top, pp, sh] = attach_with_fixes("fpm-down", apache, {"connection-refused", sock});
  INFO(top.dump(2));
  CHECK(top["fix"]["variant"] == "start-service");
  CHECK(top["fix"]["actionable"] == true);
  CHECK_THAT(top["explanation"].get<std::string>(), Catch::Contains(service));
  check_start_service_heals(
      fpm, pp, sh, [&] { return apache.status(); }, 503);
  apache.stop();
  check_nothing_left(before_all);
}

// Puts a system file back if a scenario that deletes it ends before its fix did.
struct SystemFileGuard {
  std::string path;
  std::string saved;
  explicit SystemFileGuard(std::string p) : path(std::move(p)), saved(read_text(path)) {}
  ~SystemFileGuard() {
    if (!fs::exists(path) && !saved.empty()) {
      write_text(path, saved);
    }
  }
};

TEST_CASE("apache: a configuration file a package ships was deleted: the package restores it",
          "[apache]") {
  const std::set<pid_t> before_all = all_apache_pids();
  // What was planted, by hand: /etc/mime.types (TypesConfig) is a conffile of media-types; without
  // it Apache refuses to start (AH01597). A plain reinstall would not bring a deleted conffile
  // back.
  const std::string mime = "/etc/mime.types";
  SystemFileGuard guard(mime);
  REQUIRE_FALSE(guard.saved.empty());
  REQUIRE(fs::remove(mime));
  Apache apache;
  REQUIRE(apache.start().exit_code != 0);

  const std::string pp = (apache.dir() / "fix.pp").string();
  const std::string sh = (apache.dir() / "fix.sh").string();
  const json report = run_culprit("package-file", apache,
                                  {"run", "--format", "json", "--puppet", pp, "--shell", sh, "--",
                                   "/usr/sbin/apache2", "-f", apache.conf(), "-k", "start"},
                                  {"missing-path", mime});
  const json& top = report["findings"].at(0);
  INFO(top.dump(2));
  CHECK(top["kind"] == "missing-path");
  CHECK(top["path"] == mime);
  CHECK(top["fix"]["variant"] == "reinstall");
  CHECK_THAT(top["explanation"].get<std::string>(), Catch::Contains("media-types"));
  // The traced start failed: no instance was left behind by the trace.
  check_nothing_left(before_all);

  validate(pp);
  apply_twice(pp);
  CHECK(read_text(mime) == guard.saved);
  REQUIRE(apache.start().exit_code == 0);
  CHECK(apache.status() == 200);
  apache.stop();

  REQUIRE(fs::remove(mime));
  const auto first = run_command({"sh", sh});
  INFO(first.out << first.err);
  CHECK(first.exit_code == 0);
  CHECK_THAT(first.err, Catch::Contains("culprit: reinstalled media-types"));
  CHECK(read_text(mime) == guard.saved);
  const auto second = run_command({"sh", sh});
  CHECK(second.exit_code == 0);
  CHECK(second.err.find("reinstalled") == std::string::npos);
  check_nothing_left(before_all);
}

// One nginx instance in front of php-fpm: its own configuration, pid file, logs and temp
// directories, a PHP front page, on a loopback port.
class Nginx {
 public:
  explicit Nginx(const std::string& fpm_socket) : dir_("culprit-nginx"), port_(free_port()) {
    REQUIRE(fs::exists("/usr/sbin/nginx"));
    fs::create_directories(dir_ / "www");
    fs::create_directories(dir_ / "tmp");
    chmod(dir_.path().c_str(), 0755);
    chmod((dir_ / "www").c_str(), 0755);
    write_text(dir_ / "www/index.php", "<?php echo 'front page';\n");
    chmod((dir_ / "www/index.php").c_str(), 0644);
    const std::string d = dir_.path().string();
    std::string c;
    c += "pid " + d + "/nginx.pid;\nerror_log " + d + "/error.log;\n";
    c += "user www-data;\nworker_processes 1;\nevents {}\n";
    c += "http {\n  access_log off;\n";
    for (const char* t : {"client_body", "proxy", "fastcgi", "uwsgi", "scgi"}) {
      c += std::string("  ") + t + "_temp_path " + d + "/tmp/" + t + ";\n";
    }
    c += "  server {\n    listen 127.0.0.1:" + std::to_string(port_) + ";\n";
    c += "    root " + d + "/www;\n    index index.php;\n";
    c += "    location ~ \\.php$ {\n      include /etc/nginx/fastcgi_params;\n";
    c += "      fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;\n";
    c += "      fastcgi_pass unix:" + fpm_socket + ";\n    }\n  }\n}\n";
    write_text(conf(), c);
  }
  ~Nginx() { stop(); }
  Nginx(const Nginx&) = delete;
  Nginx& operator=(const Nginx&) = delete;

  [[nodiscard]] std::string conf() const { return (dir_ / "nginx.conf").string(); }
  [[nodiscard]] const TempDir& dir() const { return dir_; }
  [[nodiscard]] std::string url() const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/";
  }
  [[nodiscard]] int status() const {
    const auto r = run_command(
        {"curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "20", url()});
    return r.out.empty() ? -1 : std::stoi(r.out);
  }
  void start() {
    const auto r =
        run_command({"/usr/sbin/nginx", "-e", (dir_ / "error.log").string(), "-c", conf()});
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    started_ = true;
    for (int i = 0; i < 100 && status() <= 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  void stop() {
    if (!started_) {
      return;
    }
    started_ = false;
    pid_t master = 0;
    try {
      master = static_cast<pid_t>(std::stol(read_text(dir_ / "nginx.pid")));
    } catch (const std::exception&) {
      return;
    }
    kill(master, SIGQUIT);
    for (int i = 0; i < 100 && kill(master, 0) == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (kill(master, 0) == 0) {
      kill(master, SIGKILL);
    }
  }

 private:
  TempDir dir_;
  int port_;
  bool started_ = false;
};

TEST_CASE("nginx: php-fpm down behind fastcgi_pass: the service tied to the socket is started",
          "[apache][nginx]") {
  // What the system planted, written by hand: Debian's php-fpm pool listens on
  // /run/php/phpVERSION-fpm.sock, the socket nginx's fastcgi_pass names, and ships the service
  // phpVERSION-fpm. nginx answers 502 while it is stopped.
  const std::string version = fpm_version();
  const std::string service = "php" + version + "-fpm";
  const std::string sock = "/run/php/php" + version + "-fpm.sock";
  FpmStopped fpm(service);
  REQUIRE_FALSE(fs::exists(sock));
  Nginx nginx(sock);
  nginx.start();
  REQUIRE(nginx.status() == 502);

  const std::string pp = (nginx.dir() / "fix.pp").string();
  const std::string sh = (nginx.dir() / "fix.sh").string();
  const auto r = run_command({culprit_binary(), "attach", "-n", "nginx", "--trigger",
                              "curl -s -o /dev/null " + nginx.url(), "--format", "json", "--puppet",
                              pp, "--shell", sh});
  INFO(r.err << r.out);
  REQUIRE(r.exit_code == 1);
  const json report = json::parse(r.out);
  const json& top = report["findings"].at(0);
  INFO(top.dump(2));
  CHECK(top["kind"] == "connection-refused");
  CHECK(top["path"] == sock);
  CHECK(top["fix"]["variant"] == "start-service");
  CHECK_THAT(top["explanation"].get<std::string>(), Catch::Contains(service));
  check_start_service_heals(
      fpm, pp, sh, [&] { return nginx.status(); }, 502);
}

TEST_CASE("apache: a directive naming a file that is gone is commented out, with a copy kept",
          "[apache]") {
  const std::set<pid_t> before_all = all_apache_pids();
  Apache apache;
  // What was planted, by hand: an Include of a site file deleted by a deploy; the directory and
  // its other files are there, nothing near-named, no package ships it. Apache refuses to start.
  const fs::path conf_dir = apache.dir() / "conf.d";
  fs::create_directories(conf_dir);
  write_text(conf_dir / "security.conf", "ServerTokens Prod\n");
  const std::string gone = (conf_dir / "legacy-redirects.conf").string();
  std::string conf = apache.config_text();
  conf += "Include " + (conf_dir / "security.conf").string() + "\n";
  const std::string directive = "Include " + gone;
  conf += directive + "\n";
  const int line = static_cast<int>(std::count(conf.begin(), conf.end(), '\n'));
  apache.write_config(conf);
  REQUIRE(apache.start().exit_code != 0);

  const std::string pp = (apache.dir() / "fix.pp").string();
  const std::string sh = (apache.dir() / "fix.sh").string();
  const json report = run_culprit("stale-include", apache,
                                  {"run", "--format", "json", "--puppet", pp, "--shell", sh, "--",
                                   "/usr/sbin/apache2", "-f", apache.conf(), "-t"},
                                  {"missing-path", gone});
  const json& top = report["findings"].at(0);
  INFO(top.dump(2));
  CHECK(top["kind"] == "missing-path");
  CHECK(top["path"] == gone);
  CHECK(top["referenced_from"]["file"] == apache.conf());
  CHECK(top["referenced_from"]["line"] == line);
  CHECK(top["fix"]["variant"] == "comment-directive");

  validate(pp);
  apply_twice(pp);
  const std::string backup = apache.conf() + ".culprit-bak";
  CHECK(read_text(backup) == conf);
  std::string expected = conf;
  expected.replace(expected.find(directive), 0, "# culprit: names a missing file: ");
  CHECK(read_text(apache.conf()) == expected);
  REQUIRE(apache.start().exit_code == 0);
  CHECK(apache.status() == 200);
  apache.stop();

  // The script on the same fault, twice.
  apache.write_config(conf);
  fs::remove(backup);
  const auto first = run_command({"sh", sh});
  INFO(first.out << first.err);
  CHECK(first.exit_code == 0);
  CHECK(read_text(apache.conf()) == expected);
  CHECK(read_text(backup) == conf);
  CHECK_THAT(first.err, Catch::Contains("culprit: commented out line " + std::to_string(line)));
  const auto second = run_command({"sh", sh});
  CHECK(second.exit_code == 0);
  CHECK(read_text(apache.conf()) == expected);
  CHECK(second.err.find("commented out") == std::string::npos);
  check_nothing_left(before_all);
}

TEST_CASE("apache: a virtual host's missing log directory is made like its parent", "[apache]") {
  const std::set<pid_t> before_all = all_apache_pids();
  Apache apache;
  // What was planted, by hand: a new virtual host whose ErrorLog and CustomLog go to a directory
  // nobody made. The log directory holding it is root:adm 0750, as Debian's /var/log/apache2 is;
  // Apache's root master writes there, so the new directory is expected root:adm 0750 too.
  const group* adm = getgrnam("adm");
  REQUIRE(adm != nullptr);
  const gid_t adm_gid = adm->gr_gid;
  const fs::path logs = apache.dir() / "logs";
  REQUIRE(chown(logs.c_str(), 0, adm_gid) == 0);
  REQUIRE(chmod(logs.c_str(), 0750) == 0);
  const std::string shop = (logs / "shop").string();
  std::string conf = apache.config_text();
  conf += "<VirtualHost 127.0.0.1:" + std::to_string(apache.port()) + ">\n";
  conf += "  ServerName shop.example\n";
  const int error_log_line = 2 + static_cast<int>(std::count(conf.begin(), conf.end(), '\n'));
  conf += "  DocumentRoot " + apache.www() + "\n";
  conf += "  ErrorLog " + shop + "/error.log\n";
  conf += "  CustomLog " + shop + "/access.log \"%h %>s\"\n</VirtualHost>\n";
  apache.write_config(conf);
  REQUIRE(apache.start().exit_code != 0);

  const std::string pp = (apache.dir() / "fix.pp").string();
  const std::string sh = (apache.dir() / "fix.sh").string();
  const json report = run_culprit("log-directory", apache,
                                  {"run", "--format", "json", "--puppet", pp, "--shell", sh, "--",
                                   "/usr/sbin/apache2", "-f", apache.conf(), "-t"},
                                  {"missing-directory", shop + "/"});
  const json& top = report["findings"].at(0);
  INFO(top.dump(2));
  CHECK(top["kind"] == "missing-directory");
  CHECK(top["path"] == shop + "/");
  CHECK(top["referenced_from"]["file"] == apache.conf());
  CHECK(top["referenced_from"]["line"] == error_log_line);
  CHECK(top["fix"]["variant"] == "create");

  const auto made_right = [&] {
    struct stat st {};
    REQUIRE(stat(shop.c_str(), &st) == 0);
    CHECK(S_ISDIR(st.st_mode));
    CHECK(st.st_uid == 0);
    CHECK(st.st_gid == adm_gid);
    CHECK((st.st_mode & 07777) == 0750);
  };
  validate(pp);
  apply_twice(pp);
  made_right();
  REQUIRE(apache.start().exit_code == 0);
  CHECK(apache.status() == 200);
  apache.stop();
  CHECK(fs::exists(shop + "/error.log"));

  // The script on the same fault, twice.
  fs::remove_all(shop);
  const auto first = run_command({"sh", sh});
  INFO(first.out << first.err);
  CHECK(first.exit_code == 0);
  made_right();
  const auto second = run_command({"sh", sh});
  CHECK(second.exit_code == 0);
  made_right();
  REQUIRE(apache.start().exit_code == 0);
  CHECK(apache.status() == 200);
  apache.stop();
  check_nothing_left(before_all);
}

TEST_CASE("apache: an unreadable credential file is never opened up: a check names the one grant",
          "[apache]") {
  const std::set<pid_t> before_all = all_apache_pids();
  Apache apache;
  // What was planted, by hand: wp-config.php (database credentials) made root-only by a deploy.
  const std::string config = apache.www() + "/wp-config.php";
  write_text(config, "<?php\ndefine('DB_PASSWORD', 's3cret');\n");
  REQUIRE(chown(config.c_str(), 0, 0) == 0);
  REQUIRE(chmod(config.c_str(), 0600) == 0);
  REQUIRE(apache.start().exit_code == 0);
  REQUIRE(apache.status() == 500);

  const auto [top, pp, sh] = attach_with_fixes("credential", apache, {"permission-denied", config});
  INFO(top.dump(2));
  CHECK(top["fix"]["variant"] == "advise-private");
  CHECK(top["fix"]["actionable"] == false);
  validate(pp);
  CHECK_THAT(read_text(pp), Catch::Contains("setfacl -m u:33:r"));
  // The check fails loudly and changes nothing: not the mode, not an ACL.
  const auto applied = run_command({"puppet", "apply", "--detailed-exitcodes", pp});
  CHECK((applied.exit_code == 4 || applied.exit_code == 6));
  const auto ran = run_command({"sh", sh});
  CHECK(ran.exit_code == 1);
  struct stat st {};
  REQUIRE(stat(config.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0600);
  CHECK(run_command({"getfacl", "-cn", config}).out.find("user:33") == std::string::npos);
  // Once a person grants exactly that, the check passes.
  REQUIRE(run_command({"setfacl", "-m", "u:33:r", config}).exit_code == 0);
  CHECK(run_command({"puppet", "apply", "--detailed-exitcodes", pp}).exit_code == 0);
  CHECK(run_command({"sh", sh}).exit_code == 0);
  CHECK(apache.status() == 200);
  apache.stop();
  check_nothing_left(before_all);
}
