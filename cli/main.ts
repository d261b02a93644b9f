/**
 * `rap`: the one command line. Subcommands:
 *   all-in-one            controller + one agent for the first backend (npm start)
 *   controller            the controller service
 *   agent                 one agent (AGENT_CONFIG names its config file)
 *   migrate [--dbpath P]  create or update the controller database
 *   validate [--json] F   check a project.yaml as upstream would
 *   run [ACTION…]         run a study's actions locally (cli/run/)
 *   jobs, job, cancel-job, kill-job, add-job, flags, pause, db-maintenance,
 *   prepare-for-reboot, agents
 *                         operator commands over AdminService (cli/admin/; RAP_CONTROLLER_URL,
 *                         RAP_ADMIN_TOKEN)
 * Signals are handled here only: the first SIGTERM/SIGINT stops cleanly, the third forces exit.
 */
import { readFileSync } from "node:fs";
import { loadAgentConfig } from "../agent/config.js";
import { agentLogger, controllerLogger } from "./loggers.js";
import { agentTracing, controllerTracing } from "./tracing.js";
import { runAgent } from "../agent/service.js";
import { loadControllerConfig } from "../controller/config.js";
import { runValidateCommand } from "../controller/pipeline/validate-command.js";
import { runController } from "../controller/service.js";
import { migrateDatabase } from "../controller/store/open-database.js";
import { ADMIN_COMMAND_NAMES, isAdminCommand, runAdminCommand } from "./admin/run-admin-command.js";
import { terminalIo } from "./admin/terminal-io.js";
import { cliEnvironment, loadAdminCliConfig, loadAllInOneConfig } from "./config.js";
import { runRunCli } from "./run/run-cli.js";

const USAGE = `usage: rap <all-in-one|controller|agent|migrate|validate|run|${ADMIN_COMMAND_NAMES.join("|")}> [options]`;

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

async function allInOne(): Promise<number> {
  const config = loadAllInOneConfig(cliEnvironment());
  const tracing = controllerTracing(cliEnvironment(), config.controller);
  const log = controllerLogger(config.controller, { component: "controller" }, tracing?.secrets);
  const signal = stopSignal((message) => log.info(message));
  const agentStop = new AbortController();
  signal.addEventListener("abort", () => agentStop.abort(), { once: true });
  let agentRun: Promise<void> | undefined;
  let stopAgentTracing: (() => Promise<void>) | undefined;
  await runController(config.controller, log, signal, {
    autoMigrate: true,
    tracing,
    onListening: (app) => {
      const agentConfig = config.agent(app.port);
      const agentTraces = agentTracing(cliEnvironment(), agentConfig);
      stopAgentTracing = agentTraces ? () => agentTraces.shutdown() : undefined;
      const agentLog = agentLogger(agentConfig, { component: "agent", backend: agentConfig.backend }, agentTraces?.secrets);
      agentRun = runAgent(agentConfig, agentLog, agentStop.signal, agentTraces?.provider).catch((error: unknown) => {
        agentLog.error("agent stopped", { error });
      });
    },
  });
  agentStop.abort();
  await agentRun;
  await Promise.all([tracing?.shutdown(), stopAgentTracing?.()]);
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  switch (command) {
    case "all-in-one":
      return allInOne();
    case "controller": {
      const config = loadControllerConfig(cliEnvironment());
      const tracing = controllerTracing(cliEnvironment(), config);
      const log = controllerLogger(config, {}, tracing?.secrets);
      await runController(
        config,
        log,
        stopSignal((m) => log.info(m)),
        { autoMigrate: false, tracing },
      );
      await tracing?.shutdown();
      return 0;
    }
    case "agent": {
      const config = loadAgentConfig(cliEnvironment());
      const tracing = agentTracing(cliEnvironment(), config);
      const log = agentLogger(config, { backend: config.backend }, tracing?.secrets);
      await runAgent(
        config,
        log,
        stopSignal((m) => log.info(m)),
        tracing?.provider,
      );
      await tracing?.shutdown();
      return 0;
    }
    case "migrate": {
      const index = args.indexOf("--dbpath");
      const path = index >= 0 ? args[index + 1] : loadControllerConfig(cliEnvironment()).databasePath;
      if (!path) {
        process.stderr.write("usage: rap migrate [--dbpath PATH]\n");
        return 2;
      }
      const result = migrateDatabase(path);
      if (result.created) process.stdout.write(`created new db at ${path}\n`);
      for (const version of result.applied) process.stdout.write(`Applied migration ${version}\n`);
      if (!result.created && result.applied.length === 0) process.stdout.write(`db ${path} is up to date\n`);
      return 0;
    }
    case "run":
      return runRunCli(args, {
        env: cliEnvironment(),
        io: {
          write: (text) => process.stdout.write(text),
          writeError: (text) => process.stderr.write(text),
          isTty: process.stdout.isTTY === true,
        },
        stopSignal: () => stopSignal(() => undefined),
      });
    case "validate":
      return runValidateCommand(args, {
        stdout: (text) => process.stdout.write(text),
        stderr: (text) => process.stderr.write(text),
        readFile: (file) => readFileSync(file, "utf8"),
      });
    case undefined:
    default:
      if (command !== undefined && isAdminCommand(command)) {
        return runAdminCommand(command, args, {
          config: loadAdminCliConfig(cliEnvironment()),
          io: terminalIo(),
          cwd: process.cwd(),
        });
      }
      process.stderr.write(`${USAGE}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`rap: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
