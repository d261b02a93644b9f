/**
 * One job's step of the scheduler (upstream's handle_job, reference/jobrunner.md §4.4), evaluated
 * in order: cancelled, paused, database maintenance, pending, running. Synchronous: the caller runs
 * it inside a transaction.
 */
import type { BackendConfig } from "../config.js";
import type { ControllerDeps } from "../deps.js";
import { runJobTaskId } from "../jobs/ids.js";
import type { Job } from "../jobs/job.js";
import { AGENT_STAGE_CODES, MESSAGES } from "../jobs/status.js";
import { type Capacity } from "./capacity.js";
import type { DigestLookup } from "../images/image-digests.js";
import { buildJobDefinition, jobImage, taskAttributes } from "./job-definition.js";
import { cancelRunTask, currentRunTask, setCode, type ChangeSink } from "./job-transitions.js";
import { outcomeOf } from "./outcome.js";
import { attemptsExhausted, exhaustedReason, retryState, wakeAt } from "./retry-policy.js";

export interface BackendFlags {
  readonly paused: boolean;
  readonly dbMaintenance: boolean;
}

/** Latest uncancelled job id per needed action, at task-creation time (even one without outputs yet). */
function inputJobIds(deps: ControllerDeps, job: Job): string[] {
  // Most jobs need no outputs: then the workspace's jobs need not be read.
  if (job.requiresOutputsFrom.length === 0) return [];
  const latest = deps.jobs.latestPerAction(job.backend, job.workspace);
  return job.requiresOutputsFrom.flatMap((action) => {
    const found = latest.get(action);
    return found ? [found.id] : [];
  });
}

/** What a task definition for this job needs besides its task id (also used by admin kill and reboot). */
export function definitionContext(deps: ControllerDeps, backend: BackendConfig, job: Job) {
  return { config: deps.config, backend, inputJobIds: inputJobIds(deps, job) };
}

function startJob(deps: ControllerDeps, sink: ChangeSink, backend: BackendConfig, job: Job, imageSha: string | null): Job {
  const previous = deps.tasks.forJob(job.id, "runjob");
  if (previous.some((task) => task.active)) throw new Error(`job ${job.id} already has an active task`);
  const taskId = runJobTaskId(job.id, previous.length + 1);
  deps.tasks.insert({
    id: taskId,
    backend: job.backend,
    type: "runjob",
    jobId: job.id,
    definition: buildJobDefinition(job, { ...definitionContext(deps, backend, job), taskId, imageSha }),
    attributes: taskAttributes(job),
    createdAt: Math.floor(deps.clock.nowMs() / 1000),
  });
  sink.tasksChanged(job.backend);
  return setCode(deps, sink, job, "initiated", MESSAGES.initiated);
}

/** The digest the new task will name: null when resolution is off (the agent then runs the tag). */
function imageDigest(deps: ControllerDeps, job: Job): DigestLookup | { kind: "known"; digest: null } {
  if (!deps.imageDigests) return { kind: "known", digest: null };
  return deps.imageDigests.lookup(jobImage(deps.config, job), job.id);
}

/** Where a pending job's dependencies stand: one failed, some still to finish, or all succeeded. */
function dependencyState(deps: ControllerDeps, job: Job): "failed" | "waiting" | "done" {
  const states = deps.jobs.statesById(job.waitForJobIds);
  const awaited = job.waitForJobIds.map((id) => states.get(id));
  if (awaited.some((state) => state === "failed")) return "failed";
  if (awaited.some((state) => state !== "succeeded")) return "waiting";
  return "done";
}

/**
 * Whether handleJob, given this job now, would come to the capacity check: the scheduler keeps
 * such jobs in its ready set, and only they can start. Mirrors the order of checks below.
 */
export function awaitsOnlyCapacity(deps: ControllerDeps, flags: BackendFlags, job: Job): boolean {
  if (job.state !== "pending" || job.cancelled || flags.paused) return false;
  if (flags.dbMaintenance && job.requiresDb) return false;
  if (job.statusCode === "waiting_on_new_task" && retryState(deps, job).retryAtMs > deps.clock.nowMs()) return false;
  return dependencyState(deps, job) === "done";
}

function handlePending(deps: ControllerDeps, sink: ChangeSink, backend: BackendConfig, job: Job, capacity: Capacity): Job {
  const dependencies = dependencyState(deps, job);
  if (dependencies === "failed") return setCode(deps, sink, job, "dependency_failed", MESSAGES.dependencyFailed);
  if (dependencies === "waiting") {
    return setCode(deps, sink, job, "waiting_on_dependencies", MESSAGES.waitingOnDependencies);
  }
  if (job.statusCode === "waiting_on_new_task") {
    // A retry waits out its backoff first; a timer brings the job back when it is over.
    const { retryAtMs } = retryState(deps, job);
    if (retryAtMs > deps.clock.nowMs()) {
      wakeAt(deps, job.id, retryAtMs);
      return job;
    }
  }
  const weight = capacity.weightOf(job);
  if (!capacity.fits(job, weight)) {
    if (job.requiresDb) return setCode(deps, sink, job, "waiting_on_db_workers", MESSAGES.waitingOnDbWorkers);
    const message = MESSAGES.waitingOnWorkers + (weight > 1 ? MESSAGES.resourceIntensiveSuffix : "");
    return setCode(deps, sink, job, "waiting_on_workers", message);
  }
  const image = imageDigest(deps, job);
  // The registry is being asked: the job is handed back to the scheduler with the answer.
  if (image.kind === "waiting") return job;
  if (image.kind === "missing") {
    return setCode(deps, sink, job, "job_error", `${MESSAGES.jobError} ${MESSAGES.imageMissing} (${image.reason})`);
  }
  const started = startJob(deps, sink, backend, job, image.digest);
  capacity.add(started, weight);
  return started;
}

function handleRunning(deps: ControllerDeps, sink: ChangeSink, job: Job): Job {
  const task = currentRunTask(deps, job);
  if (!task) throw new Error(`running job ${job.id} has no RUNJOB task`);
  const transitionAtMs = task.agentTimestampNs === null ? undefined : Number(task.agentTimestampNs / 1_000_000n);
  if (task.agentComplete && task.agentResult) {
    const result = task.agentResult;
    const outcome = outcomeOf(job, result);
    if (outcome.code === "waiting_on_new_task" && result.outcome === "failed" && attemptsExhausted(deps, job)) {
      const message = `${MESSAGES.jobError} ${exhaustedReason(result.error, deps.config.jobMaxAttempts)}`;
      return setCode(deps, sink, job, "job_error", message, transitionAtMs);
    }
    return setCode(deps, sink, job, outcome.code, outcome.message, transitionAtMs);
  }
  const stageCode = task.agentStage === null ? undefined : AGENT_STAGE_CODES.get(task.agentStage);
  if (stageCode !== undefined) {
    // While running, the message stays "Job executing on the backend"; only the code follows the agent.
    return setCode(deps, sink, job, stageCode, job.statusMessage, transitionAtMs);
  }
  return setCode(deps, sink, job, job.statusCode, job.statusMessage);
}

export function handleJob(
  deps: ControllerDeps,
  sink: ChangeSink,
  backend: BackendConfig,
  flags: BackendFlags,
  job: Job,
  capacity: Capacity,
): Job {
  if (job.cancelled) {
    cancelRunTask(deps, sink, job, definitionContext(deps, backend, job));
    return setCode(deps, sink, job, "cancelled_by_user", MESSAGES.cancelledByUser);
  }
  if (flags.paused && job.state === "pending") {
    // Jobs reset for a reboot keep their code, so operators can see which ones they were.
    const code = job.statusCode === "waiting_on_reboot" ? job.statusCode : "paused";
    return setCode(deps, sink, job, code, code === "paused" ? MESSAGES.paused : job.statusMessage);
  }
  if (flags.dbMaintenance && job.requiresDb) {
    if (job.state === "running") cancelRunTask(deps, sink, job, definitionContext(deps, backend, job));
    return setCode(deps, sink, job, "waiting_db_maintenance", MESSAGES.waitingDbMaintenance);
  }
  if (job.state === "pending") return handlePending(deps, sink, backend, job, capacity);
  return handleRunning(deps, sink, job);
}
