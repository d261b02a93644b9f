/**
 * RapService.WatchJobs: the jobs of the named RAPs, first as they are, then each time one changes,
 * for as long as the client listens. Changes come from the scheduler through JobEvents, so nothing
 * polls. Scoped as rap/status is: only jobs on the token's backends.
 */
import { Wakeup } from "../../common/wakeup.js";
import type { ControllerDeps } from "../deps.js";
import type { JobEvents } from "../rap/job-events.js";
import { jobsStatus, type ApiJob } from "../rap/jobs-status.js";
import type { RenderedJob } from "../rap/rendered-job.js";

export interface JobsUpdate {
  readonly jobs: readonly ApiJob[];
  readonly unrecognisedRapIds: readonly string[];
}

export async function* watchJobs(
  deps: ControllerDeps,
  events: JobEvents<RenderedJob>,
  backends: readonly string[],
  rapIds: readonly string[],
  signal: AbortSignal,
): AsyncGenerator<JobsUpdate> {
  const wanted = new Set(rapIds);
  const changed = new Map<string, RenderedJob>();
  let closed = false;
  const changes = new Wakeup();
  // Subscribed before the first snapshot is read, so no change can fall between the two.
  const unsubscribe = events.subscribe({
    rapIds: wanted,
    jobsChanged: (jobs) => {
      for (const rendered of jobs) if (backends.includes(rendered.job.backend)) changed.set(rendered.job.id, rendered);
      if (changed.size > 0) changes.wake();
    },
    closed: () => {
      closed = true;
      changes.wake();
    },
  });
  try {
    const first = jobsStatus(deps, backends, rapIds);
    // What the client last saw of each job, so a change it has already seen is not sent again.
    const sent = new Map(first.jobs.map((job) => [job.identifier, JSON.stringify(job)]));
    yield { jobs: first.jobs, unrecognisedRapIds: first.unrecognisedRapIds };
    for (;;) {
      while (changed.size === 0 && !closed && !signal.aborted) await changes.wait(signal);
      if (closed || signal.aborted) return;
      const jobs: ApiJob[] = [];
      for (const [id, rendered] of changed) {
        if (sent.get(id) === rendered.text) continue;
        sent.set(id, rendered.text);
        jobs.push(rendered.api);
      }
      changed.clear();
      if (jobs.length > 0) yield { jobs, unrecognisedRapIds: [] };
    }
  } finally {
    unsubscribe();
  }
}
