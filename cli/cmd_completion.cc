// `mbench completion bash`: a bash completion script written from the command tree itself, so
// it never lags behind a new flag: subcommands, each command's options, the values a choice
// option accepts, device ids for --device, zoo names and files for a model.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"

namespace mbench::cli {
namespace {

struct Node {
  std::string path;  // "db query"
  std::vector<std::string> subcommands, options;
  std::vector<std::pair<std::string, std::string>> choices;  // option, "a b c"
  std::vector<std::string> flags;                            // options taking no value
};

// The choices CLI11 shows in the type name of an IsMember option: "TEXT:{table,json}".
std::string Choices(const CLI::Option& opt) {
  const std::string type = opt.get_type_name();
  const size_t open = type.find('{'), close = type.rfind('}');
  if (open == std::string::npos || close == std::string::npos || close < open) return "";
  std::string out = type.substr(open + 1, close - open - 1);
  for (char& c : out) c = c == ',' ? ' ' : c;
  return out;
}

void Walk(const CLI::App& app, const std::string& path, std::vector<Node>* nodes) {
  Node n;
  n.path = path;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    n.subcommands.push_back(sub->get_name());
  }
  for (const CLI::Option* opt : app.get_options()) {
    if (!opt->nonpositional()) continue;
    std::vector<std::string> names;
    for (const auto& s : opt->get_snames()) names.push_back("-" + s);
    for (const auto& l : opt->get_lnames()) names.push_back("--" + l);
    const std::string choices = Choices(*opt);
    for (const auto& name : names) {
      n.options.push_back(name);
      if (opt->get_expected_max() == 0) n.flags.push_back(name);
      if (!choices.empty()) n.choices.emplace_back(name, choices);
    }
  }
  nodes->push_back(n);
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    Walk(*sub, path.empty() ? sub->get_name() : path + " " + sub->get_name(), nodes);
  }
}

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : " ") + s;
  return out;
}

std::string BashScript(const CLI::App& root) {
  std::vector<Node> nodes;
  Walk(root, "", &nodes);
  std::string subs, opts, flags, choices;
  for (const auto& n : nodes) {
    if (!n.subcommands.empty())
      subs += "    '" + n.path + "') echo '" + Join(n.subcommands) + "' ;;\n";
    opts += "    '" + n.path + "') echo '" + Join(n.options) + "' ;;\n";
    if (!n.flags.empty()) flags += "    '" + n.path + "') echo '" + Join(n.flags) + "' ;;\n";
    for (const auto& [opt, values] : n.choices) {
      choices += "    '" + n.path + " " + opt + "') echo '" + values + "' ;;\n";
    }
  }
  return R"BASH(# bash completion for mbench (written by `mbench completion bash`).
# Load it now:          source <(mbench completion bash)
# or for every shell:   mbench completion bash > ~/.local/share/bash-completion/completions/mbench
_mbench_subcommands() {
  case "$1" in
)BASH" + subs +
         R"BASH(  esac
}
_mbench_options() {
  case "$1" in
)BASH" + opts +
         R"BASH(  esac
}
_mbench_flags() {
  case "$1" in
)BASH" + flags +
         R"BASH(  esac
}
_mbench_choices() {
  case "$1" in
)BASH" + choices +
         R"BASH(  esac
}
_mbench() {
  local cur prev path="" word i subs
  cur="${COMP_WORDS[COMP_CWORD]}"
  prev="${COMP_WORDS[COMP_CWORD-1]}"
  # The subcommand path so far: words that name a subcommand of the path before them.
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="${COMP_WORDS[i]}"
    subs=" $(_mbench_subcommands "$path") "
    if [[ "$word" != -* && "$subs" == *" $word "* ]]; then
      path="${path:+$path }$word"
    fi
  done
  local values
  values="$(_mbench_choices "$path $prev")"
  if [[ -n "$values" ]]; then
    COMPREPLY=($(compgen -W "$values" -- "$cur"))
    return
  fi
  case "$prev" in
    --device)
      COMPREPLY=($(compgen -W "$(mbench devices --format csv 2>/dev/null | tail -n +2 | cut -d, -f1 | sort -u)" -- "$cur"))
      return ;;
    --db|--profiles|--profile|--data|-o|--output|--out|--input|--save-outputs|--expect|--log)
      COMPREPLY=($(compgen -f -- "$cur"))
      return ;;
  esac
  if [[ "$prev" == -* && " $(_mbench_options "$path") " == *" $prev "* &&
        " $(_mbench_flags "$path") " != *" $prev "* ]]; then
    return  # a value the script cannot guess (a number, a name)
  fi
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$(_mbench_options "$path")" -- "$cur"))
    return
  fi
  subs="$(_mbench_subcommands "$path")"
  if [[ -n "$subs" ]]; then
    COMPREPLY=($(compgen -W "$subs" -- "$cur"))
    return
  fi
  if [[ "$cur" == zoo:* ]]; then
    COMPREPLY=($(compgen -W "$(mbench zoo list --format csv 2>/dev/null | tail -n +2 | cut -d, -f1 | sed 's/^/zoo:/')" -- "$cur"))
    return
  fi
  COMPREPLY=($(compgen -f -- "$cur"))
}
complete -o filenames -o bashdefault -F _mbench mbench
)BASH";
}

}  // namespace

void RegisterCompletion(CLI::App& app, int* exit_code) {
  auto shell = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand(
      "completion",
      "Print a shell completion script: subcommands, options, the values of choice options,\n"
      "device ids and zoo names.\n"
      "Example: source <(mbench completion bash)");
  cmd->add_option("shell", *shell, "The shell (bash)")->required()->check(CLI::IsMember({"bash"}));
  cmd->callback([&app, shell, exit_code] {  // `shell` lives as long as the option bound to it
    std::cout << BashScript(app);
    *exit_code = kExitOk;
  });
}

}  // namespace mbench::cli
