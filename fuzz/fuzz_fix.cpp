// Fuzz target: the fixers and renderers (analyzer/fix/fix.h, analyzer/render/render.h,
// analyzer/core/quote.h) fed Findings whose paths, tokens, messages and owners are arbitrary bytes
// — what a hostile file name or a traced program can put there. Checked: no
// crash/assertion/exception; the manifest is UTF-8 (Puppet requires it); the JSON report parses;
// the quoting primitives round-trip (the shell word and the Puppet string read back as exactly the
// input bytes); display_text is one line. Paths never hold NUL (the kernel stops at it, and the log
// reader guarantees it: see fuzz_strace_log.cpp), so NUL bytes in the input are dropped from
// path-like values.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "analyzer/core/finding.h"
#include "analyzer/core/permission.h"
#include "analyzer/core/quote.h"
#include "analyzer/fix/fix.h"
#if __has_include("analyzer/render/render.h")
#include "analyzer/render/render.h"
#define CULPRIT_FUZZ_HAS_RENDER 1
#endif
#include "tracer/model/result.h"

namespace {

using culprit::analyzer::Finding;
using culprit::analyzer::FindingKind;

// Takes values off the front of the input; returns zeros / empty strings when it runs dry.
class Bytes {
 public:
  explicit Bytes(std::string_view data) : data_(data) {}
  std::uint8_t byte() {
    if (data_.empty()) {
      return 0;
    }
    const auto b = static_cast<std::uint8_t>(data_.front());
    data_.remove_prefix(1);
    return b;
  }
  bool flag() { return (byte() & 1) != 0; }
  std::uint32_t u32() {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      v = (v << 8) | byte();
    }
    return v;
  }
  // A string of up to 255 bytes (length byte first); `no_nul` drops NUL bytes.
  std::string str(bool no_nul = true) {
    // The length byte first: in std::min(byte(), data_.size()) the order of evaluation is
    // unspecified, and a size taken before byte() consumed its byte over-runs the input.
    const std::size_t wanted = byte();
    const std::size_t n = std::min(wanted, data_.size());
    std::string s(data_.substr(0, n));
    data_.remove_prefix(n);
    if (no_nul) {
      std::erase(s, '\0');
    }
    return s;
  }
  // A path: sometimes absolute, sometimes built from the previous one (sibling, parent).
  std::string path() {
    std::string p = str();
    if (flag() && !p.starts_with('/')) {
      p.insert(0, "/");
    }
    return p;
  }

 private:
  std::string_view data_;
};

constexpr const char* kErrnos[] = {"ENOENT",       "EACCES", "EPERM", "ENOTDIR",
                                   "ECONNREFUSED", "ELOOP",  "",      "EISDIR"};
constexpr const char* kSyscalls[] = {"openat", "stat",  "execve",     "connect",
                                     "access", "mkdir", "newfstatat", "readlink"};

Finding make_finding(Bytes& in, int rank) {
  Finding f;
  f.rank = rank;
  f.kind = static_cast<FindingKind>(in.byte() % 8);
  f.errno_name = kErrnos[in.byte() % 8];
  f.syscall = kSyscalls[in.byte() % 8];
  f.path = in.path();
  if (in.flag()) {
    f.address = in.str();
  }
  f.count = 1 + in.byte();
  f.pids = {100, 101};
  if (in.flag()) {
    f.suggestion = in.flag() ? in.path() : f.path.substr(0, f.path.size() / 2 + 1) + in.str();
  }
  if (in.flag()) {
    culprit::analyzer::SourceLocation loc;
    loc.file = in.path();
    loc.line = in.u32() % 100000;
    loc.text = in.str(false);
    f.referenced_from = loc;
  }
  if (in.flag()) {
    f.missing_directory = in.path();
  }
  f.bad_token = in.str();
  f.good_token = in.str();
  if (in.flag()) {
    culprit::analyzer::PermissionBlocker b;
    b.path = in.path();
    b.mode = in.u32() & 07777;
    b.uid = in.u32();
    b.gid = in.u32();
    b.owner = in.str();
    b.group = in.str();
    b.needed = in.str();
    b.is_directory = in.flag();
    b.suggested_mode = in.flag() ? (b.is_directory ? 0755 : 0644) : (in.u32() & 07777);
    f.blocker = b;
  }
  if (in.flag()) {
    f.process_uid = in.u32() % 4 == 0 ? (f.blocker ? f.blocker->uid : 0) : in.u32();
  }
  if (in.flag()) {
    f.process_gid = in.u32() % 4 == 0 ? (f.blocker ? f.blocker->gid : 0) : in.u32();
  }
  f.process_group_alone = in.flag();
  f.blocker_group_regroupable = in.flag();
  f.message = in.str(false);
  f.explanation = in.str(false);
  f.rank_reason = in.str(false);
  f.log_only = in.flag();
  const int evidence = in.byte() % 3;
  for (int i = 0; i < evidence; ++i) {
    culprit::analyzer::EvidenceRef ev;
    ev.file = in.str();
    ev.line = in.u32();
    ev.pid = static_cast<culprit::tracer::Pid>(in.u32());
    ev.summary = in.str(false);
    f.evidence.push_back(std::move(ev));
  }
  return f;
}

// Reads one POSIX sh single-quoted word sequence as made by shell_quote: '...' and \' pieces.
std::optional<std::string> unquote_shell(std::string_view w) {
  std::string out;
  std::size_t i = 0;
  while (i < w.size()) {
    if (w[i] == '\'') {
      const std::size_t end = w.find('\'', i + 1);
      if (end == std::string_view::npos) {
        return std::nullopt;
      }
      out.append(w.substr(i + 1, end - i - 1));
      i = end + 1;
    } else if (w[i] == '\\' && i + 1 < w.size()) {
      out.push_back(w[i + 1]);
      i += 2;
    } else {
      return std::nullopt;  // an unquoted byte: the shell might interpret it
    }
  }
  return out;
}

// Reads a Puppet string literal as made by puppet_quote ('...' or "...").
std::optional<std::string> unquote_puppet(std::string_view q) {
  if (q.size() < 2 || q.front() != q.back() || (q.front() != '\'' && q.front() != '"')) {
    return std::nullopt;
  }
  const bool dq = q.front() == '"';
  std::string out;
  for (std::size_t i = 1; i + 1 < q.size(); ++i) {
    const char c = q[i];
    if (c == '\\' && i + 2 < q.size()) {
      const char n = q[++i];
      if (!dq) {
        if (n == '\\' || n == '\'') {
          out.push_back(n);
        } else {
          out.push_back('\\');
          out.push_back(n);
        }
        continue;
      }
      switch (n) {
        case 'n':
          out.push_back('\n');
          break;
        case 't':
          out.push_back('\t');
          break;
        case '\\':
        case '"':
        case '$':
        case '\'':
          out.push_back(n);
          break;
        default:
          return std::nullopt;  // an escape puppet would read differently
      }
      continue;
    }
    if ((!dq && c == '\'') || (dq && (c == '"' || c == '$'))) {
      return std::nullopt;  // unescaped delimiter or interpolation
    }
    out.push_back(c);
  }
  return out;
}

// `s` has no NUL: every quoting function refuses NUL (analyzer/core/quote.cpp asserts it).
void check_quoting(const std::string& s) {
  namespace a = culprit::analyzer;
  {
    const auto back = unquote_shell(a::shell_quote(s));
    CULPRIT_ASSERT(back && *back == s) << "shell_quote does not round-trip";
  }
  if (a::puppet_representable(s)) {
    const auto back = unquote_puppet(a::puppet_quote(s));
    CULPRIT_ASSERT(back && *back == s)
        << "puppet_quote does not round-trip: " << a::puppet_quote(s);
  }
  const std::string shown = a::display_text(s);
  CULPRIT_ASSERT(a::is_valid_utf8(shown)) << "display_text is not UTF-8";
  CULPRIT_ASSERT(shown.find('\n') == std::string::npos) << "display_text spans lines";
  if (const auto d = a::sed_delimiter(s, "x")) {
    (void)a::sed_regex_literal(s, *d);
    (void)a::sed_replacement_literal(s, *d);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string quoted(text.substr(0, 4096));
  std::erase(quoted, '\0');
  check_quoting(quoted);

  Bytes in(text);
  culprit::analyzer::Report report;
  report.mode = "replay";
  report.inputs = {"fuzz.log"};
  report.log_only = in.flag();
  const int n = 1 + in.byte() % 4;
  for (int i = 0; i < n; ++i) {
    report.findings.push_back(make_finding(in, i + 1));
  }
  culprit::analyzer::attach_fixes(report, culprit::analyzer::builtin_fix_templates());
  // Least privilege, whatever the finding holds: a permission fix never gives "other" anything,
  // never touches a secret, and grants only the bits the blocker lacked.
  for (const auto& f : report.findings) {
    if (f.kind != culprit::analyzer::FindingKind::PermissionDenied || !f.fix) {
      continue;
    }
    const std::string& sh = f.fix->shell;
    CULPRIT_ASSERT(sh.find("chmod o") == std::string::npos &&
                   sh.find("chmod a") == std::string::npos &&
                   sh.find("chmod +") == std::string::npos)
        << "a permission fix widened other";
    if (f.fix->variant == "chmod" || f.fix->variant == "chgrp" || f.fix->variant == "acl") {
      CULPRIT_ASSERT(f.blocker && f.process_uid && *f.process_uid != 0)
          << "grant without principal";
      CULPRIT_ASSERT(!culprit::analyzer::is_sensitive_path(f.blocker->path) &&
                     !culprit::analyzer::is_sensitive_path(f.path))
          << "a secret was opened";
      const auto g =
          culprit::analyzer::plan_grant(*f.blocker, f.process_uid, f.process_gid,
                                        {f.process_group_alone, f.blocker_group_regroupable});
      CULPRIT_ASSERT((g.new_mode & 0007U) == (f.blocker->mode & 0007U)) << "other bits changed";
      CULPRIT_ASSERT(g.via != culprit::analyzer::Grant::Via::Group ||
                     (f.process_group_alone && f.blocker_group_regroupable && f.process_gid &&
                      g.new_gid == *f.process_gid))
          << "a group change that reaches someone else";
    }
  }
  const std::size_t top = 1 + in.byte() % 4;
  const std::string manifest = culprit::analyzer::puppet_manifest(report, top);
  CULPRIT_ASSERT(culprit::analyzer::is_valid_utf8(manifest)) << "manifest is not UTF-8";
  const std::string script = culprit::analyzer::shell_script(report, top);
  CULPRIT_ASSERT(script.rfind("#!/bin/sh", 0) == 0) << "script without #!/bin/sh";
  CULPRIT_ASSERT(script.find('\0') == std::string::npos) << "NUL byte in the script";
#ifdef CULPRIT_FUZZ_HAS_RENDER
  culprit::analyzer::RenderOptions ropts;
  ropts.detailed = 4;
  ropts.max_listed = 0;
  const std::string json =
      culprit::analyzer::render(report, culprit::analyzer::Format::Json, ropts);
  CULPRIT_ASSERT(nlohmann::json::accept(json)) << "invalid JSON report";
  (void)culprit::analyzer::render(report, culprit::analyzer::Format::Text, ropts);
  (void)culprit::analyzer::render(report, culprit::analyzer::Format::Markdown, ropts);
#endif
  return 0;
}
