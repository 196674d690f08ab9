// JSON renderer (nlohmann-json): the culprit.report/1 document described in render.h.
#include <fmt/format.h>

#include "analyzer/core/quote.h"
#include "analyzer/render/render.h"

namespace culprit::analyzer {

namespace {

using json = nlohmann::ordered_json;

// Sets obj[key] = text; for text that is not UTF-8 also obj[key + "_escaped"] (see render.h). The
// raw bytes stay in the document; dump() with error_handler_t::replace turns each bad byte into
// U+FFFD instead of throwing.
void put(json& obj, const std::string& key, const std::string& text) {
  obj[key] = text;
  if (!is_valid_utf8(text)) {
    obj[key + "_escaped"] = display_text(text);
  }
}

json timestamp(const tracer::Timestamp& t) {
  if (!t.known()) {
    return nullptr;
  }
  return t.format();
}

json blocker_json(const PermissionBlocker& b) {
  json out = json::object();
  put(out, "path", b.path);
  out["mode"] = fmt::format("{:04o}", b.mode & 07777);
  out["uid"] = b.uid;
  out["gid"] = b.gid;
  put(out, "owner", b.owner);
  put(out, "group", b.group);
  put(out, "needed", b.needed);
  out["is_directory"] = b.is_directory;
  out["suggested_mode"] =
      b.suggested_mode == 0 ? json(nullptr) : json(fmt::format("{:04o}", b.suggested_mode));
  return out;
}

json fix_json(const Fix& fix) {
  json out = json::object();
  put(out, "summary", fix.summary);
  put(out, "shell", fix.shell_shared.empty() ? fix.shell : fix.shell + "\n" + fix.shell_shared);
  put(out, "puppet",
      fix.puppet_shared.empty() ? fix.puppet : fix.puppet + "\n" + fix.puppet_shared);
  out["actionable"] = fix.actionable;
  out["variant"] = fix.variant;
  // What `culprit merge` needs to write one manifest for many reports: the resource title to
  // rename, the change's identity, and the shared parts apart from the per-finding ones.
  out["title"] = fix.title;
  put(out, "key", fix.key);
  put(out, "puppet_shared", fix.puppet_shared);
  put(out, "shell_shared", fix.shell_shared);
  return out;
}

json finding_json(const Finding& f) {
  json out = json::object();
  out["rank"] = f.rank;
  out["kind"] = std::string(to_string(f.kind));
  out["errno"] = f.errno_name.empty() ? json(nullptr) : json(f.errno_name);
  out["syscall"] = f.syscall.empty() ? json(nullptr) : json(f.syscall);
  put(out, "path", f.path);
  out["count"] = f.count;
  out["pids"] = f.pids;
  out["first_seen"] = timestamp(f.first_seen);
  out["last_seen"] = timestamp(f.last_seen);
  if (f.suggestion) {
    json s = json::object();
    put(s, "path", *f.suggestion);
    out["suggestion"] = std::move(s);
  } else {
    out["suggestion"] = nullptr;
  }
  if (f.referenced_from) {
    json r = json::object();
    put(r, "file", f.referenced_from->file);
    out["referenced_from"] = std::move(r);
    out["referenced_from"]["line"] =
        f.referenced_from->line == 0 ? json(nullptr) : json(f.referenced_from->line);
    if (!f.referenced_from->text.empty()) {
      put(out["referenced_from"], "text", f.referenced_from->text);
    }
  } else {
    out["referenced_from"] = nullptr;
  }
  put(out, "explanation", f.explanation);
  out["fix"] = f.fix ? fix_json(*f.fix) : json(nullptr);

  // Extra fields.
  if (!f.address.empty()) {
    put(out, "address", f.address);
  }
  put(out, "rank_reason", f.rank_reason);
  if (!f.message.empty()) {
    put(out, "message", f.message);
  }
  if (!f.bad_token.empty()) {
    put(out, "bad_token", f.bad_token);
    put(out, "good_token", f.good_token);
  }
  if (f.module_to_load) {
    json m = json::object();
    put(m, "name", f.module_to_load->name);
    put(m, "path", f.module_to_load->path);
    if (!f.module_to_load->available.empty()) {
      put(m, "available", f.module_to_load->available);
    }
    out["module_to_load"] = std::move(m);
  }
  out["blocker"] = f.blocker ? blocker_json(*f.blocker) : json(nullptr);
  out["process_uid"] = f.process_uid ? json(*f.process_uid) : json(nullptr);
  out["log_only"] = f.log_only;
  json evidence = json::array();
  for (const auto& e : f.evidence) {
    json item = json::object();
    put(item, "file", e.file);
    item["line"] = e.line;
    item["pid"] = e.pid;
    item["time"] = timestamp(e.time);
    put(item, "summary", e.summary);
    evidence.push_back(std::move(item));
  }
  out["evidence"] = std::move(evidence);
  return out;
}

// {"command": "...", "state": "exited", "exit_code": 3}; signal / detail / output when known.
json fate_json(const CommandFate& fate) {
  json out = json::object();
  put(out, "command", fate.command);
  out["state"] = std::string(to_string(fate.state));
  if (fate.state == CommandFate::State::Exited) {
    out["exit_code"] = fate.exit_code;
  }
  if (fate.state == CommandFate::State::Killed) {
    out["signal"] = fate.signal;
  }
  put(out, "detail", fate.detail);
  if (!fate.output.empty()) {
    json lines = json::array();
    for (const auto& line : fate.output) {
      lines.push_back(is_valid_utf8(line) ? line : display_text(line));
    }
    out["output"] = std::move(lines);
  }
  return out;
}

}  // namespace

nlohmann::ordered_json report_json(const Report& report) {
  json doc = json::object();
  doc["schema"] = "culprit.report/1";
  json source = json::object();
  source["mode"] = report.mode;
  auto text_or_null = [](const std::string& text) {
    return text.empty() ? json(nullptr) : json(text);
  };
  source["backend"] = text_or_null(report.backend);
  source["host"] = text_or_null(report.host);
  source["generated_at"] = text_or_null(report.generated_at);
  source["culprit_version"] = text_or_null(report.culprit_version);
  json inputs = json::array();
  bool inputs_escaped = false;
  for (const auto& in : report.inputs) {
    inputs.push_back(in);
    inputs_escaped = inputs_escaped || !is_valid_utf8(in);
  }
  source["inputs"] = std::move(inputs);
  if (inputs_escaped) {
    json escaped = json::array();
    for (const auto& in : report.inputs) {
      escaped.push_back(display_text(in));
    }
    source["inputs_escaped"] = std::move(escaped);
  }
  doc["source"] = std::move(source);
  if (report.command) {
    doc["command"] = fate_json(*report.command);
  }
  if (report.trigger) {
    doc["trigger"] = fate_json(*report.trigger);
  }

  json findings = json::array();
  for (const auto& f : report.findings) {
    findings.push_back(finding_json(f));
  }
  doc["findings"] = std::move(findings);

  json suppressed = json::array();
  for (const auto& s : report.suppressed) {
    json item = json::object();
    put(item, "path", s.path);
    item["errno"] = s.errno_name;
    item["count"] = s.count;
    put(item, "reason", s.reason);
    item["syscall"] = s.syscall;
    put(item, "rule", s.rule);
    put(item, "weighed", s.weighed);
    suppressed.push_back(std::move(item));
  }
  doc["suppressed"] = std::move(suppressed);

  json stats = json::object();
  stats["lines"] = report.stats.lines;
  stats["events"] = report.stats.events;
  stats["failed"] = report.stats.failed;
  stats["suppressed"] = report.stats.suppressed;
  stats["malformed"] = report.stats.malformed;
  stats["groups_dropped"] = report.stats.groups_dropped;
  stats["lost"] = report.stats.lost >= 0 ? json(report.stats.lost) : json(nullptr);
  doc["stats"] = std::move(stats);

  json diagnostics = json::array();
  for (const auto& d : report.diagnostics) {
    json item = json::object();
    put(item, "file", d.file);
    item["line"] = d.line == 0 ? json(nullptr) : json(d.line);
    put(item, "message", d.message);
    diagnostics.push_back(std::move(item));
  }
  doc["diagnostics"] = std::move(diagnostics);

  auto entries = [](const std::vector<TimelineEntry>& list) {
    json out = json::array();
    for (const auto& t : list) {
      json item = json::object();
      item["time"] = timestamp(t.time);
      item["pid"] = t.pid;
      put(item, "what", t.what);
      out.push_back(std::move(item));
    }
    return out;
  };
  doc["timeline"] = entries(report.timeline);
  doc["consequences"] = entries(report.consequences);
  doc["first_event"] = timestamp(report.first_event);
  doc["last_event"] = timestamp(report.last_event);
  doc["log_only"] = report.log_only;
  return doc;
}

std::string render_json(const Report& report) {
  // ensure_ascii=false keeps UTF-8 paths readable; replace keeps invalid bytes from throwing.
  return report_json(report).dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace culprit::analyzer
