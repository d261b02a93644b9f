/**
 * The few points where the controller tells its telemetry (metrics, traces, the job history the
 * dashboard shows) what happened. Optional everywhere: a controller built without them (unit tests)
 * behaves the same.
 */
import type { Job } from "../jobs/job.js";

export interface TelemetryHooks {
  /** A job's stored status changed (called inside the store transaction). */
  jobChanged(job: Job, previous: Job): void;
  /** A task was sent to its backend's agent. */
  taskPushed(taskId: string, backend: string): void;
  /** An agent's update for a task was stored (`fresh`) or recognised as a replay. */
  taskUpdated(taskId: string, type: string, backend: string, fresh: boolean, agentTimestampNs: bigint | null): void;
  /** An agent opened its stream. */
  agentConnected(backend: string): void;
}
