/**
 * A CANCELJOB task (upstream's handle_cancel_job, reference/jobrunner.md §5.12): stop the container
 * if it runs, record "cancelled" metadata under the cancel task's id, remove the container and the
 * working directory, and report the final state. Every step is idempotent.
 */
import type { Executor, JobDefinition } from "../runtime-drivers/index.js";
import type { TaskReporter } from "./task-reporter.js";

export async function cancelJob(
  executor: Executor,
  job: JobDefinition,
  reporter: TaskReporter,
  signal: AbortSignal,
): Promise<void> {
  const initial = await executor.getStatus(job, { cancelled: true }, signal);
  reporter.status(initial);
  if (initial.state === "executing") {
    reporter.status(await executor.terminate(job, signal));
  }
  if (initial.state !== "finalized") await executor.finalize(job, { cancelled: true }, signal);
  await executor.cleanup(job, signal);
  reporter.status(await executor.getStatus(job, { cancelled: true }, signal), true);
}
