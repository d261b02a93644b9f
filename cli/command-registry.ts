/**
 * Every command group of `rap`, in the order `rap --help` lists them. To add a command: write
 * cli/commands/<group>.ts exporting `register…(program, kit)` (description, arguments, options,
 * examples; the action through `kit.action`, reading configuration only when it runs) and add it
 * here. test/unit/cli/help.test.ts then checks its --help automatically.
 */
import type { RegisterCommands } from "./command-kit.js";
import { registerAgentLocalCommands } from "./commands/agent-local-commands.js";
import { registerAgentsCommand } from "./commands/agents-command.js";
import { registerConfigCommand } from "./commands/config-command.js";
import { registerDbCommand } from "./commands/db-command.js";
import { registerCompletionCommand } from "./commands/completion-command.js";
import { registerFlagCommands } from "./commands/flags-command.js";
import { registerJobCommands } from "./commands/job-commands.js";
import { registerOpsCommands } from "./commands/ops-commands.js";
import { registerRebootCommand } from "./commands/reboot-command.js";
import { registerRunCommand } from "./commands/run-command.js";
import { registerServiceCommands } from "./commands/service-commands.js";
import { registerValidateCommand } from "./commands/validate-command.js";

export const COMMAND_GROUPS: readonly RegisterCommands[] = [
  registerServiceCommands,
  registerConfigCommand,
  registerDbCommand,
  registerValidateCommand,
  registerRunCommand,
  // After the service commands: adds `rap agent status`.
  registerAgentLocalCommands,
  registerOpsCommands,
  registerJobCommands,
  registerFlagCommands,
  registerRebootCommand,
  registerAgentsCommand,
  registerCompletionCommand,
];
