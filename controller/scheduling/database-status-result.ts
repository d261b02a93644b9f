/**
 * What a finished DBSTATUS task does (reference/jobrunner.md §2.3, §4.12): its result sets the
 * backend's `mode` flag ("db-maintenance" or ""), unless an operator has put the backend in manual
 * maintenance, which always wins. The scheduler, woken by the update, then stops or restarts the
 * backend's database jobs.
 */
import type { ControllerDeps } from "../deps.js";
import { FLAG, isFlagSet } from "../jobs/backend-flags.js";
import type { TaskResult } from "../jobs/task-result.js";

/**
 * Applies a finished check's status to `mode`; a failed check changes nothing. Runs inside the
 * transaction that stores the update. Returns whether `mode` changed.
 */
export function applyDatabaseStatus(deps: ControllerDeps, backend: string, result: TaskResult | null): boolean {
  if (isFlagSet(deps.flags.get(backend, FLAG.manualDbMaintenance)?.value)) return false;
  if (result?.outcome !== "finished") return false;
  const status = result.databaseStatus;
  const before = deps.flags.get(backend, FLAG.mode)?.value ?? null;
  if (before === status) return false;
  deps.flags.set(backend, FLAG.mode, status, deps.clock.nowMs() / 1000);
  deps.log.info("database status changed", { backend, mode: status, previous: before });
  return true;
}
