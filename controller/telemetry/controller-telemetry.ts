/**
 * The controller's telemetry behind the TelemetryHooks: Prometheus metrics and the job's trace
 * spans. One object per controller.
 */
import type { Job } from "../jobs/job.js";
import type { ControllerMetrics } from "./controller-metrics.js";
import type { JobTracing } from "./job-tracing.js";
import type { TelemetryHooks } from "./telemetry-hooks.js";

export class ControllerTelemetry implements TelemetryHooks {
  constructor(
    /** undefined: metrics are off (the benchmark of their cost). */
    readonly metrics: ControllerMetrics | undefined,
    private readonly nowMs: () => number,
    private readonly tracing: JobTracing | undefined,
  ) {}

  jobChanged(job: Job, previous: Job): void {
    this.metrics?.jobChanged(job, previous);
    this.tracing?.jobChanged(job, previous);
  }

  taskPushed(taskId: string, backend: string): void {
    this.metrics?.taskPushed(taskId, backend, this.nowMs());
  }

  taskUpdated(taskId: string, type: string, backend: string, fresh: boolean, agentTimestampNs: bigint | null): void {
    const agentMs = agentTimestampNs === null ? undefined : Number(agentTimestampNs / 1_000_000n);
    this.metrics?.taskUpdated(taskId, type, backend, fresh, agentMs, this.nowMs());
  }

  agentConnected(backend: string): void {
    this.metrics?.agentConnected(backend);
  }
}
