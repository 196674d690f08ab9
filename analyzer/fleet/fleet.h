// A fleet: the JSON reports (culprit.report/1) of many hosts read back, the same finding grouped
// across them, and the merged outputs: a report (text, Markdown, JSON culprit.merge/1, see
// docs/merge.schema.json), one Puppet manifest and one POSIX shell script for every host.
//
// The fixes are the reports' own texts (fix.puppet, fix.shell): the merge never invents one. Each
// is guarded so that it applies only on the hosts whose report holds it, its resource title is
// renamed per group (titles are numbered per report, so two reports can both hold
// 'culprit-mistyped-path-1'), and the parts several fixes share (a service reload) are declared
// once. Every host name reaches the manifest and the script only through analyzer/core/quote.h.
//
// A report is data from another machine: a fix text that is not a closed piece of Puppet (or of
// sh) could reach outside its guard, so such a fix is left out, with a comment saying why
// (puppet_fragment_closed, shell_fragment_closed).
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "tracer/model/result.h"

namespace culprit::analyzer {

// One host's report as read: who, when, and its findings (the JSON objects, rank order).
struct HostReport {
  std::string host;          // source.host
  std::string generated_at;  // source.generated_at ("" when null)
  std::string mode;          // source.mode
  std::string origin;        // the file it was read from ("-" for stdin)
  std::vector<nlohmann::json> findings;
};

// Parses one report; an Error naming `origin` when the text is not JSON, not culprit.report/1,
// or lacks what the merge needs (source.host, findings with kind and path).
Result<HostReport> parse_host_report(std::string_view text, const std::string& origin);

// One change, as one or more hosts' reports wrote it. Fixes that differ only in their resource
// title and comment lines (which number the finding in its own report) are the same change.
struct FleetFix {
  std::string summary;
  std::string variant;
  std::string key;
  bool actionable = false;
  std::string puppet;         // the per-finding part, title not yet renamed
  std::string puppet_shared;  // e.g. the Apache reload exec; declared once per manifest
  std::string shell;
  std::string shell_shared;
  std::string title;  // the title in `puppet` ('culprit-KIND-N'), "" when none
  // Why a text is left out of the manifest / the script ("" when it is used).
  std::string puppet_problem;
  std::string shell_problem;
  std::vector<std::string> hosts;  // where it is written (sorted)
};

// The same fault seen on one or more hosts.
struct FleetGroup {
  std::string kind;
  std::string path;
  std::string address;
  std::string errno_name;
  std::string location;            // config-error: "FILE:LINE" of the error; "" otherwise
  std::vector<std::string> hosts;  // where it was seen (sorted)
  int best_rank = 0;               // the best (lowest) rank it had on a host
  std::string representative;      // the host whose finding is shown
  nlohmann::json finding;          // that host's finding
  std::vector<FleetFix> fixes;     // the distinct changes, each with its hosts
};

// A report that was not used because a newer one came from the same host.
struct ReplacedReport {
  std::string host;
  std::string origin;       // the report left out
  std::string kept_origin;  // the newer one used
};

struct Fleet {
  std::vector<HostReport> hosts;   // one per host, sorted by host name; findings kept
  std::vector<FleetGroup> groups;  // most hosts first, then best rank, kind, path
  std::vector<ReplacedReport> replaced;
  std::size_t top = 1;
};

// Groups the findings of `reports`. Two reports from one host: the newer (source.generated_at;
// on a tie, the later one given) is used and the other listed in Fleet::replaced. Fixes are
// written for each host's top `top` findings the way a single report's --puppet writes them
// (fix_span: up to the top-th actionable fix, with the findings ranked above it as checks).
Fleet merge_reports(std::vector<HostReport> reports, std::size_t top);

// The grouping key: kind, path, address, errno and, for configuration errors, file and line.
std::string group_key(const nlohmann::json& finding);

// `text` (a fix's Puppet) with the resource title `from` renamed `to` in the two places a title is
// written: `{ 'T':` (the resource) and `['T']` (a reference); comment lines are left alone. Titles
// are safe ASCII, and analyzer/core/quote writes a ' inside a string as \' or '\'', so quoted
// data never holds those forms.
std::string rename_puppet_title(const std::string& text, const std::string& from,
                                const std::string& to);

// True when `text` is a closed piece of Puppet: every string and comment ends, brackets pair up
// and never close what the text did not open, no string spans lines, and no "..." string
// interpolates (culprit's fixes escape every $). Anything else could reach outside the guard it is
// written in.
bool puppet_fragment_closed(std::string_view text);

// True when `text` is a closed piece of sh: quotes end, no here-document, ( { pair up and
// never close what the text did not open, and `;;` / `esac` appear only inside quotes or
// comments (culprit's fixes hold neither), so it cannot leave the `case` it is written in.
bool shell_fragment_closed(std::string_view text);

// Reports.
enum class FleetFormat : std::uint8_t { Text, Markdown, Json };
struct FleetRenderOptions {
  std::size_t max_hosts = 8;  // text and Markdown: host lists cut after this many
};
std::string render_fleet(const Fleet& fleet, FleetFormat format,
                         const FleetRenderOptions& options = {});
nlohmann::ordered_json fleet_json(const Fleet& fleet);

// The one manifest for every host: each fix inside
//   if $trusted['certname'] in [...] or $facts['networking']['hostname'] in [...] or
//      $facts['networking']['fqdn'] in [...] { ... }
// (all three are known to plain `puppet apply`), shared resources once, under the union of the
// hosts of the fixes that use them. Checks (fixes that are not actionable) stay checks.
std::string fleet_manifest(const Fleet& fleet);

// The same as a POSIX sh script: `case "$culprit_host" in 'web-1'|'web-2') ... ;; esac` around
// each fix, culprit_host being $CULPRIT_HOST or else `hostname`.
std::string fleet_script(const Fleet& fleet);

}  // namespace culprit::analyzer
