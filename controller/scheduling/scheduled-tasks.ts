/**
 * Scheduled DBSTATUS tasks (upstream's update_scheduled_tasks, reference/jobrunner.md §4.11): every
 * MAINTENANCE_POLL_INTERVAL seconds each backend in MAINTENANCE_ENABLED_BACKENDS gets a task asking
 * its agent whether the database is in maintenance. The scheduler runs this pass after every job
 * pass; a timer wakes the scheduler when the next task falls due, so nothing polls.
 */
import { randomBytes } from "node:crypto";
import type { ControllerDeps } from "../deps.js";
import { FLAG, isFlagSet } from "../jobs/backend-flags.js";
import type { ChangeSink } from "./job-transitions.js";

/** `dbstatus-<YYYY-MM-DD>-<20 hex>`, upstream's id format for scheduled tasks. */
export function databaseStatusTaskId(nowMs: number): string {
  return `dbstatus-${new Date(nowMs).toISOString().slice(0, 10)}-${randomBytes(10).toString("hex")}`;
}

/** Manual maintenance with checks disabled is the one state in which no DBSTATUS task runs. */
function checksWanted(deps: ControllerDeps, backend: string): boolean {
  const manual = isFlagSet(deps.flags.get(backend, FLAG.manualDbMaintenance)?.value);
  const disabled = isFlagSet(deps.flags.get(backend, FLAG.dbMaintenanceChecksDisabled)?.value);
  return !(manual && disabled);
}

/**
 * One backend's step: deactivate its tasks if checks are off; else create a task when none is
 * active and the last one finished at least an interval ago. Returns when the next one is due
 * (ms since epoch), or undefined when nothing is due until an event (a task completing, a flag).
 */
function scheduleBackend(deps: ControllerDeps, sink: ChangeSink, backend: string, nowMs: number): number | undefined {
  const active = deps.tasks.active(backend).filter((task) => task.type === "dbstatus");
  if (!checksWanted(deps, backend)) {
    const nowSeconds = Math.floor(nowMs / 1000);
    if (active.some((task) => deps.tasks.deactivate(task.id, nowSeconds))) sink.tasksChanged(backend);
    return undefined;
  }
  if (active.length > 0) return undefined;
  const last = deps.tasks.latestOfType(backend, "dbstatus");
  const intervalMs = deps.config.maintenancePollIntervalSeconds * 1000;
  if (last) {
    const dueAtMs = (last.finishedAt ?? last.createdAt) * 1000 + intervalMs;
    if (dueAtMs > nowMs) return dueAtMs;
  }
  deps.tasks.insert({
    id: databaseStatusTaskId(nowMs),
    backend,
    type: "dbstatus",
    jobId: null,
    definition: { database_name: "default", image: deps.config.databaseUtilsImage, args: [...deps.config.dbstatusArgs] },
    attributes: {},
    createdAt: Math.floor(nowMs / 1000),
  });
  sink.tasksChanged(backend);
  return undefined;
}

export class ScheduledTasks {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly deps: () => ControllerDeps,
    private readonly sink: ChangeSink,
    private readonly wake: () => void,
  ) {}

  /** One pass over the enabled backends, then a timer for the earliest next due task. */
  run(): void {
    if (this.stopped) return;
    const deps = this.deps();
    const known = new Set(deps.config.backends.map((backend) => backend.slug));
    const nowMs = deps.clock.nowMs();
    let nextDueMs: number | undefined;
    for (const backend of deps.config.maintenanceEnabledBackends.filter((slug) => known.has(slug))) {
      const due = deps.db.transaction(() => scheduleBackend(deps, this.sink, backend, nowMs))();
      if (due !== undefined) nextDueMs = Math.min(nextDueMs ?? due, due);
    }
    clearTimeout(this.timer);
    this.timer = undefined;
    if (nextDueMs !== undefined) {
      // Task times are whole seconds; a few ms late is better than waking once too early.
      this.timer = setTimeout(() => this.wake(), Math.max(0, nextDueMs - nowMs) + 5);
      this.timer.unref();
    }
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}
