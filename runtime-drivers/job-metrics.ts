/**
 * Per-job CPU and memory aggregates, as upstream's metrics (reference/jobrunner.md §5.10): samples
 * taken every few seconds are folded into sample/cumsum/mean/peak figures, kept in one JSON file per
 * job outside the job's working directory (so the job cannot touch them) and surviving agent restarts.
 * At finalize they become `job_metrics` in metadata.json, which reaches job-server as `metrics`.
 */
import { mkdir, readFile, rm } from "node:fs/promises";
import path from "node:path";
import { writeFileAtomic } from "./job-files/index.js";

export interface JobMetrics {
  cpu_sample: number;
  cpu_cumsum: number;
  cpu_mean: number;
  cpu_peak: number;
  mem_mb_sample: number;
  mem_mb_cumsum: number;
  mem_mb_mean: number;
  mem_mb_peak: number;
  container_id: string;
}

interface StoredMetrics {
  /** When the container started (the aggregate's zero). */
  readonly firstSeenMs: number;
  readonly lastSampleMs: number;
  readonly metrics: JobMetrics | undefined;
}

/**
 * Folds one sample into the aggregate. As upstream, a sample stands for the time since the previous
 * one, and a container's first sample for the time since the container started; a new container id
 * (the job was restarted) starts the aggregate again.
 */
export function foldSample(
  stored: StoredMetrics | undefined,
  sample: { cpuPercent: number; memoryBytes: number; containerId: string },
  nowMs: number,
  containerStartedAtMs: number,
): StoredMetrics {
  const previous: StoredMetrics =
    stored && stored.metrics?.container_id === sample.containerId
      ? stored
      : { firstSeenMs: containerStartedAtMs, lastSampleMs: containerStartedAtMs, metrics: undefined };
  const seconds = Math.max(0, (nowMs - previous.lastSampleMs) / 1000);
  const runtime = Math.max(seconds, (nowMs - previous.firstSeenMs) / 1000);
  const memoryMb = sample.memoryBytes / (1024 * 1024);
  const before = previous.metrics;
  const cpuCumsum = (before?.cpu_cumsum ?? 0) + seconds * sample.cpuPercent;
  const memCumsum = (before?.mem_mb_cumsum ?? 0) + seconds * memoryMb;
  return {
    firstSeenMs: previous.firstSeenMs,
    lastSampleMs: nowMs,
    metrics: {
      cpu_sample: sample.cpuPercent,
      cpu_cumsum: cpuCumsum,
      cpu_mean: runtime > 0 ? cpuCumsum / runtime : 0,
      cpu_peak: Math.max(before?.cpu_peak ?? 0, sample.cpuPercent),
      mem_mb_sample: memoryMb,
      mem_mb_cumsum: memCumsum,
      mem_mb_mean: runtime > 0 ? memCumsum / runtime : 0,
      mem_mb_peak: Math.max(before?.mem_mb_peak ?? 0, memoryMb),
      container_id: sample.containerId,
    },
  };
}

export class MetricsStore {
  constructor(private readonly dir: string) {}

  private file(jobId: string): string {
    return path.join(this.dir, `${jobId}.json`);
  }

  private async read(jobId: string): Promise<StoredMetrics | undefined> {
    try {
      return JSON.parse(await readFile(this.file(jobId), "utf8")) as StoredMetrics;
    } catch {
      return undefined;
    }
  }

  async record(
    jobId: string,
    sample: { cpuPercent: number; memoryBytes: number; containerId: string },
    nowMs: number,
    containerStartedAtMs: () => Promise<number>,
  ): Promise<void> {
    const stored = await this.read(jobId);
    const startedAt = stored?.metrics?.container_id === sample.containerId ? stored.firstSeenMs : await containerStartedAtMs();
    const next = foldSample(stored, sample, nowMs, startedAt);
    await mkdir(this.dir, { recursive: true });
    await writeFileAtomic(this.file(jobId), JSON.stringify(next));
  }

  /** The job's aggregate, or `{}` when no sample was taken (a job shorter than one interval). */
  async metricsFor(jobId: string): Promise<Record<string, unknown>> {
    return { ...(await this.read(jobId))?.metrics };
  }

  async forget(jobId: string): Promise<void> {
    await rm(this.file(jobId), { force: true });
  }
}
