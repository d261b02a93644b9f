/**
 * Worker capacity per backend (reference/jobrunner.md §4.7): two pools, database and non-database,
 * each limited by the sum of the weights of its running jobs.
 */
import type { BackendConfig } from "../config.js";
import type { Job } from "../jobs/job.js";

/** A job's weight; 1 unless configured otherwise. */
export type WeightOf = (job: Job) => number;

export class Capacity {
  private readonly usage = new Map<string, number>();

  constructor(
    private readonly backends: ReadonlyMap<string, BackendConfig>,
    readonly weightOf: WeightOf,
    running: Iterable<Job>,
  ) {
    for (const job of running) this.add(job, weightOf(job));
  }

  private key(job: Job): string {
    return `${job.backend}\u0000${job.requiresDb ? "db" : "job"}`;
  }

  private limit(job: Job): number {
    const backend = this.backends.get(job.backend);
    if (!backend) return 0;
    return job.requiresDb ? backend.maxDbWorkers : backend.maxWorkers;
  }

  fits(job: Job, weight: number): boolean {
    return (this.usage.get(this.key(job)) ?? 0) + weight <= this.limit(job);
  }

  add(job: Job, weight: number): void {
    this.usage.set(this.key(job), (this.usage.get(this.key(job)) ?? 0) + weight);
  }
}
