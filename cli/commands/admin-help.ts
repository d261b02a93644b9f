/** Help text shared by the operator commands: where they find the controller, and the token. */
import type { Command } from "commander";

export const ADMIN_ENVIRONMENT = `
Environment:
  RAP_CONTROLLER_URL  the controller's address (default http://127.0.0.1:8000)
  RAP_ADMIN_TOKEN     the controller's admin token (its RAP_ADMIN_TOKEN)`;

/** Adds --json, the environment and the examples to an operator command's help. */
export function operatorCommand(command: Command, examples: readonly string[]): Command {
  return command
    .option("--json", "print the controller's answer as JSON (times in ISO 8601)")
    .addHelpText("after", `${ADMIN_ENVIRONMENT}\n\nExamples:\n${examples.map((example) => `  $ ${example}`).join("\n")}`);
}
