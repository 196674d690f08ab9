// The merged report: text for a terminal, Markdown for a ticket, JSON (culprit.merge/1,
// docs/merge.schema.json) for tools. Every name and path from a report goes through display_text.
#include <fmt/format.h>

#include "analyzer/core/quote.h"
#include "analyzer/fleet/fleet.h"

namespace culprit::analyzer {

namespace {

using ojson = nlohmann::ordered_json;

std::string subject(const FleetGroup& g) {
  return display_text(g.address.empty() ? g.path : g.address);
}

// "web-1, web-2, ... and 35 more"
std::string host_list(const std::vector<std::string>& hosts, std::size_t max,
                      std::string (*escape)(std::string_view)) {
  std::string out;
  for (std::size_t i = 0; i < hosts.size() && i < max; ++i) {
    out += (i == 0 ? "" : ", ") + escape(hosts[i]);
  }
  if (hosts.size() > max) {
    out += fmt::format(" and {} more", hosts.size() - max);
  }
  return out;
}

std::string plain(std::string_view s) { return display_text(s); }

// Markdown: display text with the characters that mark up escaped.
std::string md(std::string_view s) {
  std::string out;
  for (const char c : display_text(s)) {
    if (std::string_view("\\`*_{}[]<>()#+-.!|~").find(c) != std::string_view::npos) {
      out += '\\';
    }
    out += c;
  }
  return out;
}

std::string text_of(const nlohmann::json& f, const char* key) {
  const auto it = f.find(key);
  return it != f.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::vector<std::string> hosts_without_findings(const Fleet& fleet) {
  std::vector<std::string> out;
  for (const auto& h : fleet.hosts) {
    if (h.findings.empty()) {
      out.push_back(h.host);
    }
  }
  return out;
}

std::string fix_line(const FleetFix& fix) {
  std::string out = display_text(fix.summary);
  if (!fix.actionable) {
    out += " (a check: culprit cannot make this change)";
  }
  return out;
}

std::string render_text(const Fleet& fleet, const FleetRenderOptions& opts) {
  const std::size_t m = fleet.hosts.size();
  std::string out = fmt::format(
      "culprit merge: {} finding{} on {} host{}; the same fault on several hosts is one finding, "
      "the most widespread first.\n",
      fleet.groups.size(), fleet.groups.size() == 1 ? "" : "s", m, m == 1 ? "" : "s");
  for (const auto& r : fleet.replaced) {
    out += fmt::format("  ({}: {} left out for the newer {})\n", plain(r.host), plain(r.origin),
                       plain(r.kept_origin));
  }
  std::size_t n = 0;
  for (const auto& g : fleet.groups) {
    out += fmt::format("\n#{} {}  {}  on {} of {} host{}\n", ++n, g.kind, subject(g),
                       g.hosts.size(), m, m == 1 ? "" : "s");
    out += fmt::format("  Hosts:  {}\n", host_list(g.hosts, opts.max_hosts, plain));
    if (!g.errno_name.empty()) {
      out += fmt::format("  Errno:  {}\n", plain(g.errno_name));
    }
    if (!g.location.empty()) {
      out += fmt::format("  Where:  {}\n", plain(g.location));
    }
    out += fmt::format("  Rank:   {} at best (on {})\n", g.best_rank, plain(g.representative));
    if (const std::string why = text_of(g.finding, "explanation"); !why.empty()) {
      out += fmt::format("  Why:    {} (on {})\n", plain(why), plain(g.representative));
    }
    if (g.fixes.empty()) {
      out += fmt::format("  Fix:    none written (not among the top {} on any host)\n", fleet.top);
    }
    for (std::size_t i = 0; i < g.fixes.size(); ++i) {
      const FleetFix& fix = g.fixes[i];
      out += fmt::format("  {}{}\n", i == 0 ? "Fix:    " : "        ", fix_line(fix));
      if (g.fixes.size() > 1 || fix.hosts.size() != g.hosts.size()) {
        out += fmt::format("          on {}\n", host_list(fix.hosts, opts.max_hosts, plain));
      }
      if (!fix.puppet_problem.empty()) {
        out += fmt::format("          not in the manifest: {}\n", fix.puppet_problem);
      }
      if (!fix.shell_problem.empty()) {
        out += fmt::format("          not in the script: {}\n", fix.shell_problem);
      }
    }
  }
  const auto clean = hosts_without_findings(fleet);
  if (!clean.empty()) {
    out += fmt::format("\nNo finding on {} of {} host{}: {}\n", clean.size(), m, m == 1 ? "" : "s",
                       host_list(clean, opts.max_hosts, plain));
  }
  out += "(--manifest FILE / --script FILE write the fixes, each for its own hosts)\n";
  return out;
}

std::string render_markdown(const Fleet& fleet, const FleetRenderOptions& opts) {
  const std::size_t m = fleet.hosts.size();
  std::string out =
      fmt::format("# culprit merge: {} finding{} on {} host{}\n\n", fleet.groups.size(),
                  fleet.groups.size() == 1 ? "" : "s", m, m == 1 ? "" : "s");
  if (!fleet.groups.empty()) {
    out += "| # | Kind | Path | Hosts | Best rank | Fix |\n|---|---|---|---|---|---|\n";
  }
  std::size_t n = 0;
  for (const auto& g : fleet.groups) {
    out += fmt::format("| {} | {} | {} | {} of {}: {} | {} | {} |\n", ++n, md(g.kind),
                       md(g.address.empty() ? g.path : g.address), g.hosts.size(), m,
                       host_list(g.hosts, opts.max_hosts, md), g.best_rank,
                       g.fixes.empty() ? std::string("none written") : md(fix_line(g.fixes[0])));
  }
  n = 0;
  for (const auto& g : fleet.groups) {
    out += fmt::format("\n## {}. {} {}\n\n", ++n, md(g.kind),
                       md(g.address.empty() ? g.path : g.address));
    out += fmt::format("- **On {} of {} hosts:** {}\n", g.hosts.size(), m,
                       host_list(g.hosts, opts.max_hosts, md));
    if (const std::string why = text_of(g.finding, "explanation"); !why.empty()) {
      out += fmt::format("- **Why** (on {}): {}\n", md(g.representative), md(why));
    }
    for (const auto& fix : g.fixes) {
      out += fmt::format("- **Fix** on {}: {}\n", host_list(fix.hosts, opts.max_hosts, md),
                         md(fix_line(fix)));
    }
  }
  const auto clean = hosts_without_findings(fleet);
  if (!clean.empty()) {
    out += fmt::format("\nNo finding on {}.\n", host_list(clean, opts.max_hosts, md));
  }
  return out;
}

ojson string_array(const std::vector<std::string>& items) {
  ojson out = ojson::array();
  for (const auto& s : items) {
    out.push_back(s);
  }
  return out;
}

ojson null_if_empty(const std::string& s) { return s.empty() ? ojson(nullptr) : ojson(s); }

}  // namespace

ojson fleet_json(const Fleet& fleet) {
  ojson doc = ojson::object();
  doc["schema"] = "culprit.merge/1";
  doc["top"] = fleet.top;
  ojson hosts = ojson::array();
  for (const auto& h : fleet.hosts) {
    ojson item = ojson::object();
    item["host"] = h.host;
    item["report"] = h.origin;
    item["generated_at"] = null_if_empty(h.generated_at);
    item["mode"] = null_if_empty(h.mode);
    item["findings"] = h.findings.size();
    hosts.push_back(std::move(item));
  }
  doc["hosts"] = std::move(hosts);
  ojson replaced = ojson::array();
  for (const auto& r : fleet.replaced) {
    replaced.push_back(ojson{{"host", r.host}, {"report", r.origin}, {"kept", r.kept_origin}});
  }
  doc["replaced"] = std::move(replaced);
  ojson groups = ojson::array();
  for (const auto& g : fleet.groups) {
    ojson item = ojson::object();
    item["kind"] = g.kind;
    item["path"] = g.path;
    item["address"] = null_if_empty(g.address);
    item["errno"] = null_if_empty(g.errno_name);
    item["location"] = null_if_empty(g.location);
    item["count"] = g.hosts.size();
    item["of"] = fleet.hosts.size();
    item["hosts"] = string_array(g.hosts);
    item["best_rank"] = g.best_rank;
    item["representative"] = g.representative;
    item["explanation"] = text_of(g.finding, "explanation");
    ojson fixes = ojson::array();
    for (const auto& fix : g.fixes) {
      ojson f = ojson::object();
      f["summary"] = fix.summary;
      f["variant"] = fix.variant;
      f["key"] = fix.key;
      f["actionable"] = fix.actionable;
      f["hosts"] = string_array(fix.hosts);
      f["in_manifest"] = fix.puppet_problem.empty();
      f["in_script"] = fix.shell_problem.empty();
      if (!fix.puppet_problem.empty()) {
        f["manifest_problem"] = fix.puppet_problem;
      }
      if (!fix.shell_problem.empty()) {
        f["script_problem"] = fix.shell_problem;
      }
      fixes.push_back(std::move(f));
    }
    item["fixes"] = std::move(fixes);
    item["finding"] = g.finding;
    groups.push_back(std::move(item));
  }
  doc["groups"] = std::move(groups);
  doc["clean_hosts"] = string_array(hosts_without_findings(fleet));
  return doc;
}

std::string render_fleet(const Fleet& fleet, FleetFormat format, const FleetRenderOptions& opts) {
  switch (format) {
    case FleetFormat::Text:
      return render_text(fleet, opts);
    case FleetFormat::Markdown:
      return render_markdown(fleet, opts);
    case FleetFormat::Json:
      break;
  }
  return fleet_json(fleet).dump(2, ' ', false, ojson::error_handler_t::replace) + "\n";
}

}  // namespace culprit::analyzer
