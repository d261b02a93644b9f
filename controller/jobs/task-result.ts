/**
 * What an agent reports about a task, as the controller stores and reads it: the stage a job
 * attempt is at, and the redacted result of a finished task. Converted from agent.v1 once, at the
 * agent stream's edge (controller/agents/agent-convert.ts).
 */

/** Upstream's ExecutorState values, in the order a job attempt passes through them. */
export const STAGES = ["unknown", "preparing", "prepared", "executing", "executed", "finalizing", "finalized", "error"] as const;
export type Stage = (typeof STAGES)[number];

export interface TaskError {
  /** The error's class, for operators: CheckoutError, PrepareError, … */
  readonly type: string;
  readonly message: string;
  /** Trying again cannot help: the job ends at once instead of being retried with a new task. */
  readonly permanent: boolean;
}

/** Upstream's job_metrics keys, in upstream's order (job-server receives them as `metrics`). */
export interface JobMetrics {
  readonly cpu_sample: number;
  readonly cpu_cumsum: number;
  readonly cpu_mean: number;
  readonly cpu_peak: number;
  readonly mem_mb_sample: number;
  readonly mem_mb_cumsum: number;
  readonly mem_mb_mean: number;
  readonly mem_mb_peak: number;
  readonly container_id: string;
}

interface ResultFields {
  /** The job's exit code; null when no container ran. */
  readonly exitCode: number | null;
  /** The executor's explanation of a failed run; "" when it has none or outputs went unmatched. */
  readonly statusMessage: string;
  readonly hasUnmatchedPatterns: boolean;
  readonly hasLevel4ExcludedFiles: boolean;
  readonly jobMetrics: JobMetrics | null;
  /** DBSTATUS / DBDATACHECK: the status the check reported. */
  readonly databaseStatus: string;
}

/** How a task ended: ran to its end, could not do its work (with why), or was cancelled. */
export type TaskResult =
  | (ResultFields & { readonly outcome: "finished"; readonly error: null })
  | (ResultFields & { readonly outcome: "failed"; readonly error: TaskError })
  | (ResultFields & { readonly outcome: "cancelled"; readonly error: null });
