/**
 * A RUNJOB task (upstream's agent loop for one job, reference/jobrunner.md §5.6), driven by events
 * instead of a 1 s poll: each step starts from the executor's status, derived from the runtime and
 * the disk, so the same code resumes a job after an agent restart at whatever step it was.
 */
import { Stage } from "../gen/agent/v1/agent_pb.js";
import type { Executor, ExecutorFailure, JobDefinition, JobStatus } from "../runtime-drivers/index.js";
import type { Logger } from "./logger.js";
import type { TaskReporter } from "./task-reporter.js";

const nowNs = (): bigint => BigInt(Date.now()) * 1_000_000n;

/** Errors that will happen again however often the job is retried. */
const PERMANENT_ERRORS = new Set(["CheckoutError", "PrepareError", "MissingImageError", "UnsafeNameError"]);

/** An error as the task's outcome reports it: its class, its text, and whether a retry can help. */
export function describeFailure(error: unknown): ExecutorFailure {
  const type = error instanceof Error ? error.name : "Error";
  return { type, message: error instanceof Error ? error.message : String(error), permanent: PERMANENT_ERRORS.has(type) };
}

export async function runJob(
  executor: Executor,
  job: JobDefinition,
  reporter: TaskReporter,
  log: Logger,
  signal: AbortSignal,
  /** Waits until the agent may touch the job (its lease is held); false: stop without touching it. */
  hold: (signal: AbortSignal) => Promise<boolean> = () => Promise.resolve(!signal.aborted),
): Promise<void> {
  let status: JobStatus = await executor.getStatus(job, {}, signal);
  for (;;) {
    if (!(await hold(signal))) return;
    if (signal.aborted) return;
    switch (status.state) {
      case "finalized":
      case "error":
        reporter.status(status, true);
        return;
      case "unknown":
        reporter.stage(Stage.PREPARING, nowNs());
        try {
          status = await executor.prepare(job, signal);
        } catch (error) {
          if (signal.aborted) return;
          const failure = describeFailure(error);
          log.warn("job could not be prepared", { error: failure.message, type: failure.type });
          // Recorded as this task's outcome, so the controller sees a failure instead of a silent retry loop.
          await executor.finalize(job, { error: failure }, signal);
          await executor.cleanup(job, signal);
          status = await executor.getStatus(job, {}, signal);
          continue;
        }
        reporter.status(status);
        break;
      case "prepared":
        status = await executor.execute(job, signal);
        reporter.status(status);
        break;
      case "executing":
        status = await executor.waitForExit(job, signal);
        break;
      case "executed":
        reporter.stage(Stage.FINALIZING, nowNs());
        status = await executor.finalize(job, {}, signal);
        // The outcome is known: report it first, then tidy up. A crash in between leaves a
        // container that the next agent reaps at start (Executor.reapFinished).
        if (!(await hold(signal))) return;
        if (status.state === "finalized" || status.state === "error") reporter.status(status, true);
        await executor.cleanup(job, signal);
        return;
      case "preparing":
      case "finalizing":
        // Not derivable from disk; an executor never returns these.
        throw new Error(`executor returned transient state ${status.state}`);
    }
  }
}
