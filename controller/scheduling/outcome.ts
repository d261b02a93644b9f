/** What a completed RUNJOB task means for its job (upstream's save_results, reference/jobrunner.md §4.9). */
import type { Job } from "../jobs/job.js";
import { DATABASE_EXIT_CODES, MESSAGES, type StatusCode } from "../jobs/status.js";

export interface Outcome {
  readonly code: StatusCode;
  readonly message: string;
}

function exitCodeOf(results: Readonly<Record<string, unknown>>): number | null {
  const raw = results.exit_code;
  if (typeof raw === "number" && Number.isInteger(raw)) return raw;
  if (typeof raw === "string" && /^-?\d+$/.test(raw)) return Number(raw);
  return null;
}

export function outcomeOf(job: Job, results: Readonly<Record<string, unknown>>): Outcome {
  const exitCode = exitCodeOf(results);
  if (exitCode !== 0) {
    const detail = typeof results.status_message === "string" ? results.status_message : "";
    let message: string = MESSAGES.nonzeroExit;
    if (detail) message += `: ${detail}`;
    else if (job.requiresDb && exitCode !== null && DATABASE_EXIT_CODES.has(exitCode)) {
      message += `: ${DATABASE_EXIT_CODES.get(exitCode)}`;
    }
    return { code: "nonzero_exit", message };
  }
  if (results.has_unmatched_patterns === true) return { code: "unmatched_patterns", message: MESSAGES.unmatchedPatterns };
  if (results.has_level4_excluded_files === true) return { code: "succeeded", message: MESSAGES.succeededWithExclusions };
  return { code: "succeeded", message: MESSAGES.succeeded };
}

/** Upstream's "fatal job error" predicate is a test hook; everything else is retried with a new task. */
export function isFatalJobError(error: unknown): boolean {
  return JSON.stringify(error ?? null).includes("test_job_failure");
}
