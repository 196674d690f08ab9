// Renderers: a Report as text (for a terminal), JSON (for programs) or Markdown
// (a postmortem draft). They read only analyzer/core/finding.h types, do no I/O and
// never fail: every byte of a path is shown (escaped where it is not printable
// UTF-8), and every output is valid UTF-8.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "analyzer/core/finding.h"

namespace culprit::analyzer {

enum class Format : std::uint8_t {
  Text,
  Json,
  Markdown,
};

struct RenderOptions {
  // Text only: ANSI colours. The CLI sets it from isatty(stdout) and NO_COLOR;
  // false guarantees no escape sequence at all in the output (paths are
  // escaped, so none can come from them).
  bool color = false;
  // Text only: how many findings get the full what/why/fix block; the rest get
  // one line each.
  std::size_t detailed = 1;
  // Text only: the findings listed at all (after the detailed ones), 0 = all.
  std::size_t max_listed = 10;
  // Text: also list every suppressed (benign) failure group and every input
  // diagnostic.
  bool verbose = false;
  // Text and Markdown: how the user sees what was left out (the CLI knows its
  // own flags).
  std::string suppressed_hint = "-v or --format json lists them";
  // Text: shown under the summary of a fix culprit can apply ("" for none).
  std::string fix_hint = "(--puppet FILE / --shell FILE write the fix)";
};

// Dispatches to the three functions below.
std::string render(const Report& report, Format format, const RenderOptions& options);

// Rank 1 first with what / why / where / fix, then the others one line each,
// then the count of suppressed (benign) failures and how to see them (the list
// itself with `verbose`), the statistics and input diagnostics (the first few;
// all with `verbose`).
std::string render_text(const Report& report, const RenderOptions& options);

// The "culprit.report/1" document, pretty-printed, ending in a newline. docs/report.schema.json is
// its JSON Schema (every key, its type, which are required); test_report_schema validates every
// sample's report against it. Fields may be added (the schema then changes with them); a change
// of meaning or a removal needs "culprit.report/2". Strings that are not valid UTF-8 are written
// with U+FFFD in place of each bad byte, and a sibling "<key>_escaped" holds the exact bytes
// (analyzer/core/quote.h display_text: \xHH, \\). fix.puppet and fix.shell include the fix's shared
// resources (a service reload), so each is usable on its own.
nlohmann::ordered_json report_json(const Report& report);
std::string render_json(const Report& report);

// A postmortem draft: Issue Summary, Timeline (from the trace's timestamps),
// Root Cause and Resolution, Corrective and Preventative Measures, with
// **TODO** markers for the engineer.
std::string render_markdown(const Report& report, const RenderOptions& options);

}  // namespace culprit::analyzer
