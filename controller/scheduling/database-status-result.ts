/**
 * What a finished DBSTATUS task does (reference/jobrunner.md §2.3, §4.12): its result sets the
 * backend's `mode` flag ("db-maintenance" or ""), unless an operator has put the backend in manual
 * maintenance, which always wins. The scheduler, woken by the update, then stops or restarts the
 * backend's database jobs.
 */
import type { ControllerDeps } from "../deps.js";
import { FLAG, isFlagSet } from "../jobs/backend-flags.js";

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * Applies the agent's `{"results": {"status": …}, "error": null}` to `mode`; an error result (no
 * `results`) changes nothing. Runs inside the transaction that stores the update. Returns whether
 * `mode` changed.
 */
export function applyDatabaseStatus(
  deps: ControllerDeps,
  backend: string,
  results: Readonly<Record<string, unknown>> | null,
): boolean {
  if (isFlagSet(deps.flags.get(backend, FLAG.manualDbMaintenance)?.value)) return false;
  const inner = results?.results;
  if (!isRecord(inner) || typeof inner.status !== "string") return false;
  const before = deps.flags.get(backend, FLAG.mode)?.value ?? null;
  if (before === inner.status) return false;
  deps.flags.set(backend, FLAG.mode, inner.status, deps.clock.nowMs() / 1000);
  deps.log.info("database status changed", { backend, mode: inner.status, previous: before });
  return true;
}
