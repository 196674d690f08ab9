// The one manifest and the one script for a fleet: each report's own fix, guarded by the hosts
// that reported it, titles renamed per group, shared parts declared once.
#include <fmt/format.h>

#include <map>
#include <set>
#include <utility>

#include "analyzer/core/quote.h"
#include "analyzer/fleet/fleet.h"

namespace culprit::analyzer {

namespace {

constexpr std::size_t kCommentWidth = 100;  // puppet-lint checks 140 columns
constexpr std::size_t kLintLineLimit = 140;

// A one-line comment, escaped and cut to kCommentWidth characters' worth of bytes.
std::string comment(std::string_view prefix, std::string_view text) {
  std::string line = std::string(prefix) + display_text(text);
  if (line.size() > kCommentWidth) {
    std::size_t cut = kCommentWidth;
    while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0U) == 0x80U) {
      --cut;  // not inside a UTF-8 sequence
    }
    line = line.substr(0, cut) + "...";
  }
  return line + "\n";
}

std::string hosts_text(const std::vector<std::string>& hosts) {
  std::string out;
  for (const auto& h : hosts) {
    out += (out.empty() ? "" : ", ") + h;
  }
  return out;
}

std::string indent(std::string_view text, std::string_view by) {
  std::string out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    end = end == std::string_view::npos ? text.size() : end + 1;
    const std::string_view line = text.substr(start, end - start);
    if (line != "\n") {
      out += by;
    }
    out += line;
    start = end;
  }
  if (!out.empty() && out.back() != '\n') {
    out += '\n';
  }
  return out;
}

bool has_long_line(std::string_view text) {
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    end = end == std::string_view::npos ? text.size() : end;
    if (end - start > kLintLineLimit) {
      return true;
    }
    start = end + 1;
  }
  return false;
}

std::string group_title(const FleetGroup& g, std::size_t group, std::size_t fix) {
  return g.fixes.size() > 1 ? fmt::format("culprit-{}-g{}-{}", g.kind, group, fix + 1)
                            : fmt::format("culprit-{}-g{}", g.kind, group);
}

// What both outputs do per fix: which of its hosts get it here (a host that already has a fix
// with the same key, from a group above, gets it once), and which are left to that other group.
struct Placement {
  std::vector<std::string> hosts;
  std::vector<std::pair<std::string, std::size_t>> elsewhere;  // host, group number
};

class KeyLedger {
 public:
  Placement place(const FleetFix& fix, std::size_t group) {
    Placement p;
    for (const auto& host : fix.hosts) {
      if (fix.key.empty()) {
        p.hosts.push_back(host);
        continue;
      }
      const auto [it, inserted] = seen_.emplace(std::make_pair(host, fix.key), group);
      if (inserted) {
        p.hosts.push_back(host);
      } else {
        p.elsewhere.emplace_back(host, it->second);
      }
    }
    return p;
  }

 private:
  std::map<std::pair<std::string, std::string>, std::size_t> seen_;
};

void elsewhere_comments(std::string& out, const Placement& p) {
  for (const auto& [host, group] : p.elsewhere) {
    out += comment("# ", fmt::format("on {}: the same change as group {} above", host, group));
  }
}

// Shared parts, each once, with the hosts of every fix that uses it.
struct SharedPart {
  std::string text;
  std::set<std::string> hosts;
};

void add_shared(std::vector<SharedPart>& parts, const std::string& text,
                const std::vector<std::string>& hosts) {
  if (text.empty() || hosts.empty()) {
    return;
  }
  auto it =
      std::find_if(parts.begin(), parts.end(), [&](const SharedPart& p) { return p.text == text; });
  if (it == parts.end()) {
    parts.push_back(SharedPart{text, {}});
    it = parts.end() - 1;
  }
  it->hosts.insert(hosts.begin(), hosts.end());
}

std::string header_hosts(const Fleet& fleet) {
  std::string out;
  for (const auto& h : fleet.hosts) {
    out += comment("#   ", fmt::format("{} ({}, {} finding{})", h.host, h.origin, h.findings.size(),
                                       h.findings.size() == 1 ? "" : "s"));
  }
  return out;
}

struct Counts {
  std::size_t fixes = 0;
  std::size_t checks = 0;
};

Counts count_fixes(const Fleet& fleet) {
  Counts c;
  for (const auto& g : fleet.groups) {
    for (const auto& f : g.fixes) {
      (f.actionable ? c.fixes : c.checks) += 1;
    }
  }
  return c;
}

// ---- Puppet

// $culprit_on_N = ['a', 'b'] (one host a line when long); hosts Puppet cannot hold as a
// string (control characters) are left out and named in a comment.
std::string puppet_host_list(const std::string& var, const std::vector<std::string>& hosts,
                             std::vector<std::string>& left_out) {
  std::vector<std::string> quoted;
  for (const auto& h : hosts) {
    if (puppet_representable(h)) {
      quoted.push_back(puppet_quote(h));
    } else {
      left_out.push_back(h);
    }
  }
  std::string one_line = fmt::format("${} = [", var);
  for (std::size_t i = 0; i < quoted.size(); ++i) {
    one_line += (i == 0 ? "" : ", ") + quoted[i];
  }
  one_line += "]\n";
  if (one_line.size() <= 100 && one_line.find('\n') == one_line.size() - 1) {
    return one_line;
  }
  std::string out = fmt::format("${} = [\n", var);
  for (const auto& q : quoted) {
    out += "  " + q + ",\n";
  }
  return out + "]\n";
}

// The guarded block: the host list, `if ... { BODY }`, fenced for puppet-lint when a line is
// longer than it allows.
std::string puppet_guarded(const std::string& var, const std::vector<std::string>& hosts,
                           std::string_view body) {
  std::vector<std::string> left_out;
  std::string out = puppet_host_list(var, hosts, left_out);
  for (const auto& h : left_out) {
    out += comment("# Not applied on ", h + ": Puppet cannot hold that host name as a string");
  }
  std::string block = fmt::format(
      "if $culprit_certname in ${0} or $culprit_hostname in ${0} or $culprit_fqdn in ${0} {{\n",
      var);
  std::string_view trimmed = body;
  while (trimmed.ends_with("\n\n")) {
    trimmed.remove_suffix(1);
  }
  block += indent(trimmed, "  ");
  block += "}\n";
  if (has_long_line(block)) {
    block = "# lint:ignore:140chars\n" + block + "# lint:endignore\n";
  }
  return out + block + "\n";
}

// ---- sh

std::string shell_case(const std::vector<std::string>& hosts, std::string_view body) {
  std::string patterns;
  for (const auto& h : hosts) {
    patterns += (patterns.empty() ? "" : "|") + shell_quote(h);
  }
  std::string out = "case \"$culprit_host\" in\n  " + patterns + ")\n";
  out += body;
  if (!body.empty() && body.back() != '\n') {
    out += '\n';
  }
  return out + "    ;;\nesac\n\n";
}

}  // namespace

std::string fleet_manifest(const Fleet& fleet) {
  const Counts counts = count_fixes(fleet);
  std::string out = fmt::format(
      "# Generated by culprit merge from the reports of {} host(s):\n{}"
      "# {} fix(es) and {} check(s), each applied only on the hosts whose report holds it: those\n"
      "# whose certname ($trusted['certname']), short host name or FQDN (facts) is in its list.\n"
      "# REVIEW BEFORE APPLYING:\n"
      "#   puppet apply --noop THIS_FILE     shows what would change\n"
      "#   puppet apply --detailed-exitcodes THIS_FILE\n"
      "#     exit 2: changed something; 0: nothing needed changing; 4 or 6: a check or change "
      "failed\n"
      "# Every change is guarded, so a second run changes nothing and exits 0.\n\n"
      "$culprit_certname = $trusted['certname']\n"
      "$culprit_hostname = $facts['networking']['hostname']\n"
      "$culprit_fqdn = $facts['networking']['fqdn']\n\n",
      fleet.hosts.size(), header_hosts(fleet), counts.fixes, counts.checks);
  KeyLedger ledger;
  std::vector<SharedPart> shared;
  for (std::size_t gi = 0; gi < fleet.groups.size(); ++gi) {
    const FleetGroup& g = fleet.groups[gi];
    const std::size_t number = gi + 1;
    if (g.fixes.empty()) {
      continue;
    }
    out += comment("# ", fmt::format("Group {} ({}): {}, seen on {} of {} host(s)", number, g.kind,
                                     g.address.empty() ? g.path : g.address, g.hosts.size(),
                                     fleet.hosts.size()));
    for (std::size_t fi = 0; fi < g.fixes.size(); ++fi) {
      const FleetFix& fix = g.fixes[fi];
      if (!fix.puppet_problem.empty()) {
        out += comment("# ", fmt::format("Not written for {}: {}; run culprit there with "
                                         "--puppet FILE",
                                         hosts_text(fix.hosts), fix.puppet_problem));
        out += "\n";
        continue;
      }
      const Placement p = ledger.place(fix, number);
      elsewhere_comments(out, p);
      if (p.hosts.empty()) {
        out += "\n";
        continue;
      }
      const std::string title = group_title(g, number, fi);
      std::string body = fix.puppet;
      if (!fix.title.empty()) {
        body = rename_puppet_title(body, fix.title, title);
      }
      const std::string var = g.fixes.size() > 1 ? fmt::format("culprit_on_{}_{}", number, fi + 1)
                                                 : fmt::format("culprit_on_{}", number);
      out += puppet_guarded(var, p.hosts, body);
      add_shared(shared, fix.puppet_shared, p.hosts);
    }
  }
  for (std::size_t i = 0; i < shared.size(); ++i) {
    out += "# Shared by the fixes above that use it, declared once for all their hosts.\n";
    out += puppet_guarded(fmt::format("culprit_on_shared_{}", i + 1),
                          {shared[i].hosts.begin(), shared[i].hosts.end()}, shared[i].text);
  }
  while (out.size() > 1 && out.ends_with("\n\n")) {
    out.pop_back();
  }
  return out;
}

std::string fleet_script(const Fleet& fleet) {
  const Counts counts = count_fixes(fleet);
  std::string out = fmt::format(
      "#!/bin/sh\n"
      "# File names are data here, single-quoted on purpose even when they look like $(...):\n"
      "# shellcheck disable=SC2016\n"
      "# Generated by culprit merge from the reports of {} host(s):\n{}"
      "# {} fix(es) and {} check(s), each run only on the hosts whose report holds it: the host\n"
      "# is $CULPRIT_HOST when set, else what `hostname` prints (the name culprit reports).\n"
      "# REVIEW BEFORE RUNNING. Exit status: 0 when every fix for this host is in place (a second\n"
      "# run changes nothing), 1 when a check failed or a fix could not be made, another status\n"
      "# when a command failed (the script stops there).\n"
      "set -eu\n"
      "LC_ALL=C\n"
      "export LC_ALL\n"
      "culprit_status=0\n"
      "culprit_host=\"${{CULPRIT_HOST:-$(hostname)}}\"\n\n",
      fleet.hosts.size(), header_hosts(fleet), counts.fixes, counts.checks);
  KeyLedger ledger;
  std::vector<SharedPart> shared;
  for (std::size_t gi = 0; gi < fleet.groups.size(); ++gi) {
    const FleetGroup& g = fleet.groups[gi];
    const std::size_t number = gi + 1;
    if (g.fixes.empty()) {
      continue;
    }
    out += comment("# ", fmt::format("Group {} ({}): {}, seen on {} of {} host(s)", number, g.kind,
                                     g.address.empty() ? g.path : g.address, g.hosts.size(),
                                     fleet.hosts.size()));
    for (const FleetFix& fix : g.fixes) {
      if (!fix.shell_problem.empty()) {
        out += comment("# ", fmt::format("Not written for {}: {}; run culprit there with "
                                         "--shell FILE",
                                         hosts_text(fix.hosts), fix.shell_problem));
        out += "\n";
        continue;
      }
      const Placement p = ledger.place(fix, number);
      elsewhere_comments(out, p);
      if (p.hosts.empty()) {
        out += "\n";
        continue;
      }
      out += shell_case(p.hosts, fix.shell);
      add_shared(shared, fix.shell_shared, p.hosts);
    }
  }
  for (const auto& part : shared) {
    out += "# Shared by the fixes above that use it, run once.\n";
    out += shell_case({part.hosts.begin(), part.hosts.end()}, part.text);
  }
  out += "exit \"$culprit_status\"\n";
  return out;
}

}  // namespace culprit::analyzer
