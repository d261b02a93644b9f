/**
 * The scheduler's specification: one from-scratch pass over every active job, exactly as upstream's
 * handle_jobs orders it (reference/jobrunner.md §4.3): running jobs first, then repeatedly the pending
 * job with the fewest running jobs in its workspace, database jobs first, oldest first, re-chosen
 * after every job. It is the straightforward quadratic loop the controller used before scheduling
 * became incremental; the equivalence test holds the incremental scheduler to its decisions.
 */
import type { ControllerDeps } from "../../controller/deps.js";
import type { Job } from "../../controller/jobs/job.js";
import { Capacity, type WeightOf } from "../../controller/scheduling/capacity.js";
import { handleJob } from "../../controller/scheduling/handle-job.js";
import type { ChangeSink } from "../../controller/scheduling/job-transitions.js";
import { flagsFor } from "../../controller/scheduling/scheduling-round.js";

function workspaceKey(job: Job): string {
  return `${job.backend}\u0000${job.workspace}`;
}

function nextPendingIndex(pending: readonly Job[], runningPerWorkspace: ReadonlyMap<string, number>): number {
  let best = 0;
  const key = (job: Job) => [runningPerWorkspace.get(workspaceKey(job)) ?? 0, job.requiresDb ? 0 : 1, job.createdAt] as const;
  for (let index = 1; index < pending.length; index++) {
    const a = key(pending[index]!);
    const b = key(pending[best]!);
    if (a[0] < b[0] || (a[0] === b[0] && (a[1] < b[1] || (a[1] === b[1] && a[2] < b[2])))) best = index;
  }
  return best;
}

export function fullPass(deps: ControllerDeps, sink: ChangeSink, weightOf: WeightOf): void {
  const backends = new Map(deps.config.backends.map((backend) => [backend.slug, backend]));
  const active = deps.jobs.active();
  const runningPerWorkspace = new Map<string, number>();
  const handle = (job: Job, capacity: Capacity): Job | undefined => {
    const backend = backends.get(job.backend);
    if (!backend) return undefined;
    try {
      return deps.db.transaction(() => handleJob(deps, sink, backend, flagsFor(deps, job.backend), job, capacity))();
    } catch {
      return undefined;
    }
  };
  const noCapacity = new Capacity(backends, weightOf, []);
  const stillRunning: Job[] = [];
  for (const job of active.filter((found) => found.state === "running")) {
    const after = handle(job, noCapacity) ?? job;
    if (after.state === "running") stillRunning.push(after);
  }
  for (const job of stillRunning) {
    runningPerWorkspace.set(workspaceKey(job), (runningPerWorkspace.get(workspaceKey(job)) ?? 0) + 1);
  }
  const capacity = new Capacity(backends, weightOf, stillRunning);
  const pending = active.filter((job) => job.state === "pending");
  while (pending.length > 0) {
    const [job] = pending.splice(nextPendingIndex(pending, runningPerWorkspace), 1);
    const after = job && handle(job, capacity);
    if (after?.state === "running") {
      runningPerWorkspace.set(workspaceKey(after), (runningPerWorkspace.get(workspaceKey(after)) ?? 0) + 1);
    }
  }
}
