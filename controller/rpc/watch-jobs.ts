/**
 * RapService.WatchJobs: the jobs of the named RAPs, first as they are, then each time one changes,
 * for as long as the client listens. Changes come from the scheduler through JobEvents, so nothing
 * polls. Scoped as rap/status is: only jobs on the token's backends.
 */
import type { ControllerDeps } from "../deps.js";
import type { Job } from "../jobs/job.js";
import type { JobEvents } from "../rap/job-events.js";
import { jobsStatus, toApiJob, type ApiJob } from "../rap/jobs-status.js";

export interface JobsUpdate {
  readonly jobs: readonly ApiJob[];
  readonly unrecognisedRapIds: readonly string[];
}

export async function* watchJobs(
  deps: ControllerDeps,
  events: JobEvents,
  backends: readonly string[],
  rapIds: readonly string[],
  signal: AbortSignal,
): AsyncGenerator<JobsUpdate> {
  const wanted = new Set(rapIds);
  const changed = new Map<string, Job>();
  let closed = false;
  let wake: (() => void) | undefined;
  // Subscribed before the first snapshot is read, so no change can fall between the two.
  const unsubscribe = events.subscribe({
    jobsChanged: (jobs) => {
      for (const job of jobs) if (wanted.has(job.rapId) && backends.includes(job.backend)) changed.set(job.id, job);
      if (changed.size > 0) wake?.();
    },
    closed: () => {
      closed = true;
      wake?.();
    },
  });
  const onAbort = () => wake?.();
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    const first = jobsStatus(deps, backends, rapIds);
    // What the client last saw of each job, so a change it has already seen is not sent again.
    const sent = new Map(first.jobs.map((job) => [job.identifier, JSON.stringify(job)]));
    yield { jobs: first.jobs, unrecognisedRapIds: first.unrecognisedRapIds };
    for (;;) {
      while (changed.size === 0 && !closed && !signal.aborted) await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
      if (closed || signal.aborted) return;
      const jobs: ApiJob[] = [];
      for (const id of changed.keys()) {
        const stored = deps.jobs.get(id);
        if (!stored) continue;
        const job = toApiJob(deps, stored);
        const text = JSON.stringify(job);
        if (sent.get(id) === text) continue;
        sent.set(id, text);
        jobs.push(job);
      }
      changed.clear();
      if (jobs.length > 0) yield { jobs, unrecognisedRapIds: [] };
    }
  } finally {
    signal.removeEventListener("abort", onAbort);
    unsubscribe();
  }
}
