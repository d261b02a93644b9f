/**
 * The controller's Prometheus metrics, in a registry of its own (one per controller, so tests can
 * run several). State that lives in the database or the session registry (jobs by state, agents,
 * flags) is read when /metrics is scraped; events (status changes, task pushes, updates, API
 * requests) are counted as they happen through the few named functions below.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { Database } from "better-sqlite3";
import type { Job } from "../jobs/job.js";

/** What the scrape-time gauges read. */
export interface MetricsSource {
  readonly db: Database;
  readonly backends: readonly string[];
  /** The connected agent of a backend: when it was last heard from (ms). */
  connectedAgent(backend: string): { readonly lastSeenMs: number } | undefined;
  /** Flag value and time (unix seconds) of a backend. */
  flag(backend: string, id: string): { readonly value: string | null; readonly timestamp: number } | undefined;
  /** The backend has had no agent for longer than AGENT_ABSENT_ALERT_MS. */
  absentTooLong?(backend: string): boolean;
  /** A standby agent was refused recently because another agent held the stream. */
  standbyWaiting?(backend: string): boolean;
  nowMs(): number;
}

const MAX_TRACKED_PUSHES = 100_000;
const DURATION_BUCKETS = [1, 5, 15, 30, 60, 300, 900, 1800, 3600, 7200, 14400, 43200, 86400];
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class ControllerMetrics {
  readonly registry = new Registry();
  /** When each task was pushed to its agent (ms), until the agent's first update for it. */
  private readonly pushedAt = new Map<string, { backend: string; atMs: number }>();

  private readonly jobDuration = new Histogram({
    name: "rap_job_duration_seconds",
    help: "Time from a job's creation to its final status, by backend and final state.",
    labelNames: ["backend", "state"],
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });
  private readonly waitingForWorkers = new Histogram({
    name: "rap_job_waiting_for_workers_seconds",
    help: "Time a job spent waiting for a free worker (waiting_on_workers), observed when it stops waiting.",
    labelNames: ["backend"],
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });
  private readonly statusChanges = new Counter({
    name: "rap_job_status_changes_total",
    help: "Job status changes, by backend and the status code entered.",
    labelNames: ["backend", "status_code"],
    registers: [this.registry],
  });
  private readonly dispatchLatency = new Histogram({
    name: "rap_dispatch_latency_seconds",
    help: "Time from a task being pushed to its agent until the agent's first update for it.",
    labelNames: ["backend", "type"],
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly updateLag = new Histogram({
    name: "rap_agent_update_lag_seconds",
    help: "Time from an agent stamping a task update until the controller stored it.",
    labelNames: ["backend"],
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly updates = new Counter({
    name: "rap_agent_updates_total",
    help: "Task updates received from agents, by backend and whether they were new or replays.",
    labelNames: ["backend", "result"],
    registers: [this.registry],
  });
  private readonly agentConnections = new Counter({
    name: "rap_agent_connections_total",
    help: "Agent streams opened, by backend (more than one per agent means it reconnected).",
    labelNames: ["backend"],
    registers: [this.registry],
  });
  private readonly apiRequests = new Counter({
    name: "rap_api_requests_total",
    help: "HTTP requests served, by endpoint (RAP REST path or RPC method) and HTTP status.",
    labelNames: ["endpoint", "status"],
    registers: [this.registry],
  });
  private readonly apiDuration = new Histogram({
    name: "rap_api_request_duration_seconds",
    help: "Time to serve an HTTP request (unary calls only; streams are counted, not timed), by endpoint.",
    labelNames: ["endpoint"],
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  constructor(source: MetricsSource, options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: "rap_controller_" });
    const jobs = new Gauge({
      name: "rap_jobs",
      help: "Jobs in the database, by backend, state and status code.",
      labelNames: ["backend", "state", "status_code"],
      registers: [this.registry],
      collect() {
        jobs.reset();
        const rows = source.db
          .prepare<[], { backend: string; state: string; status_code: string; n: number }>(
            "SELECT backend, state, status_code, COUNT(*) AS n FROM job GROUP BY backend, state, status_code",
          )
          .all();
        for (const row of rows) jobs.set({ backend: row.backend, state: row.state, status_code: row.status_code }, row.n);
      },
    });
    const activeTasks = new Gauge({
      name: "rap_tasks_active",
      help: "Active tasks (pushed to or waiting for an agent), by backend and type.",
      labelNames: ["backend", "type"],
      registers: [this.registry],
      collect() {
        activeTasks.reset();
        const rows = source.db
          .prepare<[], { backend: string; type: string; n: number }>(
            "SELECT backend, type, COUNT(*) AS n FROM tasks WHERE active = 1 GROUP BY backend, type",
          )
          .all();
        for (const row of rows) activeTasks.set({ backend: row.backend, type: row.type }, row.n);
      },
    });
    const connected = new Gauge({
      name: "rap_agent_connected",
      help: "1 while the backend's agent holds its stream, else 0.",
      labelNames: ["backend"],
      registers: [this.registry],
      collect() {
        for (const backend of source.backends) connected.set({ backend }, source.connectedAgent(backend) ? 1 : 0);
      },
    });
    const lastSeenAge = new Gauge({
      name: "rap_agent_last_seen_age_seconds",
      help: "Seconds since the backend's agent was last heard from (absent: never seen).",
      labelNames: ["backend"],
      registers: [this.registry],
      collect() {
        lastSeenAge.reset();
        const now = source.nowMs();
        for (const backend of source.backends) {
          const agent = source.connectedAgent(backend);
          const flag = source.flag(backend, "last-seen-at");
          const seenMs = agent ? agent.lastSeenMs : flag ? flag.timestamp * 1000 : undefined;
          if (seenMs !== undefined) lastSeenAge.set({ backend }, Math.max(0, (now - seenMs) / 1000));
        }
      },
    });
    const absent = new Gauge({
      name: "rap_backend_agent_absent_too_long",
      help: "1 while the backend has had no agent for longer than AGENT_ABSENT_ALERT_MS (its jobs are not watched), else 0.",
      labelNames: ["backend"],
      registers: [this.registry],
      collect() {
        for (const backend of source.backends) absent.set({ backend }, source.absentTooLong?.(backend) ? 1 : 0);
      },
    });
    const standby = new Gauge({
      name: "rap_agent_standby_waiting",
      help: "1 while a standby agent waits for the backend's stream (another agent holds it), else 0.",
      labelNames: ["backend"],
      registers: [this.registry],
      collect() {
        for (const backend of source.backends) standby.set({ backend }, source.standbyWaiting?.(backend) ? 1 : 0);
      },
    });
    const paused = new Gauge({
      name: "rap_backend_paused",
      help: "1 while the backend is paused (no new jobs start), else 0.",
      labelNames: ["backend"],
      registers: [this.registry],
      collect() {
        for (const backend of source.backends) paused.set({ backend }, source.flag(backend, "paused")?.value === "true" ? 1 : 0);
      },
    });
    const maintenance = new Gauge({
      name: "rap_backend_db_maintenance",
      help: "1 while the backend's database is in maintenance mode, else 0.",
      labelNames: ["backend"],
      registers: [this.registry],
      collect() {
        for (const backend of source.backends) {
          maintenance.set({ backend }, source.flag(backend, "mode")?.value === "db-maintenance" ? 1 : 0);
        }
      },
    });
  }

  /** A job's stored status changed from `previous` to `job`. */
  jobChanged(job: Job, previous: Job): void {
    if (job.statusCode === previous.statusCode) return;
    this.statusChanges.inc({ backend: job.backend, status_code: job.statusCode });
    if (previous.statusCode === "waiting_on_workers") {
      this.waitingForWorkers.observe(
        { backend: job.backend },
        Math.max(0, (job.statusCodeUpdatedAtMs - previous.statusCodeUpdatedAtMs) / 1000),
      );
    }
    if (job.completedAt !== null && previous.completedAt === null && (job.state === "succeeded" || job.state === "failed")) {
      this.jobDuration.observe({ backend: job.backend, state: job.state }, Math.max(0, job.completedAt - job.createdAt));
    }
  }

  taskPushed(taskId: string, backend: string, atMs: number): void {
    if (this.pushedAt.has(taskId)) return;
    // Bounded: a task its agent never answers (cancelled first, agent gone) must not pile up.
    if (this.pushedAt.size >= MAX_TRACKED_PUSHES) this.pushedAt.delete(this.pushedAt.keys().next().value!);
    this.pushedAt.set(taskId, { backend, atMs });
  }

  /** An agent's update for a task was stored (`fresh`) or recognised as a replay. */
  taskUpdated(
    taskId: string,
    type: string,
    backend: string,
    fresh: boolean,
    agentTimestampMs: number | undefined,
    nowMs: number,
  ) {
    this.updates.inc({ backend, result: fresh ? "stored" : "duplicate" });
    if (!fresh) return;
    const pushed = this.pushedAt.get(taskId);
    if (pushed) {
      this.pushedAt.delete(taskId);
      this.dispatchLatency.observe({ backend, type }, Math.max(0, (nowMs - pushed.atMs) / 1000));
    }
    if (agentTimestampMs !== undefined) this.updateLag.observe({ backend }, Math.max(0, (nowMs - agentTimestampMs) / 1000));
  }

  agentConnected(backend: string): void {
    this.agentConnections.inc({ backend });
  }

  apiRequest(endpoint: string, status: number, seconds: number | undefined): void {
    this.apiRequests.inc({ endpoint, status: String(status) });
    if (seconds !== undefined) this.apiDuration.observe({ endpoint }, seconds);
  }

  /** The Prometheus text exposition. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
