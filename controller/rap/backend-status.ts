/** backend/status (reference/jobrunner.md §1.3): flags of every backend the token may see. */
import type { ControllerDeps } from "../deps.js";

export interface ApiBackendStatus {
  slug: string;
  last_seen: string | null;
  paused: { status: "on" | "off"; since: string | null };
  db_maintenance: { status: "on" | "off"; since: string | null; type: "scheduled" | "manual" | null };
}

/** Float unix seconds as upstream renders flag times: microseconds, omitted when exactly zero. */
export function isoMicros(seconds: number): string {
  // As Python's datetime.fromtimestamp: round the fractional part to microseconds, half to even.
  let whole = Math.floor(seconds);
  const scaled = (seconds - whole) * 1e6;
  let fraction = Math.round(scaled);
  if (Math.abs(scaled - Math.trunc(scaled)) === 0.5) fraction = 2 * Math.round(scaled / 2);
  if (fraction >= 1_000_000) {
    whole += 1;
    fraction -= 1_000_000;
  }
  const base = new Date(whole * 1000).toISOString().slice(0, 19);
  return fraction === 0 ? `${base}Z` : `${base}.${String(fraction).padStart(6, "0")}Z`;
}

export function backendStatus(deps: ControllerDeps, slug: string): ApiBackendStatus {
  const flag = (id: string) => deps.flags.get(slug, id);
  const since = (id: string) => {
    const found = flag(id);
    return found ? isoMicros(found.timestamp) : null;
  };
  const maintenanceOn = flag("mode")?.value === "db-maintenance";
  return {
    slug,
    last_seen: since("last-seen-at"),
    // Only exactly "true" reads as on, though the scheduler pauses for any case of it: upstream's quirk, kept.
    paused: { status: flag("paused")?.value === "true" ? "on" : "off", since: since("paused") },
    db_maintenance: {
      status: maintenanceOn ? "on" : "off",
      since: since("mode"),
      type: maintenanceOn ? (flag("manual-db-maintenance")?.value === "on" ? "manual" : "scheduled") : null,
    },
  };
}

export function backendsStatus(deps: ControllerDeps, allowedBackends: readonly string[]): ApiBackendStatus[] {
  return allowedBackends.map((slug) => backendStatus(deps, slug));
}
