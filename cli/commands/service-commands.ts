/**
 * The long-running services and the database migration: `rap all-in-one`, `rap controller`,
 * `rap agent`, `rap migrate`. Each reads its configuration only when it runs, so `--help` starts
 * nothing, binds no port and writes no file.
 */
import type { Command } from "commander";
import { loadAgentConfig } from "../../agent/config.js";
import { loadControllerConfig } from "../../controller/config.js";
import { EXIT_OK } from "../cli-errors.js";
import type { CommandKit } from "../command-kit.js";
import type { CliRuntime } from "../cli-runtime.js";
import { loadAllInOneConfig } from "../config.js";
import { agentLogger, controllerLogger } from "../loggers.js";
import { assertNoMisspeltSettings, backendsIn } from "../settings/check-settings.js";
import { agentTracing, controllerTracing } from "../tracing.js";

// The services are loaded only when one runs: every other command (and --help) starts faster.
const controllerService = () => import("../../controller/service.js");
const agentService = () => import("../../agent/service.js");

const CONTROLLER_ENV = `
Configuration comes from the environment (docs/configuration.md lists every variable), e.g.:
  BACKENDS                 backends this controller serves, comma-separated (default: test)
  <BACKEND>_CLIENT_TOKENS  RAP API client tokens for a backend (job-server's)
  <BACKEND>_AGENT_TOKEN    the token that backend's agent presents
  RAP_ADMIN_TOKEN          token for AdminService (the rap operator commands)
  HOST, PORT               where to listen (default 127.0.0.1:8000)
  WORKDIR, DATABASE_FILE   state directory and SQLite file (default ./workdir/db.sqlite)`;

async function allInOne(runtime: CliRuntime): Promise<number> {
  const [{ runController }, { runAgent }] = await Promise.all([controllerService(), agentService()]);
  assertNoMisspeltSettings(runtime.env, backendsIn(runtime.env));
  const config = loadAllInOneConfig(runtime.env);
  const tracing = controllerTracing(runtime.env, config.controller);
  const log = controllerLogger(config.controller, { component: "controller" }, tracing?.secrets);
  const stop = runtime.shutdownSignals((message) => log.info(message));
  // The agent drains first, so the results it finishes still reach the controller; the controller
  // drains once the agent has stopped (or failed to start).
  const controllerDrain = new AbortController();
  let agentRun: Promise<void> | undefined;
  let stopAgentTracing: (() => Promise<void>) | undefined;
  await runController(
    config.controller,
    log,
    { drain: controllerDrain.signal, cancel: stop.cancel },
    {
      autoMigrate: true,
      tracing,
      onListening: (app) => {
        const agentConfig = config.agent(app.port);
        const agentTraces = agentTracing(runtime.env, agentConfig);
        stopAgentTracing = agentTraces ? () => agentTraces.shutdown() : undefined;
        const agentLog = agentLogger(agentConfig, { component: "agent", backend: agentConfig.backend }, agentTraces?.secrets);
        agentRun = runAgent(agentConfig, agentLog, stop, agentTraces?.provider)
          .catch((error: unknown) => {
            agentLog.error("agent stopped", { error });
          })
          .finally(() => controllerDrain.abort());
      },
    },
  );
  await agentRun;
  // Spans still batched are sent before the process exits.
  await Promise.all([tracing?.shutdown(), stopAgentTracing?.()]);
  return EXIT_OK;
}

async function controller(runtime: CliRuntime): Promise<number> {
  const { runController } = await controllerService();
  assertNoMisspeltSettings(runtime.env, backendsIn(runtime.env));
  const config = loadControllerConfig(runtime.env);
  const tracing = controllerTracing(runtime.env, config);
  const log = controllerLogger(config, {}, tracing?.secrets);
  await runController(
    config,
    log,
    runtime.shutdownSignals((m) => log.info(m)),
    { autoMigrate: false, tracing },
  );
  await tracing?.shutdown();
  return EXIT_OK;
}

async function agent(runtime: CliRuntime): Promise<number> {
  const { runAgent } = await agentService();
  assertNoMisspeltSettings(runtime.env, backendsIn(runtime.env));
  const config = loadAgentConfig(runtime.env);
  const tracing = agentTracing(runtime.env, config);
  const log = agentLogger(config, { backend: config.backend }, tracing?.secrets);
  await runAgent(
    config,
    log,
    runtime.shutdownSignals((m) => log.info(m)),
    tracing?.provider,
  );
  await tracing?.shutdown();
  return EXIT_OK;
}

async function migrate(runtime: CliRuntime, options: { dbpath?: string }): Promise<number> {
  const { migrateDatabase } = await import("../../controller/store/open-database.js");
  const path = options.dbpath ?? loadControllerConfig(runtime.env).databasePath;
  const result = migrateDatabase(path);
  if (result.created) runtime.io.stdout(`created new db at ${path}\n`);
  for (const version of result.applied) runtime.io.stdout(`Applied migration ${version}\n`);
  if (!result.created && result.applied.length === 0) runtime.io.stdout(`db ${path} is up to date\n`);
  return EXIT_OK;
}

export function registerServiceCommands(program: Command, kit: CommandKit): void {
  program
    .command("all-in-one")
    .description("run the controller and one agent for its first backend in one process (a laptop or a demo)")
    .addHelpText(
      "after",
      `${CONTROLLER_ENV}
  AGENT_CONFIG             the agent's config file (e.g. examples/standin-agent.yaml)
The database is created or migrated on start; SIGTERM or Ctrl-C stops cleanly.

Example:
  $ BACKENDS=test TEST_CLIENT_TOKENS=secret PORT=8000 rap all-in-one`,
    )
    .action(kit.action(() => allInOne(kit.runtime)));

  program
    .command("controller")
    .description("run the controller: the RAP API for job-server, the agents' stream and AdminService")
    .addHelpText(
      "after",
      `${CONTROLLER_ENV}
The database must be migrated first ('rap migrate'). The first SIGTERM or Ctrl-C drains (requests in
flight finish, SHUTDOWN_GRACE_SECONDS at most), the second cuts what is left, the third exits.

Example:
  $ rap migrate && BACKENDS=tpp TPP_CLIENT_TOKENS=... TPP_AGENT_TOKEN=... rap controller`,
    )
    .action(kit.action(() => controller(kit.runtime)));

  program
    .command("agent")
    .description("run one backend's agent: it connects to the controller and runs jobs in containers")
    .addHelpText(
      "after",
      `
Configuration: AGENT_CONFIG names a YAML file (docs/configuration.md); environment variables win:
  BACKEND                  the backend this agent serves
  CONTROLLER_URL           the controller's address, e.g. http://controller:8000
  AGENT_TOKEN              the backend's agent token (<BACKEND>_AGENT_TOKEN on the controller)
  AGENT_DRIVER             docker or podman (default docker)
The first SIGTERM or Ctrl-C drains: no new tasks, the ones in hand finish and are reported (for
AGENT_SHUTDOWN_GRACE_SECONDS at most); the second stops at once, leaving running jobs to carry on
and be picked up on restart; the third exits.

Example:
  $ AGENT_CONFIG=/etc/rap/agent.yaml rap agent`,
    )
    .action(kit.action(() => agent(kit.runtime)));

  program
    .command("migrate")
    .description("create the controller's SQLite database, or bring it up to date")
    .option("--dbpath <path>", "the database file (default: DATABASE_FILE, or WORKDIR/db.sqlite)")
    .addHelpText("after", "\nExample:\n  $ rap migrate --dbpath /srv/rap/db.sqlite")
    .action(kit.action((options: { dbpath?: string }) => migrate(kit.runtime, options)));
}
