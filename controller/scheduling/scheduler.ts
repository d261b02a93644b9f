/**
 * The event-driven, incremental scheduler. Callers say what changed (jobs created, cancelled or
 * updated by their agent; a backend's flags), and the scheduler examines only those jobs, their
 * dependants and the ready jobs of pools with room (scheduling-round.ts), so an event costs the same
 * with ten or ten thousand jobs waiting. Rounds run on a later turn of the event loop, however many
 * events arrived meanwhile, and are split into slices of a few milliseconds so that no request waits
 * behind them.
 *
 * A slow safety tick refreshes the updated_at of live jobs in bulk (the 60 s heartbeat clients
 * watch) and, every so many ticks, re-examines every active job from scratch, in slices too. wake()
 * asks for that same full re-examination at once: it is for callers that cannot say what changed.
 */
import type { ControllerDeps, SchedulerHandle } from "../deps.js";
import type { Job } from "../jobs/job.js";
import { HEARTBEAT_INTERVAL_SECONDS } from "../jobs/set-code.js";
import type { WeightOf } from "./capacity.js";
import type { ChangeSink } from "./job-transitions.js";
import { ReadySet } from "./ready-set.js";
import { schedulingRound, type SchedulerState } from "./scheduling-round.js";

/** How long one slice of a round may hold the event loop. */
const SLICE_MS = 8;
/** Jobs refreshed per statement by the bulk heartbeat. */
const REFRESH_BATCH = 500;
/** The full re-examination runs every this many safety ticks (5 minutes at the default 5 s tick). */
const FULL_PASS_EVERY_TICKS = 60;

export interface SchedulerOptions {
  /** Tests drive rounds themselves (runOnce, settle): nothing is scheduled on the event loop. */
  readonly manual?: boolean;
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export class Scheduler implements SchedulerHandle {
  private readonly state: SchedulerState = { ready: new ReadySet(), dependants: new Map() };
  private touched = new Set<string>();
  private touchedBackends = new Set<string>();
  private fullDue = true;
  private heartbeatDue = false;
  private pokes = 0;
  private driving = false;
  private scheduled = false;
  private stopped = false;
  private collecting: Set<string> | null = null;
  /** True while the scheduler itself writes, so its own changes are not fed back as events. */
  private writing = false;
  /** Further passes run after every round (scheduled DBSTATUS tasks). */
  private readonly passes: (() => void)[] = [];
  /** The sink every scheduler write reports to, with the scheduler's own bookkeeping in front. */
  private readonly ownSink: ChangeSink;

  constructor(
    private readonly deps: () => ControllerDeps,
    sink: ChangeSink,
    private readonly weightOf: WeightOf = () => 1,
    private readonly options: SchedulerOptions = {},
  ) {
    this.ownSink = {
      jobChanged: (job, previous) => {
        sink.jobChanged(job, previous);
        this.jobStored(job);
      },
      tasksChanged: (backend) => sink.tasksChanged(backend),
    };
  }

  /** Re-examine every active job (for callers that cannot say what changed). */
  wake(): void {
    this.fullDue = true;
    this.kick();
  }

  jobsChanged(ids: Iterable<string>): void {
    for (const id of ids) this.touched.add(id);
    this.kick();
  }

  backendChanged(backend: string): void {
    this.touchedBackends.add(backend);
    this.kick();
  }

  /** Runs the extra passes soon even if no job changed (a scheduled task fell due). */
  poke(): void {
    this.pokes++;
    this.kick();
  }

  /**
   * Every stored job change, whoever made it (the scheduler, admin commands): a job that ends
   * brings its dependants up for examination, and a live job changed by someone else is examined.
   */
  jobStored(job: Job): void {
    if (job.state !== "pending") this.state.ready.remove(job.id);
    if (job.state === "succeeded" || job.state === "failed") {
      const waiting = this.state.dependants.get(job.id);
      this.state.dependants.delete(job.id);
      for (const id of waiting ?? []) (this.collecting ?? this.touched).add(id);
      if (waiting && !this.collecting) this.kick();
    } else if (!this.writing) {
      this.touched.add(job.id);
      this.kick();
    }
  }

  /** Adds a pass that runs after each round. */
  addPass(pass: () => void): void {
    this.passes.push(pass);
  }

  /** Ticks until the signal aborts; the first round (a full one) starts at once. */
  start(signal: AbortSignal): void {
    let ticks = 0;
    const timer = setInterval(() => {
      this.heartbeatDue = true;
      if (++ticks % FULL_PASS_EVERY_TICKS === 0) this.fullDue = true;
      this.kick();
    }, this.deps().config.safetyTickMs);
    timer.unref();
    signal.addEventListener(
      "abort",
      () => {
        this.stopped = true;
        clearInterval(timer);
      },
      { once: true },
    );
    this.kick();
  }

  /** Tests and tools: one full round now, synchronously (the decisions of one pass of upstream's loop). */
  runOnce(): void {
    this.fullDue = true;
    this.runRoundSync();
  }

  /** Tests: rounds until nothing is left to examine (bounded), then the bulk heartbeat. */
  settle(maxRounds = 100): number {
    let rounds = 0;
    while (this.hasWork() && rounds < maxRounds) {
      this.runRoundSync();
      rounds++;
    }
    this.refreshHeartbeats();
    return rounds;
  }

  /** Tests: jobs in the ready set (they wait only for a worker). */
  get readyCount(): number {
    return this.state.ready.size;
  }

  private hasWork(): boolean {
    return this.fullDue || this.touched.size > 0 || this.touchedBackends.size > 0 || this.pokes > 0;
  }

  private kick(): void {
    if (this.options.manual || this.scheduled || this.driving || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.drive();
    });
  }

  private async drive(): Promise<void> {
    if (this.driving) return;
    this.driving = true;
    try {
      while (!this.stopped && (this.hasWork() || this.heartbeatDue)) {
        // After a failed round the next safety tick tries again, rather than a tight loop of failures.
        if (this.hasWork() && !(await this.runRoundSliced())) break;
        if (this.heartbeatDue) await this.refreshHeartbeatsSliced();
      }
    } finally {
      this.driving = false;
    }
  }

  /** Takes what the next round must examine. */
  private takeRound() {
    const full = this.fullDue;
    const ids = this.touched;
    const backends = this.touchedBackends;
    this.fullDue = false;
    this.touched = new Set();
    this.touchedBackends = new Set();
    this.pokes = 0;
    const deps = this.deps();
    if (!full) for (const backend of backends) for (const job of deps.jobs.activeIdsOf(backend)) ids.add(job);
    const steps = schedulingRound(
      deps,
      this.ownSink,
      this.weightOf,
      this.state,
      { ids, full },
      {
        collect: (into) => (this.collecting = into),
        later: (id) => this.touched.add(id),
      },
    );
    return { full, steps };
  }

  private runRoundSync(): void {
    const { full, steps } = this.takeRound();
    this.guard(full, () => this.deps().db.transaction(() => this.writingDo(() => [...steps]))());
    this.runPasses();
  }

  /** Returns false if the round failed. */
  private async runRoundSliced(): Promise<boolean> {
    const { full, steps } = this.takeRound();
    const deps = this.deps();
    let done = false;
    while (!done && !this.stopped) {
      const until = performance.now() + SLICE_MS;
      // One transaction per slice: each job's own (nested) transaction is a savepoint inside it.
      const ok = this.guard(full, () =>
        deps.db.transaction(() =>
          this.writingDo(() => {
            while (!done && performance.now() < until) done = steps.next().done === true;
          }),
        )(),
      );
      if (!ok) return false;
      if (!done) await nextTurn();
    }
    this.runPasses();
    return true;
  }

  private async refreshHeartbeatsSliced(): Promise<void> {
    this.heartbeatDue = false;
    while (!this.stopped && this.refreshHeartbeatBatch() === REFRESH_BATCH) await nextTurn();
  }

  private refreshHeartbeats(): void {
    while (this.refreshHeartbeatBatch() === REFRESH_BATCH);
  }

  /** One bulk statement; watchers see each refreshed job as they saw the per-job refresh. */
  private refreshHeartbeatBatch(): number {
    const deps = this.deps();
    const nowSeconds = Math.floor(deps.clock.nowMs() / 1000);
    const refreshed = deps.jobs.refreshLive(nowSeconds, nowSeconds - HEARTBEAT_INTERVAL_SECONDS, REFRESH_BATCH);
    this.writingDo(() => {
      for (const job of refreshed) this.ownSink.jobChanged(job);
    });
    return refreshed.length;
  }

  private writingDo<T>(work: () => T): T {
    this.writing = true;
    try {
      return work();
    } finally {
      this.writing = false;
    }
  }

  private guard(full: boolean, work: () => void): boolean {
    try {
      work();
      return true;
    } catch (error) {
      // Upstream crash-loops the whole controller here; we log, keep serving, and look at everything again.
      this.deps().log.error("scheduler round failed", { error, full });
      this.fullDue = true;
      return false;
    }
  }

  private runPasses(): void {
    for (const pass of this.passes) {
      try {
        pass();
      } catch (error) {
        this.deps().log.error("scheduler pass failed", { error });
      }
    }
  }
}
