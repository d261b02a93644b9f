/** `rap validate`: check a project.yaml (logic in controller/pipeline/validate-command.ts). */
import type { Command } from "commander";
import { runValidateCommand } from "../../controller/pipeline/validate-command.js";
import type { CommandKit } from "../command-kit.js";

export function registerValidateCommand(program: Command, kit: CommandKit): void {
  program
    .command("validate")
    .description("check a project.yaml as the controller will when the jobs are submitted")
    .argument("<project.yaml>", "the project file")
    .option("--json", "print the result as one JSON line")
    .addHelpText(
      "after",
      `
Exit codes: 0 valid, 1 invalid, 2 the file cannot be read.

Examples:
  $ rap validate project.yaml
  $ rap validate --json project.yaml`,
    )
    .action(
      kit.action((file: string, options: { json?: boolean }) =>
        runValidateCommand([...(options.json ? ["--json"] : []), "--", file], {
          stdout: (text) => kit.runtime.io.stdout(text),
          stderr: (text) => kit.runtime.io.stderr(text),
          readFile: (path) => kit.runtime.readFile(path),
        }),
      ),
    );
}
