/**
 * Bounded retries of a job whose task failed with an error that a new task might not repeat (a
 * runtime hiccup, a full disk). Upstream retries such a job with a new task on every loop, for ever;
 * here the n-th retry waits initial × 2^(n-1) (capped), and after the last allowed attempt the job
 * fails with job_error and the last reason, so every job ends and the task table stays bounded.
 */
import type { ControllerConfig } from "../config.js";
import type { ControllerDeps } from "../deps.js";
import type { Job, Task } from "../jobs/job.js";
import type { TaskError } from "../jobs/task-result.js";

export interface RetryState {
  /** RUNJOB tasks of the job that ended in a retryable failure. */
  readonly failures: number;
  /** When the next task may start (controller clock, ms); 0 when it may start now. */
  readonly retryAtMs: number;
}

function failedTasks(deps: ControllerDeps, job: Job): Task[] {
  return deps.tasks.forJob(job.id, "runjob").filter((task) => task.agentResult?.outcome === "failed");
}

/** Delay before the retry that follows `failures` failed attempts. */
export function retryDelayMs(config: ControllerConfig, failures: number): number {
  if (failures <= 0) return 0;
  return Math.min(config.jobRetryMaxDelayMs, config.jobRetryInitialDelayMs * 2 ** (failures - 1));
}

export function retryState(deps: ControllerDeps, job: Job): RetryState {
  const failed = failedTasks(deps, job);
  const last = failed.at(-1);
  if (!last || last.finishedAt === null) return { failures: failed.length, retryAtMs: 0 };
  return { failures: failed.length, retryAtMs: last.finishedAt * 1000 + retryDelayMs(deps.config, failed.length) };
}

/** Whether a job whose task just failed with `error` has used up its attempts (this one included). */
export function attemptsExhausted(deps: ControllerDeps, job: Job): boolean {
  return failedTasks(deps, job).length >= deps.config.jobMaxAttempts;
}

/** job_error's message for a job that ran out of attempts, with the last reason as job-server shows it. */
export function exhaustedReason(error: TaskError, attempts: number): string {
  const reason = error.message ? `${error.type}: ${error.message}` : error.type;
  return `${reason} (gave up after ${attempts} attempts)`;
}

/** Wakes each job once its backoff ends; one timer per job, never keeping the process alive. */
const wakeTimers = new WeakMap<ControllerDeps, Map<string, NodeJS.Timeout>>();

export function wakeAt(deps: ControllerDeps, jobId: string, atMs: number): void {
  let timers = wakeTimers.get(deps);
  if (!timers) wakeTimers.set(deps, (timers = new Map<string, NodeJS.Timeout>()));
  if (timers.has(jobId)) return;
  const timer = setTimeout(
    () => {
      timers.delete(jobId);
      deps.scheduler.jobsChanged([jobId]);
    },
    Math.max(0, atMs - deps.clock.nowMs()),
  );
  timer.unref();
  timers.set(jobId, timer);
}
