/**
 * Fan-out of job status changes to live watchers (RapService.WatchJobs), so clients follow jobs as
 * they change instead of polling. The scheduler reports a change from inside its store transaction;
 * delivery waits for a microtask, by which time that synchronous transaction has committed. Changes
 * made in one turn are delivered together, each job once.
 */
import type { Job } from "../jobs/job.js";

export interface JobWatcher {
  /** Jobs that changed; watchers re-read the store for the committed state. */
  jobsChanged(jobs: readonly Job[]): void;
  /** The hub closed (the controller is stopping). */
  closed(): void;
}

export class JobEvents {
  private readonly watchers = new Set<JobWatcher>();
  private pending = new Map<string, Job>();
  private isClosed = false;

  get watcherCount(): number {
    return this.watchers.size;
  }

  /** Records a change; safe to call inside a transaction. */
  publish(job: Job): void {
    if (this.isClosed || this.watchers.size === 0) return;
    if (this.pending.size === 0) queueMicrotask(() => this.flush());
    this.pending.set(job.id, job);
  }

  /** Adds a watcher; returns the function that removes it. */
  subscribe(watcher: JobWatcher): () => void {
    if (this.isClosed) {
      watcher.closed();
      return () => undefined;
    }
    this.watchers.add(watcher);
    return () => this.watchers.delete(watcher);
  }

  /** Ends every watch (the controller is stopping). */
  close(): void {
    this.isClosed = true;
    this.pending.clear();
    for (const watcher of this.watchers) watcher.closed();
    this.watchers.clear();
  }

  private flush(): void {
    const jobs = [...this.pending.values()];
    this.pending = new Map();
    for (const watcher of this.watchers) watcher.jobsChanged(jobs);
  }
}
