/** rap/cancel (reference/jobrunner.md §1.5). The scheduler then stops the work, pushing CANCELJOB at once. */
import type { ControllerDeps } from "../deps.js";

export type CancelResult =
  | { readonly kind: "cancelled"; readonly count: number }
  | { readonly kind: "no_jobs" }
  | { readonly kind: "actions_not_found"; readonly notFound: readonly string[] };

/** Python's sorted() order for str (code points; JavaScript's default sort compares UTF-16 units). */
function byCodePoint(a: string, b: string): number {
  const x = [...a].map((ch) => ch.codePointAt(0)!);
  const y = [...b].map((ch) => ch.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

export function cancelJobs(
  deps: ControllerDeps,
  allowedBackends: readonly string[],
  rapId: string,
  actions: readonly string[],
): CancelResult {
  // The marked jobs, across every backend, for the scheduler to stop.
  let touched: string[] = [];
  const result = deps.db.transaction((): CancelResult => {
    const visible = deps.jobs.byRapId(rapId).filter((job) => allowedBackends.includes(job.backend));
    if (visible.length === 0) return { kind: "no_jobs" };
    const known = new Set(visible.map((job) => job.action));
    const notFound = [...new Set(actions.filter((action) => !known.has(action)))].sort(byCodePoint);
    if (notFound.length > 0) return { kind: "actions_not_found", notFound };
    // As upstream: every job of the rap with one of the actions, whatever its state, and the count
    // echoes the request (duplicates included). Each name is bound once, so a list with many repeats
    // cannot exceed SQLite's parameter limit (an HTML 500 upstream).
    const names = new Set(actions);
    deps.jobs.markCancelled(rapId, [...names], Math.floor(deps.clock.nowMs() / 1000));
    touched = deps.jobs
      .byRapId(rapId)
      .filter((job) => names.has(job.action))
      .map((job) => job.id);
    return { kind: "cancelled", count: actions.length };
  })();
  if (result.kind === "cancelled") {
    deps.log.info("jobs cancelled", { rap_id: rapId, actions: actions.join(",") });
    deps.scheduler.jobsChanged(touched);
  }
  return result;
}
