/**
 * Fan-out of job status changes to live watchers (RapService.WatchJobs), so clients follow jobs as
 * they change instead of polling. The scheduler reports a change from inside its store transaction;
 * delivery waits for a microtask, by which time that synchronous transaction has committed. Changes
 * made in one turn are delivered together, each job once. Watchers are indexed by the RAP ids they
 * follow, and each changed job is rendered once (re-read and serialised) and shared by all of them,
 * so a hundred watchers of the same jobs cost one rendering per change, not a hundred.
 */
import type { Job } from "../jobs/job.js";

export interface JobWatcher<Rendered> {
  /** The RAPs whose jobs this watcher follows; absent: every job (the dashboard's view). */
  readonly rapIds?: ReadonlySet<string>;
  /** Jobs that changed, as rendered once for every watcher. */
  jobsChanged(jobs: readonly Rendered[]): void;
  /** The hub closed (the controller is stopping). */
  closed(): void;
}

export class JobEvents<Rendered> {
  private readonly watchers = new Set<JobWatcher<Rendered>>();
  private readonly byRapId = new Map<string, Set<JobWatcher<Rendered>>>();
  private readonly ofEveryJob = new Set<JobWatcher<Rendered>>();
  private pending = new Map<string, Job>();
  private isClosed = false;

  /** `render` turns a changed job into what watchers receive (undefined: nothing to send). */
  constructor(private readonly render: (job: Job) => Rendered | undefined) {}

  get watcherCount(): number {
    return this.watchers.size;
  }

  /** Records a change; safe to call inside a transaction. */
  publish(job: Job): void {
    if (this.isClosed || (this.ofEveryJob.size === 0 && !this.byRapId.has(job.rapId))) return;
    if (this.pending.size === 0) queueMicrotask(() => this.flush());
    this.pending.set(job.id, job);
  }

  /** Adds a watcher; returns the function that removes it. */
  subscribe(watcher: JobWatcher<Rendered>): () => void {
    if (this.isClosed) {
      watcher.closed();
      return () => undefined;
    }
    this.watchers.add(watcher);
    if (!watcher.rapIds) this.ofEveryJob.add(watcher);
    for (const rapId of watcher.rapIds ?? []) {
      let set = this.byRapId.get(rapId);
      if (!set) this.byRapId.set(rapId, (set = new Set()));
      set.add(watcher);
    }
    return () => {
      this.watchers.delete(watcher);
      this.ofEveryJob.delete(watcher);
      for (const rapId of watcher.rapIds ?? []) {
        const set = this.byRapId.get(rapId);
        set?.delete(watcher);
        if (set?.size === 0) this.byRapId.delete(rapId);
      }
    };
  }

  /** Ends every watch (the controller is stopping). */
  close(): void {
    this.isClosed = true;
    this.pending.clear();
    for (const watcher of this.watchers) watcher.closed();
    this.watchers.clear();
    this.ofEveryJob.clear();
    this.byRapId.clear();
  }

  private flush(): void {
    const jobs = [...this.pending.values()];
    this.pending = new Map();
    const batches = new Map<JobWatcher<Rendered>, Rendered[]>();
    for (const job of jobs) {
      const watchers = [...(this.byRapId.get(job.rapId) ?? []), ...this.ofEveryJob];
      if (watchers.length === 0) continue;
      const rendered = this.render(job);
      if (rendered === undefined) continue;
      for (const watcher of watchers) {
        let batch = batches.get(watcher);
        if (!batch) batches.set(watcher, (batch = []));
        batch.push(rendered);
      }
    }
    for (const [watcher, batch] of batches) watcher.jobsChanged(batch);
  }
}
