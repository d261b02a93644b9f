/**
 * Operators' flag commands (upstream's `flags`, `pause` and `db_maintenance`, reference/jobrunner.md
 * §7 and §4.12-4.13). Every write wakes the scheduler, because flags take effect on the next pass:
 * pausing holds pending jobs, maintenance stops database jobs.
 */
import type { ControllerDeps } from "../deps.js";
import { DB_MAINTENANCE_MODE, FLAG } from "../jobs/backend-flags.js";
import { AdminError, requireBackend } from "./admin-errors.js";

/** A flag as operators see it; never-set flags have a null value and no timestamp. */
export interface FlagView {
  readonly backend: string;
  readonly id: string;
  readonly value: string | null;
  /** Unix seconds (float) of the last change, or null if never set. */
  readonly timestamp: number | null;
}

export interface FlagAssignment {
  readonly id: string;
  /** null clears the flag. */
  readonly value: string | null;
}

function view(deps: ControllerDeps, backend: string, id: string): FlagView {
  const flag = deps.flags.get(backend, id);
  return { backend, id, value: flag?.value ?? null, timestamp: flag?.timestamp ?? null };
}

function checkId(id: string): void {
  if (!/^[A-Za-z0-9_.-]+$/.test(id)) throw new AdminError("invalid_argument", `invalid flag name '${id}'`);
}

/** The named flags, or every flag stored for the backend when none are named. */
export function getFlags(deps: ControllerDeps, backend: string, ids: readonly string[]): FlagView[] {
  const slug = requireBackend(deps, backend);
  ids.forEach(checkId);
  if (ids.length === 0) return deps.flags.all(slug).map((flag) => ({ ...flag }));
  return ids.map((id) => view(deps, slug, id));
}

/** Writes the flags in order, in one transaction, and returns them as stored. */
export function setFlags(deps: ControllerDeps, backend: string, assignments: readonly FlagAssignment[]): FlagView[] {
  const slug = requireBackend(deps, backend);
  if (assignments.length === 0) throw new AdminError("invalid_argument", "no flags to set");
  assignments.forEach((assignment) => checkId(assignment.id));
  const nowSeconds = deps.clock.nowMs() / 1000;
  const views = deps.db.transaction(() =>
    assignments.map((assignment) => {
      deps.flags.set(slug, assignment.id, assignment.value, nowSeconds);
      return view(deps, slug, assignment.id);
    }),
  )();
  deps.log.info("flags set by admin", { backend: slug, flags: assignments.map((a) => `${a.id}=${a.value ?? ""}`).join(" ") });
  deps.scheduler.backendChanged(slug);
  return views;
}

/** `pause on|off`: paused=true, or paused cleared. */
export function setPaused(deps: ControllerDeps, backend: string, paused: boolean): FlagView[] {
  return setFlags(deps, backend, [{ id: FLAG.paused, value: paused ? "true" : null }]);
}

/**
 * `db_maintenance on|off [--disable-checks]`: on sets maintenance mode manually (DBSTATUS results
 * can no longer change it) and, with disable_checks, also stops the DBSTATUS tasks; off clears all
 * three flags, so the next DBSTATUS result decides again.
 */
export function setDbMaintenance(deps: ControllerDeps, backend: string, on: boolean, disableChecks: boolean): FlagView[] {
  if (!on && disableChecks) throw new AdminError("invalid_argument", "disable_checks only applies when turning maintenance on");
  return setFlags(
    deps,
    backend,
    on
      ? [
          { id: FLAG.mode, value: DB_MAINTENANCE_MODE },
          { id: FLAG.manualDbMaintenance, value: "on" },
          { id: FLAG.dbMaintenanceChecksDisabled, value: disableChecks ? "true" : null },
        ]
      : [
          { id: FLAG.mode, value: null },
          { id: FLAG.manualDbMaintenance, value: null },
          { id: FLAG.dbMaintenanceChecksDisabled, value: null },
        ],
  );
}
