// Paste repair (tracer/strace/paste_repair.h): what a web page, a mail client, a markdown file or a
// terminal does to strace lines, undone. Inputs are written by hand in the shapes those tools
// produce; the whole-log behaviour is covered by the pasted corpus (tests/test_corpus.cpp).
#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "tracer/strace/paste_repair.h"
#include "tracer/strace/pasted_twice.h"

using culprit::tracer::detect_paste_damage;
using culprit::tracer::PasteDamage;
using culprit::tracer::PasteRepair;
using culprit::tracer::strace_line_cut;

namespace {

struct Line {
  std::string text;
  std::uint64_t no;
};

std::vector<Line> repair(const std::string& text) {
  const PasteDamage d = detect_paste_damage(text);
  PasteRepair r(d);
  std::vector<Line> out;
  const PasteRepair::Out sink = [&](std::string_view l, std::uint64_t n) {
    out.push_back({std::string(l), n});
  };
  std::uint64_t no = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t nl = std::min(text.find('\n', pos), text.size());
    r.feed(std::string_view(text).substr(pos, nl - pos), ++no, sink);
    pos = nl + 1;
  }
  r.finish(sink);
  return out;
}

std::vector<std::string> texts(const std::vector<Line>& lines) {
  std::vector<std::string> out;
  for (const auto& l : lines) {
    out.push_back(l.text);
  }
  return out;
}

const std::string kOpen =
    R"(1234  openat(AT_FDCWD, "/srv/app/conf.ini", O_RDONLY) = -1 ENOENT (No such file or directory))";
const std::string kWrite = R"(1234  write(2, "app: cannot read conf.ini\n", 26) = 26)";
const std::string kExit = "1234  +++ exited with 1 +++";

}  // namespace

TEST_CASE("a clean log shows no damage and passes through untouched", "[paste]") {
  const std::string log = kOpen + "\n" + kWrite + "\n" +
                          R"(1234  write(1, "<p>Hello &amp; bye</p><br>", 24) = 24)" + "\n" +
                          "1234  openat(AT_FDCWD, \"/x\", O_RDONLY <unfinished ...>\n" +
                          "1235  <... openat resumed>) = 3</x> <0.000012>\n" + kExit + "\n";
  const PasteDamage d = detect_paste_damage(log);
  CHECK_FALSE(d.any());
  CHECK(d.describe().empty());
}

TEST_CASE("strace_line_cut: what a whole line is", "[paste]") {
  CHECK_FALSE(strace_line_cut(kOpen));
  CHECK_FALSE(strace_line_cut(kWrite));
  CHECK_FALSE(strace_line_cut(kExit));
  CHECK_FALSE(strace_line_cut("1234  openat(AT_FDCWD, \"/x\", O_RDONLY <unfinished ...>"));
  CHECK_FALSE(strace_line_cut("1234  read(3,  <unfinished #2 ...>"));
  CHECK_FALSE(strace_line_cut("exit_group(0)                           = ?"));
  CHECK_FALSE(strace_line_cut("1234  <... read resumed>\"abc\", 3) = 3"));
  CHECK_FALSE(strace_line_cut("--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED} ---"));
  CHECK_FALSE(strace_line_cut("close(3) = 0 <0.000004>"));
  CHECK_FALSE(strace_line_cut("some prose the user wrote"));
  // Cut: no ')' yet, no return, an errno without its text, a -T time or errno text cut short.
  CHECK(strace_line_cut("1234  openat(AT_FDCWD, \"/srv/app/conf.ini\","));
  CHECK(strace_line_cut("openat(AT_FDCWD, \"/x\", O_RDONLY)"));
  CHECK(strace_line_cut("openat(AT_FDCWD, \"/x\", O_RDONLY) ="));
  CHECK(strace_line_cut("openat(AT_FDCWD, \"/x\", O_RDONLY) = -1"));
  CHECK(strace_line_cut("openat(AT_FDCWD, \"/x\", O_RDONLY) = -1 ENOENT"));
  CHECK(strace_line_cut("openat(AT_FDCWD, \"/x\", O_RDONLY) = -1 ENOENT (No"));
  CHECK(strace_line_cut("close(3) = 0 <0.00"));
  CHECK(strace_line_cut("write(1, \"a, (b\", 5"));  // a '(' inside a string is not a paren
  CHECK(strace_line_cut("--- SIGCHLD {si_signo=SIGCHLD,"));
  CHECK(strace_line_cut("13375 07:30:23.172305"));  // a prefix alone on its row
}

TEST_CASE("HTML: tags go, entities are decoded, <br> ends a line", "[paste]") {
  const std::string page =
      "<div class=\"post\"><p>My strace output:</p>\n"
      "1234  openat(AT_FDCWD, &quot;/srv/app/conf.ini&quot;, O_RDONLY) = -1 ENOENT (No such "
      "file or directory)<br></br>\n"
      "<strong>1234  write(2, &quot;app: cannot read conf.ini\\n&quot;, 26) = 26</strong><br>\n"
      "1234  +++ exited with 1 +++<br></div>\n";
  const PasteDamage d = detect_paste_damage(page);
  CHECK(d.html);
  const auto out = repair(page);
  CHECK(texts(out) == std::vector<std::string>{"My strace output:", kOpen, kWrite, kExit});
  CHECK(out[1].no == 2);
  CHECK(out[3].no == 4);
}

TEST_CASE("HTML: strace's own angle brackets are never tags", "[paste]") {
  const std::string page =
      "<pre>1234  openat(AT_FDCWD&lt;/srv&gt;, &quot;x&quot;, O_RDONLY &lt;unfinished ...&gt;\n"
      "1235  <... openat resumed>) = 3</srv/x> <0.000012>\n"
      "1236  read(3</b>, &#34;a&#x26;b&#34;, 3) = 3</pre>\n";
  const auto out = repair(page);
  REQUIRE(out.size() == 3);
  CHECK(out[0].text == "1234  openat(AT_FDCWD</srv>, \"x\", O_RDONLY <unfinished ...>");
  CHECK(out[1].text == "1235  <... openat resumed>) = 3</srv/x> <0.000012>");
  // A closing tag that is also a path annotation (</b>) is taken as the tag: a known limit of
  // reading HTML, noted in docs/strace-format.md #49.
  CHECK(out[2].text == "1236  read(3, \"a&b\", 3) = 3");
}

TEST_CASE("mail quoting and indentation are removed", "[paste]") {
  const std::string mail = "Bob wrote:\n> " + kOpen + "\n> " + kWrite + "\n>\n> " + kExit + "\n";
  CHECK(detect_paste_damage(mail).quote_depth == 1);
  CHECK(texts(repair(mail)) == std::vector<std::string>{"Bob wrote:", kOpen, kWrite, "", kExit});

  const std::string nested = "> > " + kOpen + "\n>> " + kWrite + "\n> > " + kExit + "\n";
  CHECK(detect_paste_damage(nested).quote_depth == 2);
  CHECK(texts(repair(nested)) == std::vector<std::string>{kOpen, kWrite, kExit});

  const std::string md = "I ran strace:\n\n    " + kOpen + "\n    " + kWrite + "\n\tnot code\n";
  const PasteDamage d = detect_paste_damage(md);
  CHECK(d.indent == 4);
  CHECK(texts(repair(md)) ==
        std::vector<std::string>{"I ran strace:", "", kOpen, kWrite, "not code"});
}

TEST_CASE("strace -k frames and -r timestamps keep their leading blanks", "[paste]") {
  const std::string k = kOpen + "\n > /usr/lib/libc.so.6(open64+0x1c) [0x114f6c]\n" + kExit + "\n";
  CHECK_FALSE(detect_paste_damage(k).any());
  const std::string r =
      "     0.000000 execve(\"/bin/true\", [\"true\"], 0x7ffc /* 2 vars */) = 0\n"
      "     0.000150 brk(NULL)          = 0x5555\n";
  CHECK_FALSE(detect_paste_damage(r).any());  // -r right-aligns its timestamps itself
  const std::string rk = r + " > /usr/lib/x86_64-linux-gnu/libc.so.6(brk+0xb) [0xf0e5b]\n";
  CHECK_FALSE(detect_paste_damage(rk).any());
}

// Clean logs of real strace runs that an early version took for pasted ones (tests written from
// the review that found them).
TEST_CASE("clean logs are never judged pasted", "[paste]") {
  // -y: a cwd under /var, a returned fd's path: "</var/...>" is no closing tag.
  const std::string y =
      "openat(AT_FDCWD</var/tmp>, \"/var/lib/dpkg/status\", O_RDONLY) = 3</var/lib/dpkg/status>\n"
      "openat(AT_FDCWD</var/tmp>, \"/var/cache/x\", O_RDONLY) = 4</var/cache/x>\n"
      "openat(AT_FDCWD</var/tmp>, \"nope\", O_RDONLY) = -1 ENOENT (No such file or directory)\n"
      "close(3</b>) = 0\n";
  CHECK_FALSE(detect_paste_damage(y).any());
  // strace and a program printing HTML to the same terminal.
  const std::string html =
      "1234  execve(\"/usr/bin/printf\", [\"printf\", \"<p>a</p>\\n<p>b</p>\\n\"], 0x7ff /* 2 vars "
      "*/) = 0\n"
      "1234  write(1, \"<p>a</p>\\n<p>b</p>\\n\", 18<p>a</p>\n"
      "<p>b</p>\n"
      ") = 18\n" +
      kExit + "\n";
  CHECK_FALSE(detect_paste_damage(html).any());
  // A Python REPL's ">>> " in the program's output is no mail quoting.
  CHECK(detect_paste_damage(kOpen + "\n>>> load(\"x\")\n" + kWrite + "\n" + kExit + "\n")
            .quote_depth == 0);
  // Output glued to a write's count that starts with '/', then the ") = 14" (#27).
  const std::string glued = "write(1, \"/bin\\n/usr/bin\\n\", 14/bin\n/usr/bin\n)        = 14\n";
  CHECK(detect_paste_damage(glued).wrap == PasteDamage::Wrap::None);
}

TEST_CASE("mail wraps are joined at the space the client dropped", "[paste]") {
  const std::string wrapped =
      "1234  openat(AT_FDCWD, \"/srv/app/conf.ini\", O_RDONLY) = -1 ENOENT\n"
      "(No such file or directory)\n"
      "1234  write(2, \"app: cannot read conf.ini\\n\", 26)\n"
      "= 26\n"
      "1234  +++ exited with 1 +++\n";
  const PasteDamage d = detect_paste_damage(wrapped);
  CHECK(d.wrap == PasteDamage::Wrap::Mail);
  const auto out = repair(wrapped);
  CHECK(texts(out) == std::vector<std::string>{kOpen, kWrite, kExit});
  CHECK(out[1].no == 3);
  // format=flowed keeps the space at the end of the broken row.
  const std::string flowed =
      "1234  openat(AT_FDCWD, \"/srv/app/conf.ini\", O_RDONLY) = -1 ENOENT (No \n"
      "such file or directory)\n" +
      kExit + "\n";
  CHECK(texts(repair(flowed)) == std::vector<std::string>{kOpen, kExit});
  // A pid and timestamp left alone on their row.
  const std::string alone =
      "1234 07:30:23.172305\n"
      "openat(AT_FDCWD, \"/srv/app/conf.ini\", O_RDONLY) = -1 ENOENT (No such file or\n"
      "directory)\n" +
      kExit + "\n";
  CHECK(texts(repair(alone)).front() ==
        "1234 07:30:23.172305 openat(AT_FDCWD, \"/srv/app/conf.ini\", O_RDONLY) = -1 ENOENT (No "
        "such file or directory)");
}

TEST_CASE("a mail wrap before a -T time or inside a run of spaces is joined", "[paste]") {
  const std::string wrapped =
      "1234  openat(AT_FDCWD, \"/srv/app/conf.ini\", O_RDONLY) = -1 ENOENT (No such\n"
      "file or directory)\n"
      "1234  close(3) = 0\n"
      "<0.000004>\n"
      "1234  write(1, \"VmSize:\\t    2988\n"
      "    kB\\n\", 18) = 18\n" +
      kExit + "\n";
  REQUIRE(detect_paste_damage(wrapped).wrap == PasteDamage::Wrap::Mail);
  CHECK(texts(repair(wrapped)) ==
        std::vector<std::string>{kOpen, "1234  close(3) = 0 <0.000004>",
                                 "1234  write(1, \"VmSize:\\t    2988    kB\\n\", 18) = 18",
                                 kExit});
}

TEST_CASE("a terminal's fixed-width cut is joined with nothing in between", "[paste]") {
  std::string log;
  for (const std::string& l : {kOpen, kWrite, kExit}) {
    for (std::size_t i = 0; i < l.size(); i += 40) {
      log += l.substr(i, 40) + "\n";
    }
  }
  const PasteDamage d = detect_paste_damage(log);
  CHECK(d.wrap == PasteDamage::Wrap::FixedWidth);
  CHECK(d.width == 40);
  CHECK(texts(repair(log)) == std::vector<std::string>{kOpen, kWrite, kExit});
}

TEST_CASE("program output glued to a call is left to the reader", "[paste]") {
  // strace and the program shared a terminal (#27): the reader pairs these itself.
  const std::string log =
      "write(2, \"PHP Warning:  require(x.phpp)\"..., 40PHP Warning:  require(x.phpp): Failed\n"
      "Stack trace\n"
      ") = 40\n";
  const PasteDamage d = detect_paste_damage(log);
  CHECK(d.wrap == PasteDamage::Wrap::None);
}

namespace {

struct Twice {
  std::vector<Line> out;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> dropped;
};

Twice twice(const std::vector<std::string>& lines) {
  culprit::tracer::PastedTwice p;
  Twice t;
  const culprit::tracer::PastedTwice::Out out = [&](std::string_view l, std::uint64_t n) {
    t.out.push_back({std::string(l), n});
  };
  const culprit::tracer::PastedTwice::Dropped dropped = [&](std::uint64_t a, std::uint64_t b) {
    t.dropped.emplace_back(a, b);
  };
  std::uint64_t no = 0;
  for (const auto& l : lines) {
    p.feed(l, ++no, out, dropped);
  }
  p.finish(out, dropped);
  return t;
}

}  // namespace

TEST_CASE("the same block pasted twice is read once", "[paste][twice]") {
  // A complete second copy after a prompt: dropped, and said so with its lines.
  // (The prompt before it is passed on: the reader reads a bare prompt as nothing.)
  auto t = twice({kOpen, kWrite, kExit, "root@web1:~# ", kOpen, kWrite, kExit});
  CHECK(texts(t.out) == std::vector<std::string>{kOpen, kWrite, kExit, "root@web1:~# "});
  REQUIRE(t.dropped.size() == 1);
  CHECK(t.dropped[0] == std::make_pair(std::uint64_t{5}, std::uint64_t{7}));
  // The second copy cut off at the end of the paste (its last line cut short): dropped too.
  t = twice({kOpen, kWrite, kExit, kOpen, kWrite.substr(0, 20)});
  CHECK(texts(t.out) == std::vector<std::string>{kOpen, kWrite, kExit});
  CHECK(t.dropped.size() == 1);
  // A repeat of the first line that goes on differently is no copy: every line is read, in order.
  t = twice({kOpen, kWrite, kOpen, kExit});
  CHECK(texts(t.out) == std::vector<std::string>{kOpen, kWrite, kOpen, kExit});
  CHECK(t.out[2].no == 3);
  CHECK(t.dropped.empty());
}

TEST_CASE("a listing copied with its line numbers: glued, cat -n, after prose", "[paste]") {
  const std::string a = R"(execve("/usr/bin/sh", ["sh", "start.sh"], 0x7ffd /* 3 vars */) = 0)";
  const std::string b =
      R"(openat(AT_FDCWD, "/etc/default/myapp", O_RDONLY) = -1 ENOENT (No such file or directory))";
  const std::string c = R"(write(2, "start.sh: 3: cannot open /etc/default/myapp\n", 44) = 44)";
  const std::string d = "exit_group(2)                           = ?";
  const std::string e = "+++ exited with 2 +++";
  SECTION("numbers glued to the calls, from 1") {
    const std::string log = "1" + a + "\n2" + b + "\n3" + c + "\n4" + d + "\n5" + e + "\n";
    const PasteDamage damage = detect_paste_damage(log);
    CHECK(damage.numbered);
    CHECK(damage.first_number == 1);
    CHECK(texts(repair(log)) == std::vector<std::string>{a, b, c, d, e});
  }
  SECTION("glued to a pid column, starting at 40 (a part of a longer listing)") {
    const std::string log = "404321  " + a + "\n414321  " + b + "\n424321  " + c + "\n434321  " +
                            d + "\n444321  " + e + "\n";
    CHECK(detect_paste_damage(log).first_number == 40);
    CHECK(texts(repair(log)) == std::vector<std::string>{"4321  " + a, "4321  " + b, "4321  " + c,
                                                         "4321  " + d, "4321  " + e});
  }
  SECTION("cat -n, after a line of prose, with a numbered blank line") {
    const std::string log = "here is the trace:\n     1\t" + a + "\n     2\t" + b + "\n     3\t\n" +
                            "     4\t" + c + "\n     5\t" + d + "\n     6\t" + e + "\n";
    const PasteDamage damage = detect_paste_damage(log);
    CHECK(damage.numbered);
    const auto lines = texts(repair(log));
    CHECK(std::find(lines.begin(), lines.end(), b) != lines.end());
    CHECK(std::find(lines.begin(), lines.end(), e) != lines.end());
  }
  SECTION("a pid column is not a listing, even when three pids count up") {
    const std::string log =
        "101  " + a + "\n102  " + b + "\n103  " + c + "\n101  " + d + "\n101  " + e + "\n";
    CHECK_FALSE(detect_paste_damage(log).numbered);
  }
}
