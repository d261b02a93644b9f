/**
 * Jobs and agent reports written through the real stores, for scheduler tests (upstream's
 * job_factory, update_where and handle_task_update test helpers). Defaults follow upstream's
 * JOB_DEFAULTS: a pending `python:v2 myscript.py` job in workspace `workspace` on backend `test`.
 */
import type { ControllerDeps } from "../../controller/deps.js";
import { randomId } from "../../controller/jobs/ids.js";
import type { Job, Task } from "../../controller/jobs/job.js";
import type { JobDefinition } from "../../controller/jobs/task-definition.js";
import type { Stage, TaskError, TaskResult } from "../../controller/jobs/task-result.js";
import { MESSAGES, type State, type StatusCode } from "../../controller/jobs/status.js";

/** Inserts a job built from defaults plus `overrides`, timestamped by the deps' clock. */
export function insertJob(deps: ControllerDeps, overrides: Partial<Job> = {}): Job {
  const nowMs = deps.clock.nowMs();
  const nowSeconds = Math.floor(nowMs / 1000);
  const job: Job = {
    id: randomId(),
    rapId: randomId(),
    backend: "test",
    state: "pending",
    statusCode: "created",
    statusMessage: MESSAGES.created,
    repoUrl: "/repo",
    commit: "commit",
    branch: "main",
    workspace: "workspace",
    databaseName: "default",
    action: "action_name",
    actionRepoUrl: null,
    actionCommit: null,
    requiresOutputsFrom: [],
    waitForJobIds: [],
    runCommand: "python:v2 myscript.py",
    outputSpec: {},
    cancelled: false,
    createdAt: nowSeconds,
    updatedAt: nowSeconds,
    startedAt: null,
    completedAt: null,
    statusCodeUpdatedAtMs: nowMs,
    traceContext: {},
    requiresDb: false,
    user: "testuser",
    project: "project",
    orgs: ["org1", "org2"],
    analysisScope: {},
    ...overrides,
  };
  deps.jobs.insert(job);
  return job;
}

/** Forces a stored job's state (and optionally code), as upstream's tests do with update_where. */
export function forceState(deps: ControllerDeps, id: string, state: State, statusCode?: StatusCode): Job {
  const job = deps.jobs.get(id);
  if (!job) throw new Error(`no job ${id}`);
  const next = { ...job, state, statusCode: statusCode ?? job.statusCode };
  if (!deps.jobs.compareAndSwap(job, next)) throw new Error(`job ${id} changed while forcing its state`);
  return next;
}

/** The stored job (throws if missing). */
export function reload(deps: ControllerDeps, id: string): Job {
  const job = deps.jobs.get(id);
  if (!job) throw new Error(`no job ${id}`);
  return job;
}

/** Records an agent report for a task through the same store call the agent stream makes. */
export function reportTask(
  deps: ControllerDeps,
  taskId: string,
  report: { stage: Stage | null; complete: boolean; result?: TaskResult; timestampNs?: bigint },
): void {
  const task = deps.tasks.get(taskId);
  if (!task) throw new Error(`no task ${taskId}`);
  const stored = deps.db.transaction(() =>
    deps.tasks.recordReport(
      {
        taskId,
        seq: task.lastSeq + 1,
        stage: report.stage,
        complete: report.complete,
        timestampNs: report.timestampNs ?? null,
        result: report.result ?? null,
      },
      Math.floor(deps.clock.nowMs() / 1000),
    ),
  )();
  if (!stored) throw new Error(`report for ${taskId} was not stored`);
}

const RESULT_DEFAULTS = {
  exitCode: 0,
  statusMessage: "message",
  hasUnmatchedPatterns: false,
  hasLevel4ExcludedFiles: false,
  jobMetrics: null,
  databaseStatus: "",
} as const;

/** A job that ran to its end (upstream's job_task_results_factory defaults). */
export function taskResults(overrides: Partial<Omit<TaskResult, "outcome" | "error">> = {}): TaskResult {
  return { ...RESULT_DEFAULTS, ...overrides, outcome: "finished", error: null };
}

/** A task the agent could not do. */
export function failedTaskResult(error: TaskError): TaskResult {
  return { ...RESULT_DEFAULTS, exitCode: null, statusMessage: "", outcome: "failed", error };
}

/** A database check that answered `status`. */
export function databaseResult(status: string): TaskResult {
  return { ...RESULT_DEFAULTS, exitCode: null, statusMessage: "", databaseStatus: status, outcome: "finished", error: null };
}

/** The JobDefinition of a RUNJOB or CANCELJOB task (throws for database tasks). */
export function jobDefinitionOf(task: Task | undefined): JobDefinition {
  if (task?.definition.kind !== "job") throw new Error(`task ${task?.id} has no job definition`);
  return task.definition;
}
