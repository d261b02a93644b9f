/** A changed job as WatchJobs sends it, rendered once per change and shared by every watcher. */
import type { ControllerDeps } from "../deps.js";
import type { Job } from "../jobs/job.js";
import { toApiJob, type ApiJob } from "./jobs-status.js";

export interface RenderedJob {
  readonly job: Job;
  readonly api: ApiJob;
  /** The API job serialised: a watcher skips a change whose text it has already sent. */
  readonly text: string;
}

/** Re-reads the committed job and renders it; undefined if it no longer exists. */
export function renderJob(deps: ControllerDeps, changed: Job): RenderedJob | undefined {
  const job = deps.jobs.get(changed.id);
  if (!job) return undefined;
  const api = toApiJob(deps, job);
  return { job, api, text: JSON.stringify(api) };
}
