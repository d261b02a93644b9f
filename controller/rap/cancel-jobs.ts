/** rap/cancel (reference/jobrunner.md §1.5). The scheduler then stops the work, pushing CANCELJOB at once. */
import type { ControllerDeps } from "../deps.js";

export type CancelResult =
  | { readonly kind: "cancelled"; readonly count: number }
  | { readonly kind: "no_jobs" }
  | { readonly kind: "actions_not_found"; readonly notFound: readonly string[] };

export function cancelJobs(
  deps: ControllerDeps,
  allowedBackends: readonly string[],
  rapId: string,
  actions: readonly string[],
): CancelResult {
  const result = deps.db.transaction((): CancelResult => {
    const visible = deps.jobs.byRapId(rapId).filter((job) => allowedBackends.includes(job.backend));
    if (visible.length === 0) return { kind: "no_jobs" };
    const known = new Set(visible.map((job) => job.action));
    const notFound = [...new Set(actions.filter((action) => !known.has(action)))].sort();
    if (notFound.length > 0) return { kind: "actions_not_found", notFound };
    // As upstream: every job of the rap with one of the actions, whatever its state, and the count
    // echoes the request (duplicates included).
    deps.jobs.markCancelled(rapId, actions, Math.floor(deps.clock.nowMs() / 1000));
    return { kind: "cancelled", count: actions.length };
  })();
  if (result.kind === "cancelled") {
    deps.log.info("jobs cancelled", { rap_id: rapId, actions: actions.join(",") });
    deps.scheduler.wake();
  }
  return result;
}
