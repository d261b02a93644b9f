/**
 * `rap`: the one command line (the controller, the agent, and the operator's and researcher's
 * tools), on commander. `rap --help` lists the commands; `rap COMMAND --help` explains one.
 *
 * Adding a command: put it in its own file under cli/commands/ as `register…(program, kit)` and add
 * that function to COMMAND_GROUPS in cli/command-registry.ts. Nothing else here changes.
 *
 * This is the only file that reads process.argv, installs signal handlers or calls process.exit:
 * the first SIGTERM/SIGINT stops a service cleanly, the third forces exit.
 */
import { readFileSync } from "node:fs";
import { setTimeout as delay } from "node:timers/promises";
import { terminalIo } from "./admin/terminal-io.js";
import { runCli } from "./cli-program.js";
import { cliEnvironment } from "./config.js";

function stopSignal(log: (message: string) => void): AbortSignal {
  const stop = new AbortController();
  let count = 0;
  const onSignal = (name: string) => {
    count += 1;
    log(`${name} received (${count})`);
    if (count >= 3) process.exit(1);
    stop.abort();
  };
  process.on("SIGTERM", () => onSignal("SIGTERM"));
  process.on("SIGINT", () => onSignal("SIGINT"));
  return stop.signal;
}

runCli(process.argv.slice(2), {
  io: terminalIo(),
  env: cliEnvironment(),
  cwd: process.cwd(),
  now: () => new Date(),
  readFile: (path) => readFileSync(path, "utf8"),
  stopSignal,
  sleep: (ms, signal) => delay(ms, undefined, { signal }).catch(() => undefined),
}).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`rap: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
