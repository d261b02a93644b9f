/**
 * Scheduled tasks (upstream's update_scheduled_tasks, reference/jobrunner.md §4.11): every
 * MAINTENANCE_POLL_INTERVAL seconds each backend in MAINTENANCE_ENABLED_BACKENDS gets a DBSTATUS task
 * asking its agent whether the database is in maintenance, and every DATA_CHECK_POLL_INTERVAL seconds
 * each backend in DATA_CHECK_ENABLED_BACKENDS gets a DBDATACHECK (the HES cut-off check, whose result
 * is only stored). The scheduler runs this pass after every job pass; a timer wakes the scheduler
 * when the next task falls due, so nothing polls.
 */
import { randomBytes } from "node:crypto";
import type { ControllerDeps } from "../deps.js";
import type { TaskType } from "../jobs/job.js";
import { DB_MAINTENANCE_MODE, FLAG, isFlagSet } from "../jobs/backend-flags.js";
import type { DatabaseTaskDefinition } from "../jobs/task-definition.js";
import type { ChangeSink } from "./job-transitions.js";

/** `<type>-<YYYY-MM-DD>-<20 hex>`, upstream's id format for scheduled tasks. */
export function scheduledTaskId(type: TaskType, nowMs: number): string {
  return `${type}-${new Date(nowMs).toISOString().slice(0, 10)}-${randomBytes(10).toString("hex")}`;
}

export function databaseStatusTaskId(nowMs: number): string {
  return scheduledTaskId("dbstatus", nowMs);
}

/** One kind of regularly scheduled task. */
interface RegularTask {
  readonly type: TaskType;
  readonly backends: (deps: ControllerDeps) => readonly string[];
  readonly intervalSeconds: (deps: ControllerDeps) => number;
  /** While false, no task of this kind runs and active ones are withdrawn. */
  readonly wanted: (deps: ControllerDeps, backend: string) => boolean;
  readonly definition: (deps: ControllerDeps) => DatabaseTaskDefinition;
}

const REGULAR_TASKS: readonly RegularTask[] = [
  {
    type: "dbstatus",
    backends: (deps) => deps.config.maintenanceEnabledBackends,
    intervalSeconds: (deps) => deps.config.maintenancePollIntervalSeconds,
    wanted: (deps, backend) => checksWanted(deps, backend),
    definition: (deps) => ({
      kind: "database",
      databaseName: "default",
      image: deps.config.databaseUtilsImage,
      args: [...deps.config.dbstatusArgs],
      hesExpectedActivityMonth: "",
    }),
  },
  {
    type: "dbdatacheck",
    backends: (deps) => deps.config.dataCheckEnabledBackends,
    intervalSeconds: (deps) => deps.config.dataCheckPollIntervalSeconds,
    // Suspended while the database is in maintenance, as upstream.
    wanted: (deps, backend) => deps.flags.get(backend, FLAG.mode)?.value !== DB_MAINTENANCE_MODE,
    definition: (deps) => ({
      kind: "database",
      databaseName: "default",
      image: deps.config.databaseUtilsImage,
      args: [],
      hesExpectedActivityMonth: deps.config.dataCheckHesExpectedActivityMonth,
    }),
  },
];

/** Manual maintenance with checks disabled is the one state in which no DBSTATUS task runs. */
function checksWanted(deps: ControllerDeps, backend: string): boolean {
  const manual = isFlagSet(deps.flags.get(backend, FLAG.manualDbMaintenance)?.value);
  const disabled = isFlagSet(deps.flags.get(backend, FLAG.dbMaintenanceChecksDisabled)?.value);
  return !(manual && disabled);
}

/**
 * One backend's step for one kind: withdraw its tasks if unwanted; else create a task when none is
 * active and the last one finished at least an interval ago. Returns when the next one is due
 * (ms since epoch), or undefined when nothing is due until an event (a task completing, a flag).
 */
function scheduleBackend(
  deps: ControllerDeps,
  sink: ChangeSink,
  kind: RegularTask,
  backend: string,
  nowMs: number,
): number | undefined {
  // Ids only: this runs after every scheduling round, and reading the tasks whole parsed and
  // checked each definition every time.
  const active = deps.tasks.activeIdsOfType(backend, kind.type);
  if (!kind.wanted(deps, backend)) {
    const nowSeconds = Math.floor(nowMs / 1000);
    if (active.some((id) => deps.tasks.deactivate(id, nowSeconds))) sink.tasksChanged(backend);
    return undefined;
  }
  if (active.length > 0) return undefined;
  const last = deps.tasks.latestOfType(backend, kind.type);
  const intervalMs = kind.intervalSeconds(deps) * 1000;
  if (last) {
    const dueAtMs = (last.finishedAt ?? last.createdAt) * 1000 + intervalMs;
    if (dueAtMs > nowMs) return dueAtMs;
  }
  deps.tasks.insert({
    id: scheduledTaskId(kind.type, nowMs),
    backend,
    type: kind.type,
    jobId: null,
    definition: kind.definition(deps),
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
    for (const kind of REGULAR_TASKS) {
      for (const backend of kind.backends(deps).filter((slug) => known.has(slug))) {
        const due = deps.db.transaction(() => scheduleBackend(deps, this.sink, kind, backend, nowMs))();
        if (due !== undefined) nextDueMs = Math.min(nextDueMs ?? due, due);
      }
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
