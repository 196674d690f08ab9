// Everything here is read from the CLI::App at run time: subcommands, options, flags, their
// descriptions, defaults and the choices of IsMember validators. Hidden options and subcommands
// (CLI11 group "") are left out, as --help leaves them out.
#include "cli/docgen.h"

#include <fmt/format.h>

#include <cctype>
#include <cstdio>
#include <string>
#include <vector>

#ifndef CULPRIT_VERSION
#define CULPRIT_VERSION "unknown"
#endif
#ifndef CULPRIT_DOC_DIR
#define CULPRIT_DOC_DIR "/usr/share/doc/culprit"
#endif

namespace culprit::cli {
namespace {

// How a shell completes an option's value.
enum class ValueKind { None, Choice, File, Dir, Command, Other };

struct OptionDoc {
  std::vector<std::string> names;  // "-F", "--format"; a positional's one name ("logs")
  std::string description;
  std::string label;                 // the value's placeholder; "" for a flag
  std::vector<std::string> choices;  // IsMember
  std::vector<std::string> limits;   // other validators, e.g. "INT in [1 - 100]"
  std::string default_value;
  bool positional = false;
  bool required = false;
  bool repeatable = false;
  ValueKind kind = ValueKind::None;
};

struct CommandDoc {
  std::string name;
  std::string description;
  std::vector<OptionDoc> options;
  std::vector<OptionDoc> positionals;
};

std::vector<std::string> split(std::string_view text, char sep) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = text.find(sep, start);
    parts.emplace_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) {
      return parts;
    }
    start = end + 1;
  }
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (const auto& p : parts) {
    out += (out.empty() ? "" : std::string(sep)) + p;
  }
  return out;
}

bool all_upper(std::string_view word) {
  if (word.empty()) {
    return false;
  }
  for (const char c : word) {
    if (std::isupper(static_cast<unsigned char>(c)) == 0) {
      return false;
    }
  }
  return true;
}

OptionDoc describe(const CLI::Option& opt) {
  OptionDoc d;
  d.positional = !opt.nonpositional();
  if (d.positional) {
    d.names.push_back(opt.get_name(true));
  } else {
    for (const auto& s : opt.get_snames()) {
      d.names.push_back("-" + s);
    }
    for (const auto& l : opt.get_lnames()) {
      d.names.push_back("--" + l);
    }
  }
  d.description = opt.get_description();
  d.required = opt.get_required();
  d.repeatable = opt.get_expected_max() >= CLI::detail::expected_max_vector_size;
  if (opt.get_type_size() == 0 || opt.get_type_name().empty()) {
    return d;  // a flag (CLI11's help shows no value for these either)
  }
  // CLI11's type name is the value type, then each validator's description: "TEXT:{a,b}",
  // "TEXT:FILE", "INT:INT in [1 - 100]".
  const auto parts = split(opt.get_type_name(), ':');
  d.label = parts.front().empty() ? "VALUE" : parts.front();
  bool file = false;
  bool dir = false;
  for (std::size_t i = 1; i < parts.size(); ++i) {
    const std::string& p = parts[i];
    if (p.size() >= 2 && p.front() == '{' && p.back() == '}') {
      d.choices = split(std::string_view(p).substr(1, p.size() - 2), ',');
    } else if (d.label == "TEXT" && all_upper(p)) {
      d.label = p;  // FILE, DIR, NAME
      file = p == "FILE";
      dir = p == "DIR";
    } else if (!p.empty()) {
      d.limits.push_back(p);
    }
  }
  d.default_value = opt.get_default_str();
  if (!d.choices.empty()) {
    d.kind = ValueKind::Choice;
  } else if (dir) {
    d.kind = ValueKind::Dir;
  } else if (file || d.label == "TEXT") {
    d.kind = ValueKind::File;  // free text here is nearly always a path (-o, --puppet, ...)
  } else {
    d.kind = ValueKind::Other;
  }
  // The rest of a command line after `--` (run's "command") is completed as a command.
  if (d.positional && d.names.front() == "command") {
    d.kind = ValueKind::Command;
  }
  return d;
}

CommandDoc describe(const CLI::App& app) {
  CommandDoc c;
  c.name = app.get_name();
  c.description = app.get_description();
  for (const CLI::Option* opt : app.get_options()) {
    if (opt->get_group().empty()) {
      continue;  // hidden
    }
    OptionDoc d = describe(*opt);
    (d.positional ? c.positionals : c.options).push_back(std::move(d));
  }
  return c;
}

std::vector<CommandDoc> subcommands(const CLI::App& app) {
  std::vector<CommandDoc> out;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    if (!sub->get_group().empty()) {
      out.push_back(describe(*sub));
    }
  }
  return out;
}

std::string first_line(std::string_view text) {
  return std::string(text.substr(0, text.find('\n')));
}

std::string one_line(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c == '\n' || c == '\t') {
      c = ' ';
    }
  }
  return out;
}

// ---------------------------------------------------------------- man page (roff)

// Text for roff: backslashes and minus signs escaped (so that options copy as ASCII), and no line
// starting with a control character.
std::string roff(std::string_view text) {
  std::string out;
  bool line_start = true;
  for (const char c : text) {
    if (line_start && (c == '.' || c == '\'')) {
      out += "\\&";
    }
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else {
      out += c;
    }
    line_start = c == '\n';
  }
  return out;
}

std::string positional_synopsis(const OptionDoc& p) {
  std::string s = fmt::format("\\fI{}\\fR{}", roff(p.names.front()), p.repeatable ? "..." : "");
  // A positional described as coming after `--` (run's command) shows it.
  if (p.description.find("--") != std::string::npos) {
    s = "[\\-\\-] " + s;
  }
  return p.required ? s : "[" + s + "]";
}

std::string man_option(const OptionDoc& o) {
  std::string tag;
  if (o.positional) {
    tag = fmt::format("\\fI{}\\fR{}", roff(o.names.front()), o.repeatable ? "..." : "");
  } else {
    for (const auto& n : o.names) {
      tag += (tag.empty() ? "" : ", ") + fmt::format("\\fB{}\\fR", roff(n));
    }
    if (!o.label.empty()) {
      tag += fmt::format(" \\fI{}\\fR", roff(o.label));
    }
  }
  std::string body = roff(one_line(o.description));
  if (!body.empty() && body.back() != '.') {
    body += '.';
  }
  if (!o.choices.empty()) {
    body += " One of: " + roff(join(o.choices, ", ")) + ".";
  }
  if (!o.limits.empty()) {
    body += " Accepts: " + roff(join(o.limits, "; ")) + ".";
  }
  if (!o.default_value.empty()) {
    body += " Default: " + roff(o.default_value) + ".";
  }
  if (o.repeatable && !o.positional) {
    body += " May be given more than once.";
  }
  if (o.required && !o.positional) {
    body += " Required.";
  }
  return fmt::format(".TP\n{}\n{}\n", tag, body);
}

}  // namespace

std::string generate_man(const CLI::App& app) {
  const CommandDoc top = describe(app);
  const std::vector<CommandDoc> subs = subcommands(app);
  std::string name_line = first_line(app.get_description());
  if (name_line.starts_with("culprit: ")) {
    name_line.erase(0, 9);
  }

  std::string out;
  out += ".\\\" Generated by `culprit --generate man` from its option definitions; do not edit.\n";
  out += fmt::format(".TH CULPRIT 1 \"\" \"culprit {}\" \"User Commands\"\n", CULPRIT_VERSION);
  out += ".nh\n.ad l\n";  // no hyphenation, no stretched lines: options stay whole
  out += fmt::format(".SH NAME\nculprit \\- {}\n", roff(name_line));

  out += ".SH SYNOPSIS\n";
  for (const auto& sub : subs) {
    out += fmt::format(".B culprit {}\n[\\fIOPTIONS\\fR]", roff(sub.name));
    for (const auto& p : sub.positionals) {
      out += " " + positional_synopsis(p);
    }
    out += "\n.br\n";
  }
  std::string top_flags;
  for (const auto& o : top.options) {
    top_flags += (top_flags.empty() ? "" : " | ") + fmt::format("\\fB{}\\fR", roff(o.names.back()));
  }
  out += fmt::format(".B culprit\n[{}]\n", top_flags);

  out += ".SH DESCRIPTION\n" + roff(top.description) + "\n";
  out += ".PP\nThe command comes first; its options follow it.\n";
  out += ".SH OPTIONS\n";
  for (const auto& o : top.options) {
    out += man_option(o);
  }

  out += ".SH COMMANDS\n";
  for (const auto& sub : subs) {
    out += fmt::format(".SS {}\n{}\n", roff(sub.name), roff(sub.description));
    for (const auto& p : sub.positionals) {
      out += man_option(p);
    }
    for (const auto& o : sub.options) {
      out += man_option(o);
    }
  }

  out += ".SH EXIT STATUS\n";
  out += ".TP\n.B 0\nNo findings.\n";
  out += ".TP\n.B 1\nFindings: at least one failure was reported.\n";
  out +=
      ".TP\n.B 2\nUsage or input error (an unknown command or option, a bad value, a log or "
      "process that cannot be read).\n";
  out += ".TP\n.B 3\nInternal error.\n";
  for (const auto& sub : subs) {
    for (const auto& o : sub.options) {
      if (o.names.back() == "--exit-status") {
        out += fmt::format(".PP\nWith \\fBculprit {} \\-\\-exit\\-status\\fR: {}.\n",
                           roff(sub.name), roff(one_line(o.description)));
      }
    }
  }

  out += ".SH FILES\n";
  out += fmt::format(".TP\n.I {}/rules/*.yaml\n", roff(CULPRIT_DOC_DIR));
  out +=
      "The built-in rules, as documentation (the binary carries its own copy): "
      "\\fBnoise.yaml\\fR, failures that are normal and suppressed; \\fBmessages.yaml\\fR, "
      "error messages that name a file; \\fBfixes.yaml\\fR, the Puppet and shell fix "
      "templates. A file of the same schema given with \\fB\\-\\-rules\\fR adds rules.\n";

  out += ".SH SEE ALSO\n.BR strace (1)\n";
  return out;
}

// ---------------------------------------------------------------- bash completion

namespace {

std::string identifier(std::string_view name) {
  std::string out(name);
  for (char& c : out) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0) {
      c = '_';
    }
  }
  return out;
}

// One word for the shell, single-quoted.
std::string sh_quote(std::string_view word) {
  std::string out = "'";
  for (const char c : word) {
    out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  }
  return out + "'";
}

std::string all_names(const std::vector<OptionDoc>& options) {
  std::vector<std::string> names;
  for (const auto& o : options) {
    names.insert(names.end(), o.names.begin(), o.names.end());
  }
  return join(names, " ");
}

std::string bash_value(const OptionDoc& o) {
  switch (o.kind) {
    case ValueKind::Choice:
      return fmt::format("COMPREPLY=($(compgen -W {} -- \"$cur\"))",
                         sh_quote(join(o.choices, " ")));
    case ValueKind::File:
    case ValueKind::Command:
      return "_culprit_files";
    case ValueKind::Dir:
      return "_culprit_dirs";
    case ValueKind::None:
    case ValueKind::Other:
      break;
  }
  return ":";
}

}  // namespace

std::string generate_bash(const CLI::App& app) {
  const CommandDoc top = describe(app);
  const std::vector<CommandDoc> subs = subcommands(app);
  std::vector<std::string> sub_names;
  sub_names.reserve(subs.size());
  for (const auto& s : subs) {
    sub_names.push_back(s.name);
  }

  std::string out;
  out += "# bash completion for culprit\n";
  out += "# Generated by `culprit --generate bash` from its option definitions; do not edit.\n\n";
  out +=
      "_culprit_files() {\n  local IFS=$'\\n'\n  COMPREPLY=($(compgen -f -- \"$cur\"))\n"
      "  compopt -o filenames 2>/dev/null\n}\n";
  out +=
      "_culprit_dirs() {\n  local IFS=$'\\n'\n  COMPREPLY=($(compgen -d -- \"$cur\"))\n"
      "  compopt -o filenames 2>/dev/null\n}\n";
  out +=
      "_culprit_commands() {\n  local IFS=$'\\n'\n  COMPREPLY=($(compgen -c -- \"$cur\" | sort "
      "-u))\n}\n";

  for (const auto& sub : subs) {
    const std::string id = identifier(sub.name);
    // Options that take a value, so that the word after them is not counted as a positional.
    std::string valued = "|";
    for (const auto& o : sub.options) {
      if (!o.label.empty()) {
        valued += join(o.names, "|") + "|";
      }
    }
    out += fmt::format("\n_culprit_takes_value_{}() {{\n  case $1 in\n", id);
    if (valued != "|") {
      out += fmt::format("    {}) return 0 ;;\n", valued.substr(1, valued.size() - 2));
    }
    out += "  esac\n  return 1\n}\n";

    // Uses _culprit's locals: cur, prev, dd (set after `--`), npos (positionals before cur).
    out += fmt::format("_culprit_cmd_{}() {{\n  if [[ -z $dd ]]; then\n    case $prev in\n", id);
    for (const auto& o : sub.options) {
      if (!o.label.empty()) {
        out += fmt::format("      {}) {}; return ;;\n", join(o.names, "|"), bash_value(o));
      }
    }
    out += "    esac\n";
    out += fmt::format(
        "    if [[ $cur == -* ]]; then\n      COMPREPLY=($(compgen -W {} -- \"$cur\"))\n"
        "      return\n    fi\n  fi\n",
        sh_quote(all_names(sub.options)));
    if (!sub.positionals.empty()) {
      const OptionDoc& p = sub.positionals.front();
      if (p.kind == ValueKind::Command) {
        out += "  if (( npos == 0 )); then _culprit_commands; else _culprit_files; fi\n";
      } else if (p.kind == ValueKind::Choice || p.kind == ValueKind::Dir ||
                 p.kind == ValueKind::File) {
        out += "  " + bash_value(p) + "\n";
      }
    }
    out += "}\n";
  }

  out += "\n_culprit() {\n";
  out += "  local cur=${COMP_WORDS[COMP_CWORD]} prev= cmd= dd= npos=0 skip= i w\n";
  out += "  (( COMP_CWORD > 0 )) && prev=${COMP_WORDS[COMP_CWORD-1]}\n";
  out += "  # --opt=value: bash splits it at the '='.\n";
  out += "  if [[ $cur == = ]]; then cur=; fi\n";
  out +=
      "  if [[ $prev == = ]] && (( COMP_CWORD > 1 )); then prev=${COMP_WORDS[COMP_CWORD-2]}; "
      "fi\n";
  out += "  COMPREPLY=()\n";
  out += "  for (( i = 1; i < COMP_CWORD; i++ )); do\n";
  out += "    w=${COMP_WORDS[i]}\n";
  out += "    if [[ -z $cmd ]]; then\n";
  out += fmt::format("      case $w in {}) cmd=$w ;; esac\n", join(sub_names, "|"));
  out += "      continue\n    fi\n";
  out += "    if [[ -n $dd ]]; then npos=$((npos + 1)); continue; fi\n";
  out += "    if [[ $w == = ]]; then skip=1; continue; fi\n";
  out += "    if [[ -n $skip ]]; then skip=; continue; fi\n";
  out += "    case $w in\n";
  out += "      --) dd=1 ;;\n";
  out +=
      "      -*) if [[ $w != *=* ]] && \"_culprit_takes_value_${cmd}\" \"$w\"; then skip=1; fi "
      ";;\n";
  out += "      *) npos=$((npos + 1)) ;;\n";
  out += "    esac\n  done\n";
  out += "  case $cmd in\n";
  out += fmt::format(
      "    '')\n      if [[ $cur == -* ]]; then\n"
      "        COMPREPLY=($(compgen -W {} -- \"$cur\"))\n      else\n"
      "        COMPREPLY=($(compgen -W {} -- \"$cur\"))\n      fi ;;\n",
      sh_quote(all_names(top.options)), sh_quote(join(sub_names, " ")));
  for (const auto& sub : subs) {
    out += fmt::format("    {}) _culprit_cmd_{} ;;\n", sub.name, identifier(sub.name));
  }
  out += "  esac\n  return 0\n}\n";
  out += "complete -F _culprit culprit\n";
  return out;
}

// ---------------------------------------------------------------- zsh completion

namespace {

// Text inside single quotes: an _arguments [description] or message, or a _describe item's name
// (special: the characters _arguments and _describe give a meaning; a _describe item's
// description, after the first colon, needs none of them escaped).
std::string zsh_text(std::string_view text, bool special = true) {
  std::string out;
  for (const char c : one_line(text)) {
    if (c == '\'') {
      out += "'\\''";
    } else if (special && (c == '[' || c == ']' || c == ':' || c == '\\')) {
      out += '\\';
      out += c;
    } else {
      out += c;
    }
  }
  return out;
}

std::string zsh_action(const OptionDoc& o) {
  switch (o.kind) {
    case ValueKind::Choice:
      return "(" + join(o.choices, " ") + ")";
    case ValueKind::File:
      return "_files";
    case ValueKind::Dir:
      return "_files -/";
    case ValueKind::Command:
      return "_normal";
    case ValueKind::None:
    case ValueKind::Other:
      break;
  }
  return " ";
}

std::string zsh_spec(const OptionDoc& o, bool ends_line = false) {
  if (o.positional) {
    const std::string star = o.repeatable ? (o.kind == ValueKind::Command ? "*::" : "*:") : ":";
    return fmt::format("'{}{}:{}'", star, zsh_text(o.names.front()), zsh_action(o));
  }
  std::string names;
  std::string prefix;
  if (ends_line) {
    prefix = "'(- *)'";
  } else if (o.repeatable) {
    prefix = "'*'";
  } else if (o.names.size() > 1) {
    prefix = "'(" + join(o.names, " ") + ")'";
  }
  names = o.names.size() > 1 ? "{" + join(o.names, ",") + "}" : o.names.front();
  std::string spec = prefix + names + "'[" + zsh_text(o.description) + "]";
  if (!o.label.empty()) {
    spec += ":" + zsh_text(o.label) + ":" + zsh_action(o);
  }
  return spec + "'";
}

}  // namespace

std::string generate_zsh(const CLI::App& app) {
  const CommandDoc top = describe(app);
  const std::vector<CommandDoc> subs = subcommands(app);
  std::string out;
  out += "#compdef culprit\n";
  out += "# Generated by `culprit --generate zsh` from its option definitions; do not edit.\n";
  for (const auto& sub : subs) {
    out += fmt::format("\n_culprit_{}() {{\n  _arguments -s -S", identifier(sub.name));
    for (const auto& o : sub.options) {
      out += " \\\n    " + zsh_spec(o);
    }
    for (const auto& p : sub.positionals) {
      out += " \\\n    " + zsh_spec(p);
    }
    out += "\n}\n";
  }
  out += "\n_culprit() {\n  local curcontext=\"$curcontext\" state line ret=1\n";
  out += "  local -a commands\n  commands=(\n";
  for (const auto& sub : subs) {
    out += fmt::format("    '{}:{}'\n", zsh_text(sub.name),
                       zsh_text(first_line(sub.description), false));
  }
  out += "  )\n  _arguments -C";
  for (const auto& o : top.options) {
    const std::string spec = zsh_spec(o, true);  // help and version end the command line
    out += " \\\n    " + spec;
  }
  out += " \\\n    '1:command:->command' \\\n    '*::argument:->argument' && ret=0\n";
  out += "  case $state in\n";
  out += "    command) _describe -t commands 'culprit command' commands && ret=0 ;;\n";
  out += "    argument)\n      case $words[1] in\n";
  for (const auto& sub : subs) {
    out += fmt::format("        {}) _culprit_{} && ret=0 ;;\n", sub.name, identifier(sub.name));
  }
  out += "      esac ;;\n  esac\n  return ret\n}\n\n_culprit \"$@\"\n";
  return out;
}

int print_generated(const CLI::App& app, std::string_view kind) {
  std::string text;
  if (kind == "man") {
    text = generate_man(app);
  } else if (kind == "bash") {
    text = generate_bash(app);
  } else if (kind == "zsh") {
    text = generate_zsh(app);
  } else {
    fmt::print(stderr, "culprit: --generate takes man, bash or zsh, not '{}'\n", kind);
    return 2;
  }
  fmt::print("{}", text);
  return std::fflush(stdout) == 0 && std::ferror(stdout) == 0 ? 0 : 2;
}

}  // namespace culprit::cli
