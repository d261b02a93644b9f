/**
 * Shell completion for bash and zsh, generated from the program's own command tree so it never
 * lists a command or option that does not exist. zsh uses the same function through bashcompinit.
 */
import type { Command } from "commander";

interface Entry {
  readonly path: string;
  readonly words: readonly string[];
}

function visibleName(command: Command): boolean {
  return command.name() !== "help";
}

/** Every command path ("", "flags", "flags get") with the words that may follow it. */
function entries(command: Command, prefix: string): Entry[] {
  const subcommands = command.commands.filter(visibleName);
  const options = command.options.flatMap((option) => [option.short, option.long].filter((flag): flag is string => !!flag));
  const words = [...subcommands.flatMap((sub) => [sub.name(), ...sub.aliases()]), ...options, "--help"];
  const own: Entry = { path: prefix, words };
  return [
    own,
    ...subcommands.flatMap((sub) =>
      [sub.name(), ...sub.aliases()].flatMap((name) => entries(sub, prefix ? `${prefix} ${name}` : name)),
    ),
  ];
}

export function bashCompletion(program: Command): string {
  const cases = entries(program, "")
    .map((entry) => `    "${entry.path}") words="${entry.words.join(" ")}" ;;`)
    .join("\n");
  return `# bash completion for rap: eval "$(rap completion bash)" (e.g. in ~/.bashrc)
_rap_complete() {
  local current="\${COMP_WORDS[COMP_CWORD]}" path="" words="" i
  # The command path: the words before the current one that are not options.
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in -*) ;; *) [ -n "$(_rap_words "\${path:+$path }\${COMP_WORDS[i]}")" ] && path="\${path:+$path }\${COMP_WORDS[i]}" ;; esac
  done
  words="$(_rap_words "$path")"
  COMPREPLY=($(compgen -W "$words" -- "$current"))
}
_rap_words() {
  local words=""
  case "$1" in
${cases}
  esac
  printf '%s' "$words"
}
complete -o default -F _rap_complete rap
`;
}

export function zshCompletion(program: Command): string {
  return `# zsh completion for rap: eval "$(rap completion zsh)" (e.g. in ~/.zshrc)
autoload -U +X compinit && compinit
autoload -U +X bashcompinit && bashcompinit
${bashCompletion(program).split("\n").slice(1).join("\n")}`;
}
