/** What a completed RUNJOB task means for its job (upstream's save_results, reference/jobrunner.md §4.9). */
import type { Job } from "../jobs/job.js";
import { DATABASE_EXIT_CODES, MESSAGES, type StatusCode } from "../jobs/status.js";
import type { TaskError, TaskResult } from "../jobs/task-result.js";

export interface Outcome {
  readonly code: StatusCode;
  readonly message: string;
}

/** A job that ran to its end: its exit code first, then the output checks. */
function finishedOutcome(job: Job, result: TaskResult): Outcome {
  const { exitCode } = result;
  if (exitCode !== 0) {
    let message: string = MESSAGES.nonzeroExit;
    if (result.statusMessage) message += `: ${result.statusMessage}`;
    else if (job.requiresDb && exitCode !== null && DATABASE_EXIT_CODES.has(exitCode)) {
      message += `: ${DATABASE_EXIT_CODES.get(exitCode)}`;
    }
    return { code: "nonzero_exit", message };
  }
  if (result.hasUnmatchedPatterns) return { code: "unmatched_patterns", message: MESSAGES.unmatchedPatterns };
  if (result.hasLevel4ExcludedFiles) return { code: "succeeded", message: MESSAGES.succeededWithExclusions };
  return { code: "succeeded", message: MESSAGES.succeeded };
}

/**
 * Upstream's "fatal job error" predicate is a test hook (an error mentioning test_job_failure); an
 * error the agent marks permanent is fatal too, since a new task would fail the same way.
 */
export function isFatalJobError(error: TaskError): boolean {
  return error.permanent || `${error.type} ${error.message}`.includes("test_job_failure");
}

/**
 * A fatal error ends the job at once with upstream's job_error code, its reason appended to the
 * message; any other error is retried with a new task. Retry bounds belong to the caller.
 */
function failedOutcome(error: TaskError): Outcome {
  if (!isFatalJobError(error)) return { code: "waiting_on_new_task", message: MESSAGES.waitingOnNewTask };
  const reason = error.message ? `${error.type}: ${error.message}` : error.type;
  return { code: "job_error", message: reason ? `${MESSAGES.jobError} ${reason}` : MESSAGES.jobError };
}

export function outcomeOf(job: Job, result: TaskResult): Outcome {
  switch (result.outcome) {
    case "failed":
      return failedOutcome(result.error);
    case "cancelled":
      // A RUNJOB task is cancelled only through its job, which the scheduler has already ended.
      return { code: "cancelled_by_user", message: MESSAGES.cancelledByUser };
    case "finished":
      return finishedOutcome(job, result);
  }
}
