/**
 * The one way a job's status changes (upstream's set_code, reference/jobrunner.md §3.3), as a pure
 * function: given the job, the new code and message, and the clock, it returns the job to store.
 */
import type { Job } from "./job.js";
import { FINAL_CODES, RESET_CODES, RUNNING_START_CODES, type State, type StatusCode } from "./status.js";

/** How often an unchanged active job gets its updated_at refreshed, so clients see it is alive. */
export const HEARTBEAT_INTERVAL_SECONDS = 60;

export type CodeChange =
  | { readonly kind: "changed"; readonly job: Job }
  | { readonly kind: "heartbeat"; readonly updatedAt: number }
  | { readonly kind: "unchanged" };

export function applyStatusCode(job: Job, code: StatusCode, message: string, nowMs: number, transitionAtMs?: number): CodeChange {
  if (code === job.statusCode) {
    const nowSeconds = Math.floor(nowMs / 1000);
    return nowSeconds - job.updatedAt >= HEARTBEAT_INTERVAL_SECONDS
      ? { kind: "heartbeat", updatedAt: nowSeconds }
      : { kind: "unchanged" };
  }
  let atMs = transitionAtMs ?? nowMs;
  // Never record a transition before the previous one (an agent clock behind ours).
  if (atMs < job.statusCodeUpdatedAtMs) atMs = job.statusCodeUpdatedAtMs + 1;
  const atSeconds = Math.floor(atMs / 1000);

  let state: State = job.state;
  let startedAt = job.startedAt;
  let completedAt = job.completedAt;
  if (RUNNING_START_CODES.has(code)) {
    state = "running";
    startedAt ??= atSeconds;
  } else if (code === "cancelled_by_user") {
    // completed_at was already set by the cancel API.
    state = "failed";
  } else if (FINAL_CODES.has(code)) {
    state = code === "succeeded" ? "succeeded" : "failed";
    completedAt = atSeconds;
  } else if (RESET_CODES.has(code)) {
    state = "pending";
    startedAt = null;
  }
  return {
    kind: "changed",
    job: {
      ...job,
      state,
      statusCode: code,
      statusMessage: message,
      startedAt,
      completedAt,
      updatedAt: atSeconds,
      statusCodeUpdatedAtMs: atMs,
    },
  };
}
