/** `rap completion bash|zsh`: print a shell completion script. */
import type { Command } from "commander";
import { choiceArgument } from "../cli-options.js";
import { EXIT_OK } from "../cli-errors.js";
import type { CommandKit } from "../command-kit.js";
import { bashCompletion, zshCompletion } from "../completion-script.js";

export function registerCompletionCommand(program: Command, kit: CommandKit): void {
  program
    .command("completion")
    .description("print a shell completion script for bash or zsh")
    .addArgument(choiceArgument("<shell>", "the shell", ["bash", "zsh"]))
    .addHelpText(
      "after",
      `
Examples:
  $ eval "$(rap completion bash)"     # add to ~/.bashrc
  $ eval "$(rap completion zsh)"      # add to ~/.zshrc`,
    )
    .action(
      kit.action((shell: string) => {
        kit.runtime.io.stdout(shell === "zsh" ? zshCompletion(program) : bashCompletion(program));
        return EXIT_OK;
      }),
    );
}
