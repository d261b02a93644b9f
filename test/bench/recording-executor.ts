/**
 * An executor for benchmarks: records when the agent first touches each job, then delegates to a
 * real executor, or, with none, reports the job finished at once (pure controller + stream cost).
 */
import { performance } from "node:perf_hooks";
import type { Executor, JobDefinition, JobStatus } from "../../runtime-drivers/index.js";

export /** Records when the agent first touches each job, then delegates (or finishes at once). */
function recording(inner: Executor | undefined, heldAt: Map<string, number>, finished: Set<string>): Executor {
  const done = (job: JobDefinition): JobStatus => ({
    state: "finalized",
    timestampNs: BigInt(Date.now()) * 1_000_000n,
    results: { exit_code: 0, status_message: "Completed successfully", job_definition_id: job.id },
  });
  const note = (job: JobDefinition) => {
    if (!heldAt.has(job.id)) heldAt.set(job.id, performance.now());
  };
  return {
    driver: inner?.driver ?? "noop",
    getStatus: async (job, options, signal) => {
      note(job);
      if (!inner) {
        finished.add(job.id);
        return done(job);
      }
      const status = await inner.getStatus(job, options, signal);
      if (status.state === "finalized" || status.state === "error") finished.add(job.id);
      return status;
    },
    prepare: (job, signal) => inner!.prepare(job, signal),
    runDatabaseCheck: (request, signal) => inner!.runDatabaseCheck(request, signal),
    execute: (job, signal) => inner!.execute(job, signal),
    waitForExit: (job, signal) => inner!.waitForExit(job, signal),
    finalize: async (job, options, signal) => {
      const status = await inner!.finalize(job, options, signal);
      if (status.state === "finalized" || status.state === "error") finished.add(job.id);
      return status;
    },
    terminate: (job, signal) => inner!.terminate(job, signal),
    cleanup: (job, signal) => inner!.cleanup(job, signal),
    listJobIds: (signal) => inner?.listJobIds(signal) ?? Promise.resolve([]),
    sampleMetrics: (signal) => inner?.sampleMetrics(signal) ?? Promise.resolve(),
    reapFinished: (signal) => inner?.reapFinished(signal) ?? Promise.resolve([]),
  };
}
