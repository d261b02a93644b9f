/**
 * Writes one job's status change and the task changes that go with it, in the caller's transaction.
 * Every write is a compare-and-swap on the job's previous code, so a racing writer loses cleanly.
 */
import type { ControllerDeps } from "../deps.js";
import { cancelTaskId } from "../jobs/ids.js";
import type { Job } from "../jobs/job.js";
import { applyStatusCode } from "../jobs/set-code.js";
import type { StatusCode } from "../jobs/status.js";
import { buildJobDefinition, type DefinitionContext } from "./job-definition.js";

export interface ChangeSink {
  /** A job's stored status changed (`previous`: what it was, when its status code changed). */
  jobChanged(job: Job, previous?: Job): void;
  /** The backend has new active tasks to push, or tasks were deactivated. */
  tasksChanged(backend: string): void;
}

/** Sets a status code; returns the stored job (unchanged if nothing was written). */
export function setCode(
  deps: ControllerDeps,
  sink: ChangeSink,
  job: Job,
  code: StatusCode,
  message: string,
  transitionAtMs?: number,
): Job {
  const change = applyStatusCode(job, code, message, deps.clock.nowMs(), transitionAtMs);
  if (change.kind === "unchanged") return job;
  if (change.kind === "heartbeat") {
    deps.jobs.touch(job.id, change.updatedAt);
    const touched = { ...job, updatedAt: change.updatedAt };
    // Watchers see the refresh too: it is how a client knows a long job is still alive.
    sink.jobChanged(touched);
    return touched;
  }
  if (!deps.jobs.compareAndSwap(job, change.job)) {
    throw new Error(`job ${job.id} changed underneath the scheduler (expected ${job.statusCode})`);
  }
  deps.log.info(message, { status: code, workspace: job.workspace, action: job.action, job_id: job.id, rap_id: job.rapId });
  sink.jobChanged(change.job, job);
  return change.job;
}

/** The job's current RUNJOB task (lexically greatest id), if any. */
export function currentRunTask(deps: ControllerDeps, job: Job) {
  return deps.tasks.forJob(job.id, "runjob").at(-1);
}

/**
 * Stops a job's active RUNJOB task: deactivate it and push a CANCELJOB task with a fresh
 * definition (upstream's cancel_job). No active task means nothing to stop.
 */
export function cancelRunTask(
  deps: ControllerDeps,
  sink: ChangeSink,
  job: Job,
  definitionContext: Omit<DefinitionContext, "taskId">,
): void {
  const task = currentRunTask(deps, job);
  if (!task?.active) return;
  const nowSeconds = Math.floor(deps.clock.nowMs() / 1000);
  deps.tasks.deactivate(task.id, nowSeconds);
  const id = cancelTaskId(task.id);
  if (deps.tasks.get(id)) return;
  deps.tasks.insert({
    id,
    backend: job.backend,
    type: "canceljob",
    jobId: job.id,
    definition: buildJobDefinition(job, { ...definitionContext, taskId: id }),
    attributes: task.attributes,
    createdAt: nowSeconds,
  });
  sink.tasksChanged(job.backend);
}
