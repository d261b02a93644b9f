/**
 * The operators' commands on the backend host, over the agent's local socket (cli/local/):
 * `rap logs [-f] JOB`, `rap exec JOB [-- CMD …]` and `rap agent status`. Registered after the
 * service commands, because `status` is a subcommand of `rap agent`.
 */
import type { Command } from "commander";
import { EXIT_USAGE } from "../cli-errors.js";
import type { CommandKit } from "../command-kit.js";
import type { CliRuntime } from "../cli-runtime.js";
import { loadLocalClientConfig } from "../local/config.js";
import { runExec } from "../local/exec-command.js";
import { runLogs, type CommandIo } from "../local/logs-command.js";
import { runAgentStatus } from "../local/status-command.js";

const SOCKET_HELP = "the agent's local socket (default: RAP_AGENT_SOCKET, or local.socket in the AGENT_CONFIG file)";

function socketOrExplain(runtime: CliRuntime, name: string, option: string | undefined): string | undefined {
  const socket = option ?? loadLocalClientConfig(runtime.env).socketPath;
  if (!socket) runtime.io.stderr(`${name}: no agent socket: pass --socket, or set RAP_AGENT_SOCKET or AGENT_CONFIG\n`);
  return socket;
}

function io(runtime: CliRuntime): CommandIo {
  return {
    // Job output is bytes; it is written as it came.
    write: (data) => (typeof data === "string" ? runtime.io.stdout(data) : process.stdout.write(data)),
    writeError: (text) => runtime.io.stderr(text),
  };
}

export function registerAgentLocalCommands(program: Command, kit: CommandKit): void {
  const { runtime } = kit;
  program
    .command("logs")
    .description("print a job's output on this backend host; with -f follow it live until the job ends")
    .argument("<job-id>", "the job's id (16 characters)")
    .option("-f, --follow", "keep printing what the job writes until its container stops", false)
    .option("--timestamps", "prefix each line with the time it arrived", false)
    .option("--json", "one JSON object per line: {job_id, source, line}", false)
    .option("--socket <path>", SOCKET_HELP)
    .addHelpText(
      "after",
      `
Job output never leaves the backend: it comes from the agent's socket, not from the controller.

Examples:
  $ rap logs -f 6y7hbsu2yqnpxkjh
  $ rap logs --json --timestamps 6y7hbsu2yqnpxkjh`,
    )
    .action(
      kit.action(async (jobId: string, options: { follow: boolean; timestamps: boolean; json: boolean; socket?: string }) => {
        const socketPath = socketOrExplain(runtime, "rap logs", options.socket);
        if (!socketPath) return EXIT_USAGE;
        return runLogs(
          { socketPath, jobId, follow: options.follow, timestamps: options.timestamps, json: options.json },
          io(runtime),
          runtime.stopSignal(() => undefined),
        );
      }),
    );

  program
    .command("exec")
    .description("open an interactive shell (or run CMD) in a running job's container; exits with its status")
    .argument("<job-id>", "the job's id (16 characters)")
    .argument("[command...]", "what to run (default /bin/sh); put it after --")
    .option("--socket <path>", SOCKET_HELP)
    .addHelpText(
      "after",
      `
Off unless the agent's config sets local.exec_enabled: true. Every session is written to the agent's
audit log (who, when, job, command, duration, exit status).

Examples:
  $ rap exec 6y7hbsu2yqnpxkjh
  $ rap exec 6y7hbsu2yqnpxkjh -- ls -l /workspace`,
    )
    .action(
      kit.action(async (jobId: string, command: string[], options: { socket?: string }) => {
        const socketPath = socketOrExplain(runtime, "rap exec", options.socket);
        if (!socketPath) return EXIT_USAGE;
        const client = loadLocalClientConfig(runtime.env);
        return runExec(
          { socketPath, jobId, command, user: client.user, term: client.term },
          { stdin: process.stdin, stdout: process.stdout, writeError: (text) => runtime.io.stderr(text) },
          runtime.stopSignal(() => undefined),
        );
      }),
    );

  const agent = program.commands.find((command) => command.name() === "agent");
  if (!agent) throw new Error("register the service commands before the agent's local commands");
  agent
    .command("status")
    .description("this backend's agent, from its local socket: controller connection, tasks, outbox, driver, version")
    .option("--json", "print JSON", false)
    .option("--socket <path>", SOCKET_HELP)
    .addHelpText("after", "\nWorks while the controller is unreachable.\n\nExample:\n  $ rap agent status")
    .action(
      kit.action(async (options: { json: boolean; socket?: string }) => {
        const socketPath = socketOrExplain(runtime, "rap agent status", options.socket);
        if (!socketPath) return EXIT_USAGE;
        return runAgentStatus(
          { socketPath, json: options.json },
          io(runtime),
          runtime.stopSignal(() => undefined),
        );
      }),
    );
}
