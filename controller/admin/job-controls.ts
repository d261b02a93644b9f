/**
 * Stopping one job by hand. Two verbs with different outcomes:
 *
 * - cancel: exactly the RAP API's cancel (the job is marked cancelled; the scheduler then stops
 *   its container and ends it as cancelled_by_user). Its action then counts as never run.
 * - kill: the container is stopped at once (a CANCELJOB task is pushed in the same transaction) and
 *   the job ends as killed_by_admin, a failure that stays in the workspace's history.
 *
 * Upstream's agent `kill_task` instead kills the container behind the controller's back, so the
 * job is re-run from scratch: a retry, not a stop. Ours never retries; to re-run, add the job again.
 */
import { backendBySlug } from "../config.js";
import type { ControllerDeps } from "../deps.js";
import type { Job } from "../jobs/job.js";
import { definitionContext } from "../scheduling/handle-job.js";
import { cancelRunTask, setCode, type ChangeSink } from "../scheduling/job-transitions.js";
import { AdminError } from "./admin-errors.js";

/** Upstream's message for killed_by_admin (job-server shows it verbatim). */
export const KILLED_BY_ADMIN_MESSAGE = "An OpenSAFELY admin manually killed this job";

function activeJob(deps: ControllerDeps, id: string): Job {
  const job = deps.jobs.get(id);
  if (!job) throw new AdminError("not_found", `no job with id '${id}'`);
  if (job.state !== "pending" && job.state !== "running") {
    throw new AdminError("failed_precondition", `job '${id}' has already finished (${job.statusCode})`);
  }
  return job;
}

/** Marks one active job cancelled; the scheduler, woken at once, stops it. */
export function cancelJobAsAdmin(deps: ControllerDeps, id: string): Job {
  const cancelled = deps.db.transaction(() => {
    const job = activeJob(deps, id);
    if (!job.cancelled) deps.jobs.markCancelled(job.rapId, [job.action], Math.floor(deps.clock.nowMs() / 1000));
    return deps.jobs.get(id)!;
  })();
  deps.log.info("job cancelled by admin", {
    job_id: id,
    rap_id: cancelled.rapId,
    action: cancelled.action,
    workspace: cancelled.workspace,
  });
  deps.scheduler.jobsChanged([id]);
  return cancelled;
}

/** Stops one active job's container (if it has one) and fails it as killed_by_admin. */
export function killJob(deps: ControllerDeps, sink: ChangeSink, id: string): Job {
  const killed = deps.db.transaction(() => {
    const job = activeJob(deps, id);
    const backend = backendBySlug(deps.config, job.backend);
    if (backend) cancelRunTask(deps, sink, job, definitionContext(deps, backend, job));
    return setCode(deps, sink, job, "killed_by_admin", KILLED_BY_ADMIN_MESSAGE);
  })();
  deps.scheduler.jobsChanged([id]);
  return killed;
}
