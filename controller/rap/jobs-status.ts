/** rap/status (reference/jobrunner.md §1.6): the jobs of the listed RAPs, in job-server's format. */
import type { ControllerDeps } from "../deps.js";
import type { Job } from "../jobs/job.js";

/** The 15 keys job-server reads, in upstream's order. Text fields are "" rather than null. */
export interface ApiJob {
  identifier: string;
  rap_id: string;
  backend: string;
  action: string;
  run_command: string;
  status: string;
  status_code: string;
  status_message: string;
  created_at: string;
  updated_at: string | null;
  started_at: string | null;
  completed_at: string | null;
  trace_context: Record<string, string>;
  metrics: Record<string, unknown>;
  requires_db: boolean;
}

/** Whole-second UTC timestamps as upstream renders them: `YYYY-MM-DDTHH:MM:SSZ`. */
export function isoSeconds(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** `job_metrics` from the latest RUNJOB task's agent result, as upstream reads them; `{}` when none. */
function metricsFor(deps: ControllerDeps, job: Job): Record<string, unknown> {
  return { ...deps.tasks.forJob(job.id, "runjob").at(-1)?.agentResult?.jobMetrics };
}

export function toApiJob(deps: ControllerDeps, job: Job): ApiJob {
  return {
    identifier: job.id,
    rap_id: job.rapId,
    backend: job.backend,
    action: job.action,
    run_command: job.runCommand,
    status: job.state,
    status_code: job.statusCode,
    status_message: job.statusMessage,
    created_at: isoSeconds(job.createdAt),
    updated_at: isoSeconds(job.updatedAt),
    started_at: job.startedAt === null ? null : isoSeconds(job.startedAt),
    completed_at: job.completedAt === null ? null : isoSeconds(job.completedAt),
    trace_context: { ...job.traceContext },
    metrics: metricsFor(deps, job),
    requires_db: job.requiresDb,
  };
}

export interface JobsStatus {
  readonly jobs: ApiJob[];
  readonly unrecognisedRapIds: string[];
}

/** Ids per query: SQLite refuses statements with more than 32766 parameters (upstream answers 500). */
const IDS_PER_QUERY = 500;

export function jobsStatus(deps: ControllerDeps, allowedBackends: readonly string[], rapIds: readonly string[]): JobsStatus {
  const unique = [...new Set(rapIds)];
  const jobs: Job[] = [];
  for (let start = 0; start < unique.length; start += IDS_PER_QUERY) {
    jobs.push(...deps.jobs.byRapIds(unique.slice(start, start + IDS_PER_QUERY), allowedBackends));
  }
  const seen = new Set(jobs.map((job) => job.rapId));
  return {
    jobs: jobs.map((job) => toApiJob(deps, job)),
    // Ids with jobs only on other backends are "unrecognised", so existence never leaks.
    unrecognisedRapIds: unique.filter((rapId) => !seen.has(rapId)),
  };
}
