/**
 * The event-driven scheduler. A create, a cancel, an agent update or a flag change calls wake();
 * the scheduler then runs once on the next turn of the event loop, however many wakes arrived. A
 * slow safety tick covers anything no event announces (the 60 s updated_at heartbeat).
 *
 * One run follows upstream's fair order (reference/jobrunner.md §4.3): running jobs first, then
 * pending jobs of workspaces with fewer running jobs, database jobs before others, oldest first.
 */
import type { ControllerDeps, SchedulerHandle } from "../deps.js";
import type { Job } from "../jobs/job.js";
import { Capacity, type WeightOf } from "./capacity.js";
import { handleJob, type BackendFlags } from "./handle-job.js";
import type { ChangeSink } from "./job-transitions.js";

function flagsFor(deps: ControllerDeps, backend: string): BackendFlags {
  return {
    paused: (deps.flags.get(backend, "paused")?.value ?? "").toLowerCase() === "true",
    dbMaintenance: deps.flags.get(backend, "mode")?.value === "db-maintenance",
  };
}

function workspaceKey(job: Job): string {
  return `${job.backend}\u0000${job.workspace}`;
}

/** Index of the next pending job by upstream's sort key. */
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

export class Scheduler implements SchedulerHandle {
  private scheduled = false;
  /** Further passes run after every job pass (scheduled DBSTATUS tasks). */
  private readonly passes: (() => void)[] = [];

  constructor(
    private readonly deps: () => ControllerDeps,
    private readonly sink: ChangeSink,
    private readonly weightOf: WeightOf = () => 1,
  ) {}

  wake(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.runSafely();
    });
  }

  /** Adds a pass that runs after each pass over the jobs. */
  addPass(pass: () => void): void {
    this.passes.push(pass);
  }

  /** Wakes on the safety tick until the signal aborts. */
  start(signal: AbortSignal): void {
    const timer = setInterval(() => this.wake(), this.deps().config.safetyTickMs);
    timer.unref();
    signal.addEventListener("abort", () => clearInterval(timer), { once: true });
    this.wake();
  }

  private runSafely(): void {
    try {
      this.runOnce();
      for (const pass of this.passes) pass();
    } catch (error) {
      // Upstream crash-loops the whole controller here; we log, keep serving, and retry on the next wake.
      this.deps().log.error("scheduler run failed", { error });
    }
  }

  /** One pass over every active job. Each job is handled in its own transaction. */
  runOnce(): void {
    const deps = this.deps();
    const backends = new Map(deps.config.backends.map((backend) => [backend.slug, backend]));
    const flags = new Map<string, BackendFlags>();
    const flagsOf = (slug: string) => {
      let found = flags.get(slug);
      if (!found) flags.set(slug, (found = flagsFor(deps, slug)));
      return found;
    };
    const active = deps.jobs.active();
    const runningPerWorkspace = new Map<string, number>();
    const handle = (job: Job, capacity: Capacity): Job | undefined => {
      const backend = backends.get(job.backend);
      if (!backend) return undefined;
      try {
        return deps.db.transaction(() => handleJob(deps, this.sink, backend, flagsOf(job.backend), job, capacity))();
      } catch (error) {
        deps.log.error("could not handle job", { job_id: job.id, rap_id: job.rapId, action: job.action, error });
        return undefined;
      }
    };

    const running = active.filter((job) => job.state === "running");
    const noCapacity = new Capacity(backends, this.weightOf, []);
    const stillRunning: Job[] = [];
    for (const job of running) {
      const after = handle(job, noCapacity) ?? job;
      if (after.state === "running") stillRunning.push(after);
    }
    for (const job of stillRunning) {
      runningPerWorkspace.set(workspaceKey(job), (runningPerWorkspace.get(workspaceKey(job)) ?? 0) + 1);
    }
    const capacity = new Capacity(backends, this.weightOf, stillRunning);
    const pending = active.filter((job) => job.state === "pending");
    while (pending.length > 0) {
      const [job] = pending.splice(nextPendingIndex(pending, runningPerWorkspace), 1);
      const after = job && handle(job, capacity);
      if (after?.state === "running") {
        runningPerWorkspace.set(workspaceKey(after), (runningPerWorkspace.get(workspaceKey(after)) ?? 0) + 1);
      }
    }
  }
}
