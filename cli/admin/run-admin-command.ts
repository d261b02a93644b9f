/**
 * The operator subcommands of `rap`, one per AdminService call, and how their failures become exit
 * codes: a usage error prints the usage and exits 2; a call the controller refuses or cannot answer
 * prints the gRPC code and message and exits 1. Upstream's underscore names work as aliases.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import type { AdminCliConfig } from "../config.js";
import { type AdminCommandContext, adminContext, type CliIo, EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError } from "./admin-cli.js";
import { agentsCommand } from "./agents-command.js";
import { dbMaintenanceCommand, flagsCommand, pauseCommand } from "./flag-commands.js";
import { addJobCommand, cancelJobCommand, getJobCommand, killJobCommand, listJobsCommand } from "./job-commands.js";
import { prepareForRebootCommand } from "./reboot-command.js";

interface AdminCommand {
  readonly usage: string;
  readonly run: (ctx: AdminCommandContext, args: readonly string[], cwd: string) => Promise<number>;
}

const COMMANDS: Readonly<Record<string, AdminCommand>> = {
  jobs: {
    usage: "rap jobs [--backend B] [--rap-id R] [--workspace W] [--state S] [--action A] [--status-code C] [--limit N] [--json]",
    run: listJobsCommand,
  },
  job: { usage: "rap job <job id> [--json]", run: getJobCommand },
  "cancel-job": { usage: "rap cancel-job <job id> [--json]", run: cancelJobCommand },
  "kill-job": { usage: "rap kill-job <job id> [--json]", run: killJobCommand },
  "add-job": {
    usage:
      "rap add-job <repo url or path> <action>... --backend B [--commit SHA] [--branch main] [--workspace test] [--database default] [-f|--force-run-dependencies] [--json]",
    run: addJobCommand,
  },
  flags: {
    usage: "rap flags get [FLAG...] --backend B [--json] | rap flags set FLAG=[VALUE]... --backend B [--json]",
    run: flagsCommand,
  },
  pause: { usage: "rap pause on|off <backend> [--json]", run: pauseCommand },
  "db-maintenance": { usage: "rap db-maintenance on|off <backend> [--disable-checks] [--json]", run: dbMaintenanceCommand },
  "prepare-for-reboot": {
    usage: "rap prepare-for-reboot --backend B [-s|--status] [-y|--skip-confirm] [--json]",
    run: prepareForRebootCommand,
  },
  agents: { usage: "rap agents [--backend B] [--json]", run: agentsCommand },
};

const ALIASES: Readonly<Record<string, string>> = {
  add_job: "add-job",
  db_maintenance: "db-maintenance",
  prepare_for_reboot: "prepare-for-reboot",
};

export const ADMIN_COMMAND_NAMES: readonly string[] = Object.keys(COMMANDS);

export function isAdminCommand(name: string): boolean {
  return (ALIASES[name] ?? name) in COMMANDS;
}

export interface AdminRunOptions {
  readonly config: AdminCliConfig;
  readonly io: CliIo;
  /** The directory relative repository paths are resolved against. */
  readonly cwd: string;
}

export async function runAdminCommand(name: string, args: readonly string[], options: AdminRunOptions): Promise<number> {
  const canonical = ALIASES[name] ?? name;
  const command = COMMANDS[canonical];
  if (!command) {
    options.io.stderr(`rap: unknown command '${name}'\n`);
    return EXIT_USAGE;
  }
  if (args.includes("--help") || args.includes("-h")) {
    options.io.stdout(`usage: ${command.usage}\n`);
    return EXIT_OK;
  }
  try {
    return await command.run(adminContext(options.config, options.io), args, options.cwd);
  } catch (error) {
    if (error instanceof UsageError) {
      options.io.stderr(`rap ${canonical}: ${error.message}\nusage: ${command.usage}\n`);
      return EXIT_USAGE;
    }
    if (error instanceof ConnectError) {
      options.io.stderr(`rap ${canonical}: ${Code[error.code]}: ${error.rawMessage}\n`);
      return EXIT_FAILED;
    }
    throw error;
  }
}
