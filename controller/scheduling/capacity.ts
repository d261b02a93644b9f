/**
 * Worker capacity per backend (reference/jobrunner.md §4.7): two pools, database and non-database,
 * each limited by the sum of the weights of its running jobs.
 */
import type { BackendConfig } from "../config.js";
import type { Job } from "../jobs/job.js";
import { poolKey } from "./ready-set.js";

/** What capacity accounting and resource weights read of a job. */
export type CapacityJob = Pick<Job, "backend" | "workspace" | "action" | "runCommand" | "requiresDb">;

/** A job's weight; 1 unless configured otherwise. */
export type WeightOf = (job: CapacityJob) => number;

export class Capacity {
  private readonly usage = new Map<string, number>();

  constructor(
    private readonly backends: ReadonlyMap<string, BackendConfig>,
    readonly weightOf: WeightOf,
    running: Iterable<CapacityJob>,
  ) {
    for (const job of running) this.add(job, weightOf(job));
  }

  private key(job: CapacityJob): string {
    return poolKey(job.backend, job.requiresDb);
  }

  private limit(backendSlug: string, requiresDb: boolean): number {
    const backend = this.backends.get(backendSlug);
    if (!backend) return 0;
    return requiresDb ? backend.maxDbWorkers : backend.maxWorkers;
  }

  fits(job: Job, weight: number): boolean {
    return this.fitsIn(job.backend, job.requiresDb, weight);
  }

  /** Whether a job of this weight would fit the backend's database or non-database pool now. */
  fitsIn(backend: string, requiresDb: boolean, weight: number): boolean {
    return (this.usage.get(poolKey(backend, requiresDb)) ?? 0) + weight <= this.limit(backend, requiresDb);
  }

  add(job: CapacityJob, weight: number): void {
    this.usage.set(this.key(job), (this.usage.get(this.key(job)) ?? 0) + weight);
  }
}
