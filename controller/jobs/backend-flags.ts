/**
 * The per-backend flags operators and DBSTATUS results write (reference/jobrunner.md §3.7), by
 * name, and how their values are read. Names and values are upstream's, since backend/status and
 * existing deployments' databases depend on them.
 */

export const FLAG = {
  paused: "paused",
  mode: "mode",
  manualDbMaintenance: "manual-db-maintenance",
  dbMaintenanceChecksDisabled: "db-maintenance-checks-disabled",
  lastSeenAt: "last-seen-at",
} as const;

/** The `mode` value meaning the backend's database is in maintenance. */
export const DB_MAINTENANCE_MODE = "db-maintenance";

/** Upstream's test for flags such as manual-db-maintenance: any non-empty value counts as set. */
export function isFlagSet(value: string | null | undefined): boolean {
  return value !== null && value !== undefined && value !== "";
}

/** Upstream's test for `paused`: the value is "true" in any case. */
export function isPausedValue(value: string | null | undefined): boolean {
  return (value ?? "").toLowerCase() === "true";
}
