/**
 * One round of the incremental scheduler: the decisions a full pass of upstream's loop would make
 * (reference/jobrunner.md §4.3), computed from the jobs an event touched instead of every active job.
 *
 * 1. Running jobs that were touched are handled first (results, stages, cancels, maintenance).
 *    Jobs that finish here bring their dependants into this round, as a full pass would see them.
 * 2. Touched pending jobs are checked; those that wait only for a worker join the ready set, the
 *    others get their status (paused, waiting on dependencies, cancelled, ...).
 * 3. The ready set is visited in upstream's fair order while any pool has room (fair-selection.ts).
 * 4. Touched ready jobs that did not start get their waiting status.
 *
 * A job that turns pending in step 1 (a retry, maintenance) waits for the next round, as it waits
 * for the next pass upstream. The round is a generator that yields after each job, so the driver
 * can split it across turns of the event loop; steps 3 and 4 see the database as it is then.
 */
import type { BackendConfig } from "../config.js";
import type { ControllerDeps } from "../deps.js";
import type { Job } from "../jobs/job.js";
import { Capacity, type WeightOf } from "./capacity.js";
import { selectInFairOrder, type VisitOutcome } from "./fair-selection.js";
import { awaitsOnlyCapacity, handleJob, type BackendFlags } from "./handle-job.js";
import type { ChangeSink } from "./job-transitions.js";
import { workspaceKeyOf, type ReadyEntry, type ReadySet } from "./ready-set.js";

export interface SchedulerState {
  readonly ready: ReadySet;
  /** Job id -> pending jobs that wait for it, so its end re-examines exactly those. */
  readonly dependants: Map<string, Set<string>>;
}

export interface RoundInput {
  /** Touched job ids (any state; finished or unknown ones are skipped). */
  readonly ids: Iterable<string>;
  /** Re-examine every active job and rebuild the in-memory state (start-up, the rare safety pass). */
  readonly full: boolean;
}

export interface RoundHooks {
  /** Set while the round handles running jobs: dependants of jobs that finish are collected here. */
  collect(into: Set<string> | null): void;
  /** A job to examine in the next round. */
  later(id: string): void;
}

const WAITING_CODES = new Set(["waiting_on_workers", "waiting_on_db_workers"]);

export function flagsFor(deps: ControllerDeps, backend: string): BackendFlags {
  return {
    paused: (deps.flags.get(backend, "paused")?.value ?? "").toLowerCase() === "true",
    dbMaintenance: deps.flags.get(backend, "mode")?.value === "db-maintenance",
  };
}

export function* schedulingRound(
  deps: ControllerDeps,
  sink: ChangeSink,
  weightOf: WeightOf,
  state: SchedulerState,
  input: RoundInput,
  hooks: RoundHooks,
): Generator<void, void, void> {
  const backends = new Map(deps.config.backends.map((backend) => [backend.slug, backend]));
  const guarded = <T>(job: Job, work: () => T): T | undefined => {
    try {
      return deps.db.transaction(work)();
    } catch (error) {
      deps.log.error("could not handle job", { job_id: job.id, rap_id: job.rapId, action: job.action, error });
      return undefined;
    }
  };

  let running: string[] = [];
  const pending = new Set<string>();
  if (input.full) {
    state.ready.clear();
    state.dependants.clear();
    for (const { id, state: jobState } of deps.jobs.activeIds()) {
      if (jobState === "running") running.push(id);
      else pending.add(id);
    }
  } else {
    for (const id of input.ids) {
      const found = deps.jobs.get(id);
      if (found?.state === "running") running.push(found.id);
      else if (found?.state === "pending") pending.add(found.id);
      else state.ready.remove(id);
    }
  }
  running = [...new Set(running)];
  yield;

  // 1. Running jobs. Dependants of those that finish join this round's pending jobs.
  const noCapacity = new Capacity(backends, weightOf, []);
  hooks.collect(pending);
  try {
    for (const id of running) {
      const job = deps.jobs.get(id);
      const backend = job && backends.get(job.backend);
      if (job?.state !== "running" || !backend) continue;
      const after = guarded(job, () => handleJob(deps, sink, backend, flagsFor(deps, job.backend), job, noCapacity));
      if (after?.state === "pending") hooks.later(id);
      yield;
    }
  } finally {
    hooks.collect(null);
  }

  // 2. Pending jobs: the ready set takes those that wait only for a worker.
  const touchedReady: ReadyEntry[] = [];
  for (const id of pending) {
    const found = deps.jobs.getWithRowid(id);
    const job = found?.job;
    const backend = job && backends.get(job.backend);
    if (!found || !job || job.state !== "pending" || !backend) {
      state.ready.remove(id);
      continue;
    }
    for (const needed of job.waitForJobIds) {
      let waiting = state.dependants.get(needed);
      if (!waiting) state.dependants.set(needed, (waiting = new Set()));
      waiting.add(id);
    }
    const flags = flagsFor(deps, job.backend);
    if (awaitsOnlyCapacity(deps, flags, job)) {
      const entry = readyEntry(job, found.rowid, weightOf(job));
      state.ready.add(entry);
      touchedReady.push(entry);
    } else {
      state.ready.remove(id);
      guarded(job, () => handleJob(deps, sink, backend, flags, job, noCapacity));
    }
    yield;
  }

  // 3 and 4 run in one go, from the database as it is now. With no job ready (touched ready jobs
  // are in the set) there is nothing to visit, and the running jobs need not be read.
  if (state.ready.size === 0) return;
  deps.db.transaction(() => startInFairOrder(deps, sink, weightOf, state.ready, backends, touchedReady, guarded))();
}

function readyEntry(job: Job, rowid: number, weight: number): ReadyEntry {
  return {
    id: job.id,
    backend: job.backend,
    workspaceKey: workspaceKeyOf(job),
    requiresDb: job.requiresDb,
    createdAt: job.createdAt,
    rowid,
    weight,
  };
}

function startInFairOrder(
  deps: ControllerDeps,
  sink: ChangeSink,
  weightOf: WeightOf,
  ready: ReadySet,
  backends: ReadonlyMap<string, BackendConfig>,
  touchedReady: readonly ReadyEntry[],
  guarded: <T>(job: Job, work: () => T) => T | undefined,
): void {
  const running = deps.jobs.runningForCapacity();
  const capacity = new Capacity(backends, weightOf, running);
  const runningPerWorkspace = new Map<string, number>();
  for (const job of running) {
    const key = workspaceKeyOf(job);
    runningPerWorkspace.set(key, (runningPerWorkspace.get(key) ?? 0) + 1);
  }
  const visit = (entry: ReadyEntry): VisitOutcome => {
    const job = deps.jobs.get(entry.id);
    const backend = job && backends.get(job.backend);
    if (job?.state !== "pending" || !backend) return "gone";
    const after = guarded(job, () => handleJob(deps, sink, backend, flagsFor(deps, job.backend), job, capacity));
    // A job that could not be handled (logged) stays where it was, as in a full pass.
    if (!after) return "waiting";
    if (after.state === "running") return "started";
    return after.state === "pending" && WAITING_CODES.has(after.statusCode) ? "waiting" : "gone";
  };
  const visited = selectInFairOrder(ready, {
    runningPerWorkspace,
    fits: (pool, weight) => capacity.fitsIn(pool.backend, pool.requiresDb, weight),
    visit,
  });
  // Touched ready jobs in pools with no room were not visited: they get their waiting status.
  for (const entry of touchedReady) {
    if (visited.has(entry.id) || !ready.has(entry.id)) continue;
    if (visit(entry) !== "waiting") ready.remove(entry.id);
  }
}
