#include "analyzer/rules/fix_templates.h"

#include <fmt/args.h>
#include <fmt/format.h>
#include <fnmatch.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <set>

#include "analyzer/core/finding_kinds.h"
#include "analyzer/rules/embedded_rules.h"

namespace culprit::analyzer {

namespace {

// Names every variant provides: the finding's own fields.
constexpr std::array<std::string_view, 4> kCommonData = {"path", "explanation", "message",
                                                         "address"};
constexpr std::array<std::string_view, 3> kCommonPlain = {"title", "rank", "kind"};

const std::vector<VariantSpec>& variant_specs() {
  static const std::vector<VariantSpec> specs = {
      {"edit-line",
       {"file", "target", "bad_token", "good_token", "sed_script"},
       {"line", "reload"},
       {"guard"}},
      {"edit-file",
       {"file", "target", "bad_token", "good_token", "sed_script"},
       {"reload"},
       {"guard"}},
      {"edit-config",
       {"file", "bad_token", "good_token", "sed_script"},
       {"line", "reload"},
       {"guard"}},
      {"link-hint", {"target"}, {}, {}},
      {"require", {}, {}, {}},
      {"create", {"dir"}, {"owner", "group", "mode", "mode_octal", "spec_source", "reload"}, {}},
      {"chmod",
       {"blocker"},
       {"mode", "current_mode", "needed", "reader", "reader_gid", "symbolic", "class_mask",
        "grant"},
       {}},
      {"chgrp",
       {"blocker"},
       {"mode", "current_mode", "needed", "reader", "reader_gid", "symbolic", "class_mask",
        "grant"},
       {}},
      {"advise-private",
       {"blocker"},
       {"current_mode", "needed", "reader", "reader_gid", "test_op"},
       {}},
      {"acl",
       {"blocker"},
       {"current_mode", "needed", "reader", "reader_gid", "acl_perms", "grant"},
       {}},
      {"advise-missing-dir", {"dir"}, {}, {}},
      {"socket-check", {}, {}, {}},
      {"start-service", {"tie"}, {"service"}, {}},
      {"start-service-tcp", {"tie"}, {"service"}, {}},
      {"reinstall", {}, {"package", "conffile_note", "reload"}, {}},
      {"comment-directive", {"file", "backup", "sed_script"}, {"line", "reload"}, {"guard"}},
      {"advise-token", {"file", "bad_token"}, {"line"}, {}},
      {"advise-loader", {"file"}, {}, {}},
      {"dos-line-endings", {"file", "target", "sed_script"}, {"reload"}, {"guard"}},
      {"enable-module", {"file", "bad_token"}, {"module", "module_name", "line", "reload"}, {}},
      {"load-module",
       {"file", "backup", "sed_script", "bad_token", "module_path"},
       {"module_name", "line", "before", "reload"},
       {"guard"}},
      {"advise", {}, {}, {}},
      {"unrepresentable", {}, {}, {}},
  };
  return specs;
}

std::string variant_key(std::string_view kind, std::string_view variant) {
  return fmt::format("{}/{}", kind, variant);
}

// Where a template's text starts, for error messages.
struct Where {
  const std::string* file;
  std::string_view source;  // the whole file, to look at the scalar's indicator
  std::string node_path;    // "kinds.mistyped-path.edit-line.puppet"
};

// 1-based line of the first line of a scalar's value: block scalars (| or >) start on the next line
// after their indicator, which is where yaml-cpp's mark points.
std::uint64_t value_first_line(const YAML::Node& node, std::string_view source) {
  const YAML::Mark mark = node.Mark();
  if (mark.line < 0) {
    return 0;
  }
  auto line = static_cast<std::uint64_t>(mark.line) + 1;
  if (mark.pos >= 0 && static_cast<std::size_t>(mark.pos) < source.size()) {
    const char c = source[static_cast<std::size_t>(mark.pos)];
    if (c == '|' || c == '>') {
      ++line;
    }
  }
  return line;
}

Error error_at(const Where& where, const YAML::Node& node, std::string message,
               std::size_t newlines_before = 0) {
  Error e;
  e.file = *where.file;
  const std::uint64_t first = value_first_line(node, where.source);
  e.line = first == 0 ? 0 : first + newlines_before;
  e.message = fmt::format("{}: {}", where.node_path, message);
  return e;
}

// Checks that `tmpl` uses only `allowed` names and expands with fmt.
Result<void> check_template(const std::string& tmpl,
                            const std::set<std::string, std::less<>>& allowed, const Where& where,
                            const YAML::Node& node) {
  std::size_t line_offset = 0;
  for (std::size_t i = 0; i < tmpl.size(); ++i) {
    const char c = tmpl[i];
    if (c == '\n') {
      ++line_offset;
    } else if (c == '{') {
      if (i + 1 < tmpl.size() && tmpl[i + 1] == '{') {
        ++i;
        continue;
      }
      const std::size_t close = tmpl.find('}', i);
      if (close == std::string::npos) {
        return error_at(where, node, "unterminated placeholder (write {{ for a literal brace)",
                        line_offset);
      }
      std::string_view field = std::string_view(tmpl).substr(i + 1, close - i - 1);
      const std::string_view name = field.substr(0, field.find_first_of(":!"));
      if (!allowed.contains(name)) {
        std::string known;
        for (const auto& a : allowed) {
          known += known.empty() ? "" : ", ";
          known += a;
        }
        return error_at(where, node,
                        fmt::format("unknown placeholder {{{}}} (known here: {}; write {{{{ for a "
                                    "literal brace)",
                                    name, known.empty() ? "none" : known),
                        line_offset);
      }
      i = close;
    } else if (c == '}') {
      if (i + 1 < tmpl.size() && tmpl[i + 1] == '}') {
        ++i;
        continue;
      }
      return error_at(where, node, "single '}' (write }} for a literal brace)", line_offset);
    }
  }
  // Format specifications are fmt's business: a trial expansion catches the rest.
  FixValues dummy;
  for (const auto& a : allowed) {
    dummy.emplace(a, "x");
  }
  try {
    (void)FixTemplates::expand(tmpl, dummy);
  } catch (const fmt::format_error& e) {
    return error_at(where, node, fmt::format("bad template: {}", e.what()));
  }
  return {};
}

// The names allowed in a template of `spec` written in `language`.
std::set<std::string, std::less<>> allowed_names(const VariantSpec& spec, FixLanguage language) {
  std::set<std::string, std::less<>> out;
  const bool text_only = spec.name == "unrepresentable";
  auto add_data = [&](std::string_view d) {
    out.insert(std::string(d) + "_text");
    if (!text_only) {
      out.insert(std::string(d));
      if (language == FixLanguage::Puppet) {
        out.insert("sh_" + std::string(d));
      }
    }
  };
  for (const auto d : kCommonData) {
    add_data(d);
  }
  for (const auto d : spec.data) {
    add_data(d);
  }
  // Plain values also have a _text form: the bare value (the title, mode or owner without Puppet's
  // quotes), for comments.
  for (const auto p : kCommonPlain) {
    out.insert(std::string(p));
    out.insert(std::string(p) + "_text");
  }
  for (const auto p : spec.plain) {
    out.insert(std::string(p));
    out.insert(std::string(p) + "_text");
  }
  for (const auto c : spec.code) {
    if (language == FixLanguage::Puppet) {
      out.insert("sh_" + std::string(c));
    } else if (language == FixLanguage::Shell) {
      out.insert(std::string(c));
    }
  }
  return out;
}

Result<std::string> required_string(const YAML::Node& parent, const char* key, const Where& where,
                                    const YAML::Node& context) {
  const YAML::Node node = parent[key];
  if (!node || !node.IsScalar()) {
    return error_at(where, context, fmt::format("missing text '{}'", key));
  }
  return node.as<std::string>();
}

Result<std::string> load_checked(const YAML::Node& parent, const char* key, Where where,
                                 const std::set<std::string, std::less<>>& allowed) {
  where.node_path += fmt::format(".{}", key);
  const YAML::Node node = parent[key];
  if (!node || !node.IsScalar()) {
    return error_at(where, parent, "missing text");
  }
  std::string text = node.as<std::string>();
  CULPRIT_TRY_VOID(check_template(text, allowed, where, node));
  return text;
}

Result<void> check_keys(const YAML::Node& map, std::initializer_list<std::string_view> known,
                        const Where& where) {
  if (!map.IsMap()) {
    return error_at(where, map, "expected a mapping");
  }
  for (const auto& kv : map) {
    if (!kv.first.IsScalar()) {
      return error_at(where, kv.first, "a key must be plain text");
    }
    const auto key = kv.first.as<std::string>();
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      return error_at(where, kv.first, fmt::format("unknown key '{}'", key));
    }
  }
  return {};
}

}  // namespace

const VariantSpec* variant_spec(std::string_view name) {
  for (const auto& spec : variant_specs()) {
    if (spec.name == name) {
      return &spec;
    }
  }
  return nullptr;
}

std::vector<std::string> FixTemplates::placeholders(std::string_view tmpl) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] == '{') {
      if (i + 1 < tmpl.size() && tmpl[i + 1] == '{') {
        ++i;
        continue;
      }
      const std::size_t close = tmpl.find('}', i);
      if (close == std::string_view::npos) {
        break;
      }
      const std::string_view field = tmpl.substr(i + 1, close - i - 1);
      out.emplace_back(field.substr(0, field.find_first_of(":!")));
      i = close;
    } else if (tmpl[i] == '}' && i + 1 < tmpl.size() && tmpl[i + 1] == '}') {
      ++i;
    }
  }
  return out;
}

std::string FixTemplates::expand(std::string_view tmpl, const FixValues& values) {
  fmt::dynamic_format_arg_store<fmt::format_context> store;
  for (const auto& name : placeholders(tmpl)) {
    const auto it = values.find(name);
    CULPRIT_ASSERT(it != values.end()) << "no value for placeholder {" << name << "}";
  }
  for (const auto& [name, value] : values) {
    // The name pointer must outlive the store: `values` does.
    store.push_back(fmt::arg(name.c_str(), value));
  }
  return fmt::vformat(fmt::string_view(tmpl.data(), tmpl.size()), store);
}

Result<FixTemplates> FixTemplates::parse(std::string_view text, std::string file_name) {
  YAML::Node root;
  const auto yaml_error = [&](const YAML::Exception& e, std::string_view what) {
    Error err;
    err.file = file_name;
    err.line = e.mark.line < 0 ? 0 : static_cast<std::uint64_t>(e.mark.line) + 1;
    err.message = fmt::format("{}: {}", what, e.msg);
    return err;
  };
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return yaml_error(e, "invalid YAML");
  }
  // The walk checks every shape it reads; a conversion it did not foresee is still an error with
  // a line, never an exception out of the loader.
  try {
    return parse_tree(root, text, file_name);
  } catch (const YAML::Exception& e) {
    return yaml_error(e, "unexpected YAML shape");
  }
}

Result<FixTemplates> FixTemplates::parse_tree(const YAML::Node& root, std::string_view text,
                                              const std::string& file_name) {
  Where where{&file_name, text, ""};
  if (!root.IsMap()) {
    return error_at(where, root, "expected a mapping with manifest, script, kinds");
  }
  CULPRIT_TRY_VOID(
      check_keys(root, {"manifest", "script", "reloads", "no_reload", "kinds"}, where));

  FixTemplates out;
  const std::set<std::string, std::less<>> header_names = {"inputs_text", "count", "fixes",
                                                           "checks"};
  const std::set<std::string, std::less<>> none;
  for (const char* section : {"manifest", "script"}) {
    Where w{&file_name, text, section};
    const YAML::Node node = root[section];
    if (!node || !node.IsMap()) {
      return error_at(w, root, "missing section");
    }
    CULPRIT_TRY_VOID(check_keys(node, {"header", "footer"}, w));
    std::string header = CULPRIT_TRY(load_checked(node, "header", w, header_names));
    std::string footer = CULPRIT_TRY(load_checked(node, "footer", w, header_names));
    if (std::string_view(section) == "manifest") {
      out.manifest_header_ = std::move(header);
      out.manifest_footer_ = std::move(footer);
    } else {
      out.script_header_ = std::move(header);
      out.script_footer_ = std::move(footer);
    }
  }

  {
    Where w{&file_name, text, "no_reload"};
    const YAML::Node node = root["no_reload"];
    if (!node || !node.IsMap()) {
      return error_at(w, root, "missing section");
    }
    CULPRIT_TRY_VOID(check_keys(node, {"puppet", "shell"}, w));
    out.no_reload_puppet_ = CULPRIT_TRY(load_checked(node, "puppet", w, none));
    out.no_reload_shell_ = CULPRIT_TRY(load_checked(node, "shell", w, none));
  }

  if (const YAML::Node reloads = root["reloads"]) {
    if (!reloads.IsSequence()) {
      return error_at(Where{&file_name, text, "reloads"}, reloads, "expected a list");
    }
    for (std::size_t i = 0; i < reloads.size(); ++i) {
      const YAML::Node r = reloads[i];
      Where w{&file_name, text, fmt::format("reloads[{}]", i)};
      CULPRIT_TRY_VOID(
          check_keys(r, {"id", "files", "puppet_hook", "puppet", "shell_hook", "shell"}, w));
      ReloadRule rule;
      rule.id = CULPRIT_TRY(required_string(r, "id", w, r));
      const YAML::Node files = r["files"];
      if (!files || !files.IsSequence() || files.size() == 0) {
        return error_at(w, r, "'files' must be a non-empty list of globs");
      }
      for (const auto& f : files) {
        if (!f.IsScalar()) {
          return error_at(w, f, "'files' entries must be globs");
        }
        rule.files.push_back(f.as<std::string>());
      }
      rule.puppet_hook = CULPRIT_TRY(load_checked(r, "puppet_hook", w, {"title"}));
      rule.puppet = CULPRIT_TRY(load_checked(r, "puppet", w, none));
      rule.shell_hook = CULPRIT_TRY(load_checked(r, "shell_hook", w, none));
      rule.shell = CULPRIT_TRY(load_checked(r, "shell", w, none));
      out.reloads_.push_back(std::move(rule));
    }
  }

  const YAML::Node kinds = root["kinds"];
  Where kinds_where{&file_name, text, "kinds"};
  if (!kinds || !kinds.IsMap()) {
    return error_at(kinds_where, root, "missing section");
  }
  for (const auto& kv : kinds) {
    if (!kv.first.IsScalar()) {
      return error_at(kinds_where, kv.first, "a finding kind must be plain text");
    }
    const auto kind_name = kv.first.as<std::string>();
    const auto kind = finding_kind_from_string(kind_name);
    if (!kind) {
      return error_at(kinds_where, kv.first, fmt::format("unknown finding kind '{}'", kind_name));
    }
    if (!kv.second.IsMap()) {
      return error_at(kinds_where, kv.first, fmt::format("'{}' must map variants", kind_name));
    }
    for (const auto& vv : kv.second) {
      if (!vv.first.IsScalar()) {
        return error_at(kinds_where, vv.first, "a variant name must be plain text");
      }
      const auto variant_name = vv.first.as<std::string>();
      Where w{&file_name, text, fmt::format("kinds.{}.{}", kind_name, variant_name)};
      const VariantSpec* spec = variant_spec(variant_name);
      if (spec == nullptr) {
        return error_at(w, vv.first, fmt::format("unknown variant '{}'", variant_name));
      }
      const YAML::Node v = vv.second;
      CULPRIT_TRY_VOID(check_keys(v, {"actionable", "summary", "puppet", "shell"}, w));
      FixVariant variant;
      if (!v["actionable"] || !v["actionable"].IsScalar()) {
        return error_at(w, v, "missing 'actionable: true|false'");
      }
      try {
        variant.actionable = v["actionable"].as<bool>();
      } catch (const YAML::Exception&) {
        return error_at(w, v["actionable"], "'actionable' must be true or false");
      }
      variant.summary =
          CULPRIT_TRY(load_checked(v, "summary", w, allowed_names(*spec, FixLanguage::Summary)));
      variant.puppet =
          CULPRIT_TRY(load_checked(v, "puppet", w, allowed_names(*spec, FixLanguage::Puppet)));
      variant.shell =
          CULPRIT_TRY(load_checked(v, "shell", w, allowed_names(*spec, FixLanguage::Shell)));
      out.variants_.emplace(variant_key(kind_name, variant_name), std::move(variant));
    }
  }
  // The variants each kind must define: exactly those the fixer may select for it.
  for (const auto& info : all_kinds()) {
    for (const auto name : info.fix_variants) {
      if (!out.variants_.contains(variant_key(info.name, name))) {
        return error_at(kinds_where, kinds,
                        fmt::format("kind '{}' lacks variant '{}'", info.name, name));
      }
    }
  }
  return out;
}

Result<FixTemplates> FixTemplates::load_embedded() {
  for (const auto& file : embedded_rules()) {
    if (std::string_view(file.name) == "rules/fixes.yaml") {
      return parse(file.text, file.name);
    }
  }
  Error e;
  e.message = "rules/fixes.yaml is not compiled in";
  return e;
}

const FixVariant& FixTemplates::variant(FindingKind kind, std::string_view name) const {
  const auto it = variants_.find(variant_key(to_string(kind), name));
  CULPRIT_ASSERT(it != variants_.end()) << "no fix variant " << to_string(kind) << "/" << name;
  return it->second;
}

const ReloadRule* FixTemplates::reload_for(std::string_view file) const {
  const std::string f(file);
  for (const auto& rule : reloads_) {
    for (const auto& glob : rule.files) {
      if (::fnmatch(glob.c_str(), f.c_str(), 0) == 0) {
        return &rule;
      }
    }
  }
  return nullptr;
}

const std::string& FixTemplates::no_reload(FixLanguage language) const {
  return language == FixLanguage::Puppet ? no_reload_puppet_ : no_reload_shell_;
}

}  // namespace culprit::analyzer
