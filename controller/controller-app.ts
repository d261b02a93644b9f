/**
 * The controller service assembled: database, stores, scheduler, agent sessions and the one-port
 * server with the REST gateway, RapService, AgentService and AdminService. `rap controller` and the
 * all-in-one mode start it; tests start it on 127.0.0.1:0.
 */
import type { AddressInfo } from "node:net";
import { Code, ConnectError } from "@connectrpc/connect";
import { LoginLimiter } from "./dashboard/login-limiter.js";
import { JobHistoryStore } from "./store/job-history-store.js";
import { AgentPresence } from "./agents/agent-presence.js";
import { SessionRegistry } from "./agents/session-registry.js";
import type { ControllerConfig } from "./config.js";
import { createImageDigests } from "./images/create-image-digests.js";
import type { ControllerDeps } from "./deps.js";
import { ActionRepos } from "./git/action-repos.js";
import { DEFAULT_NETWORK_RETRY } from "./git/network-retry.js";
import { ProjectSource } from "./git/project-source.js";
import type { Job } from "./jobs/job.js";
import type { Logger } from "./logger.js";
import { JobEvents } from "./rap/job-events.js";
import { renderJob, type RenderedJob } from "./rap/rendered-job.js";
import { DatabaseReadiness } from "./health/readiness.js";
import type { ChangeSink } from "./scheduling/job-transitions.js";
import { loadResourceWeights, weightOfJobs } from "./scheduling/resource-weights.js";
import { ScheduledTasks } from "./scheduling/scheduled-tasks.js";
import { Scheduler } from "./scheduling/scheduler.js";
import { createRequestHandler, type RequestHandler } from "./request-handler.js";
import { createOnePortServer, type OnePortServer } from "./server.js";
import { scheduleBackups } from "./store/backup-schedule.js";
import { FlagStore } from "./store/flag-store.js";
import { JobStore } from "./store/job-store.js";
import { openDatabase } from "./store/open-database.js";
import { TaskStore } from "./store/task-store.js";
import { ControllerMetrics } from "./telemetry/controller-metrics.js";
import { ControllerTelemetry } from "./telemetry/controller-telemetry.js";
import type { JobSpanIds } from "./telemetry/job-span-ids.js";
import { JobTracing } from "./telemetry/job-tracing.js";
import type { TracerProvider } from "@opentelemetry/api";

export interface ControllerOptions {
  readonly config: ControllerConfig;
  readonly log: Logger;
  /** Migrate a missing or old database at start (all-in-one, tests) instead of refusing to start. */
  readonly autoMigrate: boolean;
  /** Where job traces go (built with JobSpanIds so JOB root spans keep their stored ids); none: no traces. */
  readonly tracing?: { readonly provider: TracerProvider; readonly ids: JobSpanIds };
  /**
   * `false`: record no metrics and serve no /metrics — only for the benchmark that measures what
   * they cost (`npm run bench`); a deployment always has them.
   */
  readonly metrics?: boolean;
}

export class ControllerApp {
  private constructor(
    readonly deps: ControllerDeps,
    readonly sessions: SessionRegistry,
    private readonly server: OnePortServer,
    private readonly stopScheduler: AbortController,
    readonly port: number,
    /** Job changes as WatchJobs streams them (tests watch its subscribers come and go). */
    readonly jobEvents: JobEvents<RenderedJob>,
    /** Metrics (and traces) of this controller. */
    readonly telemetry: ControllerTelemetry,
    private readonly readiness: DatabaseReadiness,
    private readonly stopBackups: () => Promise<void>,
  ) {}

  static async start(options: ControllerOptions): Promise<ControllerApp> {
    const { config, log } = options;
    const db = openDatabase(config.databasePath, { autoMigrate: options.autoMigrate });
    const tasks = new TaskStore(db);
    const flags = new FlagStore(db);
    const history = new JobHistoryStore(db);
    const clock = { nowMs: () => Date.now() };
    // Backends an agent may connect to: only they can miss one.
    const presence = new AgentPresence(
      config.backends.filter((backend) => backend.agentToken !== undefined).map((backend) => backend.slug),
      clock.nowMs,
      config.agentAbsentAlertMs,
      log,
    );
    // Built first: the session registry and every hook below report to it.
    const holder: { deps?: ControllerDeps; sessions?: SessionRegistry; app?: ControllerApp } = {};
    const metrics = new ControllerMetrics({
      db,
      backends: config.backends.map((backend) => backend.slug),
      connectedAgent: (backend) => holder.sessions?.get(backend),
      flag: (backend, id) => flags.get(backend, id),
      absentTooLong: (backend) => presence.absentTooLong(backend),
      standbyWaiting: (backend) => presence.standby(backend) !== undefined,
      nowMs: clock.nowMs,
    });
    const tracing = options.tracing ? new JobTracing(options.tracing.provider, options.tracing.ids, log) : undefined;
    const metricsOn = options.metrics !== false;
    const telemetry = new ControllerTelemetry(metricsOn ? metrics : undefined, clock.nowMs, tracing);
    const sessions = new SessionRegistry(
      tasks,
      (taskId, backend) => telemetry.taskPushed(taskId, backend),
      { nowMs: clock.nowMs, leaseMs: config.agentLeaseMs },
      presence,
      (backend, error) => log.error("pushing tasks to the agent failed; trying again shortly", { backend, error }),
    );
    holder.sessions = sessions;
    // Rendered from the deps, which exist by the time the first change is delivered.
    const jobEvents = new JobEvents<RenderedJob>((job) => renderJob(holder.deps!, job));
    const published = publishingSink(jobEvents, history, telemetry, sessions);
    // The scheduler and the deps refer to each other; the scheduler reads deps lazily.
    // Resource weights are read once, here: a restart reloads an edited weights file.
    const weights = loadResourceWeights(
      config.workdir,
      config.backends.map((backend) => backend.slug),
    );
    const scheduler = new Scheduler(() => holder.deps!, published, weightOfJobs(weights));
    // Writers other than the scheduler (admin commands, scheduled tasks) report through this sink,
    // so the scheduler hears of the jobs they change.
    const sink: ChangeSink = {
      jobChanged: (job, previous) => {
        published.jobChanged(job, previous);
        scheduler.jobStored(job);
      },
      tasksChanged: (backend) => published.tasksChanged(backend),
    };
    const stopScheduler = new AbortController();
    const deps: ControllerDeps = {
      config,
      db,
      jobs: new JobStore(db),
      tasks,
      flags,
      ...gitSources(config),
      clock,
      scheduler,
      log,
      telemetry,
      imageDigests: createImageDigests(config, clock, log, scheduler, stopScheduler.signal),
    };
    holder.deps = deps;
    const readiness = new DatabaseReadiness(config.databasePath);
    const handler = createRequestHandler({
      deps,
      sessions,
      jobEvents,
      history,
      sink,
      metrics: metricsOn ? metrics : undefined,
      health: {
        version: config.version,
        readiness: () => (holder.app?.isDraining ? { ready: false, reason: "draining for shutdown" } : readiness.check()),
      },
      loginLimiter: new LoginLimiter(),
    });
    const server = await listen(config, log, handler);
    const port = (server.server.address() as AddressInfo).port;
    startBackgroundWork(deps, scheduler, sink, presence, stopScheduler.signal);
    log.info("controller listening", {
      host: config.host,
      port,
      tls: config.tls ? (config.tls.clientCaFile ? "mtls" : "tls") : "off",
      backends: config.backends.map((b) => b.slug).join(","),
    });
    const stopBackups = config.backups ? scheduleBackups(db, config.backups, log, clock.nowMs) : async () => {};
    const app = new ControllerApp(deps, sessions, server, stopScheduler, port, jobEvents, telemetry, readiness, stopBackups);
    holder.app = app;
    return app;
  }

  private draining = false;

  /** True from the first shutdown signal: /readyz then says unready so no new work is routed here. */
  get isDraining(): boolean {
    return this.draining;
  }

  /**
   * Shuts down: no new scheduling, agents' streams closed with Unavailable ("shutting down") so they
   * reconnect (with their jittered backoff) to whichever controller comes up, requests in flight
   * finished for up to `graceMs` (default 2 s), or cut at once when `cut` aborts.
   */
  async stop(options: { graceMs?: number; cut?: AbortSignal } = {}): Promise<void> {
    this.draining = true;
    this.stopScheduler.abort();
    this.jobEvents.close();
    this.sessions.stop();
    const goingAway = new ConnectError("controller is shutting down; reconnect", Code.Unavailable);
    for (const session of this.sessions.all()) session.close(goingAway);
    await this.server.close(options.graceMs, options.cut);
    await this.stopBackups();
    this.readiness.close();
    this.deps.db.close();
  }
}

/**
 * Where the scheduler's changes go: WatchJobs and the dashboard, the job history and telemetry (in
 * the store transaction of the change), and the agents' task pushes (after it has committed).
 */
function publishingSink(
  jobEvents: JobEvents<RenderedJob>,
  history: JobHistoryStore,
  telemetry: ControllerTelemetry,
  sessions: SessionRegistry,
): ChangeSink {
  const backendsToPush = new Set<string>();
  return {
    jobChanged: (job: Job, previous?: Job) => {
      jobEvents.publish(job);
      if (previous) {
        // In the store transaction of the change, so the history never disagrees with the job.
        history.record(job, previous);
        telemetry.jobChanged(job, previous);
      }
    },
    tasksChanged: (backend) => {
      // Pushed after the current transaction has committed, never from inside it.
      if (backendsToPush.size === 0) {
        queueMicrotask(() => {
          for (const slug of backendsToPush) sessions.pushActiveTasks(slug);
          backendsToPush.clear();
        });
      }
      backendsToPush.add(backend);
    },
  };
}

/** The study repositories and the reusable-action repositories, both fetched into `<workdir>/repos`. */
function gitSources(config: ControllerConfig): Pick<ControllerDeps, "projects" | "actionRepos"> {
  const shared = {
    reposDir: `${config.workdir}/repos`,
    githubProxyDomain: config.githubProxyDomain,
    privateRepoAccessToken: config.privateRepoAccessToken,
    env: config.childEnv,
  };
  return {
    projects: new ProjectSource({
      ...shared,
      allowLocalGitRepos: config.allowLocalGitRepos,
      allowedGithubOrgs: config.allowedGithubOrgs,
      networkRetry: { ...DEFAULT_NETWORK_RETRY, ...config.gitFetchRetry },
    }),
    actionRepos: new ActionRepos({ ...shared, base: config.actionsRepoBase }),
  };
}

async function listen(config: ControllerConfig, log: Logger, handler: RequestHandler): Promise<OnePortServer> {
  const server = createOnePortServer(handler, {
    tls: config.tls,
    onTlsReload: (error) => {
      if (error === undefined) log.info("TLS certificate reloaded", { cert: config.tls?.certFile });
      else log.error("TLS certificate not reloaded; still serving the previous one", { cert: config.tls?.certFile, error });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.server.once("error", reject);
    server.server.listen(config.port, config.host, () => resolve());
  });
  return server;
}

/** The scheduler with its scheduled tasks, and the agent-presence check; all stop when `signal` aborts. */
function startBackgroundWork(
  deps: ControllerDeps,
  scheduler: Scheduler,
  sink: ChangeSink,
  presence: AgentPresence,
  signal: AbortSignal,
): void {
  const { config } = deps;
  const scheduledTasks = new ScheduledTasks(
    () => deps,
    sink,
    () => scheduler.poke(),
  );
  scheduler.addPass(() => scheduledTasks.run());
  signal.addEventListener("abort", () => scheduledTasks.stop(), { once: true });
  scheduler.start(signal);
  const presenceCheck = setInterval(() => presence.check(), Math.min(5_000, Math.max(100, config.agentAbsentAlertMs / 4)));
  presenceCheck.unref();
  signal.addEventListener("abort", () => clearInterval(presenceCheck), { once: true });
}
