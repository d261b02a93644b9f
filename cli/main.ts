#!/usr/bin/env node
/**
 * `rap`: the one command line (the controller, the agent, and the operator's and researcher's
 * tools), on commander. `rap --help` lists the commands; `rap COMMAND --help` explains one.
 *
 * Adding a command: put it in its own file under cli/commands/ as `register…(program, kit)` and add
 * that function to COMMAND_GROUPS in cli/command-registry.ts. Nothing else here changes.
 *
 * This is the only file that reads process.argv, installs signal handlers or calls process.exit:
 * the first SIGTERM/SIGINT drains a service (or stops a command), the second cancels what is left,
 * the third exits at once.
 */
import { readFileSync } from "node:fs";
import { setTimeout as delay } from "node:timers/promises";
import { terminalIo } from "./admin/terminal-io.js";
import { runCli } from "./cli-program.js";
import { cliEnvironment } from "./config.js";

const STEPS = ["draining", "cancelling", "exiting"] as const;

function shutdownSignals(log: (message: string) => void): { drain: AbortSignal; cancel: AbortSignal } {
  const drain = new AbortController();
  const cancel = new AbortController();
  let count = 0;
  const onSignal = (name: string) => {
    count += 1;
    log(`${name} received (${count}): ${STEPS[Math.min(count, 3) - 1]}`);
    if (count >= 3) process.exit(1);
    if (count === 2) cancel.abort();
    drain.abort();
  };
  process.on("SIGTERM", () => onSignal("SIGTERM"));
  process.on("SIGINT", () => onSignal("SIGINT"));
  return { drain: drain.signal, cancel: cancel.signal };
}

function stopSignal(log: (message: string) => void): AbortSignal {
  return shutdownSignals(log).drain;
}

runCli(process.argv.slice(2), {
  io: terminalIo(),
  env: cliEnvironment(),
  cwd: process.cwd(),
  now: () => new Date(),
  readFile: (path) => readFileSync(path, "utf8"),
  stopSignal,
  shutdownSignals,
  sleep: (ms, signal) => delay(ms, undefined, { signal }).catch(() => undefined),
}).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`rap: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
