/** `rap run`: a study's actions on this machine (the command is built in cli/run/run-cli.ts). */
import type { Command } from "commander";
import type { CommandKit } from "../command-kit.js";
import { runCommand } from "../run/run-cli.js";

export function registerRunCommand(program: Command, kit: CommandKit): void {
  const { runtime } = kit;
  const command = runCommand(
    {
      env: runtime.env,
      io: {
        write: (text) => runtime.io.stdout(text),
        writeError: (text) => runtime.io.stderr(text),
        isTty: runtime.io.isTerminal,
      },
      stopSignal: () => runtime.stopSignal(() => undefined),
    },
    (code) => kit.exit(code),
  );
  // Built on its own, so it takes the program's output, error and exit settings explicitly.
  program.addCommand(command.copyInheritedSettings(program));
}
